//! Every schema and every header of a document checked on its own, with the schemas and headers
//! inside it replaced by stand-ins that always read, before `openapiv3` reads the whole document.
//!
//! Schemas and headers are the objects that nest inside themselves through `openapiv3`'s
//! `ReferenceOr` (`items`, `properties`, ...; a header's `content/*/encoding/*/headers`). When
//! `ReferenceOr` fails to read its item it reads it a second time to word the error, so a
//! document whose innermost schema is malformed is read 2^depth times: 20 levels of `items`
//! take seconds, 60 take longer than anyone waits. Checked one at a time, each schema and
//! header costs only its own keys, the first malformed one is named by its pointer (down to
//! the key when one key is to blame), and a document that passes reads each `ReferenceOr`
//! right the first time.
//!
//! [`check_nested`] is the cheap form for documents that are likely well formed: it checks only
//! schemas that hold schemas at least [`NESTED`] levels deep (with their shallower parts read
//! along), because a malformed schema among fewer levels costs `openapiv3` at most 2^[`NESTED`]
//! re-reads of a small subtree. [`check`] checks every schema on its own, for the precise error.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::limits::Quirk;
use crate::pointer::child;

/// A schema or header that does not have the shape OpenAPI 3.0 requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub pointer: String,
    pub message: String,
}

/// Checks every schema and header of `doc` (an OpenAPI 3.0 document as a value). `quirks`
/// (sorted by pointer) inside a schema or header are refused: `openapiv3` reads those objects
/// from a buffer in which YAML's number keys and tags are not what the value says they are.
pub fn check(doc: &Value, quirks: &[Quirk]) -> Result<(), Invalid> {
    check_with(doc, Checker { quirks, nested_only: false })
}

/// Schema trees fewer levels deep than this are left to `openapiv3` by [`check_nested`].
pub const NESTED: usize = 4;

/// [`check`], but only where schemas nest [`NESTED`] levels or more; its error is as precise.
pub fn check_nested(doc: &Value, quirks: &[Quirk]) -> Result<(), Invalid> {
    check_with(doc, Checker { quirks, nested_only: true })
}

fn check_with(doc: &Value, checker: Checker) -> Result<(), Invalid> {
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            checker.path_item(item, &child("/paths", path))?;
        }
    }
    let Some(components) = doc.get("components").and_then(Value::as_object) else { return Ok(()) };
    for (kind, entries) in components {
        let Some(entries) = entries.as_object() else { continue };
        let kind_at = child("/components", kind);
        for (name, entry) in entries {
            let at = child(&kind_at, name);
            match kind.as_str() {
                "schemas" => checker.schema_root(entry, &at)?,
                "parameters" => checker.parameter(entry, &at)?,
                "headers" => checker.header(entry, &at)?,
                "requestBodies" => checker.content_of(entry, &at)?,
                "responses" => checker.response(entry, &at)?,
                "callbacks" => checker.callback(entry, &at)?,
                _ => {}
            }
        }
    }
    Ok(())
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

struct Checker<'q> {
    quirks: &'q [Quirk],
    /// Check only schemas at least [`NESTED`] levels high.
    nested_only: bool,
}

