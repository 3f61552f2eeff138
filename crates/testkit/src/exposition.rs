//! A small reader of the Prometheus text format (what `/metrics` answers), enough for tests:
//! which families are described (`# HELP`, `# TYPE`), which families have samples, and a
//! sample's value. It does not validate the format; promtool and Prometheus do that.

use std::collections::{BTreeMap, BTreeSet};

/// What a `/metrics` body says about its families.
#[derive(Debug, Default)]
pub struct Exposition {
    /// Family name to the metric type from its `# TYPE` line.
    pub types: BTreeMap<String, String>,
    /// Families with a `# HELP` line.
    pub helped: BTreeSet<String>,
    /// Families that have at least one sample (a histogram's `_bucket`, `_sum` and `_count`
    /// samples belong to the histogram).
    pub sampled: BTreeSet<String>,
}

impl Exposition {
    /// Reads `text`.
    pub fn parse(text: &str) -> Self {
        let mut exposition = Self::default();
        let mut samples = Vec::new();
        for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
            if let Some(rest) = line.strip_prefix("# HELP ") {
                if let Some(name) = rest.split_whitespace().next() {
                    exposition.helped.insert(name.to_owned());
                }
            } else if let Some(rest) = line.strip_prefix("# TYPE ") {
                let mut words = rest.split_whitespace();
                if let (Some(name), Some(kind)) = (words.next(), words.next()) {
                    exposition.types.insert(name.to_owned(), kind.to_owned());
                }
            } else if !line.starts_with('#') {
                samples.push(sample_name(line).to_owned());
            }
        }
        for name in samples {
            let family = exposition.family_of(&name);
            exposition.sampled.insert(family);
        }
        exposition
    }

    /// The family a sample name belongs to: itself if typed, else the histogram or summary
    /// its `_bucket`/`_sum`/`_count` suffix points to.
    fn family_of(&self, sample: &str) -> String {
        if self.types.contains_key(sample) {
            return sample.to_owned();
        }
        ["_bucket", "_sum", "_count"]
            .iter()
            .filter_map(|suffix| sample.strip_suffix(suffix))
            .find(|base| {
                self.types
                    .get(*base)
                    .is_some_and(|kind| kind == "histogram" || kind == "summary")
            })
            .unwrap_or(sample)
            .to_owned()
    }

    /// Sampled families lacking a `# HELP` or a `# TYPE` line, each with what it lacks.
    pub fn undescribed(&self) -> Vec<String> {
        self.sampled
            .iter()
            .filter_map(|family| {
                let missing: Vec<&str> = [
                    (!self.helped.contains(family)).then_some("HELP"),
                    (!self.types.contains_key(family)).then_some("TYPE"),
                ]
                .into_iter()
                .flatten()
                .collect();
                (!missing.is_empty()).then(|| format!("{family} (no {})", missing.join(", no ")))
            })
            .collect()
    }
}

/// The value of the first sample named exactly `name` (any labels), if there is one.
pub fn sample_value(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#'))
        .find(|line| sample_name(line) == name)
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

fn sample_name(line: &str) -> &str {
    let end = line.find(['{', ' ']).unwrap_or(line.len());
    &line[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
# HELP requests_seconds How long requests took.
# TYPE requests_seconds histogram
requests_seconds_bucket{route=\"/\",le=\"0.1\"} 1
requests_seconds_bucket{route=\"/\",le=\"+Inf\"} 1
requests_seconds_sum{route=\"/\"} 0.05
requests_seconds_count{route=\"/\"} 1

# TYPE jobs_total counter
jobs_total{job_type=\"a\"} 3

# HELP open_fds Open file descriptors.
# TYPE open_fds gauge
open_fds 12
bare_count 4
";

    #[test]
    fn families_without_help_or_type_are_listed_with_what_they_lack() {
        let exposition = Exposition::parse(TEXT);
        assert_eq!(
            exposition.undescribed(),
            ["bare_count (no HELP, no TYPE)", "jobs_total (no HELP)"]
        );
    }

    #[test]
    fn histogram_samples_belong_to_their_family() {
        let exposition = Exposition::parse(TEXT);
        assert!(exposition.sampled.contains("requests_seconds"));
        assert!(!exposition.sampled.contains("requests_seconds_bucket"));
    }

    #[test]
    fn sample_values_are_read_with_or_without_labels() {
        assert_eq!(sample_value(TEXT, "open_fds"), Some(12.0));
        assert_eq!(sample_value(TEXT, "jobs_total"), Some(3.0));
        assert_eq!(sample_value(TEXT, "requests_seconds_sum"), Some(0.05));
        assert_eq!(sample_value(TEXT, "requests"), None);
    }
}
