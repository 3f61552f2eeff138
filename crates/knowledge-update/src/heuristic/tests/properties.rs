//! Properties of the offline extractor on any text: it never panics, it is deterministic,
//! and odd text (empty, emoji, other scripts) gives a sensible result.

use proptest::prelude::*;

use super::*;

fn run(turns: &[Turn]) -> (Vec<Entity>, Vec<Relation>) {
    let found = entities(turns, &every_type);
    let related = relations(&found, &|_, _| {
        vec!["edge.related_to".to_owned(), "edge.knows".to_owned()]
    });
    (found, related)
}

#[test]
fn odd_text_gives_a_sensible_result() {
    for text in [
        "",
        "   \n\t  ",
        "🎉🎉 🙂‍↔️",
        "...!?",
        "我在北京见了王先生。",
        "'s 's",
        "Dr. Mr.",
    ] {
        assert_eq!(run(&[user(1, text)]), (Vec::new(), Vec::new()), "{text:?}");
    }
    let (found, _) = run(&[user(
        1,
        "Я встретил Анну в Москве 🎉. Ελένη μένει στην Αθήνα.",
    )]);
    // "Ελένη" starts its sentence and nothing else supports it.
    assert_eq!(names_of(&found), ["Анну", "Москве", "Αθήνα"]);
    assert!(found.iter().all(|e| e.node_type == "node.entity"));
    let (found, _) = run(&[user(1, "🎉Anna🎉 met 🙂Tom")]);
    assert_eq!(names_of(&found), ["Anna", "Tom"]);
}

fn names_of(found: &[Entity]) -> Vec<&str> {
    found.iter().map(|e| e.name.as_str()).collect()
}

#[test]
fn the_same_transcript_gives_the_same_result() {
    let turns = [
        user(
            1,
            "I had lunch with my sister Anna at Café Central in Vienna.",
        ),
        user(
            2,
            "Anna Berger met Tom. Tom works at Siemens AG, near the Prater in Vienna.",
        ),
    ];
    assert_eq!(run(&turns), run(&turns));
}

fn turns_of(texts: Vec<(String, bool)>) -> Vec<Turn> {
    texts
        .into_iter()
        .enumerate()
        .map(|(i, (content, mine))| Turn {
            sequence: i64::try_from(i).unwrap_or(i64::MAX),
            role: if mine { "user" } else { "assistant" }.into(),
            content,
        })
        .collect()
}

proptest! {
    #[test]
    fn any_text_never_panics_and_is_deterministic(
        texts in prop::collection::vec((any::<String>(), any::<bool>()), 0..6)
    ) {
        let turns = turns_of(texts);
        prop_assert_eq!(run(&turns), run(&turns));
    }

    #[test]
    fn name_like_text_never_panics_and_is_deterministic(
        texts in prop::collection::vec(
            ("([A-ZÄÉŞ][a-zäéş'’]{0,6}|of|van|my|sister|at|in|works|Dr\\.|St\\.|[.,!?:\"\\n -]|🎉){0,40}",
             any::<bool>()),
            0..6,
        )
    ) {
        let turns = turns_of(texts);
        let (found, related) = run(&turns);
        for r in &related {
            prop_assert!(r.from < found.len() && r.to < found.len() && r.from != r.to);
        }
        prop_assert_eq!(run(&turns), (found, related));
    }
}
