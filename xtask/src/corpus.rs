//! `cargo xtask corpus DIR...`: codegen and `cargo check` for every OpenAPI document in some
//! folders, with a table of results.
//!
//! Every `.json`/`.yaml`/`.yml` file under each folder (recursively, hidden folders skipped) with
//! a top-level `openapi` or `swagger` key is a document; other files are fragments (the targets
//! of documents' `$ref`s, read only through them), skipped and counted in the summary line. Each
//! document is loaded from its file with the files its `$ref`s reach (under its folder, or
//! `--ref-root`), lowered and emitted (panics caught) into `OUT/crates/<name>/`, where `<name>` is
//! the document's path made into a package name. All generated crates are members of one
//! scratch workspace (`OUT/crates/Cargo.toml`, the repository's `Cargo.lock`, one target folder
//! `OUT/target`), so dependencies build once; each document's crates are then checked with
//! `cargo check -p ...` and warnings denied.
//!
//! A folder may hold `corpus-expectations.yaml` (or `--expect FILE` names one), listing the
//! documents that are refused on purpose and the text their error must contain:
//!
//! ```yaml
//! refused:
//!   2.0/petstore.json: "version `2.0` is not supported"
//! ```
//!
//! Keys are paths relative to the expectations file's folder, or trailing parts of the
//! documents' paths (`readme/2.0/petstore.json` matches `specs/readme/2.0/petstore.json`). The command fails when any
//! document fails otherwise: a refusal not listed (or with another reason), a listed document
//! that generates, an emitter error, a panic, or a compile error or warning.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use generator::emit::CrateNames;
use serde::Deserialize;

/// Build settings of the scratch workspaces: no debug info and no incremental state, so a
/// hundred documents' round-trip binaries stay within a few GB of disk and link quickly.
pub const SCRATCH_PROFILE: &str = "\n[profile.dev]\ndebug = 0\nincremental = false\n";

/// The name of the expectations file looked for in each folder.
pub const EXPECTATIONS_FILE: &str = "corpus-expectations.yaml";

