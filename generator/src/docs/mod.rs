//! Importer for the endpoint-documentation text format (see `spec/docs/`): blocks of a path line,
//! description lines, optional parameter and request-body tables, response lines and a closing
//! `METHOD /path` line, parsed into an OpenAPI 3.0.3 document.
//!
//! The importer reads only what the docs say. What they leave out (status codes, response
//! schemas, security, ...) comes from the overlay; so that the overlay can give status codes to
//! the docs' response lines, each operation carries them, in order, as `x-docs-responses`.
//!
//! Line handling: CRLF and LF endings are equivalent; blank lines are ignored everywhere (so
//! they can space blocks out, but a description cannot contain an empty line).

mod blocks;
mod operation;

use serde_json::{json, Map, Value};

use crate::source::SourceFile;
use blocks::split_blocks;
use operation::{read_operation, Operation, RequestBody};

/// One problem in a docs file, located by file, line and block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub file: String,
    pub line: usize,
    /// The block the problem is in, as its path line (or `METHOD /path` once known).
    pub block: String,
    pub message: String,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: in block `{}`: {}", self.file, self.line, self.block, self.message)
    }
}

/// Every problem found in the docs, in file and line order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct ImportErrors(pub Vec<ImportError>);

/// Parses the docs files into one OpenAPI document (as JSON, keys in insertion order).
///
/// Files are read in order into one document: paths in first-seen order, blocks with the same
/// path merged into one path item. Every problem in every file is reported; on any error nothing
/// is produced.
pub fn import(files: &[SourceFile]) -> Result<serde_json::Value, ImportErrors> {
    let mut errors = Vec::new();
    let mut document = DocumentBuilder::default();
    for file in files {
        let mut file_errors = Vec::new();
        for block in split_blocks(&file.path, &file.text, &mut file_errors) {
            let Some(operation) = read_operation(&file.path, &block, &mut file_errors) else { continue };
            let location = Location { file: &file.path, line: block.closing_line.number };
            document.add_operation(block.method, block.path, operation, location, &mut file_errors);
        }
        // Blocks are cut before they are read, so errors arrive out of line order; the sort is
        // stable, keeping the order of several errors on one line.
        file_errors.sort_by_key(|error| error.line);
        errors.append(&mut file_errors);
    }
    if errors.is_empty() {
        Ok(document.finish())
    } else {
        Err(ImportErrors(errors))
    }
}

/// Where something was first defined, for "defined twice" errors.
#[derive(Debug, Clone, Copy)]
struct Location<'a> {
    file: &'a str,
    line: usize,
}

/// The document as it grows, one operation at a time.
#[derive(Default)]
struct DocumentBuilder<'a> {
    /// Path items; serde_json keeps insertion order, which is the order paths were first seen.
    paths: Map<String, Value>,
    /// Every `METHOD /path` so far, with where it was defined.
    operations: Vec<(String, Location<'a>)>,
    schemas: Map<String, Value>,
    schema_locations: Vec<(String, Location<'a>)>,
}

impl<'a> DocumentBuilder<'a> {
    fn add_operation(
        &mut self,
        method: &str,
        path: &str,
        operation: Operation,
        location: Location<'a>,
        errors: &mut Vec<ImportError>,
    ) {
        let name = format!("{method} {path}");
        let mut error = |line: usize, message: String| {
            errors.push(ImportError { file: location.file.to_owned(), line, block: name.clone(), message })
        };
        if let Some((_, first)) = self.operations.iter().find(|(existing, _)| *existing == name) {
            error(
                location.line,
                format!("duplicate operation `{name}`; it is already defined at {}:{}", first.file, first.line),
            );
            return;
        }
        self.operations.push((name.clone(), location));

        if let Some(body) = &operation.request_body {
            let schema_location = Location { file: location.file, line: body.schema_name_line };
            match self.schemas.get(&body.schema_name) {
                Some(existing) if *existing != body.schema => {
                    let first = self
                        .schema_locations
                        .iter()
                        .find(|(schema_name, _)| *schema_name == body.schema_name)
                        .map(|(_, first)| format!("{}:{}", first.file, first.line))
                        .unwrap_or_default();
                    error(
                        body.schema_name_line,
                        format!(
                            "request body schema `{}` differs from its earlier definition at {first}",
                            body.schema_name
                        ),
                    );
                    return;
                }
                Some(_) => {}
                None => {
                    self.schemas.insert(body.schema_name.clone(), body.schema.clone());
                    self.schema_locations.push((body.schema_name.clone(), schema_location));
                }
            }
        }

        let path_item = self.paths.entry(path.to_owned()).or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(path_item) = path_item {
            path_item.insert(method.to_ascii_lowercase(), operation_object(operation));
        }
    }

    fn finish(self) -> Value {
        let mut document = Map::new();
        document.insert("openapi".to_owned(), "3.0.3".into());
        document.insert("info".to_owned(), json!({"title": "Imported endpoint documentation", "version": "0.0.0"}));
        document.insert("paths".to_owned(), Value::Object(self.paths));
        if !self.schemas.is_empty() {
            document.insert("components".to_owned(), json!({ "schemas": self.schemas }));
        }
        Value::Object(document)
    }
}

/// The OpenAPI operation object. `responses` is left empty: the docs give no status codes, so
/// the response lines wait in `x-docs-responses` for the overlay to assign them.
fn operation_object(operation: Operation) -> Value {
    let mut object = Map::new();
    object.insert("description".to_owned(), operation.description.into());
    if !operation.parameters.is_empty() {
        object.insert("parameters".to_owned(), Value::Array(operation.parameters));
    }
    if let Some(RequestBody { media_type, schema_name, .. }) = operation.request_body {
        let reference = format!("#/components/schemas/{schema_name}");
        let mut content = Map::new();
        content.insert(media_type, json!({ "schema": { "$ref": reference } }));
        object.insert("requestBody".to_owned(), json!({ "content": content }));
    }
    object.insert("responses".to_owned(), json!({}));
    object.insert("x-docs-responses".to_owned(), operation.responses.into());
    Value::Object(object)
}
