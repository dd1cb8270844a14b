//! The generated Pipedrive client against wiremock on loopback: parameter encoding, bodies,
//! status mapping, decode errors, pagination, retries and credentials.

use futures::TryStreamExt as _;
use pipedrive_client::{operations, Client, Error, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{body_json, body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "secret-token-123";

async fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .api_key(TOKEN)
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds")
}

fn query_of(request: &Request) -> String {
    request.url.query().unwrap_or_default().to_owned()
}

fn note_page(ids: &[i64], next: Option<i64>) -> serde_json::Value {
    let data: Vec<_> = ids.iter().map(|id| json!({"id": id, "content": format!("note {id}")})).collect();
    let pagination = match next {
        Some(next) => json!({"start": 0, "limit": 2, "more_items_in_collection": true, "next_start": next}),
        None => json!({"start": 0, "limit": 2, "more_items_in_collection": false}),
    };
    json!({"success": true, "data": data, "additional_data": {"pagination": pagination}})
}

#[tokio::test]
async fn optional_parameters_are_omitted_and_values_are_sent_bare() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/notes"))
        .respond_with(ResponseTemplate::new(200).set_body_json(note_page(&[1], None)))
        .mount(&server)
        .await;
    let client = client(&server).await;
    let date = "2024-05-06".parse().expect("a date");
    let page = client
        .get_notes()
        .org_id(5)
        .limit(50)
        .start_date(date)
        .pinned_to_deal_flag(pipedrive_client::types::support::Flag::ON)
        .sort("add_time DESC")
        .send()
        .await
        .expect("a page");
    assert!(page.success);
    // The README's way to read a nullable list.
    assert_eq!(page.data.as_deref().map_or(0, <[_]>::len), 1);
    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(
        query_of(&requests[0]),
        format!("org_id=5&limit=50&sort=add_time%20DESC&start_date=2024-05-06&pinned_to_deal_flag=1&api_token={TOKEN}")
    );
}

#[tokio::test]
async fn json_body_and_path_parameters() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/notes"))
        .and(body_json(json!({"content": "hello", "org_id": 7})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true, "data": {"id": 9}})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/notes/9"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true, "data": {"id": 9}})))
        .mount(&server)
        .await;
    let client = client(&server).await;
    let body = pipedrive_client::types::NotesCreateNoteRequest {
        content: "hello".to_owned(),
        org_id: Some(7),
        ..Default::default()
    };
    let created = client.add_note(body).send().await.expect("created");
    assert_eq!(created.data.and_then(|note| note.id), Some(9));
    let fetched = client.get_note(9).send().await.expect("fetched");
    assert_eq!(fetched.data.and_then(|note| note.id), Some(9));
}

#[tokio::test]
async fn token_endpoint_gets_a_form_body_with_basic_auth_on_the_oauth_host() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(header("authorization", "Basic aWQ6c2VjcmV0"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("grant_type=refresh_token&refresh_token=r1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": "a2", "token_type": "Bearer"})))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .basic_authentication("id", "secret")
        .server_override("https://oauth.pipedrive.com", &server.uri())
        .expect("valid URL")
        .build()
        .expect("client builds");
    let body = pipedrive_client::types::OauthRefreshTokenRequest {
        grant_type: Some("refresh_token".to_owned()),
        refresh_token: Some("r1".to_owned()),
    };
    let token = client.get_tokens().body(body).send().await.expect("a token");
    assert_eq!(token.access_token.as_deref(), Some("a2"));
    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(query_of(&requests[0]), "", "no api_token on the token endpoint");
}

#[tokio::test]
async fn documented_statuses_map_to_their_variants_and_others_are_unexpected() {
    let server = MockServer::start().await;
    let id = "5d6e1c2a-8b1f-4c9e-9a7b-0e2f3a4b5c6d";
    for (status, message) in [(401, "no auth"), (403, "forbidden"), (500, "boom")] {
        Mock::given(method("DELETE"))
            .and(path(format!("/v1/meetings/userProviderLinks/{id}")))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({"success": false, "message": message})))
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    let client = client(&server).await;
    let uuid = id.parse().expect("a uuid");
    match client.delete_user_provider_link(uuid).send().await.map_err(Error::into_api) {
        Err(Ok(operations::DeleteUserProviderLinkError::Unauthorized(body))) => {
            assert_eq!(body.message.as_deref(), Some("no auth"))
        }
        other => panic!("expected 401 Unauthorized, got {other:?}"),
    }
    match client.delete_user_provider_link(uuid).send().await.map_err(Error::into_api) {
        Err(Ok(operations::DeleteUserProviderLinkError::Forbidden(body))) => {
            assert_eq!(body.message.as_deref(), Some("forbidden"))
        }
        other => panic!("expected 403 Forbidden, got {other:?}"),
    }
    match client.delete_user_provider_link(uuid).send().await {
        Err(Error::UnexpectedStatus { status, body, .. }) => {
            assert_eq!(status.as_u16(), 500);
            assert!(String::from_utf8_lossy(&body).contains("boom"));
        }
        other => panic!("expected an unexpected status, got {other:?}"),
    }
}

