//! References that do not name a component (`#/components/schemas/A/properties/b`,
//! `#/paths/~1a/get/responses/200/content/application~1json/schema/items`), so lowering only
//! ever follows `#/components/{kind}/{name}`:
//!
//! - a schema they point to becomes a component schema of its own ([`share_deep_refs`]), named
//!   from its pointer (`AB` for `/components/schemas/A/properties/b`; a component that is only
//!   a `$ref` to it lends its name), and its place, every reference to it and every
//!   discriminator `mapping` value naming it refer to that component: one type, shared, and
//!   recursive where the schema contains a reference to itself;
//! - anything else they point to (a parameter, a response, a header) is replaced by a copy
//!   ([`inline_deep_refs`]).
//!
//! Only documents that have such references take this path ([`has_deep_local_refs`]); the
//! rest are parsed from their text.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;
use serde_json::{Map, Value};

use super::v31::Unconvertible;
use super::walk;
use crate::pointer::escape_token;

/// True when the document holds a local `$ref` (or discriminator `mapping` value) that is not
/// `#/components/{kind}/{name}`, which [`share_deep_refs`] or [`inline_deep_refs`] replace.
pub fn has_deep_local_refs(doc: &Value) -> bool {
    let mut found = false;
    for_each_reference(doc, &mut |reference| found |= is_deep_local(reference));
    found
}

/// Calls `each` on every `$ref` and discriminator `mapping` value of `doc` (data and
/// extensions aside), until it is done.
fn for_each_reference(doc: &Value, each: &mut dyn FnMut(&str)) {
    let mut pending = vec![doc];
    while let Some(node) = pending.pop() {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(reference)) = map.get("$ref") {
                    each(reference);
                }
                if let Some(Value::Object(mapping)) = map.get("discriminator").and_then(|d| d.get("mapping")) {
                    mapping.values().filter_map(Value::as_str).for_each(&mut *each);
                }
                let walked = map.iter().filter(|(key, _)| !skipped(key));
                pending.extend(walked.map(|(_, value)| value));
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
}

