//! The synthetic graph of one user: entities of eleven types (people most often) with
//! distinct names and a one- or two-sentence description each, made from the word lists with
//! a seeded generator, so a seed always gives the same entities. Every fourth entity also
//! gets two child blocks, the second mentioning another entity by name. Deltas are built
//! when sent: their edges point only at entities already stored or in the same delta.

use std::collections::HashSet;

use exobrain_proto::knowledge as pb;
use fastrand::Rng;
use uuid::Uuid;

use super::words::*;

/// Entities of the dataset's first kinds, by weight (out of 100).
const KINDS: [(Kind, u32); 11] = [
    (Kind::Person, 35),
    (Kind::Company, 8),
    (Kind::Institution, 4),
    (Kind::Group, 4),
    (Kind::City, 6),
    (Kind::Place, 7),
    (Kind::Concept, 6),
    (Kind::Event, 9),
    (Kind::Task, 6),
    (Kind::Object, 7),
    (Kind::Document, 8),
];

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Person,
    Company,
    Institution,
    Group,
    City,
    Place,
    Concept,
    Event,
    Task,
    Object,
    Document,
}

impl Kind {
    /// Its starter-schema node type.
    pub fn type_id(self) -> &'static str {
        match self {
            Kind::Person => "node.person",
            Kind::Company => "node.company",
            Kind::Institution => "node.institution",
            Kind::Group => "node.group",
            Kind::City => "node.city",
            Kind::Place => "node.place",
            Kind::Concept => "node.concept",
            Kind::Event => "node.event",
            Kind::Task => "node.task",
            Kind::Object => "node.object",
            Kind::Document => "node.document",
        }
    }

    /// The type a caller would guess for it (a city is a place, a company an institution).
    pub fn broader(self) -> &'static str {
        match self {
            Kind::City => "node.place",
            Kind::Company => "node.institution",
            Kind::Task => "node.event",
            other => other.type_id(),
        }
    }
}

/// One entity and the texts of its blocks.
#[derive(Debug)]
pub struct Entity {
    pub id: Uuid,
    pub kind: Kind,
    pub name: String,
    /// Its root block's text.
    pub description: String,
    /// A few words on what it is, as a caller would describe a mention.
    pub short: String,
    /// The first child block's text (used by every fourth entity).
    pub fact: String,
    /// How the second child block names it ("Ada" for Ada Lovelace).
    pub subject: String,
}

/// The entities of a run, in load order.
#[derive(Debug)]
pub struct Dataset {
    pub entities: Vec<Entity>,
}

/// Whether entity `index` has two child blocks.
pub fn has_details(index: usize) -> bool {
    index.is_multiple_of(4)
}

impl Dataset {
    /// `count` entities with distinct names, the same for the same `seed`.
    pub fn generate(count: usize, seed: u64) -> Self {
        let mut draw = Draw(Rng::with_seed(seed));
        let mut taken = HashSet::with_capacity(count);
        let total: u32 = KINDS.iter().map(|(_, weight)| weight).sum();
        let entities = (0..count)
            .map(|_| {
                let mut roll = draw.0.u32(..total);
                let kind = KINDS
                    .iter()
                    .find(|(_, weight)| {
                        let hit = roll < *weight;
                        roll = roll.saturating_sub(*weight);
                        hit
                    })
                    .map_or(Kind::Person, |(kind, _)| *kind);
                draw.entity(kind, &mut taken)
            })
            .collect();
        Self { entities }
    }

    /// Blocks of the first `entities` entities.
    pub fn blocks(entities: usize) -> usize {
        entities + 2 * (0..entities).filter(|i| has_details(*i)).count()
    }

