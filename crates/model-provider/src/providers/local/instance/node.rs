//! What the generator works on: a node is a conjunction of subschemas (parts) that one value
//! must satisfy. Flattening a node resolves `$ref`s and `allOf`s into plain keyword maps
//! (atoms), with recursion tracked across the whole walk; the first pending `anyOf`, `oneOf` or
//! `if` of those atoms turns into alternative nodes. Reading keywords is the callers' job.

use std::collections::{BTreeMap, BTreeSet};

use jsonschema::Draft;
use serde_json::{Map, Value};

use super::pointer::{self, Refs};
use super::{InstanceError, MAX_REF_DEPTH};

/// One subschema and where it sits in the document.
#[derive(Clone, Debug)]
pub(super) struct Part<'a> {
    pub(super) at: String,
    pub(super) schema: &'a Value,
}

/// Subschemas one value must satisfy together, with the composition keywords already chosen.
#[derive(Clone, Debug)]
pub(super) struct Node<'a> {
    /// Where errors about this node point.
    pub(super) at: String,
    pub(super) parts: Vec<Part<'a>>,
    /// How many leading parts a value is checked against: parts added by choosing an
    /// alternative need no check of their own, since the keyword they came from is checked.
    checked: usize,
    /// Pointers of `anyOf`/`oneOf`/`if` keywords an alternative has already been taken for.
    consumed: Vec<String>,
}

impl<'a> Node<'a> {
    pub(super) fn new(at: String, parts: Vec<Part<'a>>) -> Self {
        Self {
            at,
            checked: parts.len(),
            parts,
            consumed: Vec::new(),
        }
    }

    /// The parts a value for this node must be checked against.
    pub(super) fn checked_parts(&self) -> &[Part<'a>] {
        &self.parts[..self.checked.min(self.parts.len())]
    }

    /// This node plus `extra` parts, with the keyword at `keyword` marked as decided.
    fn choosing(&self, keyword: &str, extra: impl IntoIterator<Item = Part<'a>>) -> Self {
        let mut next = self.clone();
        next.parts.extend(extra);
        next.consumed.push(keyword.to_owned());
        next
    }
}

/// A schema object reached by flattening, with its pointer.
#[derive(Clone, Copy, Debug)]
pub(super) struct Atom<'a, 'p> {
    pub(super) at: &'p str,
    pub(super) map: &'a Map<String, Value>,
}

impl<'a> Atom<'a, '_> {
    pub(super) fn get(&self, keyword: &str) -> Option<&'a Value> {
        self.map.get(keyword)
    }

    /// The subschema under `keyword`, as a part.
    pub(super) fn part(&self, keyword: &str) -> Option<Part<'a>> {
        self.get(keyword).map(|schema| Part {
            at: pointer::child(self.at, keyword),
            schema,
        })
    }
}

/// A flattened node: its atoms and the `$ref` targets opened to reach them.
#[derive(Debug)]
pub(super) struct Flat<'a> {
    atoms: Vec<(String, &'a Map<String, Value>)>,
    opened: Vec<String>,
}

impl<'a> Flat<'a> {
    pub(super) fn atoms(&self) -> Vec<Atom<'a, '_>> {
        self.atoms
            .iter()
            .map(|(at, map)| Atom { at, map })
            .collect()
    }
}

/// `$ref` targets open on the current generation path, and how recursion is treated.
#[derive(Debug, Default)]
pub(super) struct Recursion {
    open: BTreeMap<String, usize>,
    /// When set, re-entering any open `$ref` fails at once (optional content never recurses).
    pub(super) strict: bool,
    /// How many re-entries were refused so far.
    pub(super) cuts: usize,
}

impl Recursion {
    fn may_open(&mut self, target: &str) -> bool {
        let open = self.open.get(target).copied().unwrap_or(0);
        let allowed = if self.strict {
            open == 0
        } else {
            open < MAX_REF_DEPTH
        };
        if !allowed {
            self.cuts += 1;
        }
        allowed
    }

    /// Closes the targets `flat` opened, once its value is built.
    pub(super) fn close(&mut self, flat: &Flat<'_>) {
        for target in &flat.opened {
            if let Some(count) = self.open.get_mut(target) {
                *count = count.saturating_sub(1);
            }
        }
    }
}