impl Checker<'_> {
    fn path_item(&self, item: &Value, at: &str) -> Result<(), Invalid> {
        let Some(item) = item_object(item) else { return Ok(()) };
        for_each_item(item.get("parameters"), at, "parameters", |p, p_at| self.parameter(p, p_at))?;
        for method in METHODS {
            let Some(operation) = item.get(*method).and_then(Value::as_object) else { continue };
            let at = child(at, method);
            for_each_item(operation.get("parameters"), &at, "parameters", |p, p_at| self.parameter(p, p_at))?;
            if let Some(body) = operation.get("requestBody") {
                self.content_of(body, &child(&at, "requestBody"))?;
            }
            for_each_entry(operation.get("responses"), &at, "responses", |r, r_at| self.response(r, r_at))?;
            for_each_entry(operation.get("callbacks"), &at, "callbacks", |c, c_at| self.callback(c, c_at))?;
        }
        Ok(())
    }

    fn callback(&self, callback: &Value, at: &str) -> Result<(), Invalid> {
        let Some(callback) = item_object(callback) else { return Ok(()) };
        callback.iter().try_for_each(|(expression, item)| self.path_item(item, &child(at, expression)))
    }

    fn parameter(&self, parameter: &Value, at: &str) -> Result<(), Invalid> {
        let Some(parameter) = item_object(parameter) else { return Ok(()) };
        if let Some(schema) = parameter.get("schema") {
            self.schema_root(schema, &child(at, "schema"))?;
        }
        self.media_types(parameter.get("content"), &child(at, "content"))
    }

    /// A request body: only its `content` holds schemas.
    fn content_of(&self, body: &Value, at: &str) -> Result<(), Invalid> {
        let Some(body) = item_object(body) else { return Ok(()) };
        self.media_types(body.get("content"), &child(at, "content"))
    }

    fn response(&self, response: &Value, at: &str) -> Result<(), Invalid> {
        let Some(response) = item_object(response) else { return Ok(()) };
        for_each_entry(response.get("headers"), at, "headers", |h, h_at| self.header(h, h_at))?;
        self.media_types(response.get("content"), &child(at, "content"))
    }

    fn media_types(&self, content: Option<&Value>, at: &str) -> Result<(), Invalid> {
        let Some(content) = content.and_then(Value::as_object) else { return Ok(()) };
        for (media_type, media) in content {
            let Some(media) = media.as_object() else { continue };
            let at = child(at, media_type);
            if let Some(schema) = media.get("schema") {
                self.schema_root(schema, &child(&at, "schema"))?;
            }
            let Some(encodings) = media.get("encoding").and_then(Value::as_object) else { continue };
            for (property, encoding) in encodings {
                let at = child(&child(&at, "encoding"), property);
                for_each_entry(encoding.get("headers"), &at, "headers", |h, h_at| self.header(h, h_at))?;
            }
        }
        Ok(())
    }

    fn header(&self, header: &Value, at: &str) -> Result<(), Invalid> {
        if is_reference(header) {
            return Ok(());
        }
        self.refuse_quirks_under(at)?;
        check_alone::<openapiv3::ReferenceOr<openapiv3::Header>>(&header_stub(header), at)?;
        let Some(header) = header.as_object() else { return Ok(()) };
        if let Some(schema) = header.get("schema") {
            self.schema(schema, &child(at, "schema"))?;
        }
        self.media_types(header.get("content"), &child(at, "content"))
    }

    /// A schema that is not inside another one.
    fn schema_root(&self, schema: &Value, at: &str) -> Result<(), Invalid> {
        self.refuse_quirks_under(at)?;
        if self.nested_only {
            self.nested_schema(schema, at).map(|_| ())
        } else {
            self.schema(schema, at)
        }
    }

    /// Checks the schema and every schema in it, each alone.
    fn schema(&self, schema: &Value, at: &str) -> Result<(), Invalid> {
        if is_reference(schema) {
            return Ok(());
        }
        check_alone::<openapiv3::ReferenceOr<openapiv3::Schema>>(&schema_stub(schema, &|_| true), at)?;
        for (child_at, child_schema) in schema_children(schema, at) {
            self.schema(child_schema, &child_at)?;
        }
        Ok(())
    }

    /// Checks the schemas at least [`NESTED`] levels high, each with its children that are as
    /// high replaced and the lower ones read along; returns the schema's height.
    fn nested_schema(&self, schema: &Value, at: &str) -> Result<usize, Invalid> {
        if is_reference(schema) {
            return Ok(0);
        }
        let mut high_children = Vec::new();
        let mut height = 1;
        for (child_at, child_schema) in schema_children(schema, at) {
            let child_height = self.nested_schema(child_schema, &child_at)?;
            if child_height >= NESTED {
                high_children.push(child_schema as *const Value);
            }
            height = height.max(child_height + 1);
        }
        if height >= NESTED {
            let stub = schema_stub(schema, &|child| high_children.contains(&(child as *const Value)));
            if check_alone::<openapiv3::ReferenceOr<openapiv3::Schema>>(&stub, at).is_err() {
                // Something in the part read along is malformed: find it on its own.
                self.schema(schema, at)?;
            }
        }
        Ok(height)
    }

    /// The first quirk at or below `at`, as an error.
    fn refuse_quirks_under(&self, at: &str) -> Result<(), Invalid> {
        let first = self.quirks.partition_point(|q| q.pointer.as_str() < at);
        let inside = self.quirks[first..].iter().take_while(|q| q.pointer.starts_with(at)).find(|q| {
            let rest = &q.pointer[at.len()..];
            rest.is_empty() || rest.starts_with('/')
        });
        match inside {
            Some(quirk) => Err(Invalid { pointer: quirk.pointer.clone(), message: quirk.message.clone() }),
            None => Ok(()),
        }
    }
}

