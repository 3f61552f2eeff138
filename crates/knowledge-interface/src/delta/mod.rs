//! A graph delta: what `UpsertGraphDelta` asks to write, first parsed from the wire into
//! typed inputs ([`parse`]), then checked against the schema and the current graph into a
//! write plan ([`check`]). Nothing here touches a store; the same rules serve every adapter.

pub mod check;
pub mod parse;
pub mod properties;
mod source;

use uuid::Uuid;

use crate::access::{Viewer, Visibility};
use crate::graph::model::{NodeKind, Provenance};
use crate::graph::value::Properties;

/// A parsed delta, written on behalf of one caller.
#[derive(Debug, Clone, PartialEq)]
pub struct Delta {
    /// Who writes it; every record belongs to this user.
    pub caller: Viewer,
    /// Universes, entities and blocks, in request order (universes first).
    pub nodes: Vec<NodeInput>,
    /// Edges in request order.
    pub edges: Vec<EdgeInput>,
    /// Where it comes from (each record's own provenance is already filled from it).
    pub source: Provenance,
}

/// A node as the request states it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeInput {
    /// Where it sits in the request (`entities[2]`), for messages.
    pub at: String,
    /// Id.
    pub id: Uuid,
    /// Family, from the list it came in.
    pub kind: NodeKind,
    /// Schema type (`node.universe` for universes).
    pub type_id: String,
    /// Owner (the caller).
    pub user_id: String,
    /// Visibility.
    pub visibility: Visibility,
    /// The universe (entities only; `None` keeps the current one, or Real World when new).
    pub universe_id: Option<Uuid>,
    /// Properties as sent, including the promoted `name`, `aliases` and `text`.
    pub properties: Properties,
    /// Where it comes from: its own provenance filled from the delta's.
    pub source: Provenance,
}

/// An edge as the request states it.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeInput {
    /// Where it sits in the request (`edges[4]`).
    pub at: String,
    /// Source.
    pub from_id: Uuid,
    /// Target.
    pub to_id: Uuid,
    /// Upper-case label.
    pub label: String,
    /// Owner (the caller).
    pub user_id: String,
    /// Visibility.
    pub visibility: Visibility,
    /// Properties as sent (confidence, status, …).
    pub properties: Properties,
    /// Where it comes from: its own provenance filled from the delta's.
    pub source: Provenance,
}

/// Why a delta is refused; every problem is listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The delta is malformed or breaks the schema or the graph's rules.
    Invalid(Vec<String>),
    /// The delta touches records the caller may not change.
    Denied(Vec<String>),
}

impl Refusal {
    /// The message sent to the caller: a headline and one problem per line.
    pub fn message(&self) -> String {
        let (headline, problems) = match self {
            Refusal::Invalid(problems) => ("graph delta validation failed:", problems),
            Refusal::Denied(problems) => ("graph delta refused:", problems),
        };
        let mut message = headline.to_owned();
        for problem in problems {
            message.push_str("\n- ");
            message.push_str(problem);
        }
        message
    }
}
