//! Documents split over files (`generator::load::load_file`): the lowered IR of a document
//! spread over many files, snapshotted (with its warnings, which name their files); the error
//! messages of references that are refused or lead nowhere; and a ref root that widens what
//! may be read.

use std::path::{Path, PathBuf};

use generator::load::FileOptions;
use generator::lower::load_and_lower_file;

fn fixture(case: &str) -> PathBuf {
    Path::new("tests/fixtures/multi-file").join(case).join("openapi.yaml")
}

fn refusal(case: &str, options: &FileOptions) -> String {
    match load_and_lower_file(&fixture(case), options) {
        Ok(api) => panic!("{case} should be refused, lowered to {} operations", api.operations.len()),
        Err(error) => error.to_string(),
    }
}

#[test]
fn a_document_over_files_lowers() {
    let api = load_and_lower_file(&fixture("pets"), &FileOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    insta::assert_debug_snapshot!(api);
}

#[test]
fn loading_over_files_is_deterministic() {
    let first = load_and_lower_file(&fixture("pets"), &FileOptions::default()).map_err(|e| e.to_string());
    let second = load_and_lower_file(&fixture("pets"), &FileOptions::default()).map_err(|e| e.to_string());
    assert_eq!(format!("{first:#?}"), format!("{second:#?}"));
}

#[test]
fn a_document_over_files_generates() {
    let api = load_and_lower_file(&fixture("pets"), &FileOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let names = generator::emit::CrateNames::from_api_name("pets");
    generator::emit::generate(&api, &names).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_reference_out_of_the_folder_is_refused() {
    insta::assert_snapshot!(refusal("refused/escape", &FileOptions::default()));
}

#[test]
fn a_ref_root_widens_the_folder() {
    let options = FileOptions { ref_root: Some(PathBuf::from("tests/fixtures/multi-file/refused")) };
    let api = load_and_lower_file(&fixture("refused/escape"), &options).unwrap_or_else(|e| panic!("{e}"));
    assert!(api.types.keys().any(|id| id.0 == "Outside"), "{:#?}", api.types);
}

#[test]
fn a_remote_reference_is_refused() {
    insta::assert_snapshot!(refusal("refused/remote", &FileOptions::default()));
}

#[test]
fn broken_references_name_the_referring_file() {
    insta::assert_snapshot!(refusal("refused/broken", &FileOptions::default()));
}

#[test]
fn a_mapping_into_a_missing_file_is_refused() {
    insta::assert_snapshot!(refusal("refused/mapping", &FileOptions::default()));
}

#[test]
fn references_that_only_lead_to_each_other_are_refused() {
    insta::assert_snapshot!(refusal("refused/cycles", &FileOptions::default()));
}

#[test]
fn a_document_without_other_files_loads_as_from_its_text() {
    let path = Path::new("tests/fixtures/openapi/refs.yaml");
    let text = std::fs::read_to_string(path).expect("fixture");
    let from_text = generator::lower::load_and_lower(&path.display().to_string(), &text).map_err(|e| e.to_string());
    let from_file = load_and_lower_file(path, &FileOptions::default()).map_err(|e| e.to_string());
    assert_eq!(format!("{from_text:#?}"), format!("{from_file:#?}"));
}

#[test]
fn schemas_that_are_only_each_others_alias_are_refused() {
    insta::assert_snapshot!(refusal("refused/aliases", &FileOptions::default()));
}

/// Maps of properties given by `$ref` to the next file, each copied in place two levels deeper:
/// the joined document crosses the loader's nesting limit although no file does.
#[test]
fn the_joined_files_count_against_the_nesting_limit() {
    let folder = std::env::temp_dir().join(format!("generator-multi-file-nesting-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).expect("scratch folder");
    let root = "openapi: 3.0.3\ninfo: {title: Deep, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Deep:\n      type: object\n      properties:\n        $ref: '0.yml'\n";
    std::fs::write(folder.join("openapi.yaml"), root).expect("root");
    for level in 0..40 {
        let file = format!("next:\n  type: object\n  properties:\n    $ref: '{}.yml'\n", level + 1);
        std::fs::write(folder.join(format!("{level}.yml")), file).expect("file");
    }
    std::fs::write(folder.join("40.yml"), "end: {type: string}\n").expect("file");
    let error = load_and_lower_file(&folder.join("openapi.yaml"), &FileOptions::default()).expect_err("too deep");
    let message = error.to_string();
    assert!(message.contains("nests deeper than 64 levels once its files are joined"), "{message}");
}

#[test]
fn a_yaml_quirk_in_a_schema_of_another_file_is_refused() {
    insta::assert_snapshot!(refusal("refused/quirk", &FileOptions::default()));
}

/// Hoisted components are named from the component or the file's stem; a root component that
/// is only a `$ref` gives its name to the target, a section given by a file keeps its entries'
/// names; two files with one stem are told apart by depth, then path.
#[test]
fn hoisted_components_are_named_after_themselves() {
    let loaded =
        generator::load::load_file(&fixture("pets"), &FileOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let components = loaded.doc.components.expect("components");
    let mut schemas: Vec<&str> = components.schemas.keys().map(String::as_str).collect();
    schemas.sort();
    assert_eq!(schemas, ["Error", "Owner", "Tag", "label", "pet", "pet_2"]);
    let mut responses: Vec<&str> = components.responses.keys().map(String::as_str).collect();
    responses.sort();
    assert_eq!(responses, ["Error", "NotFound", "PetCreated"]);
    let pet = format!("{:?}", components.schemas["pet"]);
    assert!(pet.contains("\"owner\"") && pet.contains("\"label\""), "{pet}");
}

#[test]
fn an_openapi_3_1_document_over_files_lowers() {
    let api = load_and_lower_file(&fixture("v31"), &FileOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    insta::assert_debug_snapshot!(api);
}

/// A path item given by a file that is only a `$ref` to the next, thousands of times: each is
/// copied in place, and the chain is cut at the nesting limit instead of exhausting the stack.
#[test]
fn a_long_chain_of_references_copied_in_place_is_bounded() {
    let folder = std::env::temp_dir().join(format!("generator-multi-file-chain-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).expect("scratch folder");
    let root = "openapi: 3.0.3\ninfo: {title: Chain, version: '1'}\npaths:\n  /a:\n    $ref: '0.yml'\n";
    std::fs::write(folder.join("openapi.yaml"), root).expect("root");
    for link in 0..5000 {
        std::fs::write(folder.join(format!("{link}.yml")), format!("$ref: '{}.yml'\n", link + 1)).expect("file");
    }
    std::fs::write(folder.join("5000.yml"), "get: {responses: {'204': {description: done}}}\n").expect("file");
    let error = load_and_lower_file(&folder.join("openapi.yaml"), &FileOptions::default()).expect_err("too long");
    let message = error.to_string();
    assert!(message.contains("more than 64 references in a row are copied in place"), "{message}");
}

/// A Swagger 2.0 document is refused for its version before any of its references is followed,
/// also when they name its own file (`schema-circular.json#/definitions/node`).
#[test]
fn a_document_of_another_version_is_refused_for_its_version_first() {
    let folder = std::env::temp_dir().join(format!("generator-multi-file-swagger-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).expect("scratch folder");
    let root = "swagger: '2.0'\ninfo: {title: Old, version: '1'}\npaths: {}\ndefinitions:\n  node:\n    type: object\n    properties:\n      children:\n        type: array\n        items: {$ref: 'old.yaml#/definitions/node'}\n";
    std::fs::write(folder.join("old.yaml"), root).expect("root");
    let error = load_and_lower_file(&folder.join("old.yaml"), &FileOptions::default()).expect_err("Swagger 2.0");
    let message = error.to_string();
    assert!(message.contains("version `2.0` is not supported"), "{message}");
    std::fs::remove_dir_all(&folder).expect("scratch folder removed");
}
