//! The API's own error envelope. The generator emits an [`EnvelopeShape`] from the spec
//! (constant fields such as `"success": false`, the key of the message and of the detail);
//! [`ApiError`] is the one error type of the server runtime and answers in that envelope.
//! [`enforce_envelope`] rewrites every other error response (axum rejections, 404, 405,
//! 413, timeouts) into the same envelope, so a client never sees plain text. Where the
//! operation (or the document) plans a refusal in the spec's own shape (`refusals.rs`), the
//! rewrite answers that plan instead, through the [`ErrorPolicy`]'s renderer.

use ::axum::http::{header, HeaderValue, StatusCode};
use ::axum::response::{IntoResponse, Response};
use ::serde_json::{Map, Value};

use super::refusals::{Marked, Plan, Refusal, Renderer};

/// How much of a plain-text error body is kept as the envelope's message.
const MAX_REWRITTEN_BODY: usize = 16 * 1024;

/// A constant field of the envelope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Constant {
    Null,
    Bool(bool),
    Int(i64),
    Str(&'static str),
}

impl Constant {
    fn to_value(self) -> Value {
        match self {
            Constant::Null => Value::Null,
            Constant::Bool(flag) => Value::Bool(flag),
            Constant::Int(number) => Value::from(number),
            Constant::Str(text) => Value::from(text),
        }
    }
}

/// The layout of error bodies: `{<constants...>, <message_key>: message, <detail_key>: detail}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnvelopeShape {
    pub constants: &'static [(&'static str, Constant)],
    pub message_key: &'static str,
    /// Where the detail goes; `None` drops details.
    pub detail_key: Option<&'static str>,
    /// Detail used when an error has none (for specs whose envelope requires the field).
    pub default_detail: Option<&'static str>,
}

impl EnvelopeShape {
    /// The shape used when the spec describes no error envelope: `{"error": ..., "detail": ...}`.
    pub const DEFAULT: EnvelopeShape =
        EnvelopeShape { constants: &[], message_key: "error", detail_key: Some("detail"), default_detail: None };

    /// The envelope for one error as JSON.
    pub fn render(&self, message: &str, detail: Option<&str>) -> Value {
        let mut body = Map::new();
        for (key, constant) in self.constants {
            body.insert((*key).to_owned(), constant.to_value());
        }
        body.insert(self.message_key.to_owned(), Value::from(message));
        if let Some(detail_key) = self.detail_key {
            if let Some(detail) = detail.or(self.default_detail) {
                body.insert(detail_key.to_owned(), Value::from(detail));
            }
        }
        Value::Object(body)
    }

    fn response(&self, status: StatusCode, message: &str, detail: Option<&str>) -> Response {
        let body = self.render(message, detail).to_string();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

/// An error answered in the API's envelope: status, one-sentence message, optional detail.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    pub detail: Option<String>,
    /// `WWW-Authenticate` challenge for 401 answers.
    pub challenge: Option<&'static str>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into(), detail: None, challenge: None }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized(message: impl Into<String>, challenge: &'static str) -> Self {
        ApiError { challenge: Some(challenge), ..ApiError::new(StatusCode::UNAUTHORIZED, message) }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The default answer of an operation the implementation does not provide.
    pub fn not_implemented(operation: &str) -> Self {
        ApiError::new(StatusCode::NOT_IMPLEMENTED, format!("operation `{operation}` is not implemented"))
    }

    /// The response in `shape`.
    pub fn to_response(&self, shape: &EnvelopeShape) -> Response {
        let mut response = shape.response(self.status, &self.message, self.detail.as_deref());
        if let Some(challenge) = self.challenge {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        response
    }
}

impl ::std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl ::std::error::Error for ApiError {}

/// Renders in the default shape and keeps the error in the response extensions, so that
/// [`enforce_envelope`] re-renders it in the API's configured shape.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.to_response(&EnvelopeShape::DEFAULT);
        response.extensions_mut().insert(self);
        response
    }
}

/// Marks a response that must reach the client untouched even though its status is an
/// error and its body is not JSON (a documented `text/plain` 4xx, for example).
#[derive(Debug, Clone, Copy)]
pub struct PassThrough;

