//! The reply when no language model is configured (the chat alias is answered by
//! model-provider's built-in `local` provider): the turn still searches the user's notes for
//! the message and answers with what it found, each entity and note with the journal day it
//! came from, so a machine with no API key is a working memory assistant rather than an echo.

use std::fmt::Write as _;

use super::tools::{Found, collapse, journal_of};

/// The note appended to every offline answer.
pub const OFFLINE_NOTE: &str = "_Offline mode: no language model is configured, so I list what \
your notes hold instead of writing an answer._";

/// Most notes listed.
const MAX_NOTES: usize = 6;

/// The offline answer to a message, given what the search found (see [`Found::relevant`]).
pub fn answer(found: &Found) -> String {
    let mut text = String::new();
    let blocks: Vec<_> = found
        .blocks
        .iter()
        .filter(|hit| !hit.text.trim().is_empty())
        .take(MAX_NOTES)
        .collect();
    let listed_entities: Vec<_> = found
        .entities
        .iter()
        .filter(|entity| {
            !blocks
                .iter()
                .any(|hit| hit.root_entity_id == entity.entity_id)
        })
        .take(MAX_NOTES)
        .collect();
    if blocks.is_empty() && listed_entities.is_empty() {
        text.push_str(
            "Your notes hold nothing about that yet. Once you run a knowledge update, what you \
             tell me here becomes part of your notes and I can find it.\n\n",
        );
        text.push_str(OFFLINE_NOTE);
        return text;
    }
    text.push_str("From your notes:\n\n");
    for hit in &blocks {
        let name = if hit.root_entity_name.is_empty() {
            "Note"
        } else {
            hit.root_entity_name.as_str()
        };
        let _ = write!(text, "- **{name}**: {}", collapse(&hit.text));
        if let Some(day) = journal_of(hit.source.as_ref()) {
            let _ = write!(text, " _(journal {day})_");
        }
        text.push('\n');
    }
    for entity in listed_entities {
        let kind = entity
            .entity_type_id
            .strip_prefix("node.")
            .unwrap_or(&entity.entity_type_id);
        let _ = write!(text, "- **{}** ({kind})", entity.entity_name);
        let description = collapse(&entity.described_by_text);
        if !description.is_empty() {
            let _ = write!(text, ": {description}");
        }
        text.push('\n');
    }
    text.push('\n');
    text.push_str(OFFLINE_NOTE);
    text
}

/// The answer cut into chunks the way a model streams: line by line.
pub fn chunks(answer: &str) -> impl Iterator<Item = &str> {
    answer.split_inclusive('\n')
}

#[cfg(test)]
mod tests {
    use exobrain_proto::knowledge as pb;

    use super::*;

    #[test]
    fn notes_are_listed_with_their_entity_and_journal_day() {
        let found = Found {
            entities: vec![
                pb::EntityCandidate {
                    entity_id: "e1".into(),
                    entity_name: "Anna".into(),
                    entity_type_id: "node.person".into(),
                    ..Default::default()
                },
                pb::EntityCandidate {
                    entity_id: "e2".into(),
                    entity_name: "Vienna".into(),
                    entity_type_id: "node.city".into(),
                    described_by_text: "capital\nof Austria".into(),
                    ..Default::default()
                },
            ],
            blocks: vec![pb::BlockHit {
                text: "Anna moved to\nVienna.".into(),
                lexical_score: 0.5,
                root_entity_id: "e1".into(),
                root_entity_name: "Anna".into(),
                source: Some(pb::Provenance {
                    journal_reference: "2025/02/18".into(),
                    ..Default::default()
                }),
                ..Default::default()
            }],
        };
        let text = answer(&found);
        assert!(text.starts_with("From your notes:\n\n"), "{text}");
        assert!(
            text.contains("- **Anna**: Anna moved to Vienna. _(journal 2025/02/18)_\n"),
            "{text}"
        );
        assert!(
            text.contains("- **Vienna** (city): capital of Austria\n"),
            "{text}"
        );
        assert!(
            !text.contains("(person)"),
            "Anna is listed once, by her note: {text}"
        );
        assert_eq!(chunks(&text).collect::<String>(), text);
    }

    #[test]
    fn an_empty_search_says_the_notes_hold_nothing() {
        let text = answer(&Found::default());
        assert!(
            text.starts_with("Your notes hold nothing about that yet."),
            "{text}"
        );
        let weak = Found {
            entities: Vec::new(),
            blocks: vec![pb::BlockHit {
                text: "Unrelated".into(),
                semantic_score: 0.2,
                ..Default::default()
            }],
        };
        let text = answer(&weak.relevant());
        assert!(
            text.starts_with("Your notes hold nothing about that yet."),
            "{text}"
        );
        assert!(text.ends_with(OFFLINE_NOTE));
    }
}
