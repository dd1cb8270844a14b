//! `cargo xtask conformance SPEC... [--expect FILE] [--examples N] [--seed N]`: an independent
//! judge of the generated server. For each spec, its mock (`mock.rs`) is built and started on a
//! loopback port with generated credentials (the only ones it accepts), and schemathesis,
//! installed from PyPI into `target/schemathesis-venv`, runs every check on every operation with
//! positive and negative data (`--checks all --mode all`) and those credentials. What is
//! relaxed, and why, is in `xtask/conformance/schemathesis.toml`; nothing else is. The same
//! judgement runs inside `cargo xtask corpus --roundtrip --conformance`, on the round-trip
//! binaries it built.
//!
//! Each failure schemathesis reports is one of three kinds: listed in the `conformance:`
//! section of an expectations file with its reason; an undocumented status of a refusal by an
//! operation that documents none the server could use (unavoidable, counted); or unexpected,
//! which fails the run. One line per spec; the full output of each run is kept in
//! `target/conformance/<name>/schemathesis.log`.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};

use anyhow::{anyhow, bail, Context, Result};
use generator::ir::{Api, SecuritySchemeKind, StatusSpec};

/// The schemathesis release the judgement is made with (as in `examples/pipedrive-mock`).
const SCHEMATHESIS: &str = "4.32.5";

pub struct Options {
    pub specs: Vec<PathBuf>,
    /// Failures expected of some specs, each with its reason (see [`Expectations`]).
    pub expect: Option<PathBuf>,
    /// Examples per operation and phase (`--max-examples`).
    pub examples: u64,
    /// Seed of schemathesis's data and of the mock's answers.
    pub seed: u64,
    pub offline: bool,
    pub files: generator::load::FileOptions,
    pub warnings: crate::warnings::WarningArgs,
}

/// How one spec fared.
pub struct Verdict {
    /// Failures neither listed nor unavoidable.
    unexpected: Vec<Failure>,
    /// Undocumented statuses of refusals by operations that document no error response.
    unavoidable: usize,
    /// Failures listed in the expectations.
    listed: usize,
    /// schemathesis's summary: the test cases line and the closing line.
    summary: String,
    log: PathBuf,
}

/// One failure schemathesis reported: the operation (`POST /notes`), the check's code and
/// title (`ST103 Undocumented status code`), and the status received, when it says.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Failure {
    operation: String,
    code: String,
    title: String,
    status: Option<u16>,
}

impl Failure {
    /// How an expectations file names it: `POST /notes ST103`.
    fn key(&self) -> String {
        format!("{} {}", self.operation, self.code)
    }
}