/// How the server answers errors: the API's envelope, the plan for refusals no operation
/// marked (unknown paths, wrong methods), and the renderer of refusals.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPolicy {
    pub envelope: &'static EnvelopeShape,
    /// The document's plan: what every operation plans alike (see `refusals.rs`).
    pub document: &'static Plan,
    pub render: Renderer,
}

static NO_PLAN: Plan = Plan::NONE;

impl ErrorPolicy {
    /// Every error in `envelope`, with its own status.
    pub fn envelope(envelope: &'static EnvelopeShape) -> Self {
        ErrorPolicy { envelope, document: &NO_PLAN, render: super::refusals::render }
    }
}

/// The layer that puts every error response into the envelope, or answers the refusal as
/// planned (see [`rewrite`]).
#[derive(Debug, Clone, Copy)]
pub struct EnvelopeLayer {
    policy: ErrorPolicy,
}

impl EnvelopeLayer {
    pub fn new(policy: ErrorPolicy) -> Self {
        EnvelopeLayer { policy }
    }
}

impl<S> ::tower::Layer<S> for EnvelopeLayer {
    type Service = Envelope<S>;

    fn layer(&self, inner: S) -> Envelope<S> {
        Envelope { inner, policy: self.policy }
    }
}

/// The service of [`EnvelopeLayer`].
#[derive(Debug, Clone)]
pub struct Envelope<S> {
    inner: S,
    policy: ErrorPolicy,
}

impl<S, B> ::tower::Service<::axum::extract::Request> for Envelope<S>
where
    S: ::tower::Service<::axum::extract::Request, Response = ::axum::http::Response<B>, Error = ::std::convert::Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: ::axum::body::HttpBody<Data = ::axum::body::Bytes> + Send + 'static,
    B::Error: Into<::axum::BoxError>,
{
    type Response = Response;
    type Error = ::std::convert::Infallible;
    type Future = EnvelopeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut ::std::task::Context<'_>) -> ::std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: ::axum::extract::Request) -> Self::Future {
        let method = request.method().clone();
        let uri = request.uri().clone();
        EnvelopeFuture { state: EnvelopeState::Inner { future: self.inner.call(request), method, uri, policy: self.policy } }
    }
}

type Rewriting = ::std::pin::Pin<Box<dyn ::std::future::Future<Output = Response> + Send>>;

::pin_project_lite::pin_project! {
    /// The future of [`Envelope`]: the inner response as is, unless it is an error that
    /// must be rewritten (only then is a future boxed).
    pub struct EnvelopeFuture<F> {
        #[pin]
        state: EnvelopeState<F>,
    }
}

::pin_project_lite::pin_project! {
    #[project = EnvelopeStateProjection]
    enum EnvelopeState<F> {
        Inner { #[pin] future: F, method: ::axum::http::Method, uri: ::axum::http::Uri, policy: ErrorPolicy },
        Rewriting { future: Rewriting },
    }
}

impl<F, B> ::std::future::Future for EnvelopeFuture<F>
where
    F: ::std::future::Future<Output = Result<::axum::http::Response<B>, ::std::convert::Infallible>>,
    B: ::axum::body::HttpBody<Data = ::axum::body::Bytes> + Send + 'static,
    B::Error: Into<::axum::BoxError>,
{
    type Output = Result<Response, ::std::convert::Infallible>;

    fn poll(self: ::std::pin::Pin<&mut Self>, cx: &mut ::std::task::Context<'_>) -> ::std::task::Poll<Self::Output> {
        use ::std::task::Poll;
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                EnvelopeStateProjection::Inner { future, method, uri, policy } => {
                    let response = match ::std::task::ready!(future.poll(cx)) {
                        Ok(response) => response.map(::axum::body::Body::new),
                        Err(never) => match never {},
                    };
                    if !needs_rewrite(&response) {
                        return Poll::Ready(Ok(response));
                    }
                    let (method, path, policy) = (method.clone(), uri.path().to_owned(), *policy);
                    let rewriting: Rewriting = Box::pin(async move { rewrite(&policy, &method, &path, response).await });
                    this.state.set(EnvelopeState::Rewriting { future: rewriting });
                }
                EnvelopeStateProjection::Rewriting { future } => return future.as_mut().poll(cx).map(Ok),
            }
        }
    }
}

