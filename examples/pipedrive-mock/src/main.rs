//! `cargo run -p pipedrive-mock -- --listen 127.0.0.1:8080 [--seed-data]`: serves the mock
//! Pipedrive API (operations under `/v1`, OAuth under `/oauth`) until Ctrl-C.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;

/// A stateful, in-memory Pipedrive API v1 for local testing.
#[derive(Debug, Parser)]
#[command(name = "pipedrive-mock", version)]
struct Args {
    /// Address to listen on (port 0 picks a free port, printed on start).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Start with demo organizations, persons, deals, activities, notes and more.
    #[arg(long)]
    seed_data: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("pipedrive-mock: cannot listen on {}: {error}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let address = match listener.local_addr() {
        Ok(address) => address,
        Err(error) => {
            eprintln!("pipedrive-mock: {error}");
            return ExitCode::FAILURE;
        }
    };
    let base = format!("http://{address}");
    let mut mock = pipedrive_mock::Mock::new().with_api_domain(base.clone());
    if args.seed_data {
        mock = mock.with_seed_data();
    }
    // Written without println!, which panics when stdout is closed (a reader that went away).
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "pipedrive-mock listening on {base} (API at {base}/v1, OAuth at {base}/oauth)");
    let _ = writeln!(
        stdout,
        "credentials: api_token={} (admin) or {} (regular user); Bearer {} / {}; OAuth client {}:{}",
        pipedrive_mock::ADMIN_API_TOKEN,
        pipedrive_mock::USER_API_TOKEN,
        pipedrive_mock::ADMIN_BEARER,
        pipedrive_mock::USER_BEARER,
        pipedrive_mock::CLIENT_ID,
        pipedrive_mock::CLIENT_SECRET,
    );
    let _ = stdout.flush();
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match pipedrive_mock::serve(listener, mock, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("pipedrive-mock: {error}");
            ExitCode::FAILURE
        }
    }
}
