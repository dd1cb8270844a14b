//! `cargo xtask`: the project's commands.
//!
//! * `cargo xtask spec [--check]`: docs + overlay → `spec/*.yaml` for every target in
//!   `spec/targets.yaml`. `--scaffold` instead appends an overlay entry for every docs operation
//!   that has none, with `FILL-IN` placeholders for what a person must supply.
//! * `cargo xtask codegen [--check]`: the same specs, then each target's crates (types, client)
//!   under its output folder; `--spec FILE --out DIR --name NAME` for any other spec.
//! * `cargo xtask corpus DIR...`: codegen and `cargo check` for every OpenAPI document in some
//!   folders, with a table of results (see `corpus.rs`).
//! * `cargo xtask fuzz [--cases N] [--seed S] [SPEC...]`: mutated documents and docs through the
//!   whole generator, in process and timed; panics and slow cases reported and saved (`fuzz.rs`).
//! * `cargo xtask mock --spec FILE --listen ADDR [--seed N]`: a mock server for any spec (`mock.rs`).
//! * `cargo xtask conformance SPEC...`: schemathesis judges the mock of each spec (`conformance.rs`).
//! * `cargo xtask bench-build --spec FILE`: build times of the generated crates beside
//!   progenitor's for the same spec (`bench.rs`, `BENCHMARKS.md`).
//!
//! Every command that writes files has a `--check` mode that writes nothing, prints a unified
//! diff of what would change and the command that fixes it, and exits non-zero when anything is
//! stale. Nothing is written unless every target built without error.

mod bench;
mod codegen;
mod conformance;
mod corpus;
mod files;
mod fuzz;
mod mock;
mod targets;
mod warnings;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};
use generator::source::SourceFile;