/// Hoists every schema a deep reference points to into `components/schemas` and rewrites the
/// references (see the module docs). A chain of references that leads back to itself without
/// a schema on the way is reported; targets that are not schemas, or do not exist, are left
/// for [`inline_deep_refs`] and lowering.
pub fn share_deep_refs(doc: &mut Value) -> Result<(), Vec<Unconvertible>> {
    let mut targets = BTreeSet::new();
    for_each_reference(doc, &mut |reference| {
        if is_deep_local(reference) {
            targets.insert(decode_percent(&reference[1..]));
        }
    });
    if targets.is_empty() {
        return Ok(());
    }
    let places = walk::schema_pointers(doc);
    let mut aliases = BTreeMap::new();
    let mut hoisted = Vec::new();
    for target in targets.into_iter().filter(|target| places.contains(target)) {
        match doc.pointer(&target).map(|node| node.get("$ref")) {
            Some(Some(Value::String(reference))) => {
                aliases.insert(target, reference.clone());
            }
            Some(_) => hoisted.push(target),
            None => {}
        }
    }
    let names = hoisted_names(doc, &hoisted);
    move_hoisted(doc, &names);
    let mut renamed: BTreeMap<String, String> =
        names.into_iter().map(|(pointer, name)| (pointer, format!("#/components/schemas/{}", escape_token(&name)))).collect();
    let problems = resolve_aliases(&aliases, &mut renamed);
    rewrite_references(doc, &renamed);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The component name of each hoisted pointer: the first (by name) component schema that is
/// only a `$ref` to it, else one derived from the pointer, with `2`, `3`, ... against
/// names in use (pointers taken in order, so the choice is the same on every run).
fn hoisted_names(doc: &Value, hoisted: &[String]) -> BTreeMap<String, String> {
    let components = doc.pointer("/components/schemas").and_then(Value::as_object);
    let mut taken: BTreeSet<String> = components.map(|c| c.keys().cloned().collect()).unwrap_or_default();
    let mut names = BTreeMap::new();
    let wanted: BTreeSet<&String> = hoisted.iter().collect();
    for (name, schema) in components.into_iter().flatten() {
        let Some(Value::String(reference)) = schema.get("$ref").filter(|_| schema.as_object().is_some_and(|m| m.len() == 1))
        else {
            continue;
        };
        let pointer = decode_percent(reference.strip_prefix('#').unwrap_or_default());
        if wanted.contains(&pointer) && names.get(&pointer).is_none_or(|chosen: &String| name < chosen) {
            names.insert(pointer, name.clone());
        }
    }
    let mut sorted: Vec<&String> = hoisted.iter().collect();
    sorted.sort();
    for pointer in sorted {
        if names.contains_key(pointer) {
            continue;
        }
        let base = derived_name(doc, pointer);
        let mut name = base.clone();
        let mut counter = 2;
        while taken.contains(&name) {
            name = format!("{base}{counter}");
            counter += 1;
        }
        taken.insert(name.clone());
        names.insert(pointer.clone(), name);
    }
    names
}

/// Moves each hoisted schema to its component, deepest first, so that a target inside another
/// is replaced by its reference before the outer one moves (and the outer one's pointer, above
/// it, still holds).
fn move_hoisted(doc: &mut Value, names: &BTreeMap<String, String>) {
    let mut order: Vec<(&String, &String)> = names.iter().collect();
    order.sort_by_key(|(pointer, _)| std::cmp::Reverse(pointer.matches('/').count()));
    for (pointer, name) in order {
        let reference = format!("#/components/schemas/{}", escape_token(name));
        let mut stand_in = Map::new();
        stand_in.insert("$ref".to_owned(), Value::String(reference));
        let Some(place) = doc.pointer_mut(pointer) else { continue };
        let schema = std::mem::replace(place, Value::Object(stand_in));
        let Value::Object(root) = doc else { return };
        let components = root.entry("components").or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(components) = components else { continue };
        let schemas = components.entry("schemas").or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(schemas) = schemas {
            schemas.insert(name.clone(), schema);
        }
    }
}

/// Each schema place that is itself a reference refers where its chain of references ends;
/// chains that come back to where they started are reported.
fn resolve_aliases(aliases: &BTreeMap<String, String>, renamed: &mut BTreeMap<String, String>) -> Vec<Unconvertible> {
    let mut problems = Vec::new();
    for (start, first) in aliases {
        let mut seen = vec![start.clone()];
        let mut reference = first.clone();
        let end = loop {
            if !is_deep_local(&reference) {
                break Some(reference);
            }
            let pointer = decode_percent(&reference[1..]);
            if let Some(new) = renamed.get(&pointer) {
                break Some(new.clone());
            }
            if seen.contains(&pointer) {
                problems.push(Unconvertible {
                    pointer: format!("{start}/$ref"),
                    message: format!(
                        "`$ref: {first}` leads back to itself through references only; one of them must be a schema"
                    ),
                });
                break None;
            }
            match aliases.get(&pointer) {
                Some(next) => reference = next.clone(),
                None => break None,
            }
            seen.push(pointer);
        };
        if let Some(end) = end {
            renamed.insert(start.clone(), end);
        }
    }
    problems
}

/// Rewrites every `$ref` and `mapping` value whose pointer is a key of `renamed`.
fn rewrite_references(node: &mut Value, renamed: &BTreeMap<String, String>) {
    let renamed_one = |value: &mut Value| {
        if let Value::String(reference) = value {
            if let Some(new) = reference.strip_prefix('#').and_then(|p| renamed.get(&decode_percent(p))) {
                *reference = new.clone();
            }
        }
    };
    match node {
        Value::Object(map) => {
            if let Some(reference) = map.get_mut("$ref") {
                renamed_one(reference);
            }
            if let Some(Value::Object(mapping)) = map.get_mut("discriminator").and_then(|d| d.get_mut("mapping")) {
                mapping.values_mut().for_each(renamed_one);
            }
            for (key, value) in map.iter_mut() {
                if !skipped(key) && key != "$ref" {
                    rewrite_references(value, renamed);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rewrite_references(item, renamed)),
        _ => {}
    }
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// A type name from a schema's pointer, in the words lowering names inline types with: its
/// component or operation, then one word per step (`properties/b` → `B`, `items` → `Item`,
/// `additionalProperties` → `Value`, `oneOf/0` → `Variant1`, `requestBody` → `Request`,
/// `responses/200` → `200Response`, a parameter by its name).
fn derived_name(doc: &Value, pointer: &str) -> String {
    let tokens: Vec<String> = pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~")).collect();
    let mut words = Vec::new();
    let mut index = match tokens.as_slice() {
        [first, _, name, ..] if first == "components" => {
            words.push(name.to_upper_camel_case());
            3
        }
        [first, path, method, ..] if first == "paths" && METHODS.contains(&method.as_str()) => {
            let operation = doc.get("paths").and_then(|p| p.get(path)).and_then(|i| i.get(method));
            match operation.and_then(|o| o.get("operationId")).and_then(Value::as_str) {
                Some(id) => words.push(id.to_upper_camel_case()),
                None => words.push(format!("{method} {path}").to_upper_camel_case()),
            }
            3
        }
        _ => 0,
    };
    while index < tokens.len() {
        let next = tokens.get(index + 1);
        let (word, step) = match (tokens[index].as_str(), next) {
            ("properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" | "headers", Some(name)) => {
                (name.to_upper_camel_case(), 2)
            }
            ("allOf" | "anyOf" | "oneOf" | "prefixItems", Some(n)) if n.parse::<usize>().is_ok() => {
                (format!("Variant{}", n.parse::<usize>().unwrap_or(0) + 1), 2)
            }
            ("items", _) => ("Item".to_owned(), 1),
            ("additionalProperties", _) => ("Value".to_owned(), 1),
            ("schema", _) => (String::new(), 1),
            ("content", Some(_)) => (String::new(), 2),
            ("requestBody", _) => ("Request".to_owned(), 1),
            ("responses", Some(status)) => (format!("{}Response", status_word(status)), 2),
            ("parameters", Some(_)) => {
                let at: String = pointer.split('/').take(index + 3).collect::<Vec<_>>().join("/");
                let name = doc.pointer(&at).and_then(|p| p.get("name")).and_then(Value::as_str);
                (name.map_or_else(|| "Param".to_owned(), |n| n.to_upper_camel_case()), 2)
            }
            (other, _) => (other.to_upper_camel_case(), 1),
        };
        words.push(word);
        index += step;
    }
    let name: String = words.concat();
    if name.is_empty() {
        "Schema".to_owned()
    } else {
        name
    }
}

/// `200` → `200`, `4xx` → `4XX`, `default` → `Default`.
fn status_word(status: &str) -> String {
    if status.starts_with(|c: char| c.is_ascii_digit()) {
        status.to_uppercase()
    } else {
        status.to_upper_camel_case()
    }
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
                let size = super::limits::count_values(target);
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

    #[test]
    fn schema_targets_become_shared_components_named_from_their_pointer() {
        let mut doc = json!({
            "paths": {"/n": {"get": {"operationId": "getNode", "responses": {"200": {"content": {"application/json": {"schema": {
                "properties": {"kids": {"items": {"$ref": "#/paths/~1n/get/responses/200/content/application~1json/schema"}}}}}}}}}}},
            "components": {"schemas": {
                "A": {"properties": {"b": {"items": {"type": "string"}}, "c": {"$ref": "#/components/schemas/A/properties/b/items"}}},
                "AB": {"type": "integer"},
                "Pet": {"discriminator": {"propertyName": "k", "mapping": {"x": "#/components/schemas/A/properties/b"}}},
                "Name": {"$ref": "#/components/schemas/A/properties/b"},
                "Loop": {"$ref": "#/components/schemas/Loop2/properties/x"},
                "Loop2": {"properties": {"x": {"$ref": "#/components/schemas/Loop2/properties/y"},
                                         "y": {"$ref": "#/components/schemas/Loop2/properties/x"}}}
            }}
        });
        let problems = share_deep_refs(&mut doc).expect_err("the loop of references is reported");
        assert_eq!(problems.len(), 2, "{problems:?}");
        let schemas = &doc["components"]["schemas"];
        // `Name` was only a reference to `A/properties/b`: it names the hoisted schema.
        assert_eq!(schemas["A"]["properties"]["b"], json!({"$ref": "#/components/schemas/Name"}));
        assert_eq!(schemas["Name"], json!({"items": {"$ref": "#/components/schemas/ABItem"}}));
        assert_eq!(schemas["A"]["properties"]["c"], json!({"$ref": "#/components/schemas/ABItem"}));
        assert_eq!(schemas["ABItem"], json!({"type": "string"}));
        assert_eq!(schemas["Pet"]["discriminator"]["mapping"]["x"], json!("#/components/schemas/Name"));
        // A schema that refers to itself becomes a recursive component.
        let place = "/paths/~1n/get/responses/200/content/application~1json/schema";
        assert_eq!(doc.pointer(place), Some(&json!({"$ref": "#/components/schemas/GetNode200Response"})));
        assert_eq!(
            doc["components"]["schemas"]["GetNode200Response"]["properties"]["kids"]["items"],
            json!({"$ref": "#/components/schemas/GetNode200Response"})
        );
    }

    #[test]
    fn derived_names_break_ties_deterministically() {
        let doc = json!({"components": {"schemas": {"AB": {}, "AB2": {}, "A": {"properties": {"b": {}, "c": {"oneOf": [{}, {}]}}}}},
            "paths": {"/x/{id}": {"post": {"parameters": [{"name": "id", "in": "path", "schema": {}}],
                "requestBody": {"content": {"text/plain": {"schema": {"additionalProperties": {}}}}}}}}});
        let hoisted = [
            "/components/schemas/A/properties/b".to_owned(),
            "/components/schemas/A/properties/c/oneOf/1".to_owned(),
            "/paths/~1x~1{id}/post/parameters/0/schema".to_owned(),
            "/paths/~1x~1{id}/post/requestBody/content/text~1plain/schema/additionalProperties".to_owned(),
        ];
        let names: Vec<String> = hoisted_names(&doc, &hoisted).into_values().collect();
        assert_eq!(names, ["AB3", "ACVariant2", "PostXIdId", "PostXIdRequestValue"]);
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
