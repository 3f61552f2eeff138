//! Turns message descriptors into JSON Schema following the proto3 JSON mapping with the proto
//! field names: one `$defs` entry per message and enum reachable from the root, each field
//! mapped by its type, then the overlay's rules added by field name. A descriptor shape it does
//! not know is reported as a fault, never guessed. It knows nothing about the knowledge service.

use std::collections::{BTreeMap, HashMap};

use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{
    DescriptorProto, EnumDescriptorProto, FieldDescriptorProto, FileDescriptorSet,
    source_code_info::Location,
};
use serde_json::{Map, Value, json};

use super::overlay;

/// Why the schema could not be generated: a bug of the generator, not of the caller.
pub(super) type Fault = String;

/// The root message's schema and the definitions it refers to, by short name.
#[derive(Debug)]
pub(super) struct Generated {
    /// The root message as an object schema.
    pub root: Map<String, Value>,
    /// Every other message and enum reachable from the root.
    pub defs: Map<String, Value>,
}

/// Generates the schema of the message `root` (fully qualified, e.g. `pkg.Message`).
pub(super) fn generate(set: &FileDescriptorSet, root: &str) -> Result<Generated, Fault> {
    let index = Index::new(set);
    let mut walker = Walker {
        index: &index,
        defs: BTreeMap::new(),
        owners: HashMap::new(),
    };
    let root = walker.message(&format!(".{root}"))?;
    Ok(Generated {
        root,
        defs: walker.defs.into_iter().collect(),
    })
}

struct Message<'a> {
    descriptor: &'a DescriptorProto,
    comment: Option<String>,
    field_comments: Vec<Option<String>>,
}

struct Enum<'a> {
    descriptor: &'a EnumDescriptorProto,
    comment: Option<String>,
}

/// Messages and enums by fully qualified name (with the leading dot, as `type_name` has it),
/// with the comments the source info carries.
struct Index<'a> {
    messages: HashMap<String, Message<'a>>,
    enums: HashMap<String, Enum<'a>>,
}

// Field numbers in `FileDescriptorProto` and `DescriptorProto`, as source-info paths use them.
const FILE_MESSAGES: i32 = 4;
const FILE_ENUMS: i32 = 5;
const MESSAGE_FIELDS: i32 = 2;
const MESSAGE_NESTED: i32 = 3;
const MESSAGE_ENUMS: i32 = 4;

impl<'a> Index<'a> {
    fn new(set: &'a FileDescriptorSet) -> Self {
        let mut index = Index {
            messages: HashMap::new(),
            enums: HashMap::new(),
        };
        for file in &set.file {
            let comments: HashMap<Vec<i32>, String> = file
                .source_code_info
                .iter()
                .flat_map(|info| &info.location)
                .filter_map(|location| Some((location.path.clone(), comment(location)?)))
                .collect();
            let scope = match file.package() {
                "" => String::new(),
                package => format!(".{package}"),
            };
            let at = (scope.as_str(), &[][..], &comments);
            index.add_messages(at, FILE_MESSAGES, &file.message_type);
            index.add_enums(at, FILE_ENUMS, &file.enum_type);
        }
        index
    }

    fn add_messages(&mut self, at: Scope<'_>, tag: i32, messages: &'a [DescriptorProto]) {
        let (scope, parent, comments) = at;
        for (i, descriptor) in messages.iter().enumerate() {
            let path = [parent, &[tag, i as i32]].concat();
            let name = format!("{scope}.{}", descriptor.name());
            let field_comments = (0..descriptor.field.len())
                .map(|j| comments.get(&[&path[..], &[MESSAGE_FIELDS, j as i32]].concat()))
                .map(Option::<&String>::cloned)
                .collect();
            let inner = (name.as_str(), path.as_slice(), comments);
            self.add_messages(inner, MESSAGE_NESTED, &descriptor.nested_type);
            self.add_enums(inner, MESSAGE_ENUMS, &descriptor.enum_type);
            let comment = comments.get(&path).cloned();
            self.messages.insert(
                name,
                Message {
                    descriptor,
                    comment,
                    field_comments,
                },
            );
        }
    }

    fn add_enums(&mut self, at: Scope<'_>, tag: i32, enums: &'a [EnumDescriptorProto]) {
        let (scope, parent, comments) = at;
        for (i, descriptor) in enums.iter().enumerate() {
            let path = [parent, &[tag, i as i32]].concat();
            let comment = comments.get(&path).cloned();
            let name = format!("{scope}.{}", descriptor.name());
            self.enums.insert(
                name,
                Enum {
                    descriptor,
                    comment,
                },
            );
        }
    }
}

