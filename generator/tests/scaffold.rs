//! The docs-page workflow of `cargo xtask spec --scaffold` on a fixture (`fixtures/scaffold/`):
//! a docs page of new operations and an overlay that covers one other; the scaffold appends
//! entries, the merge refuses their placeholders as a checklist, and once they are filled in
//! the spec loads, lowers, generates and compiles.

mod support;

use std::path::Path;

use generator::emit::{generate, CrateNames};
use generator::lower::load_and_lower;
use generator::overlay::scaffold::{scaffold, PLACEHOLDER};
use generator::source::SourceFile;
use generator::spec::{build_spec, SpecError};
use serde_json::Value;

const FIXTURES: &str = "tests/fixtures/scaffold";

/// A fixture file with its name as display path, so snapshots do not depend on where tests run.
fn fixture(name: &str) -> SourceFile {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join(name)).expect("fixture readable");
    SourceFile::new(name, text)
}

fn docs() -> Vec<SourceFile> {
    vec![fixture("persons.txt")]
}

fn scaffolded_overlay() -> SourceFile {
    let overlay = fixture("overlay.yaml");
    let scaffolded = scaffold(&docs(), &overlay).unwrap_or_else(|e| panic!("{e}"));
    SourceFile::new(overlay.path, scaffolded.text)
}

/// What a person does after the scaffold: each response line gets a status (200 for the first
/// line of an entry, then 404, 400, ...), each pagination pointer a pointer.
fn fill_placeholders(text: &str) -> String {
    const STATUSES: [&str; 4] = ["200", "404", "400", "403"];
    let mut next_status = 0;
    let mut filled = String::new();
    for line in text.lines() {
        if line.starts_with("  \"") {
            next_status = 0;
        }
        let field = line.trim_start();
        let value = if field.starts_with("- status:") {
            next_status += 1;
            STATUSES[(next_status - 1) % STATUSES.len()]
        } else if field.starts_with("items:") {
            "/data"
        } else if field.starts_with("next:") {
            "/additional_data/next"
        } else {
            "/additional_data/more_items"
        };
        filled.push_str(&line.replacen(PLACEHOLDER, value, 1));
        filled.push('\n');
    }
    filled
}

#[test]
fn entries_are_appended_in_docs_order_and_existing_text_is_kept() {
    let overlay = fixture("overlay.yaml");
    let scaffolded = scaffold(&docs(), &overlay).unwrap_or_else(|e| panic!("{e}"));
    let appended =
        scaffolded.text.strip_prefix(overlay.text.as_str()).expect("the original text is kept byte for byte");
    assert_eq!(
        scaffolded.added,
        [
            "DELETE /persons",
            "GET /persons",
            "POST /persons",
            "GET /persons/collection",
            "GET /persons/search",
            "DELETE /persons/{id}",
            "GET /persons/{id}",
            "PUT /persons/{id}",
            "GET /persons/{id}/fields",
            "GET /persons/{id}/followers",
            "POST /persons/{id}/followers",
        ]
    );
    insta::assert_snapshot!("appended", appended);
}

#[test]
fn running_it_twice_adds_nothing() {
    let once = scaffolded_overlay();
    let twice = scaffold(&docs(), &once).unwrap_or_else(|e| panic!("{e}"));
    assert!(twice.added.is_empty(), "added again: {:?}", twice.added);
    assert_eq!(twice.text, once.text);
}

#[test]
fn placeholders_are_refused_all_at_once_sorted_by_key_path() {
    let errors = match build_spec(&docs(), &scaffolded_overlay()) {
        Err(SpecError::Overlay(errors)) => errors,
        other => panic!("expected placeholder errors, got {other:?}"),
    };
    let paths: Vec<&str> = errors.0.iter().map(|error| error.at.as_str()).collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted);
    assert!(errors.0.iter().all(|error| error.message == "placeholder not filled in"), "{errors}");
    insta::assert_snapshot!("placeholder_errors", errors.to_string());
}

