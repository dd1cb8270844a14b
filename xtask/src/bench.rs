//! `cargo xtask bench-build --spec FILE`: how long our generated crates take to compile, next to
//! progenitor's output for the same spec, measured in one run on one machine.
//!
//! Our crates (`NAME-types`, `NAME-client`, `NAME-server`) are generated in process into
//! `OUT/ws/ours/`. progenitor's (its default settings, the positional interface, with the
//! dependencies `cargo progenitor` writes) comes from a small program built in a workspace of its
//! own, `OUT/progenitor-gen/`, into `OUT/ws/progenitor/NAME-progenitor/`: progenitor never enters
//! the repository's workspace or lock file. The four crates are members of one scratch workspace,
//! `OUT/ws`, with one target folder. Each measured set's `cargo build` and `cargo check` run once
//! first, so every dependency is built with that set's own feature selection; then each run cleans
//! only the set's generated packages and times `cargo check -p ...` and `cargo build -p ...` under
//! `/usr/bin/time` (wall seconds; peak RSS of the largest single process, rustc). The table gives
//! medians, peaks, lines of generated Rust and the ratios of ours (types + client) to progenitor.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{anyhow, bail, Context, Result};
use generator::emit::CrateNames;

/// The progenitor release compared against: the generator program's requirement and the
/// `progenitor-client` requirement of its output (a 0.x minor is a breaking release, so it is
/// pinned; the manifest in `PROGENITOR_GEN_MAIN` follows `cargo progenitor` of this release).
const PROGENITOR_VERSION: &str = "0.15";

/// The timer: GNU time, for wall seconds (`%e`) and the peak RSS in KiB (`%M`).
const TIME: &str = "/usr/bin/time";

pub struct Options {
    pub spec: PathBuf,
    /// Crate-name stem; by default the spec's file stem.
    pub name: Option<String>,
    pub runs: usize,
    /// Scratch folder (absolute): `ws/` and `progenitor-gen/` are made under it.
    pub out: PathBuf,
    /// Our crates built with only these features (`--no-default-features --features F`; empty:
    /// none), instead of their defaults (every tag's feature). Not progenitor's.
    pub features: Option<String>,
    pub progenitor: bool,
    /// The report is appended to this file too.
    pub report: Option<PathBuf>,
}

/// Some generated crates compiled together: what one measured cargo command builds.
struct Set {
    label: String,
    /// Package names, each with its folder.
    crates: Vec<(String, PathBuf)>,
    /// `Some`: built with `--no-default-features` and these features (comma-separated, maybe none).
    features: Option<String>,
}

/// One timed cargo command.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Sample {
    seconds: f64,
    peak_kib: u64,
}

/// A set's samples over every run.
struct Measured {
    set: Set,
    check: Vec<Sample>,
    build: Vec<Sample>,
    /// Packages besides the set's that a timed command compiled (should be none: the warm-up
    /// built them), so their figures include those.
    also_compiled: BTreeSet<String>,
}

/// One line of the table.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    label: String,
    crates: String,
    lines: usize,
    check_seconds: f64,
    build_seconds: f64,
    check_peak_mib: f64,
    build_peak_mib: f64,
}