pub fn run(options: &Options) -> Result<ExitCode> {
    let root = crate::workspace_root();
    let expectations = crate::corpus::conformance_expectations(options.expect.as_deref())?;
    let judge = Judge::new(&root, options.examples, options.seed)?;
    let mut failed = 0;
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for spec in &options.specs {
        let shown = spec.display().to_string();
        let stem = crate::mock::crate_stem(spec);
        let seen = names.entry(stem.clone()).or_insert(0);
        *seen += 1;
        let name = if *seen == 1 { stem } else { format!("{stem}-{seen}") };
        let expected: BTreeMap<String, String> =
            expectations.iter().filter(|(key, _)| spec.ends_with(key.as_str())).flat_map(|(_, cases)| cases.clone()).collect();
        let verdict = build_mock(&root, spec, options).and_then(|built| judge.judge(&name, spec, &built.binary, &built.api, &expected));
        match verdict {
            Ok(verdict) if verdict.passed() => println!("conformance: {shown}: ok ({})", verdict.counts()),
            Ok(verdict) => {
                failed += 1;
                println!("conformance: {shown}: FAILED ({}; see {})", verdict.counts(), verdict.log.display());
                for line in verdict.unexpected_lines() {
                    println!("  {line}");
                }
            }
            Err(error) => {
                failed += 1;
                println!("conformance: {shown}: FAILED: {error:#}");
            }
        }
    }
    println!("conformance: {} specs, {} passed, {failed} failed", options.specs.len(), options.specs.len() - failed);
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The mock of `spec`, built as `cargo xtask mock` builds it.
fn build_mock(root: &Path, spec: &Path, options: &Options) -> Result<crate::mock::Built> {
    let mock_options = crate::mock::Options {
        spec: spec.to_owned(),
        listen: "127.0.0.1:0".to_owned(),
        seed: options.seed,
        credentials: Vec::new(),
        out: root.join("target"),
        offline: options.offline,
        files: options.files.clone(),
        warnings: options.warnings.clone(),
    };
    crate::mock::build(&mock_options)?.ok_or_else(|| anyhow!("the mock did not build"))
}

/// schemathesis, ready to judge mocks: where it is, what it relaxes, how much it tries.
pub struct Judge {
    schemathesis: PathBuf,
    relaxed: String,
    /// `target/conformance`: a folder per spec with its config and log.
    dir: PathBuf,
    examples: u64,
    seed: u64,
}

impl Judge {
    /// Installs schemathesis (once) and reads the relaxations.
    pub fn new(root: &Path, examples: u64, seed: u64) -> Result<Judge> {
        let schemathesis = install_schemathesis(&root.join("target").join("schemathesis-venv"))?;
        let relaxed = std::fs::read_to_string(root.join("xtask/conformance/schemathesis.toml")).context("cannot read the relaxations")?;
        Ok(Judge { schemathesis, relaxed, dir: root.join("target").join("conformance"), examples, seed })
    }

    /// Starts the mock `binary` of `spec` with generated credentials, runs schemathesis
    /// against it, stops it, and sorts the failures (`expected`: failure key → reason).
    /// `name` names the folder of its config and log (unique among the specs judged).
    pub fn judge(&self, name: &str, spec: &Path, binary: &Path, api: &Api, expected: &BTreeMap<String, String>) -> Result<Verdict> {
        if api.operations.is_empty() {
            let summary = "no operations to judge".to_owned();
            return Ok(Verdict { unexpected: Vec::new(), unavoidable: 0, listed: 0, summary, log: PathBuf::new() });
        }
        let credentials = Credentials::for_api(api);
        let dir = self.dir.join(name);
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let config = dir.join("schemathesis.toml");
        std::fs::write(&config, format!("{}\n{}", self.relaxed, credentials.toml())).context("cannot write the schemathesis config")?;
        let (mut mock, address) = start_mock(binary, self.seed, &credentials.arguments())?;
        let log = dir.join("schemathesis.log");
        let outcome = self.run_schemathesis(&config, spec, &address, api, &log);
        let _ = mock.kill();
        let _ = mock.wait();
        let (passed, output) = outcome?;
        Ok(Verdict::sort(api, passed, &output, expected, log))
    }

    /// schemathesis against the mock at `address`, once per path the server mounts operations
    /// under (each run's base URL is that path); whether every run passed, and their output.
    fn run_schemathesis(&self, config: &Path, spec: &Path, address: &str, api: &Api, log: &Path) -> Result<(bool, String)> {
        let groups = operations_by_base(api);
        let mut output = String::new();
        let mut passed = true;
        for (base, paths) in &groups {
            let mut command = Command::new(&self.schemathesis);
            command.arg("--config-file").arg(config).arg("--no-color").arg("run").arg(spec);
            command.args(["--url", &format!("{address}{base}"), "--checks", "all", "--mode", "all"]);
            command.args(["--max-examples", &self.examples.to_string(), "--seed", &self.seed.to_string()]);
            // No examples kept from earlier runs (`.hypothesis/` in the working folder): the
            // same seed finds the same failures on a fresh clone as on a used one.
            command.args(["--generation-database", "none"]);
            // With one base path every operation is in the run; otherwise each run takes its own.
            if groups.len() > 1 {
                for path in paths {
                    command.args(["--include-path", path]);
                }
            }
            let out = command.output().with_context(|| format!("cannot run {}", self.schemathesis.display()))?;
            passed &= out.status.success();
            output.push_str(&String::from_utf8_lossy(&out.stdout));
            output.push_str(&String::from_utf8_lossy(&out.stderr));
        }
        std::fs::write(log, &output).with_context(|| format!("cannot write {}", log.display()))?;
        Ok((passed, output))
    }
}

/// The schemathesis executable of `venv`, installed there first unless it is the release wanted.
fn install_schemathesis(venv: &Path) -> Result<PathBuf> {
    let executable = venv.join("bin").join("schemathesis");
    let installed = Command::new(&executable).arg("--version").output().is_ok_and(|out| String::from_utf8_lossy(&out.stdout).contains(SCHEMATHESIS));
    if installed {
        return Ok(executable);
    }
    eprintln!("conformance: installing schemathesis {SCHEMATHESIS} from PyPI into {}", venv.display());
    let created = Command::new("python3").args(["-m", "venv"]).arg(venv).status().context("cannot run python3")?;
    if !created.success() {
        bail!("python3 -m venv {} failed", venv.display());
    }
    let pip = venv.join("bin").join("pip");
    let package = format!("schemathesis=={SCHEMATHESIS}");
    let status = Command::new(pip).args(["install", "--quiet", "--disable-pip-version-check", &package]).status().context("cannot run pip")?;
    if !status.success() {
        bail!("pip could not install {package}");
    }
    Ok(executable)
}

impl Verdict {
    /// The failures of a run (`passed`: schemathesis's own exit status) sorted into listed,
    /// unavoidable and unexpected.
    fn sort(api: &Api, passed: bool, output: &str, expected: &BTreeMap<String, String>, log: PathBuf) -> Verdict {
        let mut verdict = Verdict { unexpected: Vec::new(), unavoidable: 0, listed: 0, summary: summary(output), log };
        let mut found = failures(output);
        if !passed && found.is_empty() {
            // Listed as `- run` where schemathesis cannot read the spec at all.
            let title = "schemathesis failed without reporting a check (an error in the run)".to_owned();
            found.push(Failure { operation: "-".to_owned(), code: "run".to_owned(), title, status: None });
        }
        for failure in found {
            if expected.contains_key(&failure.key()) {
                verdict.listed += 1;
            } else if undocumented_refusal(api, &failure) {
                verdict.unavoidable += 1;
            } else {
                verdict.unexpected.push(failure);
            }
        }
        verdict
    }

    /// No failure that is neither listed nor unavoidable.
    pub fn passed(&self) -> bool {
        self.unexpected.is_empty()
    }

    /// One line per unexpected failure: `POST /notes ST103 Undocumented status code (received 400)`.
    pub fn unexpected_lines(&self) -> Vec<String> {
        self.unexpected
            .iter()
            .map(|failure| {
                let status = failure.status.map(|status| format!(" (received {status})")).unwrap_or_default();
                format!("{} {}{status}", failure.key(), failure.title)
            })
            .collect()
    }

    /// schemathesis's summary, and how many failures were listed, unavoidable or unexpected.
    pub fn counts(&self) -> String {
        let mut parts = vec![self.summary.clone()];
        if self.unavoidable > 0 {
            parts.push(format!("{} refusals whose status the operation leaves undocumented", self.unavoidable));
        }
        if self.listed > 0 {
            parts.push(format!("{} listed", self.listed));
        }
        if !self.unexpected.is_empty() {
            parts.push(format!("{} unexpected", self.unexpected.len()));
        }
        parts.join("; ")
    }
}

/// The mock started on a free loopback port, and its address (`http://127.0.0.1:PORT`).
fn start_mock(binary: &Path, seed: u64, credentials: &[String]) -> Result<(Child, String)> {
    let mut child = Command::new(binary)
        .args(crate::mock::mock_args("127.0.0.1:0", seed, credentials))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))?;
    let mut line = String::new();
    if let Some(stdout) = child.stdout.take() {
        BufReader::new(stdout).read_line(&mut line).context("cannot read the mock's address")?;
    }
    match line.strip_prefix("mock listening on ").and_then(|rest| rest.split_whitespace().next()) {
        Some(address) => Ok((child, address.to_owned())),
        None => {
            let _ = child.kill();
            Err(anyhow!("the mock did not report its address (it printed `{}`)", line.trim()))
        }
    }
}

