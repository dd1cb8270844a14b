//! Refusals in the spec's own shape: templates rendered with a refusal's message, detail and
//! status, plans looked up by the refused status, and the envelope layer answering an
//! operation's marked error responses (or the document's unmarked ones) by its plan, through
//! the default renderer or one a user supplies.

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use runtime_templates::server::runtime::envelope::{rewrite, ApiError, EnvelopeShape, ErrorPolicy, PassThrough};
use runtime_templates::server::runtime::refusals::{mark, render, Body, Fill, Plan, Planned, Refusal, Text};
use serde_json::{json, Value};

/// `{"api-error": int, "api-error-msg": string}`, both required.
static API_ERROR: Fill = Fill::Object(&[
    ("api-error", Fill::Status),
    ("api-error-msg", Fill::Text { text: Text::Message, min: 0, max: None }),
]);

/// FastAPI's `HTTPValidationError`: `detail` is a list of `{loc, msg, type}`.
static VALIDATION: Fill = Fill::Object(&[(
    "detail",
    Fill::Array(&[Fill::Object(&[
        ("loc", Fill::Array(&[])),
        ("msg", Fill::Text { text: Text::Message, min: 0, max: None }),
        ("type", Fill::Text { text: Text::Message, min: 0, max: None }),
    ])]),
)]);

static PLAN: Plan = Plan {
    entries: &[
        Planned { refused: 400, status: 422, body: Body::Json { media_type: "application/json", fill: &VALIDATION } },
        Planned { refused: 401, status: 401, body: Body::Json { media_type: "application/problem+json", fill: &API_ERROR } },
        Planned { refused: 415, status: 415, body: Body::Text { media_type: "text/plain" } },
        Planned { refused: 422, status: 422, body: Body::Envelope },
    ],
};

static DOCUMENT: Plan = Plan {
    entries: &[Planned { refused: 404, status: 404, body: Body::Json { media_type: "application/json", fill: &API_ERROR } }],
};

fn refusal<'a>(status: u16, message: &'a str, detail: Option<&'a str>) -> Refusal<'a> {
    let status = StatusCode::from_u16(status).unwrap();
    Refusal { refused: status, status, message, detail, planned: None, envelope: &EnvelopeShape::DEFAULT }
}

