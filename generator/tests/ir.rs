//! The IR of each fixture spec, snapshotted; the error messages of each error fixture,
//! snapshotted; determinism; and the IR of the project's real spec.

use std::path::Path;

use generator::lower::load_and_lower;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
}

fn display_name(path: &Path) -> String {
    format!("fixtures/{}", path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
}

#[test]
fn fixture_ir() {
    insta::glob!("fixtures/openapi/*.{yaml,json}", |path| {
        let text = read(path);
        match load_and_lower(&display_name(path), &text) {
            Ok(api) => insta::assert_debug_snapshot!(api),
            Err(error) => panic!("{} should lower:\n{error}", path.display()),
        }
    });
}

#[test]
fn error_fixture_messages() {
    insta::glob!("fixtures/openapi-errors/*.{yaml,json}", |path| {
        let text = read(path);
        match load_and_lower(&display_name(path), &text) {
            Ok(api) => panic!("{} should fail, lowered to {} operations", path.display(), api.operations.len()),
            Err(error) => insta::assert_snapshot!(error.to_string()),
        }
    });
}

#[test]
fn lowering_is_deterministic() {
    insta::glob!("fixtures/openapi/*.{yaml,json}", |path| {
        let text = read(path);
        let first = load_and_lower("first", &text).map_err(|e| e.to_string());
        let second = load_and_lower("first", &text).map_err(|e| e.to_string());
        assert_eq!(first, second, "{}", path.display());
        assert_eq!(format!("{first:#?}"), format!("{second:#?}"), "{}", path.display());
    });
}
