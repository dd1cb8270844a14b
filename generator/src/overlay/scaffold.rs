//! `cargo xtask spec --scaffold`: an overlay entry for every docs operation that has none, with
//! what the docs and the overlay give (operationId, tag, security, one response per docs
//! response line, a proposed `x-pagination`) and [`PLACEHOLDER`] for each fact a person must
//! supply. The entries are inserted as text at the end of the `operations` block, so the rest
//! of the overlay, comments included, stays byte for byte. The merge refuses an overlay with
//! placeholders left ([`placeholders`]), naming each one's key path.

mod names;
mod text;

use serde_json::{Map, Value};

pub use names::{operation_id, singular, tag, Claimed, OperationIds};

use super::node::{kind, KeyPath};
use super::{parse_operation_key, Merge, OverlayError, OverlayErrors, DOCS_RESPONSES};
use crate::docs::{self, ImportErrors};
use crate::source::SourceFile;

/// Stands for a fact the scaffold cannot derive. No overlay key accepts it as a value, so one
/// left behind can never pass for a fact.
pub const PLACEHOLDER: &str = "FILL-IN";

/// The overlay with the scaffolded entries in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scaffold {
    /// The whole overlay text: the original, byte for byte, with the entries inserted.
    pub text: String,
    /// The `METHOD /path` keys of the added entries, in docs order (empty: nothing to add).
    pub added: Vec<String>,
}

/// Why no entries could be scaffolded: the docs do not import, or the overlay cannot be read
/// or appended to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScaffoldError {
    #[error("{0}")]
    Docs(#[from] ImportErrors),
    #[error("{0}")]
    Overlay(#[from] OverlayErrors),
}

/// Adds an entry to `overlay` for every operation of `docs_files` it lacks, in docs order
/// (paths in first-seen order, each path's methods in block order). Running it on its own
/// output adds nothing.
pub fn scaffold(docs_files: &[SourceFile], overlay: &SourceFile) -> Result<Scaffold, ScaffoldError> {
    let document = docs::import(docs_files)?;
    let existing = Existing::read(overlay)?;
    let entries = plan_entries(&document, &existing);
    if entries.is_empty() {
        return Ok(Scaffold { text: overlay.text.clone(), added: Vec::new() });
    }
    let text = insert_entries(overlay, &existing, &entries)?;
    Ok(Scaffold { text, added: entries.into_iter().map(|entry| entry.key).collect() })
}

/// The key paths of the placeholders left in an overlay document, sorted.
pub(super) fn placeholders(overlay: &Value) -> Vec<String> {
    let mut found = Vec::new();
    collect_placeholders(overlay, &KeyPath::root(), &mut found);
    found.sort();
    found.dedup();
    found
}

fn collect_placeholders(value: &Value, at: &KeyPath, found: &mut Vec<String>) {
    match value {
        Value::String(text) if text.trim() == PLACEHOLDER => found.push(at.render()),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                collect_placeholders(item, &at.index(index), found);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                collect_placeholders(item, &at.key(key), found);
            }
        }
        _ => {}
    }
}

/// One entry to write, everything derived.
#[derive(Debug, Clone)]
struct Entry {
    /// `METHOD /path`.
    key: String,
    operation_id: String,
    /// The derived id and the operation that already had it, when the id had to be numbered.
    renamed_from: Option<(String, String)>,
    tag: Option<String>,
    /// False when the overlay has a top-level `tags` list without this tag.
    tag_listed: bool,
    security: Option<Value>,
    pagination: Option<PaginationProposal>,
    /// The docs response lines, one placeholder status each.
    responses: Vec<String>,
}

/// The `x-pagination` the docs parameters suggest; the pointers are for a person to give.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PaginationProposal {
    style: &'static str,
    /// (role, docs query parameter), e.g. (`offset`, `start`).
    params: Vec<(&'static str, String)>,
}

/// What the docs say about one operation, as far as the scaffold needs it.
#[derive(Debug, Clone)]
struct DocsOperation {
    method: String,
    path: String,
    query_parameters: Vec<String>,
    responses: Vec<String>,
}

