//! Generates the crates of every fixture spec into one scratch workspace and runs
//! `cargo check` on it, so emitted code is known to compile for every construct family (the
//! real spec's crates are compiled by the workspace itself, under `generated/`).
//!
//! The scratch workspace has a target folder of its own (kept between runs, so only the first
//! run builds reqwest and friends) and uses the workspace's `Cargo.lock`, so it works offline.

use std::path::{Path, PathBuf};
use std::process::Command;

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
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let root = scratch.join("fixture-crates");
    let _ = std::fs::remove_dir_all(&root);
    let mut members = Vec::new();
    for path in fixtures() {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("fixture").replace('_', "-");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let api = load_and_lower(&path.display().to_string(), &text).unwrap_or_else(|e| panic!("{e}"));
        let names = CrateNames::from_api_name(&stem);
        for file in generate(&api, &names).unwrap_or_else(|e| panic!("{e}")) {
            let full = root.join(&file.path);
            std::fs::create_dir_all(full.parent().expect("files are in crate folders")).expect("scratch folder");
            std::fs::write(&full, file.contents).expect("scratch file");
        }
        members.push(format!("\"{}\", \"{}\", \"{}\"", names.types, names.client, names.server));
    }
    let manifest = format!("[workspace]\nresolver = \"2\"\nmembers = [{}]\n", members.join(", "));
    std::fs::write(root.join("Cargo.toml"), manifest).expect("scratch manifest");
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
    let _ = std::fs::copy(lock, root.join("Cargo.lock"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["check", "--workspace", "--all-targets", "--quiet", "--offline"])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", scratch.join("fixture-crates-target"))
        .env("RUSTFLAGS", "-D warnings")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "the fixture crates do not compile:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
