//! Documented errors arrive as their typed variants; missing and wrong credentials; retries of
//! a 429 with `Retry-After` injected by a middleware on the mock's router; odd input never
//! reaches a 500.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pipedrive_client::operations::{
    GetOrganizationsCollectionError, GetPermissionSetAssignmentsError, GetPermissionSetError, SaveUserProviderLinkError,
};
use pipedrive_client::{types as t, Error, RetryPolicy};
use pipedrive_mock::Mock;

#[tokio::test]
async fn unknown_permission_set_is_the_typed_404() {
    let running = common::spawn(Mock::new()).await;
    let client = running.admin();
    match client.get_permission_set("no-such-set".to_owned()).send().await.map_err(Error::into_api) {
        Err(Ok(GetPermissionSetError::NotFound(body))) => {
            assert_eq!(body.success, Some(false));
            assert_eq!(body.error.as_deref(), Some("Permission set not found"));
        }
        other => panic!("expected the documented 404, got {other:?}"),
    }
    let assignments = client.get_permission_set_assignments("no-such-set".to_owned()).send().await;
    assert!(matches!(assignments.as_ref().err().and_then(Error::api), Some(GetPermissionSetAssignmentsError::NotFound(_))), "{assignments:?}");
    assert_eq!(common::status_of(&assignments), Some(404));
}

#[tokio::test]
async fn collection_is_the_typed_403_for_regular_users() {
    let running = common::spawn(Mock::new()).await;
    let by_token = running.client(pipedrive_mock::USER_API_TOKEN);
    let by_bearer = running.builder().oauth2(pipedrive_mock::USER_BEARER).build().expect("client");
    for client in [by_token, by_bearer] {
        match client.get_organizations_collection().send().await.map_err(Error::into_api) {
            Err(Ok(GetOrganizationsCollectionError::Forbidden(body))) => {
                assert_eq!(body.success, Some(false));
                assert!(body.error.is_some_and(|error| error.contains("global admins")));
            }
            other => panic!("expected the documented 403, got {other:?}"),
        }
    }
    let admin = running.builder().oauth2(pipedrive_mock::ADMIN_BEARER).build().expect("client");
    let page = admin.get_organizations_collection().send().await.expect("admins may list the collection");
    assert!(page.success);
}

#[tokio::test]
async fn credentials_missing_or_wrong() {
    let running = common::spawn(Mock::new()).await;
    // The client does not send a secured request without credentials.
    let anonymous = running.builder().build().expect("client");
    let refused = anonymous.get_notes().send().await;
    assert!(matches!(refused, Err(Error::InvalidRequest { operation: "getNotes", .. })), "{refused:?}");

    // Over the wire, without credentials: 401 in the API's envelope with a challenge.
    let response = reqwest::get(format!("{}/v1/notes", running.base)).await.expect("a response");
    assert_eq!(response.status(), 401);
    assert!(response.headers().contains_key("www-authenticate"));
    let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.expect("body")).expect("json");
    assert_eq!(body["success"], serde_json::json!(false));
    assert!(body["error"].is_string());

    // A wrong token: 401.
    let wrong = running.client("not-a-token");
    let refused = wrong.get_notes().send().await;
    assert_eq!(common::status_of(&refused), Some(401), "{refused:?}");
    let wrong_bearer = running.builder().oauth2("expired-or-made-up").build().expect("client");
    let refused = wrong_bearer.get_note_fields().send().await;
    assert_eq!(common::status_of(&refused), Some(401), "{refused:?}");

    // saveUserProviderLink documents 401: the typed variant.
    let body = t::MeetingsLinkUserProviderRequest {
        user_id: 1,
        company_id: 1,
        user_provider_id: "x".to_owned(),
        marketplace_client_id: pipedrive_mock::CLIENT_ID.to_owned(),
    };
    let refused = wrong.save_user_provider_link().body(body).send().await;
    assert!(matches!(refused.as_ref().err().and_then(Error::api), Some(SaveUserProviderLinkError::Unauthorized(_))), "{refused:?}");
    assert_eq!(common::status_of(&refused), Some(401), "the status of a documented error, from its Display");
}

/// Answers the first request for `path` with 429 and `Retry-After: 1`, then lets requests through.
fn throttle_once(path: &'static str, hits: Arc<AtomicUsize>) -> impl FnOnce(axum::Router) -> axum::Router {
    move |router| {
        let throttled = Arc::new(AtomicUsize::new(0));
        router.layer(axum::middleware::from_fn(move |request: Request, next: Next| {
            let (hits, throttled) = (hits.clone(), throttled.clone());
            async move {
                if request.uri().path() != path {
                    return next.run(request).await;
                }
                hits.fetch_add(1, Ordering::SeqCst);
                if throttled.fetch_add(1, Ordering::SeqCst) == 0 {
                    let body = r#"{"success":false,"error":"Rate limit exceeded"}"#;
                    let mut response: Response =
                        (axum::http::StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], body).into_response();
                    response
                        .headers_mut()
                        .insert("content-type", axum::http::HeaderValue::from_static("application/json"));
                    return response;
                }
                next.run(request).await
            }
        }))
    }
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried_for_idempotent_requests() {
    let hits = Arc::new(AtomicUsize::new(0));
    let running = common::spawn_with(Mock::new(), throttle_once("/v1/noteFields", hits.clone())).await;
    let client = running
        .builder()
        .api_key(pipedrive_mock::ADMIN_API_TOKEN)
        .retry(RetryPolicy::default().with_jitter(false))
        .build()
        .expect("client");
    let started = Instant::now();
    let fields = client.get_note_fields().send().await.expect("the retry succeeds");
    assert!(fields.success);
    assert_eq!(hits.load(Ordering::SeqCst), 2, "one 429, one retry");
    assert!(started.elapsed() >= Duration::from_millis(900), "waited for Retry-After: {:?}", started.elapsed());
}