#[test]
fn a_template_takes_the_message_the_detail_and_the_status() {
    let refusal = refusal(400, "`limit` must be at most 500", Some("query parameter `limit`: 900"));
    assert_eq!(API_ERROR.render(&refusal), json!({"api-error": 400, "api-error-msg": "`limit` must be at most 500"}));
    let detail = Fill::Object(&[
        ("title", Fill::Text { text: Text::Message, min: 0, max: None }),
        ("detail", Fill::Text { text: Text::Detail, min: 0, max: None }),
        ("fixed", Fill::Json(r#"{"at": "1970-01-01T00:00:00Z", "count": 0, "ok": false}"#)),
    ]);
    assert_eq!(
        detail.render(&refusal),
        json!({
            "title": "`limit` must be at most 500",
            "detail": "query parameter `limit`: 900",
            "fixed": {"at": "1970-01-01T00:00:00Z", "count": 0, "ok": false},
        })
    );
    // Without a detail, the detail's place holds the message.
    assert_eq!(detail.render(&self::refusal(401, "no key", None))["detail"], json!("no key"));
}

#[test]
fn text_is_cut_or_padded_to_its_bounds_in_characters() {
    let refusal = refusal(400, "ünïcode message", None);
    let cut = Fill::Text { text: Text::Message, min: 0, max: Some(5) };
    assert_eq!(cut.render(&refusal), json!("ünïco"));
    let padded = Fill::Text { text: Text::Message, min: 20, max: Some(30) };
    assert_eq!(padded.render(&refusal), json!("ünïcode message....."));
    let short = self::refusal(400, "", None);
    assert_eq!(Fill::Text { text: Text::Detail, min: 1, max: None }.render(&short), json!("."));
}

#[test]
fn a_nested_list_of_objects_is_rendered_in_order() {
    let value = VALIDATION.render(&refusal(400, "field required", None));
    assert_eq!(value, json!({"detail": [{"loc": [], "msg": "field required", "type": "field required"}]}));
    assert_eq!(serde_json::to_string(&value).unwrap(), r#"{"detail":[{"loc":[],"msg":"field required","type":"field required"}]}"#);
}

#[test]
fn a_plan_is_looked_up_by_the_refused_status() {
    assert_eq!(PLAN.get(StatusCode::BAD_REQUEST).map(|entry| entry.status), Some(422));
    assert_eq!(PLAN.get(StatusCode::UNSUPPORTED_MEDIA_TYPE).map(|entry| entry.status), Some(415));
    assert!(PLAN.get(StatusCode::NOT_FOUND).is_none());
    assert!(Plan::NONE.get(StatusCode::BAD_REQUEST).is_none());
}

async fn body_of(response: Response) -> (StatusCode, Option<String>, String) {
    let status = response.status();
    let media = response.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).map(str::to_owned);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, media, String::from_utf8(bytes.to_vec()).unwrap())
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

const POLICY: ErrorPolicy = ErrorPolicy { envelope: &EnvelopeShape::DEFAULT, document: &DOCUMENT, render };

async fn rewritten(response: Response) -> (StatusCode, Option<String>, String) {
    body_of(rewrite(&POLICY, &Method::POST, "/items", response).await).await
}

#[tokio::test]
async fn a_marked_refusal_is_answered_in_the_planned_status_and_body() {
    let refused = ApiError::bad_request("`name` is required").with_detail("body: `name` is required").into_response();
    let (status, media, body) = rewritten(mark(refused, &PLAN)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(media.as_deref(), Some("application/json"));
    assert_eq!(json_of(&body), json!({"detail": [{"loc": [], "msg": "`name` is required", "type": "`name` is required"}]}));

    // The challenge of a 401 is kept; the body is the documented one, in its media type.
    let refused = ApiError::unauthorized("authentication is required: send api_key", "ApiKey").into_response();
    let marked = mark(refused, &PLAN);
    let rewritten_response = rewrite(&POLICY, &Method::GET, "/items", marked).await;
    assert_eq!(rewritten_response.headers().get(header::WWW_AUTHENTICATE), Some(&HeaderValue::from_static("ApiKey")));
    let (status, media, body) = body_of(rewritten_response).await;
    assert_eq!((status, media.as_deref()), (StatusCode::UNAUTHORIZED, Some("application/problem+json")));
    assert_eq!(json_of(&body), json!({"api-error": 401, "api-error-msg": "authentication is required: send api_key"}));
}

#[tokio::test]
async fn a_documented_text_answer_is_the_message_as_text() {
    let refused = ApiError::unsupported_media_type("the request body must be sent as application/json").into_response();
    let (status, media, body) = rewritten(mark(refused, &PLAN)).await;
    assert_eq!((status, media.as_deref()), (StatusCode::UNSUPPORTED_MEDIA_TYPE, Some("text/plain")));
    assert_eq!(body, "the request body must be sent as application/json");
}

#[tokio::test]
async fn what_the_plan_does_not_list_is_answered_in_the_envelope() {
    // 403 is not in the plan; 422 is, with the envelope as its body.
    for (error, expected) in [(ApiError::forbidden("not yours"), 403), (ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad"), 422)] {
        let message = error.message.clone();
        let (status, media, body) = rewritten(mark(error.into_response(), &PLAN)).await;
        assert_eq!((status.as_u16(), media.as_deref()), (expected, Some("application/json")));
        assert_eq!(json_of(&body), json!({"error": message}));
    }
}

#[tokio::test]
async fn an_unmarked_refusal_follows_the_document_plan() {
    // axum's own 404 (plain, empty): no operation marked it.
    let not_found = StatusCode::NOT_FOUND.into_response();
    let (status, _, body) = rewritten(not_found).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json_of(&body), json!({"api-error": 404, "api-error-msg": "no operation matches POST /items"}));
    // An operation's mark wins over the document's plan, even with nothing for that status.
    let (_, _, body) = rewritten(mark(ApiError::not_found("no item 7").into_response(), &PLAN)).await;
    assert_eq!(json_of(&body), json!({"error": "no item 7"}));
}

#[tokio::test]
async fn the_first_mark_stays_and_documented_answers_pass_through() {
    let marked = mark(mark(ApiError::bad_request("x").into_response(), &PLAN), &DOCUMENT);
    assert_eq!(rewritten(marked).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    // A documented error the implementation answered is never rewritten.
    let mut documented = (StatusCode::BAD_REQUEST, "as written").into_response();
    documented.extensions_mut().insert(PassThrough);
    let (status, _, body) = rewritten(mark(documented, &PLAN)).await;
    assert_eq!((status, body.as_str()), (StatusCode::BAD_REQUEST, "as written"));
    // Successes are neither marked nor rewritten.
    let ok = mark((StatusCode::OK, "fine").into_response(), &PLAN);
    assert!(ok.extensions().get::<runtime_templates::server::runtime::refusals::Marked>().is_none());
}

fn teapot(refusal: &Refusal<'_>) -> Response {
    let body = format!("{} -> {}: {}", refusal.refused.as_u16(), refusal.status.as_u16(), refusal.message);
    (StatusCode::IM_A_TEAPOT, body).into_response()
}

#[tokio::test]
async fn a_user_renderer_replaces_the_default() {
    let policy = ErrorPolicy { render: teapot, ..POLICY };
    let marked = mark(ApiError::bad_request("`id` must be an integer").into_response(), &PLAN);
    let (status, _, body) = body_of(rewrite(&policy, &Method::GET, "/items/x", marked).await).await;
    assert_eq!(status, StatusCode::IM_A_TEAPOT);
    assert_eq!(body, "400 -> 422: `id` must be an integer");
}
