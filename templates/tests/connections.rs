//! `serve_with` on loopback against slow and idle clients: a half-sent request is dropped after
//! the header read timeout, a silent or idle keep-alive connection after the idle timeout, a
//! slow handler is not cut by either, and with the connection cap reached further clients wait
//! and are served as soon as a slot frees.

use std::time::{Duration, Instant};

use axum::routing::get;
use axum::Router;
use runtime_templates::server::runtime::app::{serve_with, ServeConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HALF_SENT: &[u8] = b"GET /v1/notes HTTP/1.1\r\nHost: x\r\n";
const REQUEST: &[u8] = b"GET /v1/notes HTTP/1.1\r\nHost: x\r\n\r\n";

fn app() -> Router {
    Router::new().route("/v1/notes", get(|| async { "notes" })).route(
        "/v1/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(600)).await;
            "slow"
        }),
    )
}

/// Short timeouts so the tests take a second, not the defaults' tens of seconds.
fn config() -> ServeConfig {
    ServeConfig::default()
        .with_header_read_timeout(Duration::from_millis(300))
        .with_idle_timeout(Duration::from_millis(400))
        .with_max_connections(64)
}

struct Server {
    address: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(config: ServeConfig) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            serve_with(listener, app(), &config, async move {
                let _ = stopped.await;
            })
            .await
        });
        Server { address, stop, task }
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.address).await.expect("connect")
    }

    /// `count` connections that sent half a request and then nothing.
    async fn stall(&self, count: usize) -> Vec<TcpStream> {
        let mut stalled = Vec::new();
        for _ in 0..count {
            let mut stream = self.connect().await;
            stream.write_all(HALF_SENT).await.expect("write");
            stalled.push(stream);
        }
        stalled
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let finished = tokio::time::timeout(Duration::from_secs(5), self.task).await;
        finished.expect("the server stops").expect("joins").expect("serves without error");
    }
}

/// Reads until the server closes the connection (or `limit` passes); the bytes and when.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, Duration) {
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        match tokio::time::timeout(limit.saturating_sub(started.elapsed()), stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (received, started.elapsed()),
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
            Err(_) => panic!("still open after {limit:?}; received {:?}", String::from_utf8_lossy(&received)),
        }
    }
}

/// Sends one request and reads its response (`Content-Length` bodies only, as here).
async fn exchange(stream: &mut TcpStream, request: &[u8]) -> String {
    stream.write_all(request).await.expect("write");
    let mut received = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        let n = stream.read(&mut buffer).await.expect("read");
        assert!(n > 0, "closed before answering: {:?}", String::from_utf8_lossy(&received));
        received.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(str::to_owned));
            if length.and_then(|l| l.trim().parse::<usize>().ok()).is_some_and(|l| body.len() >= l) {
                return text;
            }
        }
    }
}

/// Only the header read timeout is short: what closes the connection is that timer.
fn header_only() -> ServeConfig {
    config().with_idle_timeout(Duration::from_secs(10))
}

#[tokio::test]
async fn a_half_sent_request_is_dropped_after_the_header_read_timeout() {
    let server = Server::start(header_only()).await;
    let mut stream = server.connect().await;
    stream.write_all(HALF_SENT).await.expect("write");
    let (received, after) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(received.is_empty(), "{:?}", String::from_utf8_lossy(&received));
    assert!(after >= Duration::from_millis(250) && after < Duration::from_millis(1500), "closed after {after:?}");
    server.stop().await;
}