pub struct Options {
    pub dirs: Vec<PathBuf>,
    pub expect: Option<PathBuf>,
    pub out: PathBuf,
    /// Generate only; do not run `cargo check`.
    pub no_check: bool,
    /// Write the results table (Markdown) to this file too.
    pub report: Option<PathBuf>,
    /// After the check, run each document's round-trip crate (see `generator::emit::generate_roundtrip`).
    pub roundtrip: bool,
    /// Seed and rounds of the round trip.
    pub seed: u64,
    pub rounds: usize,
    /// cargo's `--offline` for checks and round trips (by default cargo may fetch what its
    /// cache lacks, such as a crate only a multipart server needs).
    pub offline: bool,
    /// After the round trip, schemathesis judges each document's mock (`conformance.rs`).
    pub conformance: bool,
    /// Examples per operation and phase of that judgement.
    pub examples: u64,
    /// Where the documents' `$ref`s may read other files.
    pub files: generator::load::FileOptions,
    pub warnings: crate::warnings::WarningArgs,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectationsFile {
    /// Document path → text its refusal must contain.
    #[serde(default)]
    refused: BTreeMap<String, String>,
    /// Document path → round-trip cases (`operationId status` or a type name) expected to
    /// fail, each with the reason.
    #[serde(default)]
    roundtrip: BTreeMap<String, BTreeMap<String, String>>,
    /// Document path → schemathesis failures of its mock (`METHOD /path STnnn`, see
    /// `conformance.rs`) expected, each with the reason.
    #[serde(default)]
    conformance: BTreeMap<String, BTreeMap<String, String>>,
    /// Reasons shared by several entries (referenced with YAML anchors); not read otherwise.
    #[serde(default, rename = "reasons")]
    _reasons: BTreeMap<String, String>,
}

/// The `conformance:` section of an expectations file (none without one): document path (or
/// its end) → failure → reason.
pub fn conformance_expectations(file: Option<&Path>) -> Result<BTreeMap<String, BTreeMap<String, String>>> {
    let Some(file) = file else { return Ok(BTreeMap::new()) };
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed: ExpectationsFile = serde_yaml::from_str(&text).with_context(|| format!("{}: not an expectations file", file.display()))?;
    Ok(parsed.conformance)
}

/// One document and what happened to it.
#[derive(Default)]
struct Document {
    /// The path as given (folder + relative path), for messages.
    display: String,
    /// Package-name stem of its crates.
    name: String,
    expected_refusal: Option<String>,
    /// Round-trip cases expected to fail, with reasons.
    expected_failures: BTreeMap<String, String>,
    /// schemathesis failures of its mock expected, with reasons.
    expected_conformance: BTreeMap<String, String>,
    conformance: Outcome,
    /// schemathesis's counts, and what was listed or unavoidable.
    conformance_counts: Option<String>,
    /// Failures neither listed nor unavoidable.
    conformance_failures: Vec<String>,
    /// The round-trip binary, once built (the conformance run serves it as the mock).
    roundtrip_binary: Option<PathBuf>,
    roundtrip: Outcome,
    /// `operations P/T, types P/T` of the round trip.
    roundtrip_counts: Option<String>,
    /// Round-trip failures not listed in the expectations.
    roundtrip_failures: Vec<String>,
    roundtrip_seconds: f64,
    operations: Option<usize>,
    types: Option<usize>,
    /// Warnings of its lowering (lenient readings), when it generated.
    warnings: usize,
    generate: Outcome,
    check: Outcome,
    /// Crate folders (relative to the scratch workspace) of the generated crates.
    crates: Vec<(String, String)>,
    generate_seconds: f64,
    check_seconds: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
enum Outcome {
    #[default]
    NotRun,
    Ok,
    /// Load or lowering refused the document; the message is the first line of the error.
    Refused(String),
    /// An emitter error, a panic, or a compile error: a generator bug.
    Failed(String),
    Panicked(String),
}

pub fn run(options: &Options) -> Result<ExitCode> {
    let started = Instant::now();
    let (mut documents, fragments) = discover(options)?;
    if documents.is_empty() {
        return Err(anyhow!("no OpenAPI documents found under {}", list(&options.dirs)));
    }
    let crates_dir = options.out.join("crates");
    if crates_dir.exists() {
        std::fs::remove_dir_all(&crates_dir).with_context(|| format!("cannot clear {}", crates_dir.display()))?;
    }
    std::fs::create_dir_all(&crates_dir).with_context(|| format!("cannot create {}", crates_dir.display()))?;

    let total = documents.len();
    eprintln!("corpus: {total} documents under {}", list(&options.dirs));
    let quiet_panics = QuietPanics::install();
    let reporter = crate::warnings::Reporter::new(&options.warnings);
    for (index, doc) in documents.iter_mut().enumerate() {
        eprint!("[{}/{total}] generate {} ... ", index + 1, doc.display);
        generate_one(doc, &crates_dir, options, &reporter)?;
        let warned = match doc.warnings {
            0 => String::new(),
            1 => ", 1 warning".to_owned(),
            n => format!(", {n} warnings"),
        };
        eprintln!("{} ({:.1}s{warned})", short(&doc.generate), doc.generate_seconds);
    }
    drop(quiet_panics);
    reporter.finish()?;

    let generated: Vec<usize> = (0..total).filter(|&i| documents[i].generate == Outcome::Ok).collect();
    if !options.no_check && !generated.is_empty() {
        write_workspace(&crates_dir, &documents)?;
        for (step, &index) in generated.iter().enumerate() {
            let doc = &mut documents[index];
            eprint!("[{}/{}] cargo check {} ... ", step + 1, generated.len(), doc.display);
            check_one(doc, &crates_dir, &options.out.join("target"), options.offline)?;
            eprintln!("{} ({:.1}s)", short(&doc.check), doc.check_seconds);
        }
    }
    if options.roundtrip && !options.no_check {
        let checked: Vec<usize> = (0..total).filter(|&i| documents[i].check == Outcome::Ok).collect();
        for (step, &index) in checked.iter().enumerate() {
            let doc = &mut documents[index];
            eprint!("[{}/{}] round-trip {} ... ", step + 1, checked.len(), doc.display);
            roundtrip_one(doc, &crates_dir, &options.out.join("target"), options.seed, options.rounds, options.offline)?;
            eprintln!("{} ({:.1}s)", doc.roundtrip_counts.as_deref().unwrap_or(short(&doc.roundtrip)), doc.roundtrip_seconds);
        }
    }

    if options.conformance {
        conformance_phase(&mut documents, options)?;
    }

    let (table, mut summary, failures) = report(&documents, options.no_check);
    if fragments > 0 {
        let _ = write!(summary, "; {fragments} fragments (files without a top-level `openapi` key) skipped");
    }
    println!("\n{table}\n{summary}");
    if let Some(path) = &options.report {
        let text = format!("{table}\n{summary}\n");
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!("corpus: done in {:.0}s", started.elapsed().as_secs_f64());
    if failures.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("\n{} unexpected result(s):", failures.len());
        for failure in &failures {
            eprintln!("  {failure}");
        }
        Ok(ExitCode::FAILURE)
    }
}

fn list(dirs: &[PathBuf]) -> String {
    dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", ")
}

/// Every document under the folders, sorted by path, with its expectation and a unique name;
/// and how many fragments (JSON/YAML files that are not documents, such as the targets of a
/// document's `$ref`s) were skipped.
fn discover(options: &Options) -> Result<(Vec<Document>, usize)> {
    let mut expectations: Vec<(PathBuf, ExpectationsFile)> = Vec::new();
    let mut expectation_files: Vec<PathBuf> = options.expect.iter().cloned().collect();
    for dir in &options.dirs {
        if !dir.is_dir() {
            return Err(anyhow!("{} is not a folder", dir.display()));
        }
        let candidate = dir.join(EXPECTATIONS_FILE);
        if candidate.is_file() && options.expect.is_none() {
            expectation_files.push(candidate);
        }
    }
    for file in expectation_files {
        let text = std::fs::read_to_string(&file).with_context(|| format!("cannot read {}", file.display()))?;
        let parsed: ExpectationsFile =
            serde_yaml::from_str(&text).with_context(|| format!("{}: not an expectations file", file.display()))?;
        let base = file.parent().map(Path::to_path_buf).unwrap_or_default();
        expectations.push((base, parsed));
    }
    let mut used_expectations = vec![Vec::new(); expectations.len()];

    let mut paths = Vec::new();
    for dir in &options.dirs {
        collect(dir, &mut paths)?;
    }
    paths.sort();
    paths.dedup();

    let mut documents = Vec::new();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut fragments = 0;
    for path in paths {
        if !is_openapi_document(&path) {
            fragments += 1;
            continue;
        }
        let mut expected_refusal = None;
        let mut expected_failures = BTreeMap::new();
        let mut expected_conformance = BTreeMap::new();
        for (index, (base, file)) in expectations.iter().enumerate() {
            // A key is the path relative to the expectations file's folder, or the end of the
            // path (so a file kept apart from the documents it describes can name them).
            let relative = path.strip_prefix(base).ok();
            let names_it = |key: &String| relative.is_some_and(|r| r == Path::new(key.as_str())) || path.ends_with(key.as_str());
            if let Some((key, reason)) = file.refused.iter().find(|(key, _)| names_it(key)) {
                expected_refusal = Some(reason.clone());
                used_expectations[index].push(key.clone());
            }
            if let Some((_, cases)) = file.roundtrip.iter().find(|(key, _)| names_it(key)) {
                expected_failures.extend(cases.clone());
            }
            if let Some((_, cases)) = file.conformance.iter().find(|(key, _)| names_it(key)) {
                expected_conformance.extend(cases.clone());
            }
        }
        let stem = package_stem(&path, &options.dirs);
        let count = names.entry(stem.clone()).or_insert(0);
        *count += 1;
        let name = if *count == 1 { stem } else { format!("{stem}-{count}") };
        documents.push(Document {
            display: path.display().to_string(),
            name,
            expected_refusal,
            expected_failures,
            expected_conformance,
            ..Document::default()
        });
    }
    for ((base, file), used) in expectations.iter().zip(&used_expectations) {
        for key in file.refused.keys().filter(|key| !used.contains(key)) {
            eprintln!("corpus: note: the expectation `{key}` (in {}) matched no document", base.display());
        }
    }
    if fragments > 0 {
        eprintln!("corpus: skipped {fragments} fragments (JSON/YAML files without a top-level `openapi` key)");
    }
    Ok((documents, fragments))
}

fn collect(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?;
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if entry.file_type()?.is_dir() {
            if !hidden {
                collect(&path, found)?;
            }
        } else if !hidden
            && path.extension().is_some_and(|ext| ext == "json" || ext == "yaml" || ext == "yml")
            && path.file_name().is_some_and(|n| n != EXPECTATIONS_FILE)
        {
            found.push(path);
        }
    }
    Ok(())
}

