//! Arrays: `minItems` items (one when no minimum is given and `maxItems` allows it, dropped
//! again if it cannot be built without recursion), each item satisfying the `prefixItems` or
//! array-form `items` entry for its position, else `items`/`additionalItems`; the first
//! `minContains` items (1 by default) also satisfy every `contains`. With `uniqueItems` each
//! item asks for another variant. The caller validates the whole array.

use serde_json::Value;

use super::generate::Generator;
use super::node::{Atom, Node, Part};
use super::text::count;
use super::{InstanceError, MAX_SIZE, pointer};

impl<'a> Generator<'a> {
    /// The array for `atoms`.
    pub(super) fn array(
        &mut self,
        atoms: &[Atom<'a, '_>],
        at: &str,
        variant: usize,
    ) -> Result<Value, InstanceError> {
        let min = atoms
            .iter()
            .filter_map(|atom| atom.get("minItems").and_then(count))
            .max()
            .unwrap_or(0);
        let max = atoms
            .iter()
            .filter_map(|atom| atom.get("maxItems").and_then(count))
            .min();
        let contains: Vec<Part<'a>> = atoms
            .iter()
            .filter_map(|atom| atom.part("contains"))
            .collect();
        let min_contains = atoms
            .iter()
            .filter(|atom| atom.get("contains").is_some())
            .map(|atom| atom.get("minContains").and_then(count).unwrap_or(1))
            .max()
            .unwrap_or(0);
        let unique = atoms
            .iter()
            .any(|atom| atom.get("uniqueItems") == Some(&Value::Bool(true)));
        let needed = min.max(min_contains);
        if let Some(max) = max.filter(|max| *max < needed) {
            return Err(InstanceError::unsatisfiable(
                at,
                format!("maxItems {max} is below the {needed} items minItems/minContains ask for"),
            ));
        }
        if needed > MAX_SIZE {
            return Err(InstanceError::unsatisfiable(
                at,
                format!("{needed} items are above the generator's limit of {MAX_SIZE}"),
            ));
        }
        let item_variant = |position: usize| if unique { variant + position } else { variant };
        let mut items = Vec::new();
        for position in 0..usize::try_from(needed).unwrap_or(usize::MAX) {
            let must_contain = if (position as u64) < min_contains {
                contains.as_slice()
            } else {
                &[]
            };
            let node = item(atoms, at, position, must_contain);
            items.push(self.generate(&node, item_variant(position))?);
        }
        if needed == 0 && max != Some(0) {
            let node = item(atoms, at, 0, &[]);
            if let Ok(value) = self.strictly(|this| this.generate(&node, item_variant(0))) {
                items.push(value);
            }
        }
        Ok(Value::Array(items))
    }
}

/// The node the item at `position` must satisfy, plus the `contains` parts it must match.
fn item<'a>(atoms: &[Atom<'a, '_>], at: &str, position: usize, contains: &[Part<'a>]) -> Node<'a> {
    let mut parts = Vec::new();
    for atom in atoms {
        let (tuple, rest) = match (atom.get("prefixItems"), atom.get("items")) {
            (Some(Value::Array(prefix)), _) => (Some(("prefixItems", prefix)), "items"),
            (None, Some(Value::Array(prefix))) => (Some(("items", prefix)), "additionalItems"),
            _ => (None, "items"),
        };
        match tuple {
            Some((keyword, prefix)) if position < prefix.len() => parts.push(Part {
                at: pointer::index(&pointer::child(atom.at, keyword), position),
                schema: &prefix[position],
            }),
            _ => parts.extend(atom.part(rest)),
        }
    }
    parts.extend(contains.iter().cloned());
    let here = parts
        .first()
        .map_or_else(|| pointer::child(at, "items"), |part| part.at.clone());
    Node::new(here, parts)
}
