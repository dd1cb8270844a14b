//! The warning flags every generating command takes (`--strict`, `--warnings FILE`) and what
//! they do: one summary line per document on stderr, every warning in the file, and under
//! `--strict` a refusal of any document that has one.

use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{Context, Result};
use generator::ir::Api;
use generator::warnings::Policy;

/// `--strict` and `--warnings FILE`, flattened into the commands that load specs.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct WarningArgs {
    /// Turn every warning (a construct read leniently) into an error: the letter of the spec.
    #[arg(long)]
    pub strict: bool,
    /// Write every warning, one line each (`FILE: at POINTER: MESSAGE`), to this file; the
    /// terminal gets one summary line per document.
    #[arg(long, value_name = "FILE")]
    pub warnings: Option<PathBuf>,
}

/// Collects the warnings of one command's documents and writes them out at the end.
#[derive(Debug, Default)]
pub struct Reporter {
    args: WarningArgs,
    /// The `--warnings` file's lines so far, in the order documents were read.
    lines: Mutex<String>,
}

impl Reporter {
    pub fn new(args: &WarningArgs) -> Self {
        Reporter { args: args.clone(), lines: Mutex::new(String::new()) }
    }

    /// [`Reporter::document`], then the document's summary line on stderr (for commands that
    /// read one or a few documents; `corpus` counts warnings in its table instead).
    pub fn document_with_summary(&self, path: &str, api: &Api) -> Result<usize, String> {
        let count = self.document(path, api)?;
        if let Some(line) = generator::warnings::summary(path, &api.warnings) {
            eprintln!("{line}");
        }
        Ok(count)
    }

    /// Applies the policy to one lowered document: `Err` (every warning listed) under
    /// `--strict` when it has any; otherwise its warnings are kept for the file. Returns the
    /// number of warnings.
    pub fn document(&self, path: &str, api: &Api) -> Result<usize, String> {
        Policy { strict: self.args.strict }.enforce(path, &api.warnings).map_err(|refusal| refusal.to_string())?;
        if let Ok(mut lines) = self.lines.lock() {
            lines.push_str(&generator::warnings::list(path, &api.warnings));
        }
        Ok(api.warnings.len())
    }

    /// Writes the `--warnings` file, if one was asked for (also when there were none, so an old
    /// file never stands for this run).
    pub fn finish(&self) -> Result<()> {
        let Some(path) = &self.args.warnings else { return Ok(()) };
        let lines = self.lines.lock().map(|lines| lines.clone()).unwrap_or_default();
        std::fs::write(path, lines).with_context(|| format!("cannot write {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use generator::ir::Warning;

    fn api_with(warnings: Vec<Warning>) -> Api {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n";
        let mut api = generator::lower::load_and_lower("t.yaml", text).expect("a minimal document lowers");
        api.warnings = warnings;
        api
    }

    #[test]
    fn strict_refuses_a_document_with_warnings_and_writes_them_all_otherwise() {
        let warned = api_with(vec![Warning { pointer: "/paths".into(), message: "read leniently".into() }]);
        let strict = Reporter::new(&WarningArgs { strict: true, warnings: None });
        let refusal = strict.document("a.yaml", &warned).unwrap_err();
        assert!(refusal.contains("a.yaml: at /paths: read leniently"), "{refusal}");
        assert_eq!(strict.document("b.yaml", &api_with(Vec::new())), Ok(0));

        let dir = std::env::temp_dir().join(format!("xtask-warnings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("warnings.txt");
        let lenient = Reporter::new(&WarningArgs { strict: false, warnings: Some(file.clone()) });
        assert_eq!(lenient.document("a.yaml", &warned), Ok(1));
        lenient.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "a.yaml: at /paths: read leniently\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