/// True when the file parses as a mapping with an `openapi` or `swagger` key.
fn is_openapi_document(path: &Path) -> bool {
    #[derive(Deserialize)]
    struct Versions {
        openapi: Option<serde_yaml::Value>,
        swagger: Option<serde_yaml::Value>,
    }
    #[derive(Deserialize)]
    struct JsonVersions {
        openapi: Option<serde_json::Value>,
        swagger: Option<serde_json::Value>,
    }
    let Ok(text) = std::fs::read_to_string(path) else { return false };
    let text = text.trim_start_matches('\u{feff}');
    let json = text.trim_start().starts_with('{');
    let parsed = if json {
        serde_json::from_str::<JsonVersions>(text).map(|v| v.openapi.is_some() || v.swagger.is_some()).ok()
    } else {
        serde_yaml::from_str::<Versions>(text).map(|v| v.openapi.is_some() || v.swagger.is_some()).ok()
    };
    // A document with a syntax error is still a document when it says so near the top; the
    // generator then reports the error.
    parsed.unwrap_or_else(|| text.lines().take(20).any(|l| l.starts_with("openapi:") || l.contains("\"openapi\"")))
}

/// The document's path below its folder as a package-name stem: `3.0/json/petstore.json` →
/// `3-0-json-petstore`; a leading digit gets a `spec-` prefix.
fn package_stem(path: &Path, dirs: &[PathBuf]) -> String {
    let relative = dirs.iter().find_map(|dir| path.strip_prefix(dir).ok()).unwrap_or(path);
    let text = relative.with_extension("").to_string_lossy().to_lowercase();
    let mut stem = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            stem.push(c);
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
    }
    let stem = stem.trim_end_matches('-');
    match stem.chars().next() {
        None => "spec".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("spec-{stem}"),
        Some(_) => stem.to_owned(),
    }
}

