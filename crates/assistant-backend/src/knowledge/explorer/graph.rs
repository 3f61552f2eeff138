//! A page's neighbourhood as a small graph: the page, the pages it is linked with (from the
//! page itself and from its blocks, either direction), and at depth 2 their neighbours too,
//! at most [`MAX_GRAPH_NODES`] pages. Every read goes through `GetEntityContext` as the user,
//! so only their pages and shared ones appear.

use std::collections::{HashMap, HashSet};

use exobrain_proto::knowledge as pb;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::KnowledgeExplorer;
use crate::knowledge::error::{Call, Failure, KnowledgeError};

/// Most pages in one graph, the center included.
pub const MAX_GRAPH_NODES: usize = 40;
/// Neighbours read at the same time at depth 2.
const CONCURRENT_READS: usize = 4;

/// One page of a graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct GraphNode {
    pub page_id: String,
    pub title: String,
    #[schema(required = true)]
    pub category_id: Option<String>,
    /// Links from the center: 0 (the center), 1 or 2.
    #[schema(minimum = 0, maximum = 2)]
    pub distance: u8,
}

/// A link between two pages of a graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, ToSchema)]
pub struct GraphEdge {
    pub source: String,
    pub target: String,
    /// The relation (edge type), e.g. `RELATED_TO`.
    pub label: String,
}

/// A page's neighbourhood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Graph {
    /// The page the graph is of.
    pub center: String,
    /// The center first, then by distance; at most 40.
    pub nodes: Vec<GraphNode>,
    /// Links between the listed pages.
    pub edges: Vec<GraphEdge>,
}

impl KnowledgeExplorer {
    /// The graph of `page_id` for `user` to `depth` (1 or 2) links.
    pub async fn graph(
        &self,
        user: Uuid,
        page_id: &str,
        depth: u8,
    ) -> Result<Graph, KnowledgeError> {
        let center = self.context(user, page_id).await.map_err(as_graph_call)?;
        let entity = center.reply().entity.clone().unwrap_or_default();
        let mut graph = GraphBuilder::new(GraphNode {
            page_id: entity.id.clone(),
            title: entity.name.clone().unwrap_or_default(),
            category_id: nonempty(&entity.type_id),
            distance: 0,
        });
        graph.link(&entity.id, center.reply(), 1);
        if depth >= 2 {
            let near: Vec<String> = graph.at(1);
            let contexts: Vec<Option<pb::GetEntityContextReply>> = futures::stream::iter(near)
                .map(|id| async move { self.neighbour(user, &id).await })
                .buffered(CONCURRENT_READS)
                .try_collect()
                .await?;
            for reply in contexts.into_iter().flatten() {
                let id = reply
                    .entity
                    .as_ref()
                    .map(|e| e.id.clone())
                    .unwrap_or_default();
                graph.link(&id, &reply, 2);
            }
        }
        Ok(graph.finish())
    }

    /// A neighbour's context; `None` when it cannot be read (gone, or not visible).
    async fn neighbour(
        &self,
        user: Uuid,
        page_id: &str,
    ) -> Result<Option<pb::GetEntityContextReply>, KnowledgeError> {
        match self.context(user, page_id).await {
            Ok(context) => Ok(Some(context.reply().clone())),
            Err(KnowledgeError::Upstream {
                failure: Failure::NotFound | Failure::Denied,
                ..
            }) => Ok(None),
            Err(error) => Err(as_graph_call(error)),
        }
    }
}

fn as_graph_call(error: KnowledgeError) -> KnowledgeError {
    match error {
        KnowledgeError::Upstream {
            failure, detail, ..
        } => KnowledgeError::Upstream {
            call: Call::Graph,
            failure,
            detail,
        },
        other => other,
    }
}

/// The graph as it grows: pages in the order found, links without repeats.
struct GraphBuilder {
    center: String,
    nodes: Vec<GraphNode>,
    index: HashMap<String, usize>,
    edges: Vec<GraphEdge>,
    seen_edges: HashSet<GraphEdge>,
}

impl GraphBuilder {
    fn new(center: GraphNode) -> Self {
        Self {
            center: center.page_id.clone(),
            index: HashMap::from([(center.page_id.clone(), 0)]),
            nodes: vec![center],
            edges: Vec::new(),
            seen_edges: HashSet::new(),
        }
    }

