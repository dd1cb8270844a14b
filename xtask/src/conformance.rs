//! `cargo xtask conformance SPEC... [--examples N] [--seed N]`: an independent judge of the
//! generated server. For each spec, its mock (`mock.rs`) is built and started on a loopback
//! port with generated credentials (the only ones it accepts), and schemathesis, installed from
//! PyPI into `target/schemathesis-venv`, runs every check on every operation with positive and
//! negative data (`--checks all --mode all`) and those credentials. What is relaxed, and why,
//! is in `xtask/conformance/schemathesis.toml`; nothing else is. One line per spec; the full
//! output of each run is kept in `target/conformance/<name>/schemathesis.log`.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};

use anyhow::{anyhow, bail, Context, Result};
use generator::ir::{Api, SecuritySchemeKind};

/// The schemathesis release the judgement is made with (as in `examples/pipedrive-mock`).
const SCHEMATHESIS: &str = "4.32.5";

pub struct Options {
    pub specs: Vec<PathBuf>,
    /// Examples per operation and phase (`--max-examples`).
    pub examples: u64,
    /// Seed of schemathesis's data and of the mock's answers.
    pub seed: u64,
    pub offline: bool,
    pub files: generator::load::FileOptions,
    pub warnings: crate::warnings::WarningArgs,
}

/// How one spec fared.
struct Verdict {
    passed: bool,
    /// schemathesis's summary: the test cases line and the closing line.
    summary: String,
    log: PathBuf,
}

pub fn run(options: &Options) -> Result<ExitCode> {
    let root = crate::workspace_root();
    let schemathesis = install_schemathesis(&root.join("target").join("schemathesis-venv"))?;
    let mut failed = 0;
    for spec in &options.specs {
        let shown = spec.display().to_string();
        match judge(&root, &schemathesis, spec, options) {
            Ok(verdict) if verdict.passed => println!("conformance: {shown}: ok ({})", verdict.summary),
            Ok(verdict) => {
                failed += 1;
                println!("conformance: {shown}: FAILED ({}; see {})", verdict.summary, verdict.log.display());
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

/// Builds and starts the mock of `spec`, runs schemathesis against it, and stops it.
fn judge(root: &Path, schemathesis: &Path, spec: &Path, options: &Options) -> Result<Verdict> {
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
    let built = crate::mock::build(&mock_options)?.ok_or_else(|| anyhow!("the mock did not build"))?;
    let credentials = Credentials::for_api(&built.api);
    let dir = root.join("target").join("conformance").join(crate::mock::crate_stem(spec));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let config = dir.join("schemathesis.toml");
    let relaxed = std::fs::read_to_string(root.join("xtask/conformance/schemathesis.toml")).context("cannot read the relaxations")?;
    std::fs::write(&config, format!("{relaxed}\n{}", credentials.toml())).context("cannot write the schemathesis config")?;
    let (mut mock, address) = start_mock(&built.binary, options.seed, &credentials.arguments())?;
    let log = dir.join("schemathesis.log");
    let outcome = run_schemathesis(schemathesis, &config, spec, &address, &built.api, options, &log);
    let _ = mock.kill();
    let _ = mock.wait();
    let (passed, output) = outcome?;
    Ok(Verdict { passed, summary: summary(&output), log })
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

/// schemathesis against the mock at `address`, once per path the server mounts operations
/// under (each run's base URL is that path); whether every run passed, and their output.
fn run_schemathesis(
    schemathesis: &Path,
    config: &Path,
    spec: &Path,
    address: &str,
    api: &Api,
    options: &Options,
    log: &Path,
) -> Result<(bool, String)> {
    let groups = operations_by_base(api);
    let mut output = String::new();
    let mut passed = true;
    for (base, paths) in &groups {
        let mut command = Command::new(schemathesis);
        command.arg("--config-file").arg(config).arg("--no-color").arg("run").arg(spec);
        command.args(["--url", &format!("{address}{base}"), "--checks", "all", "--mode", "all"]);
        command.args(["--max-examples", &options.examples.to_string(), "--seed", &options.seed.to_string()]);
        // With one base path every operation is in the run; otherwise each run takes its own.
        if groups.len() > 1 {
            for path in paths {
                command.args(["--include-path", path]);
            }
        }
        let out = command.output().with_context(|| format!("cannot run {}", schemathesis.display()))?;
        passed &= out.status.success();
        output.push_str(&String::from_utf8_lossy(&out.stdout));
        output.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    std::fs::write(log, &output).with_context(|| format!("cannot write {}", log.display()))?;
    Ok((passed, output))
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

    #[test]
    fn the_summary_is_schemathesiss_own_lines() {
        let output = "Test cases:\n  53 generated, 1 found 1 unique failure, 2 skipped\n\nSeed: 1\n\n==== 1 failure, 1 warning in 3.72s ====\n";
        assert_eq!(summary(output), "53 generated, 1 found 1 unique failure, 2 skipped; 1 failure, 1 warning in 3.72s");
        assert_eq!(summary("nothing"), "schemathesis printed no summary");
    }
}
