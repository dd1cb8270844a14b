//! The client runtime against wiremock on loopback: retries, timeouts, credential
//! placement and redaction, parameter encoding, decode error paths, pagination and OAuth2.

use std::time::{Duration, Instant, SystemTime};

use futures::TryStreamExt as _;
use runtime_templates::client::runtime::auth::{
    ApiKeyLocation, Credential, Credentials, OAuth2Client, SchemeKind, Secret, SecurityScheme,
};
use runtime_templates::client::runtime::client::{ClientConfig, OperationMeta, Part, RuntimeClient};
use runtime_templates::client::runtime::error::{decode_json, Error};
use runtime_templates::client::runtime::paginate::{paginate, paginate_pages, Next, Page, PageRequest, Paging, PagingStyle};
use runtime_templates::client::runtime::params::{self, PathStyle, QueryStyle};
use runtime_templates::client::runtime::retry::RetryPolicy;
use reqwest::Method;
use serde_json::{json, Value};
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "s3cr3t-T0KEN";

/// The operations here document no error statuses.
type Never = std::convert::Infallible;

static SCHEMES: &[SecurityScheme] = &[
    SecurityScheme {
        name: "api_key",
        kind: SchemeKind::ApiKey { location: ApiKeyLocation::Query, parameter: "api_token" },
    },
    SecurityScheme {
        name: "header_key",
        kind: SchemeKind::ApiKey { location: ApiKeyLocation::Header, parameter: "x-api-key" },
    },
    SecurityScheme {
        name: "cookie_key",
        kind: SchemeKind::ApiKey { location: ApiKeyLocation::Cookie, parameter: "session" },
    },
    SecurityScheme { name: "oauth2", kind: SchemeKind::Bearer },
    SecurityScheme { name: "openid", kind: SchemeKind::Bearer },
    SecurityScheme { name: "basic", kind: SchemeKind::Basic },
];

static GET_NOTE: OperationMeta = OperationMeta::new("getNote", Method::GET, "/notes/{id}", None, &[]);

static ADD_NOTE: OperationMeta = OperationMeta::new("addNote", Method::POST, "/notes", None, &[]);

static GET_NOTES: OperationMeta = OperationMeta::new("getNotes", Method::GET, "/notes", None, &[]);

static SECURED: OperationMeta = OperationMeta::new("getDeals", Method::GET, "/deals", None, &[&["api_key"], &["oauth2"]]);

static HEADER_SECURED: OperationMeta = OperationMeta::new("getUsers", Method::GET, "/users", None, &[&["header_key"]]);

static COOKIE_SECURED: OperationMeta = OperationMeta::new("getMe", Method::GET, "/me", None, &[&["cookie_key"]]);

static TOKEN_OP: OperationMeta =
    OperationMeta::new("getTokens", Method::GET, "/oauth/token", Some("https://oauth.example.com"), &[&["basic"]]);

/// An operation with a documented error status, as generated code declares one.
#[derive(Debug, PartialEq)]
enum GetDealError {
    NotFound(Value),
}

impl std::fmt::Display for GetDealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GetDealError::NotFound(body) => write!(f, "getDeal: not found: {body}"),
        }
    }
}

static GET_DEAL: OperationMeta<GetDealError> = OperationMeta::new("getDeal", Method::GET, "/deals/{id}", None, &[]);

#[derive(Debug, PartialEq, serde::Deserialize)]
struct Deal {
    id: u64,
}

/// The shape of a generated `send`: typed success, documented errors by status, the rest unexpected.
async fn get_deal(client: &RuntimeClient, id: u64) -> Result<Deal, Error<GetDealError>> {
    let response = client.call(&GET_DEAL).path("id", &id, PathStyle::DEFAULT).send().await?;
    match response.status_code() {
        200 => response.json(),
        404 => Err(response.api(GetDealError::NotFound)),
        _ => Err(response.unexpected()),
    }
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default().with_jitter(false).with_backoff(Duration::from_millis(10), Duration::from_millis(50))
}

fn client_for(server: &MockServer, configure: impl FnOnce(&mut ClientConfig)) -> RuntimeClient {
    let mut config = ClientConfig::new(format!("{}/v1", server.uri()).parse().unwrap());
    config.retry = fast_retries();
    configure(&mut config);
    RuntimeClient::new(config, SCHEMES).unwrap()
}

async fn requests_to(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn retries_after_retry_after_seconds_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/notes/1"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/notes/1")).respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1}))).mount(&server).await;
    let client = client_for(&server, |_| {});
    let started = Instant::now();
    let response = client.call(&GET_NOTE).path("id", &1, PathStyle::DEFAULT).send().await.unwrap();
    assert_eq!(response.status, 200);
    assert!(started.elapsed() >= Duration::from_secs(1), "waited {:?}", started.elapsed());
    assert_eq!(requests_to(&server).await, 2);
}

