//! `cargo xtask fuzz`: random structural mutations of OpenAPI documents (the generator's
//! fixtures, every target's spec, any documents given) and of the endpoint docs, each run
//! through the whole chain in process with a time limit.
//!
//! An OpenAPI case is one base document with one to six mutations (`mutate.rs`), written as
//! JSON or YAML, then loaded, lowered and emitted with every file formatted, as
//! `cargo xtask codegen --spec` does. A docs case is one docs file with one to six mutations
//! (`docs_text.rs`), imported and merged with its target's overlay, as `cargo xtask spec` does.
//! Each case runs on a thread of its own and is timed; a panic, an emitter error or a case over
//! the limit is a failure, reported and saved under the output folder with what was done to it
//! (`--replay FILE...` runs saved cases again). Everything is decided by `--seed`: the same seed
//! gives the same cases on every machine.

mod docs_text;
mod mutate;

use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use fastrand::Rng;
use generator::emit::CrateNames;
use generator::source::SourceFile;

use crate::corpus::{panic_message, QuietPanics};

pub struct Options {
    pub cases: usize,
    pub docs_cases: usize,
    pub seed: u64,
    /// Time one case may take; longer is a failure.
    pub limit: Duration,
    /// Where failing inputs are saved.
    pub out: PathBuf,
    /// More OpenAPI documents (files or folders) to mutate, or with `replay`, saved cases.
    pub specs: Vec<PathBuf>,
    pub replay: bool,
    /// Run only this case of the seed, and save it whatever its outcome.
    pub only: Option<usize>,
}

/// A case still running this long after it started is abandoned (its thread is left behind).
const ABANDON_AFTER: Duration = Duration::from_secs(30);
/// After this many abandoned cases the run stops: they keep a core busy each.
const MAX_ABANDONED: usize = 2;
/// Stack of each case's thread: what `cargo xtask` has on its main thread.
const CASE_STACK: usize = 8 << 20;

pub fn run(root: &Path, options: &Options) -> Result<ExitCode> {
    let _quiet = QuietPanics::install_on_threads(&["fuzz-case", "openapi-load"]);
    if options.replay {
        return replay(root, options);
    }
    let bases = openapi_bases(root, &options.specs)?;
    let docs = docs_bases(root)?;
    eprintln!(
        "fuzz: seed {}, {} OpenAPI cases over {} documents, {} docs cases over {} files, limit {:.1} s",
        options.seed,
        options.cases,
        bases.len(),
        options.docs_cases,
        docs.len(),
        options.limit.as_secs_f64()
    );
    let started = Instant::now();
    let mut report = Report::default();
    let cases: Vec<usize> = match options.only {
        Some(case) => vec![case],
        None => (0..options.cases + options.docs_cases).collect(),
    };
    for case in cases {
        let input = if case < options.cases {
            openapi_case(&bases, options.seed, case)
        } else {
            docs_case(&docs, options.seed, case)
        };
        // A crash that is not a panic (an abort) ends the process; the input is left on disk.
        write_current(&input, options)?;
        let result = run_case(&input, options.limit);
        report.add(input, result, options, root)?;
        if (case + 1) % 500 == 0 {
            eprintln!("fuzz: {} cases, {:.0} s", case + 1, started.elapsed().as_secs_f64());
        }
        if report.abandoned >= MAX_ABANDONED {
            eprintln!("fuzz: stopping after {MAX_ABANDONED} cases that never finished");
            break;
        }
    }
    for leftover in ["note", "json", "yaml", "txt"] {
        let _ = std::fs::remove_file(options.out.join(format!("current-case.{leftover}")));
    }
    println!("{}", report.summary(options));
    eprintln!("fuzz: done in {:.0} s", started.elapsed().as_secs_f64());
    Ok(if report.failures == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// One document to mutate.
struct Base {
    name: String,
    value: serde_json::Value,
}

/// One docs file to mutate, and the overlay of its target.
struct DocsBase {
    file: SourceFile,
    overlay: SourceFile,
}

/// What one case feeds the generator.
struct Input {
    kind: Kind,
    case: usize,
    base: String,
    steps: Vec<String>,
    text: String,
    /// For docs cases: the overlay merged after the import.
    overlay: Option<SourceFile>,
    extension: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    OpenApi,
    Docs,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::OpenApi => "openapi",
            Kind::Docs => "docs",
        }
    }
}