/// What the scaffold reads from the overlay as it is.
#[derive(Debug, Default)]
struct Existing {
    /// (method, path) of every entry.
    covered: Vec<(String, String)>,
    /// Every entry's operationId, with its `METHOD /path`.
    operation_ids: Vec<(String, String)>,
    /// The tags in use (top-level list, then entries), whose spelling new entries reuse.
    known_tags: Vec<String>,
    /// The top-level `tags` list's names, if the overlay has one.
    listed_tags: Option<Vec<String>>,
    /// The document's default security, when most entries state their security.
    security: Option<Value>,
    has_operations: bool,
}

impl Existing {
    fn read(overlay: &SourceFile) -> Result<Self, OverlayErrors> {
        let mut merge = Merge::new(&overlay.path);
        let root = merge.parse(&overlay.text).map(|value| merge.overlay_map(value)).unwrap_or_default();
        let entries = merge.operations_map(&root);
        if !merge.errors.is_empty() {
            return Err(OverlayErrors(merge.errors));
        }
        let listed_tags = root.get("tags").and_then(Value::as_array).map(|tags| {
            tags.iter().filter_map(|tag| tag.get("name").and_then(Value::as_str).map(str::to_owned)).collect::<Vec<_>>()
        });
        let entry_tags = entries.values().filter_map(|entry| entry.get("tags")?.as_array()).flatten();
        let mut known_tags = listed_tags.clone().unwrap_or_default();
        known_tags.extend(entry_tags.filter_map(Value::as_str).map(str::to_owned));
        Ok(Existing {
            covered: entries.keys().filter_map(|key| parse_operation_key(key)).collect(),
            operation_ids: operation_ids(&entries),
            known_tags,
            listed_tags,
            security: default_security(&root, &entries),
            has_operations: root.contains_key("operations"),
        })
    }

    fn covers(&self, operation: &DocsOperation) -> bool {
        self.covered.iter().any(|(method, path)| *method == operation.method && *path == operation.path)
    }
}

impl Merge<'_> {
    /// The overlay document as a map; an empty file is an empty map.
    fn overlay_map(&mut self, value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            other => {
                self.error_at(
                    &KeyPath::root(),
                    format!("expected the overlay document (a map), found {}", kind(&other)),
                );
                Map::new()
            }
        }
    }

    /// The `operations` entries; absent or empty is none.
    fn operations_map(&mut self, root: &Map<String, Value>) -> Map<String, Value> {
        match root.get("operations") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(entries)) => entries.clone(),
            Some(other) => {
                let message = format!("expected operations keyed by `METHOD /path` (a map), found {}", kind(other));
                self.error_at(&KeyPath::root().key("operations"), message);
                Map::new()
            }
        }
    }
}

fn operation_ids(entries: &Map<String, Value>) -> Vec<(String, String)> {
    entries
        .iter()
        .filter_map(|(key, entry)| Some((entry.get("operationId")?.as_str()?.to_owned(), key.clone())))
        .collect()
}

/// The document's `security`, when more than half of the entries state their own: new entries
/// then state it too; otherwise they leave it to the document default.
fn default_security(root: &Map<String, Value>, entries: &Map<String, Value>) -> Option<Value> {
    let stating = entries.values().filter(|entry| entry.get("security").is_some()).count();
    (stating * 2 > entries.len()).then(|| root.get("security").cloned()).flatten()
}

/// Every operation of the imported document, in its order.
fn docs_operations(document: &Value) -> Vec<DocsOperation> {
    let Some(paths) = document.get("paths").and_then(Value::as_object) else { return Vec::new() };
    let mut operations = Vec::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().into_iter().flatten() {
            operations.push(DocsOperation {
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                query_parameters: query_parameters(operation),
                responses: strings(operation.get(DOCS_RESPONSES)),
            });
        }
    }
    operations
}

fn query_parameters(operation: &Value) -> Vec<String> {
    let parameters = operation.get("parameters").and_then(Value::as_array).into_iter().flatten();
    parameters
        .filter(|parameter| parameter.get("in").and_then(Value::as_str) == Some("query"))
        .filter_map(|parameter| parameter.get("name").and_then(Value::as_str).map(str::to_owned))
        .collect()
}