/// Whether [`rewrite`] would change the response.
fn needs_rewrite(response: &Response) -> bool {
    let status = response.status();
    (status.is_client_error() || status.is_server_error()) && response.extensions().get::<PassThrough>().is_none()
}

/// Middleware (`axum::middleware::from_fn_with_state(policy, enforce_envelope)`) doing what
/// [`EnvelopeLayer`] does, for routers assembled by hand.
pub async fn enforce_envelope(
    ::axum::extract::State(policy): ::axum::extract::State<ErrorPolicy>,
    request: ::axum::extract::Request,
    next: ::axum::middleware::Next,
) -> Response {
    let method = request.method().clone();
    let uri = request.uri().clone();
    let response = next.run(request).await;
    rewrite(&policy, &method, uri.path(), response).await
}

/// Answers an error response as a refusal: the message and detail of an [`ApiError`], or
/// the text of another 4xx/5xx response that is not JSON (axum rejections, 405, 413,
/// timeouts), rendered by the policy's renderer in the status and body the plan gives it
/// (the plan the operation marked the response with, else the document's), else in the
/// envelope. Headers such as `Allow` are kept; other responses pass unchanged.
pub async fn rewrite(policy: &ErrorPolicy, method: &::axum::http::Method, path: &str, response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || response.extensions().get::<PassThrough>().is_some() {
        return response;
    }
    let error = response.extensions().get::<ApiError>().cloned();
    if error.is_none() && is_json(response.headers()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let (message, detail) = match error {
        Some(error) => (error.message, error.detail),
        None => (rejection_message(status, method, path, &parts.headers, body).await, None),
    };
    let plan = parts.extensions.get::<Marked>().map_or(policy.document, |marked| marked.0);
    let planned = plan.get(status);
    let refusal = Refusal {
        refused: status,
        status: planned.and_then(|planned| StatusCode::from_u16(planned.status).ok()).unwrap_or(status),
        message: &message,
        detail: detail.as_deref(),
        planned,
        envelope: policy.envelope,
    };
    replace_answer(parts, (policy.render)(&refusal))
}

/// The message of an error response that is not an [`ApiError`]: its text, or what its
/// status says when it has none.
async fn rejection_message(
    status: StatusCode,
    method: &::axum::http::Method,
    path: &str,
    headers: &::axum::http::HeaderMap,
    body: ::axum::body::Body,
) -> String {
    let text = match ::axum::body::to_bytes(body, MAX_REWRITTEN_BODY).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().to_owned(),
        Err(_) => String::new(),
    };
    match (status, text.is_empty()) {
        (StatusCode::NOT_FOUND, true) => format!("no operation matches {method} {path}"),
        // axum adds `Allow` outside route layers, so it is usually not visible here yet.
        (StatusCode::METHOD_NOT_ALLOWED, true) => match headers.get(header::ALLOW).and_then(|value| value.to_str().ok()) {
            Some(allowed) => format!("method {method} is not allowed for {path}; allowed: {allowed}"),
            None => format!("method {method} is not allowed for {path}; see the Allow header"),
        },
        (StatusCode::PAYLOAD_TOO_LARGE, _) => "the request body is larger than the server accepts".to_owned(),
        (_, true) => status.canonical_reason().unwrap_or("error").to_owned(),
        (_, false) => text,
    }
}

/// The refused response's headers and extensions with the status, headers and body of the
/// rendered answer.
fn replace_answer(mut parts: ::axum::http::response::Parts, rendered: Response) -> Response {
    let (rendered_parts, body) = rendered.into_parts();
    parts.status = rendered_parts.status;
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in rendered_parts.headers.iter() {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, body)
}

/// Whether the content type is JSON (`application/json` or `*/*+json`).
pub fn is_json(headers: &::axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|essence| {
            let essence = essence.trim().to_ascii_lowercase();
            essence == "application/json" || essence.ends_with("+json")
        })
        .unwrap_or(false)
}
