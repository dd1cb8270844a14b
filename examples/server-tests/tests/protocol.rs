//! Everything around validation: routing (all 50 operations, base paths, 404, 405 with
//! `Allow`), limits (413), content types (415), authentication per scheme (401), panics (500,
//! and the server keeps serving), the 501 default, documented non-2xx and non-JSON responses.

mod support;

use std::time::Duration;

use pipedrive_server::RouterConfig;
use serde_json::{json, Value};
use server_tests::spawn;
use support::{envelope, http, send, server, TOKEN};

#[tokio::test]
async fn every_operation_is_routed_under_its_servers_base_path() {
    let server = server().await;
    let spec: serde_yaml_free::Spec = serde_yaml_free::operations();
    assert_eq!(spec.len(), 50, "the spec has 50 operations");
    for (method, path, oauth) in spec {
        let concrete = path.replace("{id}", "1").replace("{commentId}", "2").replace("{follower_id}", "3");
        let base = if oauth { "" } else { "/v1" };
        let request = http().request(method.parse().expect("a method"), server.url(&format!("{base}{concrete}")));
        let (status, _, body) = send(request).await;
        // Anything but "no route": a 401 (no credentials), a 400 (no body/params) or an answer.
        assert_ne!(status, 404, "{method} {path} is not routed: {body}");
        assert_ne!(status, 405, "{method} {path} is not routed: {body}");
        // And not under the other base.
        let other = if oauth { "/v1" } else { "" };
        let request = http().request(method.parse().expect("a method"), server.url(&format!("{other}{concrete}")));
        let (status, _, _) = send(request).await;
        assert!(status == 404 || status == 405, "{method} {other}{concrete} answered {status}");
    }
}

/// The operations of the checked-in spec, read with a tiny line scanner (no YAML dependency).
mod serde_yaml_free {
    pub type Spec = Vec<(String, String, bool)>;

    pub fn operations() -> Spec {
        let text = include_str!("../../../spec/pipedrive-v1.yaml");
        let mut out = Vec::new();
        let mut path = String::new();
        for line in text.lines() {
            if line.starts_with("  /") && line.ends_with(':') {
                path = line.trim().trim_end_matches(':').to_owned();
            } else if let Some(method) = ["get", "post", "put", "patch", "delete"]
                .iter()
                .find(|method| line == format!("    {method}:"))
            {
                out.push((method.to_uppercase(), path.clone(), path.starts_with("/oauth/")));
            }
            if line == "components:" {
                break;
            }
        }
        out
    }
}

#[tokio::test]
async fn base_paths_are_configurable() {
    let config = RouterConfig::default().base_path("https://api.pipedrive.com/v1", "/api/v1/");
    let server = spawn(config).await.expect("starts");
    let (status, _, body) = send(http().get(server.url(&format!("/api/v1/notes?api_token={TOKEN}")))).await;
    assert_eq!(status, 200, "{body}");
    let (status, headers, body) = send(http().get(server.url(&format!("/v1/notes?api_token={TOKEN}")))).await;
    envelope(status, &headers, &body, 404);
}

#[tokio::test]
async fn unknown_paths_answer_404_in_the_envelope() {
    let server = server().await;
    let (status, headers, body) = send(http().get(server.url("/v1/nothing/here"))).await;
    assert_eq!(envelope(status, &headers, &body, 404), "no operation matches GET /v1/nothing/here");
}

#[tokio::test]
async fn wrong_methods_answer_405_with_allow() {
    let server = server().await;
    let (status, headers, body) = send(http().patch(server.url("/v1/notes"))).await;
    envelope(status, &headers, &body, 405);
    let allow = headers.get("allow").and_then(|v| v.to_str().ok()).expect("an Allow header");
    let mut allowed: Vec<&str> = allow.split(',').map(str::trim).collect();
    allowed.sort();
    assert_eq!(allowed, ["GET", "HEAD", "POST"]);
}

#[tokio::test]
async fn oversized_bodies_answer_413() {
    let limited = spawn(RouterConfig::default().body_limit(1024)).await.expect("starts");
    let big = json!({"content": "x".repeat(2048)}).to_string();
    let request = http()
        .post(limited.url(&format!("/v1/notes?api_token={TOKEN}")))
        .header("content-type", "application/json")
        .body(big.clone());
    let (status, headers, body) = send(request).await;
    assert_eq!(envelope(status, &headers, &body, 413), "the request body is larger than the server accepts");
    // The default limit is 1 MiB: the same body is accepted there.
    let default = server().await;
    let request = http()
        .post(default.url(&format!("/v1/notes?api_token={TOKEN}")))
        .header("content-type", "application/json")
        .body(big);
    assert_eq!(send(request).await.0, 200);
}

#[tokio::test]
async fn wrong_content_types_answer_415() {
    let server = server().await;
    let request = http()
        .post(server.url(&format!("/v1/notes?api_token={TOKEN}")))
        .header("content-type", "text/plain")
        .body("content=hello");
    let (status, headers, body) = send(request).await;
    assert_eq!(
        envelope(status, &headers, &body, 415),
        "the request body must be sent as application/json; the Content-Type given was `text/plain`"
    );
    let request = http().post(server.url(&format!("/v1/notes?api_token={TOKEN}"))).body("{}");
    let (status, headers, body) = send(request).await;
    assert_eq!(
        envelope(status, &headers, &body, 415),
        "the request body must be sent as application/json; the Content-Type given was none"
    );
}

