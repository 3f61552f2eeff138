//! Edge rules for every explicit edge: an active edge type, endpoints that exist and are
//! visible (in the delta or stored), an endpoint rule that fits (stored endpoints included),
//! SHARED only between SHARED nodes, structural edges only between the caller's own nodes,
//! typed trust fields (confidence, status, provenance hint, validity window) and properties
//! merged over the current version of the same edge.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Checker, Desired};
use crate::access::Visibility;
use crate::delta::EdgeInput;
use crate::graph::model::{Edge, EdgeStatus, labels};
use crate::graph::value::{Properties, Value};

impl<'a> Checker<'a> {
    pub(super) fn check_edges(&mut self) {
        let mut seen = HashSet::new();
        for input in &self.delta.edges {
            if !seen.insert((input.from_id, input.label.clone(), input.to_id)) {
                self.invalid.push(format!(
                    "{}: {} from {} to {} appears twice in the delta",
                    input.at, input.label, input.from_id, input.to_id
                ));
                continue;
            }
            if let Some(edge) = self.check_edge(input) {
                self.desired.push(Desired {
                    at: input.at.clone(),
                    edge,
                });
            }
        }
    }

    fn check_edge(&mut self, input: &EdgeInput) -> Option<Edge> {
        let at = &input.at;
        let type_id = Edge::type_id_of(&input.label);
        if self.schema.active(&type_id).is_none() {
            self.invalid.push(format!(
                "{at}.edge_type: `{}` is not an active edge type ({type_id} is not in the schema)",
                input.label
            ));
            return None;
        }
        let from = self.endpoint(input.from_id).map(|e| e.node.clone());
        let to = self.endpoint(input.to_id).map(|e| e.node.clone());
        for (field, id, found) in [
            ("from_id", input.from_id, &from),
            ("to_id", input.to_id, &to),
        ] {
            if found.is_none() {
                self.invalid.push(format!(
                    "{at}.{field}: node {id} does not exist (or is not visible to you); send it in the delta or link an existing one"
                ));
            }
        }
        let (from, to) = (from?, to?);
        if !self
            .schema
            .rule_allows(&type_id, &from.type_id, &to.type_id)
        {
            let allowed: Vec<String> = self
                .schema
                .active_rules()
                .filter(|rule| rule.edge_type_id == type_id)
                .map(|rule| format!("{} -> {}", rule.from_node_type_id, rule.to_node_type_id))
                .collect();
            self.invalid.push(format!(
                "{at}: {} cannot go from {} ({}) to {} ({}); allowed: {}",
                input.label,
                from.type_id,
                from.id,
                to.type_id,
                to.id,
                if allowed.is_empty() {
                    "none (the edge type has no rules)".to_owned()
                } else {
                    allowed.join(", ")
                }
            ));
            return None;
        }
        let structural = [labels::DESCRIBED_BY, labels::SUMMARIZES].contains(&input.label.as_str());
        let foreign_from = from.user_id != self.caller();
        let foreign_to = structural && to.user_id != self.caller();
        if (structural || input.label == labels::IS_PART_OF) && (foreign_from || foreign_to) {
            self.denied.push(format!(
                "{at}: {} may only connect your own nodes ({} belongs to another user)",
                input.label,
                if foreign_from { from.id } else { to.id }
            ));
            return None;
        }
        if input.visibility == Visibility::Shared
            && (from.visibility != Visibility::Shared || to.visibility != Visibility::Shared)
        {
            self.invalid.push(format!(
                "{at}.visibility: a SHARED edge needs SHARED endpoints; make it PRIVATE or share both nodes"
            ));
            return None;
        }
        let stored = self.current_edge(input.from_id, &input.label, input.to_id);
        let before = self.invalid.len();
        let merged = self.rules.merge(
            &type_id,
            at,
            &input.properties,
            stored.map(claim_properties).as_ref(),
            &mut self.invalid,
        );
        if self.invalid.len() != before {
            return None;
        }
        let edge = self.claim(input, merged)?;
        Some(edge)
    }

    /// The caller's current edge for a triple, if stored.
    pub(super) fn current_edge(&self, from: Uuid, label: &str, to: Uuid) -> Option<&'a Edge> {
        let caller = self.delta.caller.user_id();
        self.stored
            .triple(from, label, to)
            .find(|e| e.user_id == caller)
    }

    /// Pulls the trust fields out of checked properties.
    fn claim(&mut self, input: &EdgeInput, mut properties: Properties) -> Option<Edge> {
        let at = &input.at;
        let confidence = match properties.remove("confidence") {
            Some(Value::Float(number)) => number,
            _ => 1.0,
        };
        let status = match properties.remove("status") {
            Some(Value::String(text)) => match EdgeStatus::parse(&text) {
                Some(status) => status,
                None => {
                    self.invalid.push(format!(
                        "{at}: property `status` is `{text}`; allowed: asserted, disputed, falsified"
                    ));
                    return None;
                }
            },
            _ => EdgeStatus::Asserted,
        };
        let provenance_hint = match properties.remove("provenance_hint") {
            Some(Value::String(text)) => text.trim().to_owned(),
            _ => String::new(),
        };
        let valid_from = time(properties.remove("valid_from"));
        let valid_to = time(properties.remove("valid_to"));
        if let (Some(from), Some(to)) = (valid_from, valid_to)
            && from > to
        {
            self.invalid.push(format!(
                "{at}: valid_from ({from}) is after valid_to ({to})"
            ));
            return None;
        }
        if !(0.0..=1.0).contains(&confidence) {
            self.invalid.push(format!(
                "{at}: property `confidence` is {confidence}; it must be between 0 and 1"
            ));
            return None;
        }
        Some(Edge {
            id: Uuid::new_v4(),
            from_id: input.from_id,
            to_id: input.to_id,
            label: input.label.clone(),
            user_id: input.user_id.clone(),
            visibility: input.visibility,
            confidence,
            status,
            provenance_hint,
            valid_from,
            valid_to,
            properties,
            source: input.source.clone(),
            created_at: None,
            superseded_at: None,
        })
    }
}

fn time(value: Option<Value>) -> Option<DateTime<Utc>> {
    match value {
        Some(Value::Datetime(at)) => Some(at),
        _ => None,
    }
}

/// A stored edge's trust fields put back into its properties, for merging.
fn claim_properties(edge: &Edge) -> Properties {
    let mut properties = edge.properties.clone();
    properties.insert("confidence".into(), Value::Float(edge.confidence));
    properties.insert("status".into(), Value::String(edge.status.as_str().into()));
    properties.insert(
        "provenance_hint".into(),
        Value::String(edge.provenance_hint.clone()),
    );
    if let Some(at) = edge.valid_from {
        properties.insert("valid_from".into(), Value::Datetime(at));
    }
    if let Some(at) = edge.valid_to {
        properties.insert("valid_to".into(), Value::Datetime(at));
    }
    properties
}
