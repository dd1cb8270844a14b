//! The server runtime on a real axum server on loopback: a small hand-written stand-in for
//! a generated router (static schemas read with `schema::param` and `schema::body`, as the
//! generator emits them), checked for every envelope case (400, 401, 404, 405, 413, 415, 500,
//! 503) and for the parameter, body and constraint errors naming what is wrong.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use runtime_templates::server::runtime::app::{finish, record_operation, serve, AppConfig};
use runtime_templates::server::runtime::auth::{
    extract_credentials, ApiKeyLocation, Credential, SchemeKind, Secret, SecurityScheme,
};
use runtime_templates::server::runtime::envelope::{ApiError, Constant, EnvelopeShape};
use runtime_templates::server::runtime::extract::{Location, QueryParams, RequestInput};
use runtime_templates::server::runtime::schema::{
    self, Additional, Body, BodyKind, Bound, Format, Kind, Literal, Param, Property, Schema, Style,
};
use runtime_templates::server::runtime::validate::{Pattern, Violations};
use serde_json::{json, Value};

/// Pipedrive-like envelope, as the generator would emit it from a spec.
static ENVELOPE: EnvelopeShape = EnvelopeShape {
    constants: &[("success", Constant::Bool(false))],
    message_key: "error",
    detail_key: Some("error_info"),
    default_detail: None,
};

static SCHEMES: &[SecurityScheme] = &[
    SecurityScheme { name: "api_key", kind: SchemeKind::ApiKey { location: ApiKeyLocation::Query, parameter: "api_token" } },
    SecurityScheme { name: "oauth2", kind: SchemeKind::Bearer },
    SecurityScheme { name: "basic", kind: SchemeKind::Basic },
    SecurityScheme { name: "openid", kind: SchemeKind::Bearer },
];

/// Several bearer schemes in one requirement: the one `Authorization: Bearer` header a
/// request can carry satisfies each of them.
#[test]
fn one_bearer_token_satisfies_several_bearer_schemes_of_a_requirement() {
    let mut headers = HeaderMap::new();
    headers.insert("authorization", "Bearer t0ken".parse().unwrap());
    let credentials = extract_credentials(&[&["oauth2", "openid"]], SCHEMES, &headers, &QueryParams::parse(None)).unwrap();
    let token = Credential::Bearer(Secret::new("t0ken"));
    assert_eq!(credentials.presented, [("oauth2", token.clone()), ("openid", token)]);
    let missing = extract_credentials(&[&["oauth2", "openid"]], SCHEMES, &HeaderMap::new(), &QueryParams::parse(None));
    assert_eq!(missing.unwrap_err().status, StatusCode::UNAUTHORIZED);
}

const GOOD_KEY: &str = "good-key";

static INTEGER: Schema = Schema { kind: Kind::Integer, ..Schema::ANY };
static ID: Schema = Schema { kind: Kind::Integer, minimum: Some(Bound { value: 0.0, exclusive: false }), ..Schema::ANY };
static LIMIT: Schema = Schema {
    kind: Kind::Integer,
    minimum: Some(Bound { value: 0.0, exclusive: true }),
    maximum: Some(Bound { value: 500.0, exclusive: false }),
    ..Schema::ANY
};
static IDS: Schema = Schema { kind: Kind::Array(&INTEGER), ..Schema::ANY };
static FLAG: Schema = Schema { kind: Kind::Integer, enumeration: &[Literal::Int(0), Literal::Int(1)], ..Schema::ANY };
static DATE: Schema = Schema { kind: Kind::String, format: Format::Date, ..Schema::ANY };

const fn param(name: &'static str, location: Location, required: bool, style: Style, explode: bool, schema: &'static Schema) -> Param {
    Param { name, key: name, location, required, style, explode, schema }
}

static NOTE_ID: Param = param("id", Location::Path, true, Style::Simple, false, &ID);
static NOTE_LIMIT: Param = param("limit", Location::Query, false, Style::Form, true, &LIMIT);
static NOTE_IDS: Param = param("ids", Location::Query, false, Style::Form, false, &IDS);
static NOTE_PINNED: Param = param("pinned", Location::Query, false, Style::Form, true, &FLAG);
static NOTE_SINCE: Param = param("since", Location::Query, false, Style::Form, true, &DATE);

