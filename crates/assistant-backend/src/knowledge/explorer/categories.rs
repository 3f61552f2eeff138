//! The category tree of the explorer: node types of the schema below `node.entity` (rules of
//! the original service, reference §5.3), each with the number of the user's pages.
//!
//! Candidates are active node types with ids starting `node.`; edges come from their active
//! inheritance records; the roots are the children of `node.entity` except `node.block` and
//! `node.universe`, and only what is reachable from them is shown. Siblings are sorted by
//! (lower-cased name, id); a type with several parents appears under each; a type already on
//! the current path is skipped (a cycle guard).

use std::collections::{BTreeSet, HashMap};

use exobrain_proto::knowledge as pb;
use serde::Serialize;
use utoipa::ToSchema;

const ROOT: &str = "node.entity";
const HIDDEN_ROOTS: [&str; 2] = ["node.block", "node.universe"];

/// A category (node type) with its page count and subcategories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Category {
    pub category_id: String,
    pub display_name: String,
    /// The user's entities of exactly this type.
    pub page_count: u32,
    #[schema(no_recursion)]
    pub sub_categories: Vec<Category>,
}

/// The shape of the tree, before counting.
#[derive(Debug, Default)]
pub struct Taxonomy {
    names: HashMap<String, String>,
    children: HashMap<String, Vec<String>>,
}

impl Taxonomy {
    /// The taxonomy of `schema`.
    pub fn of(schema: &pb::GetSchemaReply) -> Self {
        let candidates: Vec<&pb::SchemaNodeType> = schema
            .node_types
            .iter()
            .filter(|node| {
                node.r#type
                    .as_ref()
                    .is_some_and(|t| t.active && t.kind == "node" && t.id.starts_with("node."))
            })
            .collect();
        let names: HashMap<String, String> = candidates
            .iter()
            .filter_map(|node| node.r#type.as_ref())
            .map(|t| {
                let name = if t.name.trim().is_empty() {
                    &t.id
                } else {
                    &t.name
                };
                (t.id.clone(), name.clone())
            })
            .collect();
        let mut children: HashMap<String, Vec<String>> = HashMap::new();
        for node in &candidates {
            for parent in node.parents.iter().filter(|p| p.active) {
                if names.contains_key(&parent.parent_type_id)
                    && names.contains_key(&parent.child_type_id)
                {
                    children
                        .entry(parent.parent_type_id.clone())
                        .or_default()
                        .push(parent.child_type_id.clone());
                }
            }
        }
        for list in children.values_mut() {
            list.sort_by_key(|id| (names[id].to_lowercase(), id.clone()));
            list.dedup();
        }
        Self { names, children }
    }

    fn roots(&self) -> Vec<&String> {
        self.children
            .get(ROOT)
            .map(|roots| {
                roots
                    .iter()
                    .filter(|id| !HIDDEN_ROOTS.contains(&id.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every category the tree shows, once.
    pub fn shown(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&String> = self.roots();
        while let Some(id) = stack.pop() {
            if seen.insert(id.clone()) {
                stack.extend(self.children.get(id).into_iter().flatten());
            }
        }
        seen.into_iter().collect()
    }

    /// The tree, with `counts` per category id (0 when missing).
    pub fn render(&self, counts: &HashMap<String, u32>) -> Vec<Category> {
        let mut path = Vec::new();
        self.roots()
            .into_iter()
            .filter_map(|id| self.node(id, counts, &mut path))
            .collect()
    }

    fn node<'a>(
        &'a self,
        id: &'a String,
        counts: &HashMap<String, u32>,
        path: &mut Vec<&'a String>,
    ) -> Option<Category> {
        if path.contains(&id) {
            return None;
        }
        path.push(id);
        let sub_categories = self
            .children
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|child| self.node(child, counts, path))
            .collect();
        path.pop();
        Some(Category {
            category_id: id.clone(),
            display_name: self.names[id].clone(),
            page_count: counts.get(id).copied().unwrap_or(0),
            sub_categories,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, name: &str, parents: &[&str]) -> pb::SchemaNodeType {
        pb::SchemaNodeType {
            r#type: Some(pb::SchemaType {
                id: id.into(),
                kind: "node".into(),
                name: name.into(),
                description: String::new(),
                active: true,
            }),
            properties: vec![],
            parents: parents
                .iter()
                .map(|parent| pb::TypeInheritance {
                    child_type_id: id.into(),
                    parent_type_id: (*parent).into(),
                    description: String::new(),
                    active: true,
                })
                .collect(),
        }
    }

    #[test]
    fn the_tree_has_the_children_of_entity_sorted_by_name_and_skips_cycles() {
        let schema = pb::GetSchemaReply {
            node_types: vec![
                node("node.entity", "Entity", &[]),
                node("node.block", "Block", &["node.entity"]),
                node("node.place", "Place", &["node.entity", "node.city"]),
                node("node.city", "city", &["node.place"]),
                node("node.person", "Person", &["node.entity"]),
                node("node.orphan", "Orphan", &[]),
            ],
            edge_types: vec![],
        };
        let taxonomy = Taxonomy::of(&schema);
        assert_eq!(taxonomy.shown(), ["node.city", "node.person", "node.place"]);
        let counts = HashMap::from([("node.person".to_owned(), 2)]);
        let tree = taxonomy.render(&counts);
        let ids: Vec<&str> = tree.iter().map(|c| c.category_id.as_str()).collect();
        assert_eq!(ids, ["node.person", "node.place"]);
        assert_eq!(tree[0].page_count, 2);
        let city = &tree[1].sub_categories[0];
        assert_eq!(city.category_id, "node.city");
        assert!(
            city.sub_categories.is_empty(),
            "place is on the path already"
        );
    }
}
