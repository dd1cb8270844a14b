//! Merges an overlay (facts the endpoint docs leave out: operation ids, status codes, response
//! schemas, security, servers, pagination) onto the document the docs importer produced.
//!
//! The overlay cannot invent endpoints or inputs: it may only refine what the docs state.
//!
//! # Overlay format (YAML)
//!
//! ```yaml
//! info: {...}            # replaces the imported `info`
//! servers: [...]         # document servers
//! security: [...]        # global security requirement
//! tags: [...]            # document tags
//! components:            # the overlay's own components (schemas, securitySchemes, responses, ...)
//!   schemas: {...}       # added; a name the docs already define (a request body) is an error
//! operations:
//!   "GET /notes":        # must be an operation the docs have
//!     operationId: getNotes          # required
//!     summary: Get all notes
//!     tags: [Notes]
//!     deprecated: true               # optional
//!     security: [...]                # optional ([] or [{}] for none)
//!     servers: [...]                 # optional
//!     x-pagination: {...}            # optional, checked (see below); other `x-*` keys are copied
//!     parameters:                    # keyed by docs parameter name
//!       start: {schema: {default: 0}}
//!     requestBody:                   # only where the docs have a body
//!       required: true
//!       additionalProperties: true   # merged into the body schema
//!       properties:                  # keyed by docs body property
//!         visible_to: {enum: ["1", "3"]}
//!     responses:                     # one entry per docs response line, in docs order
//!       - status: 200
//!         content: application/json  # the default
//!         schema: {$ref: "#/components/schemas/GetNotesResponse"}   # optional
//!         headers: {...}             # optional
//! ```
//!
//! # Merge rules
//!
//! * **The docs win.** Overlay maps are deep-merged into the docs nodes (a parameter, a body
//!   property, the body schema). The overlay may add keys the docs lack (`format`, `enum`,
//!   `default`, `minimum`, `nullable`, ...); where it states a value the docs also state (a
//!   parameter's `in`, `required`, `schema.type`, a property's type) and the two differ, that is
//!   an error naming both values.
//! * A parameter, body property or operation the docs do not have is an error.
//! * Every docs operation must have an overlay entry with an `operationId`, and an entry for a
//!   docs operation with response lines must list exactly one response per line. So the merged
//!   document gives every operation an id and every response a status code.
//! * A response's description is the docs line; status, content type, schema and headers come
//!   from the overlay. The importer's `x-docs-responses` lists are removed.
//! * `x-pagination` must have `style` (`offset` or `cursor`), `items` (a JSON pointer), `params`
//!   naming docs query parameters (`offset`/`limit`, or `cursor`/`limit`), and optional `next`
//!   and `has_more` pointers; a cursor style needs `next`.
//! * Unknown keys are errors. Every error carries the overlay key path
//!   (`operations."GET /notes".parameters.project_id`) and all errors are reported together;
//!   on error the document is left unchanged.

use serde_json::{Map, Value};

use crate::source::SourceFile;

/// One problem in the overlay, located by file and the overlay key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlayError {
    pub file: String,
    /// Where in the overlay, as a key path such as `operations."GET /notes".parameters.start`.
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for OverlayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: at {}: {}", self.file, self.at, self.message)
    }
}

/// Every problem found while merging the overlay.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct OverlayErrors(pub Vec<OverlayError>);

/// The docs importer's list of response description lines, removed by the merge.
const DOCS_RESPONSES: &str = "x-docs-responses";

const TOP_LEVEL_KEYS: &[&str] = &["info", "servers", "security", "tags", "components", "operations"];
const COMPONENT_SECTIONS: &[&str] = &[
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
];
const OPERATION_KEYS: &[&str] = &[
    "operationId",
    "summary",
    "tags",
    "deprecated",
    "security",
    "servers",
    "externalDocs",
    "parameters",
    "requestBody",
    "responses",
];
const HTTP_METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"];

/// Key order of the merged document and of each operation, so output reads top-down.
const DOCUMENT_ORDER: &[&str] = &["openapi", "info", "servers", "security", "tags", "paths", "components"];
const OPERATION_ORDER: &[&str] = &[
    "operationId",
    "summary",
    "description",
    "tags",
    "deprecated",
    "externalDocs",
    "servers",
    "security",
    "parameters",
    "requestBody",
    "responses",
];

/// Applies the overlay to `doc`. On error `doc` is left exactly as it was.
pub fn apply(doc: &mut Value, overlay: &SourceFile) -> Result<(), OverlayErrors> {
    let mut merge = Merge { file: &overlay.path, errors: Vec::new() };
    let overlay_value = match serde_yaml::from_str::<serde_yaml::Value>(&overlay.text) {
        Ok(value) => merge.yaml_to_json(&value, &KeyPath::root()),
        Err(e) => {
            let at = e.location().map_or_else(|| "(document)".to_owned(), |l| format!("line {}", l.line()));
            merge.error(at, format!("the overlay is not valid YAML: {e}"));
            None
        }
    };
    let mut merged = doc.clone();
    if let Some(overlay_value) = overlay_value {
        merge.document(&mut merged, &overlay_value);
    }
    if !merge.errors.is_empty() {
        return Err(OverlayErrors(merge.errors));
    }
    *doc = merged;
    Ok(())
}