/// Loads the document from its file (so that its `$ref`s to other files are followed), lowers
/// and emits it, and writes its crates.
fn generate_one(
    doc: &mut Document,
    crates_dir: &Path,
    options: &Options,
    reporter: &crate::warnings::Reporter,
) -> Result<()> {
    let started = Instant::now();
    if let Err(error) = std::fs::File::open(&doc.display) {
        doc.generate = Outcome::Failed(format!("cannot read: {error}"));
        return Ok(());
    }
    let roundtrip = options.roundtrip;
    let names = CrateNames::from_api_name(&doc.name);
    let display = doc.display.clone();
    let doc_name = doc.name.clone();
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        let path = Path::new(&display);
        let api =
            generator::lower::load_and_lower_file(path, &options.files).map_err(|e| Outcome::Refused(e.to_string()))?;
        let warnings = reporter.document(&display, &api).map_err(Outcome::Refused)?;
        let counts = (api.operations.len(), api.types.len(), warnings);
        let mut files = generator::emit::generate(&api, &names).map_err(|e| Outcome::Failed(e.to_string()))?;
        if roundtrip {
            let package = format!("{}-roundtrip", doc_name);
            files.extend(generator::emit::generate_roundtrip(&api, &names, &package).map_err(|e| Outcome::Failed(e.to_string()))?);
        }
        Ok((counts, files))
    }));
    doc.generate_seconds = started.elapsed().as_secs_f64();
    match result {
        Ok(Ok(((operations, types, warnings), files))) => {
            doc.operations = Some(operations);
            doc.types = Some(types);
            doc.warnings = warnings;
            let root = crates_dir.join(&doc.name);
            for file in &files {
                let full = root.join(&file.path);
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
                }
                std::fs::write(&full, &file.contents).with_context(|| format!("cannot write {}", full.display()))?;
                // A crate is a folder with a `Cargo.toml` at its top.
                let mut components = file.path.components();
                if let (Some(first), Some(second), None) = (components.next(), components.next(), components.next()) {
                    if second.as_os_str() == "Cargo.toml" {
                        let folder = first.as_os_str().to_string_lossy().into_owned();
                        let package = package_name(&file.contents).unwrap_or_else(|| folder.clone());
                        doc.crates.push((format!("{}/{folder}", doc.name), package));
                    }
                }
            }
            doc.crates.sort();
            doc.generate = Outcome::Ok;
        }
        Ok(Err(outcome)) => doc.generate = outcome,
        Err(payload) => {
            let message = QuietPanics::take().unwrap_or_else(|| panic_message(payload.as_ref()));
            doc.generate = Outcome::Panicked(message);
        }
    }
    Ok(())
}