/// What a generated handler for `GET /notes/{id}` looks like.
async fn get_note(input: RequestInput) -> Result<Json<Value>, ApiError> {
    record_operation("getNote", "/notes/{id}");
    let credentials = extract_credentials(&[&["api_key"], &["oauth2"]], SCHEMES, &input.headers, &input.query)?;
    authenticate(&credentials)?;
    let mut violations = Violations::new();
    let id: Option<u64> = schema::param(&NOTE_ID, &input, &mut violations);
    let limit: Option<u32> = schema::param(&NOTE_LIMIT, &input, &mut violations);
    let ids: Option<Vec<u64>> = schema::param(&NOTE_IDS, &input, &mut violations);
    let pinned: Option<u8> = schema::param(&NOTE_PINNED, &input, &mut violations);
    let since: Option<chrono::NaiveDate> = schema::param(&NOTE_SINCE, &input, &mut violations);
    violations.into_result()?;
    let id = schema::present(id, "id")?;
    Ok(Json(json!({"success": true, "data": {"id": id, "limit": limit, "ids": ids.unwrap_or_default(), "pinned": pinned, "since": since}})))
}

fn authenticate(credentials: &runtime_templates::server::runtime::auth::Credentials) -> Result<(), ApiError> {
    let accepted = match credentials.presented.first() {
        Some((_, Credential::ApiKey(key))) => key.expose() == GOOD_KEY,
        Some((_, Credential::Bearer(token))) => token.expose() == GOOD_KEY,
        Some((_, Credential::Basic { username, password })) => username == "client" && password.expose() == GOOD_KEY,
        None => false,
    };
    if accepted {
        Ok(())
    } else {
        Err(ApiError::unauthorized("the credentials are not valid", "Bearer"))
    }
}

#[derive(serde::Deserialize)]
struct NewNote {
    content: String,
    #[serde(default)]
    tags: Vec<String>,
    #[allow(dead_code)] // Only decoded.
    deal_id: Option<u64>,
}

static TAG_PATTERN: Pattern = Pattern::new("^[a-z]+$");
static TAG: Schema = Schema { kind: Kind::String, pattern: Some(&TAG_PATTERN), ..Schema::ANY };
static NEW_NOTE: Schema = Schema {
    kind: Kind::Object(&[
        Property { name: "content", schema: &Schema { kind: Kind::String, min_length: Some(1), max_length: Some(10), ..Schema::ANY }, required: true },
        Property { name: "tags", schema: &Schema { kind: Kind::Array(&TAG), max_items: Some(3), ..Schema::ANY }, required: false },
        Property { name: "deal_id", schema: &ID, required: false },
    ]),
    ..Schema::ANY
};
static NEW_NOTE_BODY: Body = Body { required: true, media: &[("application/json", BodyKind::Json)], schema: &NEW_NOTE };

/// What a generated handler for `POST /notes` looks like.
async fn add_note(input: RequestInput) -> Result<Response, ApiError> {
    record_operation("addNote", "/notes");
    let mut violations = Violations::new();
    let note: Option<NewNote> = schema::body(&NEW_NOTE_BODY, &input, &mut violations)?;
    violations.into_result()?;
    let note = schema::present(note, "body")?;
    let _ = note.tags;
    Ok((StatusCode::CREATED, Json(json!({"success": true, "data": {"content": note.content}})).into_response()).into_response())
}

#[derive(serde::Deserialize)]
struct TokenForm {
    grant_type: String,
    #[allow(dead_code)]
    code: Option<String>,
    expires: Option<u32>,
}

static TOKEN_FORM: Schema = Schema {
    kind: Kind::Object(&[
        Property { name: "grant_type", schema: &Schema { kind: Kind::String, ..Schema::ANY }, required: true },
        Property { name: "code", schema: &Schema { kind: Kind::String, ..Schema::ANY }, required: false },
        Property { name: "expires", schema: &Schema { kind: Kind::Integer, minimum: Some(Bound { value: 0.0, exclusive: false }), ..Schema::ANY }, required: false },
    ]),
    additional: Additional::Deny,
    ..Schema::ANY
};
static TOKEN_BODY: Body = Body { required: true, media: &[("application/x-www-form-urlencoded", BodyKind::Form(&[]))], schema: &TOKEN_FORM };

async fn token(headers: HeaderMap, RawQuery(raw_query): RawQuery, body: Bytes) -> Result<Json<Value>, ApiError> {
    let query = QueryParams::parse(raw_query.as_deref());
    let credentials = extract_credentials(&[&["basic"]], SCHEMES, &headers, &query)?;
    authenticate(&credentials)?;
    let input = RequestInput { path: Default::default(), query, headers, body };
    let mut violations = Violations::new();
    let form: Option<TokenForm> = schema::body(&TOKEN_BODY, &input, &mut violations)?;
    violations.into_result()?;
    let form = schema::present(form, "body")?;
    Ok(Json(json!({"grant_type": form.grant_type, "expires": form.expires})))
}