#[tokio::test]
async fn retries_after_retry_after_http_date() {
    let server = MockServer::start().await;
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    Mock::given(path("/v1/notes/1"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", date.as_str()))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/v1/notes/1")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let client = client_for(&server, |_| {});
    let started = Instant::now();
    let response = client.call(&GET_NOTE).path("id", &1, PathStyle::DEFAULT).send().await.unwrap();
    assert_eq!(response.status, 200);
    // The date has one-second resolution, so the wait is between one and two seconds.
    assert!(started.elapsed() >= Duration::from_millis(900), "waited {:?}", started.elapsed());
    assert_eq!(requests_to(&server).await, 2);
}

#[tokio::test]
async fn gives_up_after_max_attempts_with_the_last_status() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/notes/1")).respond_with(ResponseTemplate::new(502).set_body_string("bad gateway")).mount(&server).await;
    let client = client_for(&server, |config| config.retry = fast_retries().with_max_attempts(4));
    let response = client.call(&GET_NOTE).path("id", &1, PathStyle::DEFAULT).send().await.unwrap();
    assert_eq!(response.status, 502);
    assert_eq!(requests_to(&server).await, 4);
    let error = response.unexpected();
    assert_eq!(error.to_string(), "getNote: unexpected status 502 Bad Gateway with body `bad gateway`");
}

#[tokio::test]
async fn gives_up_when_the_total_time_budget_would_be_exceeded() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/notes/1"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "1"))
        .mount(&server)
        .await;
    let client = client_for(&server, |config| {
        config.retry = fast_retries().with_max_attempts(10).with_max_elapsed(Duration::from_millis(1500))
    });
    let response = client.call(&GET_NOTE).path("id", &1, PathStyle::DEFAULT).send().await.unwrap();
    assert_eq!(response.status, 503);
    assert_eq!(requests_to(&server).await, 2, "one retry fits into 1.5 s, a second does not");
}

#[tokio::test]
async fn does_not_wait_for_a_retry_after_beyond_the_cap() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/notes/1"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .mount(&server)
        .await;
    let client = client_for(&server, |_| {});
    let response = client.call(&GET_NOTE).path("id", &1, PathStyle::DEFAULT).send().await.unwrap();
    assert_eq!(response.status, 429);
    assert_eq!(requests_to(&server).await, 1);
}

#[tokio::test]
async fn does_not_retry_post_unless_configured() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    let client = client_for(&server, |_| {});
    let response = client.call(&ADD_NOTE).json(&json!({"content": "x"})).send().await.unwrap();
    assert_eq!(response.status, 503);
    assert_eq!(requests_to(&server).await, 1);

    let retrying = client_for(&server, |config| config.retry = fast_retries().with_retry_non_idempotent(true));
    retrying.call(&ADD_NOTE).json(&json!({"content": "x"})).send().await.unwrap();
    assert_eq!(requests_to(&server).await, 1 + 3);
}

#[tokio::test]
async fn retry_policy_none_sends_once() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/notes/1")).respond_with(ResponseTemplate::new(503)).mount(&server).await;
    let client = client_for(&server, |config| config.retry = RetryPolicy::none());
    client.call(&GET_NOTE).path("id", &1, PathStyle::DEFAULT).send().await.unwrap();
    assert_eq!(requests_to(&server).await, 1);
}

#[test]
fn backoff_grows_exponentially_within_jitter_bounds_and_is_capped() {
    let policy = RetryPolicy::default().with_backoff(Duration::from_millis(100), Duration::from_millis(500));
    let mut rng = fastrand::Rng::with_seed(7);
    for (retry, full) in [(1, 100), (2, 200), (3, 400), (4, 500), (30, 500)] {
        let delay = policy.backoff(retry, &mut rng);
        assert!(delay >= Duration::from_millis(full / 2) && delay <= Duration::from_millis(full), "retry {retry}: {delay:?}");
        assert_eq!(policy.clone().with_jitter(false).backoff(retry, &mut rng), Duration::from_millis(full));
    }
}

