//! Single rules of the offline extractor, each on a short text.

use super::super::text;
use super::*;

/// (name, node type, description, aliases) of the entities of one user message.
fn read(content: &str) -> Vec<(String, String, String, Vec<String>)> {
    entities(&[user(1, content)], &every_type)
        .into_iter()
        .map(|e| (e.name, e.node_type, e.description, e.aliases))
        .collect()
}

fn names(content: &str) -> Vec<String> {
    read(content).into_iter().map(|(name, ..)| name).collect()
}

fn typed(content: &str) -> Vec<(String, String, String)> {
    read(content)
        .into_iter()
        .map(|(name, t, d, _)| (name, t, d))
        .collect()
}

fn row(name: &str, node_type: &str, description: &str) -> (String, String, String) {
    (name.into(), node_type.into(), description.into())
}

#[test]
fn sentences_end_at_marks_and_lines_but_not_after_abbreviations_or_in_numbers() {
    let text =
        "Dr. Müller met Mr. J. R. Smith 3.5 km away... Then we left!\"Really?!\" Yes\nno\r\n。";
    assert_eq!(
        text::sentences(text),
        vec![
            "Dr. Müller met Mr. J. R. Smith 3.5 km away...",
            "Then we left!\"Really?!\"",
            "Yes",
            "no",
            "。"
        ]
    );
    assert_eq!(
        text::sentences("我在北京。你呢？好"),
        vec!["我在北京。", "你呢？", "好"]
    );
    assert!(text::sentences("  \n\t ").is_empty());
}

#[test]
fn proper_noun_phrases_keep_connectors_accents_and_drop_possessives() {
    assert_eq!(
        names("I love Ludwig van Beethoven's music, the Bank of America and São Paulo."),
        ["Ludwig van Beethoven", "Bank of America", "São Paulo"]
    );
    assert_eq!(
        names("We walked from St. Stephen's Cathedral past Anna's house to R2D2 Labs in Zürich."),
        ["St. Stephen's Cathedral", "Anna", "R2D2 Labs", "Zürich"]
    );
    // A trailing connector is not part of the name; a comma ends it.
    assert_eq!(
        names("I asked Maria de, then Vienna, Austria."),
        ["Maria", "Vienna", "Austria"]
    );
}

#[test]
fn a_lone_word_starting_a_sentence_needs_support() {
    // Common words, even unknown to the stoplist, are not names.
    assert!(names("Coffee was great. Lunch was fine.").is_empty());
    // A following verb, a known city, or the word named elsewhere support it.
    assert_eq!(names("Anna called me."), ["Anna"]);
    assert_eq!(names("Berlin is big."), ["Berlin"]);
    assert_eq!(names("Python rocks. I love Python."), ["Python"]);
    // Several capitalised words are a name anywhere; a common opener is dropped.
    assert_eq!(
        names("Café Central was full. The Beatles played."),
        ["Café Central", "Beatles"]
    );
}

#[test]
fn pronouns_times_and_greetings_are_never_names() {
    let text = "Hi! Good Morning. Today I called Tom on Monday. I'm in March with Anna, I think. \
                Thanks Tom! Yesterday, OK?";
    assert_eq!(names(text), ["Tom", "Anna"]);
    assert!(names("I LOVE THIS SO MUCH").is_empty());
}

#[test]
fn cues_type_the_names() {
    assert_eq!(
        typed("My boss, Maria, sent me to Dr. Weber and Mr. Lee at the University of Vienna."),
        vec![
            row("Maria", "node.person", "the user's boss"),
            row("Weber", "node.person", "a doctor"),
            row("Lee", "node.person", ""),
            row("University of Vienna", "node.institution", ""),
        ]
    );
    assert_eq!(
        typed("I work at Acme Ltd and my best friend Jo texted Ben about the Jazz Festival."),
        vec![
            row("Acme Ltd", "node.company", "the user's employer"),
            row("Jo", "node.person", "the user's best friend"),
            row("Ben", "node.person", ""),
            row("Jazz Festival", "node.event", ""),
        ]
    );
    assert_eq!(
        typed("We flew to Lisbon, drove to Sintra and stayed near Praia Grande."),
        vec![
            row("Lisbon", "node.city", ""),
            row("Sintra", "node.place", ""),
            row("Praia Grande", "node.place", ""),
        ]
    );
    // "Anna, my sister" after the name; "a letter from Tom" is no place.
    assert_eq!(
        typed("I saw Anna, my older sister, and got a letter from Tom in the Chess Club."),
        vec![
            row("Anna", "node.person", "the user's older sister"),
            row("Tom", "node.entity", ""),
            row("Chess Club", "node.group", ""),
        ]
    );
}

#[test]
fn first_names_merge_into_full_names_in_either_order_unless_ambiguous() {
    let later = read("I met Anna Berger. Then Anna left.");
    assert_eq!(later[0].0, "Anna Berger");
    assert_eq!(later[0].3, ["Anna"]);
    assert_eq!(later.len(), 1);
    let earlier = read("Anna called. I met Anna Berger.");
    assert_eq!(
        (earlier.len(), earlier[0].0.as_str(), &earlier[0].3[..]),
        (1, "Anna Berger", &["Anna".to_owned()][..])
    );
    let two = names("I met Anna Berger and Anna Schmidt. Anna called.");
    assert_eq!(two, ["Anna Berger", "Anna Schmidt", "Anna"]);
    // A place is no person's first name.
    assert_eq!(
        names("We saw Vienna State Opera. I love Vienna."),
        ["Vienna State Opera", "Vienna"]
    );
}

#[test]
fn types_do_not_depend_on_message_order() {
    let a = user(1, "I went for a walk with Ben.");
    let b = user(2, "Later we were at Ben in the evening.");
    let types = |turns: &[Turn]| -> Vec<String> {
        entities(turns, &every_type)
            .into_iter()
            .map(|e| e.node_type)
            .collect()
    };
    assert_eq!(types(&[a.clone(), b.clone()]), ["node.person"]);
    assert_eq!(types(&[b, a]), ["node.person"]);
}

#[test]
fn a_stronger_cue_replaces_a_weaker_relation_of_the_pair() {
    let turns = [user(
        1,
        "Anna and Tom came. Then Anna met Tom. Later Anna and Tom left.",
    )];
    let found = entities(&turns, &every_type);
    let found_edges = relations(&found, &starter);
    assert_eq!(
        edges(&found, &found_edges),
        vec![("Anna", "edge.knows", "Tom", 0.8, "Then Anna met Tom.")]
    );
}

#[test]
fn explicit_cues_pick_their_edges() {
    let turns = [user(
        1,
        "My friend Tom joined the Chess Club. Tom owns Café Anna. The Vienna Marathon was in Graz.",
    )];
    let found = entities(&turns, &every_type);
    assert_eq!(
        edges(&found, &relations(&found, &starter)),
        vec![
            (
                "Tom",
                "edge.member_of",
                "Chess Club",
                0.8,
                "My friend Tom joined the Chess Club."
            ),
            ("Tom", "edge.owns", "Café Anna", 0.8, "Tom owns Café Anna."),
            (
                "Vienna Marathon",
                "edge.located_at",
                "Graz",
                0.8,
                "The Vienna Marathon was in Graz."
            ),
        ]
    );
}
