//! The generated server against slow clients on loopback (issue 14): with the default
//! `serve`, and with `ServeConfig` values short enough for a test, a half-sent request is
//! dropped within the header read timeout while other clients are served.

use std::sync::Arc;
use std::time::{Duration, Instant};

use pipedrive_server::{RouterConfig, ServeConfig};
use server_tests::TestApi;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn a_half_sent_request_is_dropped_and_other_clients_are_served() {
    let router = pipedrive_server::router_with(Arc::new(TestApi::default()), &RouterConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let config = ServeConfig::default().with_header_read_timeout(Duration::from_millis(300)).with_max_connections(2);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        pipedrive_server::runtime::app::serve_with(listener, router, &config, async move {
            let _ = stopped.await;
        })
        .await
    });

    let mut slow = TcpStream::connect(address).await.expect("connect");
    slow.write_all(b"GET /v1/notes HTTP/1.1\r\nHost: x\r\n").await.expect("write");
    let started = Instant::now();

    // The second slot serves a normal request (401: no credentials) while the first stalls.
    let mut normal = TcpStream::connect(address).await.expect("connect");
    normal.write_all(b"GET /v1/notes HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.expect("write");
    let mut answer = String::new();
    normal.read_to_string(&mut answer).await.expect("read");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    let mut buffer = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(3), slow.read(&mut buffer)).await.expect("closed within 3 s");
    assert!(matches!(read, Ok(0) | Err(_)), "the half-sent request got an answer: {read:?}");
    let after = started.elapsed();
    assert!(after >= Duration::from_millis(250) && after < Duration::from_millis(1500), "dropped after {after:?}");

    let _ = stop.send(());
    server.await.expect("joins").expect("serves");
}
