//! The word lists of the offline extractor: what is never a name, what a name's neighbours
//! say about it, and the few well-known cities and countries. Every entry is lower-case with a
//! plain apostrophe, compared against a token's lower-cased form.

/// Words followed by a dot that does not end a sentence (besides single letters, initials).
#[rustfmt::skip]
const ABBREVIATIONS: &[&str] = &[
    "dr", "mr", "mrs", "ms", "mx", "prof", "st", "mt", "ft", "jr", "sr", "vs", "e.g", "i.e",
];

/// Words that are never (part of) a name wherever they stand: pronouns, times, greetings.
#[rustfmt::skip]
const NEVER: &[&str] = &[
    "i", "i'm", "i've", "i'll", "i'd", "im", "ive", "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december", "today", "tonight", "tomorrow",
    "yesterday", "morning", "afternoon", "evening", "night", "weekend", "hi", "hello", "hey",
    "thanks", "thank", "bye", "goodbye", "ok", "okay", "yes", "yeah", "yep", "no", "nope", "oh",
    "wow", "lol", "please", "sorry", "cheers", "birthday", "congratulations", "congrats",
];

/// Common words that start sentences: capitalised there, but not names.
#[rustfmt::skip]
const INITIAL_STOP: &[&str] = &[
    "the", "a", "an", "we", "we're", "we've", "this", "that", "these", "those", "my", "our", "your",
    "his", "her", "their", "its", "he", "she", "they", "it", "you", "you're", "there", "here",
    "then", "after", "before", "and", "but", "so", "also", "or", "now", "what", "when", "where",
    "why", "how", "who", "which", "if", "because", "since", "while", "just", "can", "could",
    "would", "should", "will", "might", "must", "did", "do", "does", "is", "are", "was", "were",
    "am", "have", "has", "had", "maybe", "well", "last", "next", "every", "each", "some", "any",
    "all", "both", "not", "dear", "good", "great", "nice", "happy", "sure", "still", "once", "on",
    "in", "at", "for", "from", "with", "to", "of", "by", "as", "about", "during", "later", "soon",
    "finally", "anyway", "actually", "first", "one", "let", "they're", "don't", "didn't", "can't",
    "call", "ask", "tell", "meet", "met", "visit", "visited", "saw", "see", "text", "email", "send",
    "remind", "invite", "book", "buy", "went", "go", "got", "lunch", "dinner", "coffee", "talked",
    "spoke", "called", "texted", "played", "watched", "bought", "spent", "drove",
];

/// Lower-case words that may join two capitalised words of one name ("Bank of America").
#[rustfmt::skip]
const CONNECTORS: &[&str] = &[
    "of", "de", "van", "von", "der", "den", "la", "le", "da", "di", "del", "du", "dos", "das",
];

/// Titles before a person's name, with the description they give.
const TITLES: &[(&str, &str)] = &[
    ("dr", "a doctor"),
    ("prof", "a professor"),
    ("mr", ""),
    ("mrs", ""),
    ("ms", ""),
    ("mx", ""),
    ("miss", ""),
];

/// Nouns for people that may stand right before a name ("my sister Anna").
#[rustfmt::skip]
pub(super) const PERSON_NOUNS: &[&str] = &[
    "sister", "brother", "friend", "boss", "colleague", "coworker", "co-worker", "mother", "mom",
    "mum", "father", "dad", "wife", "husband", "partner", "girlfriend", "boyfriend", "fiancé",
    "fiancée", "son", "daughter", "cousin", "uncle", "aunt", "grandma", "grandmother", "grandpa",
    "grandfather", "niece", "nephew", "neighbour", "neighbor", "doctor", "teacher", "dentist",
    "therapist", "manager", "roommate", "flatmate", "classmate", "mentor", "coach", "landlord",
    "lawyer", "nurse", "teammate", "supervisor", "client",
];

/// Words that, with "at", "for" or "by" after them, name an employer ("works at").
#[rustfmt::skip]
pub(super) const WORK_WORDS: &[&str] = &[
    "work", "works", "worked", "working", "job", "employed", "intern", "interning", "hired",
];

/// Verbs that take a person as object ("met Anna").
#[rustfmt::skip]
pub(super) const PERSON_VERBS: &[&str] = &[
    "met", "meet", "meeting", "called", "call", "calling", "texted", "text", "texting", "emailed",
    "phoned", "messaged", "invited", "told", "asked", "thanked", "hugged", "married", "dating",
    "helped", "ask", "tell",
];

/// Verbs that take a person after "to" or "with" ("talked to Anna").
#[rustfmt::skip]
pub(super) const TALK_VERBS: &[&str] = &[
    "talked", "talk", "talking", "spoke", "speak", "speaking", "chatted", "chat", "wrote", "write",
    "writing",
];

/// Prepositions before a place ("at Café Central", "in Vienna").
#[rustfmt::skip]
pub(super) const PLACE_PREPOSITIONS: &[&str] = &[
    "at", "in", "near", "into", "around", "inside", "outside", "across", "via", "towards",
];

/// Words before "to" or "from" that make the name after it a place ("went to Rome").
#[rustfmt::skip]
pub(super) const MOTION: &[&str] = &[
    "went", "go", "goes", "going", "flew", "fly", "flying", "drove", "drive", "driving", "moved",
    "move", "moving", "travelled", "traveled", "travelling", "traveling", "came", "come", "comes",
    "coming", "walked", "back", "returned", "headed", "heading", "trip", "way", "flight", "train",
    "bus", "ride", "arrived", "am", "i'm", "is", "are", "was", "were",
];