async fn authorize(headers: HeaderMap, RawQuery(raw_query): RawQuery) -> Result<Json<Value>, ApiError> {
    let query = QueryParams::parse(raw_query.as_deref());
    let credentials = extract_credentials(&[], SCHEMES, &headers, &query)?;
    Ok(Json(json!({"anonymous": credentials.is_anonymous()})))
}

async fn panics() -> &'static str {
    panic!("handler bug")
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_secs(5)).await;
    "late"
}

fn app() -> Router {
    let routes = Router::new()
        .route("/v1/notes/{id}", get(get_note))
        .route("/v1/notes", post(add_note))
        .route("/v1/panic", get(panics))
        .route("/v1/slow", get(slow))
        .route("/oauth/token", post(token))
        .route("/oauth/authorize", get(authorize))
        .route("/v1/typed", post(|Json(value): Json<Value>| async move { Json(value) }));
    let config = AppConfig::new(&ENVELOPE).with_body_limit(1024).with_request_timeout(Some(Duration::from_millis(300)));
    finish(routes, &config)
}

struct TestServer {
    base: String,
    http: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TestServer {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, app(), async move {
            let _ = stopped.await;
        }));
        TestServer { base, http: reqwest::Client::new(), stop: Some(stop), task }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, HeaderMap, Value) {
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.unwrap();
        let value = serde_json::from_slice(&body)
            .unwrap_or_else(|_| panic!("body is not JSON: {:?}", String::from_utf8_lossy(&body)));
        (StatusCode::from_u16(status.as_u16()).unwrap(), convert_headers(&headers), value)
    }

    async fn get(&self, path: &str) -> (StatusCode, HeaderMap, Value) {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }

    async fn post(&self, path: &str, content_type: &str, body: impl Into<reqwest::Body>) -> (StatusCode, HeaderMap, Value) {
        self.send(self.http.post(format!("{}{path}", self.base)).header("content-type", content_type).body(body)).await
    }

    /// Sends raw bytes (for what an HTTP client library will not send) and reads the answer.
    async fn raw(&self, request: &[u8]) -> (StatusCode, Value) {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let mut stream = tokio::net::TcpStream::connect(self.base.trim_start_matches("http://")).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer).into_owned();
        let status = answer.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        let status = StatusCode::from_u16(status).unwrap();
        if let Ok(value) = serde_json::from_str(body) {
            return (status, value);
        }
        // A chunked envelope: take the JSON object between the first `{` and the last `}`.
        let json_text = match (body.find('{'), body.rfind('}')) {
            (Some(start), Some(end)) => &body[start..=end],
            _ => panic!("no JSON body in {head}\n{body}"),
        };
        (status, serde_json::from_str(json_text).unwrap())
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.unwrap().unwrap();
    }
}

fn convert_headers(headers: &reqwest::header::HeaderMap) -> HeaderMap {
    let mut converted = HeaderMap::new();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            axum::http::HeaderName::from_bytes(name.as_str().as_bytes()),
            axum::http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            converted.append(name, value);
        }
    }
    converted
}

fn authed(path: &str) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}api_token={GOOD_KEY}")
}

fn assert_envelope(status: StatusCode, expected: StatusCode, body: &Value) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["success"], json!(false), "{body}");
    assert!(body["error"].is_string(), "{body}");
}