pub fn run(options: &Options) -> Result<ExitCode> {
    let spec = &options.spec;
    let text = std::fs::read_to_string(spec).with_context(|| format!("cannot read the spec {}", spec.display()))?;
    let name = options.name.clone().unwrap_or_else(|| crate_stem(spec));
    let ws = options.out.join("ws");
    let names = CrateNames::from_api_name(&name);
    let (operations, types) = generate_ours(spec, &text, &names, &ws.join("ours"))?;
    let progenitor = options.progenitor.then(|| generate_progenitor(spec, &options.out, &name)).transpose()?;
    let sets = measured_sets(&ws, &names, progenitor.as_deref(), options.features.as_deref());
    write_workspace(&ws, &sets)?;
    let cargo = Cargo::new(&ws)?;
    warm_up(&cargo, &sets)?;
    let measured = measure(&cargo, sets, options.runs)?;
    let rows = measured.iter().map(row).collect::<Result<Vec<_>>>()?;
    let caption = caption(spec, operations, types, options);
    let report = format!("{caption}\n{}\n{}{}", format_table(&rows), ratios(&rows), warnings(&measured));
    println!("\n{report}");
    if let Some(path) = &options.report {
        append(path, &report)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Our three crates, generated in process into a folder emptied first (so no file of an earlier
/// run is built or counted); the spec's operation and type counts.
fn generate_ours(spec: &Path, text: &str, names: &CrateNames, dir: &Path) -> Result<(usize, usize)> {
    let display = spec.display().to_string();
    eprintln!("bench: generating our crates from {display}");
    let api = generator::lower::load_and_lower(&display, text)
        .map_err(|e| anyhow!("{e}"))
        .context("our generator refused the spec")?;
    let files =
        generator::emit::generate(&api, names).map_err(|e| anyhow!("{display}: emitting our crates failed: {e}"))?;
    empty_dir(dir)?;
    for file in files {
        write_if_changed(&dir.join(&file.path), &file.contents)?;
    }
    Ok((api.operations.len(), api.types.len()))
}

/// progenitor's crate for the spec, by the generator program built in its own workspace; the
/// crate's package name.
fn generate_progenitor(spec: &Path, out: &Path, name: &str) -> Result<String> {
    let gen = out.join("progenitor-gen");
    write_if_changed(&gen.join("Cargo.toml"), &progenitor_gen_manifest())?;
    write_if_changed(&gen.join("src/main.rs"), &PROGENITOR_GEN_MAIN.replace("@PROGENITOR@", PROGENITOR_VERSION))?;
    let package = format!("{name}-progenitor");
    let crate_dir = out.join("ws").join("progenitor").join(&package);
    empty_dir(&crate_dir)?;
    eprintln!("bench: generating progenitor's crate (the first run builds progenitor {PROGENITOR_VERSION}: minutes)");
    let manifest = gen.join("Cargo.toml");
    let mut command = Command::new(cargo_program());
    command.args(["run", "--quiet", "--release", "--manifest-path"]).arg(&manifest).arg("--");
    command.arg(spec).arg(&crate_dir).arg(&package).env_remove("CARGO_TARGET_DIR").env("RUST_BACKTRACE", "0");
    without_cargo_run_env(&mut command);
    let output = command.output().context("cannot run cargo for progenitor's generator")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!(
            "progenitor could not generate a crate from {} (rerun with --no-progenitor to measure ours alone):\n{}",
            spec.display(),
            first_error_lines(&stderr)
        );
    }
    Ok(package)
}

fn progenitor_gen_manifest() -> String {
    format!(
        "# Written by `cargo xtask bench-build`; rewritten on every run. A workspace of its own, so\n\
         # progenitor never enters the repository's.\n\
         [package]\nname = \"progenitor-gen\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [workspace]\n\n\
         [dependencies]\n\
         progenitor = {{ version = \"{PROGENITOR_VERSION}\", default-features = false }}\n\
         # The same major as progenitor's, so its `OpenAPI` type is the one parsed here.\n\
         openapiv3 = \"2.2\"\nprettyplease = \"0.2\"\nserde_json = \"1\"\nserde_yaml = \"0.9\"\n\
         syn = {{ version = \"2\", features = [\"full\"] }}\n"
    )
}

/// The generator program: progenitor's default settings (the positional interface and merged
/// tags, as `cargo progenitor` defaults to), formatted with prettyplease (as ours is, so line
/// counts compare one formatter's output), and the manifest `cargo progenitor` writes for a crate
/// depending on `progenitor-client`.
const PROGENITOR_GEN_MAIN: &str = r##"//! Written by `cargo xtask bench-build`; rewritten on every run.
//! Usage: progenitor-gen SPEC OUT_DIR PACKAGE. Writes OUT_DIR/Cargo.toml and OUT_DIR/src/lib.rs.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [spec, out, package] = args.as_slice() else {
        return Err("usage: progenitor-gen SPEC OUT_DIR PACKAGE".into());
    };
    let text = std::fs::read_to_string(spec)?;
    let api: openapiv3::OpenAPI = match serde_json::from_str(&text) {
        Ok(api) => api,
        Err(_) => serde_yaml::from_str(&text)?,
    };
    let mut generator = progenitor::Generator::default();
    let tokens = generator.generate_tokens(&api)?;
    let code = prettyplease::unparse(&syn::parse2(tokens)?);
    let out = std::path::Path::new(out);
    std::fs::create_dir_all(out.join("src"))?;
    std::fs::write(out.join("Cargo.toml"), manifest(package, &generator))?;
    std::fs::write(out.join("src").join("lib.rs"), code)?;
    Ok(())
}