#[tokio::test]
async fn a_429_is_not_retried_for_post() {
    let hits = Arc::new(AtomicUsize::new(0));
    let running = common::spawn_with(Mock::new(), throttle_once("/v1/notes", hits.clone())).await;
    let client = running
        .builder()
        .api_key(pipedrive_mock::ADMIN_API_TOKEN)
        .retry(RetryPolicy::default().with_jitter(false))
        .build()
        .expect("client");
    let body = t::NotesCreateNoteRequest { content: "once".to_owned(), ..Default::default() };
    let refused = client.add_note(body).send().await;
    assert_eq!(common::status_of(&refused), Some(429), "{refused:?}");
    assert_eq!(hits.load(Ordering::SeqCst), 1, "POST is not repeated");
    let notes = client.get_notes().send().await.expect("notes");
    assert_eq!(notes.data.as_ref().map(Vec::len), Some(0), "the throttled POST created nothing");
}

#[tokio::test]
async fn odd_input_is_answered_4xx_never_5xx() {
    let running = common::spawn(Mock::new().with_seed_data()).await;
    let http = reqwest::Client::new();
    let token = pipedrive_mock::ADMIN_API_TOKEN;
    let base = format!("{}/v1", running.base);
    let cases = [
        ("GET", format!("{base}/notes?sort=nope&api_token={token}")),
        ("GET", format!("{base}/notes?sort=id%20SIDEWAYS&api_token={token}")),
        ("GET", format!("{base}/notes?start=-1&api_token={token}")),
        ("GET", format!("{base}/notes?limit=0&api_token={token}")),
        ("GET", format!("{base}/notes?limit=99999999999999999999&api_token={token}")),
        ("GET", format!("{base}/notes/abc?api_token={token}")),
        ("GET", format!("{base}/organizations/collection?cursor=%00%ff&api_token={token}")),
        ("GET", format!("{base}/organizations/collection?since=yesterday&api_token={token}")),
        ("GET", format!("{base}/organizations/search?term=&api_token={token}")),
        ("GET", format!("{base}/organizations/search?term=ab&fields=bogus&api_token={token}")),
        ("GET", format!("{base}/organizations/1/activities?exclude=x,y&api_token={token}")),
        ("DELETE", format!("{base}/organizations?ids=,,,&api_token={token}")),
        ("DELETE", format!("{base}/personFields?ids=1.5&api_token={token}")),
        ("GET", format!("{base}/notes/1/comments/not-a-uuid?api_token={token}")),
        ("GET", format!("{base}/organizations/9223372036854775807?api_token={token}")),
    ];
    for (method, url) in cases {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let response = http.request(method.clone(), &url).send().await.expect("a response");
        let status = response.status();
        assert!(status.is_client_error(), "{method} {url}: {status}");
    }
    let bodies = [
        ("POST", format!("{base}/notes?api_token={token}"), r#"{"content": 5}"#),
        ("POST", format!("{base}/notes?api_token={token}"), r#"{"content": "x", "add_time": "soon"}"#),
        ("POST", format!("{base}/organizations?api_token={token}"), r#"{"name": "   "}"#),
        ("POST", format!("{base}/organizationFields?api_token={token}"), r#"{"name": "x", "field_type": "enum"}"#),
        (
            "POST",
            format!("{base}/organizationFields?api_token={token}"),
            r#"{"name": "x", "field_type": "set", "options": [1]}"#,
        ),
        ("PUT", format!("{base}/organizations/1/merge?api_token={token}"), r#"{"merge_with_id": 1}"#),
        (
            "POST",
            format!("{base}/organizationRelationships?api_token={token}"),
            r#"{"type": "parent", "rel_owner_org_id": 1, "rel_linked_org_id": 1}"#,
        ),
        ("POST", format!("{}/oauth/token", running.base), "grant_type=password"),
    ];
    for (method, url, body) in bodies {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let content_type =
            if url.ends_with("/oauth/token") { "application/x-www-form-urlencoded" } else { "application/json" };
        let response = http
            .request(method.clone(), &url)
            .header("content-type", content_type)
            .basic_auth(pipedrive_mock::CLIENT_ID, Some(pipedrive_mock::CLIENT_SECRET))
            .body(body)
            .send()
            .await
            .expect("a response");
        let status = response.status();
        assert!(status.is_client_error(), "{method} {url} {body}: {status}");
    }
}