    /// The delta writing entities `range` with their blocks and edges; edges point at
    /// entities of the delta or among the first `stored` ones.
    pub fn delta(
        &self,
        range: std::ops::Range<usize>,
        stored: usize,
        seed: u64,
    ) -> pb::UpsertGraphDeltaRequest {
        let mut rng = Rng::with_seed(seed);
        let mut delta = pb::UpsertGraphDeltaRequest {
            source: Some(pb::Provenance {
                job_id: format!("bench-{}", range.start),
                journal_reference: "exobrain-bench".into(),
                message_ids: Vec::new(),
                extractor: "exobrain-bench knowledge".into(),
                message_sequences: Vec::new(),
            }),
            ..Default::default()
        };
        let first = range.start;
        // Any stored entity, or one earlier in this delta.
        let target = |rng: &mut Rng, me: usize, wanted: Option<Kind>| {
            let pool = stored + (me - first);
            (0..8).find_map(|_| {
                let pick = rng.usize(..pool.max(1));
                let index = if pick < stored {
                    pick
                } else {
                    first + pick - stored
                };
                let fits = wanted.is_none_or(|kind| self.entities[index].kind == kind);
                (pool > 0 && index != me && fits).then_some(index)
            })
        };
        for index in range {
            let entity = &self.entities[index];
            let root = Uuid::new_v5(&entity.id, b"root");
            delta.entities.push(pb::EntityNode {
                id: entity.id.to_string(),
                type_id: entity.kind.type_id().into(),
                universe_id: None,
                properties: vec![text("name", &entity.name)],
                user_id: String::new(),
                visibility: pb::Visibility::Private as i32,
                source: None,
            });
            delta.blocks.push(block(root, &entity.description));
            delta
                .edges
                .push(edge(entity.id, "DESCRIBED_BY", root, &mut rng));
            if let Some(other) = target(&mut rng, index, None) {
                let other = self.entities[other].id;
                delta
                    .edges
                    .push(edge(entity.id, "RELATED_TO", other, &mut rng));
            }
            if entity.kind == Kind::Person
                && let Some(friend) = target(&mut rng, index, Some(Kind::Person))
            {
                let friend = self.entities[friend].id;
                delta.edges.push(edge(entity.id, "KNOWS", friend, &mut rng));
            }
            if has_details(index) {
                let (fact, talk) = (
                    Uuid::new_v5(&entity.id, b"fact"),
                    Uuid::new_v5(&entity.id, b"talk"),
                );
                delta.blocks.push(block(fact, &entity.fact));
                delta.edges.push(edge(root, "SUMMARIZES", fact, &mut rng));
                delta.edges.push(edge(root, "SUMMARIZES", talk, &mut rng));
                let mentioned = target(&mut rng, index, None).map(|i| &self.entities[i]);
                let said = match mentioned {
                    Some(other) => {
                        delta.edges.push(edge(talk, "MENTIONS", other.id, &mut rng));
                        format!("{} often talks about {}.", entity.subject, other.name)
                    }
                    None => format!("{} rarely talks about anything else.", entity.subject),
                };
                delta.blocks.push(block(talk, &said));
            }
        }
        delta
    }
}

fn text(key: &str, value: &str) -> pb::PropertyValue {
    pb::PropertyValue {
        key: key.into(),
        value: Some(pb::property_value::Value::StringValue(value.into())),
    }
}

fn block(id: Uuid, body: &str) -> pb::BlockNode {
    pb::BlockNode {
        id: id.to_string(),
        type_id: "node.block".into(),
        properties: vec![text("text", body)],
        user_id: String::new(),
        visibility: pb::Visibility::Private as i32,
        source: None,
    }
}

fn edge(from: Uuid, label: &str, to: Uuid, rng: &mut Rng) -> pb::GraphEdge {
    let confidence = pb::PropertyValue {
        key: "confidence".into(),
        value: Some(pb::property_value::Value::FloatValue(
            0.6 + 0.39 * rng.f64(),
        )),
    };
    pb::GraphEdge {
        from_id: from.to_string(),
        to_id: to.to_string(),
        edge_type: label.into(),
        properties: vec![
            confidence,
            text("status", "asserted"),
            text("provenance_hint", "benchmark load"),
        ],
        user_id: String::new(),
        visibility: pb::Visibility::Private as i32,
        source: None,
    }
}

/// The seeded generator with the word-list helpers.
struct Draw(Rng);

impl Draw {
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.0.usize(..list.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.0.f64() < p
    }

    fn year(&mut self) -> u32 {
        self.0.u32(1990..=2025)
    }

    fn invented(&mut self, endings: &[&str]) -> String {
        let start = self.pick(SYLLABLE_START);
        let middle = self.pick(SYLLABLE_MIDDLE);
        format!("{start}{middle}{}", self.pick(endings))
    }