#[tokio::test]
async fn answers_a_valid_request() {
    let server = TestServer::start().await;
    let (status, _, body) = server.get(&authed("/v1/notes/7?limit=5&ids=1,2,3&pinned=1&since=2024-02-29")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"], json!({"id": 7, "limit": 5, "ids": [1, 2, 3], "pinned": 1, "since": "2024-02-29"}));
    server.stop().await;
}

#[tokio::test]
async fn bad_parameters_answer_400_naming_the_parameter() {
    let server = TestServer::start().await;
    let cases = [
        ("/v1/notes/abc", "`id` (path parameter) must be an integer, got `abc`"),
        ("/v1/notes/1?limit=x", "`limit` (query parameter) must be an integer, got `x`"),
        ("/v1/notes/1?limit=99999999999999999999", "`limit` (query parameter) must be an integer, got `99999999999999999999`"),
        ("/v1/notes/1?limit=1&limit=2", "`limit` (query parameter) must be given at most once"),
        ("/v1/notes/1?limit=501", "`limit` must be at most 500, got 501"),
        ("/v1/notes/1?limit=0", "`limit` must be greater than 0, got 0"),
        ("/v1/notes/1?ids=1,x", "`ids/1` must be an integer, got `x`"),
        ("/v1/notes/1?pinned=yes", "`pinned` (query parameter) must be an integer, got `yes`"),
        ("/v1/notes/1?pinned=2", "`pinned` must be one of 0, 1"),
        ("/v1/notes/1?since=2024-02-30", "`since` must be a date (YYYY-MM-DD)"),
    ];
    let (status, _, body) = server.get(&authed("/v1/notes/%FF")).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert_eq!(body["error"], json!("Invalid UTF-8 in `id`"));
    for (path, message) in cases {
        let (status, _, body) = server.get(&authed(path)).await;
        assert_envelope(status, StatusCode::BAD_REQUEST, &body);
        assert_eq!(body["error"], json!(message), "{path}");
    }
    server.stop().await;
}

#[tokio::test]
async fn bad_json_bodies_answer_400_naming_the_field_path() {
    let server = TestServer::start().await;
    let (status, _, body) = server.post("/v1/notes", "application/json", r#"{"content": "x", "tags": ["a", 5]}"#).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    insta::assert_snapshot!(body.to_string(), @r#"{"success":false,"error":"`body/tags/1` must be a string, got an integer","error_info":"`body/tags/1` must be a string, got an integer"}"#);

    let (status, _, body) = server.post("/v1/notes", "application/json", r#"{"tags": []}"#).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert_eq!(body["error"], json!("`body/content` is required"));

    let (status, _, body) = server.post("/v1/notes", "application/json", r#"{"content": "#).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);

    let (status, _, body) = server.post("/v1/notes", "application/json", "").await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert_eq!(body["error"], json!("`body` is required"));

    let (status, _, body) = server.post("/v1/notes", "application/json", vec![b'{', 0xff, 0xfe, b'}']).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);

    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let (status, _, body) = server.post("/v1/notes", "application/json", deep).await;
    assert_envelope(status, StatusCode::PAYLOAD_TOO_LARGE, &body);

    let deep = format!("{{\"content\": {}{}}}", "[".repeat(300), "]".repeat(300));
    let (status, _, body) = server.post("/v1/notes", "application/json", deep).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    server.stop().await;
}

#[tokio::test]
async fn constraint_violations_are_listed() {
    let server = TestServer::start().await;
    let (status, _, body) = server
        .post("/v1/notes", "application/json", r#"{"content": "much too long text", "tags": ["ok", "NOT", "x", "y"]}"#)
        .await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    insta::assert_snapshot!(body.to_string(), @r#"{"success":false,"error":"`body/content` must be at most 10 characters long, got 18 (and 2 more problems)","error_info":"`body/content` must be at most 10 characters long, got 18; `body/tags` must have at most 3 items, got 4; `body/tags/1` must match the pattern `^[a-z]+$`"}"#);

    let (status, _, body) = server.post("/v1/notes", "application/json", r#"{"content": "ünïcødé!!!"}"#).await;
    assert_eq!(status, StatusCode::CREATED, "10 characters are within maxLength 10 although more bytes: {body}");
    server.stop().await;
}

#[tokio::test]
async fn form_bodies_are_decoded_with_field_errors() {
    let server = TestServer::start().await;
    let basic = "Basic Y2xpZW50Omdvb2Qta2V5"; // client:good-key
    let request = |body: &'static str| {
        server
            .http
            .post(format!("{}/oauth/token", server.base))
            .header("authorization", basic)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
    };
    let (status, _, body) = server.send(request("grant_type=authorization_code&code=abc&expires=60")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"grant_type": "authorization_code", "expires": 60}));

    let (status, _, body) = server.send(request("grant_type=x&expires=soon")).await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    assert_eq!(body["error"], json!("`body/expires` must be an integer, got a string"), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn unknown_paths_answer_404_in_the_envelope() {
    let server = TestServer::start().await;
    let (status, _, body) = server.get("/v1/nothing/here?api_token=x").await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
    assert_eq!(body["error"], json!("no operation matches GET /v1/nothing/here"));
    server.stop().await;
}

#[tokio::test]
async fn wrong_methods_answer_405_with_allow() {
    let server = TestServer::start().await;
    let (status, headers, body) = server.send(server.http.delete(format!("{}/v1/notes", server.base))).await;
    assert_envelope(status, StatusCode::METHOD_NOT_ALLOWED, &body);
    assert_eq!(headers.get("allow").and_then(|value| value.to_str().ok()), Some("POST"));
    assert_eq!(body["error"], json!("method DELETE is not allowed for /v1/notes; see the Allow header"));
    server.stop().await;
}

#[tokio::test]
async fn oversized_bodies_answer_413() {
    let server = TestServer::start().await;
    let (status, _, body) = server.post("/v1/notes", "application/json", vec![b' '; 4096]).await;
    assert_envelope(status, StatusCode::PAYLOAD_TOO_LARGE, &body);
    assert_eq!(body["error"], json!("the request body is larger than the server accepts"));

    // Without Content-Length (chunked), the limit applies while reading.
    let mut request = String::from(
        "POST /v1/notes HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
    );
    for _ in 0..64 {
        request.push_str(&format!("40\r\n{}\r\n", " ".repeat(64)));
    }
    request.push_str("0\r\n\r\n");
    let (status, body) = server.raw(request.as_bytes()).await;
    assert_envelope(status, StatusCode::PAYLOAD_TOO_LARGE, &body);
    server.stop().await;
}

#[tokio::test]
async fn wrong_content_types_answer_415() {
    let server = TestServer::start().await;
    let (status, _, body) = server.post("/v1/notes", "text/plain", r#"{"content": "x"}"#).await;
    assert_envelope(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, &body);
    assert_eq!(body["error"], json!("the request body must be sent as application/json; the Content-Type given was `text/plain`"));

    // axum's own `Json` extractor rejection is put into the envelope too.
    let (status, _, body) = server.post("/v1/typed", "text/plain", "{}").await;
    assert_envelope(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, &body);
    let (status, _, body) = server.post("/v1/typed", "application/json", "{").await;
    assert_envelope(status, StatusCode::BAD_REQUEST, &body);
    server.stop().await;
}

#[tokio::test]
async fn credentials_are_required_checked_and_accepted_per_scheme() {
    let server = TestServer::start().await;
    let url = format!("{}/v1/notes/1", server.base);
    let (status, headers, body) = server.get("/v1/notes/1").await;
    assert_envelope(status, StatusCode::UNAUTHORIZED, &body);
    assert_eq!(
        body["error"],
        json!("authentication is required: send query parameter `api_token` or an `Authorization: Bearer` header")
    );
    assert_eq!(headers.get("www-authenticate").and_then(|value| value.to_str().ok()), Some("Bearer"));

    let (status, _, body) = server.get("/v1/notes/1?api_token=wrong").await;
    assert_envelope(status, StatusCode::UNAUTHORIZED, &body);
    assert_eq!(body["error"], json!("the credentials are not valid"));

    let (status, _, _) = server.get(&authed("/v1/notes/1")).await;
    assert_eq!(status, StatusCode::OK);

    let (status, _, body) = server.send(server.http.get(&url).bearer_auth("wrong")).await;
    assert_envelope(status, StatusCode::UNAUTHORIZED, &body);
    let (status, _, _) = server.send(server.http.get(&url).bearer_auth(GOOD_KEY)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = server.send(server.http.get(&url).header("authorization", "Bearer ")).await;
    assert_envelope(status, StatusCode::UNAUTHORIZED, &body);

    let token = format!("{}/oauth/token", server.base);
    let form = "grant_type=refresh_token";
    let post = |request: reqwest::RequestBuilder| request.header("content-type", "application/x-www-form-urlencoded").body(form);
    let (status, _, body) = server.send(post(server.http.post(&token))).await;
    assert_envelope(status, StatusCode::UNAUTHORIZED, &body);
    let (status, _, body) = server.send(post(server.http.post(&token).header("authorization", "Basic !!!"))).await;
    assert_envelope(status, StatusCode::UNAUTHORIZED, &body);
    assert_eq!(body["error"], json!("the Basic credentials are not base64 of `user:password`"));
    let (status, _, body) = server.send(post(server.http.post(&token).basic_auth("client", Some("wrong")))).await;
    assert_envelope(status, StatusCode::UNAUTHORIZED, &body);
    let (status, _, _) = server.send(post(server.http.post(&token).basic_auth("client", Some(GOOD_KEY)))).await;
    assert_eq!(status, StatusCode::OK);

    let (status, _, body) = server.get("/oauth/authorize").await;
    assert_eq!((status, body), (StatusCode::OK, json!({"anonymous": true})));
    server.stop().await;
}

#[test]
fn credentials_debug_output_hides_secrets() {
    let mut headers = HeaderMap::new();
    headers.insert("authorization", "Basic Y2xpZW50Omdvb2Qta2V5".parse().unwrap());
    let credentials = extract_credentials(&[&["basic"]], SCHEMES, &headers, &QueryParams::default()).unwrap();
    insta::assert_snapshot!(format!("{credentials:?}"), @r#"Credentials { presented: [("basic", Basic { username: "client", password: Secret(***) })] }"#);
}

#[tokio::test]
async fn a_panicking_handler_answers_500_and_the_server_keeps_serving() {
    let server = TestServer::start().await;
    let (status, _, body) = server.get("/v1/panic").await;
    assert_envelope(status, StatusCode::INTERNAL_SERVER_ERROR, &body);
    assert_eq!(body["error"], json!("the server failed while handling the request"));
    let (status, _, _) = server.get(&authed("/v1/notes/1")).await;
    assert_eq!(status, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn slow_handlers_answer_503_in_the_envelope() {
    let server = TestServer::start().await;
    let (status, _, body) = server.get("/v1/slow").await;
    assert_envelope(status, StatusCode::SERVICE_UNAVAILABLE, &body);
    server.stop().await;
}

#[test]
fn the_default_envelope_is_used_without_the_layer() {
    let response = ApiError::bad_request("query parameter `x` is required").with_detail("see docs").into_response();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        EnvelopeShape::DEFAULT.render("m", Some("d")),
        json!({"error": "m", "detail": "d"})
    );
    assert_eq!(ENVELOPE.render("m", None), json!({"success": false, "error": "m"}));
}

/// Random junk (a fixed seed, so failures reproduce): bad paths with invalid UTF-8
/// escapes, odd query strings, credentials and content types, malformed and oversized
/// bodies. The router must never answer 5xx and every error must be the envelope.
#[tokio::test]
async fn random_requests_never_answer_5xx_and_errors_are_always_the_envelope() {
    let server = TestServer::start().await;
    let mut rng = fastrand::Rng::with_seed(20261128);
    let methods = ["GET", "POST", "GET", "POST", "DELETE", "PATCH"];
    let segments = ["v1", "notes", "oauth", "token", "authorize", "typed", "1", "-1", "%FF%FE", "%00", "%2F", "x%20y", "99999999999999999999999", "é"];
    let queries = ["api_token=good-key", "api_token=", "limit=1e3", "limit=-0", "ids=,,,", "ids=1|2", "pinned=2", "since=2024-13-01", "%FF=%FE", "a[b]=c", "&&==&", "limit"];
    let content_types = ["application/json", "application/json; charset=utf-8", "application/x-www-form-urlencoded", "text/plain", "application/problem+json", "multipart/form-data; boundary=x", ""];
    let authorizations = ["", "Bearer good-key", "Bearer", "Basic", "Basic %%%", "Basic Y2xpZW50Omdvb2Qta2V5", "Digest x"];
    let bodies: [&[u8]; 9] = [
        b"",
        b"{}",
        b"{\"content\": \"x\"}",
        b"{\"content\": 1e999}",
        b"{\"content\": \"x\", \"tags\": [[[[[]]]]]}",
        b"[1, 2",
        b"grant_type=authorization_code&code=%FF",
        b"\xff\xfe\xfd",
        b"null",
    ];
    for round in 0..400 {
        let segment = segments[rng.usize(..segments.len())];
        let path = match rng.usize(0..6) {
            0 => format!("/v1/notes/{segment}"),
            1 => "/v1/notes".to_owned(),
            2 => "/oauth/token".to_owned(),
            3 => "/oauth/authorize".to_owned(),
            4 => "/v1/typed".to_owned(),
            _ => (0..rng.usize(1..5)).map(|_| format!("/{}", segments[rng.usize(..segments.len())])).collect(),
        };
        let route_method = if path.starts_with("/v1/notes/") || path == "/oauth/authorize" { "GET" } else { "POST" };
        let method = if rng.u8(..) < 190 { route_method } else { methods[rng.usize(..methods.len())] };
        let query: Vec<&str> = (0..rng.usize(0..4)).map(|_| queries[rng.usize(..queries.len())]).collect();
        let target = if query.is_empty() { path.clone() } else { format!("{path}?{}", query.join("&")) };
        let mut body = bodies[rng.usize(..bodies.len())].to_vec();
        if rng.u8(..) < 20 {
            body = vec![b'{'; rng.usize(900..3000)];
        }
        let mut request = format!("{method} {target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
        let content_type = content_types[rng.usize(..content_types.len())];
        if !content_type.is_empty() {
            request.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        let authorization = authorizations[rng.usize(..authorizations.len())];
        if !authorization.is_empty() {
            request.push_str(&format!("Authorization: {authorization}\r\n"));
        }
        request.push_str("\r\n");
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(&body);
        let (status, answer) = server.raw(&bytes).await;
        assert!(!status.is_server_error(), "round {round}: {method} {target} answered {status}: {answer}");
        if status.is_client_error() {
            assert_eq!(answer["success"], json!(false), "round {round}: {method} {target}: {answer}");
            assert!(answer["error"].as_str().is_some_and(|message| !message.is_empty()), "round {round}: {answer}");
        }
    }
    server.stop().await;
}

#[test]
fn every_bad_parameter_is_reported_at_once() {
    static START: Schema = Schema { kind: Kind::Integer, minimum: Some(Bound { value: 0.0, exclusive: false }), ..Schema::ANY };
    static LIMIT_PARAM: Param = param("limit", Location::Query, false, Style::Form, true, &INTEGER);
    static START_PARAM: Param = param("start", Location::Query, false, Style::Form, true, &START);
    let input = RequestInput {
        path: Default::default(),
        query: QueryParams::parse(Some("limit=x&start=-1&pinned=1")),
        headers: HeaderMap::new(),
        body: Bytes::new(),
    };
    let mut problems = Violations::new();
    let limit: Option<u32> = schema::param(&LIMIT_PARAM, &input, &mut problems);
    let start: Option<u64> = schema::param(&START_PARAM, &input, &mut problems);
    let pinned: Option<u8> = schema::param(&NOTE_PINNED, &input, &mut problems);
    assert_eq!((limit, start, pinned), (None, None, Some(1)));
    let error = problems.into_result().unwrap_err();
    assert_eq!(error.message, "`limit` (query parameter) must be an integer, got `x` (and 1 more problem)");
    assert_eq!(
        error.detail.as_deref(),
        Some("`limit` (query parameter) must be an integer, got `x`; `start` must be at least 0, got -1")
    );
}

/// A literal route beside a template, for a method the literal route lacks: the template's
/// operation is mounted there too, and reads the literal segment as its parameter.
#[tokio::test]
async fn a_literal_route_passes_its_segments_to_the_template_mounted_beside_it() {
    use runtime_templates::server::runtime::extract::{LiteralSegments, RequestInputWithoutBody};
    use tower::ServiceExt as _;
    async fn echo(RequestInputWithoutBody(input): RequestInputWithoutBody) -> Json<Value> {
        Json(json!([input.path.get("task"), input.path.get("id")]))
    }
    let literal = LiteralSegments(&[("id", "_all")]);
    let app = Router::new()
        .route("/inference/{task}/_all", get(|| async { Json(json!("all")) }))
        .route("/inference/{task}/{id}", axum::routing::put(echo))
        .route("/inference/{task}/_all", axum::routing::put(echo).layer(axum::Extension(literal)));
    let call = |method: &str, uri: &str| {
        let request = axum::http::Request::builder().method(method).uri(uri).body(axum::body::Body::empty()).unwrap();
        let app = app.clone();
        async move {
            let response = app.oneshot(request).await.unwrap();
            let bytes = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
            serde_json::from_slice::<Value>(&bytes).unwrap()
        }
    };
    assert_eq!(call("PUT", "/inference/chat/_all").await, json!(["chat", "_all"]));
    assert_eq!(call("PUT", "/inference/chat/x1").await, json!(["chat", "x1"]));
    assert_eq!(call("GET", "/inference/chat/_all").await, json!("all"));
}

/// Operations sharing a route, told apart by fixed values: the first arm whose values the
/// request carries takes it, then the fallback; without one, 400 names what would select one.
#[tokio::test]
async fn a_shared_route_dispatches_on_fixed_values() {
    use runtime_templates::server::runtime::extract::{dispatch, DispatchArm, Dispatched, Fixed};
    use tower::ServiceExt as _;
    fn answer(text: &'static str) -> axum::response::Response {
        Json(json!(text)).into_response()
    }
    static CREATE: &[Fixed] = &[Fixed { location: Location::Header, name: "X-Amz-Target", value: Some("B.Create") }];
    static DELETE: &[Fixed] = &[
        Fixed { location: Location::Query, name: "Action", value: Some("Delete") },
        Fixed { location: Location::Query, name: "force", value: None },
    ];
    static ARMS: &[DispatchArm<()>] = &[
        DispatchArm { fixed: CREATE, call: |_, ()| Box::pin(async { answer("create") }) },
        DispatchArm { fixed: DELETE, call: |_, ()| Box::pin(async { answer("delete") }) },
    ];
    let fallback: Dispatched<()> = |_, ()| Box::pin(async { answer("fallback") });
    let call = |uri: &str, target: Option<&str>, fallback: Option<Dispatched<()>>| {
        let mut request = axum::http::Request::builder().method("POST").uri(uri);
        if let Some(target) = target {
            request = request.header("x-amz-target", target);
        }
        let request = request.body(axum::body::Body::empty()).unwrap();
        let app = Router::new().route("/", post(move |request: axum::extract::Request| dispatch(request, (), ARMS, fallback)));
        async move {
            let response = app.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 4096).await.unwrap();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        }
    };
    assert_eq!(call("/", Some("B.Create"), None).await, (StatusCode::OK, json!("create")));
    assert_eq!(call("/?Action=Delete&force", None, None).await, (StatusCode::OK, json!("delete")));
    assert_eq!(call("/?Action=Delete", Some("B.Other"), Some(fallback)).await, (StatusCode::OK, json!("fallback")));
    let (status, body) = call("/?Action=Delete", Some("B.Other"), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["error"],
        json!("no operation of this route takes the request: header `X-Amz-Target` must be `B.Create`, or query parameter `Action` must be `Delete`, or query parameter `force` must be given")
    );
}

#[test]
fn an_interim_status_is_never_sent_as_a_final_answer() {
    use runtime_templates::server::runtime::respond;
    for code in [100, 102, 103] {
        let status = StatusCode::from_u16(code).expect("a status");
        let response = respond::json(status, "application/json", &json!({"a": 1}), None);
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR, "{code}");
        let error = response.extensions().get::<ApiError>().expect("answered as an ApiError");
        assert!(error.message.contains(&code.to_string()), "{}", error.message);
        assert_eq!(respond::empty(status, None).status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
    assert_eq!(respond::empty(StatusCode::NO_CONTENT, None).status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn an_answer_to_head_has_the_content_type_of_get_and_no_body() {
    use runtime_templates::server::runtime::respond;
    let response = respond::bodiless(StatusCode::OK, "application/json", None);
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let body = axum::body::to_bytes(response.into_body(), 1024).await.expect("a body");
    assert!(body.is_empty(), "{body:?}");
    // A Content-Type the implementation set itself is kept.
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/vnd.a+json".parse().expect("a value"));
    let response = respond::bodiless(StatusCode::OK, "application/json", Some(headers));
    assert_eq!(response.headers()["content-type"], "application/vnd.a+json");
}

#[test]
fn an_empty_body_with_a_content_type_is_sent_and_none_without_one_is_not() {
    use runtime_templates::server::runtime::extract::{body_sent, PathParams};
    let input = |content_type: Option<&str>, body: &'static [u8]| {
        let mut headers = HeaderMap::new();
        if let Some(content_type) = content_type {
            headers.insert(axum::http::header::CONTENT_TYPE, content_type.parse().expect("a header"));
        }
        RequestInput { path: PathParams::default(), query: QueryParams::parse(None), headers, body: Bytes::from_static(body) }
    };
    assert!(body_sent(&input(Some("application/octet-stream"), b"")), "an empty file");
    assert!(body_sent(&input(None, b"x")));
    assert!(!body_sent(&input(None, b"")));
}

/// The body limit is the operation's check: a declared `Content-Length` beyond it is refused 413
/// by the extractor before a byte is read, also for an operation that reads no body; a request
/// no operation takes answers its own 404 or 405.
#[tokio::test]
async fn a_declared_body_beyond_the_limit_is_refused_by_the_operation_that_takes_the_request() {
    use runtime_templates::server::runtime::extract::RequestInputWithoutBody;
    use tower::ServiceExt as _;
    async fn bodiless(RequestInputWithoutBody(_): RequestInputWithoutBody) -> Json<Value> {
        Json(json!("read"))
    }
    let routes = Router::new().route("/v1/items", get(bodiless));
    let app = finish(routes, &AppConfig::new(&ENVELOPE).with_body_limit(16));
    let call = |method: &str, uri: &str, length: usize| {
        let request = axum::http::Request::builder()
            .method(method)
            .uri(uri)
            .header("content-length", length.to_string())
            .body(axum::body::Body::from(vec![b'x'; length]))
            .unwrap();
        let app = app.clone();
        async move {
            let response = app.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 4096).await.unwrap();
            (status, serde_json::from_slice::<Value>(&bytes).unwrap())
        }
    };
    assert_eq!(call("GET", "/v1/items", 16).await.0, StatusCode::OK);
    let (status, body) = call("GET", "/v1/items", 17).await;
    assert_envelope(status, StatusCode::PAYLOAD_TOO_LARGE, &body);
    assert_eq!(body["error"], json!("the request body is larger than the server accepts"));
    let (status, body) = call("GET", "/v1/nothing", 17).await;
    assert_envelope(status, StatusCode::NOT_FOUND, &body);
    let (status, body) = call("POST", "/v1/items", 17).await;
    assert_envelope(status, StatusCode::METHOD_NOT_ALLOWED, &body);
}
