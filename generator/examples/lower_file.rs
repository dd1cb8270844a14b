//! Loads and lowers one OpenAPI file and prints a summary (or every error): a quick way to try
//! the generator core on a real spec, and the binary the benchmark note measures memory with.
//!
//! `cargo run -p generator --release --example lower_file -- PATH [--parse-only | --timings]`

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: lower_file PATH [--parse-only]");
        return ExitCode::FAILURE;
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("{path}: {error}");
            return ExitCode::FAILURE;
        }
    };
    if args.iter().any(|a| a == "--parse-only") {
        return match generator::load::load(path, &text) {
            Ok(doc) => {
                println!("{path}: parsed, {} paths", doc.paths.paths.len());
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("{error}");
                ExitCode::FAILURE
            }
        };
    }
    if args.iter().any(|a| a == "--timings") {
        let started = std::time::Instant::now();
        let Ok(doc) = generator::load::load(path, &text) else { return ExitCode::FAILURE };
        let loaded = started.elapsed();
        let api = generator::lower::lower(&doc);
        let lowered = started.elapsed() - loaded;
        drop(api);
        drop(doc);
        let dropped = started.elapsed() - loaded - lowered;
        println!("load {loaded:?}, lower {lowered:?}, drop {dropped:?}");
        println!(
            "sizes: Field {} TypeRef {} Constraints {} TypeDef {} Parameter {}",
            std::mem::size_of::<generator::ir::Field>(),
            std::mem::size_of::<generator::ir::TypeRef>(),
            std::mem::size_of::<generator::ir::Constraints>(),
            std::mem::size_of::<generator::ir::TypeDef>(),
            std::mem::size_of::<generator::ir::Parameter>()
        );
        return ExitCode::SUCCESS;
    }
    match generator::lower::load_and_lower(path, &text) {
        Ok(api) => {
            println!(
                "{path}: {} operations, {} types, {} warnings",
                api.operations.len(),
                api.types.len(),
                api.warnings.len()
            );
            for warning in &api.warnings {
                println!("warning at {}: {}", warning.pointer, warning.message);
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}
