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
//! x-error-envelope: {...} # any top-level `x-` extension is copied into the document
//! integer-format: int64  # given to every `type: integer` schema without a format
//! common-responses:      # added to every operation they apply to that lacks the status
//!   - {status: 401, when: secured, description: ..., schema: {...}}   # when: always,
//!                          # with-input, secured or with-path-parameters
//! common-headers:        # added to every response of every operation served by the document's
//!   x-ratelimit-limit: {$ref: "#/components/headers/RateLimitLimit"}   # servers (not its own)
//!                          # that does not document that header itself
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
//! * A value `FILL-IN` (what `cargo xtask spec --scaffold` writes where a fact cannot be
//!   derived, see [`scaffold`]) is an error `placeholder not filled in` at its key path; these
//!   come first, sorted, so what is left to fill reads as a checklist.
//! * Unknown keys are errors. Every error carries the overlay key path
//!   (`operations."GET /notes".parameters.project_id`) and all errors are reported together;
//!   on error the document is left unchanged.

mod node;
mod operation;
pub mod scaffold;

use serde_json::{Map, Value};

use crate::source::SourceFile;
use node::{kind, show, KeyPath};
use operation::operation_mut;

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

const TOP_LEVEL_KEYS: &[&str] =
    &["info", "servers", "security", "tags", "components", "operations", "common-responses", "common-headers", "integer-format"];

/// Which operations a common response is added to.
const COMMON_RESPONSE_WHEN: &[&str] = &["always", "with-input", "secured", "with-path-parameters"];
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
    let mut merge = Merge::new(&overlay.path);
    let mut merged = doc.clone();
    if let Some(overlay_value) = merge.parse(&overlay.text) {
        merge.document(&mut merged, &overlay_value);
        merge.put_placeholders_first(&scaffold::placeholders(&overlay_value));
    }
    if !merge.errors.is_empty() {
        return Err(OverlayErrors(merge.errors));
    }
    *doc = merged;
    Ok(())
}

/// Collects the errors of one merge; the merge steps are its methods (document and components
/// here, operations in [`operation`], YAML conversion and checks in [`node`]).
pub(super) struct Merge<'a> {
    file: &'a str,
    errors: Vec<OverlayError>,
}

impl<'a> Merge<'a> {
    fn new(file: &'a str) -> Self {
        Merge { file, errors: Vec::new() }
    }

    /// The overlay text as JSON, or `None` with the reason recorded.
    fn parse(&mut self, text: &str) -> Option<Value> {
        match serde_yaml::from_str::<serde_yaml::Value>(text) {
            Ok(value) => self.yaml_to_json(&value, &KeyPath::root()),
            Err(e) => {
                let at = e.location().map_or_else(|| "(document)".to_owned(), |l| format!("line {}", l.line()));
                self.error(at, format!("the overlay is not valid YAML: {e}"));
                None
            }
        }
    }

    /// One error per placeholder left by the scaffold, sorted and first, so what is left to fill
    /// in reads as a checklist. Errors at a placeholder itself (it is no valid value there) would
    /// only say the same again, and are dropped.
    fn put_placeholders_first(&mut self, placeholders: &[String]) {
        let others: Vec<OverlayError> =
            std::mem::take(&mut self.errors).into_iter().filter(|error| !placeholders.contains(&error.at)).collect();
        for at in placeholders {
            self.error(at.clone(), "placeholder not filled in");
        }
        self.errors.extend(others);
    }

    fn error(&mut self, at: impl Into<String>, message: impl Into<String>) {
        self.errors.push(OverlayError { file: self.file.to_owned(), at: at.into(), message: message.into() });
    }