#[tokio::test]
async fn times_out() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/notes/1"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let client = client_for(&server, |config| config.timeout = Some(Duration::from_millis(200)));
    let started = Instant::now();
    let error = client.call(&GET_NOTE).path("id", &1, PathStyle::DEFAULT).send().await.unwrap_err();
    assert!(matches!(error, Error::Timeout { operation: "getNote" }), "{error:?}");
    assert_eq!(error.to_string(), "getNote: request timed out");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn places_an_api_key_in_the_query() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/deals")).and(query_param("api_token", SECRET)).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let client = client_for(&server, |config| config.credentials = Credentials::new().with("api_key", Credential::api_key(SECRET)));
    let response = client.call(&SECURED).query("limit", &Some(5), QueryStyle::DEFAULT).send().await.unwrap();
    assert_eq!(response.status, 200);
    let received = &server.received_requests().await.unwrap()[0];
    assert_eq!(received.url.query(), Some(format!("limit=5&api_token={SECRET}").as_str()));
}

#[tokio::test]
async fn places_a_bearer_token_when_that_alternative_is_configured() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/deals"))
        .and(header("authorization", format!("Bearer {SECRET}").as_str()))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = client_for(&server, |config| config.credentials = Credentials::new().with("oauth2", Credential::bearer(SECRET)));
    let response = client.call(&SECURED).send().await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(server.received_requests().await.unwrap()[0].url.query(), None);
}

static BEARERS_TOGETHER: OperationMeta = OperationMeta::new("getFiles", Method::GET, "/files", None, &[&["oauth2", "openid"]]);

/// Several bearer schemes in one requirement: one token satisfies them all and travels in one
/// `Authorization` header, whichever of them holds it and even when both hold one.
#[tokio::test]
async fn one_bearer_token_satisfies_several_bearer_schemes_of_a_requirement() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/files")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let held = [
        Credentials::new().with("openid", Credential::bearer(SECRET)),
        Credentials::new().with("oauth2", Credential::bearer(SECRET)).with("openid", Credential::bearer("other")),
    ];
    for credentials in held {
        let client = client_for(&server, |config| config.credentials = credentials);
        assert_eq!(client.call(&BEARERS_TOGETHER).send().await.unwrap().status, 200);
    }
    for request in server.received_requests().await.unwrap() {
        let values: Vec<_> = request.headers.get_all("authorization").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        assert_eq!(values, [format!("Bearer {SECRET}")]);
    }
}

#[tokio::test]
async fn places_header_and_cookie_api_keys() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/users")).and(header("x-api-key", SECRET)).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    Mock::given(path("/v1/me"))
        .and(header("cookie", format!("session={SECRET}").as_str()))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = client_for(&server, |config| {
        config.credentials = Credentials::new()
            .with("header_key", Credential::api_key(SECRET))
            .with("cookie_key", Credential::api_key(SECRET))
    });
    assert_eq!(client.call(&HEADER_SECURED).send().await.unwrap().status, 200);
    assert_eq!(client.call(&COOKIE_SECURED).send().await.unwrap().status, 200);
}

static ALL_KEYS: OperationMeta =
    OperationMeta::new("getKeys", Method::GET, "/keys", None, &[&["api_key", "header_key", "cookie_key"]]);

#[tokio::test]
async fn parameters_at_a_credentials_place_win_over_the_credential() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/keys")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let client = client_for(&server, |config| {
        config.credentials = Credentials::new()
            .with("api_key", Credential::api_key(SECRET))
            .with("header_key", Credential::api_key(SECRET))
            .with("cookie_key", Credential::api_key(SECRET))
    });
    // Each place given by a parameter of the call: the credential is not sent there as well.
    let given = client
        .call(&ALL_KEYS)
        .query("api_token", "given", QueryStyle::DEFAULT)
        .header("x-api-key", "given", false)
        .cookie("session", "given")
        .send()
        .await
        .unwrap();
    assert_eq!(given.status, 200);
    // Other parameters at those places leave the credential in.
    let other = client
        .call(&ALL_KEYS)
        .query("api_token_hint", "x", QueryStyle::DEFAULT)
        .cookie("theme", "dark")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status, 200);
    let received = server.received_requests().await.unwrap();
    let header_values = |index: usize, name: &str| -> Vec<String> {
        received[index].headers.get_all(name).iter().map(|value| value.to_str().unwrap().to_owned()).collect()
    };
    assert_eq!(received[0].url.query(), Some("api_token=given"));
    assert_eq!(header_values(0, "x-api-key"), ["given"]);
    assert_eq!(header_values(0, "cookie"), ["session=given"]);
    assert_eq!(received[1].url.query(), Some(format!("api_token_hint=x&api_token={SECRET}").as_str()));
    assert_eq!(header_values(1, "x-api-key"), [SECRET]);
    assert_eq!(header_values(1, "cookie"), [format!("theme=dark; session={SECRET}")]);
}

