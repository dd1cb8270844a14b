//! The round-trip crate's binary.
//!
//! * `roundtrip [--seed N] [--rounds N]`: every type and every operation case; prints
//!   `round-trip: operations P/T, types P/T` and one failure per line; exits 1 on a failure.
//! * `mock [--listen ADDR] [--seed N] [--credential SCHEME=VALUE]...`: serves the API,
//!   answering every request that passes the generated server's checks with a sampled value
//!   of its first documented success, deterministic per seed and request count. With
//!   `--credential`, only the credentials given are accepted (401 otherwise); without, any.
//!   Stops on Ctrl-C.

use std::process::ExitCode;

fn option(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|arg| arg == name).and_then(|index| args.get(index + 1)).cloned()
}

/// Every value of a repeatable option.
fn options<'a>(args: &'a [String], name: &str) -> Vec<&'a str> {
    args.windows(2).filter(|pair| pair[0] == name).map(|pair| pair[1].as_str()).collect()
}

fn number(args: &[String], name: &str, default: u64) -> Result<u64, String> {
    match option(args, name) {
        Some(text) => text.parse().map_err(|_| format!("{name} takes a whole number, got `{text}`")),
        None => Ok(default),
    }
}

/// The stack of the runtime's worker threads, where every command runs. Debug builds of the
/// generated code for very large schemas (Stripe's) need stack frames of several MiB, more
/// than a main thread has; the memory is only reserved, not used.
const STACK_BYTES: usize = 256 * 1024 * 1024;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().thread_stack_size(STACK_BYTES).build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    let outcome = runtime.block_on(async move {
        match tokio::spawn(command(args)).await {
            Ok(outcome) => outcome,
            Err(error) => Err(format!("the command stopped: {error}")),
        }
    });
    match outcome {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

async fn command(args: Vec<String>) -> Result<ExitCode, String> {
    match args.first().map(String::as_str) {
        Some("roundtrip") => roundtrip(&args).await,
        Some("mock") => mock(&args).await,
        _ => Err("usage: roundtrip [--seed N] [--rounds N] | mock [--listen ADDR] [--seed N] [--credential SCHEME=VALUE]...".to_owned()),
    }
}

async fn roundtrip(args: &[String]) -> Result<ExitCode, String> {
    let seed = number(args, "--seed", 1)?;
    let rounds = number(args, "--rounds", 3)? as usize;
    let report = roundtrip_lib::run(seed, rounds).await?;
    println!("round-trip: {}", report.summary());
    Ok(if report.passed() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

async fn mock(args: &[String]) -> Result<ExitCode, String> {
    let seed = number(args, "--seed", 1)?;
    let listen = option(args, "--listen").unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let listener = tokio::net::TcpListener::bind(&listen).await.map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let accepted = roundtrip_lib::runtime::harness::Accepted::parse(options(args, "--credential"))?;
    let exchange = std::sync::Arc::new(roundtrip_lib::runtime::harness::Exchange::default());
    let router = roundtrip_lib::Responder::new(exchange, seed).with_accepted(accepted).router();
    println!("mock listening on http://{address} (seed {seed})");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await.map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