/// The dependencies `cargo progenitor` writes: a fixed list, and those the generated code uses.
fn manifest(package: &str, generator: &progenitor::Generator) -> String {
    let types = generator.get_type_space();
    let mut dependencies = vec![
        "bytes = \"1.9\"",
        "futures-core = \"0.3\"",
        "progenitor-client = \"@PROGENITOR@\"",
        "reqwest = { version = \"0.13\", default-features = false, features = [\"json\", \"query\", \"stream\"] }",
        "serde = { version = \"1.0\", features = [\"derive\"] }",
        "serde_urlencoded = \"0.7\"",
    ];
    let used = [
        (types.uses_regress(), "regress = \"0.10\""),
        (types.uses_uuid(), "uuid = { version = \"1.0\", features = [\"serde\", \"v4\"] }"),
        (types.uses_chrono(), "chrono = { version = \"0.4\", default-features = false, features = [\"serde\"] }"),
        (generator.uses_futures(), "futures = \"0.3\""),
        (generator.uses_websockets(), "base64 = \"0.22\""),
        (generator.uses_websockets(), "rand = \"0.8\""),
        (types.uses_serde_json(), "serde_json = \"1.0\""),
    ];
    dependencies.extend(used.into_iter().filter(|(used, _)| *used).map(|(_, line)| line));
    dependencies.sort_unstable();
    let dependencies = dependencies.join("\n");
    format!("[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{dependencies}\n")
}
"##;

/// Ours as a client user builds it (types + client) and as a server user does (types + server);
/// then progenitor's one crate.
fn measured_sets(ws: &Path, names: &CrateNames, progenitor: Option<&str>, features: Option<&str>) -> Vec<Set> {
    let ours = |label: &str, packages: [&str; 2]| {
        let crates = packages.map(|package| (package.to_owned(), ws.join("ours").join(package))).to_vec();
        Set { label: label.to_owned(), crates, features: features.map(|f| features_for(f, &packages)) }
    };
    let mut sets = vec![
        ours("ours: types+client", [&names.types, &names.client]),
        ours("ours: types+server", [&names.types, &names.server]),
    ];
    if let Some(package) = progenitor {
        let dir = ws.join("progenitor").join(package);
        sets.push(Set { label: "progenitor".into(), crates: vec![(package.to_owned(), dir)], features: None });
    }
    sets
}

/// The features of a `--features` list that a set's packages can have: every plain name (cargo
/// enables it on each selected package that has it) and `PKG/FEATURE` of the set's packages.
fn features_for(features: &str, packages: &[&str]) -> String {
    let kept: Vec<&str> = features
        .split([',', ' '])
        .filter(|f| !f.is_empty())
        .filter(|f| f.split_once('/').is_none_or(|(package, _)| packages.contains(&package)))
        .collect();
    kept.join(",")
}

/// `OUT/ws/Cargo.toml` with every set's crates as members, and the repository's lock file, so
/// our crates build against the dependency versions the repository tests.
fn write_workspace(ws: &Path, sets: &[Set]) -> Result<()> {
    let mut members: Vec<String> = Vec::new();
    for (_, dir) in sets.iter().flat_map(|set| &set.crates) {
        let relative = dir.strip_prefix(ws).unwrap_or(dir).to_string_lossy().replace('\\', "/");
        if !members.contains(&relative) {
            members.push(relative);
        }
    }
    let members = members.iter().map(|m| format!("    \"{m}\",\n")).collect::<String>();
    let manifest = format!(
        "# Scratch workspace of `cargo xtask bench-build`; rewritten on every run.\n[workspace]\nresolver = \"2\"\nmembers = [\n{members}]\n{}",
        crate::corpus::SCRATCH_PROFILE
    );
    write_if_changed(&ws.join("Cargo.toml"), &manifest)?;
    let lock = crate::workspace_root().join("Cargo.lock");
    std::fs::copy(&lock, ws.join("Cargo.lock")).with_context(|| format!("cannot copy {}", lock.display()))?;
    Ok(())
}

