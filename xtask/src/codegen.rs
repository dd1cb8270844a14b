//! `cargo xtask codegen`: docs → spec → IR → generated crates, for every target or one ad-hoc
//! spec. Everything is built in memory first; nothing is written unless every step succeeded.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use generator::emit::CrateNames;
use generator::ir::Api;
use generator::load::FileOptions;

use crate::files::PlannedFile;
use crate::targets;
use crate::warnings::Reporter;

/// The files of one codegen run, and the folders whose files the run owns (stale files there
/// are removed).
pub struct Plan {
    pub files: Vec<PlannedFile>,
    pub owned_dirs: Vec<PathBuf>,
}

impl Plan {
    /// The files currently on disk under the owned folders, relative to `root`.
    pub fn owned_files(&self, root: &Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for dir in &self.owned_dirs {
            collect_files(root, dir, &mut found);
        }
        found.sort();
        found
    }
}

fn collect_files(root: &Path, relative: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root.join(relative)) else { return };
    for entry in entries.flatten() {
        let path = relative.join(entry.file_name());
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => collect_files(root, &path, found),
            Ok(_) => found.push(path),
            Err(_) => {}
        }
    }
}

/// Every target of `spec/targets.yaml`: its spec file and its crates.
pub fn plan_targets(root: &Path, reporter: &Reporter) -> Result<Plan> {
    let mut plan = Plan { files: Vec::new(), owned_dirs: Vec::new() };
    for target in &targets::load(root)? {
        let (text, derived) = match crate::plan_spec(root, target)? {
            Some(spec) => (spec.contents.clone(), Some(spec)),
            None => (targets::read_source(root, &target.spec)?.text, None),
        };
        let names = CrateNames {
            types: target.crates.types.clone(),
            client: target.crates.client.clone(),
            server: target.crates.server.clone(),
        };
        let out = PathBuf::from(&target.out);
        add_crates(&mut plan, &target.spec, &text, &names, &out, reporter)?;
        plan.files.extend(derived);
    }
    Ok(plan)
}

/// One spec file to crates under `out`, named `NAME-types`, `NAME-client` and `NAME-server`.
/// The spec is read from its file, so its `$ref`s to other files are followed (within `files`).
pub fn plan_ad_hoc(spec: &Path, out: &Path, name: &str, files: &FileOptions, reporter: &Reporter) -> Result<Plan> {
    let api = generator::lower::load_and_lower_file(spec, files).map_err(|e| anyhow!("{e}"))?;
    let mut plan = Plan { files: Vec::new(), owned_dirs: Vec::new() };
    add_lowered(&mut plan, &spec.display().to_string(), &api, &CrateNames::from_api_name(name), out, reporter)?;
    Ok(plan)
}

fn add_crates(plan: &mut Plan, spec_path: &str, text: &str, names: &CrateNames, out: &Path, reporter: &Reporter) -> Result<()> {
    let api = generator::lower::load_and_lower(spec_path, text).map_err(|e| anyhow!("{e}"))?;
    add_lowered(plan, spec_path, &api, names, out, reporter)
}

fn add_lowered(
    plan: &mut Plan,
    spec_path: &str,
    api: &Api,
    names: &CrateNames,
    out: &Path,
    reporter: &Reporter,
) -> Result<()> {
    reporter.document_with_summary(spec_path, api).map_err(|refusal| anyhow!("{refusal}"))?;
    let files = generator::emit::generate(api, names).map_err(|e| anyhow!("{spec_path}: {e}"))?;
    plan.owned_dirs.extend([out.join(&names.types), out.join(&names.client), out.join(&names.server)]);
    plan.files.extend(files.into_iter().map(|file| PlannedFile { path: out.join(file.path), contents: file.contents }));
    Ok(())
}