/// The fixture specs, every target's spec and the given documents (folders searched for
/// `.json`/`.yaml`/`.yml`), each read into a JSON value.
fn openapi_bases(root: &Path, given: &[PathBuf]) -> Result<Vec<Base>> {
    let mut paths = files_in(&root.join("generator/tests/fixtures/openapi"), &["json", "yaml", "yml"])?;
    for target in crate::targets::load(root)? {
        paths.push(root.join(target.spec));
    }
    for path in given {
        if path.is_dir() {
            paths.extend(files_in(path, &["json", "yaml", "yml"])?);
        } else {
            paths.push(path.clone());
        }
    }
    let mut bases = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let value = if text.trim_start().starts_with('{') {
            serde_json::from_str(&text).map_err(|e| anyhow!("{e}"))
        } else {
            serde_yaml::from_str(&text).map_err(|e| anyhow!("{e}"))
        };
        let name = path.strip_prefix(root).unwrap_or(&path).display().to_string();
        match value {
            Ok(value) => bases.push(Base { name, value }),
            Err(error) => eprintln!("fuzz: skipping {name}: not JSON or YAML: {error}"),
        }
    }
    if bases.is_empty() {
        return Err(anyhow!("no OpenAPI documents to mutate"));
    }
    Ok(bases)
}

/// Every target's docs files, with the target's overlay.
fn docs_bases(root: &Path) -> Result<Vec<DocsBase>> {
    let mut bases = Vec::new();
    for target in crate::targets::load(root)? {
        // Targets whose spec is a given document have no docs to mutate.
        let Some(overlay) = &target.overlay else { continue };
        let overlay = crate::targets::read_source(root, overlay)?;
        for docs in &target.docs {
            bases.push(DocsBase { file: crate::targets::read_source(root, docs)?, overlay: overlay.clone() });
        }
    }
    Ok(bases)
}

