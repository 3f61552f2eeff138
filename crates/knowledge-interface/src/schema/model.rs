//! The schema registry in memory: types, inheritance, properties and edge rules, with the
//! rules every reader and writer shares. A type is *assignable* to another when it is that
//! type or descends from it through active inheritance (any parent). A type's *chain* runs
//! from its root to itself along one parent per type (the smallest parent id when there are
//! several), which is how extraction prompts describe types. Properties owned by `node` or
//! `edge` apply to every type of that kind.

use std::collections::{BTreeMap, BTreeSet};

/// Node or edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A node type (`node`, `node.*`).
    Node,
    /// An edge type (`edge`, `edge.*`).
    Edge,
}

impl Kind {
    /// `node` or `edge`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Node => "node",
            Kind::Edge => "edge",
        }
    }

    /// The kind named `text`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "node" => Some(Kind::Node),
            "edge" => Some(Kind::Edge),
            _ => None,
        }
    }

    /// The kind of a type id, from the text before its first dot.
    pub fn of_id(type_id: &str) -> Option<Self> {
        Self::parse(type_id.split('.').next().unwrap_or_default())
    }
}

/// A value type of a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Text.
    String,
    /// A double.
    Float,
    /// A 64-bit integer.
    Int,
    /// True or false.
    Bool,
    /// An RFC 3339 timestamp.
    Datetime,
    /// Any JSON.
    Json,
}

impl ValueType {
    /// The registry's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::Float => "float",
            ValueType::Int => "int",
            ValueType::Bool => "bool",
            ValueType::Datetime => "datetime",
            ValueType::Json => "json",
        }
    }

    /// The value type named `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "string" => ValueType::String,
            "float" => ValueType::Float,
            "int" => ValueType::Int,
            "bool" => ValueType::Bool,
            "datetime" => ValueType::Datetime,
            "json" => ValueType::Json,
            _ => return None,
        })
    }
}

/// One type.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaType {
    /// `node.person`, `edge.knows`, …
    pub id: String,
    /// Node or edge.
    pub kind: Kind,
    /// Display name (`Person`, `KNOWS`).
    pub name: String,
    /// What it means.
    pub description: String,
    /// Whether it is in use.
    pub active: bool,
}

/// Constraints on a property's values beyond its type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    /// Allowed values (strings).
    pub enum_values: Option<Vec<String>>,
    /// A regular expression a string must match.
    pub pattern: Option<String>,
    /// Smallest number allowed.
    pub min: Option<f64>,
    /// Largest number allowed.
    pub max: Option<f64>,
}

/// A property a type declares.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// The declaring type (`node` or `edge` for global properties).
    pub owner_type_id: String,
    /// Its key.
    pub prop_name: String,
    /// Its value type.
    pub value_type: ValueType,
    /// Must be present on every record.
    pub required: bool,
    /// Returned on reads.
    pub readable: bool,
    /// Clients may set it.
    pub writable: bool,
    /// In use.
    pub active: bool,
    /// What it means.
    pub description: String,
    /// Value constraints.
    pub constraints: Constraints,
}

/// A parent link.
#[derive(Debug, Clone, PartialEq)]
pub struct Inheritance {
    /// The child type.
    pub child_type_id: String,
    /// Its parent.
    pub parent_type_id: String,
    /// Why.
    pub description: String,
    /// In use.
    pub active: bool,
}

/// Which node types an edge type may connect.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeRule {
    /// The edge type.
    pub edge_type_id: String,
    /// Source node type (or any descendant).
    pub from_node_type_id: String,
    /// Target node type (or any descendant).
    pub to_node_type_id: String,
    /// Why.
    pub description: String,
    /// In use.
    pub active: bool,
}

/// An edge type that may connect two node types, as extraction offers it.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeOption {
    /// The edge type.
    pub edge_type: SchemaType,
    /// The rule's source type.
    pub source_type_id: String,
    /// The rule's target type.
    pub target_type_id: String,
}

/// The whole registry.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    types: BTreeMap<String, SchemaType>,
    parents: BTreeMap<String, Vec<Inheritance>>,
    properties: BTreeMap<String, Vec<Property>>,
    rules: Vec<EdgeRule>,
}

/// The rows of a schema, by table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemaRows {
    /// Types.
    pub types: Vec<SchemaType>,
    /// Parent links.
    pub inheritance: Vec<Inheritance>,
    /// Properties.
    pub properties: Vec<Property>,
    /// Edge endpoint rules.
    pub rules: Vec<EdgeRule>,
}

/// How deep inheritance may go before it is treated as a cycle.
const MAX_DEPTH: usize = 64;

impl Schema {
    /// A schema of these rows (inactive ones included; readers filter).
    pub fn new(
        types: Vec<SchemaType>,
        inheritance: Vec<Inheritance>,
        properties: Vec<Property>,
        rules: Vec<EdgeRule>,
    ) -> Self {
        let mut schema = Self {
            types: types.into_iter().map(|t| (t.id.clone(), t)).collect(),
            rules,
            ..Self::default()
        };
        for link in inheritance {
            schema
                .parents
                .entry(link.child_type_id.clone())
                .or_default()
                .push(link);
        }
        for property in properties {
            schema
                .properties
                .entry(property.owner_type_id.clone())
                .or_default()
                .push(property);
        }
        schema
    }