/// `Err` naming the key to blame (the one without which `stub` reads), or `at` itself.
fn check_alone<T: for<'de> Deserialize<'de>>(stub: &Value, at: &str) -> Result<(), Invalid> {
    let Err(error) = T::deserialize(stub) else { return Ok(()) };
    if let Value::Object(map) = stub {
        for key in map.keys() {
            let mut without = map.clone();
            without.shift_remove(key);
            if T::deserialize(&Value::Object(without)).is_ok() {
                let message = T::deserialize(&Value::Object(Map::from_iter([(key.clone(), map[key].clone())])))
                    .err()
                    .map_or_else(|| error.to_string(), |e| e.to_string());
                return Err(Invalid { pointer: child(at, key), message });
            }
        }
    }
    Err(Invalid { pointer: at.to_owned(), message: error.to_string() })
}

/// A schema's own keys, with the schemas it holds for which `replace` is true replaced by `{}`.
fn schema_stub(schema: &Value, replace: &dyn Fn(&Value) -> bool) -> Value {
    let Value::Object(map) = schema else { return schema.clone() };
    let child = |value: &Value| if value.is_object() && replace(value) { Value::Object(Map::new()) } else { value.clone() };
    let stub = map.iter().map(|(key, value)| {
        let value = match key.as_str() {
            "items" | "not" | "additionalProperties" => child(value),
            "properties" => map_values(value, child),
            "allOf" | "oneOf" | "anyOf" => match value {
                Value::Array(members) => Value::Array(members.iter().map(child).collect()),
                other => other.clone(),
            },
            _ => value.clone(),
        };
        (key.clone(), value)
    });
    Value::Object(stub.collect())
}

/// The schemas [`schema_stub`] replaced, with their pointers.
fn schema_children<'v>(schema: &'v Value, at: &str) -> Vec<(String, &'v Value)> {
    let mut children = Vec::new();
    let Value::Object(map) = schema else { return children };
    for (key, value) in map {
        match (key.as_str(), value) {
            ("items" | "not" | "additionalProperties", Value::Object(_)) => children.push((child(at, key), value)),
            ("properties", Value::Object(properties)) => {
                let base = child(at, key);
                children.extend(properties.iter().filter(|(_, v)| v.is_object()).map(|(name, v)| (child(&base, name), v)));
            }
            ("allOf" | "oneOf" | "anyOf", Value::Array(members)) => {
                let base = child(at, key);
                let objects = members.iter().enumerate().filter(|(_, v)| v.is_object());
                children.extend(objects.map(|(index, v)| (child(&base, &index.to_string()), v)));
            }
            _ => {}
        }
    }
    children
}

/// A header's own keys, with its schema and its media types' schemas replaced by `{}` and
/// their encodings' headers by `{schema: {}}` (a header needs a schema or content).
fn header_stub(header: &Value) -> Value {
    let minimal_header = |h: &Value| if h.is_object() { serde_json::json!({"schema": {}}) } else { h.clone() };
    let encoding_stub = |encoding: &Value| replace_keys(encoding, &[("headers", &|h| map_values(h, minimal_header))]);
    let media_stub = |media: &Value| {
        replace_keys(media, &[("schema", &empty_if_object), ("encoding", &|e| map_values(e, encoding_stub))])
    };
    replace_keys(header, &[("schema", &empty_if_object), ("content", &|c| map_values(c, media_stub))])
}

/// A key and how to rewrite its value.
type Rewrite<'r> = (&'r str, &'r dyn Fn(&Value) -> Value);

/// A copy of `value` with the values of the named keys rewritten.
fn replace_keys(value: &Value, rules: &[Rewrite]) -> Value {
    let Value::Object(map) = value else { return value.clone() };
    let copy = map.iter().map(|(key, v)| {
        let v = rules.iter().find(|(name, _)| name == key).map_or_else(|| v.clone(), |(_, rule)| rule(v));
        (key.clone(), v)
    });
    Value::Object(copy.collect())
}

fn map_values(value: &Value, rule: impl Fn(&Value) -> Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), rule(v))).collect()),
        other => other.clone(),
    }
}

fn empty_if_object(value: &Value) -> Value {
    if value.is_object() {
        Value::Object(Map::new())
    } else {
        value.clone()
    }
}

/// `{$ref: "..."}`: `ReferenceOr` reads it as a reference whatever else the object holds.
fn is_reference(value: &Value) -> bool {
    value.get("$ref").is_some_and(Value::is_string)
}

/// The object, unless it is a reference (whose target is checked where it is defined).
fn item_object(value: &Value) -> Option<&Map<String, Value>> {
    if is_reference(value) {
        None
    } else {
        value.as_object()
    }
}

fn for_each_item(
    list: Option<&Value>,
    at: &str,
    key: &str,
    mut check: impl FnMut(&Value, &str) -> Result<(), Invalid>,
) -> Result<(), Invalid> {
    let Some(items) = list.and_then(Value::as_array) else { return Ok(()) };
    let base = child(at, key);
    items.iter().enumerate().try_for_each(|(index, item)| check(item, &child(&base, &index.to_string())))
}