/// The spec's paths grouped by the base path the server mounts their operations under.
fn operations_by_base(api: &Api) -> BTreeMap<String, Vec<String>> {
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for op in &api.operations {
        let paths = groups.entry(generator::emit::mounted_base_path(api, op)).or_default();
        if !paths.contains(&op.path) {
            paths.push(op.path.clone());
        }
    }
    groups
}

/// The failures in schemathesis's report: each block under `METHOD /path` lists checks as
/// `- STnnn Title`, with `Received: STATUS` where a status is at issue.
fn failures(output: &str) -> Vec<Failure> {
    let mut found: Vec<Failure> = Vec::new();
    let mut operation: Option<String> = None;
    let mut in_failures = false;
    for line in output.lines().map(str::trim) {
        if line.starts_with("===") {
            in_failures = line.contains(" FAILURES ");
            continue;
        }
        if !in_failures {
            continue;
        }
        if line.starts_with('_') && line.ends_with('_') {
            operation = Some(line.trim_matches(|c| c == '_' || c == ' ').to_owned());
        } else if let (Some(check), Some(operation)) = (line.strip_prefix("- ST"), &operation) {
            let (number, title) = check.split_once(' ').unwrap_or((check, ""));
            let failure = Failure { operation: operation.clone(), code: format!("ST{number}"), title: title.to_owned(), status: None };
            if !found.contains(&failure) {
                found.push(failure);
            }
        } else if let (Some(status), Some(last)) = (line.strip_prefix("Received: "), found.last_mut()) {
            last.status = last.status.or_else(|| status.trim().parse().ok());
        }
    }
    found
}

