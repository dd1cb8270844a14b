//! Router glue around the generated routes: 404 fallback, body limit (413), panic
//! catching (500), request timeout, a `tracing` span per request and the envelope
//! rewrite, each available as its own layer so a user can replace one; plus [`serve`] with
//! graceful shutdown.

use ::std::time::Duration;

use ::axum::http::{Request, Response, StatusCode};
use ::axum::response::IntoResponse;
use ::axum::Router;

use super::envelope::{ApiError, EnvelopeLayer, EnvelopeShape};

/// Settings of the standard layers.
#[derive(Debug, Clone, Copy)]
pub struct AppConfig {
    /// Largest accepted request body in bytes; larger ones answer 413.
    pub body_limit: usize,
    /// Longest time a handler may take; `None` disables the timeout layer.
    pub request_timeout: Option<Duration>,
    /// The API's error envelope.
    pub envelope: &'static EnvelopeShape,
}

impl AppConfig {
    pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

    pub fn new(envelope: &'static EnvelopeShape) -> Self {
        AppConfig { body_limit: Self::DEFAULT_BODY_LIMIT, request_timeout: Some(Duration::from_secs(30)), envelope }
    }

    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    pub fn with_request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.request_timeout = timeout;
        self
    }
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig::new(&EnvelopeShape::DEFAULT)
    }
}

/// Adds the 404 fallback and every standard layer to the generated routes, as one layer
/// stack (so a request pays for one boxed service, not one per layer); they run outermost
/// first: envelope rewrite, trace span, panic catching, timeout, body limit.
pub fn finish(router: Router, config: &AppConfig) -> Router {
    let routes = router.fallback(not_found);
    let outer = ::tower::ServiceBuilder::new()
        .layer(EnvelopeLayer::new(config.envelope))
        .layer(trace_layer())
        .map_response(into_axum_response as fn(_) -> _)
        .layer(catch_panic_layer());
    let inner = ::tower::ServiceBuilder::new()
        .map_response(into_axum_response as fn(_) -> _)
        .layer(::tower_http::limit::RequestBodyLimitLayer::new(config.body_limit))
        .layer(::axum::extract::DefaultBodyLimit::max(config.body_limit));
    match config.request_timeout {
        Some(timeout) => routes.layer(outer.layer(timeout_layer(timeout)).layer(inner)),
        None => routes.layer(outer.layer(inner)),
    }
}

/// Gives every layer's response the same body type.
fn into_axum_response<B>(response: Response<B>) -> ::axum::response::Response
where
    B: ::axum::body::HttpBody<Data = ::axum::body::Bytes> + Send + 'static,
    B::Error: Into<::axum::BoxError>,
{
    response.map(::axum::body::Body::new)
}

/// Answer for paths no operation matches.
pub async fn not_found(method: ::axum::http::Method, uri: ::axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no operation matches {method} {}", uri.path()))
}

/// Limits request bodies: early on `Content-Length`, and while reading for chunked bodies
/// (for routes assembled by hand; [`finish`] applies the same limit).
pub fn with_body_limit(router: Router, bytes: usize) -> Router {
    router
        .layer(::axum::extract::DefaultBodyLimit::max(bytes))
        .layer(::tower_http::limit::RequestBodyLimitLayer::new(bytes))
}

/// Answers 503 in the envelope when a handler takes longer than `timeout`.
pub fn timeout_layer(timeout: Duration) -> ::tower_http::timeout::TimeoutLayer {
    ::tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout)
}

/// Turns a panic in a handler into a 500 in the envelope; the server keeps serving.
pub fn catch_panic_layer() -> ::tower_http::catch_panic::CatchPanicLayer<PanicResponder> {
    ::tower_http::catch_panic::CatchPanicLayer::custom(panic_response as PanicResponder)
}

/// The panic payload as `std::panic::catch_unwind` hands it over.
type PanicPayload = Box<dyn ::std::any::Any + Send + 'static>;

/// The function type [`catch_panic_layer`] answers panics with.
pub type PanicResponder = fn(PanicPayload) -> Response<::axum::body::Body>;

fn panic_response(payload: PanicPayload) -> Response<::axum::body::Body> {
    let reason = payload
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    ::tracing::error!(panic = %reason, "handler panicked");
    ApiError::internal("the server failed while handling the request").into_response()
}

type MakeSpan = fn(&Request<::axum::body::Body>) -> ::tracing::Span;
type OnResponse = fn(&Response<::axum::body::Body>, Duration, &::tracing::Span);

/// A span per request with method, path, route template and operation id (recorded by the
/// handler through [`record_operation`]), status and latency. The URI's query is never
/// recorded: it may hold an API key.
pub fn trace_layer() -> ::tower_http::trace::TraceLayer<::tower_http::classify::SharedClassifier<::tower_http::classify::ServerErrorsAsFailures>, MakeSpan, ::tower_http::trace::DefaultOnRequest, OnResponse> {
    ::tower_http::trace::TraceLayer::new_for_http()
        .make_span_with(request_span as MakeSpan)
        .on_response(record_response as OnResponse)
}

fn request_span(request: &Request<::axum::body::Body>) -> ::tracing::Span {
    // The path is recorded, never the query: it may hold an API key.
    ::tracing::info_span!(
        "http.server.request",
        method = %request.method(),
        path = %request.uri().path(),
        route = ::tracing::field::Empty,
        operation = ::tracing::field::Empty,
        status = ::tracing::field::Empty,
        latency_ms = ::tracing::field::Empty,
    )
}

fn record_response(response: &Response<::axum::body::Body>, latency: Duration, span: &::tracing::Span) {
    span.record("status", response.status().as_u16());
    span.record("latency_ms", u64::try_from(latency.as_millis()).unwrap_or(u64::MAX));
    ::tracing::info!(parent: span, status = response.status().as_u16(), "answered");
}

/// Records the operation id and its route template (as the spec writes it) on the current
/// request span; generated handlers call it first.
pub fn record_operation(operation: &'static str, route: &'static str) {
    let span = ::tracing::Span::current();
    span.record("operation", operation);
    span.record("route", route);
}

/// Serves `router` on `listener` until `shutdown` completes, then finishes the requests in
/// flight.
pub async fn serve(
    listener: ::tokio::net::TcpListener,
    router: Router,
    shutdown: impl ::std::future::Future<Output = ()> + Send + 'static,
) -> ::std::io::Result<()> {
    ::axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}