/// Where declarations sit: qualified name, source-info path and the file's comments.
type Scope<'s> = (&'s str, &'s [i32], &'s HashMap<Vec<i32>, String>);

/// The leading (else trailing) comment of a declaration, on one line.
fn comment(location: &Location) -> Option<String> {
    let text = location
        .leading_comments
        .as_deref()
        .or(location.trailing_comments.as_deref())?;
    let words: Vec<&str> = text.split_whitespace().collect();
    (!words.is_empty()).then(|| words.join(" "))
}

struct Walker<'a> {
    index: &'a Index<'a>,
    defs: BTreeMap<String, Value>,
    /// Which fully qualified type each definition name stands for.
    owners: HashMap<String, String>,
}

impl Walker<'_> {
    /// The object schema of a message: closed, or a `oneOf` of closed objects, one per member
    /// of its oneof (which must then hold exactly one value).
    fn message(&mut self, name: &str) -> Result<Map<String, Value>, Fault> {
        let index = self.index;
        let message = index
            .messages
            .get(name)
            .ok_or_else(|| format!("message {name} is not in the descriptor set"))?;
        let descriptor = message.descriptor;
        let mut common = Map::new();
        let mut required = Vec::new();
        let mut oneofs: BTreeMap<i32, Vec<(String, Value)>> = BTreeMap::new();
        for (field, comment) in descriptor.field.iter().zip(&message.field_comments) {
            let schema = self.field(field, comment.as_deref())?;
            let field_name = field.name().to_owned();
            match field.oneof_index {
                // A proto3 `optional` field sits in a synthetic oneof of its own.
                Some(oneof) if !field.proto3_optional() => {
                    oneofs.entry(oneof).or_default().push((field_name, schema));
                }
                _ => {
                    if overlay::field(&field_name).is_some_and(|rule| rule.required) {
                        required.push(field_name.clone());
                    }
                    common.insert(field_name, schema);
                }
            }
        }
        let mut schema = Map::new();
        let description = message.comment.as_deref();
        describe(
            &mut schema,
            description.or(overlay::type_description(descriptor.name())),
        );
        let oneofs: Vec<_> = oneofs.into_values().collect();
        match oneofs.as_slice() {
            [] => schema.extend(closed(common, required)),
            [members] => {
                let branches = members.iter().map(|(member, member_schema)| {
                    let mut properties = common.clone();
                    properties.insert(member.clone(), member_schema.clone());
                    let mut required = required.clone();
                    required.push(member.clone());
                    Value::Object(closed(properties, required))
                });
                schema.insert("type".into(), json!("object"));
                schema.insert("oneOf".into(), Value::Array(branches.collect()));
            }
            _ => return Err(format!("message {name} has more than one oneof")),
        }
        Ok(schema)
    }

    /// The schema of one field: its type's, the overlay's constraint, array if repeated.
    fn field(
        &mut self,
        field: &FieldDescriptorProto,
        comment: Option<&str>,
    ) -> Result<Value, Fault> {
        let name = field.name();
        let kind = field
            .r#type
            .and_then(|kind| Type::try_from(kind).ok())
            .ok_or_else(|| format!("field {name} has an unknown type {:?}", field.r#type))?;
        let mut item = match kind {
            Type::String => json!({ "type": "string" }),
            Type::Bool => json!({ "type": "boolean" }),
            Type::Double | Type::Float => json!({ "type": "number" }),
            Type::Int32 | Type::Sint32 | Type::Sfixed32 => {
                json!({ "type": "integer", "minimum": i32::MIN, "maximum": i32::MAX })
            }
            Type::Uint32 | Type::Fixed32 => {
                json!({ "type": "integer", "minimum": 0, "maximum": u32::MAX })
            }
            // proto3 JSON writes 64-bit integers as strings and reads numbers too.
            Type::Int64 | Type::Sint64 | Type::Sfixed64 => json!({ "oneOf": [
                { "type": "integer", "minimum": i64::MIN, "maximum": i64::MAX },
                { "type": "string", "pattern": "^-?[0-9]+$" },
            ] }),
            Type::Uint64 | Type::Fixed64 => json!({ "oneOf": [
                { "type": "integer", "minimum": 0, "maximum": u64::MAX },
                { "type": "string", "pattern": "^[0-9]+$" },
            ] }),
            Type::Bytes => json!({ "type": "string", "contentEncoding": "base64" }),
            Type::Enum | Type::Message => self.reference(field.type_name())?,
            Type::Group => return Err(format!("field {name} is a group")),
        };
        let rule = overlay::field(name);
        if let Some(constraint) = rule.and_then(|rule| rule.constraint) {
            match (&mut item, kind) {
                (Value::Object(schema), Type::String) => schema.extend(
                    constraint
                        .keywords()
                        .into_iter()
                        .map(|(keyword, value)| (keyword.to_owned(), value)),
                ),
                _ => {
                    return Err(format!(
                        "the rule for {name} needs a string, found {kind:?}"
                    ));
                }
            }
        }
        let mut schema = match field.label() {
            Label::Repeated => json!({ "type": "array", "items": item }),
            Label::Optional | Label::Required => item,
        };
        if let Value::Object(schema) = &mut schema {
            describe(schema, comment.or(rule.map(|rule| rule.description)));
        }
        Ok(schema)
    }

    /// A `$ref` to the definition of a message or enum, generating it on first use.
    fn reference(&mut self, name: &str) -> Result<Value, Fault> {
        let short = name.rsplit('.').next().unwrap_or(name).to_owned();
        let reference = json!({ "$ref": format!("#/$defs/{short}") });
        match self.owners.get(&short) {
            Some(owner) if owner == name => return Ok(reference),
            Some(owner) => return Err(format!("{name} and {owner} share the name {short}")),
            None => {}
        }
        if name.starts_with(".google.protobuf.") {
            return Err(format!(
                "{name} has a proto3 JSON form the generator does not know"
            ));
        }
        // Registered before the walk, so a recursive message refers to itself.
        self.owners.insert(short.clone(), name.to_owned());
        let index = self.index;
        let schema = if let Some(message) = index.messages.get(name) {
            if message
                .descriptor
                .options
                .as_ref()
                .is_some_and(|o| o.map_entry())
            {
                return Err(format!("{name} is a map entry; maps are not supported"));
            }
            Value::Object(self.message(name)?)
        } else if let Some(declared) = index.enums.get(name) {
            enumeration(declared)
        } else {
            return Err(format!("type {name} is not in the descriptor set"));
        };
        self.defs.insert(short, schema);
        Ok(reference)
    }
}

/// An enum as its value names; the zero `*_UNSPECIFIED` value means "not set" and the
/// service rejects it, so it is left out.
fn enumeration(declared: &Enum<'_>) -> Value {
    let names: Vec<&str> = declared
        .descriptor
        .value
        .iter()
        .filter(|value| !(value.number() == 0 && value.name().ends_with("_UNSPECIFIED")))
        .map(|value| value.name())
        .collect();
    let mut schema = Map::new();
    schema.insert("type".into(), json!("string"));
    schema.insert("enum".into(), json!(names));
    let description = declared.comment.as_deref();
    describe(
        &mut schema,
        description.or(overlay::type_description(declared.descriptor.name())),
    );
    Value::Object(schema)
}

/// A closed object schema.
fn closed(properties: Map<String, Value>, required: Vec<String>) -> Map<String, Value> {
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("additionalProperties".into(), json!(false));
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), json!(required));
    }
    schema
}