#[tokio::test]
async fn places_basic_credentials_on_the_operation_server_override() {
    let server = MockServer::start().await;
    // base64("client:s3cr3t-T0KEN")
    Mock::given(path("/oauth/token"))
        .and(header("authorization", "Basic Y2xpZW50OnMzY3IzdC1UMEtFTg=="))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = client_for(&server, |config| {
        config.credentials = Credentials::new().with("basic", Credential::basic("client", SECRET));
        config.server_overrides.insert("https://oauth.example.com".to_owned(), server.uri().parse().unwrap());
    });
    assert_eq!(client.call(&TOKEN_OP).send().await.unwrap().status, 200);
}

#[tokio::test]
async fn missing_credentials_fail_before_sending() {
    let server = MockServer::start().await;
    let client = client_for(&server, |config| config.credentials = Credentials::new().with("basic", Credential::basic("u", SECRET)));
    let error = client.call(&SECURED).send().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "getDeals: invalid request: the operation needs credentials for one of: api_key, oauth2; none are configured"
    );
    assert_eq!(requests_to(&server).await, 0);
}

#[tokio::test]
async fn secrets_never_appear_in_debug_or_display() {
    let credentials = Credentials::new()
        .with("api_key", Credential::api_key(SECRET))
        .with("oauth2", Credential::bearer(SECRET))
        .with("basic", Credential::basic("user", SECRET));
    let mut config = ClientConfig::new("http://127.0.0.1:9/v1".parse().unwrap());
    config.credentials = credentials.clone();
    config.retry = RetryPolicy::none();
    let client = RuntimeClient::new(config.clone(), SCHEMES).unwrap();
    let oauth = OAuth2Client {
        client_id: "id".to_owned(),
        client_secret: Secret::new(SECRET),
        authorization_url: "https://example.com/authorize".parse().unwrap(),
        token_url: "https://example.com/token".parse().unwrap(),
        redirect_uri: None,
    };
    for debug in [format!("{credentials:?}"), format!("{config:?}"), format!("{client:?}"), format!("{oauth:?}")] {
        assert!(!debug.contains(SECRET), "{debug}");
    }
    insta::assert_snapshot!(format!("{credentials:?}"), @r#"Credentials { by_scheme: {"api_key": ApiKey(***), "basic": Basic { username: "user", password: *** }, "oauth2": Bearer(***)} }"#);

    // Port 9 (discard) is closed on loopback: a transport error whose URL carried the key.
    let error = client.call(&SECURED).send().await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    for text in [error.to_string(), format!("{error:?}")] {
        assert!(!text.contains(SECRET), "{text}");
    }
}

#[test]
fn form_bodies_repeat_list_fields_and_bracket_nested_values() {
    let text = params::form_text(&json!({"name": "a b&c", "tags": ["x", "y"], "count": 2}), &[]).unwrap();
    // A form has no spelling for null: refused, not dropped (that would send "absent").
    let null = params::form_text(&json!({"name": "a", "gone": null}), &[]).unwrap_err();
    assert_eq!(null, "form field `gone` is null, which a form body cannot carry; leave it out instead");
    // Field order follows `serde_json`'s map (sorted, or as written with `preserve_order`).
    let mut pairs: Vec<&str> = text.split('&').collect();
    pairs.sort_unstable();
    assert_eq!(pairs, ["count=2", "name=a%20b%26c", "tags=x", "tags=y"]);
    // Objects and lists of objects have no form spelling: bracket notation, whatever the style.
    let nested = json!({"address": {"city": "Oslo"}, "lines": [{"price": "p_1", "qty": 2}], "empty": {}});
    assert_eq!(
        params::form_text(&nested, &[]).unwrap().replace('&', "\n&"),
        "address%5Bcity%5D=Oslo\n&lines%5B0%5D%5Bprice%5D=p_1\n&lines%5B0%5D%5Bqty%5D=2"
    );
    // The `encoding` styles, by field.
    let styled = json!({"expand": ["a", "b"], "ids": [1, 2], "words": ["p", "q"]});
    let styles = [("expand", QueryStyle::DeepObject), ("ids", QueryStyle::Form { explode: false }), ("words", QueryStyle::PipeDelimited)];
    assert_eq!(params::form_text(&styled, &styles).unwrap(), "expand%5B0%5D=a&expand%5B1%5D=b&ids=1,2&words=p|q");
    assert_eq!(params::form_text(&json!([1, 2]), &[]).unwrap_err(), "a form body must be an object");
}

#[tokio::test]
async fn encodes_query_parameters_per_style_and_values_bare() {
    #[derive(serde::Serialize)]
    enum Status {
        #[serde(rename = "all_not_deleted")]
        AllNotDeleted,
    }
    #[derive(serde::Serialize)]
    struct Filter {
        color: &'static str,
        size: u8,
    }
    let server = MockServer::start().await;
    Mock::given(path("/v1/notes")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let client = client_for(&server, |_| {});
    client
        .call(&GET_NOTES)
        .query("status", &Status::AllNotDeleted, QueryStyle::DEFAULT)
        .query("term", &"a b&c=d/é", QueryStyle::DEFAULT)
        .query("omitted", &None::<u32>, QueryStyle::DEFAULT)
        .query("flag", &true, QueryStyle::DEFAULT)
        .query("ids", &[1, 2], QueryStyle::Form { explode: true })
        .query("tags", &["x", "y,z"], QueryStyle::Form { explode: false })
        .query("space", &["p", "q"], QueryStyle::SpaceDelimited)
        .query("pipe", &["p", "q"], QueryStyle::PipeDelimited)
        .query("filter", &Filter { color: "red", size: 3 }, QueryStyle::DeepObject)
        .query("expand", &["a", "b"], QueryStyle::DeepObject)
        .query("created", &-290, QueryStyle::DeepObject)
        .query("nested", &json!({"lines": [{"price": "p"}]}), QueryStyle::DeepObject)
        .query("flat", &Filter { color: "blue", size: 4 }, QueryStyle::Form { explode: true })
        .query("packed", &Filter { color: "green", size: 5 }, QueryStyle::Form { explode: false })
        .send()
        .await
        .unwrap();
    let received = &server.received_requests().await.unwrap()[0];
    insta::assert_snapshot!(received.url.query().unwrap().replace('&', "\n&"), @r"
    status=all_not_deleted
    &term=a%20b%26c%3Dd%2F%C3%A9
    &flag=true
    &ids=1
    &ids=2
    &tags=x,y%2Cz
    &space=p%20q
    &pipe=p|q
    &filter%5Bcolor%5D=red
    &filter%5Bsize%5D=3
    &expand%5B0%5D=a
    &expand%5B1%5D=b
    &created=-290
    &nested%5Blines%5D%5B0%5D%5Bprice%5D=p
    &color=blue
    &size=4
    &packed=color,green,size,5
    ");
}

#[tokio::test]
async fn escapes_path_parameters() {
    let server = MockServer::start().await;
    Mock::given(method("GET")).respond_with(ResponseTemplate::new(200)).mount(&server).await;
    let client = client_for(&server, |_| {});
    client.call(&GET_NOTE).path("id", "a/b c?d#e%", PathStyle::DEFAULT).send().await.unwrap();
    let received = &server.received_requests().await.unwrap()[0];
    assert_eq!(received.url.path(), "/v1/notes/a%2Fb%20c%3Fd%23e%25");

    let error = client.call(&GET_NOTE).send().await.unwrap_err();
    assert_eq!(error.to_string(), "getNote: invalid request: path parameter `id` is required");
}

/// OpenAPI's style table (`id` = 5, `[3, 4, 5]`, `{"role": "admin", "firstName": "Alex"}`)
/// for path and header parameters, values percent-encoded and delimiters bare.
static UNTAG: OperationMeta = OperationMeta::new("untag", Method::DELETE, "/tags/{arn}#tagKeys", None, &[]);

static BACKUP: OperationMeta = OperationMeta::new("backup", Method::POST, "/?Action=CreateBackup&Version=2", None, &[]);

/// A `#fragment` in a path key is not sent, so the query after it reaches the server; a
/// `?query` in a path key is sent, once, beside the call's own query.
#[tokio::test]
async fn path_keys_with_a_fragment_or_a_query_send_the_query() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/v1/tags/a1"))
        .and(query_param("tagKeys", "k"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/"))
        .and(query_param("Action", "CreateBackup"))
        .and(query_param("Version", "3"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server, |_| {});
    let untag = client.call(&UNTAG).path("arn", "a1", PathStyle::DEFAULT).query("tagKeys", &"k", QueryStyle::DEFAULT);
    assert_eq!(untag.send().await.unwrap().status_code(), 204);
    let backup = client.call(&BACKUP).query("Version", &3, QueryStyle::DEFAULT).send().await.unwrap();
    assert_eq!(backup.status_code(), 204);
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent[1].url.query(), Some("Action=CreateBackup&Version=3"));
}

#[test]
fn renders_path_and_header_parameters_per_style() {
    let scalar = json!(5);
    let list = json!([3, 4, 5]);
    let object = json!({"role": "admin", "firstName": "Alex"});
    let table = [
        (PathStyle::Simple { explode: false }, "5", "3,4,5", "role,admin,firstName,Alex"),
        (PathStyle::Simple { explode: true }, "5", "3,4,5", "role=admin,firstName=Alex"),
        (PathStyle::Label { explode: false }, ".5", ".3,4,5", ".role,admin,firstName,Alex"),
        (PathStyle::Label { explode: true }, ".5", ".3.4.5", ".role=admin.firstName=Alex"),
        (PathStyle::Matrix { explode: false }, ";id=5", ";id=3,4,5", ";id=role,admin,firstName,Alex"),
        (PathStyle::Matrix { explode: true }, ";id=5", ";id=3;id=4;id=5", ";role=admin;firstName=Alex"),
    ];
    for (style, one, many, fields) in table {
        assert_eq!(params::path_segment("id", &scalar, style).unwrap(), one, "{style:?}");
        assert_eq!(params::path_segment("id", &list, style).unwrap(), many, "{style:?}");
        // The workspace builds serde_json with `preserve_order`: keys stay in this order.
        assert_eq!(params::path_segment("id", &object, style).unwrap(), fields, "{style:?}");
    }
    assert_eq!(params::path_segment("id", &json!("a.b;c=d"), PathStyle::Label { explode: false }).unwrap(), ".a.b%3Bc%3Dd");
    assert_eq!(params::header_text("X", &json!({"a": 1}), false).unwrap().as_deref(), Some("a,1"));
    assert_eq!(params::header_text("X", &json!({"a": 1}), true).unwrap().as_deref(), Some("a=1"));
    assert_eq!(params::header_text("X", &list, false).unwrap().as_deref(), Some("3,4,5"));
    let nested = params::path_segment("id", &json!({"a": [1]}), PathStyle::DEFAULT).unwrap_err();
    assert!(nested.contains("must be a scalar here"), "{nested}");
    let empty = params::path_segment("id", &json!(""), PathStyle::DEFAULT).unwrap_err();
    assert!(empty.contains("must not be empty"), "{empty}");
}

#[test]
fn decode_errors_name_the_json_path() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)] // Fields are only decoded.
    struct Page {
        data: Vec<Item>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        id: u64,
    }
    let body = br#"{"data": [{"id": 1}, {"id": "two"}]}"#;
    let error = decode_json::<Page, Never>("getNotes", body).unwrap_err();
    match &error {
        Error::Decode { path, .. } => assert_eq!(path, "data[1].id"),
        other => panic!("expected a decode error, got {other:?}"),
    }
    insta::assert_snapshot!(error.to_string(), @r#"getNotes: response body does not match the schema at `data[1].id`: invalid type: string "two", expected u64 at line 1 column 33"#);

    let trailing = decode_json::<Page, Never>("getNotes", br#"{"data": []} x"#).unwrap_err();
    assert!(matches!(trailing, Error::Decode { ref path, .. } if path == "."), "{trailing:?}");
}

async fn fetch_page(client: &RuntimeClient, request: PageRequest) -> Result<Value, Error<Never>> {
    client
        .call(&GET_NOTES)
        .query("start", &request.offset, QueryStyle::DEFAULT)
        .query("cursor", &request.cursor, QueryStyle::DEFAULT)
        .query("limit", &request.limit, QueryStyle::DEFAULT)
        .send()
        .await?
        .json()
}

async fn mount_page(server: &MockServer, query: (&str, &str), body: Value) {
    Mock::given(path("/v1/notes"))
        .and(query_param(query.0, query.1))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn paginates_offset_style_with_next_start_and_more_items() {
    let server = MockServer::start().await;
    let page = |ids: &[u64], next: Option<u64>, more: bool| {
        json!({"data": ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
               "additional_data": {"pagination": {"next_start": next, "more_items_in_collection": more}}})
    };
    mount_page(&server, ("start", "0"), page(&[1, 2], Some(2), true)).await;
    mount_page(&server, ("start", "2"), page(&[3, 4], Some(4), true)).await;
    mount_page(&server, ("start", "4"), page(&[5], None, false)).await;
    let client = client_for(&server, |_| {});
    let paging = Paging {
        style: PagingStyle::Offset {
            next_offset: Some("/additional_data/pagination/next_start"),
            has_more: Some("/additional_data/pagination/more_items_in_collection"),
        },
        items: "/data",
    };
    let items: Vec<Value> =
        paginate("getNotes", paging, 0, Some(2), |request| fetch_page(&client, request)).try_collect().await.unwrap();
    let ids: Vec<u64> = items.iter().filter_map(|item| item["id"].as_u64()).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn paginates_flat_offsets_until_a_short_page() {
    let server = MockServer::start().await;
    mount_page(&server, ("start", "0"), json!([{"id": 1}, {"id": 2}])).await;
    mount_page(&server, ("start", "2"), json!([{"id": 3}, {"id": 4}])).await;
    mount_page(&server, ("start", "4"), json!([{"id": 5}])).await;
    let client = client_for(&server, |_| {});
    let paging = Paging { style: PagingStyle::Offset { next_offset: None, has_more: None }, items: "" };
    #[derive(serde::Deserialize)]
    struct Note {
        id: u64,
    }
    let notes: Vec<Note> =
        paginate("getNotes", paging, 0, Some(2), |request| fetch_page(&client, request)).try_collect().await.unwrap();
    assert_eq!(notes.iter().map(|note| note.id).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn paginates_cursors_until_the_cursor_is_null() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/notes"))
        .and(wiremock::matchers::query_param_is_missing("cursor"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [{"id": 1}], "additional_data": {"next_cursor": "c2"}})))
        .expect(1)
        .mount(&server)
        .await;
    mount_page(&server, ("cursor", "c2"), json!({"data": [{"id": 2}], "additional_data": {"next_cursor": "c3"}})).await;
    mount_page(&server, ("cursor", "c3"), json!({"data": [{"id": 3}, {"id": 4}], "additional_data": {"next_cursor": null}})).await;
    let client = client_for(&server, |_| {});
    let paging = Paging { style: PagingStyle::Cursor { next_cursor: "/additional_data/next_cursor" }, items: "/data" };
    let items: Vec<Value> =
        paginate("getNotes", paging, 0, Some(2), |request| fetch_page(&client, request)).try_collect().await.unwrap();
    assert_eq!(items.len(), 4);
}

#[tokio::test]
async fn pagination_reports_the_item_path_of_a_decode_error() {
    let server = MockServer::start().await;
    mount_page(&server, ("start", "0"), json!({"data": [{"id": 1}, {"id": "x"}]})).await;
    let client = client_for(&server, |_| {});
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Note {
        id: u64,
    }
    let paging = Paging { style: PagingStyle::Offset { next_offset: None, has_more: None }, items: "/data" };
    let error = paginate::<Note, Never, _, _>("getNotes", paging, 0, None, |request| fetch_page(&client, request))
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Decode { ref path, .. } if path == "data[1].id"), "{error:?}");
}

fn oauth_client(server: &MockServer) -> OAuth2Client {
    OAuth2Client {
        client_id: "client-1".to_owned(),
        client_secret: Secret::new(SECRET),
        authorization_url: "https://oauth.example.com/oauth/authorize?tenant=a".parse().unwrap(),
        token_url: format!("{}/oauth/token", server.uri()).parse().unwrap(),
        redirect_uri: Some("https://app.example.com/callback".to_owned()),
    }
}

#[tokio::test]
async fn builds_the_oauth_authorization_url() {
    let server = MockServer::start().await;
    let url = oauth_client(&server).authorization_url("xyz 1", &["deals:read", "users:read"]);
    insta::assert_snapshot!(url.as_str(), @"https://oauth.example.com/oauth/authorize?tenant=a&response_type=code&client_id=client-1&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&state=xyz+1&scope=deals%3Aread+users%3Aread");
}

#[tokio::test]
async fn exchanges_and_refreshes_oauth_tokens() {
    let server = MockServer::start().await;
    // base64("client-1:s3cr3t-T0KEN")
    let client_auth = "Basic Y2xpZW50LTE6czNjcjN0LVQwS0VO";
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(header("authorization", client_auth))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("code=the-code"))
        .and(body_string_contains("redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "access-1", "token_type": "Bearer", "refresh_token": "refresh-1",
            "scope": "deals:read", "expires_in": 3599, "api_domain": "https://acme.example.com"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(header("authorization", client_auth))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=refresh-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "access-2", "token_type": "Bearer", "expires_in": "3600"
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("code=bad"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_grant", "error_description": "code expired"})))
        .mount(&server)
        .await;

    let oauth = oauth_client(&server);
    let http = reqwest::Client::new();
    let token = oauth.exchange_code(&http, "the-code").await.unwrap();
    assert_eq!(token.access_token.expose(), "access-1");
    assert_eq!(token.token_type, "Bearer");
    assert_eq!(token.expires_in, Some(3599));
    assert_eq!(token.scope.as_deref(), Some("deals:read"));
    assert_eq!(token.extra.get("api_domain"), Some(&json!("https://acme.example.com")));
    assert!(!format!("{token:?}").contains("access-1") && !format!("{token:?}").contains("refresh-1"));

    let refreshed = oauth.refresh(&http, token.refresh_token.as_ref().unwrap()).await.unwrap();
    assert_eq!(refreshed.access_token.expose(), "access-2");
    assert_eq!(refreshed.expires_in, Some(3600));

    let refused = oauth.exchange_code(&http, "bad").await.unwrap_err();
    insta::assert_snapshot!(refused.to_string(), @"token endpoint refused the request: invalid_grant (code expired)");
}

#[tokio::test]
async fn maps_statuses_onto_the_operation_result() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/deals/1")).respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1}))).mount(&server).await;
    Mock::given(path("/v1/deals/2")).respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": "gone"}))).mount(&server).await;
    Mock::given(path("/v1/deals/3")).respond_with(ResponseTemplate::new(500).set_body_string("boom")).mount(&server).await;
    Mock::given(path("/v1/deals/4")).respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "four"}))).mount(&server).await;
    let client = client_for(&server, |config| config.retry = RetryPolicy::none());
    assert_eq!(get_deal(&client, 1).await.unwrap(), Deal { id: 1 });
    match get_deal(&client, 2).await.unwrap_err().into_api() {
        Ok(GetDealError::NotFound(body)) => assert_eq!(body, json!({"error": "gone"})),
        other => panic!("expected the documented 404, got {other:?}"),
    }
    let unexpected = get_deal(&client, 3).await.unwrap_err();
    assert_eq!(unexpected.status().map(|status| status.as_u16()), Some(500));
    assert_eq!(unexpected.to_string(), "getDeal: unexpected status 500 Internal Server Error with body `boom`");
    let decode = get_deal(&client, 4).await.unwrap_err();
    assert!(matches!(decode, Error::Decode { operation: "getDeal", ref path, .. } if path == "id"), "{decode:?}");
}