    /// The pages at `distance`, in the order found.
    fn at(&self, distance: u8) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|node| node.distance == distance)
            .map(|node| node.page_id.clone())
            .collect()
    }

    /// Adds the links of page `from` in `reply` (its own and its blocks'), listing pages not yet
    /// in the graph at `distance` while there is room.
    fn link(&mut self, from: &str, reply: &pb::GetEntityContextReply, distance: u8) {
        let neighbours = reply
            .neighbors
            .iter()
            .chain(reply.blocks.iter().flat_map(|block| &block.neighbors));
        for neighbour in neighbours {
            let Some(other) = &neighbour.other_entity else {
                continue;
            };
            if other.id.is_empty() || other.id == from || !self.add_node(other, distance) {
                continue;
            }
            let (source, target) = if neighbour.direction == pb::NeighborDirection::Incoming as i32
            {
                (other.id.clone(), from.to_owned())
            } else {
                (from.to_owned(), other.id.clone())
            };
            let edge = GraphEdge {
                source,
                target,
                label: neighbour.edge_type.clone(),
            };
            if self.seen_edges.insert(edge.clone()) {
                self.edges.push(edge);
            }
        }
    }

    /// Whether `other` is in the graph (added now if there is room).
    fn add_node(&mut self, other: &pb::EntityContextOtherEntity, distance: u8) -> bool {
        if self.index.contains_key(&other.id) {
            return true;
        }
        if self.nodes.len() >= MAX_GRAPH_NODES {
            return false;
        }
        self.index.insert(other.id.clone(), self.nodes.len());
        self.nodes.push(GraphNode {
            page_id: other.id.clone(),
            title: other.name.clone().unwrap_or_default(),
            category_id: nonempty(&other.type_id),
            distance,
        });
        true
    }

    fn finish(self) -> Graph {
        Graph {
            center: self.center,
            nodes: self.nodes,
            edges: self.edges,
        }
    }
}

fn nonempty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neighbour(id: &str, direction: pb::NeighborDirection) -> pb::EntityContextNeighbor {
        pb::EntityContextNeighbor {
            direction: direction as i32,
            edge_type: "RELATED_TO".into(),
            other_entity: Some(pb::EntityContextOtherEntity {
                id: id.into(),
                name: Some(id.to_uppercase()),
                type_id: "node.person".into(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn reply(neighbours: Vec<pb::EntityContextNeighbor>) -> pb::GetEntityContextReply {
        pb::GetEntityContextReply {
            neighbors: neighbours,
            ..Default::default()
        }
    }

    fn center() -> GraphNode {
        GraphNode {
            page_id: "c".into(),
            title: "C".into(),
            category_id: None,
            distance: 0,
        }
    }

    #[test]
    fn links_keep_their_direction_and_repeat_neither_pages_nor_edges() {
        let mut graph = GraphBuilder::new(center());
        graph.link(
            "c",
            &reply(vec![
                neighbour("a", pb::NeighborDirection::Outgoing),
                neighbour("b", pb::NeighborDirection::Incoming),
                neighbour("a", pb::NeighborDirection::Outgoing),
                neighbour("c", pb::NeighborDirection::Outgoing),
            ]),
            1,
        );
        graph.link(
            "a",
            &reply(vec![neighbour("c", pb::NeighborDirection::Incoming)]),
            2,
        );
        let graph = graph.finish();
        let nodes: Vec<(&str, u8)> = graph
            .nodes
            .iter()
            .map(|n| (n.page_id.as_str(), n.distance))
            .collect();
        assert_eq!(nodes, [("c", 0), ("a", 1), ("b", 1)]);
        let edges: Vec<(&str, &str)> = graph
            .edges
            .iter()
            .map(|e| (e.source.as_str(), e.target.as_str()))
            .collect();
        assert_eq!(edges, [("c", "a"), ("b", "c")]);
    }

    #[test]
    fn the_graph_stops_at_forty_pages() {
        let mut graph = GraphBuilder::new(center());
        let many = (0..60)
            .map(|i| neighbour(&format!("n{i}"), pb::NeighborDirection::Outgoing))
            .collect();
        graph.link("c", &reply(many), 1);
        let graph = graph.finish();
        assert_eq!(graph.nodes.len(), MAX_GRAPH_NODES);
        assert_eq!(graph.edges.len(), MAX_GRAPH_NODES - 1);
    }
}
