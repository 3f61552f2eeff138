//! Step 3: which stored entities each extracted one may be. One `FindEntityCandidates` call
//! per entity (names and aliases, its type, its description), run concurrently, and the
//! original's thresholds: nothing above 0.1 is new; exactly one above 0.6 is a match; else
//! every candidate above 0.15 is compared in step 5 (none: new).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Extracted, Match};
use crate::error::UpdateError;
use crate::knowledge::Knowledge;
use exobrain_proto::knowledge::EntityCandidate;

/// Scores at or below this mean "nothing close".
const ANY: f64 = 0.1;
/// A score above this is a clear match (when it is the only one).
const CLEAR: f64 = 0.6;
/// Candidates above this are worth comparing.
const WORTH_COMPARING: f64 = 0.15;

/// A stored entity that may be the extracted one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its node type id.
    pub type_id: String,
    /// How close it is, in [0, 1].
    pub score: f64,
}

/// Step 3's finding for one extracted entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidates {
    /// The verdict.
    pub verdict: Match,
    /// The candidates worth knowing (score above 0.15), best first.
    pub candidates: Vec<Candidate>,
}

/// Finds the candidates of every entity, at most `bound` calls at a time; `typed` filters
/// by each entity's type.
pub async fn find(
    knowledge: &Knowledge,
    entities: &[Extracted],
    typed: bool,
    bound: usize,
) -> Result<Vec<Candidates>, UpdateError> {
    crate::concurrent::try_all(
        (entities.iter().map(|entity| async move {
            let mut names = vec![entity.name.clone()];
            names.extend(entity.aliases.iter().cloned());
            names.retain(|name| !name.trim().is_empty());
            let types = if typed {
                vec![entity.node_type.clone()]
            } else {
                Vec::new()
            };
            let found = knowledge
                .candidates(names, types, &entity.short_description)
                .await
                .map_err(UpdateError::knowledge("step 3 candidate matching"))?;
            Ok(classify(&found))
        }))
        .collect(),
        bound.max(1),
    )
    .await
}

/// The verdict on `found`.
pub fn classify(found: &[EntityCandidate]) -> Candidates {
    let mut candidates: Vec<Candidate> = found
        .iter()
        .filter(|c| c.score > WORTH_COMPARING && c.score.is_finite())
        .filter_map(|c| {
            Some(Candidate {
                id: Uuid::parse_str(&c.entity_id).ok()?,
                name: c.entity_name.clone(),
                type_id: c.entity_type_id.clone(),
                score: c.score,
            })
        })
        .collect();
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    let verdict = if !found.iter().any(|c| c.score > ANY) {
        Match::New
    } else {
        let clear: Vec<&Candidate> = candidates.iter().filter(|c| c.score > CLEAR).collect();
        match clear.as_slice() {
            [only] => Match::Matched { id: only.id },
            _ if candidates.is_empty() => Match::New,
            _ => Match::Compare {
                ids: candidates.iter().map(|c| c.id).collect(),
            },
        }
    };
    Candidates {
        verdict,
        candidates,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: u128, score: f64) -> EntityCandidate {
        EntityCandidate {
            entity_id: Uuid::from_u128(id).to_string(),
            entity_name: format!("e{id}"),
            score,
            ..Default::default()
        }
    }

    #[test]
    fn the_thresholds_decide_new_match_or_compare() {
        assert_eq!(classify(&[]).verdict, Match::New);
        assert_eq!(classify(&[candidate(1, 0.09)]).verdict, Match::New);
        assert_eq!(classify(&[candidate(1, 0.12)]).verdict, Match::New);
        assert_eq!(
            classify(&[candidate(1, 0.7), candidate(2, 0.3)]).verdict,
            Match::Matched {
                id: Uuid::from_u128(1)
            }
        );
        assert_eq!(
            classify(&[candidate(1, 0.3), candidate(2, 0.7), candidate(3, 0.65)]).verdict,
            Match::Compare {
                ids: vec![Uuid::from_u128(2), Uuid::from_u128(3), Uuid::from_u128(1)]
            }
        );
        assert_eq!(
            classify(&[candidate(1, 0.4)]).verdict,
            Match::Compare {
                ids: vec![Uuid::from_u128(1)]
            }
        );
    }
}
