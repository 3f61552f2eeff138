//! The search: a node is flattened, its first undecided `anyOf`/`oneOf`/`if` branches into
//! alternatives (non-recursive ones first), and otherwise each admitted kind yields candidates
//! that are checked against every part of the node; the first valid one wins. Depth, recursion
//! and step limits live here. The per-type builders are in the sibling modules.

use jsonschema::Draft;
use serde_json::Value;

use super::check::Checker;
use super::kind::{Kind, Type, kinds};
use super::node::{Atom, Node, Part, Recursion, alternatives, flatten};
use super::pointer::Refs;
use super::text::slug;
use super::{InstanceError, MAX_INSTANCE_DEPTH, MAX_STEPS, number};

/// State of one `instance` call.
pub(super) struct Generator<'a> {
    schema: &'a Value,
    refs: Refs<'a>,
    draft: Draft,
    pub(super) checker: Checker<'a>,
    recursion: Recursion,
    pub(super) seed: &'a str,
    pub(super) slug: String,
    depth: usize,
    steps: usize,
}

impl<'a> Generator<'a> {
    pub(super) fn new(root: &'a Value, seed: &'a str, checker: Checker<'a>) -> Self {
        let draft = checker.draft();
        Self {
            schema: root,
            refs: Refs::new(root, draft.id_keyword()),
            draft,
            checker,
            recursion: Recursion::default(),
            seed,
            slug: slug(seed),
            depth: 0,
            steps: 0,
        }
    }

    /// The instance of the whole schema, validated once more as a whole.
    pub(super) fn root(mut self) -> Result<Value, InstanceError> {
        let root = Part {
            at: "#".to_owned(),
            schema: self.schema,
        };
        let value = self.generate(&Node::new("#".to_owned(), vec![root]), 0)?;
        self.checker.check_root(&value)?;
        Ok(value)
    }

    /// A value satisfying every part of `node`; `variant` asks for the n-th distinct choice
    /// (used to keep array items unique).
    pub(super) fn generate(
        &mut self,
        node: &Node<'a>,
        variant: usize,
    ) -> Result<Value, InstanceError> {
        self.step(&node.at)?;
        if self.depth >= MAX_INSTANCE_DEPTH {
            return Err(InstanceError::unsatisfiable(
                &node.at,
                format!("the value would nest deeper than {MAX_INSTANCE_DEPTH} levels"),
            ));
        }
        let flat = flatten(node, &self.refs, self.draft, &mut self.recursion)?;
        self.depth += 1;
        let result = self.generate_flat(node, &flat.atoms(), variant);
        self.depth -= 1;
        self.recursion.close(&flat);
        result
    }

    /// Whether the preferred value of `node` is a scalar (so an optional property holding it
    /// is cheap and safe to fill in).
    pub(super) fn is_scalar(&mut self, node: &Node<'a>) -> bool {
        if self.step(&node.at).is_err() {
            return false;
        }
        let Ok(flat) = flatten(node, &self.refs, self.draft, &mut self.recursion) else {
            return false;
        };
        let atoms = flat.atoms();
        let verdict = match alternatives(node, &atoms) {
            Some(options) => options.first().is_some_and(|first| self.is_scalar(first)),
            None => kinds(&atoms, &node.at)
                .ok()
                .and_then(|kinds| kinds.first().map(Kind::is_scalar))
                .unwrap_or(false),
        };
        self.recursion.close(&flat);
        verdict
    }

    /// Runs `build` with recursion refused (for optional content), restoring the mode after.
    pub(super) fn strictly<T>(&mut self, build: impl FnOnce(&mut Self) -> T) -> T {
        let was = std::mem::replace(&mut self.recursion.strict, true);
        let result = build(self);
        self.recursion.strict = was;
        result
    }

    fn step(&mut self, at: &str) -> Result<(), InstanceError> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(InstanceError::unsatisfiable(
                at,
                format!("gave up after {MAX_STEPS} steps: too many alternatives to try"),
            ));
        }
        Ok(())
    }

    fn generate_flat(
        &mut self,
        node: &Node<'a>,
        atoms: &[Atom<'a, '_>],
        variant: usize,
    ) -> Result<Value, InstanceError> {
        if let Some(options) = alternatives(node, atoms) {
            return self.choose(&node.at, &options, variant);
        }
        let mut first_error = None;
        for kind in kinds(atoms, &node.at)? {
            match self.candidates(&kind, atoms, &node.at, variant) {
                Ok(values) => {
                    for value in values {
                        match self.check(node, &value) {
                            Ok(()) => return Ok(value),
                            Err(error) => {
                                first_error.get_or_insert(error);
                            }
                        }
                    }
                }
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        Err(first_error
            .unwrap_or_else(|| InstanceError::unsatisfiable(&node.at, "no candidate value fits")))
    }

    /// The first alternative that yields a valid value: without recursion first, then (unless
    /// already in strict mode) allowing it when that is what the first pass ran into.
    fn choose(
        &mut self,
        at: &str,
        options: &[Node<'a>],
        variant: usize,
    ) -> Result<Value, InstanceError> {
        let cuts = self.recursion.cuts;
        let lenient = !self.recursion.strict;
        let first = self.strictly(|this| this.first_valid(at, options, variant));
        match first {
            Err(_) if lenient && self.recursion.cuts > cuts => {
                self.first_valid(at, options, variant)
            }
            other => other,
        }
    }

    fn first_valid(
        &mut self,
        at: &str,
        options: &[Node<'a>],
        variant: usize,
    ) -> Result<Value, InstanceError> {
        let mut first_error = None;
        for option in options {
            match self.generate(option, variant) {
                Ok(value) => return Ok(value),
                Err(error) => {
                    first_error.get_or_insert(error);
                }
            }
        }
        Err(first_error.unwrap_or_else(|| {
            InstanceError::unsatisfiable(at, "a composition keyword lists no subschemas")
        }))
    }

    fn candidates(
        &mut self,
        kind: &Kind<'a>,
        atoms: &[Atom<'a, '_>],
        at: &str,
        variant: usize,
    ) -> Result<Vec<Value>, InstanceError> {
        Ok(match kind {
            Kind::Values(values) => rotate(values, variant).into_iter().cloned().collect(),
            Kind::Type(Type::Null) => vec![Value::Null],
            Kind::Type(Type::Boolean) => rotate(&[Value::Bool(false), Value::Bool(true)], variant),
            Kind::Type(Type::Number) => number::candidates(atoms, false, variant)?,
            Kind::Type(Type::Integer) => number::candidates(atoms, true, variant)?,
            Kind::Type(Type::String) => self.strings(atoms, at, variant)?,
            Kind::Type(Type::Array) => vec![self.array(atoms, at, variant)?],
            Kind::Type(Type::Object) => self.object(atoms, at, variant)?,
        })
    }

    /// Checks `value` against every part of `node`.
    fn check(&mut self, node: &Node<'a>, value: &Value) -> Result<(), InstanceError> {
        for part in node.checked_parts() {
            self.checker.check(&part.at, value)?;
        }
        Ok(())
    }
}

/// `values` starting at position `variant` (wrapping), so each variant prefers another one.
fn rotate<T: Clone>(values: &[T], variant: usize) -> Vec<T> {
    if values.is_empty() {
        return Vec::new();
    }
    let start = variant % values.len();
    values[start..]
        .iter()
        .chain(&values[..start])
        .cloned()
        .collect()
}
