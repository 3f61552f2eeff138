//! Objects: every `required` property (and what `dependentRequired` pulls in), then the
//! declared optional properties whose preferred value is a scalar, as far as
//! `additionalProperties`, `propertyNames` and `maxProperties` allow; more properties (declared
//! ones, then names from `patternProperties` or `propertyNames`, then `field_N`) until
//! `minProperties` is met. Offers the object with and without the optional extras; the caller
//! validates.

use serde_json::{Map, Value};

use super::generate::Generator;
use super::node::{Atom, Node, Part};
use super::text::count;
use super::{InstanceError, MAX_SIZE, pattern, pointer};

/// The object keywords of a flattened node.
struct Shape<'a> {
    declared: Vec<&'a str>,
    required: Vec<&'a str>,
    min: u64,
    max: Option<u64>,
    /// `dependentRequired` and the array form of draft-7 `dependencies`.
    dependent: Vec<(&'a str, Vec<&'a str>)>,
}

impl<'a> Shape<'a> {
    fn of(atoms: &[Atom<'a, '_>]) -> Self {
        let mut shape = Shape {
            declared: Vec::new(),
            required: Vec::new(),
            min: 0,
            max: None,
            dependent: Vec::new(),
        };
        for atom in atoms {
            if let Some(Value::Object(properties)) = atom.get("properties") {
                push_new(&mut shape.declared, properties.keys().map(String::as_str));
            }
            if let Some(Value::Array(names)) = atom.get("required") {
                push_new(&mut shape.required, names.iter().filter_map(Value::as_str));
            }
            if let Some(min) = atom.get("minProperties").and_then(count) {
                shape.min = shape.min.max(min);
            }
            if let Some(max) = atom.get("maxProperties").and_then(count) {
                shape.max = Some(shape.max.map_or(max, |old| old.min(max)));
            }
            for keyword in ["dependentRequired", "dependencies"] {
                let Some(Value::Object(rules)) = atom.get(keyword) else {
                    continue;
                };
                for (trigger, needs) in rules {
                    if let Value::Array(needs) = needs {
                        let needs = needs.iter().filter_map(Value::as_str).collect();
                        shape.dependent.push((trigger.as_str(), needs));
                    }
                }
            }
        }
        shape
    }

    fn full(&self, object: &Map<String, Value>) -> bool {
        self.max.is_some_and(|max| object.len() as u64 >= max)
    }

    fn triggers(&self, name: &str) -> bool {
        self.dependent.iter().any(|(trigger, _)| *trigger == name)
    }
}

/// What building one object needs at every step.
struct Scope<'a, 's> {
    atoms: &'s [Atom<'a, 's>],
    at: &'s str,
    shape: Shape<'a>,
    variant: usize,
}

impl<'a> Generator<'a> {
    /// The object for `atoms`: with optional extras first, then with required properties only.
    pub(super) fn object(
        &mut self,
        atoms: &[Atom<'a, '_>],
        at: &str,
        variant: usize,
    ) -> Result<Vec<Value>, InstanceError> {
        let shape = Shape::of(atoms);
        if let Some(max) = shape.max.filter(|max| *max < shape.min) {
            return Err(InstanceError::unsatisfiable(
                at,
                format!("maxProperties {max} is below minProperties {}", shape.min),
            ));
        }
        if shape.min > MAX_SIZE {
            let min = shape.min;
            return Err(InstanceError::unsatisfiable(
                at,
                format!("minProperties {min} is above the generator's limit of {MAX_SIZE}"),
            ));
        }
        let scope = Scope {
            atoms,
            at,
            shape,
            variant,
        };
        let required = self.required(&scope)?;
        let (with_extras, plain) = self.strictly(|this| {
            let mut with_extras = required.clone();
            this.add_optional(&scope, &mut with_extras);
            this.add_until_min(&scope, &mut with_extras);
            let mut plain = required;
            this.add_until_min(&scope, &mut plain);
            (with_extras, plain)
        });
        let mut out = vec![Value::Object(with_extras)];
        if out[0] != Value::Object(plain.clone()) {
            out.push(Value::Object(plain));
        }
        Ok(out)
    }

    /// The required properties, and those `dependentRequired` adds for them.
    fn required(&mut self, scope: &Scope<'a, '_>) -> Result<Map<String, Value>, InstanceError> {
        let mut object = Map::new();
        let mut queue = scope.shape.required.clone();
        let mut next = 0;
        while let Some(name) = queue.get(next).copied() {
            next += 1;
            if object.contains_key(name) {
                continue;
            }
            let node = self.property(scope, name);
            if let Some(forbidden) = node.parts.iter().find(|part| forbids(part)) {
                return Err(InstanceError::unsatisfiable(
                    &forbidden.at,
                    format!("required property \"{name}\" is not allowed here"),
                ));
            }
            object.insert(name.to_owned(), self.generate(&node, scope.variant)?);
            for (trigger, needs) in &scope.shape.dependent {
                if *trigger == name {
                    queue.extend(needs.iter().copied());
                }
            }
        }
        Ok(object)
    }