    /// Every row (inactive ones included), as [`Schema::new`] takes them.
    pub fn rows(&self) -> SchemaRows {
        SchemaRows {
            types: self.types.values().cloned().collect(),
            inheritance: self.parents.values().flatten().cloned().collect(),
            properties: self.properties.values().flatten().cloned().collect(),
            rules: self.rules.clone(),
        }
    }

    /// The type `id`, active or not.
    pub fn get(&self, id: &str) -> Option<&SchemaType> {
        self.types.get(id)
    }

    /// The active type `id`.
    pub fn active(&self, id: &str) -> Option<&SchemaType> {
        self.types.get(id).filter(|t| t.active)
    }

    /// Every active type of `kind`, ordered by name then id.
    pub fn active_types(&self, kind: Kind) -> Vec<&SchemaType> {
        let mut types: Vec<&SchemaType> = self
            .types
            .values()
            .filter(|t| t.active && t.kind == kind)
            .collect();
        types.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        types
    }

    /// Every type of `kind`, active or not, by id.
    pub fn all_types(&self, kind: Kind) -> Vec<&SchemaType> {
        self.types.values().filter(|t| t.kind == kind).collect()
    }

    /// The active parent links of `id` whose parent is an active type.
    pub fn parent_links(&self, id: &str) -> impl Iterator<Item = &Inheritance> {
        self.parents
            .get(id)
            .into_iter()
            .flatten()
            .filter(|link| link.active && self.active(&link.parent_type_id).is_some())
    }

    /// The active properties `owner` declares.
    pub fn declared_properties(&self, owner: &str) -> impl Iterator<Item = &Property> {
        self.properties
            .get(owner)
            .into_iter()
            .flatten()
            .filter(|p| p.active)
    }

    /// Every active edge rule.
    pub fn active_rules(&self) -> impl Iterator<Item = &EdgeRule> {
        self.rules.iter().filter(|rule| rule.active)
    }

    /// Whether `type_id` is `target` or descends from it (any active parent path).
    pub fn is_assignable(&self, type_id: &str, target: &str) -> bool {
        let mut seen = BTreeSet::new();
        let mut stack = vec![type_id];
        while let Some(current) = stack.pop() {
            if current == target {
                return true;
            }
            if seen.insert(current) && seen.len() <= MAX_DEPTH * 4 {
                stack.extend(
                    self.parent_links(current)
                        .map(|link| link.parent_type_id.as_str()),
                );
            }
        }
        false
    }

    /// Whether some active rule of `edge_type_id` lets a `from` node point at a `to` node.
    pub fn rule_allows(&self, edge_type_id: &str, from: &str, to: &str) -> bool {
        self.active_rules().any(|rule| {
            rule.edge_type_id == edge_type_id
                && self.is_assignable(from, &rule.from_node_type_id)
                && self.is_assignable(to, &rule.to_node_type_id)
        })
    }

    /// `type_id` and every active type that descends from it, sorted.
    pub fn descendants(&self, type_id: &str) -> Vec<String> {
        self.types
            .values()
            .filter(|t| t.active && self.is_assignable(&t.id, type_id))
            .map(|t| t.id.clone())
            .collect()
    }

    /// The chain of `type_id` from its root to itself, one parent per type (the smallest
    /// parent id); cycles end the chain.
    pub fn chain(&self, type_id: &str) -> Vec<String> {
        let mut chain = vec![type_id.to_owned()];
        let mut current = type_id;
        while chain.len() < MAX_DEPTH {
            let Some(parent) = self
                .parent_links(current)
                .map(|link| link.parent_type_id.as_str())
                .min()
            else {
                break;
            };
            if chain.iter().any(|seen| seen == parent) {
                break;
            }
            chain.push(parent.to_owned());
            current = parent;
        }
        chain.reverse();
        chain
    }

    /// The properties that apply to `type_id`: the global ones of its kind, its own, and with
    /// `inherited` those of its chain. For a key declared several times the most specific
    /// owner wins (the type itself, then its nearest ancestor, the global owner last). Sorted
    /// by key.
    pub fn properties_of(&self, type_id: &str, inherited: bool) -> Vec<&Property> {
        let chain = if inherited {
            self.chain(type_id)
        } else {
            vec![type_id.to_owned()]
        };
        let global = Kind::of_id(type_id).map(Kind::as_str);
        let owners = global.into_iter().map(str::to_owned).chain(chain);
        let mut by_name: BTreeMap<&str, &Property> = BTreeMap::new();
        for owner in owners {
            for property in self.declared_properties(&owner) {
                by_name.insert(&property.prop_name, property);
            }
        }
        by_name.into_values().collect()
    }

