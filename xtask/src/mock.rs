//! `cargo xtask mock --spec FILE [--listen ADDR] [--seed N] [--credential SCHEME=VALUE]...`: a
//! local fake of any API. The
//! spec's crates and its round-trip crate are generated into a scratch workspace and the
//! round-trip binary's `mock` command is run: the generated server, checking every request as
//! it always does, with an implementation that answers each valid request with a sampled
//! value of the operation's first documented success (deterministic per seed and request
//! count). The first run builds the crates; later runs of the same spec start at once.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{anyhow, Context, Result};
use generator::emit::CrateNames;

pub struct Options {
    pub spec: PathBuf,
    pub listen: String,
    pub seed: u64,
    /// `SCHEME=VALUE`: the only credentials accepted (none: any).
    pub credentials: Vec<String>,
    /// Scratch folder: crates in `OUT/mock`, built in `OUT/corpus/target` (shared with
    /// `cargo xtask corpus`, so dependencies build once).
    pub out: PathBuf,
    /// cargo's `--offline` for the build (by default cargo may fetch what its cache lacks).
    pub offline: bool,
    /// Where the spec's `$ref`s may read other files.
    pub files: generator::load::FileOptions,
    pub warnings: crate::warnings::WarningArgs,
}

pub fn run(options: &Options) -> Result<ExitCode> {
    let Some(built) = build(options)? else { return Ok(ExitCode::FAILURE) };
    let mut mock = Command::new(&built.binary);
    mock.args(mock_args(&options.listen, options.seed, &options.credentials));
    serve(mock)
}

/// A spec's mock, built: its binary and the lowered spec.
pub struct Built {
    pub binary: PathBuf,
    pub api: generator::ir::Api,
}

/// Generates and builds the mock of `options.spec`; `None` when cargo failed (it said why).
pub fn build(options: &Options) -> Result<Option<Built>> {
    let spec = &options.spec;
    let api = generator::lower::load_and_lower_file(spec, &options.files).map_err(|e| anyhow!("{e}"))?;
    let reporter = crate::warnings::Reporter::new(&options.warnings);
    reporter.document_with_summary(&spec.display().to_string(), &api).map_err(|refusal| anyhow!("{refusal}"))?;
    reporter.finish()?;
    check_credentials(&api, &options.credentials)?;
    let name = crate_stem(spec);
    let names = CrateNames::from_api_name(&name);
    let package = format!("{name}-roundtrip");
    let mut files = generator::emit::generate(&api, &names).map_err(|e| anyhow!("{e}"))?;
    files.extend(generator::emit::generate_roundtrip(&api, &names, &package).map_err(|e| anyhow!("{e}"))?);
    // A scratch workspace per spec: mocks of different specs may build at once (tests do), and
    // one workspace manifest rewritten by each would drop the other's members mid-build.
    let root = options.out.join("mock").join(&name);
    for file in &files {
        write_if_changed(&root.join(&file.path), &file.contents)?;
    }
    let members = [&names.types, &names.client, &names.server, &package].map(|m| format!("\"{m}\"")).join(", ");
    let manifest = format!(
        "# Scratch workspace of `cargo xtask mock`; rewritten on every run.\n[workspace]\nresolver = \"2\"\nmembers = [{members}]\n{}",
        crate::corpus::SCRATCH_PROFILE
    );
    write_if_changed(&root.join("Cargo.toml"), &manifest)?;
    let lock = std::fs::read_to_string(crate::workspace_root().join("Cargo.lock")).context("cannot read Cargo.lock")?;
    write_if_changed(&root.join("Cargo.lock"), &lock)?;
    eprintln!("mock: building {package} (the first run of a spec takes a while)");
    let target = options.out.join("corpus").join("target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut build = Command::new(cargo);
    build.args(["build", "--quiet", "-p", &package]);
    if options.offline {
        build.arg("--offline");
    }
    let built = build
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .status()
        .context("cannot run cargo")?;
    Ok(built.success().then(|| Built { binary: target.join("debug").join(&package), api }))
}

/// The round-trip binary's arguments for its `mock` command.
pub fn mock_args(listen: &str, seed: u64, credentials: &[String]) -> Vec<String> {
    let mut args = vec!["mock".to_owned(), "--listen".to_owned(), listen.to_owned(), "--seed".to_owned(), seed.to_string()];
    for credential in credentials {
        args.extend(["--credential".to_owned(), credential.clone()]);
    }
    args
}

/// Runs the mock in place of this process where the platform allows, so that stopping this
/// command (Ctrl-C, a signal to its pid) stops the server too.
#[cfg(unix)]
fn serve(mut mock: Command) -> Result<ExitCode> {
    use std::os::unix::process::CommandExt as _;
    Err(anyhow!("cannot start the mock: {}", mock.exec()))
}

#[cfg(not(unix))]
fn serve(mut mock: Command) -> Result<ExitCode> {
    let status = mock.status().context("cannot start the mock")?;
    Ok(if status.success() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// A package-name stem from the file name: lower-case letters, digits and dashes.
pub fn crate_stem(spec: &Path) -> String {
    let stem = spec.file_stem().and_then(|s| s.to_str()).unwrap_or("api");
    let mut name: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    name = name.split('-').filter(|part| !part.is_empty()).collect::<Vec<_>>().join("-");
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "api-");
    }
    name
}

/// Writes only when the contents differ, so an unchanged spec does not rebuild.
fn write_if_changed(path: &Path, contents: &str) -> Result<()> {
    if std::fs::read_to_string(path).is_ok_and(|current| current == contents) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}

/// Each `SCHEME=VALUE` names a security scheme of the spec.
fn check_credentials(api: &generator::ir::Api, credentials: &[String]) -> Result<()> {
    for credential in credentials {
        let Some((scheme, _)) = credential.split_once('=').filter(|(scheme, _)| !scheme.is_empty()) else {
            return Err(anyhow!("--credential takes SCHEME=VALUE, got `{credential}`"));
        };
        if !api.security_schemes.contains_key(scheme) {
            let known: Vec<&str> = api.security_schemes.keys().map(String::as_str).collect();
            let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
            return Err(anyhow!("--credential names `{scheme}`, which is not a security scheme of the spec (its schemes: {known})"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_must_name_a_security_scheme_of_the_spec() {
        let path = crate::workspace_root().join("generator/tests/fixtures/openapi/security.yaml");
        let text = std::fs::read_to_string(&path).expect("the fixture");
        let api = generator::lower::load_and_lower("security.yaml", &text).expect("lowers");
        let scheme = api.security_schemes.keys().next().expect("a scheme").clone();
        assert!(check_credentials(&api, &[format!("{scheme}=secret")]).is_ok());
        let unknown = check_credentials(&api, &["nope=x".to_owned()]).expect_err("refused").to_string();
        assert!(unknown.contains("`nope`") && unknown.contains(&scheme), "{unknown}");
        assert!(check_credentials(&api, &["no-equals".to_owned()]).is_err());
    }

    #[test]
    fn crate_stems_are_package_names() {
        assert_eq!(crate_stem(Path::new("specs/Unions_decided.yaml")), "unions-decided");
        assert_eq!(crate_stem(Path::new("2.0.json")), "api-2-0");
        assert_eq!(crate_stem(Path::new("__.yaml")), "api-");
    }
}