#[tokio::test]
async fn a_decode_error_names_the_operation_and_json_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/notes/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true, "data": {"id": "one"}})))
        .mount(&server)
        .await;
    let error = client(&server).await.get_note(1).send().await.expect_err("a decode error");
    match &error {
        Error::Decode { operation, path, .. } => {
            assert_eq!(*operation, "getNote");
            assert_eq!(path, "data.id");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn offset_pagination_with_next_start_walks_three_pages() {
    let server = MockServer::start().await;
    for (start, ids, next) in [("0", vec![1, 2], Some(2)), ("2", vec![3, 4], Some(4)), ("4", vec![5], None)] {
        Mock::given(method("GET"))
            .and(path("/v1/notes"))
            .and(query_param("start", start))
            .and(query_param("limit", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(note_page(&ids, next)))
            .mount(&server)
            .await;
    }
    let client = client(&server).await;
    let notes: Vec<_> = client.get_notes().limit(2).stream().try_collect().await.expect("all pages");
    let ids: Vec<_> = notes.iter().filter_map(|note| note.id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn offset_pagination_with_a_more_items_flag_walks_three_pages() {
    let server = MockServer::start().await;
    for (start, ids, more) in [("0", [1, 2], true), ("2", [3, 4], true), ("4", [5, 6], false)] {
        let data: Vec<_> = ids.iter().map(|id| json!({"id": id, "key": format!("k{id}"), "name": "n"})).collect();
        Mock::given(method("GET"))
            .and(path("/v1/organizationFields"))
            .and(query_param("start", start))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "success": true, "data": data, "additional_data": {"more_items_in_collection": more}
            })))
            .mount(&server)
            .await;
    }
    let client = client(&server).await;
    let fields: Vec<_> = client.get_organization_fields_stream().try_collect().await.expect("all pages");
    assert_eq!(fields.len(), 6);
    assert_eq!(server.received_requests().await.expect("recorded").len(), 3);
}

#[tokio::test]
async fn cursor_pagination_walks_three_pages() {
    let server = MockServer::start().await;
    let pages = [(None, [1, 2], Some("c2")), (Some("c2"), [3, 4], Some("c3")), (Some("c3"), [5, 6], None)];
    for (cursor, ids, next) in pages {
        let data: Vec<_> = ids.iter().map(|id| json!({"id": id, "name": format!("org {id}")})).collect();
        let mut mock = Mock::given(method("GET")).and(path("/v1/organizations/collection"));
        if let Some(cursor) = cursor {
            mock = mock.and(query_param("cursor", cursor));
        }
        mock.respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "success": true, "data": data, "additional_data": {"next_cursor": next}
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    }
    let client = client(&server).await;
    let organizations: Vec<_> =
        client.get_organizations_collection_stream().try_collect().await.expect("all pages");
    assert_eq!(organizations.len(), 6);
    let requests = server.received_requests().await.expect("recorded");
    assert!(query_of(&requests[2]).contains("cursor=c3"), "{}", query_of(&requests[2]));
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/notes/1"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/notes/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true, "data": {"id": 1}})))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .api_key(TOKEN)
        .retry(RetryPolicy::default().with_max_attempts(3).with_jitter(false))
        .build()
        .expect("client builds");
    let note = client.get_note(1).send().await.expect("retried to success");
    assert_eq!(note.data.and_then(|note| note.id), Some(1));
    assert_eq!(server.received_requests().await.expect("recorded").len(), 2);
}

#[tokio::test]
async fn bearer_credentials_go_in_the_header_and_never_in_debug_or_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/notes/1"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(500).set_body_string("oops"))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .oauth2(TOKEN)
        .retry(RetryPolicy::none())
        .build()
        .expect("client builds");
    let error = client.get_note(1).send().await.expect_err("a 500");
    assert_eq!(error.status().map(|status| status.as_u16()), Some(500));
    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(query_of(&requests[0]), "", "no api_token when only a bearer token is set");
    for text in [format!("{client:?}"), format!("{error}"), format!("{error:?}")] {
        assert!(!text.contains(TOKEN), "credential leaked: {text}");
    }
}

#[tokio::test]
async fn the_api_token_is_not_in_debug_output() {
    let server = MockServer::start().await;
    let client = client(&server).await;
    assert!(!format!("{client:?}").contains(TOKEN));
}

#[tokio::test]
async fn enum_query_values_are_sent_bare() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/organizations/3/deals"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true, "data": []})))
        .mount(&server)
        .await;
    let client = client(&server).await;
    client
        .get_organization_deals(3)
        .status(pipedrive_client::types::GetOrganizationDealsStatus::AllNotDeleted)
        .send()
        .await
        .expect("a page");
    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(query_of(&requests[0]), format!("status=all_not_deleted&api_token={TOKEN}"));
}

#[tokio::test]
async fn a_slow_server_gives_a_timeout_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/notes/1"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(2)))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(format!("{}/v1", server.uri()))
        .api_key(TOKEN)
        .retry(RetryPolicy::none())
        .timeout(Some(std::time::Duration::from_millis(100)))
        .build()
        .expect("client builds");
    match client.get_note(1).send().await {
        Err(Error::Timeout { operation }) => assert_eq!(operation, "getNote"),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[test]
fn the_oauth2_helper_builds_the_authorization_url_from_the_spec_and_hides_the_secret() {
    let oauth = pipedrive_client::oauth2_client("my-id", "my-secret", Some("https://app.example/cb".to_owned()))
        .expect("the spec's URLs are valid");
    let url = oauth.authorization_url("state-1", &[]);
    assert_eq!(url.host_str(), Some("oauth.pipedrive.com"));
    assert_eq!(url.path(), "/oauth/authorize");
    let query = url.query().unwrap_or_default();
    assert!(query.contains("client_id=my-id") && query.contains("state=state-1"), "{query}");
    assert!(!format!("{oauth:?}").contains("my-secret"));
}
