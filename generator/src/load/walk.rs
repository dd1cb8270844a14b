//! Every schema of an OpenAPI document held as a JSON value, visited in place with its JSON
//! pointer: the one walk the lenient rewrites (`lenient`, `dynamic`) and the hoisting of deep
//! references (`inline`) share, so that they agree on what is a schema.
//!
//! Schemas are found where OpenAPI 3.0 and 3.1 put them (components, parameters, headers,
//! media types, and the subschema keywords of JSON Schema); objects given by `$ref` outside
//! schemas are not followed (their targets are visited where they are defined), and `x-`
//! extensions, examples and other data are never entered.

use serde_json::{Map, Value};

use crate::pointer::child;

/// Where a visited schema sits.
pub struct Scope<'s> {
    /// JSON pointer of the schema.
    pub at: &'s str,
    /// JSON pointer of the schema resource that holds it: the nearest schema at or above it
    /// that declares `$id`, else the outermost schema of its place (a component schema, a
    /// parameter's or media type's `schema`).
    pub resource: &'s str,
}

/// Calls `visit` on every schema object of `doc`, parents before their subschemas (which are
/// looked up after the visit, so a visit may rewrite them).
pub fn schemas(doc: &mut Value, visit: &mut dyn FnMut(&mut Map<String, Value>, &Scope)) {
    let mut walker = Walker { visit };
    let Value::Object(root) = doc else { return };
    for (key, value) in root.iter_mut() {
        match key.as_str() {
            "paths" | "webhooks" => walker.entries(value, &child("", key), Walker::path_item),
            "components" => walker.components(value),
            _ => {}
        }
    }
}

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Keywords whose value is a map of subschemas.
const SCHEMA_MAPS: &[&str] = &["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];
/// Keywords whose value is a list of subschemas.
const SCHEMA_LISTS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value is one subschema (when it is an object; `items` may also be a list).
const SCHEMA_ONES: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
    "additionalItems",
];

struct Walker<'v> {
    visit: &'v mut dyn FnMut(&mut Map<String, Value>, &Scope),
}

type Visit<'v> = fn(&mut Walker<'v>, &mut Value, &str);

impl<'v> Walker<'v> {
    fn components(&mut self, components: &mut Value) {
        let Value::Object(components) = components else { return };
        for (kind, entries) in components.iter_mut() {
            let visit: Visit<'v> = match kind.as_str() {
                "schemas" => |w, s, at| w.schema(s, at, None),
                "parameters" | "headers" => Walker::parameter,
                "requestBodies" => Walker::body,
                "responses" => Walker::response,
                "callbacks" => Walker::callback,
                "pathItems" => Walker::path_item,
                _ => continue,
            };
            self.entries(entries, &child("/components", kind), visit);
        }
    }

    /// Each value of a map whose keys are names (paths, status codes, media types), `x-` aside.
    fn entries(&mut self, map: &mut Value, at: &str, visit: Visit<'v>) {
        let Value::Object(map) = map else { return };
        for (key, value) in map.iter_mut().filter(|(key, _)| !key.starts_with("x-")) {
            visit(self, value, &child(at, key));
        }
    }

    fn path_item(&mut self, item: &mut Value, at: &str) {
        let Some(item) = unreferenced(item) else { return };
        for (key, value) in item.iter_mut() {
            let key_at = child(at, key);
            if key == "parameters" {
                self.list(value, &key_at, Walker::parameter);
            } else if METHODS.contains(&key.as_str()) {
                self.operation(value, &key_at);
            }
        }
    }

    fn operation(&mut self, operation: &mut Value, at: &str) {
        let Value::Object(operation) = operation else { return };
        for (key, value) in operation.iter_mut() {
            let key_at = child(at, key);
            match key.as_str() {
                "parameters" => self.list(value, &key_at, Walker::parameter),
                "requestBody" => self.body(value, &key_at),
                "responses" => self.entries(value, &key_at, Walker::response),
                "callbacks" => self.entries(value, &key_at, Walker::callback),
                _ => {}
            }
        }
    }

    fn callback(&mut self, callback: &mut Value, at: &str) {
        if unreferenced(callback).is_some() {
            self.entries(callback, at, Walker::path_item);
        }
    }

    fn list(&mut self, list: &mut Value, at: &str, visit: Visit<'v>) {
        let Value::Array(items) = list else { return };
        for (index, item) in items.iter_mut().enumerate() {
            visit(self, item, &child(at, &index.to_string()));
        }
    }

    /// A parameter or a header: a `schema`, or `content`.
    fn parameter(&mut self, parameter: &mut Value, at: &str) {
        let Some(parameter) = unreferenced(parameter) else { return };
        for (key, value) in parameter.iter_mut() {
            match key.as_str() {
                "schema" => self.schema(value, &child(at, key), None),
                "content" => self.entries(value, &child(at, key), Walker::media_type),
                _ => {}
            }
        }
    }

    fn body(&mut self, body: &mut Value, at: &str) {
        let Some(body) = unreferenced(body) else { return };
        if let Some(content) = body.get_mut("content") {
            self.entries(content, &child(at, "content"), Walker::media_type);
        }
    }

    fn response(&mut self, response: &mut Value, at: &str) {
        let Some(response) = unreferenced(response) else { return };
        for (key, value) in response.iter_mut() {
            match key.as_str() {
                "headers" => self.entries(value, &child(at, key), Walker::parameter),
                "content" => self.entries(value, &child(at, key), Walker::media_type),
                _ => {}
            }
        }
    }

    fn media_type(&mut self, media: &mut Value, at: &str) {
        let Value::Object(media) = media else { return };
        for (key, value) in media.iter_mut() {
            let key_at = child(at, key);
            match key.as_str() {
                "schema" => self.schema(value, &key_at, None),
                "encoding" => {
                    let Value::Object(encodings) = value else { continue };
                    for (property, encoding) in encodings.iter_mut() {
                        let Some(headers) = encoding.get_mut("headers") else { continue };
                        self.entries(headers, &child(&child(&key_at, property), "headers"), Walker::parameter);
                    }
                }
                _ => {}
            }
        }
    }

    /// One schema (`resource`: the pointer of the resource above it, `None` at a place's root).
    fn schema(&mut self, schema: &mut Value, at: &str, resource: Option<&str>) {
        let Value::Object(map) = schema else { return };
        let resource = if map.contains_key("$id") { at } else { resource.unwrap_or(at) };
        (self.visit)(map, &Scope { at, resource });
        for (key, value) in map.iter_mut() {
            let key = key.as_str();
            if SCHEMA_MAPS.contains(&key) {
                let Value::Object(members) = value else { continue };
                let base = child(at, key);
                for (name, member) in members.iter_mut() {
                    self.schema(member, &child(&base, name), Some(resource));
                }
            } else if SCHEMA_LISTS.contains(&key) || (key == "items" && value.is_array()) {
                let Value::Array(members) = value else { continue };
                let base = child(at, key);
                for (index, member) in members.iter_mut().enumerate() {
                    self.schema(member, &child(&base, &index.to_string()), Some(resource));
                }
            } else if SCHEMA_ONES.contains(&key) {
                self.schema(value, &child(at, key), Some(resource));
            }
        }
    }
}

