//! Shared by the tests that compile generated crates: a scratch workspace under the test
//! target folder, checked with one target folder of its own (kept between runs and tests, so
//! dependencies build once) and the workspace's `Cargo.lock`, so it works offline.

use std::path::Path;
use std::process::Command;

use generator::emit::{CrateNames, GeneratedFile};

/// Writes each API's generated files into the scratch workspace `name` (emptied first) and
/// runs `cargo check --all-targets` on it with warnings denied. Err holds cargo's errors.
pub fn check_in_scratch_workspace(name: &str, apis: Vec<(CrateNames, Vec<GeneratedFile>)>) -> Result<(), String> {
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let root = scratch.join(name);
    let _ = std::fs::remove_dir_all(&root);
    let mut members = Vec::new();
    for (names, files) in apis {
        for file in files {
            let full = root.join(&file.path);
            std::fs::create_dir_all(full.parent().expect("files are in crate folders")).expect("scratch folder");
            std::fs::write(&full, file.contents).expect("scratch file");
        }
        members.push(format!("\"{}\", \"{}\", \"{}\"", names.types, names.client, names.server));
    }
    let manifest = format!("[workspace]\nresolver = \"2\"\nmembers = [{}]\n", members.join(", "));
    std::fs::write(root.join("Cargo.toml"), manifest).expect("scratch manifest");
    let _ = std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock"), root.join("Cargo.lock"));
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(["check", "--workspace", "--all-targets", "--quiet", "--offline"])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", scratch.join("fixture-crates-target"))
        .env("RUSTFLAGS", "-D warnings")
        .output()
        .expect("cargo runs");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}
