//! Helpers shared by the loopback tests.
#![allow(dead_code)]

use pipedrive_server::RouterConfig;
use serde_json::Value;
use server_tests::{spawn, Running};

pub async fn server() -> Running {
    spawn(RouterConfig::default()).await.expect("the test server starts")
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder().build().expect("a client")
}

/// Status, headers and the body as JSON (`Value::Null` when the body is not JSON).
pub async fn send(request: reqwest::RequestBuilder) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("a body");
    (status, headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Asserts an answer in the API's envelope with `status`, and returns its `error` message.
pub fn envelope(status: u16, headers: &reqwest::header::HeaderMap, body: &Value, expected: u16) -> String {
    assert_eq!(status, expected, "body: {body}");
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json"),
        "errors are JSON"
    );
    assert_eq!(body["success"], Value::Bool(false), "envelope: {body}");
    body["error"].as_str().unwrap_or_else(|| panic!("`error` is a string: {body}")).to_owned()
}

pub const TOKEN: &str = "good-token";
