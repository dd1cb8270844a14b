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

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch directory under the system temp dir, removed on drop.
    struct Scratch(PathBuf);
    impl Scratch {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("xtask-files-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }
    }
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn plan(path: &str, contents: &str) -> PlannedFile {
        PlannedFile { path: PathBuf::from(path), contents: contents.to_string() }
    }

    #[test]
    fn check_mode_reports_a_diff_and_writes_nothing() {
        let dir = Scratch::new("check");
        std::fs::write(dir.0.join("a.txt"), "one\ntwo\n").unwrap();
        let planned = [plan("a.txt", "one\nthree\n"), plan("sub/b.txt", "new\n")];
        let drift = drift(&dir.0, &planned, &[]);
        assert_eq!(drift.changed.len(), 2);
        assert!(drift.changed[0].1.contains("-two\n+three\n"), "{}", drift.changed[0].1);
        assert_eq!(apply(&dir.0, &planned, &[], Mode::Check, "fix"), ExitCode::FAILURE);
        assert_eq!(std::fs::read_to_string(dir.0.join("a.txt")).unwrap(), "one\ntwo\n");
        assert!(!dir.0.join("sub/b.txt").exists());
    }

    #[test]
    fn write_mode_touches_only_changed_files_and_removes_stale_ones() {
        let dir = Scratch::new("write");
        std::fs::write(dir.0.join("same.txt"), "same\n").unwrap();
        std::fs::write(dir.0.join("old.txt"), "old\n").unwrap();
        let before = std::fs::metadata(dir.0.join("same.txt")).unwrap().modified().unwrap();
        let planned = [plan("same.txt", "same\n"), plan("sub/new.txt", "new\n")];
        let owned = [PathBuf::from("same.txt"), PathBuf::from("old.txt")];
        assert_eq!(apply(&dir.0, &planned, &owned, Mode::Write, "fix"), ExitCode::SUCCESS);
        assert_eq!(std::fs::read_to_string(dir.0.join("sub/new.txt")).unwrap(), "new\n");
        assert!(!dir.0.join("old.txt").exists());
        let after = std::fs::metadata(dir.0.join("same.txt")).unwrap().modified().unwrap();
        assert_eq!(before, after, "an unchanged file must not be rewritten");
        assert_eq!(drift(&dir.0, &planned, &[PathBuf::from("same.txt")]), Drift::default());
        assert_eq!(apply(&dir.0, &planned, &[], Mode::Check, "fix"), ExitCode::SUCCESS);
    }
}
