//! The offline extractor on fixed conversations, with exact outputs: the example, a
//! day of messages, schemas without the specific node types, and schemas allowing few edges.

use super::*;

const LUNCH: &str = "I had lunch with my sister Anna at Café Central in Vienna.";

fn lunch_sentence() -> Sentence {
    Sentence {
        text: LUNCH.into(),
        sequence: 7,
    }
}

fn entity(name: &str, node_type: &str, description: &str) -> Entity {
    Entity {
        key: name.to_lowercase(),
        name: name.into(),
        node_type: node_type.into(),
        aliases: Vec::new(),
        description: description.into(),
        sentences: vec![lunch_sentence()],
    }
}

/// The example: Anna is a person through "my sister", Café Central a place through
/// its head word "Café", Vienna a city (a well-known one). "in" between two places makes the
/// café lie in the city; a person and a place have no edge of their own, so Anna is only
/// related to both (co-occurrence, 0.5).
#[test]
fn lunch_with_my_sister_at_cafe_central_in_vienna() {
    let found = entities(&[user(7, LUNCH)], &every_type);
    assert_eq!(
        found,
        vec![
            entity("Anna", "node.person", "the user's sister"),
            entity("Café Central", "node.place", ""),
            entity("Vienna", "node.city", ""),
        ]
    );
    let relation = |from, to, edge_type: &str, confidence| Relation {
        from,
        to,
        edge_type: edge_type.into(),
        confidence,
        evidence: lunch_sentence(),
    };
    assert_eq!(
        relations(&found, &starter),
        vec![
            relation(0, 1, "edge.related_to", 0.5),
            relation(0, 2, "edge.related_to", 0.5),
            relation(1, 2, "edge.lies_in", 0.8),
        ]
    );
}

#[test]
fn a_day_of_conversation() {
    let turns = [
        user(1, "Yesterday I met Anna Berger at the Vienna Marathon."),
        assistant(
            2,
            "Lovely! Did Maria and Peter from Google join you on Monday?",
        ),
        user(
            3,
            "No. Anna was great, she ran with my colleague Tom.\nToday Anna texted me.",
        ),
        assistant(4, "Say hi to Anna from Claude."),
        user(
            5,
            "Since January my colleague Tom works at Siemens AG in Munich. Thanks!",
        ),
    ];
    let found = entities(&turns, &every_type);
    assert_eq!(
        summary(&found),
        vec![
            ("Anna Berger", "node.person", "", vec!["Anna"]),
            ("Vienna Marathon", "node.event", "", vec![]),
            ("Tom", "node.person", "the user's colleague", vec![]),
            ("Siemens AG", "node.company", "", vec![]),
            ("Munich", "node.city", "", vec![]),
        ]
    );
    let texts = |e: &Entity| {
        e.sentences
            .iter()
            .map(|s| (s.sequence, s.text.clone()))
            .collect()
    };
    let anna: Vec<(i64, String)> = texts(&found[0]);
    assert_eq!(
        anna,
        vec![
            (
                1,
                "Yesterday I met Anna Berger at the Vienna Marathon.".into()
            ),
            (3, "Anna was great, she ran with my colleague Tom.".into()),
            (3, "Today Anna texted me.".into()),
        ]
    );
    let work = "Since January my colleague Tom works at Siemens AG in Munich.";
    let marathon = "Yesterday I met Anna Berger at the Vienna Marathon.";
    assert_eq!(
        edges(&found, &relations(&found, &starter)),
        vec![
            (
                "Anna Berger",
                "edge.participated_in",
                "Vienna Marathon",
                0.8,
                marathon
            ),
            (
                "Anna Berger",
                "edge.knows",
                "Tom",
                0.8,
                "Anna was great, she ran with my colleague Tom."
            ),
            ("Tom", "edge.affiliated_with", "Siemens AG", 0.8, work),
            ("Tom", "edge.related_to", "Munich", 0.5, work),
            ("Siemens AG", "edge.related_to", "Munich", 0.5, work),
        ]
    );
}

#[test]
fn missing_node_types_fall_back_along_the_chain() {
    let turns = [
        user(7, LUNCH),
        user(8, "My colleague Tom works at Siemens AG."),
    ];
    let types = |has_type: &dyn Fn(&str) -> bool| -> Vec<String> {
        entities(&turns, has_type)
            .into_iter()
            .map(|e| e.node_type)
            .collect()
    };
    let expected = [
        "node.person",
        "node.place",
        "node.city",
        "node.person",
        "node.company",
    ];
    assert_eq!(types(&every_type), expected);
    let no_city_company = |t: &str| !matches!(t, "node.city" | "node.company");
    let expected = [
        "node.person",
        "node.place",
        "node.place",
        "node.person",
        "node.institution",
    ];
    assert_eq!(types(&no_city_company), expected);
    let only_place = |t: &str| t == "node.place";
    let expected = [
        "node.entity",
        "node.place",
        "node.place",
        "node.entity",
        "node.entity",
    ];
    assert_eq!(types(&only_place), expected);
    assert_eq!(types(&|_| false), ["node.entity"; 5]);
}

#[test]
fn no_allowed_edge_means_no_relation() {
    let found = entities(&[user(7, LUNCH)], &every_type);
    assert_eq!(relations(&found, &|_, _| Vec::new()), Vec::new());
    // Only the edges the schema refuses to everyone are left: none of them is ever guessed.
    let unusable = |_: &str, _: &str| {
        [
            "edge.same_as",
            "edge.also_known_as",
            "edge.contains",
            "edge.owns",
            "edge.mentions",
        ]
        .map(String::from)
        .to_vec()
    };
    assert_eq!(relations(&found, &unusable), Vec::new());
}

#[test]
fn an_edge_allowed_only_backwards_is_read_backwards() {
    let found = entities(&[user(7, LUNCH)], &every_type);
    let place_to_person = |from: &str, to: &str| match (from, to) {
        ("node.place", "node.person") => vec!["edge.related_to".to_owned()],
        _ => Vec::new(),
    };
    assert_eq!(
        edges(&found, &relations(&found, &place_to_person)),
        vec![("Café Central", "edge.related_to", "Anna", 0.5, LUNCH)]
    );
    // "lies in" is never read backwards: the city does not lie in the café.
    let city_in_place = |from: &str, to: &str| match (from, to) {
        ("node.city", "node.place") => vec!["edge.lies_in".to_owned()],
        _ => Vec::new(),
    };
    assert_eq!(relations(&found, &city_in_place), Vec::new());
    // Without "lies in", the café and the city are only related.
    let no_lies_in = |from: &str, to: &str| {
        starter(from, to)
            .into_iter()
            .filter(|e| e != "edge.lies_in")
            .collect()
    };
    let found_edges = relations(&found, &no_lies_in);
    assert_eq!(
        edges(&found, &found_edges)[2],
        ("Café Central", "edge.related_to", "Vienna", 0.5, LUNCH)
    );
}