#[tokio::test]
async fn trickling_a_header_does_not_extend_the_header_read_timeout() {
    let server = Server::start(header_only()).await;
    let mut stream = server.connect().await;
    let started = Instant::now();
    // A byte every 50 ms would take 1.6 s for the whole head.
    let mut refused_at = None;
    for byte in HALF_SENT {
        let mut probe = [0u8; 1];
        let closed = matches!(tokio::time::timeout(Duration::from_millis(1), stream.peek(&mut probe)).await, Ok(Ok(0)));
        if closed || stream.write_all(&[*byte]).await.is_err() {
            refused_at = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let after = refused_at.expect("the server closed the connection before the head was complete");
    assert!(after < Duration::from_millis(1000), "closed after {after:?}");
    server.stop().await;
}

#[tokio::test]
async fn silent_and_idle_keep_alive_connections_are_closed_after_the_idle_timeout() {
    let server = Server::start(config()).await;
    let mut silent = server.connect().await;
    let (_, after) = read_until_closed(&mut silent, Duration::from_secs(3)).await;
    assert!(after >= Duration::from_millis(350) && after < Duration::from_millis(1500), "silent: {after:?}");

    let mut keep_alive = server.connect().await;
    for _ in 0..3 {
        // Requests within the idle timeout keep the connection.
        assert!(exchange(&mut keep_alive, REQUEST).await.ends_with("notes"));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, after) = read_until_closed(&mut keep_alive, Duration::from_secs(3)).await;
    assert!(after >= Duration::from_millis(150) && after < Duration::from_millis(1500), "keep-alive: {after:?}");
    server.stop().await;
}

#[tokio::test]
async fn a_handler_slower_than_both_timeouts_still_answers() {
    let server = Server::start(config()).await;
    let mut stream = server.connect().await;
    let response = exchange(&mut stream, b"GET /v1/slow HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(response.starts_with("HTTP/1.1 200") && response.ends_with("slow"), "{response}");
    server.stop().await;
}

#[tokio::test]
async fn below_the_cap_requests_are_served_while_other_connections_stall() {
    let server = Server::start(config().with_max_connections(3)).await;
    let _stalled = server.stall(2).await;
    let started = Instant::now();
    let mut client = server.connect().await;
    assert!(exchange(&mut client, REQUEST).await.ends_with("notes"));
    assert!(started.elapsed() < Duration::from_millis(250), "{:?}", started.elapsed());
    server.stop().await;
}

#[tokio::test]
async fn at_the_cap_further_clients_wait_and_are_served_once_a_slot_frees() {
    let server = Server::start(config().with_max_connections(2)).await;
    let stalled = server.stall(2).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    // The kernel completes the handshake (the backlog); the server reads nothing until a slot
    // frees, which happens when the stalled connections hit the header read timeout.
    let mut waiting = server.connect().await;
    waiting.write_all(REQUEST).await.expect("write");
    let mut first = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(150), waiting.peek(&mut first)).await;
    assert!(early.is_err(), "answered while every slot was taken");
    let response = tokio::time::timeout(Duration::from_secs(3), exchange(&mut waiting, b"")).await.expect("served");
    assert!(response.ends_with("notes"), "{response}");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(200) && waited < Duration::from_millis(1500), "{waited:?}");
    for mut stream in stalled {
        let (received, _) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
        assert!(received.is_empty());
    }
    server.stop().await;
}

#[tokio::test]
async fn shutdown_waits_for_the_request_in_progress_and_closes_the_listener() {
    let server = Server::start(config()).await;
    let mut stream = server.connect().await;
    stream.write_all(b"GET /v1/slow HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let address = server.address;
    let stopping = tokio::spawn(server.stop());
    let (received, _) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(String::from_utf8_lossy(&received).ends_with("slow"), "{:?}", String::from_utf8_lossy(&received));
    stopping.await.expect("stopped");
    assert!(TcpStream::connect(address).await.is_err(), "the listener is closed");
}

#[test]
fn defaults_are_documented_values() {
    let defaults = ServeConfig::default();
    assert_eq!(defaults.header_read_timeout, Duration::from_secs(10));
    assert_eq!(defaults.idle_timeout, Duration::from_secs(20));
    assert_eq!(defaults.max_connections, 1024);
    assert_eq!(ServeConfig::default().with_max_connections(0).max_connections, 1);
}
