//! Random requests against the generated router (in-process through `tower::ServiceExt`, the
//! same service a listener would drive): paths near and far from the spec's, random query
//! strings, headers and bodies (malformed and deeply nested JSON, wrong types, huge numbers,
//! invalid UTF-8, oversized bodies). The router must never panic, never answer a server
//! error other than the 501 of an operation the implementation left out, and always answer
//! errors as JSON in the API's envelope.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request};
use pipedrive_server::{ApiError, Credentials, RouterConfig};
use proptest::prelude::*;
use tower::ServiceExt;

/// Accepts any credential; implements nothing, so a request that passes every check reaches
/// the 501 default.
struct FuzzApi;

impl pipedrive_server::Api for FuzzApi {
    type Principal = ();

    async fn authenticate(&self, credentials: Credentials, _operation: &'static str) -> Result<(), ApiError> {
        if credentials.is_anonymous() {
            Err(ApiError::unauthorized("no credentials", "Bearer"))
        } else {
            Ok(())
        }
    }
}

const TEMPLATES: &[&str] = &[
    "/v1/notes",
    "/v1/notes/{}",
    "/v1/notes/{}/comments",
    "/v1/notes/{}/comments/{}",
    "/v1/organizations",
    "/v1/organizations/{}",
    "/v1/organizations/collection",
    "/v1/organizations/search",
    "/v1/organizations/{}/followers/{}",
    "/v1/organizations/{}/merge",
    "/v1/organizationFields",
    "/v1/organizationRelationships/{}",
    "/v1/permissionSets/{}/assignments",
    "/v1/meetings/userProviderLinks/{}",
    "/v1/personFields",
    "/oauth/token",
    "/oauth/authorize",
    "/{}",
    "/v1/{}/{}",
];

const QUERY_NAMES: &[&str] = &[
    "api_token", "id", "ids", "limit", "start", "user_id", "lead_id", "start_date", "pinned_to_deal_flag", "term",
    "exact_match", "cursor", "since", "client_id", "redirect_uri", "sort", "fields", "x",
];

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        (0i64..100).prop_map(|n| n.to_string()),
        Just("-1".to_owned()),
        Just("99999999999999999999999".to_owned()),
        Just("%FF%FE".to_owned()),
        Just("%E2%82%AC".to_owned()),
        "[a-zA-Z0-9._~-]{0,12}",
    ]
}

fn query_value() -> impl Strategy<Value = String> {
    prop_oneof![
        (-5i64..1000).prop_map(|n| n.to_string()),
        Just("good".to_owned()),
        Just("1e999".to_owned()),
        Just("NaN".to_owned()),
        Just("%FF".to_owned()),
        Just("2024-02-30".to_owned()),
        Just("5b8a3b4c-1f0e-4d2a-9c3b-2a1e0f9d8c7b".to_owned()),
        "[a-z0-9%,|]{0,10}",
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        Just(b"{".to_vec()),
        Just(b"{\"content\": 1e400}".to_vec()),
        Just(b"{\"content\": \"x\", \"org_id\": 18446744073709551616}".to_vec()),
        Just(vec![0xff, 0xfe, 0x00, 0x7b]),
        Just(format!("{}{}", "[".repeat(5000), "]".repeat(5000)).into_bytes()),
        Just(format!("{{\"content\": \"{}\"}}", "x".repeat(70_000)).into_bytes()),
        Just(b"content=x&org_id=abc&ids=1,2,x".to_vec()),
        (any::<i64>(), "[a-z]{0,8}", any::<bool>()).prop_map(|(n, s, b)| {
            serde_json::json!({"content": s, "org_id": n, "pinned_to_deal_flag": n % 3, "visible_to": b, "name": n})
                .to_string()
                .into_bytes()
        }),
        proptest::collection::vec(any::<u8>(), 0..64),
    ]
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![
        Just(None),
        Just(Some("application/json")),
        Just(Some("application/json; charset=utf-8")),
        Just(Some("application/x-www-form-urlencoded")),
        Just(Some("text/plain")),
        Just(Some("application/json;;;")),
    ]
}

fn authorization() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        Just(None),
        Just(Some(b"Bearer t".to_vec())),
        Just(Some(b"Bearer".to_vec())),
        Just(Some(b"Basic !!!".to_vec())),
        Just(Some(b"Basic Y2xpZW50OnNlY3JldA==".to_vec())),
        Just(Some(vec![b'B', 0xff, 0xfe])),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    method: &'static str,
    path: String,
    query: Vec<(String, String)>,
    content_type: Option<&'static str>,
    authorization: Option<Vec<u8>>,
    body: Vec<u8>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(vec!["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
        prop::sample::select(TEMPLATES.to_vec()),
        proptest::collection::vec(segment(), 2),
        proptest::collection::vec((prop::sample::select(QUERY_NAMES.to_vec()), query_value()), 0..6),
        content_type(),
        authorization(),
        body(),
    )
        .prop_map(|(method, template, segments, query, content_type, authorization, body)| {
            let mut path = template.to_owned();
            for segment in segments {
                path = path.replacen("{}", &segment, 1);
            }
            let query = query.into_iter().map(|(name, value)| (name.to_owned(), value)).collect();
            Case { method, path, query, content_type, authorization, body }
        })
}

fn request(case: &Case) -> Option<Request<Body>> {
    let query: Vec<String> = case.query.iter().map(|(name, value)| format!("{name}={value}")).collect();
    let uri = if query.is_empty() { case.path.clone() } else { format!("{}?{}", case.path, query.join("&")) };
    let mut builder = Request::builder().method(case.method).uri(uri);
    if let Some(content_type) = case.content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    if let Some(authorization) = &case.authorization {
        let value = header::HeaderValue::from_bytes(authorization).ok()?;
        builder = builder.header(header::AUTHORIZATION, value);
    }
    builder.body(Body::from(case.body.clone())).ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_requests_never_fail_the_server(case in case()) {
        let Some(request) = request(&case) else { return Ok(()) };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        let config = RouterConfig::default().body_limit(64 * 1024);
        let router = pipedrive_server::router_with(Arc::new(FuzzApi), &config);
        let (status, content_type, bytes) = runtime.block_on(async move {
            let response = router.oneshot(request).await.expect("the router is infallible");
            let status = response.status();
            let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("a body");
            (status, content_type, bytes)
        });
        if case.method == "HEAD" {
            // HEAD answers carry no body to check.
            prop_assert!(status.as_u16() < 500 || status.as_u16() == 501, "{case:?} answered {status}");
            return Ok(());
        }
        let body: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|error| TestCaseError::fail(format!("{case:?}: not JSON ({error}): {}", String::from_utf8_lossy(&bytes))))?;
        prop_assert!(!status.is_success(), "{case:?}: nothing is implemented, yet {status}");
        prop_assert_eq!(content_type.as_deref(), Some("application/json"));
        prop_assert_eq!(&body["success"], &serde_json::Value::Bool(false), "{:?}: {}", case, body);
        prop_assert!(body["error"].is_string(), "{case:?}: {body}");
        if status.is_server_error() {
            prop_assert_eq!(status.as_u16(), 501, "{:?}: {}", case, body);
            prop_assert!(body["error"].as_str().unwrap_or_default().ends_with("is not implemented"), "{case:?}: {body}");
        }
    }
}