#[test]
fn one_placeholder_left_is_still_refused() {
    let filled = fill_placeholders(&scaffolded_overlay().text);
    let one_left = filled.replacen("items: /data", &format!("items: {PLACEHOLDER}"), 1);
    let error = build_spec(&docs(), &SourceFile::new("overlay.yaml", one_left)).expect_err("a placeholder is left");
    assert_eq!(
        error.to_string(),
        "overlay.yaml: at operations.\"GET /persons\".x-pagination.items: placeholder not filled in"
    );
}

/// The filled-in overlay gives a spec with the derived facts, which loads, lowers and generates.
fn filled_spec() -> String {
    let overlay = SourceFile::new("overlay.yaml", fill_placeholders(&scaffolded_overlay().text));
    build_spec(&docs(), &overlay).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn filled_placeholders_give_a_spec_with_the_derived_facts() {
    let spec: Value = serde_yaml::from_str(&filled_spec()).expect("the spec is YAML");
    let operation = |method: &str, path: &str| spec["paths"][path][method].clone();
    assert_eq!(operation("get", "/personFields")["operationId"], "getPersonFields");
    assert_eq!(operation("get", "/persons/{id}/fields")["operationId"], "getPersonFields2");
    assert_eq!(operation("post", "/persons")["operationId"], "addPerson");
    assert_eq!(operation("get", "/persons/search")["operationId"], "searchPersons");
    assert_eq!(operation("get", "/persons")["tags"], serde_json::json!(["Persons"]));
    assert_eq!(operation("get", "/persons")["security"], serde_json::json!([{"api_key": []}]));
    assert_eq!(
        operation("get", "/persons")["x-pagination"]["params"],
        serde_json::json!({"offset": "start", "limit": "limit"})
    );
    assert_eq!(operation("get", "/persons/collection")["x-pagination"]["style"], "cursor");
    assert_eq!(operation("get", "/persons/{id}")["responses"]["404"]["description"], "Not found");
}

#[test]
fn filled_spec_loads_lowers_and_generates() {
    let api = load_and_lower("scaffold.yaml", &filled_spec()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(api.operations.len(), 12);
    let files = generate(&api, &CrateNames::from_api_name("scaffold")).unwrap_or_else(|e| panic!("{e}"));
    assert!(!files.is_empty());
}

/// The generated crates compile without warnings, in the scratch workspace and target folder
/// `compile_fixtures.rs` uses (so dependencies build once for both). The spec is left beside
/// them as `openapi.yaml`, where `.ci/run` checks it with openapi-spec-validator.
#[test]
fn filled_spec_crates_compile() {
    let spec = filled_spec();
    let api = load_and_lower("scaffold.yaml", &spec).unwrap_or_else(|e| panic!("{e}"));
    let names = CrateNames::from_api_name("scaffold");
    let files = generate(&api, &names).unwrap_or_else(|e| panic!("{e}"));
    if let Err(errors) = support::check_in_scratch_workspace("scaffold-crates", vec![(names, files)]) {
        panic!("the scaffolded crates do not compile:\n{errors}");
    }
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scaffold-crates");
    std::fs::write(root.join("openapi.yaml"), spec).expect("the spec beside the crates");
}

/// Every prefix of the overlay (cut anywhere, so broken YAML and odd layouts too): the scaffold
/// returns an error or entries that read back, inserted without changing a byte of the text.
#[test]
fn no_panics_and_no_rewrites_on_cut_overlays() {
    let overlay = fixture("overlay.yaml");
    for (cut, _) in overlay.text.char_indices() {
        let given = &overlay.text[..cut];
        let Ok(scaffolded) = scaffold(&docs(), &SourceFile::new("overlay.yaml", given)) else { continue };
        // The result is the given text with one block inserted: what is left after the common
        // prefix and the block is the rest of the given text.
        let common = given.bytes().zip(scaffolded.text.bytes()).take_while(|(a, b)| a == b).count();
        let inserted = scaffolded.text.len() - given.len();
        assert_eq!(&scaffolded.text.as_bytes()[common + inserted..], &given.as_bytes()[common..], "cut at {cut}");
        if !scaffolded.added.is_empty() {
            let value: Value = serde_yaml::from_str(&scaffolded.text).expect("the scaffolded overlay is YAML");
            assert!(scaffolded.added.iter().all(|key| value["operations"].get(key).is_some()), "cut at {cut}");
        }
    }
}
