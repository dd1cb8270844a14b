//! Every validation rule of the generated server, each broken by one request that must get a
//! 400 in the API's envelope naming the parameter or field and what is wrong; and the typed
//! values an implementation receives when the request is valid.

mod support;

use serde_json::{json, Value};
use support::{envelope, http, send, server, TOKEN};

async fn get_notes_with(query: &str) -> (u16, reqwest::header::HeaderMap, Value) {
    let server = server().await;
    send(http().get(server.url(&format!("/v1/notes?api_token={TOKEN}&{query}")))).await
}

async fn expect_400(query: &str, message: &str) {
    let (status, headers, body) = get_notes_with(query).await;
    let error = envelope(status, &headers, &body, 400);
    assert_eq!(error, message, "query {query}: {body}");
}

#[tokio::test]
async fn valid_query_parameters_arrive_typed() {
    let server = server().await;
    let query = "user_id=7&lead_id=5b8a3b4c-1f0e-4d2a-9c3b-2a1e0f9d8c7b&start=0&limit=50&sort=add_time%20DESC\
                 &start_date=2024-02-29&pinned_to_deal_flag=1";
    let (status, _, body) = send(http().get(server.url(&format!("/v1/notes?api_token={TOKEN}&{query}")))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], json!(true));
    let seen = server.api.last_get_notes.lock().unwrap().clone().expect("the implementation ran");
    assert_eq!(seen.user_id, Some(7));
    assert_eq!(seen.lead_id.map(|id| id.to_string()).as_deref(), Some("5b8a3b4c-1f0e-4d2a-9c3b-2a1e0f9d8c7b"));
    assert_eq!(seen.limit, Some(50));
    assert_eq!(seen.sort.as_deref(), Some("add_time DESC"));
    assert_eq!(seen.start_date.map(|date| date.to_string()).as_deref(), Some("2024-02-29"));
    assert_eq!(seen.pinned_to_deal_flag.map(|flag| flag.is_set()), Some(true));
    assert_eq!(seen.end_date, None);
}

#[tokio::test]
async fn an_integer_parameter_that_is_not_one() {
    expect_400("user_id=seven", "`user_id` (query parameter) must be an integer, got `seven`").await;
}

#[tokio::test]
async fn an_integer_out_of_range() {
    expect_400("user_id=99999999999999999999", "`user_id` (query parameter) must be an integer, got `99999999999999999999`")
        .await;
}

#[tokio::test]
async fn a_minimum() {
    expect_400("limit=0", "`limit` must be at least 1, got 0").await;
    expect_400("start=-1", "`start` must be at least 0, got -1").await;
}

#[tokio::test]
async fn a_uuid_format() {
    const REFUSED: &str = "`lead_id` must be a uuid (hex digits as 8-4-4-4-12)";
    expect_400("lead_id=not-a-uuid", REFUSED).await;
    // The hyphenated form only: the uuid crate also reads the bare and braced forms.
    expect_400("lead_id=5b8a3b4c1f0e4d2a9c3b2a1e0f9d8c7b", REFUSED).await;
    expect_400("lead_id=%7B5b8a3b4c-1f0e-4d2a-9c3b-2a1e0f9d8c7b%7D", REFUSED).await;
}

#[tokio::test]
async fn a_date_format() {
    expect_400("start_date=2024-02-30", "`start_date` must be a date (YYYY-MM-DD)").await;
    // Four-digit years, two-digit months and days, as RFC 3339's `full-date` writes them.
    expect_400("start_date=2024-2-29", "`start_date` must be a date (YYYY-MM-DD)").await;
    expect_400("start_date=%2B2024-02-29", "`start_date` must be a date (YYYY-MM-DD)").await;
}

#[tokio::test]
async fn an_enum() {
    expect_400("pinned_to_deal_flag=2", "`pinned_to_deal_flag` must be one of 0, 1").await;
}

#[tokio::test]
async fn a_scalar_given_twice() {
    expect_400("limit=1&limit=2", "`limit` (query parameter) must be given at most once").await;
}

#[tokio::test]
async fn every_problem_is_listed_in_the_detail() {
    let (status, headers, body) = get_notes_with("limit=0&user_id=x&start_date=yesterday").await;
    let error = envelope(status, &headers, &body, 400);
    assert_eq!(error, "`user_id` (query parameter) must be an integer, got `x` (and 2 more problems)");
    assert_eq!(
        body["error_info"],
        json!(
            "`user_id` (query parameter) must be an integer, got `x`; `limit` must be at least 1, got 0; \
             `start_date` must be a date (YYYY-MM-DD)"
        )
    );
}

#[tokio::test]
async fn a_path_parameter_with_the_wrong_type() {
    let server = server().await;
    let (status, headers, body) = send(http().get(server.url(&format!("/v1/notes/abc?api_token={TOKEN}")))).await;
    let error = envelope(status, &headers, &body, 400);
    assert_eq!(error, "`id` (path parameter) must be an integer, got `abc`");
}