/// Each set's build and check once, online (progenitor's dependencies are not in the
/// repository's lock file): every dependency built with the feature selection it is measured with.
fn warm_up(cargo: &Cargo, sets: &[Set]) -> Result<()> {
    for set in sets {
        eprintln!("bench: warm-up: {} (dependencies build on the first run)", set.label);
        cargo.run(&set_args("build", set, false))?;
        cargo.run(&set_args("check", set, true))?;
    }
    Ok(())
}

/// Every run cleans and times each set in turn (interleaved, so a slow patch of the machine
/// falls on every set rather than one).
fn measure(cargo: &Cargo, sets: Vec<Set>, runs: usize) -> Result<Vec<Measured>> {
    let new = |set| Measured { set, check: vec![], build: vec![], also_compiled: BTreeSet::new() };
    let mut measured: Vec<Measured> = sets.into_iter().map(new).collect();
    for run in 1..=runs {
        for m in &mut measured {
            let check = m.timed(cargo, "check")?;
            let build = m.timed(cargo, "build")?;
            eprintln!(
                "bench: run {run}/{runs} {}: check {:.1}s ({:.0} MiB), build {:.1}s ({:.0} MiB)",
                m.set.label,
                check.seconds,
                mib(check.peak_kib),
                build.seconds,
                mib(build.peak_kib)
            );
            m.check.push(check);
            m.build.push(build);
        }
    }
    Ok(measured)
}

impl Measured {
    /// The set's packages cleaned, then `cargo VERB` of them timed; any other package it
    /// compiles is noted.
    fn timed(&mut self, cargo: &Cargo, verb: &str) -> Result<Sample> {
        cargo.clean(&self.set)?;
        let (sample, stderr) = cargo.timed(&set_args(verb, &self.set, true))?;
        let ours = |name: &String| self.set.crates.iter().any(|(package, _)| package == name);
        for other in compiled_packages(&stderr).into_iter().filter(|name| !ours(name)) {
            eprintln!("bench: warning: `cargo {verb}` of {} also compiled {other}", self.set.label);
            self.also_compiled.insert(other);
        }
        Ok(sample)
    }
}

/// The packages of cargo's `Compiling NAME v1.2.3` and `Checking NAME v1.2.3` lines.
fn compiled_packages(stderr: &str) -> Vec<String> {
    let named = |line: &str| {
        let rest =
            line.trim_start().strip_prefix("Compiling ").or_else(|| line.trim_start().strip_prefix("Checking "))?;
        rest.split_whitespace().next().map(str::to_owned)
    };
    stderr.lines().filter_map(named).collect()
}

/// `cargo check|build --message-format short -p A -p B [--no-default-features [--features F]] [--offline]`.
fn set_args(verb: &str, set: &Set, offline: bool) -> Vec<String> {
    let mut args = vec![verb.to_owned(), "--message-format".into(), "short".into()];
    for (package, _) in &set.crates {
        args.extend(["-p".to_owned(), package.clone()]);
    }
    if let Some(features) = &set.features {
        args.push("--no-default-features".into());
        if !features.is_empty() {
            args.extend(["--features".to_owned(), features.clone()]);
        }
    }
    if offline {
        args.push("--offline".into());
    }
    args
}

/// Cargo commands in the scratch workspace, with its target folder and no incremental state.
struct Cargo {
    ws: PathBuf,
    program: String,
    /// Where GNU time writes its figures.
    time_file: PathBuf,
}

impl Cargo {
    fn new(ws: &Path) -> Result<Self> {
        if !Path::new(TIME).is_file() {
            bail!("{TIME} (GNU time) is needed for wall time and peak memory; install the `time` package");
        }
        Ok(Cargo { ws: ws.to_owned(), program: cargo_program(), time_file: ws.join("time.txt") })
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        without_cargo_run_env(&mut command);
        command.current_dir(&self.ws).env("CARGO_TARGET_DIR", self.ws.join("target")).env("CARGO_INCREMENTAL", "0");
        command
    }

    fn run(&self, args: &[String]) -> Result<()> {
        let output = self.command(&self.program).args(args).output().context("cannot run cargo")?;
        self.checked(args, &output)
    }