static UPLOAD: OperationMeta = OperationMeta::new("addFile", Method::PUT, "/files", None, &[]);

#[tokio::test]
async fn sends_multipart_bodies_and_resends_them_on_retry() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/files")).respond_with(ResponseTemplate::new(503)).up_to_n_times(1).mount(&server).await;
    Mock::given(path("/v1/files")).respond_with(ResponseTemplate::new(201)).mount(&server).await;
    let client = client_for(&server, |_| {});
    let parts = [Part::text("deal_id", "5"), Part::file("file", "a \"b\".txt", "text/plain", &b"hello"[..])];
    let response = client.call(&UPLOAD).multipart(&parts).send().await.unwrap();
    assert_eq!(response.status, 201);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body, "the retry sends the same body");
    let content_type = requests[1].headers.get("content-type").unwrap().to_str().unwrap().to_owned();
    let boundary = content_type.strip_prefix("multipart/form-data; boundary=").unwrap();
    let body = String::from_utf8(requests[1].body.clone()).unwrap().replace(boundary, "BOUNDARY");
    insta::assert_snapshot!(body.replace("\r\n", "\n"), @r#"
    --BOUNDARY
    Content-Disposition: form-data; name="deal_id"

    5
    --BOUNDARY
    Content-Disposition: form-data; name="file"; filename="a %22b%22.txt"
    Content-Type: text/plain

    hello
    --BOUNDARY--
    "#);
}