/// The `name` of a manifest's `[package]` (the first `name = "..."` line).
fn package_name(manifest: &str) -> Option<String> {
    manifest.lines().find_map(|line| {
        let value = line.trim().strip_prefix("name")?.trim_start().strip_prefix('=')?.trim();
        Some(value.trim_matches('"').to_owned())
    })
}

pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// While alive, panics print nothing and their message and location are kept for the table.
pub(crate) struct QuietPanics;

static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

impl QuietPanics {
    pub(crate) fn install() -> Self {
        Self::install_on(None)
    }

    /// Quiet only on the threads with these names; elsewhere panics print as usual.
    pub(crate) fn install_on_threads(names: &'static [&'static str]) -> Self {
        Self::install_on(Some(names))
    }

    fn install_on(threads: Option<&'static [&'static str]>) -> Self {
        let loud = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let name = std::thread::current().name().map(str::to_owned);
            let quiet = threads.is_none_or(|names| name.as_deref().is_some_and(|name| names.contains(&name)));
            if !quiet {
                loud(info);
            } else if let Ok(mut last) = LAST_PANIC.lock() {
                *last = Some(info.to_string().replace('\n', " "));
            }
        }));
        QuietPanics
    }

    pub(crate) fn take() -> Option<String> {
        LAST_PANIC.lock().ok().and_then(|mut last| last.take())
    }
}

impl Drop for QuietPanics {
    /// The default hook comes back, unless the thread is panicking (the hook cannot be changed
    /// then, and trying would abort the process).
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = panic::take_hook();
        }
    }
}

/// The scratch workspace: every generated crate a member, the repository's lock file.
fn write_workspace(crates_dir: &Path, documents: &[Document]) -> Result<()> {
    let mut manifest = String::from("# Scratch workspace of `cargo xtask corpus`; rewritten on every run.\n");
    manifest.push_str("[workspace]\nresolver = \"2\"\nmembers = [\n");
    for doc in documents {
        for (folder, _) in &doc.crates {
            let _ = writeln!(manifest, "    \"{folder}\",");
        }
    }
    manifest.push_str("]\n");
    manifest.push_str(SCRATCH_PROFILE);
    std::fs::write(crates_dir.join("Cargo.toml"), manifest).context("cannot write the scratch workspace manifest")?;
    let lock = crate::workspace_root().join("Cargo.lock");
    std::fs::copy(&lock, crates_dir.join("Cargo.lock")).with_context(|| format!("cannot copy {}", lock.display()))?;
    Ok(())
}

