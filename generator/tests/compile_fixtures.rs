//! Generates the crates of every fixture spec into one scratch workspace and runs
//! `cargo check` on it, so emitted code is known to compile for every construct family (the
//! real spec's crates are compiled by the workspace itself, under `generated/`).
//!
//! The scratch workspace is `tests/support`'s: a target folder of its own (kept between runs, so
//! only the first run builds reqwest and friends) and the workspace's `Cargo.lock`, offline.

mod support;

use std::path::{Path, PathBuf};

use generator::emit::{generate, CrateNames};
use generator::lower::load_and_lower;

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/openapi");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml" || ext == "json"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn every_fixture_compiles_without_warnings() {
    let apis = fixtures()
        .into_iter()
        .map(|path| {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("fixture").replace('_', "-");
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let api = load_and_lower(&path.display().to_string(), &text).unwrap_or_else(|e| panic!("{e}"));
            let names = CrateNames::from_api_name(&stem);
            let files = generate(&api, &names).unwrap_or_else(|e| panic!("{e}"));
            (names, files)
        })
        .collect();
    if let Err(errors) = support::check_in_scratch_workspace("fixture-crates", apis) {
        panic!("the fixture crates do not compile:\n{errors}");
    }
}
