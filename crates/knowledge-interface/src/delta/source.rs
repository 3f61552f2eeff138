//! Wire → domain for provenance: the delta's `source` and each record's own. Text parts are
//! trimmed and blank message ids dropped; message sequences must be at least 1 and at most
//! [`MAX_MESSAGE_SEQUENCES`] per record, and are stored sorted without repeats (so the same
//! delta always yields the same provenance, and re-applying it changes nothing). A record's
//! provenance is its own with every empty part taken from the delta's
//! ([`Provenance::filled_from`]). Problems are reported like every other delta problem:
//! one line each, naming the field.

use exobrain_proto::knowledge as pb;

use crate::graph::model::{MAX_MESSAGE_SEQUENCES, Provenance};

/// The provenance at field path `at` (`source`, `blocks[3].source`), or `None` after
/// adding its problems to `invalid`. A missing message is empty provenance.
pub(super) fn parse(
    invalid: &mut Vec<String>,
    at: &str,
    wire: Option<pb::Provenance>,
) -> Option<Provenance> {
    let Some(wire) = wire else {
        return Some(Provenance::default());
    };
    let message_sequences = sequences(invalid, at, wire.message_sequences)?;
    Some(Provenance {
        job_id: wire.job_id.trim().to_owned(),
        journal_reference: wire.journal_reference.trim().to_owned(),
        message_ids: wire
            .message_ids
            .into_iter()
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty())
            .collect(),
        extractor: wire.extractor.trim().to_owned(),
        message_sequences,
    })
}

/// The provenance of the record at `record` (`blocks[3]`): its own `source`, filled from
/// the delta's.
pub(super) fn of_record(
    invalid: &mut Vec<String>,
    record: &str,
    wire: Option<pb::Provenance>,
    delta: &Provenance,
) -> Option<Provenance> {
    parse(invalid, &format!("{record}.source"), wire).map(|own| own.filled_from(delta))
}

fn sequences(invalid: &mut Vec<String>, at: &str, mut wire: Vec<i64>) -> Option<Vec<i64>> {
    if wire.len() > MAX_MESSAGE_SEQUENCES {
        invalid.push(format!(
            "{at}.message_sequences: {} sequences given; at most {MAX_MESSAGE_SEQUENCES} per record",
            wire.len()
        ));
        return None;
    }
    let before = invalid.len();
    for (index, sequence) in wire.iter().enumerate() {
        if *sequence < 1 {
            invalid.push(format!(
                "{at}.message_sequences[{index}]: {sequence} is not a message sequence (sequences start at 1)"
            ));
        }
    }
    if invalid.len() != before {
        return None;
    }
    wire.sort_unstable();
    wire.dedup();
    Some(wire)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(sequences: Vec<i64>) -> Option<pb::Provenance> {
        Some(pb::Provenance {
            message_sequences: sequences,
            ..Default::default()
        })
    }

    #[test]
    fn sequences_are_sorted_without_repeats() {
        let mut invalid = Vec::new();
        let parsed = parse(&mut invalid, "source", wire(vec![7, 3, 7, 1])).unwrap();
        assert_eq!(parsed.message_sequences, [1, 3, 7]);
        assert!(invalid.is_empty());
    }

    #[test]
    fn every_sequence_below_one_is_named() {
        let mut invalid = Vec::new();
        assert!(parse(&mut invalid, "blocks[3].source", wire(vec![4, 0, -2])).is_none());
        assert_eq!(invalid.len(), 2);
        assert!(invalid[0].starts_with("blocks[3].source.message_sequences[1]: 0 "));
        assert!(invalid[1].starts_with("blocks[3].source.message_sequences[2]: -2 "));
    }

    #[test]
    fn too_many_sequences_name_the_cap() {
        let mut invalid = Vec::new();
        let many = (1..=MAX_MESSAGE_SEQUENCES as i64 + 1).collect();
        assert!(parse(&mut invalid, "source", wire(many)).is_none());
        assert_eq!(
            invalid,
            ["source.message_sequences: 1001 sequences given; at most 1000 per record"]
        );
    }

    #[test]
    fn a_records_source_is_filled_from_the_deltas() {
        let delta = Provenance {
            job_id: "job-1".into(),
            message_sequences: vec![1, 2],
            ..Provenance::default()
        };
        let mut invalid = Vec::new();
        let own = of_record(&mut invalid, "blocks[0]", wire(vec![9]), &delta).unwrap();
        assert_eq!(
            (own.job_id.as_str(), own.message_sequences),
            ("job-1", vec![9])
        );
        let none = of_record(&mut invalid, "blocks[1]", None, &delta).unwrap();
        assert_eq!(none, delta);
    }
}
