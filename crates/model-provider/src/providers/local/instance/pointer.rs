//! URI-fragment JSON pointers into the schema (`#`, `#/properties/a~1b`) and local `$ref`
//! resolution: JSON-pointer fragments, `$anchor`s and embedded `$id`s. Remote documents are
//! never fetched; a `$ref` this module cannot place is the caller's error to report.

use std::collections::BTreeMap;

use serde_json::Value;

/// `at` extended by one reference token, escaped as RFC 6901 asks.
pub(super) fn child(at: &str, token: &str) -> String {
    let escaped = token.replace('~', "~0").replace('/', "~1");
    format!("{at}/{escaped}")
}

/// `at` extended by an array index.
pub(super) fn index(at: &str, index: usize) -> String {
    format!("{at}/{index}")
}

/// `at` as a URI fragment: bytes outside the fragment alphabet percent-encoded.
pub(super) fn uri_fragment(at: &str) -> String {
    let mut out = String::with_capacity(at.len());
    for byte in at.bytes() {
        if byte.is_ascii_alphanumeric() || b"#/~-._!$&'()*+,;=:@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Local `$ref` targets of one schema document.
pub(super) struct Refs<'a> {
    root: &'a Value,
    /// `$anchor`, `$dynamicAnchor` and `#name`-style ids, each with the pointer it names.
    anchors: BTreeMap<String, String>,
    /// `$id`/`id` values (without a trailing `#`), each with the pointer it names.
    ids: BTreeMap<String, String>,
}

impl<'a> Refs<'a> {
    /// Indexes the anchors and ids of `root`; `id_keyword` is `$id`, or `id` for draft 4.
    pub(super) fn new(root: &'a Value, id_keyword: &str) -> Self {
        let mut anchors = BTreeMap::new();
        let mut ids = BTreeMap::new();
        let mut stack = vec![(root, "#".to_owned())];
        while let Some((value, at)) = stack.pop() {
            match value {
                Value::Object(map) => {
                    for keyword in ["$anchor", "$dynamicAnchor"] {
                        if let Some(name) = map.get(keyword).and_then(Value::as_str) {
                            anchors.entry(name.to_owned()).or_insert_with(|| at.clone());
                        }
                    }
                    if let Some(id) = map.get(id_keyword).and_then(Value::as_str) {
                        match id.strip_prefix('#') {
                            Some(name) => anchors.entry(name.to_owned()),
                            None => ids.entry(id.trim_end_matches('#').to_owned()),
                        }
                        .or_insert_with(|| at.clone());
                    }
                    stack.extend(map.iter().map(|(key, value)| (value, child(&at, key))));
                }
                Value::Array(items) => stack.extend(
                    items
                        .iter()
                        .enumerate()
                        .map(|(position, item)| (item, index(&at, position))),
                ),
                _ => {}
            }
        }
        Self { root, anchors, ids }
    }

    /// The pointer and subschema `reference` names, if it is local to this document.
    pub(super) fn resolve(&self, reference: &str) -> Option<(String, &'a Value)> {
        let (document, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let base = if document.is_empty() {
            "#".to_owned()
        } else {
            self.document(document)?
        };
        let fragment = percent_decode(fragment)?;
        let at = if fragment.is_empty() {
            base
        } else if fragment.starts_with('/') {
            format!("{base}{fragment}")
        } else {
            self.anchors.get(&fragment)?.clone()
        };
        let target = self.root.pointer(at.strip_prefix('#')?)?;
        Some((at, target))
    }

    /// The pointer of the embedded resource whose `$id` is `document` (compared whole, then by
    /// the last path segment, since relative ids resolve against a base this module ignores).
    fn document(&self, document: &str) -> Option<String> {
        if let Some(at) = self.ids.get(document) {
            return Some(at.clone());
        }
        let last = |uri: &str| uri.rsplit('/').next().unwrap_or(uri).to_owned();
        let wanted = last(document);
        self.ids
            .iter()
            .find(|(id, _)| last(id) == wanted)
            .map(|(_, at)| at.clone())
    }
}

/// `%XX` sequences decoded; `None` when they do not form UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut position = 0;
    while position < bytes.len() {
        let byte = bytes[position];
        if byte == b'%' {
            let hex = text.get(position + 1..position + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            position += 3;
        } else {
            out.push(byte);
            position += 1;
        }
    }
    String::from_utf8(out).ok()
}
