//! Router glue around the generated routes: 404 fallback, body limit (413), panic
//! catching (500), request timeout, a `tracing` span per request and the envelope
//! rewrite (which answers refusals as the spec documents them where the generator planned
//! it), each available as its own layer so a user can replace one; plus [`serve`] with
//! graceful shutdown, which bounds what slow and idle clients can hold ([`ServeConfig`]: a
//! header read timeout, an idle timeout and a connection cap).

use ::std::time::Duration;

use ::axum::http::{Request, Response, StatusCode};
use ::axum::response::IntoResponse;
use ::axum::Router;

use super::envelope::{ApiError, EnvelopeLayer, EnvelopeShape, ErrorPolicy};
use super::extract::BodyLimit;
use super::refusals::{Plan, Renderer};

/// Settings of the standard layers.
#[derive(Debug, Clone, Copy)]
pub struct AppConfig {
    /// Largest accepted request body in bytes; larger ones answer 413.
    pub body_limit: usize,
    /// Longest time a handler may take; `None` disables the timeout layer.
    pub request_timeout: Option<Duration>,
    /// The API's error envelope.
    pub envelope: &'static EnvelopeShape,
    /// The document's plan of refusals: what the server answers for refusals no operation
    /// marked (unknown paths, wrong methods); see `refusals.rs`.
    pub refusals: &'static Plan,
    /// Builds the response to each refusal (default [`super::refusals::render`]: the planned
    /// body, else the envelope).
    pub render: Renderer,
}

impl AppConfig {
    pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

    pub fn new(envelope: &'static EnvelopeShape) -> Self {
        let ErrorPolicy { document, render, .. } = ErrorPolicy::envelope(envelope);
        AppConfig {
            body_limit: Self::DEFAULT_BODY_LIMIT,
            request_timeout: Some(Duration::from_secs(30)),
            envelope,
            refusals: document,
            render,
        }
    }

    pub fn with_refusals(mut self, plan: &'static Plan) -> Self {
        self.refusals = plan;
        self
    }

    pub fn with_renderer(mut self, render: Renderer) -> Self {
        self.render = render;
        self
    }

