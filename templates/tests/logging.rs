//! What the runtimes log: spans name the operation, route and status, and never carry a
//! credential. One test in its own binary, because `tracing` caches per-callsite interest
//! process-wide and parallel tests would race the scoped subscriber.

mod support;

use std::time::Duration;

use axum::routing::get;
use axum::Router;
use reqwest::Method;
use runtime_templates::client::runtime::auth::{
    ApiKeyLocation, Credential, Credentials, OAuth2Client, SchemeKind, Secret, SecurityScheme,
};
use runtime_templates::client::runtime::client::{ClientConfig, OperationMeta, RuntimeClient};
use runtime_templates::client::runtime::retry::RetryPolicy;
use runtime_templates::server::runtime::app::{finish, record_operation, serve, AppConfig};
use runtime_templates::server::runtime::auth as server_auth;
use runtime_templates::server::runtime::envelope::{ApiError, EnvelopeShape};
use runtime_templates::server::runtime::extract::RequestInput;
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "s3cr3t-T0KEN";

static CLIENT_SCHEMES: &[SecurityScheme] = &[SecurityScheme {
    name: "api_key",
    kind: SchemeKind::ApiKey { location: ApiKeyLocation::Query, parameter: "api_token" },
}];

static SERVER_SCHEMES: &[server_auth::SecurityScheme] = &[
    server_auth::SecurityScheme {
        name: "api_key",
        kind: server_auth::SchemeKind::ApiKey { location: server_auth::ApiKeyLocation::Query, parameter: "api_token" },
    },
    server_auth::SecurityScheme { name: "oauth2", kind: server_auth::SchemeKind::Bearer },
];

static GET_DEALS: OperationMeta = OperationMeta::new("getDeals", Method::GET, "/deals", None, &[&["api_key"]]);

async fn get_deals(input: RequestInput) -> Result<&'static str, ApiError> {
    record_operation("getDeals", "/deals");
    server_auth::extract_credentials(&[&["api_key"], &["oauth2"]], SERVER_SCHEMES, &input.headers, &input.query)?;
    Ok("ok")
}

#[tokio::test]
async fn logs_operations_and_statuses_but_never_credentials() {
    let capture = support::Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());

    // Client: a retried request carrying an API key in the query, and an OAuth exchange.
    let mock = MockServer::start().await;
    Mock::given(path("/v1/deals")).respond_with(ResponseTemplate::new(503)).mount(&mock).await;
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"access_token": SECRET, "token_type": "Bearer"})))
        .mount(&mock)
        .await;
    let mut config = ClientConfig::new(format!("{}/v1", mock.uri()).parse().unwrap());
    config.credentials = Credentials::new().with("api_key", Credential::api_key(SECRET));
    config.retry = RetryPolicy::default().with_jitter(false).with_backoff(Duration::from_millis(5), Duration::from_millis(5));
    let client = RuntimeClient::new(config, CLIENT_SCHEMES).unwrap();
    assert_eq!(client.call(&GET_DEALS).send().await.unwrap().status, 503);
    let oauth = OAuth2Client {
        client_id: "id".to_owned(),
        client_secret: Secret::new(SECRET),
        authorization_url: "https://example.com/authorize".parse().unwrap(),
        token_url: format!("{}/oauth/token", mock.uri()).parse().unwrap(),
        redirect_uri: None,
    };
    oauth.exchange_code(&reqwest::Client::new(), SECRET).await.unwrap();

    // Server: the same key in the query and as a bearer token.
    static ENVELOPE: EnvelopeShape = EnvelopeShape::DEFAULT;
    let routes = Router::new().route("/v1/deals", get(get_deals));
    let app = finish(routes, &AppConfig::new(&ENVELOPE));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, app, async move {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let answer = http.get(format!("{base}/v1/deals?api_token={SECRET}")).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let answer = http.get(format!("{base}/v1/deals")).bearer_auth(SECRET).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let _ = stop.send(());
    task.await.unwrap().unwrap();

    let log = capture.text();
    assert!(log.contains("span http.request operation=\"getDeals\" method=GET path=\"/deals\" attempt=1"), "{log}");
    assert!(log.contains("span http.request operation=\"getDeals\" method=GET path=\"/deals\" attempt=3"), "{log}");
    assert!(log.contains("record status=503"), "{log}");
    assert!(log.contains("operation=\"oauth2_token\""), "{log}");
    assert!(log.contains("span http.server.request method=GET path=/v1/deals"), "{log}");
    assert!(log.contains("record route=\"/deals\""), "{log}");
    assert!(log.contains("record operation=\"getDeals\""), "{log}");
    assert!(log.contains("record status=200"), "{log}");
    assert!(!log.contains(SECRET), "{log}");
}
