//! Overlay merge tests: merged documents and error messages over small fixtures
//! (`fixtures/overlay/`), and the real Pipedrive spec built from `spec/`.

use std::path::Path;

use generator::overlay;
use generator::source::SourceFile;
use serde_json::Value;

const FIXTURES: &str = "tests/fixtures/overlay";

/// The small importer-shaped document every fixture overlay is merged onto.
fn imported() -> Value {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("imported.yaml")).expect("fixture readable");
    serde_yaml::from_str(&text).expect("fixture is a JSON-compatible YAML document")
}

/// The overlay file with a stable display path (the fixture's name), so snapshots do not
/// depend on where the tests run.
fn overlay_source(path: &Path) -> SourceFile {
    let text = std::fs::read_to_string(path).expect("fixture readable");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    SourceFile::new(name, text)
}

#[test]
fn merged_documents() {
    insta::glob!("fixtures/overlay/merge/*.yaml", |path| {
        let mut doc = imported();
        overlay::apply(&mut doc, &overlay_source(path)).unwrap_or_else(|e| panic!("{e}"));
        insta::assert_snapshot!(serde_yaml::to_string(&doc).expect("serializable"));
    });
}

#[test]
fn error_messages_and_document_unchanged() {
    insta::glob!("fixtures/overlay/errors/*.yaml", |path| {
        let original = imported();
        let mut doc = original.clone();
        let errors = overlay::apply(&mut doc, &overlay_source(path)).expect_err("the fixture is broken on purpose");
        assert_eq!(doc, original, "the document changed although the merge failed");
        insta::assert_snapshot!(errors.to_string());
    });
}

#[test]
fn docs_responses_are_removed_and_responses_follow_docs_order() {
    let mut doc = imported();
    let source = overlay_source(&Path::new(FIXTURES).join("merge/full.yaml"));
    overlay::apply(&mut doc, &source).expect("full fixture merges");
    let operation = &doc["paths"]["/items/{id}"]["get"];
    assert!(operation.get("x-docs-responses").is_none());
    let statuses: Vec<&String> = operation["responses"].as_object().expect("responses map").keys().collect();
    // Docs lines first, in docs order; then the common responses the operation lacks (its own
    // 404 wins over the common one).
    assert_eq!(statuses, ["200", "404", "400", "401", "503"]);
    assert_eq!(operation["responses"]["404"]["description"], "Not found");
}

/// Every node of a valid overlay and of the imported document, replaced by a value of each
/// other YAML type: the merge must return (an error or a document), never panic.
#[test]
fn no_panics_on_any_node_type() {
    fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    pointers(item, format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")), out);
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    pointers(item, format!("{at}/{index}"), out);
                }
            }
            _ => {}
        }
        out.push(at);
    }
    let replacements =
        [Value::Null, Value::from(7), Value::from("text"), serde_json::json!([1]), serde_json::json!({"k": 1})];
    let overlay_text = std::fs::read_to_string(Path::new(FIXTURES).join("merge/full.yaml")).expect("fixture readable");
    let overlay: Value = serde_yaml::from_str(&overlay_text).expect("fixture parses");
    let mut overlay_pointers = Vec::new();
    pointers(&overlay, String::new(), &mut overlay_pointers);
    for pointer in &overlay_pointers {
        for replacement in &replacements {
            let mut mutated = overlay.clone();
            if let Some(node) = mutated.pointer_mut(pointer) {
                *node = replacement.clone();
            }
            let source = SourceFile::new("mutated.yaml", serde_yaml::to_string(&mutated).expect("serializable"));
            let mut doc = imported();
            let _ = overlay::apply(&mut doc, &source);
        }
    }
    let source = SourceFile::new("full.yaml", overlay_text);
    let mut doc_pointers = Vec::new();
    pointers(&imported(), String::new(), &mut doc_pointers);
    for pointer in &doc_pointers {
        for replacement in &replacements {
            let mut doc = imported();
            if let Some(node) = doc.pointer_mut(pointer) {
                *node = replacement.clone();
            }
            let before = doc.clone();
            if overlay::apply(&mut doc, &source).is_err() {
                assert_eq!(doc, before, "document changed on error (node {pointer})");
            }
        }
    }
}

/// The real spec: docs + overlay from `spec/`, through the same function `cargo xtask spec` uses.
mod real_spec {
    use super::*;

    fn build() -> Value {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let read = |relative: &str| {
            let text = std::fs::read_to_string(root.join(relative)).expect("spec source readable");
            SourceFile::new(relative, text)
        };
        let text = generator::spec::build_spec(&[read("spec/docs/pipedrive-v1.txt")], &read("spec/overlay.yaml"))
            .unwrap_or_else(|e| panic!("{e}"));
        serde_yaml::from_str(&text).expect("the spec is YAML")
    }

    fn operations(doc: &Value) -> Vec<(String, &Value)> {
        let mut out = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("path item") {
                out.push((format!("{} {path}", method.to_uppercase()), operation));
            }
        }
        out
    }

    #[test]
    fn every_operation_has_an_id_and_every_response_a_status_and_a_schema() {
        let doc = build();
        let operations = operations(&doc);
        assert_eq!(operations.len(), 50);
        for (name, operation) in &operations {
            assert!(operation["operationId"].is_string(), "{name} has no operationId");
            assert!(operation.get("x-docs-responses").is_none(), "{name} kept x-docs-responses");
            let responses = operation["responses"].as_object().expect("responses map");
            assert!(!responses.is_empty(), "{name} has no responses");
            for (status, response) in responses {
                assert!(status.parse::<u16>().is_ok(), "{name}: {status} is not a status code");
                let content = response["content"].as_object().expect("content");
                for (media_type, media) in content {
                    assert!(media.get("schema").is_some(), "{name} {status} {media_type} has no schema");
                }
            }
        }
        let authorize = &doc["paths"]["/oauth/authorize"]["get"]["responses"]["200"]["content"]["text/html"];
        assert_eq!(authorize["schema"]["type"], "string");
    }

    #[test]
    fn list_operations_have_pagination() {
        let doc = build();
        let expected = [
            ("GET /notes", "offset"),
            ("GET /notes/{id}/comments", "offset"),
            ("GET /organizations", "offset"),
            ("GET /organizations/search", "offset"),
            ("GET /organizationFields", "offset"),
            ("GET /organizations/{id}/activities", "offset"),
            ("GET /organizations/{id}/deals", "offset"),
            ("GET /organizations/{id}/files", "offset"),
            ("GET /organizations/{id}/flow", "offset"),
            ("GET /organizations/{id}/mailMessages", "offset"),
            ("GET /organizations/{id}/persons", "offset"),
            ("GET /permissionSets/{id}/assignments", "offset"),
            ("GET /organizations/collection", "cursor"),
            ("GET /organizations/{id}/changelog", "cursor"),
        ];
        let operations = operations(&doc);
        for (name, style) in expected {
            let operation = operations.iter().find(|(n, _)| n == name).map(|(_, op)| *op).expect(name);
            assert_eq!(operation["x-pagination"]["style"], style, "{name}");
        }
        let paginated: Vec<&str> =
            operations.iter().filter(|(_, op)| op.get("x-pagination").is_some()).map(|(n, _)| n.as_str()).collect();
        assert_eq!(paginated.len(), expected.len(), "unexpected paginated operations: {paginated:?}");
    }
}