    /// How the envelope layer answers errors with these settings.
    pub fn error_policy(&self) -> ErrorPolicy {
        ErrorPolicy { envelope: self.envelope, document: self.refusals, render: self.render }
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
///
/// The body limit is checked by whatever reads the request (`extract::RequestInput` refuses
/// a declared `Content-Length` beyond it before reading, axum's extractors stop reading
/// there), not by a layer answering before the operation's handler: so that a 413 is the
/// operation's refusal, answered as its plan says.
pub fn finish(router: Router, config: &AppConfig) -> Router {
    let routes = router.fallback(not_found);
    let outer = ::tower::ServiceBuilder::new()
        .layer(EnvelopeLayer::new(config.error_policy()))
        .layer(trace_layer())
        .map_response(into_axum_response as fn(_) -> _)
        .layer(catch_panic_layer());
    let inner = ::tower::ServiceBuilder::new()
        .layer(::axum::Extension(BodyLimit(config.body_limit)))
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

/// Limits request bodies: `RequestInput` refuses a declared `Content-Length` beyond the
/// limit before reading, and every body extractor stops reading at it (for routes assembled
/// by hand; [`finish`] applies the same limit).
pub fn with_body_limit(router: Router, bytes: usize) -> Router {
    router.layer(::axum::extract::DefaultBodyLimit::max(bytes)).layer(::axum::Extension(BodyLimit(bytes)))
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

/// What a client may hold of a server started by [`serve_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeConfig {
    /// Longest time from the first byte of a request to the end of its headers; a client that
    /// sends a request line and then trickles or stops (slowloris) is disconnected after it.
    pub header_read_timeout: Duration,
    /// Longest time a connection may go without a byte read or written while no request is
    /// being handled: a new connection that sends nothing, a keep-alive connection waiting for
    /// its next request, a client that stopped reading the response. Handlers are bounded by
    /// the request timeout instead.
    pub idle_timeout: Duration,
    /// Most connections served at once. When all are taken the server stops accepting: further
    /// clients wait in the listener's backlog (the kernel's queue) and are served as connections
    /// close, which the two timeouts guarantee.
    pub max_connections: usize,
}

impl ServeConfig {
    pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
    pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(20);
    pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

    pub fn with_header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// At least one connection is always served.
    pub fn with_max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// The cap as a semaphore's permit count.
    fn slots(&self) -> u32 {
        u32::try_from(self.max_connections.max(1)).unwrap_or(u32::MAX)
    }
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            header_read_timeout: Self::DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: Self::DEFAULT_IDLE_TIMEOUT,
            max_connections: Self::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Serves `router` on `listener` with the default [`ServeConfig`] until `shutdown` completes,
/// then finishes the requests in flight.
pub async fn serve(
    listener: ::tokio::net::TcpListener,
    router: Router,
    shutdown: impl ::std::future::Future<Output = ()> + Send + 'static,
) -> ::std::io::Result<()> {
    serve_with(listener, router, &ServeConfig::default(), shutdown).await
}

/// Serves `router` on `listener` (HTTP/1.1) until `shutdown` completes: stops accepting, closes
/// the listener, lets every connection finish the request it is handling, and returns when all
/// have closed.
pub async fn serve_with(
    listener: ::tokio::net::TcpListener,
    router: Router,
    config: &ServeConfig,
    shutdown: impl ::std::future::Future<Output = ()> + Send + 'static,
) -> ::std::io::Result<()> {
    let config = *config;
    let slots = ::std::sync::Arc::new(::tokio::sync::Semaphore::new(config.slots() as usize));
    let (stop, stopping) = ::tokio::sync::watch::channel(false);
    let mut shutdown = ::std::pin::pin!(shutdown);
    loop {
        // A slot first: with every slot taken, clients wait in the backlog, not in memory.
        let slot = ::tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        let Ok(slot) = slot else { break };
        let stream = ::tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        match stream {
            Ok((stream, _)) => {
                let connection = serve_connection(stream, router.clone(), config, stopping.clone());
                ::tokio::spawn(async move {
                    connection.await;
                    drop(slot);
                });
            }
            Err(error) => wait_after_accept_error(error).await,
        }
    }
    drop(listener);
    let _ = stop.send(true);
    // Each connection holds a slot until it closes: all slots back means all closed.
    let _ = slots.acquire_many(config.slots()).await;
    Ok(())
}

/// Errors of one connection (the client went away) are not the listener's; anything else
/// (out of file descriptors) is retried after a pause rather than spinning.
async fn wait_after_accept_error(error: ::std::io::Error) {
    use ::std::io::ErrorKind;
    if matches!(error.kind(), ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset) {
        return;
    }
    ::tracing::error!(%error, "accepting a connection failed; retrying in 1 s");
    ::tokio::time::sleep(Duration::from_secs(1)).await;
}

/// One HTTP/1.1 connection, closed by its watchdog when the client is too slow or idle, and
/// shut down gracefully (the request in progress finishes) when the server stops.
async fn serve_connection(
    stream: ::tokio::net::TcpStream,
    router: Router,
    config: ServeConfig,
    mut stopping: ::tokio::sync::watch::Receiver<bool>,
) {
    let activity = ::std::sync::Arc::new(Activity::new());
    let io = ::hyper_util::rt::TokioIo::new(Watched { stream, activity: activity.clone() });
    let in_service = activity.clone();
    let service = ::hyper::service::service_fn(move |request: Request<::hyper::body::Incoming>| {
        let handling = in_service.begin_request();
        let response = ::tower::ServiceExt::oneshot(router.clone(), request);
        async move {
            let response = response.await;
            drop(handling);
            response
        }
    });
    // hyper's own header timer runs from when it starts waiting, idle time included; the
    // watchdog times the header from its first byte instead.
    let connection = ::hyper::server::conn::http1::Builder::new().header_read_timeout(None).serve_connection(io, service);
    let mut connection = ::std::pin::pin!(connection);
    let watchdog = watchdog(&activity, config);
    let mut watchdog = ::std::pin::pin!(watchdog);
    ::tokio::select! {
        _ = connection.as_mut() => return,
        reason = &mut watchdog => return close(reason),
        _ = stopping.wait_for(|stop| *stop) => connection.as_mut().graceful_shutdown(),
    }
    ::tokio::select! {
        _ = connection.as_mut() => {}
        reason = &mut watchdog => close(reason),
    }
}

fn close(reason: &'static str) {
    ::tracing::debug!(reason, "closing the connection");
}

/// Resolves (with the reason) once the connection has been too slow or idle for `config`.
async fn watchdog(activity: &Activity, config: ServeConfig) -> &'static str {
    loop {
        // Registered before the deadline is read, so no change in between is missed.
        let changed = activity.changed.notified();
        let now = ::tokio::time::Instant::now();
        match activity.deadline(&config) {
            Some((deadline, reason)) if deadline <= now => return reason,
            Some((deadline, _)) => {
                ::tokio::select! {
                    () = ::tokio::time::sleep_until(deadline) => {}
                    () = changed => {}
                }
            }
            // A request is being handled: the request timeout bounds it.
            None => changed.await,
        }
    }
}

/// What the watchdog of one connection knows: when a byte last moved, whether a request head
/// is being read (since when), how many requests are being handled; and a wake-up for when a
/// deadline may have come closer (a head started, a request ended).
struct Activity {
    state: ::std::sync::Mutex<ActivityState>,
    changed: ::tokio::sync::Notify,
}

struct ActivityState {
    last_io: ::tokio::time::Instant,
    head_started: Option<::tokio::time::Instant>,
    handling: usize,
}

impl Activity {
    fn new() -> Self {
        let state = ActivityState { last_io: ::tokio::time::Instant::now(), head_started: None, handling: 0 };
        Activity { state: ::std::sync::Mutex::new(state), changed: ::tokio::sync::Notify::new() }
    }

    fn with<T>(&self, f: impl FnOnce(&mut ActivityState) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    fn bytes_read(&self) {
        let head_started = self.with(|state| {
            state.last_io = ::tokio::time::Instant::now();
            let starts = state.handling == 0 && state.head_started.is_none();
            if starts {
                state.head_started = Some(state.last_io);
            }
            starts
        });
        if head_started {
            self.changed.notify_one();
        }
    }

    fn bytes_written(&self) {
        self.with(|state| state.last_io = ::tokio::time::Instant::now());
    }

    /// hyper has read a request head and calls the router: until the guard drops, the request
    /// timeout is what bounds the connection.
    fn begin_request(self: &::std::sync::Arc<Self>) -> RequestGuard {
        self.with(|state| {
            state.handling += 1;
            state.head_started = None;
        });
        RequestGuard(self.clone())
    }

    /// When the connection is to be closed if nothing happens before, and why.
    fn deadline(&self, config: &ServeConfig) -> Option<(::tokio::time::Instant, &'static str)> {
        self.with(|state| {
            let header = state.head_started.map(|at| (at + config.header_read_timeout, "request header too slow"));
            let idle = (state.handling == 0).then(|| (state.last_io + config.idle_timeout, "idle"));
            match (header, idle) {
                (Some(header), Some(idle)) => Some(if header.0 <= idle.0 { header } else { idle }),
                (one, other) => one.or(other),
            }
        })
    }
}

struct RequestGuard(::std::sync::Arc<Activity>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.with(|state| {
            state.handling -= 1;
            state.last_io = ::tokio::time::Instant::now();
        });
        self.0.changed.notify_one();
    }
}

/// The client's stream, telling its [`Activity`] about every byte that moves.
struct Watched {
    stream: ::tokio::net::TcpStream,
    activity: ::std::sync::Arc<Activity>,
}

impl ::tokio::io::AsyncRead for Watched {
    fn poll_read(
        self: ::std::pin::Pin<&mut Self>,
        cx: &mut ::std::task::Context<'_>,
        buf: &mut ::tokio::io::ReadBuf<'_>,
    ) -> ::std::task::Poll<::std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = ::std::pin::Pin::new(&mut this.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.bytes_read();
        }
        polled
    }
}

impl ::tokio::io::AsyncWrite for Watched {
    fn poll_write(
        self: ::std::pin::Pin<&mut Self>,
        cx: &mut ::std::task::Context<'_>,
        buf: &[u8],
    ) -> ::std::task::Poll<::std::io::Result<usize>> {
        let this = self.get_mut();
        let polled = ::std::pin::Pin::new(&mut this.stream).poll_write(cx, buf);
        if matches!(polled, ::std::task::Poll::Ready(Ok(written)) if written > 0) {
            this.activity.bytes_written();
        }
        polled
    }

    fn poll_flush(self: ::std::pin::Pin<&mut Self>, cx: &mut ::std::task::Context<'_>) -> ::std::task::Poll<::std::io::Result<()>> {
        ::std::pin::Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: ::std::pin::Pin<&mut Self>, cx: &mut ::std::task::Context<'_>) -> ::std::task::Poll<::std::io::Result<()>> {
        ::std::pin::Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
