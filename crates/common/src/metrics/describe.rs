//! Metric descriptions: each crate lists the metrics it emits as a table of [`Description`]s
//! (name, kind, unit, HELP text) and registers it once at startup with [`describe`], so every
//! family on `/metrics` carries `# HELP` and `# TYPE`. The names keep their unit as a suffix
//! (`_seconds`, `_bytes`, `_total`), as Prometheus expects; the unit is recorded for exporters
//! that show it.

use metrics::Unit;

/// What kind of metric a family is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up.
    Counter,
    /// Goes up and down.
    Gauge,
    /// A distribution (rendered as a histogram when its name ends in `_seconds`, else as a
    /// summary).
    Histogram,
}

/// One metric family: its name, kind, unit and HELP text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Description {
    /// The Prometheus name.
    pub name: &'static str,
    /// Counter, gauge or histogram.
    pub kind: Kind,
    /// The unit of its values.
    pub unit: Unit,
    /// One sentence: what is measured, and by which labels.
    pub help: &'static str,
}

impl Description {
    /// A counter.
    pub const fn counter(name: &'static str, unit: Unit, help: &'static str) -> Self {
        Self {
            name,
            kind: Kind::Counter,
            unit,
            help,
        }
    }

    /// A gauge.
    pub const fn gauge(name: &'static str, unit: Unit, help: &'static str) -> Self {
        Self {
            name,
            kind: Kind::Gauge,
            unit,
            help,
        }
    }

    /// A histogram.
    pub const fn histogram(name: &'static str, unit: Unit, help: &'static str) -> Self {
        Self {
            name,
            kind: Kind::Histogram,
            unit,
            help,
        }
    }
}

/// Installs the recorder if needed and registers `table` with it. Registering again (a test
/// starting a service many times) only rewrites the same descriptions.
pub fn describe(table: &[Description]) {
    let _ = super::handle();
    register(table);
}

/// Registers `table` with the installed recorder.
pub(super) fn register(table: &[Description]) {
    for description in table {
        let Description {
            name,
            kind,
            unit,
            help,
        } = *description;
        match kind {
            Kind::Counter => metrics::describe_counter!(name, unit, help),
            Kind::Gauge => metrics::describe_gauge!(name, unit, help),
            Kind::Histogram => metrics::describe_histogram!(name, unit, help),
        }
    }
}