    fn surname(&mut self) -> String {
        if self.chance(0.5) {
            self.pick(LAST_NAMES).to_owned()
        } else {
            self.invented(SURNAME_ENDINGS)
        }
    }

    /// A town named in a text: a real one or an invented one.
    fn town(&mut self) -> String {
        if self.chance(0.5) {
            self.pick(CITIES).to_owned()
        } else {
            self.invented(PLACE_ENDINGS)
        }
    }

    /// An entity of `kind` whose name is not in `taken` (case-insensitively).
    fn entity(&mut self, kind: Kind, taken: &mut HashSet<String>) -> Entity {
        let mut bytes = [0_u8; 16];
        bytes.iter_mut().for_each(|b| *b = self.0.u8(..));
        let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
        let mut attempt = 0;
        loop {
            let mut entity = self.describe(kind, id);
            attempt += 1;
            if attempt > 8 {
                entity.name = format!("{} {}", entity.name, attempt - 7);
            }
            if taken.insert(entity.name.to_lowercase()) {
                return entity;
            }
        }
    }

    fn describe(&mut self, kind: Kind, id: Uuid) -> Entity {
        let (town, year, later) = (self.town(), self.year(), self.year());
        let n = self.0.u32(3..400);
        let (name, description, short, subject) = match kind {
            Kind::Person => {
                let first = self.pick(FIRST_NAMES);
                let last = self.surname();
                let name = if self.chance(0.15) {
                    let initial = char::from(b'A' + self.0.u8(..26));
                    format!("{first} {initial}. {last}")
                } else {
                    format!("{first} {last}")
                };
                let (job, hobby, venue) = (
                    self.pick(PROFESSIONS),
                    self.pick(HOBBIES),
                    self.pick(VENUES),
                );
                let description = if self.chance(0.5) {
                    format!(
                        "{name} is a {job} from {town} who enjoys {hobby}. The user met {first} at {venue} in {year}."
                    )
                } else {
                    let other = self.pick(HOBBIES);
                    format!(
                        "{name} works as a {job} in {town} and spends most weekends {hobby}; {first} is also into {other}."
                    )
                };
                let short = match self.0.u8(..3) {
                    0 => format!("{job} from {town}"),
                    1 => format!("a {job} who likes {hobby}"),
                    _ => format!("friend from {venue}"),
                };
                (name, description, short, first.to_owned())
            }
            Kind::Company => {
                let root = if self.chance(0.5) {
                    self.invented(SURNAME_ENDINGS)
                } else {
                    capitalised(self.pick(ADJECTIVES))
                };
                let industry = self.pick(INDUSTRIES);
                let name = format!("{root} {industry} {}", self.pick(COMPANY_SUFFIXES));
                let lower = industry.to_lowercase();
                let description = format!(
                    "{name} is a {lower} company based in {town}, founded in {year} with about {n} employees; it is known for {}.",
                    self.pick(KNOWN_FOR)
                );
                (
                    name,
                    description,
                    format!("{lower} company in {town}"),
                    root,
                )
            }
            Kind::Institution => {
                let kind = self.pick(INSTITUTION_KINDS);
                let name = format!("{town} {kind}");
                let description = format!(
                    "The user has been going to {name} since {year}; it opens at {} and is run by about {n} people.",
                    self.0.u8(7..11)
                );
                let short = format!("{} in {town}", kind.to_lowercase());
                (
                    name,
                    description,
                    short,
                    format!("the {}", kind.to_lowercase()),
                )
            }
            Kind::Group => {
                let name = if self.chance(0.3) {
                    format!("The {} family", self.surname())
                } else {
                    format!("The {} {}", self.town(), self.pick(GROUP_NOUNS))
                };
                let (day, hobby) = (self.pick(WEEKDAYS), self.pick(HOBBIES));
                let description = format!(
                    "{name} is a group of {} people who meet every {day} in {town} for {hobby}; the user joined in {year}.",
                    n % 30 + 3
                );
                let short = format!("group meeting on {day}s for {hobby}");
                (name, description, short, "the group".to_owned())
            }
            Kind::City => {
                let base = self.invented(PLACE_ENDINGS);
                let name = if self.chance(0.2) {
                    format!("{} {base}", self.pick(CITY_PREFIXES))
                } else {
                    base
                };
                let (region, landmark) = (self.pick(REGIONS), self.pick(LANDMARKS));
                let description = format!(
                    "{name} is a town in {region} with about {n},000 inhabitants, known for its {landmark}; the user visited it in {year}."
                );
                let short = format!("town in {region} known for its {landmark}");
                let subject = name.clone();
                (name, description, short, subject)
            }
            Kind::Place => {
                let kind = self.pick(PLACE_KINDS);
                let name = format!("{} {kind}", self.surname());
                let lower = kind.to_lowercase();
                let description = format!(
                    "{name} is a {lower} in {town}, {}.",
                    self.pick(PLACE_DETAILS)
                );
                (
                    name,
                    description,
                    format!("{lower} in {town}"),
                    format!("the {lower}"),
                )
            }
            Kind::Concept => {
                let field = self.pick(FIELDS);
                let suffix = self.pick(CONCEPT_SUFFIXES);
                let name = format!("{} {field} {suffix}", capitalised(self.pick(ADJECTIVES)))
                    .trim()
                    .to_owned();
                let topic = self.pick(TOPICS);
                let description = format!(
                    "{name} is a subject the user got interested in around {year}; it deals with {topic} and {}.",
                    self.pick(TOPICS)
                );
                (
                    name,
                    description,
                    format!("subject about {topic}"),
                    "the user".to_owned(),
                )
            }
            Kind::Event => {
                let occasion = self.pick(OCCASIONS);
                let name = if self.chance(0.4) {
                    format!("{}'s {occasion}", self.pick(FIRST_NAMES))
                } else {
                    format!("{town} {occasion} {year}")
                };
                let month = self.pick(MONTHS);
                let description = format!(
                    "{name} took place in {town} in {month} {year}; about {n} people came for {}.",
                    self.pick(PURPOSES)
                );
                let short = format!("{} in {month} {year}", occasion.to_lowercase());
                (name, description, short, "everyone there".to_owned())
            }
            Kind::Task => {
                let (verb, object) = (self.pick(TASK_VERBS), self.pick(TASK_OBJECTS));
                let name = match self.0.u8(..3) {
                    0 => format!("{verb} {object} for {}", self.pick(FIRST_NAMES)),
                    1 => format!("{verb} {object} before {}", self.pick(MONTHS)),
                    _ => format!("{verb} {object} in {town}"),
                };
                let description = format!(
                    "{name}: the user wants this done before {} {later}; it needs {}.",
                    self.pick(MONTHS),
                    self.pick(TASK_NEEDS)
                );
                let short = format!("to-do: {} {object}", verb.to_lowercase());
                (name, description, short, "the user".to_owned())
            }
            Kind::Object => {
                let (brand, product) = (self.pick(BRANDS), self.pick(PRODUCTS));
                let name = if self.chance(0.7) {
                    let series = char::from(b'A' + self.0.u8(..26));
                    format!("{brand} {product} {series}{}", n % 90 + 10)
                } else {
                    format!("{brand} {product}")
                };
                let (colour, using) = (self.pick(COLOURS), self.pick(USES));
                let lower = product.to_lowercase();
                let description = format!(
                    "{name} is a {colour} {lower} the user bought in {town} in {year}, used mostly for {using}."
                );
                let short = format!("{colour} {lower} for {using}");
                (name, description, short, format!("the {lower}"))
            }
            Kind::Document => {
                let (kind, field) = (self.pick(DOC_KINDS), self.pick(FIELDS));
                let name = if self.chance(0.5) {
                    format!("{} {field} {kind}", capitalised(self.pick(ADJECTIVES)))
                } else {
                    format!("{kind} on {} {field}", self.pick(ADJECTIVES))
                };
                let lower = kind.to_lowercase();
                let description = format!(
                    "{name} is a {lower} from {year} about {field} and {}, {}.",
                    self.pick(TOPICS),
                    self.pick(DOC_DETAILS)
                );
                (
                    name,
                    description,
                    format!("{lower} about {field}"),
                    format!("the {lower}"),
                )
            }
        };
        let fact = format!(
            "The user last thought about {subject} in {later}, on a trip to {}, while {}.",
            self.town(),
            self.pick(HOBBIES)
        );
        Entity {
            id,
            kind,
            name,
            description,
            short,
            fact,
            subject,
        }
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
