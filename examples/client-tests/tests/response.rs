//! The generated Pipedrive client's view of whole responses, on loopback: status and headers
//! on success and on documented errors, request ids, the response size limit (against a
//! server that never stops sending) and per-call options.

use std::convert::Infallible;
use std::time::Duration;

use pipedrive_client::{operations, CallOptions, Client, Error, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "secret-token-123";

fn builder(base: &str) -> pipedrive_client::ClientBuilder {
    Client::builder().base_url(format!("{base}/v1")).api_key(TOKEN).retry(RetryPolicy::none())
}

fn note(id: i64) -> serde_json::Value {
    json!({"success": true, "data": {"id": id, "content": "hello"}})
}

#[tokio::test]
async fn a_success_keeps_its_status_and_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/notes/1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(note(1))
                .insert_header("x-ratelimit-remaining", "79")
                .insert_header("x-request-id", "req-42"),
        )
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().expect("client");
    let response = client.get_note(1).send_with_response().await.expect("a note");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["x-ratelimit-remaining"], "79");
    assert_eq!(response.request_id(), Some("req-42"));
    // The body through `Deref`, and taken out.
    assert_eq!(response.data.as_ref().map(|note| note.id), Some(Some(1)));
    let (status, headers, body) = response.into_parts();
    assert_eq!((status.as_u16(), headers.len() >= 2, body.success), (200, true, true));
}

#[tokio::test]
async fn documented_and_unexpected_errors_keep_status_headers_and_request_id() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/notes/1"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"success": false, "error": "Note not found"}))
                .insert_header("request-id", "abc"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/v1/notes/2"))
        .respond_with(ResponseTemplate::new(418).set_body_string("teapot").insert_header("x-amzn-requestid", "amz-1"))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().expect("client");
    let documented = client.get_note(1).send().await.expect_err("a 404");
    assert_eq!(documented.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(documented.headers().map(|h| h["request-id"].clone()), Some("abc".parse().unwrap()));
    assert_eq!(documented.request_id(), Some("abc"));
    assert!(matches!(documented.api(), Some(operations::GetNoteError::NotFound(_))), "{documented:?}");
    let unexpected = client.get_note(2).send().await.expect_err("a 418");
    assert!(matches!(unexpected, Error::UnexpectedStatus { .. }), "{unexpected:?}");
    assert_eq!(unexpected.status().map(|s| s.as_u16()), Some(418));
    assert_eq!(unexpected.request_id(), Some("amz-1"));

    // Request-id headers are configurable.
    let custom = builder(&server.uri()).request_id_headers(&["x-amzn-requestid"]).build().expect("client");
    assert_eq!(custom.get_note(1).send().await.expect_err("a 404").request_id(), None);
    assert_eq!(custom.get_note(2).send().await.expect_err("a 418").request_id(), Some("amz-1"));
}

/// A loopback server whose `/v1/notes/1` answers 200 with a body that never ends (chunked, no
/// `Content-Length`), and `/v1/notes/2` with a `Content-Length` of 1 GiB it never sends.
async fn endless_server() -> String {
    use axum::body::Body;
    use axum::routing::get;
    use futures::StreamExt as _;
    let endless = || async {
        let chunk = bytes::Bytes::from(vec![b' '; 64 * 1024]);
        let stream = futures::stream::repeat_with(move || Ok::<_, Infallible>(chunk.clone()));
        axum::http::Response::builder().header("content-type", "application/json").body(Body::from_stream(stream)).unwrap()
    };
    let announced = || async {
        axum::http::Response::builder()
            .header("content-type", "application/json")
            .header("content-length", (1u64 << 30).to_string())
            .body(Body::from_stream(
                futures::stream::once(async { Ok::<_, Infallible>(bytes::Bytes::from_static(b"{")) })
                    .chain(futures::stream::pending()),
            ))
            .unwrap()
    };
    let app = axum::Router::new().route("/v1/notes/1", get(endless)).route("/v1/notes/2", get(announced));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

#[tokio::test]
async fn an_endless_body_stops_at_the_size_limit() {
    let base = endless_server().await;
    let client = builder(&base).max_response_bytes(1024 * 1024).build().expect("client");
    // Memory stays bounded: reading stops just past 1 MiB of a body that never ends (a
    // client that buffered it would never return, and the timeout below would fail it).
    let outcome = tokio::time::timeout(Duration::from_secs(20), client.get_note(1).send()).await.expect("returns");
    match outcome {
        Err(Error::ResponseTooLarge { operation, status, limit }) => {
            assert_eq!((operation, status.as_u16(), limit), ("getNote", 200, 1024 * 1024));
        }
        other => panic!("expected ResponseTooLarge, got {other:?}"),
    }
    // A declared length over the limit fails before the body is read.
    let declared = client.get_note(2).send().await.expect_err("too large");
    assert_eq!(declared.to_string(), "getNote: the 200 OK response body is larger than the limit of 1048576 bytes");
}

#[tokio::test]
async fn per_call_options_override_timeout_retries_and_headers() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/notes/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(note(1)).set_delay(Duration::from_millis(500)))
        .mount(&server)
        .await;
    Mock::given(path("/v1/notes/2")).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    Mock::given(path("/v1/notes/3"))
        .and(header("x-trace", "t-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(note(3)))
        .mount(&server)
        .await;
    let retrying = RetryPolicy::default().with_jitter(false).with_backoff(Duration::from_millis(5), Duration::from_millis(10));
    let client = builder(&server.uri()).retry(retrying).timeout(None).build().expect("client");

    // Timeout for this call only.
    let slow = client.get_note(1).with_options(CallOptions::new().timeout(Duration::from_millis(50))).send().await;
    assert!(matches!(slow, Err(Error::Timeout { operation: "getNote" })), "{slow:?}");
    assert!(client.get_note(1).send().await.is_ok(), "the client itself has no timeout");

    // Never retry this call; the client's policy retries the next.
    let once = client.get_note(2).with_options(CallOptions::new().no_retry()).send().await;
    assert_eq!(once.expect_err("503").status().map(|s| s.as_u16()), Some(503));
    let count = |requests: &[wiremock::Request]| requests.iter().filter(|r| r.url.path() == "/v1/notes/2").count();
    assert_eq!(count(&server.received_requests().await.unwrap()), 1);
    let _ = client.get_note(2).send().await;
    assert!(count(&server.received_requests().await.unwrap()) > 2, "the client's policy retried");

    // An extra header.
    let traced = client
        .get_note(3)
        .with_options(CallOptions::new().header("x-trace".parse().unwrap(), "t-1".parse().unwrap()))
        .send()
        .await;
    assert!(traced.is_ok(), "{traced:?}");
}
