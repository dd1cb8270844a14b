//! Load + lower beside parse-only (serde into `openapiv3::OpenAPI`), on the project's spec and
//! on GitHub's REST API spec, in one run: `cargo bench -p generator --bench lower`.
//!
//! The GitHub spec is fetched on first use into `target/bench-data/` with `npm pack
//! @octokit/openapi` and `tar`; it is never committed. A spec that is missing and cannot be
//! fetched is skipped with a message.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// `target/bench-data/api.github.com.json`, fetched with npm if it is not there yet.
fn github_spec() -> Option<PathBuf> {
    let dir = workspace_root().join("target").join("bench-data");
    let file = dir.join("api.github.com.json");
    if file.exists() {
        return Some(file);
    }
    std::fs::create_dir_all(&dir).ok()?;
    eprintln!("fetching @octokit/openapi with npm into {}", dir.display());
    let packed = Command::new("npm").args(["pack", "@octokit/openapi", "--silent"]).current_dir(&dir).output().ok()?;
    if !packed.status.success() {
        eprintln!("npm pack failed: {}", String::from_utf8_lossy(&packed.stderr));
        return None;
    }
    let tarball = String::from_utf8_lossy(&packed.stdout).lines().last()?.trim().to_owned();
    let member = "package/generated/api.github.com.json";
    let extracted = Command::new("tar").args(["-xzf", &tarball, member]).current_dir(&dir).status().ok()?;
    if !extracted.success() {
        eprintln!("could not extract {member} from {tarball}");
        return None;
    }
    std::fs::rename(dir.join(member), &file).ok()?;
    let _ = std::fs::remove_dir_all(dir.join("package"));
    let _ = std::fs::remove_file(dir.join(&tarball));
    Some(file)
}

fn parse_only(text: &str) -> Option<openapiv3::OpenAPI> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).ok()
    } else {
        serde_yaml::from_str(text).ok()
    }
}

fn bench_spec(c: &mut Criterion, name: &str, path: &Path) {
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("skipping {name}: {} is missing", path.display());
        return;
    };
    if parse_only(&text).is_none() {
        eprintln!("skipping {name}: {} does not parse", path.display());
        return;
    }
    if let Err(error) = generator::lower::load_and_lower(&path.display().to_string(), &text) {
        eprintln!("skipping {name}: lowering fails:\n{error}");
        return;
    }
    let mut group = c.benchmark_group(name);
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(8));
    group.bench_function("parse_only", |b| b.iter(|| parse_only(std::hint::black_box(&text))));
    group.bench_function("load_and_lower", |b| {
        b.iter(|| generator::lower::load_and_lower("bench", std::hint::black_box(&text)).is_ok())
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_spec(c, "pipedrive", &workspace_root().join("spec").join("pipedrive-v1.yaml"));
    match github_spec() {
        Some(path) => bench_spec(c, "github", &path),
        None => eprintln!("skipping github: the spec could not be fetched"),
    }
}

criterion_group!(lower, benches);
criterion_main!(lower);