fn check_one(doc: &mut Document, crates_dir: &Path, target_dir: &Path, offline: bool) -> Result<()> {
    let started = Instant::now();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command.args(["check", "--all-targets", "--message-format", "short", "--quiet"]);
    if offline {
        command.arg("--offline");
    }
    for (_, package) in &doc.crates {
        command.args(["-p", package]);
    }
    let output = command
        .current_dir(crates_dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .env("RUSTFLAGS", "-D warnings")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .context("cannot run cargo")?;
    doc.check_seconds = started.elapsed().as_secs_f64();
    doc.check = if output.status.success() {
        Outcome::Ok
    } else {
        Outcome::Failed(first_error(&String::from_utf8_lossy(&output.stderr)))
    };
    Ok(())
}

/// schemathesis judges the mock (the round-trip binary) of every document that round-tripped.
fn conformance_phase(documents: &mut [Document], options: &Options) -> Result<()> {
    let judge = crate::conformance::Judge::new(&crate::workspace_root(), options.examples, options.seed)?;
    let ready: Vec<usize> = (0..documents.len()).filter(|&i| documents[i].roundtrip_binary.is_some()).collect();
    for (step, &index) in ready.iter().enumerate() {
        let doc = &mut documents[index];
        eprint!("[{}/{}] conformance {} ... ", step + 1, ready.len(), doc.display);
        let started = Instant::now();
        let spec = PathBuf::from(&doc.display);
        let verdict = generator::lower::load_and_lower_file(&spec, &options.files)
            .map_err(|error| anyhow!("{error}"))
            .and_then(|api| judge.judge(&doc.name, &spec, doc.roundtrip_binary.as_deref().unwrap_or(Path::new("")), &api, &doc.expected_conformance));
        match verdict {
            Ok(verdict) => {
                doc.conformance_counts = Some(verdict.counts());
                doc.conformance_failures = verdict.unexpected_lines();
                doc.conformance = if verdict.passed() { Outcome::Ok } else { Outcome::Failed(doc.conformance_failures[0].clone()) };
            }
            Err(error) => doc.conformance = Outcome::Failed(format!("{error:#}")),
        }
        eprintln!("{} ({:.1}s)", doc.conformance_counts.as_deref().unwrap_or(short(&doc.conformance)), started.elapsed().as_secs_f64());
    }
    Ok(())
}

/// Runs the document's round-trip binary and sorts its failures into expected and not.
fn roundtrip_one(doc: &mut Document, crates_dir: &Path, target_dir: &Path, seed: u64, rounds: usize, offline: bool) -> Result<()> {
    let started = Instant::now();
    let Some((_, package)) = doc.crates.iter().find(|(_, package)| package.ends_with("-roundtrip")) else {
        doc.roundtrip = Outcome::Failed("no round-trip crate was generated".to_owned());
        return Ok(());
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let (seed, rounds) = (seed.to_string(), rounds.to_string());
    let mut command = Command::new(cargo);
    command.args(["run", "--quiet", "-p", package]);
    if offline {
        command.arg("--offline");
    }
    let output = command
        .args(["--", "roundtrip", "--seed", &seed, "--rounds", &rounds])
        .current_dir(crates_dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .context("cannot run cargo")?;
    doc.roundtrip_seconds = started.elapsed().as_secs_f64();
    doc.roundtrip_binary = Some(target_dir.join("debug").join(package));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(summary) = stdout.lines().find_map(|line| line.strip_prefix("round-trip: ")) else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        doc.roundtrip = Outcome::Failed(format!("the round trip did not report: {}", first_error(&stderr)));
        return Ok(());
    };
    doc.roundtrip_counts = Some(summary.to_owned());
    let failures: Vec<&str> = stdout.lines().filter_map(|line| line.strip_prefix("  ")).collect();
    for case in stale_cases(&doc.expected_failures, &failures) {
        eprintln!("corpus: note: {}: the listed round-trip case `{case}` did not fail; remove it from the expectations", doc.display);
    }
    doc.roundtrip_failures =
        failures.into_iter().filter(|failure| !expected_failure(&doc.expected_failures, failure)).map(str::to_owned).collect();
    doc.roundtrip = if doc.roundtrip_failures.is_empty() { Outcome::Ok } else { Outcome::Failed(doc.roundtrip_failures[0].clone()) };
    Ok(())
}

/// Whether a failure line (`getNote 200 at /body: ...`, `Pet: ...`) names a listed case; an
/// operation's key also lists every one of its statuses (`getNote` covers `getNote 404: ...`).
fn expected_failure(expected: &BTreeMap<String, String>, failure: &str) -> bool {
    expected.keys().any(|case| names_case(case, failure))
}

/// Whether a failure line is about the listed `case` (see [`expected_failure`]).
fn names_case(case: &str, failure: &str) -> bool {
    let ends_case = |rest: &str| rest.starts_with(':') || rest.starts_with(" at ");
    let is_status = |token: &str| token == "default" || (token.len() == 3 && token.chars().all(|c| c.is_ascii_digit() || c == 'X'));
    failure.strip_prefix(case).is_some_and(|rest| {
        ends_case(rest)
            || rest.strip_prefix(' ').is_some_and(|rest| {
                let status = rest.split([':', ' ']).next().unwrap_or_default();
                is_status(status) && ends_case(&rest[status.len()..])
            })
    })
}

/// The listed cases no failure line is about: they round-trip now, and the list says
/// otherwise.
fn stale_cases<'a>(expected: &'a BTreeMap<String, String>, failures: &[&str]) -> Vec<&'a str> {
    expected.keys().filter(|case| !failures.iter().any(|failure| names_case(case, failure))).map(String::as_str).collect()
}

/// The first compiler error of `cargo --message-format short` output, with the error count.
fn first_error(stderr: &str) -> String {
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains(": error")).collect();
    let first = errors
        .first()
        .copied()
        .or_else(|| stderr.lines().find(|l| l.starts_with("error")))
        .unwrap_or("cargo check failed without an error line");
    if errors.len() > 1 {
        format!("{} (and {} more)", first.trim(), errors.len() - 1)
    } else {
        first.trim().to_owned()
    }
}

fn short(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::NotRun => "-",
        Outcome::Ok => "ok",
        Outcome::Refused(_) => "refused",
        Outcome::Failed(_) => "FAILED",
        Outcome::Panicked(_) => "PANIC",
    }
}