/// A key path into the overlay, printed like `operations."GET /notes".responses[0].status`.
#[derive(Debug, Clone)]
struct KeyPath(String);

impl KeyPath {
    fn root() -> Self {
        KeyPath(String::new())
    }

    fn key(&self, key: &str) -> Self {
        let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let segment = if plain { key.to_owned() } else { format!("{key:?}") };
        if self.0.is_empty() {
            KeyPath(segment)
        } else {
            KeyPath(format!("{}.{segment}", self.0))
        }
    }

    fn index(&self, index: usize) -> Self {
        KeyPath(format!("{}[{index}]", self.0))
    }

    fn render(&self) -> String {
        if self.0.is_empty() {
            "(document root)".to_owned()
        } else {
            self.0.clone()
        }
    }
}

/// What kind of YAML/JSON node a value is, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// A value as it is quoted in messages: compact JSON.
fn show(value: &Value) -> String {
    value.to_string()
}

struct Merge<'a> {
    file: &'a str,
    errors: Vec<OverlayError>,
}

impl Merge<'_> {
    fn error(&mut self, at: impl Into<String>, message: impl Into<String>) {
        self.errors.push(OverlayError { file: self.file.to_owned(), at: at.into(), message: message.into() });
    }

    fn error_at(&mut self, at: &KeyPath, message: impl Into<String>) {
        self.error(at.render(), message);
    }

    /// Converts YAML to JSON. Scalar map keys (`200:`, `true:`) become strings; other keys,
    /// tags and non-finite numbers are errors.
    fn yaml_to_json(&mut self, value: &serde_yaml::Value, at: &KeyPath) -> Option<Value> {
        use serde_yaml::Value as Y;
        match value {
            Y::Null => Some(Value::Null),
            Y::Bool(b) => Some(Value::Bool(*b)),
            Y::Number(n) => {
                let json = if let Some(i) = n.as_i64() {
                    Some(Value::from(i))
                } else if let Some(u) = n.as_u64() {
                    Some(Value::from(u))
                } else {
                    n.as_f64().and_then(serde_json::Number::from_f64).map(Value::Number)
                };
                if json.is_none() {
                    self.error_at(at, format!("the number `{n}` cannot be represented in JSON"));
                }
                json
            }
            Y::String(s) => Some(Value::String(s.clone())),
            Y::Sequence(items) => {
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    match self.yaml_to_json(item, &at.index(i)) {
                        Some(v) => out.push(v),
                        None => ok = false,
                    }
                }
                ok.then_some(Value::Array(out))
            }
            Y::Mapping(map) => {
                let mut out = Map::new();
                let mut ok = true;
                for (key, item) in map {
                    let key = match key {
                        Y::String(s) => s.clone(),
                        Y::Number(n) => n.to_string(),
                        Y::Bool(b) => b.to_string(),
                        other => {
                            self.error_at(at, format!("a map key must be a string, found `{other:?}`"));
                            ok = false;
                            continue;
                        }
                    };
                    match self.yaml_to_json(item, &at.key(&key)) {
                        Some(v) => {
                            out.insert(key, v);
                        }
                        None => ok = false,
                    }
                }
                ok.then_some(Value::Object(out))
            }
            Y::Tagged(tagged) => {
                self.error_at(at, format!("YAML tags such as `{}` are not supported", tagged.tag));
                None
            }
        }
    }

    /// The value as a map, or an error saying what was expected instead.
    fn expect_map<'v>(&mut self, value: &'v Value, at: &KeyPath, what: &str) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.error_at(at, format!("expected {what} (a map), found {}", kind(other)));
                None
            }
        }
    }

    fn expect_kind(&mut self, value: &Value, at: &KeyPath, ok: bool, what: &str) -> bool {
        if !ok {
            self.error_at(at, format!("expected {what}, found {}", kind(value)));
        }
        ok
    }

    fn document(&mut self, doc: &mut Value, overlay: &Value) {
        let root = KeyPath::root();
        let Some(overlay) = self.expect_map(overlay, &root, "the overlay document") else { return };
        let Some(doc_map) = doc.as_object_mut() else {
            self.error_at(&root, "the imported document is not a map, so nothing can be merged into it");
            return;
        };
        for (key, value) in overlay {
            let at = root.key(key);
            match key.as_str() {
                "info" => {
                    if self.expect_map(value, &at, "the document info").is_some() {
                        doc_map.insert(key.clone(), value.clone());
                    }
                }
                "servers" | "security" | "tags" => {
                    if self.expect_kind(value, &at, value.is_array(), "a list") {
                        doc_map.insert(key.clone(), value.clone());
                    }
                }
                "components" => self.components(doc_map, value, &at),
                "operations" => {}
                _ => self.error_at(
                    &at,
                    format!("unknown top-level key `{key}`; expected one of {}", TOP_LEVEL_KEYS.join(", ")),
                ),
            }
        }
        let operations = overlay.get("operations").cloned().unwrap_or_else(|| Value::Object(Map::new()));
        self.operations(doc_map, &operations, &root.key("operations"));
        reorder(doc_map, DOCUMENT_ORDER);
    }

    fn components(&mut self, doc: &mut Map<String, Value>, overlay: &Value, at: &KeyPath) {
        let Some(sections) = self.expect_map(overlay, at, "component sections") else { return };
        let components = doc.entry("components").or_insert_with(|| Value::Object(Map::new()));
        let Some(components) = components.as_object_mut() else {
            self.error_at(at, "the imported `components` is not a map");
            return;
        };
        for (section, entries) in sections {
            let section_at = at.key(section);
            if !COMPONENT_SECTIONS.contains(&section.as_str()) {
                self.error_at(
                    &section_at,
                    format!("unknown component section `{section}`; expected one of {}", COMPONENT_SECTIONS.join(", ")),
                );
                continue;
            }
            let Some(entries) = self.expect_map(entries, &section_at, "named components") else { continue };
            let target = components.entry(section.clone()).or_insert_with(|| Value::Object(Map::new()));
            let Some(target) = target.as_object_mut() else {
                self.error_at(&section_at, format!("the imported `components.{section}` is not a map"));
                continue;
            };
            for (name, component) in entries {
                if target.contains_key(name) {
                    self.error_at(
                        &section_at.key(name),
                        format!("`{name}` is already defined by the docs (a request body); give the overlay's one another name"),
                    );
                } else {
                    target.insert(name.clone(), component.clone());
                }
            }
        }
    }

    fn operations(&mut self, doc: &mut Map<String, Value>, overlay: &Value, at: &KeyPath) {
        let mut covered: Vec<(String, String)> = Vec::new();
        let mut operation_ids: Vec<(String, String)> = Vec::new();
        if let Some(entries) = self.expect_map(overlay, at, "operations keyed by `METHOD /path`") {
            for (key, entry) in entries {
                let entry_at = at.key(key);
                let Some((method, path)) = parse_operation_key(key) else {
                    self.error_at(
                        &entry_at,
                        format!("`{key}` is not an operation key; expected `METHOD /path` such as `GET /items`"),
                    );
                    continue;
                };
                if operation_mut(doc, &method, &path).is_none() {
                    self.error_at(&entry_at, format!("the docs have no operation `{method} {path}`"));
                    continue;
                }
                if covered.iter().any(|(m, p)| *m == method && *p == path) {
                    self.error_at(&entry_at, format!("`{method} {path}` has more than one overlay entry"));
                    continue;
                }
                if let Some(id) = entry.get("operationId").and_then(Value::as_str) {
                    if let Some((_, first)) = operation_ids.iter().find(|(seen, _)| seen == id) {
                        let message = format!("operationId `{id}` is already used by `{first}`");
                        self.error_at(&entry_at.key("operationId"), message);
                    } else {
                        operation_ids.push((id.to_owned(), format!("{method} {path}")));
                    }
                }
                self.operation(doc, &method, &path, entry, &entry_at);
                covered.push((method, path));
            }
        }
        self.check_coverage_and_strip(doc, &covered, at);
    }

    /// Every docs operation must be covered; `x-docs-responses` goes from every operation.
    fn check_coverage_and_strip(&mut self, doc: &mut Map<String, Value>, covered: &[(String, String)], at: &KeyPath) {
        let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for (method, operation) in item.iter_mut() {
                let Some(operation) = operation.as_object_mut() else { continue };
                let method = method.to_ascii_uppercase();
                if !HTTP_METHODS.contains(&method.as_str()) {
                    continue;
                }
                if !covered.iter().any(|(m, p)| *m == method && p == path) {
                    self.error_at(
                        at,
                        format!(
                            "the docs operation `{method} {path}` has no overlay entry; every operation needs one \
                             with its operationId and the status code of each response"
                        ),
                    );
                }
                operation.remove(DOCS_RESPONSES);
            }
        }
    }

    fn operation(&mut self, doc: &mut Map<String, Value>, method: &str, path: &str, entry: &Value, at: &KeyPath) {
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
fn operation_mut<'d>(doc: &'d mut Map<String, Value>, method: &str, path: &str) -> Option<&'d mut Map<String, Value>> {
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

/// Splits `GET /notes` into (`GET`, `/notes`).
fn parse_operation_key(key: &str) -> Option<(String, String)> {
    let (method, path) = key.split_once(' ')?;
    let method = method.to_ascii_uppercase();
    (HTTP_METHODS.contains(&method.as_str()) && path.starts_with('/') && !path.contains(' '))
        .then(|| (method, path.to_owned()))
}

/// Moves the keys in `order` to the front, in that order; other keys keep their order after them.
fn reorder(map: &mut Map<String, Value>, order: &[&str]) {
    let mut rest = std::mem::take(map);
    for key in order {
        if let Some(value) = rest.remove(*key) {
            map.insert((*key).to_owned(), value);
        }
    }
    map.extend(rest);
}
