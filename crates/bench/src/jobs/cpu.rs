//! Where the CPU time of a phase went: user+system seconds of PostgreSQL (all backends),
//! nats-server, the API, the workers and this load generator, read from `/proc`. Printed
//! beside the figures so a bottleneck has a name.

use std::collections::BTreeMap;

/// CPU seconds by component at one moment.
#[derive(Debug, Clone, Default)]
pub struct CpuSample(BTreeMap<String, f64>);

impl CpuSample {
    /// Reads every process, naming our children by `children` (pid, name).
    pub fn take(children: &[(u32, &str)]) -> Self {
        let ticks = 100.0; // USER_HZ on Linux
        let mut by_component = BTreeMap::new();
        let own = std::process::id();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Self::default();
        };
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|name| name.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            let Some((comm, rest)) = stat.split_once(") ") else {
                continue;
            };
            let comm = comm.rsplit_once('(').map_or("", |(_, name)| name);
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let (Some(utime), Some(stime)) = (fields.get(11), fields.get(12)) else {
                continue;
            };
            let seconds =
                (utime.parse::<f64>().unwrap_or(0.0) + stime.parse::<f64>().unwrap_or(0.0)) / ticks;
            let component = if pid == own {
                "bench"
            } else if let Some((_, name)) = children.iter().find(|(child, _)| *child == pid) {
                name
            } else if comm == "postgres" {
                "postgres"
            } else if comm == "nats-server" {
                "nats"
            } else {
                continue;
            };
            *by_component.entry(component.to_owned()).or_insert(0.0) += seconds;
        }
        Self(by_component)
    }

    /// What was used since `earlier`, as `name=seconds` pairs.
    pub fn since(&self, earlier: &CpuSample) -> String {
        self.0
            .iter()
            .map(|(name, seconds)| {
                format!(
                    "{name}={:.2}s",
                    seconds - earlier.0.get(name).unwrap_or(&0.0)
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}