/// The Markdown table, the summary line, and every unexpected result.
fn report(documents: &[Document], no_check: bool) -> (String, String, Vec<String>) {
    let judged = documents.iter().any(|doc| doc.conformance != Outcome::NotRun);
    let mut table = if judged {
        String::from("| document | operations | schemas | generate | check | round-trip | conformance | seconds |\n|---|---|---|---|---|---|---|---|\n")
    } else {
        String::from("| document | operations | schemas | generate | check | round-trip | seconds |\n|---|---|---|---|---|---|---|\n")
    };
    let mut conformant = 0;
    let mut failures = Vec::new();
    let (mut generated, mut compiled, mut refused, mut panics, mut round_tripped) = (0, 0, 0, 0, 0);
    for doc in documents {
        let generate = match &doc.generate {
            Outcome::Refused(message) => {
                refused += 1;
                match &doc.expected_refusal {
                    Some(reason) if message.contains(reason.as_str()) => {}
                    Some(reason) => {
                        failures.push(format!("{}: refused, but not with `{reason}`: {message}", doc.display))
                    }
                    None => failures.push(format!("{}: refused: {}", doc.display, first_line(message))),
                }
                let without_path = message.strip_prefix(&format!("{}: ", doc.display)).unwrap_or(message);
                format!("refused: {}", first_line(without_path))
            }
            Outcome::Ok => {
                generated += 1;
                if let Some(reason) = &doc.expected_refusal {
                    failures.push(format!("{}: expected a refusal (`{reason}`) but it generated", doc.display));
                }
                match doc.warnings {
                    0 => "ok".to_owned(),
                    1 => "ok (1 warning)".to_owned(),
                    n => format!("ok ({n} warnings)"),
                }
            }
            Outcome::Panicked(message) => {
                panics += 1;
                failures.push(format!("{}: panic: {message}", doc.display));
                format!("PANIC: {message}")
            }
            Outcome::Failed(message) => {
                failures.push(format!("{}: generation failed: {message}", doc.display));
                format!("FAILED: {}", first_line(message))
            }
            Outcome::NotRun => "-".to_owned(),
        };
        let check = match &doc.check {
            Outcome::Ok => {
                compiled += 1;
                "ok".to_owned()
            }
            Outcome::Failed(message) => {
                failures.push(format!("{}: cargo check: {message}", doc.display));
                format!("FAILED: {message}")
            }
            _ if no_check && doc.generate == Outcome::Ok => "not run".to_owned(),
            _ => "-".to_owned(),
        };
        let roundtrip = match (&doc.roundtrip, &doc.roundtrip_counts) {
            (Outcome::NotRun, _) => "-".to_owned(),
            (Outcome::Ok, Some(counts)) => {
                round_tripped += 1;
                let listed = doc.expected_failures.len();
                let counts = first_line(counts);
                if listed > 0 { format!("{counts} ({listed} listed)") } else { counts.to_owned() }
            }
            (Outcome::Failed(first), counts) => {
                for failure in &doc.roundtrip_failures {
                    failures.push(format!("{}: round-trip: {failure}", doc.display));
                }
                if doc.roundtrip_failures.is_empty() {
                    failures.push(format!("{}: round-trip: {first}", doc.display));
                }
                format!("{}; first failure: {first}", counts.as_deref().map(first_line).unwrap_or("FAILED"))
            }
            (other, _) => short(other).to_owned(),
        };
        let count = |n: Option<usize>| n.map(|n| n.to_string()).unwrap_or_else(|| "-".to_owned());
        let conformance = if judged { format!(" {} |", cell(&conformance_cell(doc, &mut failures, &mut conformant))) } else { String::new() };
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} | {} | {} |{conformance} {:.1} |",
            cell(&doc.display),
            count(doc.operations),
            count(doc.types),
            cell(&generate),
            cell(&check),
            cell(&roundtrip),
            doc.generate_seconds + doc.check_seconds + doc.roundtrip_seconds
        );
    }
    let mut summary = format!(
        "{} documents: {generated} generated, {compiled} compiled, {refused} refused with a clear error, {panics} panics",
        documents.len()
    );
    if documents.iter().any(|doc| doc.roundtrip != Outcome::NotRun) {
        let _ = write!(summary, ", {round_tripped} round-tripped");
    }
    if judged {
        let _ = write!(summary, ", {conformant} conformant");
    }
    (table, summary, failures)
}