/// The object, unless it is a reference (its target is visited where it is defined).
fn unreferenced(value: &mut Value) -> Option<&mut Map<String, Value>> {
    match value {
        Value::Object(map) if !map.get("$ref").is_some_and(Value::is_string) => Some(map),
        _ => None,
    }
}

/// The pointers of every schema of `doc`.
pub fn schema_pointers(doc: &mut Value) -> std::collections::BTreeSet<String> {
    let mut pointers = std::collections::BTreeSet::new();
    schemas(doc, &mut |_, scope| {
        pointers.insert(scope.at.to_owned());
    });
    pointers
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn schemas_are_found_where_openapi_puts_them_and_nowhere_else() {
        let mut doc = json!({
            "paths": {"/a": {
                "parameters": [{"name": "p", "in": "query", "schema": {"type": "string"}}],
                "get": {"responses": {"200": {
                    "headers": {"X": {"schema": {"type": "integer"}}},
                    "content": {"application/json": {"schema": {"items": {"$id": "i", "properties": {"b": {}}}}}}}}},
                "x-ext": {"schema": {}}}},
            "components": {
                "schemas": {"A": {"allOf": [{"not": {}}], "example": {"properties": {"no": {}}}}},
                "requestBodies": {"B": {"content": {"text/plain": {"schema": {}}}}},
                "parameters": {"R": {"$ref": "#/components/parameters/S"}}}
        });
        let mut seen = Vec::new();
        schemas(&mut doc, &mut |_, scope| seen.push(format!("{} in {}", scope.at, scope.resource)));
        let content = "/paths/~1a/get/responses/200/content/application~1json/schema";
        assert_eq!(
            seen,
            [
                "/paths/~1a/parameters/0/schema in /paths/~1a/parameters/0/schema".to_owned(),
                "/paths/~1a/get/responses/200/headers/X/schema in /paths/~1a/get/responses/200/headers/X/schema".to_owned(),
                format!("{content} in {content}"),
                format!("{content}/items in {content}/items"),
                format!("{content}/items/properties/b in {content}/items"),
                "/components/schemas/A in /components/schemas/A".to_owned(),
                "/components/schemas/A/allOf/0 in /components/schemas/A".to_owned(),
                "/components/schemas/A/allOf/0/not in /components/schemas/A".to_owned(),
                "/components/requestBodies/B/content/text~1plain/schema in /components/requestBodies/B/content/text~1plain/schema"
                    .to_owned(),
            ]
        );
    }
}