    fn error_at(&mut self, at: &KeyPath, message: impl Into<String>) {
        self.error(at.render(), message);
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
                "operations" | "common-responses" | "common-headers" => {}
                "integer-format" => match value.as_str() {
                    Some("int32" | "int64") => {}
                    _ => self.error_at(&at, format!("expected `int32` or `int64`, found {}", show(value))),
                },
                // Extensions (`x-error-envelope`, ...) are the document's own; copied as given.
                _ if key.starts_with("x-") => {
                    doc_map.insert(key.clone(), value.clone());
                }
                _ => self.error_at(
                    &at,
                    format!("unknown top-level key `{key}`; expected one of {} or an `x-` extension", TOP_LEVEL_KEYS.join(", ")),
                ),
            }
        }
        let operations = overlay.get("operations").cloned().unwrap_or_else(|| Value::Object(Map::new()));
        self.operations(doc_map, &operations, &root.key("operations"));
        if let Some(common) = overlay.get("common-responses") {
            self.common_responses(doc_map, common, &root.key("common-responses"));
        }
        if let Some(common) = overlay.get("common-headers") {
            self.common_headers(doc_map, common, &root.key("common-headers"));
        }
        if let Some(format) = overlay.get("integer-format").and_then(Value::as_str).filter(|f| matches!(*f, "int32" | "int64")) {
            for section in ["paths", "components"] {
                if let Some(node) = doc_map.get_mut(section) {
                    set_integer_format(node, format);
                }
            }
        }
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

    /// Adds each common response to every operation it applies to (see `when`) that does not
    /// list that status itself.
    fn common_responses(&mut self, doc: &mut Map<String, Value>, overlay: &Value, at: &KeyPath) {
        let Some(entries) = overlay.as_array() else {
            self.error_at(at, format!("expected a list of responses, found {}", kind(overlay)));
            return;
        };
        let mut common = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            let entry_at = at.index(index);
            let Some(entry) = self.expect_map(entry, &entry_at, "a response") else { continue };
            let mut status = None;
            let mut when = None;
            let mut description = None;
            let mut schema = None;
            for (key, value) in entry {
                let key_at = entry_at.key(key);
                match (key.as_str(), value) {
                    ("status", Value::Number(n)) if n.as_u64().is_some_and(|n| (100..=599).contains(&n)) => {
                        status = Some(n.to_string())
                    }
                    ("when", Value::String(text)) if COMMON_RESPONSE_WHEN.contains(&text.as_str()) => {
                        when = Some(text.clone())
                    }
                    ("description", Value::String(text)) if !text.trim().is_empty() => description = Some(text.clone()),
                    ("schema", Value::Object(_)) => schema = Some(value.clone()),
                    ("status", other) => self.error_at(&key_at, format!("expected an HTTP status code (100-599), found {}", show(other))),
                    ("when", other) => self.error_at(
                        &key_at,
                        format!("expected one of {}, found {}", COMMON_RESPONSE_WHEN.join(", "), show(other)),
                    ),
                    ("description", other) => self.error_at(&key_at, format!("expected a sentence, found {}", show(other))),
                    ("schema", other) => self.error_at(&key_at, format!("expected a schema, found {}", show(other))),
                    (other, _) => self.error_at(
                        &key_at,
                        format!("unknown key `{other}`; expected status, when, description or schema"),
                    ),
                }
            }
            match (status, when, description) {
                (Some(status), Some(when), Some(description)) => common.push((status, when, description, schema)),
                _ => self.error_at(&entry_at, "a common response needs `status`, `when` and `description`"),
            }
        }
        let document_secured = secured(doc.get("security"));
        let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for (method, operation) in item.iter_mut() {
                if !HTTP_METHODS.contains(&method.to_ascii_uppercase().as_str()) {
                    continue;
                }
                let Some(operation) = operation.as_object_mut() else { continue };
                let has_input = operation.get("parameters").and_then(Value::as_array).is_some_and(|p| !p.is_empty())
                    || operation.contains_key("requestBody");
                let is_secured = match operation.get("security") {
                    Some(security) => secured(Some(security)),
                    None => document_secured,
                };
                let applies = |when: &str| match when {
                    "with-input" => has_input,
                    "secured" => is_secured,
                    "with-path-parameters" => path.contains('{'),
                    _ => true,
                };
                let responses = operation.entry("responses").or_insert_with(|| Value::Object(Map::new()));
                let Some(responses) = responses.as_object_mut() else { continue };
                for (status, when, description, schema) in &common {
                    if !applies(when) || responses.contains_key(status) {
                        continue;
                    }
                    let mut response = Map::new();
                    response.insert("description".to_owned(), Value::String(description.clone()));
                    if let Some(schema) = schema {
                        let mut media = Map::new();
                        media.insert("schema".to_owned(), schema.clone());
                        let mut content = Map::new();
                        content.insert("application/json".to_owned(), Value::Object(media));
                        response.insert("content".to_owned(), Value::Object(content));
                    }
                    responses.insert(status.clone(), Value::Object(response));
                }
            }
        }
    }

    /// Adds each common header to every response of the operations the document's servers
    /// serve (an operation with `servers` of its own is another host's), unless the response
    /// documents it.
    fn common_headers(&mut self, doc: &mut Map<String, Value>, overlay: &Value, at: &KeyPath) {
        let Some(headers) = self.expect_map(overlay, at, "a map of header names to headers") else { return };
        let headers: Vec<(String, Value)> = headers
            .iter()
            .filter(|(name, header)| self.expect_map(header, &at.key(name), "a header (or a `$ref` to one)").is_some())
            .map(|(name, header)| (name.clone(), header.clone()))
            .collect();
        let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return };
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for (method, operation) in item.iter_mut() {
                let Some(operation) = operation.as_object_mut() else { continue };
                if !HTTP_METHODS.contains(&method.to_ascii_uppercase().as_str()) || operation.contains_key("servers") {
                    continue;
                }
                let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut) else { continue };
                for response in responses.values_mut().filter_map(Value::as_object_mut) {
                    if response.contains_key("$ref") {
                        continue;
                    }
                    let documented = response.entry("headers").or_insert_with(|| Value::Object(Map::new()));
                    let Some(documented) = documented.as_object_mut() else { continue };
                    for (name, header) in &headers {
                        if !documented.keys().any(|given| given.eq_ignore_ascii_case(name)) {
                            documented.insert(name.clone(), header.clone());
                        }
                    }
                }
            }
        }
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
                             with its operationId and the status code of each response \
                             (`cargo xtask spec --scaffold` writes one to fill in)"
                        ),
                    );
                }
                operation.remove(DOCS_RESPONSES);
            }
        }
    }
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

/// Whether security requirements demand credentials: some requirement names a scheme and no
/// requirement is empty (an empty one allows anonymous access).
fn secured(security: Option<&Value>) -> bool {
    let Some(requirements) = security.and_then(Value::as_array) else { return false };
    !requirements.is_empty()
        && requirements.iter().all(|requirement| requirement.as_object().is_some_and(|schemes| !schemes.is_empty()))
}

/// Gives every `type: integer` schema without a `format` this one.
fn set_integer_format(node: &mut Value, format: &str) {
    match node {
        Value::Object(map) => {
            if map.get("type").and_then(Value::as_str) == Some("integer") && !map.contains_key("format") {
                map.insert("format".to_owned(), Value::String(format.to_owned()));
            }
            for value in map.values_mut() {
                set_integer_format(value, format);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| set_integer_format(item, format)),
        _ => {}
    }
}