/// Resolves the `$ref`s and `allOf`s of `node` into atoms, in document order. Boolean `false`
/// makes the node unsatisfiable; refs are opened in `recursion` until [`Recursion::close`].
pub(super) fn flatten<'a>(
    node: &Node<'a>,
    refs: &Refs<'a>,
    draft: Draft,
    recursion: &mut Recursion,
) -> Result<Flat<'a>, InstanceError> {
    let mut flat = Flat {
        atoms: Vec::new(),
        opened: Vec::new(),
    };
    let mut seen = BTreeSet::new();
    let mut stack: Vec<Part<'a>> = node.parts.iter().rev().cloned().collect();
    while let Some(Part { at, schema }) = stack.pop() {
        let map = match schema {
            Value::Bool(true) => continue,
            Value::Bool(false) => {
                return Err(InstanceError::unsatisfiable(
                    &at,
                    "the schema is `false`, which no value satisfies",
                ));
            }
            Value::Object(map) => map,
            _ => {
                return Err(InstanceError::InvalidSchema(format!(
                    "{at} is neither an object nor a boolean"
                )));
            }
        };
        let mut children = Vec::new();
        let dynamic = match draft {
            Draft::Draft201909 => "$recursiveRef",
            _ => "$dynamicRef",
        };
        let reference = ["$ref", dynamic]
            .into_iter()
            .find_map(|keyword| Some((keyword, map.get(keyword)?.as_str()?)));
        if let Some((keyword, reference)) = reference {
            let here = pointer::child(&at, keyword);
            let (target, schema) = refs.resolve(reference).ok_or_else(|| {
                InstanceError::unsatisfiable(&here, format!("cannot resolve {reference} locally"))
            })?;
            if seen.insert(target.clone()) {
                if !recursion.may_open(&target) {
                    return Err(InstanceError::unsatisfiable(
                        &here,
                        format!("{reference} recurses deeper than {MAX_REF_DEPTH} levels"),
                    ));
                }
                flat.opened.push(target.clone());
                children.push(Part { at: target, schema });
            }
        }
        // Up to draft 7, keywords beside `$ref` are ignored.
        if reference.is_none() || draft > Draft::Draft7 {
            if let Some(Value::Array(branches)) = map.get("allOf") {
                let all_of = pointer::child(&at, "allOf");
                children.extend(branches.iter().enumerate().map(|(position, schema)| Part {
                    at: pointer::index(&all_of, position),
                    schema,
                }));
            }
            flat.atoms.push((at, map));
        }
        stack.extend(children.into_iter().rev());
    }
    for target in &flat.opened {
        *recursion.open.entry(target.clone()).or_default() += 1;
    }
    Ok(flat)
}

/// The alternatives for the first undecided `anyOf`, `oneOf` or `if` among `atoms`, best
/// first; `None` when every composition keyword is decided.
pub(super) fn alternatives<'a>(node: &Node<'a>, atoms: &[Atom<'a, '_>]) -> Option<Vec<Node<'a>>> {
    for atom in atoms {
        for keyword in ["anyOf", "oneOf"] {
            let at = pointer::child(atom.at, keyword);
            let Some(Value::Array(branches)) = atom.get(keyword) else {
                continue;
            };
            if node.consumed.contains(&at) {
                continue;
            }
            let (nulls, others): (Vec<_>, Vec<_>) = branches
                .iter()
                .enumerate()
                .partition(|(_, branch)| only_null(branch));
            let ordered = others.into_iter().chain(nulls);
            return Some(
                ordered
                    .map(|(position, schema)| {
                        let part = Part {
                            at: pointer::index(&at, position),
                            schema,
                        };
                        node.choosing(&at, [part])
                    })
                    .collect(),
            );
        }
        if let Some(condition) = atom.part("if") {
            if node.consumed.contains(&condition.at) {
                continue;
            }
            let keyword = condition.at.clone();
            let mut options = vec![node.choosing(&keyword, [])];
            options.push(node.choosing(
                &keyword,
                [Some(condition), atom.part("then")].into_iter().flatten(),
            ));
            if let Some(otherwise) = atom.part("else") {
                options.push(node.choosing(&keyword, [otherwise]));
            }
            return Some(options);
        }
    }
    None
}

/// Whether `schema` admits only `null` on its face (`{"type": "null"}` and the like).
fn only_null(schema: &Value) -> bool {
    let Some(map) = schema.as_object() else {
        return false;
    };
    match (map.get("type"), map.get("const"), map.get("enum")) {
        (Some(Value::String(kind)), _, _) => kind == "null",
        (Some(Value::Array(kinds)), _, _) => kinds.iter().all(|kind| kind == "null"),
        (None, Some(value), _) => value.is_null(),
        (None, None, Some(Value::Array(values))) => values.iter().all(Value::is_null),
        _ => false,
    }
}