fn strings(value: Option<&Value>) -> Vec<String> {
    let items = value.and_then(Value::as_array).into_iter().flatten();
    items.filter_map(Value::as_str).map(str::to_owned).collect()
}

/// An entry for each docs operation the overlay lacks, ids unique across both.
fn plan_entries(document: &Value, existing: &Existing) -> Vec<Entry> {
    let mut ids = OperationIds::new(existing.operation_ids.clone());
    docs_operations(document)
        .into_iter()
        .filter(|operation| !existing.covers(operation))
        .map(|operation| entry(operation, existing, &mut ids))
        .collect()
}

fn entry(operation: DocsOperation, existing: &Existing, ids: &mut OperationIds) -> Entry {
    let key = format!("{} {}", operation.method, operation.path);
    let wanted = operation_id(&operation.method, &operation.path);
    let claimed = ids.claim(&wanted, &key);
    let tag = tag(&operation.path, &existing.known_tags);
    let tag_listed = match (&existing.listed_tags, &tag) {
        (Some(listed), Some(tag)) => listed.contains(tag),
        _ => true,
    };
    Entry {
        renamed_from: claimed.taken_by.map(|(_, owner)| (wanted, owner)),
        operation_id: claimed.id,
        tag,
        tag_listed,
        security: existing.security.clone(),
        pagination: propose_pagination(&operation.query_parameters),
        responses: operation.responses,
        key,
    }
}

/// Offset style when the docs list a `start` query parameter, cursor style for `cursor` (which
/// wins when both are listed), with `limit` when it is listed too.
fn propose_pagination(query_parameters: &[String]) -> Option<PaginationProposal> {
    let listed = |name: &str| query_parameters.iter().any(|parameter| parameter == name);
    let (style, position) = if listed("cursor") {
        ("cursor", ("cursor", "cursor".to_owned()))
    } else if listed("start") {
        ("offset", ("offset", "start".to_owned()))
    } else {
        return None;
    };
    let mut params = vec![position];
    if listed("limit") {
        params.push(("limit", "limit".to_owned()));
    }
    Some(PaginationProposal { style, params })
}

/// The overlay text with the rendered entries at the end of its `operations` block, checked by
/// reading it back.
fn insert_entries(overlay: &SourceFile, existing: &Existing, entries: &[Entry]) -> Result<String, OverlayErrors> {
    let error = |message: String| {
        OverlayErrors(vec![OverlayError { file: overlay.path.clone(), at: "operations".to_owned(), message }])
    };
    let point = text::insertion_point(&overlay.text).map_err(error)?;
    if point.needs_key && existing.has_operations {
        return Err(error(
            "the overlay has `operations`, but no `operations:` line at the start of a line to append entries under"
                .to_owned(),
        ));
    }
    let new_text = text::insert(&overlay.text, &point, &text::render_entries(entries, &point.indent));
    read_back(overlay, &new_text, entries).map_err(error)?;
    Ok(new_text)
}

