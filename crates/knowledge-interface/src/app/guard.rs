//! What the service's own writes need from the schema, so `UpsertSchemaType` cannot take it
//! away: the structural types the code names (entities, blocks, universes and the
//! IS_PART_OF, DESCRIBED_BY and SUMMARIZES edges) stay active, and the graphs the service
//! writes itself still pass the delta check: the shared root graph, and a starter graph with
//! one block below its root block. The lists are not copied here: they are the real graphs,
//! checked against the schema as it would be after the change.

use std::collections::HashMap;

use crate::access::{SYSTEM_USER, Viewer};
use crate::delta::{Refusal, check};
use crate::graph::model::{BLOCK_TYPE, ENTITY_TYPE, Edge, UNIVERSE_TYPE, labels};
use crate::graph::plan::GraphState;
use crate::schema::Schema;

use super::starter;

/// Why `schema` would stop the service writing its own records; empty when it would not.
pub fn built_in_problems(schema: &Schema) -> Vec<String> {
    let mut problems: Vec<String> = [ENTITY_TYPE, BLOCK_TYPE, UNIVERSE_TYPE]
        .map(str::to_owned)
        .into_iter()
        .chain([labels::IS_PART_OF, labels::DESCRIBED_BY, labels::SUMMARIZES].map(Edge::type_id_of))
        .filter(|type_id| schema.active(type_id).is_none())
        .map(|type_id| format!("{type_id} is structural and must stay active"))
        .collect();
    let system = Viewer::new(SYSTEM_USER).expect("system user id is not blank");
    let root = match check::plan(
        schema,
        &starter::root_delta(&system),
        &GraphState::default(),
    ) {
        Ok(plan) => GraphState {
            nodes: plan
                .nodes
                .into_iter()
                .map(|n| (n.id, n))
                .collect::<HashMap<_, _>>(),
            edges: plan.new_edges,
        },
        Err(refusal) => {
            problems.extend(listed("the shared root graph", refusal));
            return problems;
        }
    };
    let user = Viewer::new("schema-check").expect("not blank");
    let probe = starter::probe_delta(&user);
    if let Err(refusal) = check::plan(schema, &probe, &root) {
        problems.extend(listed("a starter graph", refusal));
    }
    problems
}

fn listed(graph: &str, refusal: Refusal) -> impl Iterator<Item = String> {
    let (Refusal::Invalid(problems) | Refusal::Denied(problems)) = refusal;
    problems
        .into_iter()
        .map(move |problem| format!("{graph}: {problem}"))
}