use files::{Mode, PlannedFile};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "The project's commands.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Derive each target's OpenAPI spec from its endpoint docs and overlay.
    Spec {
        /// Write nothing; fail with a diff if a checked-in spec is stale.
        #[arg(long)]
        check: bool,
        /// Append an overlay entry for every docs operation without one (what can be derived,
        /// `FILL-IN` placeholders for the rest) and list the placeholders left; no spec is written.
        #[arg(long, conflicts_with = "check")]
        scaffold: bool,
    },
    /// Build every target's spec and generated crates (or, with `--spec`, one ad-hoc spec).
    Codegen {
        /// Write nothing; fail with a diff if a checked-in file is stale.
        #[arg(long)]
        check: bool,
        /// An OpenAPI file to generate from instead of the targets.
        #[arg(long, requires_all = ["out", "name"])]
        spec: Option<PathBuf>,
        /// Output folder for `--spec`.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Short API name for `--spec`: crates are `NAME-types`, `NAME-client` and `NAME-server`.
        #[arg(long)]
        name: Option<String>,
        /// With `--spec`: the folder the spec's `$ref`s may read files under; by default the
        /// spec's own folder (a reference that leaves it is refused).
        #[arg(long, requires = "spec")]
        ref_root: Option<PathBuf>,
        #[command(flatten)]
        warnings: warnings::WarningArgs,
    },
    /// Serve a local fake of any API: the generated server answering sampled values of the
    /// documented responses (built on first use of a spec).
    Mock {
        /// The OpenAPI document.
        #[arg(long)]
        spec: PathBuf,
        /// Address to listen on (`127.0.0.1:0` picks a free port; the address is printed).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Seed of the sampled answers.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Accept only this credential for a security scheme of the spec (repeatable; an API
        /// key or token as given, basic credentials as `user:password`); requests presenting
        /// any other are answered 401. Without it, any credential is accepted.
        #[arg(long = "credential", value_name = "SCHEME=VALUE")]
        credentials: Vec<String>,
        /// Build without network access (cargo's `--offline`): only crates already in the
        /// cargo cache are used.
        #[arg(long)]
        offline: bool,
        /// The folder the document's `$ref`s may read files under; by default the document's
        /// own folder (a reference that leaves it is refused).
        #[arg(long)]
        ref_root: Option<PathBuf>,
        #[command(flatten)]
        warnings: warnings::WarningArgs,
    },
    /// Judge the mock of each spec with schemathesis (every check, positive and negative
    /// data, generated credentials); one line per spec, non-zero exit on any failure.
    Conformance {
        /// The OpenAPI documents.
        #[arg(required = true)]
        specs: Vec<PathBuf>,
        /// Failures expected of some specs, with their reasons (see `conformance.rs`).
        #[arg(long)]
        expect: Option<PathBuf>,
        /// Examples per operation and phase (schemathesis's `--max-examples`).
        #[arg(long, default_value_t = 25)]
        examples: u64,
        /// Seed of schemathesis's data and of the mock's answers.
        #[arg(long, default_value_t = 20261129)]
        seed: u64,
        /// Build without network access (cargo's `--offline`).
        #[arg(long)]
        offline: bool,
        /// The folder the documents' `$ref`s may read files under; by default each document's
        /// own folder.
        #[arg(long)]
        ref_root: Option<PathBuf>,
        #[command(flatten)]
        warnings: warnings::WarningArgs,
    },
    /// Generate and `cargo check` the crates of every OpenAPI document under some folders.
    Corpus {
        /// Folders searched recursively for `.json`/`.yaml`/`.yml` OpenAPI documents.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Expectations file (documents refused on purpose); by default each folder's
        /// `corpus-expectations.yaml`, if any.
        #[arg(long)]
        expect: Option<PathBuf>,
        /// Scratch folder for the generated crates and their target folder.
        #[arg(long, default_value = "target/corpus")]
        out: PathBuf,
        /// Generate only; skip `cargo check`.
        #[arg(long)]
        no_check: bool,
        /// Also write the results table (Markdown) to this file.
        #[arg(long)]
        report: Option<PathBuf>,
        /// After the check, run each document's round trip: every type and every operation's
        /// documented answers through the generated client and server on loopback.
        #[arg(long, conflicts_with = "no_check")]
        roundtrip: bool,
        /// Seed of the round trip's sampled values.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Rounds of the round trip (the first minimal, the second maximal, the rest random).
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// After the round trip, schemathesis judges each document's mock (as `conformance`
        /// does, with the `conformance:` section of the expectations).
        #[arg(long, requires = "roundtrip")]
        conformance: bool,
        /// Examples per operation and phase of that judgement.
        #[arg(long, default_value_t = 25)]
        examples: u64,
        /// Build without network access (cargo's `--offline`): only crates already in the
        /// cargo cache are used.
        #[arg(long)]
        offline: bool,
        /// The folder the documents' `$ref`s may read files under; by default each document's
        /// own folder (a reference that leaves it is refused).
        #[arg(long)]
        ref_root: Option<PathBuf>,
        #[command(flatten)]
        warnings: warnings::WarningArgs,
    },
    /// Time `cargo check` and `cargo build` of a spec's generated crates (dependencies already
    /// built), next to progenitor's output for the same spec; medians, peak memory, line counts.
    BenchBuild {
        /// The OpenAPI document.
        #[arg(long)]
        spec: PathBuf,
        /// Crate-name stem (`NAME-types`, ...); by default the spec's file stem.
        #[arg(long)]
        name: Option<String>,
        /// Timed runs of each command; the table gives medians.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=1000))]
        runs: u64,
        /// Scratch folder: the generated crates, their workspace and target folder.
        #[arg(long, default_value = "target/bench")]
        out: PathBuf,
        /// Build our crates with only these features (`--no-default-features --features F`;
        /// `""` for none) instead of every tag's; `PKG/FEATURE` names one crate's.
        #[arg(long)]
        features: Option<String>,
        /// Measure our crates only: progenitor is neither built nor run.
        #[arg(long)]
        no_progenitor: bool,
        /// Also append the report (Markdown) to this file.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Run randomly mutated OpenAPI documents and endpoint docs through the generator; fail on
    /// any panic, emitter error or case over the time limit (each saved under `--out`).
    Fuzz {
        /// Mutated OpenAPI documents to run.
        #[arg(long, default_value_t = 1000)]
        cases: usize,
        /// Mutated docs files to run (default: a fifth of `--cases`).
        #[arg(long)]
        docs_cases: Option<usize>,
        /// Seed of every random choice; the same seed runs the same cases.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Time one case may take, in milliseconds.
        #[arg(long, default_value_t = 2000)]
        limit_ms: u64,
        /// Folder for failing inputs and their notes.
        #[arg(long, default_value = "target/fuzz-findings")]
        out: PathBuf,
        /// Run the given files (saved cases) once each instead of mutating anything.
        #[arg(long)]
        replay: bool,
        /// Run only this case of the seed (numbered as the report numbers them; docs cases come
        /// after the OpenAPI ones) and save it, to look at one of the slowest.
        #[arg(long)]
        case: Option<usize>,
        /// More OpenAPI documents (files or folders) to mutate besides the fixtures and the
        /// targets' specs; with `--replay`, the saved cases.
        specs: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let root = workspace_root();
    match cli.command {
        Command::Spec { scaffold: true, .. } => scaffold_overlays(&root),
        Command::Spec { check, .. } => {
            let planned = plan_specs(&root)?;
            let mode = if check { Mode::Check } else { Mode::Write };
            Ok(files::apply(&root, &planned, &[], mode, "cargo xtask spec"))
        }
        Command::Codegen { check, spec, out, name, ref_root, warnings } => {
            let mode = if check { Mode::Check } else { Mode::Write };
            let reporter = warnings::Reporter::new(&warnings);
            let code = match (spec, out, name) {
                (Some(spec), Some(out), Some(name)) => {
                    let cwd = std::env::current_dir()?;
                    let ref_root_arg =
                        ref_root.as_ref().map(|r| format!(" --ref-root {}", r.display())).unwrap_or_default();
                    let file_options = generator::load::FileOptions { ref_root };
                    let plan = codegen::plan_ad_hoc(&spec, &out, &name, &file_options, &reporter)?;
                    let owned = plan.owned_files(&cwd);
                    let fix = format!(
                        "cargo xtask codegen --spec {} --out {} --name {name}{ref_root_arg}",
                        spec.display(),
                        out.display()
                    );
                    files::apply(&cwd, &plan.files, &owned, mode, &fix)
                }
                _ => {
                    let plan = codegen::plan_targets(&root, &reporter)?;
                    let owned = plan.owned_files(&root);
                    files::apply(&root, &plan.files, &owned, mode, "cargo xtask codegen")
                }
            };
            reporter.finish()?;
            Ok(code)
        }
        Command::Mock { spec, listen, seed, credentials, offline, ref_root, warnings } => {
            let out = root.join("target");
            let files = generator::load::FileOptions { ref_root };
            mock::run(&mock::Options { spec, listen, seed, credentials, out, offline, files, warnings })
        }
        Command::Conformance { specs, expect, examples, seed, offline, ref_root, warnings } => {
            let files = generator::load::FileOptions { ref_root };
            conformance::run(&conformance::Options { specs, expect, examples, seed, offline, files, warnings })
        }
        Command::Corpus {
            dirs,
            expect,
            out,
            no_check,
            report,
            roundtrip,
            seed,
            rounds,
            conformance,
            examples,
            offline,
            ref_root,
            warnings,
        } => {
            let cwd = std::env::current_dir()?;
            let out = if out.is_absolute() { out } else { cwd.join(out) };
            let files = generator::load::FileOptions { ref_root };
            let options = corpus::Options {
                dirs,
                expect,
                out,
                no_check,
                report,
                roundtrip,
                seed,
                rounds,
                conformance,
                examples,
                offline,
                files,
                warnings,
            };
            corpus::run(&options)
        }
        Command::BenchBuild { spec, name, runs, out, features, no_progenitor, report } => {
            let cwd = std::env::current_dir()?;
            let (spec, out) = (cwd.join(spec), cwd.join(out));
            let runs = runs as usize;
            bench::run(&bench::Options { spec, name, runs, out, features, progenitor: !no_progenitor, report })
        }
        Command::Fuzz { cases, docs_cases, seed, limit_ms, out, replay, case, specs } => {
            let cwd = std::env::current_dir()?;
            let out = if out.is_absolute() { out } else { cwd.join(out) };
            let specs = specs.into_iter().map(|p| if p.is_absolute() { p } else { cwd.join(p) }).collect();
            let docs_cases = docs_cases.unwrap_or(cases / 5);
            let limit = std::time::Duration::from_millis(limit_ms);
            fuzz::run(&root, &fuzz::Options { cases, docs_cases, seed, limit, out, specs, replay, only: case })
        }
    }
}

/// Builds every derived target's spec in memory; any error stops before anything is written.
pub fn plan_specs(root: &Path) -> Result<Vec<PlannedFile>> {
    let mut planned = Vec::new();
    for target in &targets::load(root)? {
        planned.extend(plan_spec(root, target)?);
    }
    Ok(planned)
}

/// The target's spec built from its docs and overlay; `None` when the spec is given as is.
pub fn plan_spec(root: &Path, target: &targets::Target) -> Result<Option<PlannedFile>> {
    let Some(overlay) = &target.overlay else {
        if !target.docs.is_empty() {
            anyhow::bail!("target `{}`: `docs` need an `overlay` to become a spec", target.name);
        }
        return Ok(None);
    };
    let docs = target.docs.iter().map(|p| targets::read_source(root, p)).collect::<Result<Vec<_>>>()?;
    let overlay = targets::read_source(root, overlay)?;
    let text = generator::spec::build_spec(&docs, &overlay)
        .map_err(|e| anyhow::anyhow!("target `{}`: the spec could not be built:\n{e}", target.name))?;
    Ok(Some(PlannedFile { path: PathBuf::from(&target.spec), contents: text }))
}

/// `spec --scaffold`: every derived target's overlay gains the entries it lacks. Overlays are
/// written only once every target scaffolded without error; then what is left to fill in is
/// listed, one line each.
fn scaffold_overlays(root: &Path) -> Result<ExitCode> {
    let mut scaffolded = Vec::new();
    for target in targets::load(root)? {
        if let Some(overlay) = &target.overlay {
            scaffolded.push(scaffold_target(root, &target, overlay)?);
        }
    }
    // Reports go to stdout without panicking when it is closed early (`| head`).
    let mut out = std::io::stdout().lock();
    for ScaffoldedOverlay { docs, overlay, added } in &scaffolded {
        if !added.is_empty() {
            std::fs::write(root.join(&overlay.path), &overlay.text)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", overlay.path))?;
        }
        let _ = writeln!(out, "{}: {}", overlay.path, added_summary(added));
        if let Err(left) = generator::spec::build_spec(docs, overlay) {
            let _ = writeln!(out, "left before `cargo xtask spec` passes:\n{left}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One target's overlay with the scaffolded entries, and the docs they come from.
struct ScaffoldedOverlay {
    docs: Vec<SourceFile>,
    overlay: SourceFile,
    /// `METHOD /path` of each added entry.
    added: Vec<String>,
}

fn scaffold_target(root: &Path, target: &targets::Target, overlay: &str) -> Result<ScaffoldedOverlay> {
    let docs = target.docs.iter().map(|p| targets::read_source(root, p)).collect::<Result<Vec<_>>>()?;
    let overlay = targets::read_source(root, overlay)?;
    let scaffold = generator::overlay::scaffold::scaffold(&docs, &overlay)
        .map_err(|e| anyhow::anyhow!("target `{}`: nothing scaffolded:\n{e}", target.name))?;
    let overlay = SourceFile::new(overlay.path, scaffold.text);
    Ok(ScaffoldedOverlay { docs, overlay, added: scaffold.added })
}

fn added_summary(added: &[String]) -> String {
    match added {
        [] => "every docs operation has an entry; nothing added".to_owned(),
        [one] => format!("added the entry for {one}"),
        many => format!("added {} entries: {}", many.len(), many.join(", ")),
    }
}

/// The workspace root: the parent of this crate's manifest directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo test` fails when the checked-in specs differ from what their sources give.
    #[test]
    fn checked_in_specs_are_fresh() {
        let root = workspace_root();
        let planned = plan_specs(&root).expect("every target's spec builds");
        let drift = files::drift(&root, &planned, &[]);
        let diffs: String = drift.changed.iter().map(|(_, d)| d.as_str()).collect();
        assert!(drift.changed.is_empty(), "stale spec; run `cargo xtask spec`:\n{diffs}");
    }

    /// `cargo test` fails when anything under `generated/` differs from what codegen gives.
    #[test]
    fn checked_in_generated_crates_are_fresh() {
        let root = workspace_root();
        let plan = codegen::plan_targets(&root, &warnings::Reporter::default()).expect("every target generates");
        let drift = files::drift(&root, &plan.files, &plan.owned_files(&root));
        let diffs: String = drift.changed.iter().map(|(_, d)| d.as_str()).collect();
        assert!(
            drift == files::Drift::default(),
            "stale generated files; run `cargo xtask codegen`:\n{diffs}\nremoved: {:?}",
            drift.removed
        );
    }
}