fn describe(schema: &mut Map<String, Value>, description: Option<&str>) {
    if let Some(description) = description {
        schema.insert("description".into(), json!(description));
    }
}

#[cfg(test)]
mod tests {
    use prost_types::{FieldDescriptorProto, FileDescriptorProto};

    use super::*;

    fn with_field(field: FieldDescriptorProto) -> FileDescriptorSet {
        let message = DescriptorProto {
            name: Some("Odd".into()),
            field: vec![field],
            ..Default::default()
        };
        FileDescriptorSet {
            file: vec![FileDescriptorProto {
                package: Some("test".into()),
                message_type: vec![message],
                ..Default::default()
            }],
        }
    }

    #[test]
    fn an_unknown_field_type_is_a_fault_not_a_panic() {
        let field = FieldDescriptorProto {
            name: Some("odd".into()),
            r#type: Some(99),
            ..Default::default()
        };
        let fault = generate(&with_field(field), "test.Odd").expect_err("unknown type");
        assert!(fault.contains("odd"), "{fault}");
    }

    #[test]
    fn a_missing_message_type_is_a_fault() {
        let field = FieldDescriptorProto {
            name: Some("child".into()),
            r#type: Some(Type::Message.into()),
            type_name: Some(".test.Missing".into()),
            ..Default::default()
        };
        let fault = generate(&with_field(field), "test.Odd").expect_err("missing type");
        assert!(fault.contains(".test.Missing"), "{fault}");
    }
}