    /// The command's figures and its stderr.
    fn timed(&self, args: &[String]) -> Result<(Sample, String)> {
        let mut command = self.command(TIME);
        command.args(["-f", "%e %M", "-o"]).arg(&self.time_file).arg(&self.program).args(args);
        let output = command.output().with_context(|| format!("cannot run {TIME}"))?;
        self.checked(args, &output)?;
        let figures = std::fs::read_to_string(&self.time_file).context("cannot read GNU time's figures")?;
        Ok((parse_time(&figures)?, String::from_utf8_lossy(&output.stderr).into_owned()))
    }

    fn clean(&self, set: &Set) -> Result<()> {
        let mut args = vec!["clean".to_owned(), "--offline".into(), "--quiet".into()];
        for (package, _) in &set.crates {
            args.extend(["-p".to_owned(), package.clone()]);
        }
        self.run(&args)
    }

    fn checked(&self, args: &[String], output: &std::process::Output) -> Result<()> {
        if output.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        bail!("`cargo {}` failed in {}:\n{}", args.join(" "), self.ws.display(), first_error_lines(&stderr))
    }
}

/// Drops the variables `cargo run` set for this program: some build scripts rerun when they
/// change, so the same commands typed in a shell would otherwise rebuild dependencies.
fn without_cargo_run_env(command: &mut Command) {
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(set_by_cargo_run) {
            command.env_remove(name);
        }
    }
}

/// Whether `cargo run` sets this variable for the program it runs (cargo's configuration
/// variables, `CARGO_HOME`, `CARGO_BUILD_JOBS` and the like, are the user's and kept).
fn set_by_cargo_run(name: &str) -> bool {
    const NAMES: [&str; 8] = [
        "CARGO",
        "CARGO_MANIFEST_DIR",
        "CARGO_MANIFEST_PATH",
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_RUSTC_CURRENT_DIR",
        "CARGO_ENCODED_RUSTFLAGS",
    ];
    NAMES.contains(&name) || name.starts_with("CARGO_PKG_") || name.starts_with("CARGO_BIN_EXE_")
}

fn cargo_program() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// GNU time's `%e %M` line (the last line; a failed command's status line comes before it).
fn parse_time(figures: &str) -> Result<Sample> {
    let line = figures.lines().rev().find(|line| !line.trim().is_empty()).unwrap_or("");
    let mut fields = line.split_whitespace();
    let parsed = (fields.next().and_then(|s| s.parse().ok()), fields.next().and_then(|s| s.parse().ok()));
    match parsed {
        (Some(seconds), Some(peak_kib)) => Ok(Sample { seconds, peak_kib }),
        _ => bail!("GNU time wrote `{line}`, not `SECONDS PEAK_KIB`"),
    }
}

/// From the first error (or panic) line of cargo's output, at most 20 lines (else its last 20).
fn first_error_lines(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let is_error =
        |line: &&str| line.starts_with("error") || line.contains(": error") || line.contains(" panicked at ");
    let start = lines.iter().position(is_error).unwrap_or(lines.len().saturating_sub(20));
    let shown = &lines[start..lines.len().min(start + 20)];
    let more = lines.len() - start - shown.len();
    let mut text = shown.join("\n");
    if more > 0 {
        let _ = write!(text, "\n... ({more} more lines)");
    }
    text
}

fn row(measured: &Measured) -> Result<Row> {
    let mut lines = 0;
    for (_, dir) in &measured.set.crates {
        lines += rust_lines(&dir.join("src"))?;
    }
    let seconds = |samples: &[Sample]| median(&samples.iter().map(|s| s.seconds).collect::<Vec<_>>());
    let peak = |samples: &[Sample]| mib(samples.iter().map(|s| s.peak_kib).max().unwrap_or(0));
    Ok(Row {
        label: measured.set.label.clone(),
        crates: measured.set.crates.iter().map(|(package, _)| package.as_str()).collect::<Vec<_>>().join(", "),
        lines,
        check_seconds: seconds(&measured.check),
        build_seconds: seconds(&measured.build),
        check_peak_mib: peak(&measured.check),
        build_peak_mib: peak(&measured.build),
    })
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Lines of every `.rs` file under a folder, recursively.
fn rust_lines(dir: &Path) -> Result<usize> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            total += rust_lines(&path)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            total += count_lines(
                &std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?,
            );
        }
    }
    Ok(total)
}

fn count_lines(text: &str) -> usize {
    text.lines().count()
}

