//! Writing generated files, or checking that the checked-in ones are fresh.
//!
//! Files are written only when their contents change (so unchanged output triggers no rebuild),
//! files the generator no longer produces are removed, and `--check` prints a unified diff and
//! the fixing command instead of writing.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use similar::TextDiff;

/// A file the generator wants on disk, relative to the workspace root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    pub path: PathBuf,
    pub contents: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

/// What is different between the plan and the disk.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drift {
    pub changed: Vec<(PathBuf, String)>,
    pub removed: Vec<PathBuf>,
}

/// Compares `planned` (and the files in `owned`, which must all be in the plan) with the disk.
/// `owned` lists the files currently on disk that the generator owns; those not planned any more
/// are to be removed.
pub fn drift(root: &Path, planned: &[PlannedFile], owned: &[PathBuf]) -> Drift {
    let mut drift = Drift::default();
    for file in planned {
        let current = std::fs::read_to_string(root.join(&file.path)).unwrap_or_default();
        if current != file.contents {
            let diff = TextDiff::from_lines(&current, &file.contents)
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{}", file.path.display()), &format!("b/{}", file.path.display()))
                .to_string();
            drift.changed.push((file.path.clone(), diff));
        }
    }
    for path in owned {
        if !planned.iter().any(|f| &f.path == path) {
            drift.removed.push(path.clone());
        }
    }
    drift
}

/// Applies the plan in `mode`, reporting to stdout/stderr. Returns the process exit code.
pub fn apply(root: &Path, planned: &[PlannedFile], owned: &[PathBuf], mode: Mode, fix: &str) -> ExitCode {
    let drift = drift(root, planned, owned);
    match mode {
        Mode::Check => {
            if drift == Drift::default() {
                println!("{} files are up to date.", planned.len());
                return ExitCode::SUCCESS;
            }
            for (_, diff) in &drift.changed {
                print!("{diff}");
            }
            for path in &drift.removed {
                println!("stale file (no longer generated): {}", path.display());
            }
            eprintln!(
                "error: {} generated file(s) are stale. Run `{fix}` and commit the result.",
                drift.changed.len() + drift.removed.len()
            );
            ExitCode::FAILURE
        }
        Mode::Write => {
            for (path, _) in &drift.changed {
                let full = root.join(path);
                if let Some(parent) = full.parent() {
                    if let Err(e) = std::fs::create_dir_all(parent) {
                        eprintln!("error: cannot create {}: {e}", parent.display());
                        return ExitCode::FAILURE;
                    }
                }
                let contents = &planned.iter().find(|f| &f.path == path).expect("planned").contents;
                if let Err(e) = std::fs::write(&full, contents) {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
                println!("wrote   {}", path.display());
            }
            for path in &drift.removed {
                if let Err(e) = std::fs::remove_file(root.join(path)) {
                    eprintln!("error: cannot remove {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
                println!("removed {}", path.display());
            }
            if drift == Drift::default() {
                println!("{} files are up to date.", planned.len());
            }
            ExitCode::SUCCESS
        }
    }
}