/// An undocumented status (ST103) of a refusal (4xx) by an operation that documents no
/// response the server could refuse with instead: not that status, nor for invalid input
/// (400) a 422, nor the 4XX range, nor `default`. The server must refuse what breaks the spec,
/// and the spec leaves it no documented status to do so with, so the refusal answers the
/// status HTTP gives it.
fn undocumented_refusal(api: &Api, failure: &Failure) -> bool {
    let Some(status) = failure.status.filter(|status| failure.code == "ST103" && (400..500).contains(status)) else {
        return false;
    };
    let Some((method, path)) = failure.operation.split_once(' ') else { return false };
    let op = api.operations.iter().find(|op| op.method.as_str().eq_ignore_ascii_case(method) && op.path == path);
    op.is_some_and(|op| !op.responses.iter().any(|response| could_refuse_with(response.status, status)))
}

/// Whether a documented status is one a refusal of natural status `status` could answer.
fn could_refuse_with(documented: StatusSpec, status: u16) -> bool {
    match documented {
        StatusSpec::Code(code) => code == status || (status == 400 && code == 422),
        StatusSpec::Range(digit) => digit == 4,
        StatusSpec::Default => true,
    }
}

/// schemathesis's own summary: its "N generated, ..." test-case line and its closing line.
fn summary(output: &str) -> String {
    let lines: Vec<&str> = output.lines().map(str::trim).collect();
    let cases = lines.iter().position(|line| *line == "Test cases:").and_then(|index| lines.get(index + 1)).copied();
    let closing = lines.iter().rev().find(|line| line.starts_with("===") && line.ends_with("===")).map(|line| line.trim_matches(|c| c == '=' || c == ' '));
    match (cases, closing) {
        (Some(cases), Some(closing)) => format!("{cases}; {closing}"),
        (None, Some(closing)) => closing.to_owned(),
        (Some(cases), None) => cases.to_owned(),
        (None, None) => "schemathesis printed no summary".to_owned(),
    }
}

