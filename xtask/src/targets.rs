//! `spec/targets.yaml`: the APIs this workspace builds and where their files live.

use std::path::Path;

use anyhow::{Context, Result};
use generator::source::SourceFile;
use serde::Deserialize;

pub const TARGETS_FILE: &str = "spec/targets.yaml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub name: String,
    /// Absent (with `overlay`) when the spec is a given OpenAPI document rather than derived.
    #[serde(default)]
    pub docs: Vec<String>,
    pub overlay: Option<String>,
    pub spec: String,
    /// Package names of the generated crates.
    pub crates: Crates,
    /// The folder the crates are written into (each in a folder named after its package).
    pub out: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Crates {
    pub types: String,
    pub client: String,
    pub server: String,
}

pub fn load(root: &Path) -> Result<Vec<Target>> {
    let source = read_source(root, TARGETS_FILE)?;
    serde_yaml::from_str(&source.text).with_context(|| format!("{TARGETS_FILE} is not a valid targets list"))
}

/// Reads a workspace-relative file; error messages name it by that relative path.
pub fn read_source(root: &Path, relative: &str) -> Result<SourceFile> {
    let text = std::fs::read_to_string(root.join(relative)).with_context(|| format!("cannot read {relative}"))?;
    Ok(SourceFile::new(relative, text))
}