#[tokio::test]
async fn api_token_in_the_query() {
    let server = server().await;
    let (status, headers, body) = send(http().get(server.url("/v1/notes"))).await;
    let error = envelope(status, &headers, &body, 401);
    assert_eq!(
        error,
        "authentication is required: send query parameter `api_token` or an `Authorization: Bearer` header"
    );
    assert_eq!(headers.get("www-authenticate").and_then(|v| v.to_str().ok()), Some("Bearer"));
    let (status, headers, body) = send(http().get(server.url("/v1/notes?api_token=wrong"))).await;
    assert_eq!(envelope(status, &headers, &body, 401), "the credentials are not valid");
    let (status, _, _) = send(http().get(server.url(&format!("/v1/notes?api_token={TOKEN}")))).await;
    assert_eq!(status, 200);
    assert_eq!(*server.api.last_operation.lock().unwrap(), Some("getNotes"), "authenticate learns the operation");
}

#[tokio::test]
async fn bearer_tokens() {
    let server = server().await;
    let (status, headers, body) = send(http().get(server.url("/v1/notes")).bearer_auth("wrong")).await;
    assert_eq!(envelope(status, &headers, &body, 401), "the credentials are not valid");
    let (status, headers, body) = send(http().get(server.url("/v1/notes")).header("authorization", "Bearer")).await;
    assert_eq!(
        envelope(status, &headers, &body, 401),
        "the Authorization header names Bearer but carries no credentials"
    );
    let (status, _, _) = send(http().get(server.url("/v1/notes")).bearer_auth("good-bearer")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn basic_credentials_for_the_token_endpoint() {
    let server = server().await;
    let form = "grant_type=refresh_token&refresh_token=r";
    let post = |auth: Option<(&str, &str)>| {
        let request = http()
            .post(server.url("/oauth/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form);
        match auth {
            Some((user, password)) => request.basic_auth(user, Some(password)),
            None => request,
        }
    };
    let (status, headers, body) = send(post(None)).await;
    assert_eq!(
        envelope(status, &headers, &body, 401),
        "authentication is required: send an `Authorization: Basic` header"
    );
    assert_eq!(headers.get("www-authenticate").and_then(|v| v.to_str().ok()), Some("Basic"));
    let (status, headers, body) = send(post(Some(("client", "wrong")))).await;
    assert_eq!(envelope(status, &headers, &body, 401), "the credentials are not valid");
    let (status, headers, body) = send(post(None).header("authorization", "Basic !!!")).await;
    assert_eq!(
        envelope(status, &headers, &body, 401),
        "the Basic credentials are not base64 of `user:password`"
    );
    let (status, _, body) = send(post(Some(("client", "secret")))).await;
    assert_eq!(status, 200, "{body}");
    // An API token is not what this operation accepts.
    let (status, _, _) = send(http().post(server.url(&format!("/oauth/token?api_token={TOKEN}"))).body(form)).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn operations_without_security_skip_authentication() {
    let server = server().await;
    let (status, headers, body) =
        send(http().get(server.url("/oauth/authorize?client_id=app&redirect_uri=https%3A%2F%2Fexample.com"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("text/html"));
    assert_eq!(*server.api.last_operation.lock().unwrap(), None, "authenticate never ran");
}

#[tokio::test]
async fn a_panicking_handler_answers_500_and_the_server_keeps_serving() {
    let server = server().await;
    let (status, headers, body) = send(http().get(server.url(&format!("/v1/notes/13?api_token={TOKEN}")))).await;
    assert_eq!(envelope(status, &headers, &body, 500), "the server failed while handling the request");
    let (status, headers, body) = send(http().get(server.url(&format!("/v1/notes/14?api_token={TOKEN}")))).await;
    assert_eq!(envelope(status, &headers, &body, 404), "note 14 not found");
}

#[tokio::test]
async fn unimplemented_operations_answer_501_in_the_envelope() {
    let server = server().await;
    let (status, headers, body) = send(http().get(server.url(&format!("/v1/permissionSets?api_token={TOKEN}")))).await;
    assert_eq!(envelope(status, &headers, &body, 501), "operation `getPermissionSets` is not implemented");
}

#[tokio::test]
async fn documented_error_responses_pass_through_as_written() {
    let server = server().await;
    let url = server.url("/v1/organizations/collection?api_token=user-token");
    let (status, _, body) = send(http().get(url)).await;
    assert_eq!(status, 403);
    assert_eq!(body, json!({"success": false, "error": "only admins may list the collection"}));
}

#[tokio::test]
async fn a_created_note_can_be_read_back() {
    let server = server().await;
    let request = http()
        .post(server.url(&format!("/v1/notes?api_token={TOKEN}")))
        .json(&json!({"content": "first"}));
    let (status, _, created) = send(request).await;
    assert_eq!(status, 200);
    let id = created["data"]["id"].as_i64().expect("an id");
    let (status, headers, body) = send(http().get(server.url(&format!("/v1/notes/{id}?api_token={TOKEN}")))).await;
    assert_eq!(status, 200);
    assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/json"));
    assert_eq!(body["data"], created["data"]);
    assert_eq!(body["data"]["content"], Value::from("first"));
}

#[tokio::test]
async fn graceful_shutdown_stops_accepting() {
    let server = server().await;
    let url = server.url("/v1/nothing");
    assert_eq!(send(http().get(&url)).await.0, 404);
    drop(server);
    // The listener closes once the serve task sees the signal; allow a loaded machine 5 s.
    let mut closed = false;
    for _ in 0..100 {
        if http().get(&url).send().await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(closed, "the listener is closed after shutdown");
}