fn format_table(rows: &[Row]) -> String {
    let mut table = String::from(
        "| set | crates | lines of Rust | check s (median) | build s (median) | check peak MiB | build peak MiB |\n\
         |---|---|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let _ = writeln!(
            table,
            "| {} | {} | {} | {:.1} | {:.1} | {} | {} |",
            row.label,
            row.crates,
            thousands(row.lines),
            row.check_seconds,
            row.build_seconds,
            thousands(row.check_peak_mib.round() as usize),
            thousands(row.build_peak_mib.round() as usize)
        );
    }
    table
}

/// Ours (types + client, what a client user compiles) over progenitor's crate.
fn ratios(rows: &[Row]) -> String {
    let (Some(ours), Some(theirs)) =
        (rows.iter().find(|r| r.label == "ours: types+client"), rows.iter().find(|r| r.label == "progenitor"))
    else {
        return "No progenitor crate in this run (--no-progenitor): no ratios.\n".to_owned();
    };
    format!(
        "ours (types+client) / progenitor: check {:.2}×, build {:.2}×, build peak memory {:.2}×, lines {:.2}×\n",
        ours.check_seconds / theirs.check_seconds,
        ours.build_seconds / theirs.build_seconds,
        ours.build_peak_mib / theirs.build_peak_mib,
        ours.lines as f64 / theirs.lines as f64
    )
}

/// A note when a timed command compiled more than the set's own packages.
fn warnings(measured: &[Measured]) -> String {
    let mut text = String::new();
    for m in measured.iter().filter(|m| !m.also_compiled.is_empty()) {
        let others = m.also_compiled.iter().map(String::as_str).collect::<Vec<_>>().join(", ");
        let _ = writeln!(
            text,
            "\nWarning: the timed commands of {} also compiled {others}; its figures include them.",
            m.set.label
        );
    }
    text
}

/// What was measured and where: the heading and settings line above the table.
fn caption(spec: &Path, operations: usize, types: usize, options: &Options) -> String {
    let command: Vec<String> = std::env::args().skip(1).collect();
    let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned())).arg("--version").output();
    let rustc =
        rustc.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned()).unwrap_or_else(|_| "rustc ?".into());
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let load =
        std::fs::read_to_string("/proc/loadavg").ok().and_then(|l| l.split_whitespace().next().map(str::to_owned));
    let file = spec.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let features = match &options.features {
        Some(features) => format!("; ours with `--no-default-features --features \"{features}\"`"),
        None => "; ours with default features".to_owned(),
    };
    let progenitor = match options.progenitor {
        true => format!("; progenitor {PROGENITOR_VERSION}, positional interface"),
        false => String::new(),
    };
    format!(
        "### Build benchmark: {file} ({operations} operations, {types} types in our IR)\n\n\
         `cargo xtask {}`: {rustc}, {cpus} CPUs, load average {} at the end; medians of {} run(s), \
         generated crates only (dependencies already built), `CARGO_INCREMENTAL=0`, `debug = 0`{features}{progenitor}.\n",
        command.join(" "),
        load.as_deref().unwrap_or("?"),
        options.runs
    )
}

fn append(path: &Path, report: &str) -> Result<()> {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    writeln!(file, "{report}").with_context(|| format!("cannot write {}", path.display()))
}

/// The spec's file stem as a package-name stem (`api.github.com.json` → `api-github-com`).
fn crate_stem(spec: &Path) -> String {
    let stem = spec.file_stem().and_then(|s| s.to_str()).unwrap_or("api").to_ascii_lowercase();
    let parts: Vec<&str> = stem.split(|c: char| !c.is_ascii_alphanumeric()).filter(|p| !p.is_empty()).collect();
    match parts.first() {
        None => "api".to_owned(),
        Some(first) if first.starts_with(|c: char| c.is_ascii_digit()) => format!("api-{}", parts.join("-")),
        Some(_) => parts.join("-"),
    }
}

fn empty_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot clear {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}

/// Writes only when the contents differ, so an unchanged file does not rebuild anything.
fn write_if_changed(path: &Path, contents: &str) -> Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|current| current == contents) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}