#[tokio::test]
async fn a_maximum_and_a_min_length() {
    let server = server().await;
    let url = server.url(&format!("/v1/organizations/collection?api_token={TOKEN}&limit=501"));
    let (status, headers, body) = send(http().get(url)).await;
    assert_eq!(envelope(status, &headers, &body, 400), "`limit` must be at most 500, got 501");
    let url = server.url(&format!("/v1/organizations/search?api_token={TOKEN}&term="));
    let (status, headers, body) = send(http().get(url)).await;
    assert_eq!(envelope(status, &headers, &body, 400), "`term` must be at least 1 character long, got 0");
}

#[tokio::test]
async fn a_required_query_parameter() {
    let server = server().await;
    let (status, headers, body) =
        send(http().get(server.url("/oauth/authorize?client_id=abc"))).await;
    let error = envelope(status, &headers, &body, 400);
    assert_eq!(error, "`redirect_uri` (query parameter) is required");
}

async fn post_note(body: reqwest::Body, content_type: Option<&str>) -> (u16, reqwest::header::HeaderMap, Value) {
    let server = server().await;
    let mut request = http().post(server.url(&format!("/v1/notes?api_token={TOKEN}"))).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    send(request).await
}

async fn post_note_json(body: Value) -> (u16, reqwest::header::HeaderMap, Value) {
    post_note(body.to_string().into(), Some("application/json")).await
}

#[tokio::test]
async fn a_valid_json_body_arrives_typed() {
    let (status, _, body) =
        post_note_json(json!({"content": "Call back", "org_id": 5, "lead_id": "5b8a3b4c-1f0e-4d2a-9c3b-2a1e0f9d8c7b"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["content"], json!("Call back"));
    assert_eq!(body["data"]["org_id"], json!(5));
    assert_eq!(body["data"]["user_id"], json!(1), "the principal reached the implementation");
}

#[tokio::test]
async fn a_missing_required_property() {
    let (status, headers, body) = post_note_json(json!({"org_id": 5})).await;
    assert_eq!(envelope(status, &headers, &body, 400), "`body/content` is required");
}

#[tokio::test]
async fn a_property_of_the_wrong_type() {
    let (status, headers, body) = post_note_json(json!({"content": "x", "org_id": "five"})).await;
    assert_eq!(envelope(status, &headers, &body, 400), "`body/org_id` must be an integer, got a string");
}

#[tokio::test]
async fn a_property_with_a_bad_format_and_a_bad_enum() {
    let (status, headers, body) =
        post_note_json(json!({"content": "x", "lead_id": "nope", "pinned_to_deal_flag": 3})).await;
    assert_eq!(envelope(status, &headers, &body, 400), "`body/lead_id` must be a uuid (hex digits as 8-4-4-4-12) (and 1 more problem)");
    assert!(body["error_info"].as_str().unwrap_or_default().contains("`body/pinned_to_deal_flag` must be one of 0, 1"));
}

#[tokio::test]
async fn a_body_that_is_not_an_object() {
    let (status, headers, body) = post_note_json(json!([1, 2])).await;
    assert_eq!(envelope(status, &headers, &body, 400), "`body` must be an object, got an array");
}

#[tokio::test]
async fn malformed_json() {
    let (status, headers, body) = post_note("{\"content\": ".into(), Some("application/json")).await;
    let error = envelope(status, &headers, &body, 400);
    assert!(error.starts_with("`body` is not valid JSON: EOF while parsing"), "{error}");
}

#[tokio::test]
async fn a_missing_required_body() {
    let (status, headers, body) = post_note(Vec::new().into(), Some("application/json")).await;
    assert_eq!(envelope(status, &headers, &body, 400), "`body` is required");
}

#[tokio::test]
async fn a_huge_number() {
    let (status, headers, body) = post_note(r#"{"content": "x", "org_id": 1e400}"#.into(), Some("application/json")).await;
    let error = envelope(status, &headers, &body, 400);
    assert!(error.starts_with("`body` is not valid JSON: number out of range"), "{error}");
    let (status, headers, body) = post_note_json(json!({"content": "x", "org_id": u64::MAX})).await;
    assert_eq!(
        envelope(status, &headers, &body, 400),
        "`body/org_id` must fit in a signed 64-bit integer, got 18446744073709551615"
    );
}

#[tokio::test]
async fn a_form_body_is_coerced_and_checked() {
    let server = server().await;
    let request = http()
        .post(server.url("/oauth/token"))
        .basic_auth("client", Some("secret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=refresh_token&refresh_token=abc");
    let (status, _, body) = send(request).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["access_token"], json!("access-for-client"));
    let seen = server.api.last_tokens.lock().unwrap().clone().expect("the implementation ran");
    let seen = seen.body.expect("a body");
    assert_eq!(seen.refresh_token.as_deref(), Some("abc"));
}