    /// The edge types that may connect `first` and `second`, in either direction, with the
    /// rule's declared endpoint types; sorted by edge type, source, target.
    pub fn edge_options(&self, first: &str, second: &str) -> Vec<EdgeOption> {
        let mut options: Vec<EdgeOption> = self
            .active_rules()
            .filter(|rule| {
                let forward = self.is_assignable(first, &rule.from_node_type_id)
                    && self.is_assignable(second, &rule.to_node_type_id);
                let reverse = self.is_assignable(second, &rule.from_node_type_id)
                    && self.is_assignable(first, &rule.to_node_type_id);
                forward || reverse
            })
            .filter_map(|rule| {
                Some(EdgeOption {
                    edge_type: self.active(&rule.edge_type_id)?.clone(),
                    source_type_id: rule.from_node_type_id.clone(),
                    target_type_id: rule.to_node_type_id.clone(),
                })
            })
            .collect();
        options.sort_by(|a, b| {
            (&a.edge_type.id, &a.source_type_id, &a.target_type_id).cmp(&(
                &b.edge_type.id,
                &b.source_type_id,
                &b.target_type_id,
            ))
        });
        options.dedup();
        options
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str) -> SchemaType {
        SchemaType {
            id: id.into(),
            kind: Kind::Node,
            name: id.into(),
            description: String::new(),
            active: true,
        }
    }

    fn link(child: &str, parent: &str, active: bool) -> Inheritance {
        Inheritance {
            child_type_id: child.into(),
            parent_type_id: parent.into(),
            description: String::new(),
            active,
        }
    }

    fn prop(owner: &str, name: &str, value_type: ValueType) -> Property {
        Property {
            owner_type_id: owner.into(),
            prop_name: name.into(),
            value_type,
            required: false,
            readable: true,
            writable: true,
            active: true,
            description: owner.into(),
            constraints: Constraints::default(),
        }
    }

    fn schema() -> Schema {
        Schema::new(
            [
                "node",
                "node.entity",
                "node.person",
                "node.ai_agent",
                "node.concept",
                "node.species",
                "node.loop_a",
                "node.loop_b",
            ]
            .into_iter()
            .map(node)
            .collect(),
            vec![
                link("node.person", "node.entity", true),
                link("node.ai_agent", "node.person", true),
                link("node.concept", "node.entity", true),
                link("node.species", "node.concept", true),
                link("node.species", "node.entity", false),
                link("node.loop_a", "node.loop_b", true),
                link("node.loop_b", "node.loop_a", true),
            ],
            vec![
                prop("node", "note", ValueType::String),
                prop("node.entity", "name", ValueType::String),
                prop("node.entity", "note", ValueType::Json),
                prop("node.person", "email", ValueType::String),
            ],
            vec![EdgeRule {
                edge_type_id: "edge.knows".into(),
                from_node_type_id: "node.person".into(),
                to_node_type_id: "node.concept".into(),
                description: String::new(),
                active: true,
            }],
        )
    }

    #[test]
    fn assignability_follows_active_parents_and_survives_cycles() {
        let schema = schema();
        assert!(schema.is_assignable("node.ai_agent", "node.entity"));
        assert!(schema.is_assignable("node.person", "node.person"));
        assert!(!schema.is_assignable("node.person", "node.ai_agent"));
        assert!(
            schema.is_assignable("node.species", "node.entity"),
            "through concept"
        );
        assert!(!schema.is_assignable("node.loop_a", "node.entity"));
    }

    #[test]
    fn chains_run_root_to_leaf_and_stop_at_cycles() {
        let schema = schema();
        assert_eq!(
            schema.chain("node.ai_agent"),
            ["node.entity", "node.person", "node.ai_agent"]
        );
        assert_eq!(schema.chain("node.loop_a"), ["node.loop_b", "node.loop_a"]);
    }

    #[test]
    fn the_most_specific_declaration_of_a_property_wins() {
        let schema = schema();
        let props = schema.properties_of("node.ai_agent", true);
        let owners: Vec<(&str, &str)> = props
            .iter()
            .map(|p| (p.prop_name.as_str(), p.owner_type_id.as_str()))
            .collect();
        assert_eq!(
            owners,
            [
                ("email", "node.person"),
                ("name", "node.entity"),
                ("note", "node.entity")
            ]
        );
        let own: Vec<&str> = schema
            .properties_of("node.person", false)
            .iter()
            .map(|p| p.prop_name.as_str())
            .collect();
        assert_eq!(own, ["email", "note"], "global properties always apply");
    }

    #[test]
    fn edge_options_match_either_direction_and_report_the_rules_types() {
        let mut schema = schema();
        schema.types.insert(
            "edge.knows".into(),
            SchemaType {
                kind: Kind::Edge,
                ..node("edge.knows")
            },
        );
        let forward = schema.edge_options("node.ai_agent", "node.species");
        let reverse = schema.edge_options("node.species", "node.ai_agent");
        assert_eq!(forward, reverse);
        assert_eq!(
            (
                forward[0].source_type_id.as_str(),
                forward[0].target_type_id.as_str()
            ),
            ("node.person", "node.concept")
        );
        assert!(
            schema
                .edge_options("node.concept", "node.concept")
                .is_empty()
        );
    }
}
