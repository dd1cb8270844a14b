//! The refusals fixture's generated server (`generator/tests/fixtures/openapi/refusals.yaml`) on
//! loopback: each refusal it makes itself (400, 401, 403, 404, 405, 413, 415) is answered in the
//! status its operation documents for it, with a body the documented schema accepts: read back
//! by the generated types (required properties, JSON types, enums, formats) and by the
//! generated client as the documented error, and checked for the bounds serde does not check.
//! Operations that document nothing, or a schema the generator cannot fill, answer in the
//! envelope; a renderer set on `RouterConfig` replaces the default.

use std::sync::Arc;

use refusals_client::operations::{CreateValidatedError, GetCustomError};
use refusals_server::runtime::refusals::Refusal;
use refusals_server::{ApiError, Credential, Credentials, RouterConfig};
use refusals_types::{ApiErrorBody, ErrorList, HttpValidationError, Item, Problem};
use serde_json::{json, Value};

/// Answers every operation; `authenticate` takes `good`, refuses `stranger` (403) and anything
/// else (401).
struct Refusing;

impl refusals_server::Api for Refusing {
    type Principal = ();

    async fn authenticate(&self, credentials: Credentials, _operation: &'static str) -> Result<(), ApiError> {
        match credentials.presented.first().map(|(_, credential)| credential) {
            Some(Credential::ApiKey(key)) if key.expose() == "good" => Ok(()),
            Some(Credential::ApiKey(key)) if key.expose() == "stranger" => Err(ApiError::forbidden("this item belongs to someone else")),
            _ => Err(ApiError::unauthorized("the key is not valid", "ApiKey")),
        }
    }

    async fn get_custom(
        &self,
        _principal: (),
        _request: refusals_server::GetCustomParams,
    ) -> Result<refusals_server::GetCustomResponse, ApiError> {
        Ok(refusals_server::GetCustomResponse::Ok(Item { name: "kept".into(), count: None }))
    }
}

struct Server {
    base: String,
    http: reqwest::Client,
}

async fn start(config: RouterConfig) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let base = format!("http://{}/v1", listener.local_addr().expect("an address"));
    let router = refusals_server::router_with(Arc::new(Refusing), &config);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Server { base, http: reqwest::Client::new() }
}

async fn server() -> Server {
    start(RouterConfig::default().body_limit(256)).await
}

/// Status, `Content-Type`, `WWW-Authenticate` and the body as text.
struct Answer {
    status: u16,
    media: String,
    challenge: Option<String>,
    allow: Option<String>,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("{} {}: not JSON: {}", self.status, self.media, self.text))
    }

    /// The body read as the documented type: required properties present, JSON types,
    /// enum values and formats right.
    fn read<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{} does not read as the documented schema: {e}", self.text))
    }
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("the server answers");
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (status, media, challenge, allow) =
        (response.status().as_u16(), header("content-type").unwrap_or_default(), header("www-authenticate"), header("allow"));
    let text = response.text().await.expect("a body");
    Answer { status, media, challenge, allow, text }
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get(&self, path: &str) -> Answer {
        send(self.http.get(self.url(path)).header("x-api-key", "good")).await
    }

    fn client(&self) -> refusals_client::Client {
        let retry = refusals_client::RetryPolicy::none();
        refusals_client::Client::builder().base_url(&self.base).api_key("good").retry(retry).build().expect("a client")
    }
}

/// The envelope of a document without `x-error-envelope`.
fn assert_envelope(answer: &Answer, status: u16) -> String {
    assert_eq!((answer.status, answer.media.as_str()), (status, "application/json"), "{}", answer.text);
    let body = answer.json();
    assert!(body.as_object().is_some_and(|o| o.keys().all(|k| k == "error" || k == "detail")), "{body}");
    body["error"].as_str().unwrap_or_else(|| panic!("no message: {body}")).to_owned()
}

#[tokio::test]
async fn invalid_input_where_only_422_is_documented_answers_422_as_a_validation_error() {
    let server = server().await;
    let answer = send(server.http.post(server.url("/validated?limit=11")).json(&json!({"count": -1}))).await;
    assert_eq!((answer.status, answer.media.as_str()), (422, "application/json"), "{}", answer.text);
    let error: HttpValidationError = answer.read();
    let detail = error.detail.expect("the list names the problem");
    assert_eq!(detail.len(), 1);
    assert!(detail[0].msg.contains("limit"), "the message names the first problem: {}", detail[0].msg);
    assert_eq!(detail[0].msg, detail[0].type_);
    assert!(detail[0].loc.is_empty());

    // The generated client reads it as the documented 422.
    let client = server.client();
    let refused = client.create_validated(Item { name: "x".into(), count: None }).limit(11).send().await.expect_err("422");
    match refused.into_api() {
        Ok(CreateValidatedError::UnprocessableEntity(error)) => {
            assert!(error.detail.is_some_and(|detail| detail[0].msg.contains("`limit`")));
        }
        other => panic!("not the documented 422: {other:?}"),
    }
}