fn files_in(dir: &Path, extensions: &[&str]) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            found.extend(files_in(&path, extensions)?);
        } else if path.extension().is_some_and(|ext| extensions.iter().any(|e| ext == *e)) {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// The generator of case `case` of run `seed` (splitmix64 of both, so neighbouring cases and
/// seeds are unrelated).
fn case_rng(seed: u64, case: usize) -> Rng {
    let mut z = seed ^ (case as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    Rng::with_seed(z ^ (z >> 31))
}

/// One to six mutations, one or two most often (each mutation is likely to make a document
/// unreadable, and readable ones reach lowering and the emitters).
fn mutation_count(rng: &mut Rng) -> usize {
    match rng.u8(..8) {
        0..=3 => 1,
        4 | 5 => 2,
        _ => rng.usize(3..=6),
    }
}

fn openapi_case(bases: &[Base], seed: u64, case: usize) -> Input {
    let mut rng = case_rng(seed, case);
    let base = &bases[rng.usize(..bases.len())];
    let mut doc = base.value.clone();
    let mut steps = mutate::mutate(&mut doc, mutation_count(&mut rng), &mut rng);
    let (text, extension) = if rng.u8(..4) == 0 {
        let yaml = serde_yaml::to_string(&doc).unwrap_or_else(|e| format!("# not serializable: {e}\n"));
        if rng.bool() {
            let (yaml, step) = mutate::yaml_quirk(&yaml, &mut rng);
            steps.push(step);
            (yaml, "yaml")
        } else {
            (yaml, "yaml")
        }
    } else {
        (serde_json::to_string_pretty(&doc).unwrap_or_default(), "json")
    };
    Input { kind: Kind::OpenApi, case, base: base.name.clone(), steps, text, overlay: None, extension }
}

fn docs_case(bases: &[DocsBase], seed: u64, case: usize) -> Input {
    let mut rng = case_rng(seed, case);
    let base = &bases[rng.usize(..bases.len())];
    let (text, steps) = docs_text::mutate(&base.file.text, mutation_count(&mut rng), &mut rng);
    let overlay = Some(base.overlay.clone());
    Input { kind: Kind::Docs, case, base: base.file.path.clone(), steps, text, overlay, extension: "txt" }
}

/// How one case ended.
#[derive(Debug, Clone)]
enum Outcome {
    Generated,
    Refused(String),
    /// An error the emitter (not the document) is to blame for.
    EmitFailed(String),
    Panicked(String),
    /// Still running when it was abandoned.
    Abandoned,
}

impl Outcome {
    /// One line saying how the case ended.
    fn line(&self) -> String {
        let first = |text: &str| text.lines().next().unwrap_or_default().chars().take(300).collect::<String>();
        match self {
            Outcome::Generated => "generated".to_owned(),
            Outcome::Refused(message) => format!("refused: {}", first(message)),
            Outcome::EmitFailed(message) => format!("emitter error: {}", first(message)),
            Outcome::Panicked(message) => format!("panicked: {}", first(message)),
            Outcome::Abandoned => format!("still running after {} s", ABANDON_AFTER.as_secs()),
        }
    }
}

struct CaseResult {
    outcome: Outcome,
    elapsed: Duration,
}

/// Runs the case on a thread of its own and waits for it, up to [`ABANDON_AFTER`].
fn run_case(input: &Input, limit: Duration) -> CaseResult {
    let (kind, text, overlay) = (input.kind, input.text.clone(), input.overlay.clone());
    let name = format!("fuzz-case.{}", input.extension);
    let job = move || match kind {
        Kind::OpenApi => generate(&name, &text),
        Kind::Docs => build_spec(&name, &text, overlay.as_ref()),
    };
    run_timed(job, ABANDON_AFTER.max(limit * 2))
}

/// Runs `job` on a `fuzz-case` thread, catching its panic; gives up waiting after `abandon_after`.
fn run_timed(job: impl FnOnce() -> Outcome + Send + 'static, abandon_after: Duration) -> CaseResult {
    let (sender, receiver) = mpsc::channel();
    let started = Instant::now();
    let thread = std::thread::Builder::new().name("fuzz-case".to_owned()).stack_size(CASE_STACK).spawn(move || {
        let outcome = panic::catch_unwind(AssertUnwindSafe(job)).unwrap_or_else(|payload| {
            Outcome::Panicked(QuietPanics::take().unwrap_or_else(|| panic_message(payload.as_ref())))
        });
        let _ = sender.send((outcome, started.elapsed()));
    });
    if let Err(error) = thread {
        return CaseResult { outcome: Outcome::Panicked(format!("cannot start a thread: {error}")), elapsed: Duration::ZERO };
    }
    match receiver.recv_timeout(abandon_after) {
        Ok((outcome, elapsed)) => CaseResult { outcome, elapsed },
        Err(_) => CaseResult { outcome: Outcome::Abandoned, elapsed: started.elapsed() },
    }
}

/// What `cargo xtask codegen --spec` does, in memory.
fn generate(path: &str, text: &str) -> Outcome {
    let api = match generator::lower::load_and_lower(path, text) {
        Ok(api) => api,
        Err(error) => return Outcome::Refused(error.to_string()),
    };
    match generator::emit::generate(&api, &CrateNames::from_api_name("fuzz")) {
        Ok(_) => Outcome::Generated,
        Err(error) => Outcome::EmitFailed(error.to_string()),
    }
}

/// What `cargo xtask spec` does, in memory.
fn build_spec(path: &str, text: &str, overlay: Option<&SourceFile>) -> Outcome {
    let docs = [SourceFile::new(path, text)];
    let result = match overlay {
        Some(overlay) => generator::spec::build_spec(&docs, overlay).map(|_| ()).map_err(|e| e.to_string()),
        None => generator::docs::import(&docs).map(|_| ()).map_err(|e| e.to_string()),
    };
    match result {
        Ok(()) => Outcome::Generated,
        Err(message) => Outcome::Refused(message),
    }
}

/// Tallies per kind, the slowest cases and the failures.
#[derive(Default)]
struct Report {
    tallies: [Tally; 2],
    slowest: Vec<(Duration, String)>,
    failures: usize,
    abandoned: usize,
    unclear_examples: Vec<String>,
}

#[derive(Default)]
struct Tally {
    cases: usize,
    generated: usize,
    refused: usize,
    /// Refusals whose message names neither a JSON pointer nor a line.
    unclear: usize,
    emit_failed: usize,
    panics: usize,
    over_limit: usize,
}

/// How many of the slowest cases the summary lists.
const SLOWEST: usize = 5;

impl Report {
    fn add(&mut self, input: Input, result: CaseResult, options: &Options, root: &Path) -> Result<()> {
        let tally = &mut self.tallies[usize::from(input.kind == Kind::Docs)];
        tally.cases += 1;
        let over = result.elapsed > options.limit;
        let failed = match &result.outcome {
            Outcome::Generated => {
                tally.generated += 1;
                false
            }
            Outcome::Refused(message) => {
                tally.refused += 1;
                if !names_a_place(message) {
                    tally.unclear += 1;
                    if self.unclear_examples.len() < 5 {
                        self.unclear_examples.push(message.lines().next().unwrap_or_default().chars().take(200).collect());
                    }
                }
                false
            }
            Outcome::EmitFailed(_) => {
                tally.emit_failed += 1;
                true
            }
            Outcome::Panicked(_) => {
                tally.panics += 1;
                true
            }
            Outcome::Abandoned => {
                self.abandoned += 1;
                true
            }
        };
        tally.over_limit += usize::from(over);
        self.note_time(&input, &result, options.seed);
        if options.only.is_some() && !(failed || over) {
            let saved = save(&input, &result, options, root)?;
            eprintln!("fuzz: {} ({:.3} s, {}): {}", describe(&input, options.seed), result.elapsed.as_secs_f64(), result.outcome.line(), saved.display());
        }
        if failed || over {
            self.failures += 1;
            let saved = save(&input, &result, options, root)?;
            eprintln!(
                "fuzz: FAILED ({:.3} s, {}) {}: {}",
                result.elapsed.as_secs_f64(),
                result.outcome.line(),
                describe(&input, options.seed),
                saved.display()
            );
        }
        Ok(())
    }

    fn note_time(&mut self, input: &Input, result: &CaseResult, seed: u64) {
        self.slowest.push((result.elapsed, describe(input, seed)));
        self.slowest.sort_by_key(|(elapsed, _)| std::cmp::Reverse(*elapsed));
        self.slowest.truncate(SLOWEST);
    }

    fn summary(&self, options: &Options) -> String {
        let mut out = String::new();
        for (kind, tally) in [Kind::OpenApi, Kind::Docs].iter().zip(&self.tallies) {
            let _ = writeln!(
                out,
                "{:<8} {} cases: {} generated, {} refused ({} naming neither a pointer nor a line), {} emitter errors, {} panics, {} over {:.1} s",
                kind.name(),
                tally.cases,
                tally.generated,
                tally.refused,
                tally.unclear,
                tally.emit_failed,
                tally.panics,
                tally.over_limit,
                options.limit.as_secs_f64()
            );
        }
        let _ = writeln!(out, "abandoned (still running after {} s): {}", ABANDON_AFTER.as_secs(), self.abandoned);
        for example in &self.unclear_examples {
            let _ = writeln!(out, "refusal naming no place: {example}");
        }
        let _ = writeln!(out, "slowest cases:");
        for (elapsed, case) in &self.slowest {
            let _ = writeln!(out, "  {:>7.3} s  {case}", elapsed.as_secs_f64());
        }
        out
    }
}

/// True when an error message names a JSON pointer or a line (`file:12:`), as every refusal
/// should.
fn names_a_place(message: &str) -> bool {
    let file_and_line = |line: &str| {
        let mut parts = line.splitn(3, ':');
        parts.next().is_some_and(|file| !file.is_empty()) && parts.next().is_some_and(|n| n.parse::<usize>().is_ok())
    };
    message.contains(" at /") || message.contains("line ") || message.contains(": at ") || file_and_line(message)
}

fn describe(input: &Input, seed: u64) -> String {
    format!("{} case {} (seed {seed}) from {}: {}", input.kind.name(), input.case, input.base, input.steps.join("; "))
}

/// Writes the case about to run to `current-case.{ext}` and what it is to `current-case.note`.
fn write_current(input: &Input, options: &Options) -> Result<()> {
    std::fs::create_dir_all(&options.out).with_context(|| format!("cannot create {}", options.out.display()))?;
    let path = options.out.join(format!("current-case.{}", input.extension));
    std::fs::write(&path, &input.text).with_context(|| format!("cannot write {}", path.display()))?;
    let note = format!("{}\nrunning; if the run ended here, it crashed on this input\n", describe(input, options.seed));
    std::fs::write(options.out.join("current-case.note"), note).context("cannot write the note")
}

/// Writes the input and a note of what was done to it and how it ended; returns the input's path.
fn save(input: &Input, result: &CaseResult, options: &Options, root: &Path) -> Result<PathBuf> {
    let out = if options.out.is_absolute() { options.out.clone() } else { root.join(&options.out) };
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let stem = format!("{}-seed{}-case{}", input.kind.name(), options.seed, input.case);
    let path = out.join(format!("{stem}.{}", input.extension));
    std::fs::write(&path, &input.text).with_context(|| format!("cannot write {}", path.display()))?;
    let note = format!(
        "{}\noutcome: {}\ntime: {:.3} s (limit {:.1} s)\nreplay: cargo xtask fuzz --replay {}\n",
        describe(input, options.seed),
        result.outcome.line(),
        result.elapsed.as_secs_f64(),
        options.limit.as_secs_f64(),
        path.display()
    );
    std::fs::write(out.join(format!("{stem}.note")), note).context("cannot write the note")?;
    Ok(path)
}

/// Runs saved cases again (`.txt`: docs, with the first target's overlay; else OpenAPI).
fn replay(root: &Path, options: &Options) -> Result<ExitCode> {
    let overlay = docs_bases(root)?.into_iter().next().map(|base| base.overlay);
    let mut failed = false;
    for path in &options.specs {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let docs = path.extension().is_some_and(|ext| ext == "txt");
        let kind = if docs { Kind::Docs } else { Kind::OpenApi };
        let extension = if docs { "txt" } else if text.trim_start().starts_with('{') { "json" } else { "yaml" };
        let overlay = if docs { overlay.clone() } else { None };
        let input = Input { kind, case: 0, base: path.display().to_string(), steps: Vec::new(), text, overlay, extension };
        let result = run_case(&input, options.limit);
        failed |= result.elapsed > options.limit || !matches!(result.outcome, Outcome::Generated | Outcome::Refused(_));
        println!("{}: {:.3} s: {}", path.display(), result.elapsed.as_secs_f64(), result.outcome.line());
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_are_caught_with_their_message_and_slow_cases_abandoned() {
        let _quiet = QuietPanics::install_on_threads(&["fuzz-case"]);
        let result = run_timed(|| panic!("boom in a case"), Duration::from_secs(5));
        assert!(matches!(&result.outcome, Outcome::Panicked(message) if message.contains("boom in a case")), "{}", result.outcome.line());
        let slow = run_timed(
            || {
                std::thread::sleep(Duration::from_millis(400));
                Outcome::Generated
            },
            Duration::from_millis(100),
        );
        assert!(matches!(slow.outcome, Outcome::Abandoned));
        assert!(slow.elapsed >= Duration::from_millis(100));
    }

    #[test]
    fn cases_are_the_same_for_the_same_seed() {
        let bases = vec![Base { name: "a".to_owned(), value: serde_json::json!({"openapi": "3.0.3", "paths": {"/x": {}}}) }];
        let texts = |seed| (0..20).map(|case| openapi_case(&bases, seed, case).text).collect::<Vec<_>>();
        assert_eq!(texts(9), texts(9));
        assert_ne!(texts(9), texts(10));
    }

    #[test]
    fn refusals_must_name_a_place() {
        assert!(names_a_place("spec.yaml: at /paths/~1a: missing field `responses`"));
        assert!(names_a_place("docs.txt:12: in block `GET /a`: table row does not end with `|`"));
        assert!(names_a_place("spec.json: line 3 column 1: EOF while parsing"));
        assert!(!names_a_place("spec.json: something went wrong"));
    }
}