/// The credentials the mock is started with (the only ones it accepts) and schemathesis is
/// given: one per security scheme; every bearer scheme (OAuth2, OpenID Connect, HTTP bearer)
/// shares one token, as one `Authorization` header carries it for all of them.
struct Credentials {
    /// Scheme name → kind and value.
    by_scheme: Vec<(String, Kind, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    ApiKey,
    Basic,
    Bearer,
}

const API_KEY: &str = "conformance-key";
const BEARER: &str = "conformance-token";
const USER: &str = "conformance";
const PASSWORD: &str = "conformance-secret";

impl Credentials {
    fn for_api(api: &Api) -> Credentials {
        let by_scheme = api
            .security_schemes
            .iter()
            .map(|(name, scheme)| {
                let (kind, value) = match &scheme.kind {
                    SecuritySchemeKind::ApiKey { .. } => (Kind::ApiKey, API_KEY.to_owned()),
                    SecuritySchemeKind::Http { scheme, .. } if scheme == "basic" => (Kind::Basic, format!("{USER}:{PASSWORD}")),
                    _ => (Kind::Bearer, BEARER.to_owned()),
                };
                (name.clone(), kind, value)
            })
            .collect();
        Credentials { by_scheme }
    }

    /// `--credential SCHEME=VALUE` values for the mock.
    fn arguments(&self) -> Vec<String> {
        self.by_scheme.iter().map(|(name, _, value)| format!("{name}={value}")).collect()
    }

    /// `[auth.openapi."<scheme>"]` sections for schemathesis.
    fn toml(&self) -> String {
        let mut text = String::from("# The credentials `cargo xtask conformance` started the mock with.\n");
        for (name, kind, _) in &self.by_scheme {
            text.push_str(&format!("\n[auth.openapi.{}]\n", toml_string(name)));
            text.push_str(&match kind {
                Kind::ApiKey => format!("api_key = {}\n", toml_string(API_KEY)),
                Kind::Basic => format!("username = {}\npassword = {}\n", toml_string(USER), toml_string(PASSWORD)),
                Kind::Bearer => format!("bearer = {}\n", toml_string(BEARER)),
            });
        }
        text
    }
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(fixture: &str) -> Api {
        let path = crate::workspace_root().join("generator/tests/fixtures/openapi").join(fixture);
        let text = std::fs::read_to_string(&path).expect("the fixture");
        generator::lower::load_and_lower(fixture, &text).expect("lowers")
    }

    #[test]
    fn every_scheme_gets_a_credential_and_bearer_schemes_share_one_token() {
        let credentials = Credentials::for_api(&api("security.yaml"));
        let arguments = credentials.arguments();
        assert!(arguments.contains(&format!("api_token={API_KEY}")), "{arguments:?}");
        assert!(arguments.contains(&format!("basic={USER}:{PASSWORD}")), "{arguments:?}");
        assert!(arguments.contains(&format!("bearer={BEARER}")) && arguments.contains(&format!("oauth2={BEARER}")), "{arguments:?}");
        let toml = credentials.toml();
        assert!(toml.contains("[auth.openapi.\"basic\"]\nusername = \"conformance\"\npassword = \"conformance-secret\""), "{toml}");
        assert!(toml.contains("[auth.openapi.\"api_token\"]\napi_key = \"conformance-key\""), "{toml}");
    }