#[tokio::test]
async fn refusals_without_a_documented_status_keep_theirs_in_the_envelope() {
    let server = server().await;
    // createValidated documents 422 only: 415 and 413 are answered as refused.
    let answer = send(server.http.post(server.url("/validated")).header("content-type", "text/plain").body("{}")).await;
    assert!(assert_envelope(&answer, 415).contains("application/json"));
    let answer = send(server.http.post(server.url("/validated")).json(&json!({"name": "x".repeat(300)}))).await;
    assert_eq!(assert_envelope(&answer, 413), "the request body is larger than the server accepts");
    // getUndocumented documents no error at all.
    assert!(assert_envelope(&server.get("/undocumented?size=9").await, 400).contains("`size`"));
}

#[tokio::test]
async fn a_400_with_a_schema_of_its_own_answers_in_it() {
    let server = server().await;
    let answer = server.get("/custom/0").await;
    assert_eq!((answer.status, answer.media.as_str()), (400, "application/json"), "{}", answer.text);
    let body: ApiErrorBody = answer.read();
    assert_eq!(body.api_error, 400);
    assert!(body.api_error_msg.contains("`id`"), "{}", body.api_error_msg);
    assert_eq!(answer.json().as_object().map(|o| o.len()), Some(2), "only the documented properties");

    let refused = server.client().get_custom(0).send().await.expect_err("400");
    assert!(matches!(refused.into_api(), Ok(GetCustomError::BadRequest(ApiErrorBody { api_error: 400, .. }))));
}

#[tokio::test]
async fn authentication_refusals_answer_in_their_documented_shapes() {
    let server = server().await;
    // No key: 401 as documented, with the challenge.
    let answer = send(server.http.get(server.url("/custom/1"))).await;
    assert_eq!((answer.status, answer.media.as_str()), (401, "application/json"), "{}", answer.text);
    assert!(answer.challenge.is_some(), "the challenge is kept");
    let body: ApiErrorBody = answer.read();
    assert_eq!(body.api_error, 401);
    assert!(body.api_error_msg.contains("X-Api-Key"), "{}", body.api_error_msg);

    // The hook's refusals are the operation's too: 401 and 403 as documented.
    let answer = send(server.http.get(server.url("/custom/1")).header("x-api-key", "bad")).await;
    assert_eq!(answer.read::<ApiErrorBody>().api_error_msg, "the key is not valid");
    let answer = send(server.http.get(server.url("/custom/1")).header("x-api-key", "stranger")).await;
    assert_eq!(answer.status, 403);
    let reason = answer.read::<refusals_types::GetCustom403Response>().reason;
    assert_eq!(reason, "this item belongs to someone else");
    assert!(reason.chars().count() <= 40);

    // A valid request is the implementation's.
    assert_eq!(server.get("/custom/1").await.status, 200);
}

#[tokio::test]
async fn a_4xx_range_answers_each_refusal_in_its_own_status_and_the_range_schema() {
    let server = server().await;
    let answer = server.get("/ranged?page=0").await;
    assert_eq!((answer.status, answer.media.as_str()), (400, "application/problem+json"), "{}", answer.text);
    let problem: Problem = answer.read();
    assert_eq!(problem.status, 400);
    assert!((100..=599).contains(&problem.status));
    assert!(problem.title.contains("`page`"), "{}", problem.title);
    assert!(problem.detail.is_some());
    assert!(problem.type_.is_none() && problem.instance.is_none(), "optional properties that do not name the problem stay out");
}

#[tokio::test]
async fn only_default_answers_every_refusal_in_its_schema_413_included() {
    let server = server().await;
    let id = "0b7c7f0e-7a34-4b4e-9d53-3c5b2f8e2a11";
    let checks = |answer: &Answer, status: u16| {
        assert_eq!((answer.status, answer.media.as_str()), (status, "application/json"), "{}", answer.text);
        let list: ErrorList = answer.read();
        assert_eq!(list.errors.len(), 1, "minItems 1");
        assert!(list.errors[0].message.chars().count() <= 20, "maxLength 20: {}", list.errors[0].message);
        assert!(list.errors[0].message.chars().count() > 0);
        assert!(list.request_id.is_nil());
    };
    let put = |path: String| server.http.put(server.url(&path));
    // 400: the path parameter is not a uuid.
    checks(&send(put("/defaulted/not-a-uuid".into()).json(&json!({"name": "x"}))).await, 400);
    // 415: not JSON.
    checks(&send(put(format!("/defaulted/{id}")).header("content-type", "text/plain").body("x")).await, 415);
    // 413, declared beyond the limit: refused by the operation, so in its documented shape.
    checks(&send(put(format!("/defaulted/{id}")).json(&json!({"name": "x".repeat(300)}))).await, 413);
    // 501 is no refusal: the envelope.
    assert!(assert_envelope(&send(put(format!("/defaulted/{id}")).json(&json!({"name": "x"}))).await, 501).contains("putDefaulted"));
}