fn for_each_entry(
    map: Option<&Value>,
    at: &str,
    key: &str,
    mut check: impl FnMut(&Value, &str) -> Result<(), Invalid>,
) -> Result<(), Invalid> {
    let Some(entries) = map.and_then(Value::as_object) else { return Ok(()) };
    let base = child(at, key);
    entries.iter().try_for_each(|(name, entry)| check(entry, &child(&base, name)))
}


#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn doc_with_schema(schema: Value) -> Value {
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
               "components": {"schemas": {"A": schema}}})
    }

    fn nested_items(levels: usize, leaf: Value) -> Value {
        (0..levels).fold(leaf, |inner, _| json!({"type": "array", "items": inner}))
    }

    #[test]
    fn the_malformed_schema_is_named_down_to_its_key() {
        let doc = doc_with_schema(nested_items(40, json!({"type": "string", "minLength": "x"})));
        let started = std::time::Instant::now();
        let invalid = check(&doc, &[]).expect_err("the leaf is malformed");
        assert!(started.elapsed().as_secs() < 1, "{:?}", started.elapsed());
        assert_eq!(invalid.pointer, format!("/components/schemas/A{}/minLength", "/items".repeat(40)));
        assert!(invalid.message.contains("expected usize"), "{}", invalid.message);
    }

    #[test]
    fn the_nested_check_leaves_shallow_schemas_and_is_as_precise_on_deep_ones() {
        let shallow = doc_with_schema(nested_items(NESTED - 2, json!({"type": "string", "minLength": "x"})));
        assert_eq!(check_nested(&shallow, &[]), Ok(()));
        assert!(check(&shallow, &[]).is_err());
        for levels in [NESTED - 1, NESTED, 3 * NESTED, 40] {
            let deep = doc_with_schema(nested_items(levels, json!({"type": "string", "minLength": "x"})));
            let precise = check(&deep, &[]).expect_err("malformed");
            assert_eq!(check_nested(&deep, &[]), Err(precise), "{levels} levels");
        }
        let wide_and_deep = doc_with_schema(json!({"properties": {
            "a": nested_items(10, json!({"type": "string"})),
            "b": {"type": "object", "properties": {"c": {"maxItems": -1}}}
        }}));
        let invalid = check_nested(&wide_and_deep, &[]).expect_err("b/c is malformed");
        assert_eq!(invalid.pointer, "/components/schemas/A/properties/b/properties/c/maxItems");
    }

    #[test]
    fn well_formed_documents_pass_and_references_are_not_followed() {
        let doc = doc_with_schema(json!({"type": "object", "properties": {
            "a": {"$ref": "#/components/schemas/B", "minLength": "ignored beside $ref"},
            "b": {"allOf": [{"type": "string"}, {"$ref": "#/x"}], "additionalProperties": false},
            "c": {"type": "array", "items": {"oneOf": [{"type": "integer"}]}}
        }}));
        assert_eq!(check(&doc, &[]), Ok(()));
        assert_eq!(check_nested(&doc, &[]), Ok(()));
    }

    #[test]
    fn headers_nested_in_headers_are_checked_one_by_one() {
        let mut header = json!({"schema": {"type": "string", "maxLength": -1}});
        for _ in 0..8 {
            header = json!({"content": {"multipart/form-data": {"schema": {}, "encoding": {"p": {"headers": {"H": header}}}}}});
        }
        let doc = json!({"openapi": "3.0.3", "paths": {}, "components": {"headers": {"X": header}}});
        let invalid = check(&doc, &[]).expect_err("the innermost header's schema is malformed");
        assert!(invalid.pointer.ends_with("/headers/H/schema/maxLength"), "{invalid:?}");
    }

    #[test]
    fn quirks_inside_schemas_are_refused_elsewhere_left_alone() {
        let doc = json!({"paths": {"/a": {"get": {"responses": {"200": {"description": "d",
            "content": {"application/json": {"schema": {"properties": {"1": {}}}}}}}}}}});
        let quirk = |pointer: &str| Quirk { pointer: pointer.to_owned(), message: "a number key".to_owned() };
        assert_eq!(check(&doc, &[quirk("/paths/~1a/get/responses/200")]), Ok(()));
        let inside = "/paths/~1a/get/responses/200/content/application~1json/schema/properties/1";
        assert_eq!(check(&doc, &[quirk(inside)]).map_err(|e| e.pointer), Err(inside.to_owned()));
    }
}
