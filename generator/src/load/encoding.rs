//! OpenAPI's default for an `encoding` entry's `explode`: `true` when its `style` is `form`.
//!
//! `openapiv3` reads an absent `explode` as `false`, so after parsing an entry that states
//! `style: form` alone cannot be told from one that also states `explode: false`. The default
//! is therefore written into the document before it is parsed. No warning: this is the letter
//! of the spec, not a lenient reading.

use serde_json::{Map, Value};

/// True when some request body's media type has an `encoding` entry with `style: form` and no
/// `explode` (the document must then take the value path, where [`default_explode`] runs).
pub fn needs_default(doc: &Value) -> bool {
    let mut found = false;
    for_each_entry(doc, &mut |entry| found |= lacks_explode(entry));
    found
}

/// Writes `explode: true` into every `encoding` entry of a request body that states
/// `style: form` without `explode`.
pub fn default_explode(doc: &mut Value) {
    for_each_entry_mut(doc, &mut |entry| {
        if lacks_explode(entry) {
            entry.insert("explode".to_owned(), Value::Bool(true));
        }
    });
}

fn lacks_explode(entry: &Map<String, Value>) -> bool {
    entry.get("style").and_then(Value::as_str) == Some("form") && !entry.contains_key("explode")
}

/// The request bodies of a document: each operation's (not references) and the components'.
fn request_bodies(doc: &Value) -> Vec<&Value> {
    let mut bodies: Vec<&Value> = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for item in paths.values().filter_map(Value::as_object) {
            bodies.extend(item.values().filter_map(|operation| operation.get("requestBody")));
        }
    }
    if let Some(components) = doc.pointer("/components/requestBodies").and_then(Value::as_object) {
        bodies.extend(components.values());
    }
    bodies
}

fn for_each_entry(doc: &Value, visit: &mut dyn FnMut(&Map<String, Value>)) {
    for body in request_bodies(doc) {
        let media_types = body.get("content").and_then(Value::as_object).into_iter().flat_map(|c| c.values());
        for encoding in media_types.filter_map(|m| m.get("encoding").and_then(Value::as_object)) {
            encoding.values().filter_map(Value::as_object).for_each(&mut *visit);
        }
    }
}

/// [`for_each_entry`] with write access, visiting the same entries.
fn for_each_entry_mut(doc: &mut Value, visit: &mut dyn FnMut(&mut Map<String, Value>)) {
    let mut visit_body = |body: &mut Value| {
        let Some(content) = body.get_mut("content").and_then(Value::as_object_mut) else { return };
        for media_type in content.values_mut() {
            if let Some(encoding) = media_type.get_mut("encoding").and_then(Value::as_object_mut) {
                encoding.values_mut().filter_map(Value::as_object_mut).for_each(&mut *visit);
            }
        }
    };
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            item.values_mut().filter_map(|operation| operation.get_mut("requestBody")).for_each(&mut visit_body);
        }
    }
    if let Some(components) = doc.pointer_mut("/components/requestBodies").and_then(Value::as_object_mut) {
        components.values_mut().for_each(&mut visit_body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document(encoding: Value) -> Value {
        json!({
            "openapi": "3.0.3",
            "paths": {"/a": {"post": {"requestBody": {"content": {
                "application/x-www-form-urlencoded": {"schema": {"type": "object"}, "encoding": encoding}
            }}}}},
            "components": {"requestBodies": {"B": {"content": {
                "multipart/form-data": {"encoding": {"ids": {"style": "form"}}}
            }}}}
        })
    }

    #[test]
    fn form_style_without_explode_gets_explode_true_and_stated_values_stay() {
        let mut doc = document(json!({
            "ids": {"style": "form"},
            "tags": {"style": "form", "explode": false},
            "deep": {"style": "deepObject"},
            "plain": {"contentType": "text/plain"}
        }));
        assert!(needs_default(&doc));
        default_explode(&mut doc);
        let encoding = &doc["paths"]["/a"]["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["encoding"];
        assert_eq!(encoding["ids"], json!({"style": "form", "explode": true}));
        assert_eq!(encoding["tags"], json!({"style": "form", "explode": false}));
        assert_eq!(encoding["deep"], json!({"style": "deepObject"}));
        assert_eq!(encoding["plain"], json!({"contentType": "text/plain"}));
        let component = &doc["components"]["requestBodies"]["B"]["content"]["multipart/form-data"]["encoding"]["ids"];
        assert_eq!(component, &json!({"style": "form", "explode": true}));
        assert!(!needs_default(&doc), "nothing is left to default");
    }

    #[test]
    fn documents_without_such_entries_are_left_on_the_fast_path() {
        let mut doc = document(json!({"tags": {"style": "form", "explode": false}}));
        doc["components"] = json!({"schemas": {"encoding": {"properties": {"style": {"type": "string"}}}}});
        assert!(!needs_default(&doc));
    }
}
