//! Process metrics with the names every Prometheus client library uses
//! (`process_resident_memory_bytes`, `process_virtual_memory_bytes`,
//! `process_cpu_seconds_total`, `process_open_fds`, `process_max_fds`,
//! `process_start_time_seconds`, `process_threads`), sampled on each scrape by the
//! `metrics-process` collector.

use std::sync::OnceLock;

fn collector() -> &'static metrics_process::Collector {
    static COLLECTOR: OnceLock<metrics_process::Collector> = OnceLock::new();
    COLLECTOR.get_or_init(metrics_process::Collector::default)
}

/// Registers the process metrics' descriptions (HELP text and unit).
pub(super) fn describe() {
    collector().describe();
}

/// Samples the process now; called before each render.
pub(super) fn collect() {
    collector().collect();
}