/// `1234567` as `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let first = (digits.len() + 2) % 3 + 1;
    let mut grouped = digits[..first].to_owned();
    for start in (first..digits.len()).step_by(3) {
        grouped.push(',');
        grouped.push_str(&digits[start..start + 3]);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[7.5]), 7.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn lines_are_counted_with_or_without_a_final_newline() {
        assert_eq!(count_lines(""), 0);
        assert_eq!(count_lines("a\nb\n"), 2);
        assert_eq!(count_lines("a\n\nb"), 3);
    }

    #[test]
    fn rust_lines_walk_folders_and_skip_other_files() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-lines-{}", std::process::id()));
        write_if_changed(&dir.join("lib.rs"), "a\nb\n").unwrap();
        write_if_changed(&dir.join("runtime/retry.rs"), "c\n").unwrap();
        write_if_changed(&dir.join("README.md"), "not\ncounted\n").unwrap();
        let lines = rust_lines(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(lines, 3);
    }

    #[test]
    fn table_and_ratios() {
        let row = |label: &str, lines, check, build, peak| Row {
            label: label.to_owned(),
            crates: "a, b".to_owned(),
            lines,
            check_seconds: check,
            build_seconds: build,
            check_peak_mib: peak / 2.0,
            build_peak_mib: peak,
        };
        let rows = [row("ours: types+client", 12345, 3.0, 9.0, 1500.0), row("progenitor", 1000, 2.0, 6.0, 1000.0)];
        let table = format_table(&rows);
        assert_eq!(table.lines().nth(2), Some("| ours: types+client | a, b | 12,345 | 3.0 | 9.0 | 750 | 1,500 |"));
        assert_eq!(table.lines().count(), 4);
        assert_eq!(
            ratios(&rows),
            "ours (types+client) / progenitor: check 1.50×, build 1.50×, build peak memory 1.50×, lines 12.35×\n"
        );
        assert!(ratios(&rows[..1]).starts_with("No progenitor crate"));
    }

    #[test]
    fn gnu_time_figures_are_read_from_the_last_line() {
        assert_eq!(parse_time("12.34 567890\n").unwrap(), Sample { seconds: 12.34, peak_kib: 567890 });
        assert_eq!(parse_time("Command exited with non-zero status 1\n0.50 1024\n").unwrap().peak_kib, 1024);
        assert!(parse_time("").is_err());
    }

    #[test]
    fn first_error_lines_start_at_the_error() {
        let stderr = "   Compiling a v0.1.0\nwarning: unused\nsrc/lib.rs:1:5: error[E0308]: mismatched types\nerror: could not compile `a`";
        assert_eq!(
            first_error_lines(stderr),
            "src/lib.rs:1:5: error[E0308]: mismatched types\nerror: could not compile `a`"
        );
        let panic = "   Compiling x\nthread 'main' (1) panicked at src/method.rs:1:2:\nnot yet implemented";
        assert!(first_error_lines(panic).starts_with("thread 'main' (1) panicked"));
        let long: String = (0..30).map(|i| format!("line {i}\n")).collect();
        assert!(first_error_lines(&long).starts_with("line 10\n"));
    }

    #[test]
    fn compiled_packages_are_read_from_cargo_progress_lines() {
        let stderr = "   Compiling ring v0.17.14\n    Checking nexus-types v0.1.0 (/ws/ours/nexus-types)\nwarning: unused\n    Finished `dev`";
        assert_eq!(compiled_packages(stderr), ["ring", "nexus-types"]);
    }

    #[test]
    fn only_the_variables_of_cargo_run_are_dropped() {
        assert!(
            set_by_cargo_run("CARGO_PKG_NAME") && set_by_cargo_run("CARGO_MANIFEST_DIR") && set_by_cargo_run("CARGO")
        );
        assert!(!set_by_cargo_run("CARGO_HOME") && !set_by_cargo_run("CARGO_BUILD_JOBS") && !set_by_cargo_run("PATH"));
    }

    #[test]
    fn features_are_kept_for_the_sets_they_name() {
        let client = ["n-types", "n-client"];
        assert_eq!(features_for("a, n-client/b,n-server/c", &client), "a,n-client/b");
        assert_eq!(features_for("n-server/c", &client), "");
        assert_eq!(features_for("", &client), "");
    }

    #[test]
    fn crate_stems_and_thousands() {
        assert_eq!(crate_stem(Path::new("target/corpus-specs/github/api.github.com.json")), "api-github-com");
        assert_eq!(crate_stem(Path::new("nexus.json")), "nexus");
        assert_eq!(crate_stem(Path::new("2.0.yaml")), "api-2-0");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(123456), "123,456");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