    /// Declared optional properties with scalar values, where allowed.
    fn add_optional(&mut self, scope: &Scope<'a, '_>, object: &mut Map<String, Value>) {
        for name in &scope.shape.declared {
            if scope.shape.full(object) {
                break;
            }
            self.try_add(scope, object, name, true);
        }
    }

    /// More properties until `minProperties` is met: declared ones, then invented names.
    fn add_until_min(&mut self, scope: &Scope<'a, '_>, object: &mut Map<String, Value>) {
        let shape = &scope.shape;
        let mut invented = 0;
        let mut declared = shape.declared.iter();
        while (object.len() as u64) < shape.min && !shape.full(object) && invented <= shape.min + 8
        {
            let name = match declared.next() {
                Some(name) => (*name).to_owned(),
                None => {
                    invented += 1;
                    let k = usize::try_from(invented).unwrap_or(usize::MAX);
                    self.invent_name(scope.atoms, k)
                }
            };
            self.try_add(scope, object, &name, false);
        }
    }

    /// Adds an optional property `name` when it is new, allowed, buildable and (if
    /// `scalar_only`) scalar; leaves `object` alone otherwise.
    fn try_add(
        &mut self,
        scope: &Scope<'a, '_>,
        object: &mut Map<String, Value>,
        name: &str,
        scalar_only: bool,
    ) {
        if object.contains_key(name) || scope.shape.triggers(name) {
            return;
        }
        let node = self.property(scope, name);
        if node.parts.iter().any(forbids) || !self.names_allow(scope.atoms, name) {
            return;
        }
        if scalar_only && !self.is_scalar(&node) {
            return;
        }
        if let Ok(value) = self.generate(&node, scope.variant) {
            object.insert(name.to_owned(), value);
        }
    }

    /// The node a property called `name` must satisfy: its `properties` entries, the
    /// `patternProperties` it matches and, where neither applies, `additionalProperties`.
    fn property(&mut self, scope: &Scope<'a, '_>, name: &str) -> Node<'a> {
        let mut parts = Vec::new();
        for atom in scope.atoms {
            let mut matched = false;
            if let Some(Value::Object(properties)) = atom.get("properties")
                && let Some(schema) = properties.get(name)
            {
                let properties_at = pointer::child(atom.at, "properties");
                parts.push(Part {
                    at: pointer::child(&properties_at, name),
                    schema,
                });
                matched = true;
            }
            if let Some(Value::Object(patterns)) = atom.get("patternProperties") {
                let patterns_at = pointer::child(atom.at, "patternProperties");
                for (pattern, schema) in patterns {
                    if self.checker.matches(pattern, name) {
                        parts.push(Part {
                            at: pointer::child(&patterns_at, pattern),
                            schema,
                        });
                        matched = true;
                    }
                }
            }
            if !matched {
                parts.extend(atom.part("additionalProperties"));
            }
        }
        let here = parts.first().map_or_else(
            || pointer::child(&pointer::child(scope.at, "properties"), name),
            |part| part.at.clone(),
        );
        Node::new(here, parts)
    }

    /// Whether every `propertyNames` accepts `name`.
    fn names_allow(&mut self, atoms: &[Atom<'a, '_>], name: &str) -> bool {
        let key = Value::String(name.to_owned());
        atoms
            .iter()
            .filter_map(|atom| atom.part("propertyNames"))
            .all(|names| self.checker.check(&names.at, &key).is_ok())
    }

    /// The `k`-th invented property name (from 1): from a `patternProperties` pattern, from
    /// `propertyNames`, or `field_<k>`.
    fn invent_name(&mut self, atoms: &[Atom<'a, '_>], k: usize) -> String {
        let from_pattern = atoms
            .iter()
            .filter_map(|atom| match atom.get("patternProperties") {
                Some(Value::Object(patterns)) => patterns.keys().next(),
                _ => None,
            })
            .find_map(|pattern| pattern::example(pattern, k, 0));
        if let Some(name) = from_pattern {
            return name;
        }
        let names: Vec<Part<'a>> = atoms
            .iter()
            .filter_map(|atom| atom.part("propertyNames"))
            .collect();
        if let Some(first) = names.first() {
            let node = Node::new(first.at.clone(), names.clone());
            if let Ok(Value::String(name)) = self.generate(&node, k) {
                return name;
            }
        }
        format!("field_{k}")
    }
}

/// Whether `part` is the `false` schema (an `additionalProperties: false` forbidding a name).
fn forbids(part: &Part<'_>) -> bool {
    part.schema == &Value::Bool(false)
}

/// Appends the names not yet in `list`, in order.
fn push_new<'a>(list: &mut Vec<&'a str>, names: impl Iterator<Item = &'a str>) {
    for name in names {
        if !list.contains(&name) {
            list.push(name);
        }
    }
}