#[tokio::test]
async fn paginates_typed_pages_and_stops_on_a_repeated_cursor() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/notes"))
        .and(wiremock::matchers::query_param_is_missing("cursor"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": [1, 2], "next": "a"})))
        .mount(&server)
        .await;
    mount_page(&server, ("cursor", "a"), json!({"items": [3], "next": "b"})).await;
    // A server bug: `b` points back to `a`; the walk must end instead of looping.
    mount_page(&server, ("cursor", "b"), json!({"items": [4], "next": "a"})).await;
    #[derive(serde::Deserialize)]
    struct TypedPage {
        items: Vec<u64>,
        next: Option<String>,
    }
    let client = client_for(&server, |_| {});
    let first = PageRequest { offset: 0, cursor: None, limit: None };
    let items: Vec<u64> = paginate_pages(first, |request| {
        let client = &client;
        async move {
            let page: TypedPage = fetch_page(client, request).await.and_then(|body| {
                serde_json::from_value(body).map_err(|error| Error::Decode { operation: "getNotes", path: ".".into(), message: error.to_string() })
            })?;
            let next = page.next.map_or(Next::Done, Next::Cursor);
            Ok(Page { items: page.items, next })
        }
    })
    .try_collect()
    .await
    .unwrap();
    assert_eq!(items, [1, 2, 3, 4]);
}
