//! Full codegen (load → lower → emit formatted files in memory) beside parse-only, in one run:
//! `cargo bench -p generator --bench codegen`. Runs on the project's spec and, when
//! `cargo bench --bench lower` has fetched it into `target/bench-data/`, GitHub's REST spec.

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use generator::emit::{generate, CrateNames};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn parse_only(text: &str) -> Option<openapiv3::OpenAPI> {
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).ok()
    } else {
        serde_yaml::from_str(text).ok()
    }
}

fn full_codegen(text: &str) -> Option<usize> {
    let api = generator::lower::load_and_lower("bench", text).ok()?;
    let files = generate(&api, &CrateNames::from_api_name("bench")).ok()?;
    Some(files.iter().map(|file| file.contents.len()).sum())
}

fn bench_spec(c: &mut Criterion, name: &str, path: &Path) {
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("skipping {name}: {} is missing", path.display());
        return;
    };
    let Some(bytes) = full_codegen(&text) else {
        eprintln!("skipping {name}: codegen fails on {}", path.display());
        return;
    };
    eprintln!("{name}: {bytes} bytes of generated files");
    let mut group = c.benchmark_group(format!("codegen/{name}"));
    group.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(8));
    group.bench_function("parse_only", |b| b.iter(|| parse_only(std::hint::black_box(&text))));
    group.bench_function("load_lower_emit", |b| b.iter(|| full_codegen(std::hint::black_box(&text))));
    group.finish();
}

fn benches(c: &mut Criterion) {
    let root = workspace_root();
    bench_spec(c, "pipedrive", &root.join("spec").join("pipedrive-v1.yaml"));
    bench_spec(c, "github", &root.join("target").join("bench-data").join("api.github.com.json"));
}

criterion_group!(codegen, benches);
criterion_main!(codegen);