/// The conformance column of a document, its unexpected failures added to `failures`.
fn conformance_cell(doc: &Document, failures: &mut Vec<String>, conformant: &mut usize) -> String {
    match &doc.conformance {
        Outcome::NotRun => "-".to_owned(),
        Outcome::Ok => {
            *conformant += 1;
            doc.conformance_counts.clone().unwrap_or_default()
        }
        Outcome::Failed(first) => {
            for failure in &doc.conformance_failures {
                failures.push(format!("{}: conformance: {failure}", doc.display));
            }
            if doc.conformance_failures.is_empty() {
                failures.push(format!("{}: conformance: {first}", doc.display));
            }
            format!("{}; first failure: {first}", doc.conformance_counts.as_deref().unwrap_or("FAILED"))
        }
        other => short(other).to_owned(),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Text safe inside a Markdown table cell, cut to a readable length.
fn cell(text: &str) -> String {
    let flat = text.replace('|', "\\|").replace('\n', " ");
    if flat.chars().count() > 200 {
        format!("{}…", flat.chars().take(200).collect::<String>())
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_stems_are_valid_package_names() {
        let dirs = [PathBuf::from("specs")];
        assert_eq!(package_stem(Path::new("specs/3.0/json/petstore.json"), &dirs), "spec-3-0-json-petstore");
        assert_eq!(package_stem(Path::new("specs/GitHub API.yaml"), &dirs), "github-api");
        assert_eq!(package_stem(Path::new("specs/__.yaml"), &dirs), "spec");
    }

    #[test]
    fn first_error_prefers_compiler_errors() {
        let stderr = "warning: x\nsrc/lib.rs:1:5: error[E0308]: mismatched types\nsrc/lib.rs:9:1: error: unused\nerror: could not compile `a`";
        assert_eq!(first_error(stderr), "src/lib.rs:1:5: error[E0308]: mismatched types (and 1 more)");
        assert_eq!(first_error("error: failed to load manifest"), "error: failed to load manifest");
    }

    #[test]
    fn listed_cases_match_their_failures_and_an_operation_lists_its_statuses() {
        let expected: BTreeMap<String, String> =
            ["getNote 200", "Pet", "search"].iter().map(|key| ((*key).to_owned(), "why".to_owned())).collect();
        assert!(expected_failure(&expected, "getNote 200 at /body: expected 1, got 2"));
        assert!(expected_failure(&expected, "Pet: no value can be sampled"));
        assert!(expected_failure(&expected, "search 404: the server's implementation was not called"));
        assert!(expected_failure(&expected, "search 4XX at /body: x"));
        assert!(expected_failure(&expected, "search default: x"));
        assert!(!expected_failure(&expected, "getNote 404: x"), "a status key lists that status only");
        assert!(!expected_failure(&expected, "searchAll: x"));
        assert!(!expected_failure(&expected, "search often: x"));
        assert!(!expected_failure(&expected, "PetStore: x"));
        // `Pet` and `search` failed; `getNote 200` did not, so its entry is stale.
        assert_eq!(stale_cases(&expected, &["Pet: x", "search 404: y"]), ["getNote 200"]);
        assert_eq!(stale_cases(&expected, &["getNote 200 at /body: x", "Pet: x", "search: y"]), Vec::<&str>::new());
    }

    #[test]
    fn unexpected_refusals_and_panics_fail() {
        let doc = |generate: Outcome, expected: Option<&str>| Document {
            display: "d.yaml".to_owned(),
            name: "d".to_owned(),
            expected_refusal: expected.map(str::to_owned),
            generate,
            ..Document::default()
        };
        let documents = vec![
            doc(Outcome::Refused("d.yaml: at /openapi: version `2.0` is not supported".to_owned()), Some("`2.0`")),
            doc(Outcome::Refused("d.yaml: at /x: nope".to_owned()), None),
            doc(Outcome::Refused("d.yaml: at /x: nope".to_owned()), Some("other reason")),
            doc(Outcome::Panicked("boom".to_owned()), None),
            doc(Outcome::Ok, Some("`2.0`")),
        ];
        let (_, summary, failures) = report(&documents, true);
        assert_eq!(summary, "5 documents: 1 generated, 0 compiled, 3 refused with a clear error, 1 panics");
        assert_eq!(failures.len(), 4, "{failures:#?}");
    }
}