#[tokio::test]
async fn a_documented_text_answer_is_the_message_as_text() {
    let server = server().await;
    let answer = server.get("/plain").await;
    assert_eq!((answer.status, answer.media.as_str()), (400, "text/plain"));
    assert!(answer.text.contains("`flag`") && !answer.text.starts_with('{'), "{}", answer.text);
}

#[tokio::test]
async fn a_schema_the_generator_cannot_fill_answers_in_the_envelope() {
    let server = server().await;
    assert!(assert_envelope(&server.get("/unfillable?size=9").await, 400).contains("`size`"));
}

#[tokio::test]
async fn a_pattern_is_filled_with_the_shortest_string_it_matches() {
    let server = server().await;
    let answer = server.get("/coded?size=9").await;
    assert_eq!((answer.status, answer.media.as_str()), (400, "application/json"), "{}", answer.text);
    let error: refusals_types::GetCoded400Response = answer.read();
    assert_eq!(error.code, "E000");
    assert!(error.message.contains("`size`"), "{}", error.message);
}

#[tokio::test]
async fn a_schema_that_reaches_itself_is_filled_once_with_null_and_no_items() {
    let server = server().await;
    let answer = server.get("/nested?depth=9").await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    let error: refusals_types::NestedError = answer.read();
    assert!(error.message.contains("`depth`"));
    assert!(error.cause.is_none() && error.errors.is_some_and(|errors| errors.is_empty()));
    assert_eq!(answer.json()["cause"], Value::Null, "the required nullable cause is present as null");
}

#[tokio::test]
async fn a_union_answers_its_first_alternative_with_the_discriminator_value_naming_it() {
    let server = server().await;
    let answer = server.get("/tagged?size=9").await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    match answer.read::<refusals_types::TaggedError>() {
        refusals_types::TaggedError::Missing(missing) => {
            assert_eq!(missing.kind, "missing");
            assert!(missing.what.contains("`size`"));
        }
        other => panic!("not the first alternative: {other:?}"),
    }
}

#[tokio::test]
async fn an_object_that_says_nothing_of_the_problem_gets_the_message_beside() {
    let server = server().await;
    // `{code?: integer}` and a free-form `default` object: both take the envelope's properties.
    let answer = server.get("/freeform?size=9").await;
    assert_eq!(answer.status, 400);
    let _: refusals_types::GetFreeform400Response = answer.read();
    assert!(answer.json()["error"].as_str().is_some_and(|message| message.contains("`size`")), "{}", answer.text);
    let answer = send(server.http.post(server.url("/freeform"))).await;
    assert_eq!(answer.status, 405, "405 for an operation's route is the document's: {}", answer.text);
}

#[tokio::test]
async fn requests_no_operation_takes_answer_by_the_document_plan() {
    // The operations plan differently for 404 and 405: the envelope.
    let server = server().await;
    assert_eq!(assert_envelope(&server.get("/nothing/here").await, 404), "no operation matches GET /v1/nothing/here");
    let answer = send(server.http.delete(server.url("/plain"))).await;
    assert_envelope(&answer, 405);
    assert_eq!(answer.allow.as_deref(), Some("GET,HEAD"));
}

fn plain_text(refusal: &Refusal<'_>) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let planned = refusal.planned.map(|planned| planned.status);
    (refusal.status, format!("{} {:?} {}", refusal.refused.as_u16(), planned, refusal.message)).into_response()
}

#[tokio::test]
async fn a_renderer_set_on_the_router_config_replaces_the_default() {
    let server = start(RouterConfig::default().refusal_renderer(plain_text)).await;
    let answer = send(server.http.post(server.url("/validated?limit=11")).json(&json!({"name": "x"}))).await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.text, "400 Some(422) `limit` must be at most 10, got 11");
    let answer = server.get("/nothing").await;
    assert_eq!((answer.status, answer.text.as_str()), (404, "404 None no operation matches GET /v1/nothing"));
}