/// Verbs after a name that mark it as a person who acts ("Anna called me").
#[rustfmt::skip]
pub(super) const FOLLOW_VERBS: &[&str] = &[
    "called", "calls", "texted", "texts", "said", "says", "told", "tells", "asked", "asks", "wrote",
    "writes", "thinks", "thought", "wants", "wanted", "feels", "felt", "loves", "loved", "likes",
    "liked", "invited", "phoned", "emailed", "messaged", "replied", "answered", "agreed", "laughed",
    "smiled", "works", "worked", "lives", "lived", "visited", "met", "mentioned", "suggested",
    "recommended", "sent", "gave", "helped", "knows", "who",
];

/// Last words of company names ("Siemens AG").
#[rustfmt::skip]
pub(super) const COMPANY_SUFFIXES: &[&str] = &[
    "inc", "ltd", "gmbh", "ag", "corp", "corporation", "llc", "plc", "kg", "co", "company",
    "holdings", "sa", "bv", "nv",
];

/// Head words of institutions, groups, events and places, with the kind they make.
#[rustfmt::skip]
pub(super) const INSTITUTION_WORDS: &[&str] = &[
    "university", "school", "college", "ministry", "academy", "institute", "foundation", "council",
    "department", "agency", "parliament", "court", "embassy", "society", "association",
    "universität",
];
/// Head words of companies that carry no legal suffix ("Bank of America").
#[rustfmt::skip]
pub(super) const COMPANY_WORDS: &[&str] = &["bank", "airlines", "labs", "studios"];
/// Head words of groups ("Vienna Boys Choir").
#[rustfmt::skip]
pub(super) const GROUP_WORDS: &[&str] = &[
    "club", "team", "band", "choir", "orchestra", "fc", "ensemble", "family",
];
/// Head words of events ("Vienna Marathon").
#[rustfmt::skip]
pub(super) const EVENT_WORDS: &[&str] = &[
    "conference", "festival", "summit", "wedding", "concert", "meetup", "marathon", "olympics",
    "expo", "party", "fair", "championship", "tournament", "workshop", "hackathon", "gala",
];
/// Head words of places ("Café Central", "Central Park").
#[rustfmt::skip]
pub(super) const PLACE_WORDS: &[&str] = &[
    "café", "cafe", "restaurant", "bar", "pub", "park", "street", "st.", "road", "avenue", "square",
    "station", "museum", "hotel", "airport", "hospital", "lake", "river", "mountain", "mount",
    "mt.", "beach", "bridge", "tower", "cathedral", "church", "castle", "palace", "garden",
    "gardens", "market", "mall", "center", "centre", "library", "stadium", "theatre", "theater",
    "gallery", "zoo", "island", "valley", "bakery", "gym", "platz", "straße", "strasse", "gasse",
    "bahnhof", "hall", "plaza", "opera", "clinic",
];

/// Well-known cities (keys: lower-case, accents kept).
#[rustfmt::skip]
pub(super) const CITIES: &[&str] = &[
    "vienna", "wien", "berlin", "munich", "münchen", "hamburg", "zurich", "zürich", "geneva",
    "salzburg", "paris", "london", "rome", "milan", "madrid", "barcelona", "lisbon", "amsterdam",
    "brussels", "prague", "budapest", "warsaw", "stockholm", "copenhagen", "dublin", "athens",
    "istanbul", "new york", "los angeles", "san francisco", "chicago", "toronto", "tokyo",
    "beijing", "sydney", "são paulo", "mexico city",
];

/// Well-known countries (keys: lower-case, accents kept).
#[rustfmt::skip]
pub(super) const COUNTRIES: &[&str] = &[
    "austria", "germany", "switzerland", "france", "italy", "spain", "portugal", "netherlands",
    "belgium", "poland", "czechia", "hungary", "sweden", "norway", "denmark", "ireland", "greece",
    "turkey", "united kingdom", "uk", "england", "usa", "united states", "canada", "mexico",
    "brazil", "japan", "china", "india", "australia",
];

/// Whether a dot after `word` belongs to it ("Dr.", "St.", an initial such as "J.").
pub(super) fn is_abbreviation(word: &str) -> bool {
    let mut chars = word.chars();
    let single_letter =
        matches!((chars.next(), chars.next()), (Some(c), None) if c.is_alphabetic());
    single_letter || ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(word))
}

/// Whether a word (lower-case) is never a name.
pub(super) fn is_never(lower: &str) -> bool {
    NEVER.contains(&lower)
}

/// Whether a word (lower-case) is a common sentence opener.
pub(super) fn is_initial_stop(lower: &str) -> bool {
    INITIAL_STOP.contains(&lower)
}

/// Whether a word (lower-case) may join two capitalised words of a name.
pub(super) fn is_connector(lower: &str) -> bool {
    CONNECTORS.contains(&lower)
}

/// The description a title gives (`Some("")` for a title without one), `None` if `lower` is
/// no title. The title's dot may be present or not.
pub(super) fn title(lower: &str) -> Option<&'static str> {
    let bare = lower.strip_suffix('.').unwrap_or(lower);
    TITLES.iter().find(|(t, _)| *t == bare).map(|(_, d)| *d)
}

/// Whether a word (lower-case) is the head word of an institution, company, group, event or
/// place name.
pub(super) fn is_head_word(lower: &str) -> bool {
    [
        INSTITUTION_WORDS,
        COMPANY_WORDS,
        GROUP_WORDS,
        EVENT_WORDS,
        PLACE_WORDS,
    ]
    .iter()
    .any(|list| list.contains(&lower))
}
