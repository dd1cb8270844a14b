//! References that do not name a component (`#/paths/~1a/get/responses/200/headers/X`,
//! `#/components/schemas/A/properties/b`) are replaced by a copy of what they point to, so
//! lowering only ever follows `#/components/{kind}/{name}`.
//!
//! Only documents that have such references take this path ([`has_deep_local_refs`]); the
//! rest are parsed from their text.

use serde_json::Value;

use super::v31::Unconvertible;

/// True when the document holds a local `$ref` that is not `#/components/{kind}/{name}`, where
/// [`inline_deep_refs`] would replace it.
pub fn has_deep_local_refs(doc: &Value) -> bool {
    let mut pending = vec![doc];
    while let Some(node) = pending.pop() {
        match node {
            Value::Object(map) => {
                if map.get("$ref").and_then(Value::as_str).is_some_and(is_deep_local) {
                    return true;
                }
                let walked = map.iter().filter(|(key, _)| !skipped(key));
                pending.extend(walked.map(|(_, value)| value));
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    false
}

/// Keys whose values are data or extensions, never references to follow.
fn skipped(key: &str) -> bool {
    key.starts_with("x-") || key == "example" || key == "examples"
}

fn is_deep_local(reference: &str) -> bool {
    reference.starts_with("#/") && !is_component_reference(reference)
}

fn is_component_reference(reference: &str) -> bool {
    let mut tokens = reference.trim_start_matches("#/").split('/');
    matches!(
        (tokens.next(), tokens.next(), tokens.next(), tokens.next()),
        (Some("components"), Some(_), Some(name), None) if !name.is_empty()
    )
}

/// Replaces every local reference that does not name a component by a copy of its target
/// (whose own such references are replaced too). A reference that leads back to itself is
/// reported; one whose target does not exist is left for lowering to report. Copies of copies
/// can grow the document exponentially (two references to a node with two references...), so
/// at most [`MAX_VALUES`](super::MAX_VALUES) values are copied in all.
pub fn inline_deep_refs(doc: &mut Value) -> Result<(), Vec<Unconvertible>> {
    inline_within(doc, super::MAX_VALUES)
}

fn inline_within(doc: &mut Value, budget: usize) -> Result<(), Vec<Unconvertible>> {
    let original = doc.clone();
    let mut problems = Vec::new();
    let mut stack = Vec::new();
    let mut budget = Some(budget);
    replace_in(doc, &original, String::new(), "", &mut stack, &mut problems, &mut budget);
    if problems.is_empty() {
        Ok(())
    } else {
        problems.sort();
        problems.dedup();
        Err(problems)
    }
}

fn replace_in(
    node: &mut Value,
    original: &Value,
    at: String,
    // Where the outermost reference being copied sits in the document (the place to report).
    origin: &str,
    stack: &mut Vec<String>,
    problems: &mut Vec<Unconvertible>,
    // Values that may still be copied; `None` once that ran out (and was reported).
    budget: &mut Option<usize>,
) {
    match node {
        Value::Object(map) => {
            let deep = match map.get("$ref") {
                Some(Value::String(reference)) if is_deep_local(reference) => Some(reference.clone()),
                _ => None,
            };
            // A path item given by `$ref` to another path is lowering's to follow (it names the
            // operations after the path that refers).
            let path_item = at.strip_prefix("/paths/").is_some_and(|token| !token.contains('/'));
            if let (Some(reference), false) = (deep, path_item) {
                let pointer = decode_percent(&reference[1..]);
                let Some(target) = original.pointer(&pointer) else { return };
                let origin = if stack.is_empty() { at.as_str() } else { origin };
                if stack.contains(&pointer) {
                    problems.push(Unconvertible {
                        pointer: format!("{origin}/$ref"),
                        message: format!(
                            "`$ref: {reference}` leads back to itself through locations that are not components; move the schema to `#/components/schemas`"
                        ),
                    });
                    return;
                }
                let Some(left) = *budget else { return };
                let size = count_values(target);
                if size > left {
                    problems.push(Unconvertible {
                        pointer: format!("{origin}/$ref"),
                        message: format!(
                            "copying the targets of references that do not name a component would copy more than {} values; move the schemas they share to `#/components/schemas`",
                            super::MAX_VALUES
                        ),
                    });
                    *budget = None;
                    return;
                }
                *budget = Some(left - size);
                let mut copy = target.clone();
                let origin = origin.to_owned();
                stack.push(pointer);
                replace_in(&mut copy, original, at, &origin, stack, problems, budget);
                stack.pop();
                *node = copy;
                return;
            }
            for (key, value) in map.iter_mut() {
                if skipped(key) {
                    continue;
                }
                let child = crate::pointer::child(&at, key);
                replace_in(value, original, child, origin, stack, problems, budget);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                replace_in(item, original, format!("{at}/{index}"), origin, stack, problems, budget);
            }
        }
        _ => {}
    }
}

fn count_values(value: &Value) -> usize {
    let mut count = 0;
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        count += 1;
        match value {
            Value::Object(map) => pending.extend(map.values()),
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    count
}

/// `%7B` → `{` in a URI fragment; anything malformed is kept as written.
fn decode_percent(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' && index + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&text[index + 1..index + 3], 16) {
                out.push(byte);
                index += 3;
                continue;
            }
        }
        out.push(bytes[index]);
        index += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn scan_finds_only_deep_local_references() {
        assert!(!has_deep_local_refs(&json!({"a": {"$ref": "#/components/schemas/A"}})));
        assert!(!has_deep_local_refs(&json!({"$ref": "other.yaml#/x"})));
        assert!(!has_deep_local_refs(&json!({"example": {"$ref": "#/paths"}, "x-a": [{"$ref": "#/paths"}]})));
        assert!(has_deep_local_refs(&json!([{"$ref": "#/components/schemas/A/properties/b"}])));
        assert!(has_deep_local_refs(&json!({"schema": {"$ref": "#/paths/~1a/get/parameters/0/schema"}})));
    }

    #[test]
    fn deep_references_are_copied_and_cycles_reported() {
        let mut doc = json!({
            "components": {"schemas": {
                "A": {"properties": {"b": {"type": "string"}, "c": {"$ref": "#/components/schemas/A/properties/b"}}},
                "Loop": {"properties": {"x": {"$ref": "#/components/schemas/Loop/properties/y"},
                                        "y": {"items": {"$ref": "#/components/schemas/Loop/properties/y"}}}}
            }}
        });
        let problems = inline_deep_refs(&mut doc).expect_err("the loop is reported");
        assert_eq!(doc["components"]["schemas"]["A"]["properties"]["c"], json!({"type": "string"}));
        assert!(problems.iter().all(|p| p.pointer.starts_with("/components/schemas/Loop/properties/")), "{problems:?}");
        assert_eq!(decode_percent("/paths/~1a%7Bid%7D"), "/paths/~1a{id}");
    }

    /// `S0` refers twice to `S1`, which refers twice to `S2`, ...: 2^40 copies unbounded.
    #[test]
    fn copies_of_copies_are_bounded() {
        let mut schemas = serde_json::Map::new();
        for level in 0..40 {
            let next = format!("#/components/schemas/S{}/properties/p", level + 1);
            schemas.insert(format!("S{level}"), json!({"properties": {"p": {"properties": {"a": {"$ref": next}, "b": {"$ref": next}}}}}));
        }
        let mut doc = json!({"components": {"schemas": schemas}});
        let started = std::time::Instant::now();
        let problems = inline_within(&mut doc, 100_000).expect_err("too many copies");
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("more than"), "{problems:?}");
    }
}