/// Every scaffolded key must read back as an entry of `operations`, so that an overlay laid out
/// in a way the insertion does not foresee is refused rather than written broken.
fn read_back(overlay: &SourceFile, text: &str, entries: &[Entry]) -> Result<(), String> {
    let mut merge = Merge::new(&overlay.path);
    let value = merge.parse(text);
    let operations = value.as_ref().and_then(|value| value.get("operations")).and_then(Value::as_object);
    let landed = |entry: &Entry| operations.is_some_and(|operations| operations.contains_key(&entry.key));
    match merge.errors.first() {
        None if entries.iter().all(landed) => Ok(()),
        first => Err(format!(
            "the scaffolded entries do not read back as entries of `operations`{}; the overlay is laid out in a \
             way the scaffold cannot append to, so nothing was written",
            first.map(|error| format!(" ({}: {})", error.at, error.message)).unwrap_or_default()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &str) -> Vec<SourceFile> {
        vec![SourceFile::new("docs.txt", text)]
    }

    const DOCS: &str = "/items\nReturns all items.\n| Name | In | Required | Type | Description |\n\
        |---|---|---|---|---|\n| cursor | query | optional | string | Where to start |\n\
        | limit | query | optional | integer | Page size |\nSuccess\nGET /items\n\
        /items/{id}\nReturns one item.\n| Name | In | Required | Type | Description |\n|---|---|---|---|---|\n\
        | id | path | required | integer | The id |\nSuccess\nNot found\nGET /items/{id}\n";

    #[test]
    fn entries_are_appended_once() {
        let overlay = SourceFile::new("overlay.yaml", "security: [{key: []}]\noperations:\n");
        let first = scaffold(&docs(DOCS), &overlay).unwrap();
        assert_eq!(first.added, ["GET /items", "GET /items/{id}"]);
        assert!(first.text.starts_with(&overlay.text));
        // No entry states security, so the new ones leave it to the document default.
        assert!(!first.text.contains("    security:"), "{}", first.text);
        let again = scaffold(&docs(DOCS), &SourceFile::new("overlay.yaml", first.text.clone())).unwrap();
        assert_eq!(again, Scaffold { text: first.text, added: Vec::new() });
    }

    #[test]
    fn placeholders_are_found_by_key_path() {
        let overlay = SourceFile::new("overlay.yaml", "operations:\n");
        let scaffolded = scaffold(&docs(DOCS), &overlay).unwrap();
        let value: Value = serde_yaml::from_str(&scaffolded.text).unwrap();
        assert_eq!(
            placeholders(&value),
            [
                "operations.\"GET /items\".responses[0].status",
                "operations.\"GET /items\".x-pagination.has_more",
                "operations.\"GET /items\".x-pagination.items",
                "operations.\"GET /items\".x-pagination.next",
                "operations.\"GET /items/{id}\".responses[0].status",
                "operations.\"GET /items/{id}\".responses[1].status",
            ]
        );
    }

    #[test]
    fn security_is_stated_when_most_entries_state_theirs() {
        let text = "security: [{key: []}]\noperations:\n  \"GET /items\":\n    operationId: list\n    security: []\n";
        let scaffolded = scaffold(&docs(DOCS), &SourceFile::new("overlay.yaml", text)).unwrap();
        assert_eq!(scaffolded.added, ["GET /items/{id}"]);
        assert!(scaffolded.text.contains("    security: [{key: []}]\n"), "{}", scaffolded.text);
    }

    #[test]
    fn pagination_follows_the_docs_parameters() {
        let names = |names: &[&str]| names.iter().map(|name| (*name).to_owned()).collect::<Vec<_>>();
        let offset = propose_pagination(&names(&["start", "limit", "sort"])).unwrap();
        assert_eq!(offset.style, "offset");
        assert_eq!(offset.params, [("offset", "start".to_owned()), ("limit", "limit".to_owned())]);
        let cursor = propose_pagination(&names(&["cursor", "start"])).unwrap();
        assert_eq!((cursor.style, cursor.params), ("cursor", vec![("cursor", "cursor".to_owned())]));
        assert_eq!(propose_pagination(&names(&["limit"])), None);
    }

    #[test]
    fn unreadable_overlays_are_errors_naming_file_and_key_path() {
        let cases = [
            (
                "operations: [1]\n",
                "overlay.yaml: at operations: expected operations keyed by `METHOD /path` (a map), found a list",
            ),
            ("- 1\n", "overlay.yaml: at (document root): expected the overlay document (a map), found a list"),
            ("operations: {}\n", "overlay.yaml: at operations: `operations:` is followed by `{}` on its line"),
            (
                "\"operations\":\n  \"GET /x\": {}\n",
                "overlay.yaml: at operations: the overlay has `operations`, but no",
            ),
            ("a: [\n", "overlay.yaml: at line 2: the overlay is not valid YAML"),
        ];
        for (text, expected) in cases {
            let error = scaffold(&docs(DOCS), &SourceFile::new("overlay.yaml", text)).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{text:?} gave {error}");
        }
    }

    #[test]
    fn docs_errors_are_reported() {
        let error = scaffold(&docs("/items\n"), &SourceFile::new("overlay.yaml", "")).unwrap_err();
        assert!(matches!(error, ScaffoldError::Docs(_)), "{error}");
    }
}
