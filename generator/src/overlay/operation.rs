//! Merging one overlay operation entry onto its docs operation: plain keys, parameters, the
//! request body schema, responses (one per docs response line) and the `x-pagination` check.

use serde_json::{Map, Value};

use super::node::{kind, show, KeyPath};
use super::{reorder, Merge, DOCS_RESPONSES, OPERATION_KEYS, OPERATION_ORDER};

impl Merge<'_> {
    pub(super) fn operation(
        &mut self,
        doc: &mut Map<String, Value>,
        method: &str,
        path: &str,
        entry: &Value,
        at: &KeyPath,
    ) {
        let Some(entry) = self.expect_map(entry, at, "an operation entry") else { return };
        if !entry.contains_key("operationId") {
            self.error_at(at, "missing `operationId`; every operation needs one");
        }
        let query_parameters = operation_mut(doc, method, path).map(|op| query_parameter_names(op)).unwrap_or_default();
        for (key, value) in entry {
            let key_at = at.key(key);
            let Some(operation) = operation_mut(doc, method, path) else { return };
            match key.as_str() {
                "operationId" | "summary" => {
                    if self.expect_kind(value, &key_at, value.is_string(), "a string") {
                        self.merge_value(operation, key, value, &key_at);
                    }
                }
                "deprecated" => {
                    if self.expect_kind(value, &key_at, value.is_boolean(), "a boolean") {
                        self.merge_value(operation, key, value, &key_at);
                    }
                }
                "tags" => {
                    let ok = value.as_array().is_some_and(|tags| tags.iter().all(Value::is_string));
                    if self.expect_kind(value, &key_at, ok, "a list of strings") {
                        self.merge_value(operation, key, value, &key_at);
                    }
                }
                "security" | "servers" => {
                    if self.expect_kind(value, &key_at, value.is_array(), "a list") {
                        self.merge_value(operation, key, value, &key_at);
                    }
                }
                "externalDocs" => {
                    if self.expect_map(value, &key_at, "external docs").is_some() {
                        self.merge_value(operation, key, value, &key_at);
                    }
                }
                "x-pagination" => {
                    if self.pagination(value, &query_parameters, &key_at) {
                        operation.insert(key.clone(), value.clone());
                    }
                }
                "parameters" => self.parameters(operation, value, &key_at),
                "responses" => self.responses(operation, value, &key_at),
                "requestBody" => {} // below, once the operation borrow is released
                _ if key.starts_with("x-") => {
                    operation.insert(key.clone(), value.clone());
                }
                _ => self.error_at(
                    &key_at,
                    format!(
                        "unknown operation key `{key}`; expected one of {}, x-pagination or another `x-` extension",
                        OPERATION_KEYS.join(", ")
                    ),
                ),
            }
        }
        if let Some(body) = entry.get("requestBody") {
            self.request_body(doc, method, path, body, &at.key("requestBody"));
        }
        let docs_responses = operation_mut(doc, method, path)
            .and_then(|op| op.get(DOCS_RESPONSES))
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if docs_responses > 0 && !entry.contains_key("responses") {
            self.error_at(
                at,
                format!(
                    "missing `responses`; the docs list {docs_responses} response line(s) and each needs a status code"
                ),
            );
        }
        if let Some(operation) = operation_mut(doc, method, path) {
            reorder(operation, OPERATION_ORDER);
        }
    }

    /// Sets `key` on `target`, or checks that the docs' value (if any) is the same.
    fn merge_value(&mut self, target: &mut Map<String, Value>, key: &str, value: &Value, at: &KeyPath) {
        match target.get_mut(key) {
            Some(existing) => self.deep_merge(existing, value, at),
            None => {
                target.insert(key.to_owned(), value.clone());
            }
        }
    }

    /// Merges `overlay` into `docs`: maps key by key, anything else must equal the docs value.
    fn deep_merge(&mut self, docs: &mut Value, overlay: &Value, at: &KeyPath) {
        match (docs, overlay) {
            (Value::Object(docs), Value::Object(overlay)) => {
                for (key, value) in overlay {
                    self.merge_value(docs, key, value, &at.key(key));
                }
            }
            (docs, overlay) => {
                if docs != overlay {
                    self.error_at(
                        at,
                        format!(
                            "the docs say {} but the overlay says {}; the docs win, so drop or correct the overlay value",
                            show(docs),
                            show(overlay)
                        ),
                    );
                }
            }
        }
    }

    fn parameters(&mut self, operation: &mut Map<String, Value>, overlay: &Value, at: &KeyPath) {
        let Some(overlay) = self.expect_map(overlay, at, "parameters keyed by docs parameter name") else { return };
        for (name, value) in overlay {
            let name_at = at.key(name);
            if self.expect_map(value, &name_at, "a parameter refinement").is_none() {
                continue;
            }
            let parameter = operation.get_mut("parameters").and_then(Value::as_array_mut).and_then(|parameters| {
                parameters.iter_mut().find(|p| p.get("name").and_then(Value::as_str) == Some(name.as_str()))
            });
            match parameter {
                Some(parameter) => self.deep_merge(parameter, value, &name_at),
                None => self.error_at(&name_at, format!("the docs list no parameter `{name}` for this operation")),
            }
        }
    }

    fn request_body(&mut self, doc: &mut Map<String, Value>, method: &str, path: &str, overlay: &Value, at: &KeyPath) {
        let Some(overlay) = self.expect_map(overlay, at, "a request body refinement") else { return };
        let Some(operation) = operation_mut(doc, method, path) else { return };
        let Some(body) = operation.get_mut("requestBody").and_then(Value::as_object_mut) else {
            self.error_at(at, "the docs give this operation no request body");
            return;
        };
        let schema_name = body
            .get("content")
            .and_then(Value::as_object)
            .and_then(|content| content.values().next())
            .and_then(|media| media.pointer("/schema/$ref"))
            .and_then(Value::as_str)
            .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
            .map(str::to_owned);
        let mut schema_fields = Map::new();
        for (key, value) in overlay {
            let key_at = at.key(key);
            match key.as_str() {
                "required" => {
                    if self.expect_kind(value, &key_at, value.is_boolean(), "a boolean") {
                        self.merge_value(body, key, value, &key_at);
                    }
                }
                "description" => {
                    if self.expect_kind(value, &key_at, value.is_string(), "a string") {
                        self.merge_value(body, key, value, &key_at);
                    }
                }
                "additionalProperties" | "properties" => {
                    schema_fields.insert(key.clone(), value.clone());
                }
                _ => self.error_at(
                    &key_at,
                    format!("unknown request body key `{key}`; expected required, description, additionalProperties or properties"),
                ),
            }
        }
        reorder(body, &["description", "required", "content"]);
        if schema_fields.is_empty() {
            return;
        }
        let schema = schema_name.as_deref().and_then(|name| {
            doc.get_mut("components")
                .and_then(|c| c.get_mut("schemas"))
                .and_then(|s| s.get_mut(name))
                .and_then(Value::as_object_mut)
        });
        let Some(schema) = schema else {
            self.error_at(at, "the docs body has no named schema in components.schemas to refine");
            return;
        };
        if let Some(value) = schema_fields.get("additionalProperties") {
            let key_at = at.key("additionalProperties");
            if self.expect_kind(value, &key_at, value.is_boolean() || value.is_object(), "a boolean or a schema") {
                self.merge_value(schema, "additionalProperties", value, &key_at);
            }
        }
        if let Some(value) = schema_fields.get("properties") {
            let properties_at = at.key("properties");
            let Some(properties) = self.expect_map(value, &properties_at, "properties keyed by docs body property")
            else {
                return;
            };
            for (name, refinement) in properties {
                let name_at = properties_at.key(name);
                if self.expect_map(refinement, &name_at, "a property refinement").is_none() {
                    continue;
                }
                match schema.get_mut("properties").and_then(|p| p.get_mut(name)) {
                    Some(property) => self.deep_merge(property, refinement, &name_at),
                    None => {
                        self.error_at(&name_at, format!("the docs list no body property `{name}` for this operation"))
                    }
                }
            }
        }
    }

    fn responses(&mut self, operation: &mut Map<String, Value>, overlay: &Value, at: &KeyPath) {
        let Some(overlay) = overlay.as_array() else {
            self.error_at(at, format!("expected a list of responses in docs order, found {}", kind(overlay)));
            return;
        };
        let lines: Vec<String> = operation
            .get(DOCS_RESPONSES)
            .and_then(Value::as_array)
            .map(|lines| lines.iter().map(|l| l.as_str().unwrap_or_default().to_owned()).collect())
            .unwrap_or_default();
        if overlay.len() != lines.len() {
            self.error_at(
                at,
                format!(
                    "the docs list {} response line(s) but the overlay gives {}; give one entry per line, in docs order",
                    lines.len(),
                    overlay.len()
                ),
            );
            return;
        }
        let mut responses = Map::new();
        for (index, (entry, description)) in overlay.iter().zip(&lines).enumerate() {
            let entry_at = at.index(index);
            let Some(entry) = self.expect_map(entry, &entry_at, "a response") else { continue };
            let mut response = Map::new();
            response.insert("description".to_owned(), Value::String(description.clone()));
            let status = match entry.get("status") {
                Some(Value::Number(n)) if n.as_u64().is_some_and(|n| (100..=599).contains(&n)) => Some(n.to_string()),
                Some(Value::String(s)) if is_status_key(s) => Some(s.clone()),
                Some(other) => {
                    self.error_at(
                        &entry_at.key("status"),
                        format!("expected an HTTP status code (100-599, `2XX` or `default`), found {}", show(other)),
                    );
                    None
                }
                None => {
                    self.error_at(&entry_at, "missing `status`");
                    None
                }
            };
            let mut media = Map::new();
            let mut content_type = "application/json".to_owned();
            for (key, value) in entry {
                let key_at = entry_at.key(key);
                match key.as_str() {
                    "status" => {}
                    "content" => match value.as_str() {
                        Some(media_type) if media_type.contains('/') => content_type = media_type.to_owned(),
                        _ => self.error_at(&key_at, format!("expected a media type such as `application/json`, found {}", show(value))),
                    },
                    "schema" => {
                        if self.expect_map(value, &key_at, "a schema").is_some() {
                            media.insert("schema".to_owned(), value.clone());
                        }
                    }
                    "headers" => {
                        if self.expect_map(value, &key_at, "headers keyed by name").is_some() {
                            response.insert("headers".to_owned(), value.clone());
                        }
                    }
                    _ => self.error_at(
                        &key_at,
                        format!("unknown response key `{key}`; expected status, content, schema or headers (the description comes from the docs)"),
                    ),
                }
            }
            let mut content = Map::new();
            content.insert(content_type, Value::Object(media));
            response.insert("content".to_owned(), Value::Object(content));
            let Some(status) = status else { continue };
            if responses.contains_key(&status) {
                self.error_at(
                    &entry_at.key("status"),
                    format!("status {status} is given to more than one response line"),
                );
                continue;
            }
            responses.insert(status, Value::Object(response));
        }
        operation.insert("responses".to_owned(), Value::Object(responses));
    }

    /// Checks an `x-pagination` entry; true when it is well formed.
    fn pagination(&mut self, value: &Value, query_parameters: &[String], at: &KeyPath) -> bool {
        let errors_before = self.errors.len();
        let Some(map) = self.expect_map(value, at, "a pagination description") else { return false };
        let style = map.get("style").and_then(Value::as_str);
        let expected_params: &[&str] = match style {
            Some("offset") => &["offset", "limit"],
            Some("cursor") => &["cursor", "limit"],
            _ => {
                let found = map.get("style").map_or_else(|| "nothing".to_owned(), show);
                self.error_at(&at.key("style"), format!("expected `offset` or `cursor`, found {found}"));
                &[]
            }
        };
        for (key, item) in map {
            let key_at = at.key(key);
            match key.as_str() {
                "style" => {}
                "items" | "next" | "has_more" => {
                    if !item.as_str().is_some_and(|p| p.starts_with('/')) {
                        self.error_at(
                            &key_at,
                            format!("expected a JSON pointer such as `/data`, found {}", show(item)),
                        );
                    }
                }
                "params" => {
                    let Some(params) = self.expect_map(item, &key_at, "request parameter roles") else { continue };
                    for (role, name) in params {
                        let role_at = key_at.key(role);
                        if !expected_params.is_empty() && !expected_params.contains(&role.as_str()) {
                            self.error_at(
                                &role_at,
                                format!("unknown role `{role}`; expected {}", expected_params.join(" or ")),
                            );
                        }
                        match name.as_str() {
                            Some(name) if query_parameters.iter().any(|q| q == name) => {}
                            _ => self.error_at(
                                &role_at,
                                format!(
                                    "expected the name of a docs query parameter of this operation, found {}",
                                    show(name)
                                ),
                            ),
                        }
                    }
                    if let Some(first) = expected_params.first() {
                        if !params.contains_key(*first) {
                            self.error_at(&key_at, format!("missing the `{first}` parameter"));
                        }
                    }
                }
                _ => self.error_at(
                    &key_at,
                    format!("unknown pagination key `{key}`; expected style, items, params, next or has_more"),
                ),
            }
        }
        for required in ["items", "params"] {
            if !map.contains_key(required) {
                self.error_at(at, format!("missing `{required}`"));
            }
        }
        if style == Some("cursor") && !map.contains_key("next") {
            self.error_at(at, "missing `next`; cursor pagination needs the pointer to the next cursor");
        }
        self.errors.len() == errors_before
    }
}

/// The docs operation object for `METHOD /path`, if the docs have it.
pub(super) fn operation_mut<'d>(
    doc: &'d mut Map<String, Value>,
    method: &str,
    path: &str,
) -> Option<&'d mut Map<String, Value>> {
    doc.get_mut("paths")?.get_mut(path)?.get_mut(method.to_ascii_lowercase())?.as_object_mut()
}

fn query_parameter_names(operation: &Map<String, Value>) -> Vec<String> {
    operation
        .get("parameters")
        .and_then(Value::as_array)
        .map(|parameters| {
            parameters
                .iter()
                .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
                .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// `default`, a status range such as `4XX`, or a three-digit code as a string.
fn is_status_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    key == "default"
        || (bytes.len() == 3
            && (b'1'..=b'5').contains(&bytes[0])
            && ((bytes[1..].iter().all(u8::is_ascii_digit)) || &bytes[1..] == b"XX"))
}