    #[test]
    fn toml_strings_escape_quotes_backslashes_and_controls() {
        assert_eq!(toml_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(toml_string("x\ny"), "\"x\\u000Ay\"");
    }

    #[test]
    fn operations_are_grouped_by_the_path_their_server_mounts_them_under() {
        let groups = operations_by_base(&api("servers.yaml"));
        assert!(groups.len() > 1, "{groups:?}");
        let all: Vec<&String> = groups.values().flatten().collect();
        let unique: std::collections::BTreeSet<&String> = all.iter().copied().collect();
        assert_eq!(all.len(), unique.len(), "a path in one group only: {groups:?}");
    }

    /// A report as schemathesis 4.32.5 writes it (abridged).
    const REPORT: &str = "
 ❌  Fuzzing (in 0.95s)

=================================== FAILURES ===================================
________________________________ POST /commands ________________________________
1. Test Case ID: oQretD

- ST103 Undocumented status code

    Received: 400
    Documented: 204

[400] Bad Request:
________________________________ POST /messages ________________________________
1. Test Case ID: a

- ST111 Unknown discriminator value

2. Test Case ID: b

- ST103 Undocumented status code

    Received: 500
=================================== SUMMARY ====================================
- ST999 not a failure block
";

    #[test]
    fn failures_are_read_from_the_report_with_their_operation_and_status() {
        let found = failures(REPORT);
        let keys: Vec<(String, Option<u16>)> = found.iter().map(|f| (f.key(), f.status)).collect();
        assert_eq!(
            keys,
            [("POST /commands ST103".to_owned(), Some(400)), ("POST /messages ST111".to_owned(), None), ("POST /messages ST103".to_owned(), Some(500))]
        );
        assert_eq!(found[0].title, "Undocumented status code");
    }

    #[test]
    fn only_a_refusal_by_an_operation_documenting_no_error_is_unavoidable() {
        let unions = api("unions_decided.yaml");
        let failure = |operation: &str, code: &str, status| Failure { operation: operation.to_owned(), code: code.to_owned(), title: String::new(), status };
        // sendCommand documents 204 only.
        assert!(undocumented_refusal(&unions, &failure("POST /commands", "ST103", Some(400))));
        assert!(!undocumented_refusal(&unions, &failure("POST /commands", "ST103", Some(500))), "a server error is ours");
        assert!(!undocumented_refusal(&unions, &failure("POST /commands", "ST202", Some(400))));
        assert!(!undocumented_refusal(&unions, &failure("POST /nowhere", "ST103", Some(400))));
        // getThings documents 404, 4XX and default: an undocumented status there is ours.
        let documented = api("responses.yaml");
        assert!(!undocumented_refusal(&documented, &failure("GET /things", "ST103", Some(400))));
        // putBlob documents 404 only: a 400 has no documented status to take; a 404 would.
        let raw = api("raw_bodies.yaml");
        assert!(undocumented_refusal(&raw, &failure("PUT /blobs/{id}", "ST103", Some(400))));
        assert!(!undocumented_refusal(&raw, &failure("PUT /blobs/{id}", "ST103", Some(404))));
    }

    #[test]
    fn failures_are_sorted_into_listed_unavoidable_and_unexpected() {
        let unions = api("unions_decided.yaml");
        let listed: BTreeMap<String, String> = [("POST /messages ST111".to_owned(), "a reason".to_owned())].into();
        let verdict = Verdict::sort(&unions, false, REPORT, &listed, PathBuf::new());
        // The 400 of POST /commands (204 only) is unavoidable, its 500 is ours.
        assert_eq!((verdict.listed, verdict.unavoidable), (1, 1));
        assert_eq!(verdict.unexpected_lines().len(), 1, "{:?}", verdict.unexpected_lines());
        assert!(!verdict.passed());
        // A run that reports no check failed as a whole, listed as `- run` where it must.
        let run = Verdict::sort(&unions, false, "no checks", &BTreeMap::new(), PathBuf::new());
        assert_eq!(run.unexpected_lines().len(), 1);
        let expected: BTreeMap<String, String> = [("- run".to_owned(), "schemathesis cannot read it".to_owned())].into();
        let run = Verdict::sort(&unions, false, "no checks", &expected, PathBuf::new());
        assert!(run.passed() && run.listed == 1);
    }

    #[test]
    fn the_summary_is_schemathesiss_own_lines() {
        let output = "Test cases:\n  53 generated, 1 found 1 unique failure, 2 skipped\n\nSeed: 1\n\n==== 1 failure, 1 warning in 3.72s ====\n";
        assert_eq!(summary(output), "53 generated, 1 found 1 unique failure, 2 skipped; 1 failure, 1 warning in 3.72s");
        assert_eq!(summary("nothing"), "schemathesis printed no summary");
    }
}
