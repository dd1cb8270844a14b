//! The shared HTTP machinery of a generated client: configuration, one [`Call`] builder per
//! request (path, query, header parameters and body), and [`RuntimeClient::execute`], which
//! applies credentials, retries, timeouts and a `tracing` span and returns the raw response
//! for the generated code to map onto its typed result.

use ::std::collections::BTreeMap;
use ::std::time::{Duration, Instant, SystemTime};

use super::auth::{Credentials, Placement, SecurityRequirements, SecurityScheme};
use super::error::{decode_json, Error};
use super::params::{self, PathStyle, QueryStyle};
use super::retry::{parse_retry_after, RetryPolicy};

/// Static description of one operation, emitted by the generator. `E` is the operation's
/// enum of documented error responses; carrying it here lets every later step (`send`,
/// `json`, `unexpected`) infer it, so generated code needs no type annotations.
pub struct OperationMeta<E = ::std::convert::Infallible> {
    /// The operationId, used in errors and spans.
    pub id: &'static str,
    pub method: ::reqwest::Method,
    /// The path template as the spec writes it: `/notes/{id}`.
    pub path: &'static str,
    /// The operation's own server URL when it differs from the client's base URL (for
    /// example an OAuth host); the client may override it by this exact string.
    pub server: Option<&'static str>,
    pub security: SecurityRequirements,
    errors: ::std::marker::PhantomData<fn() -> E>,
}

impl<E> OperationMeta<E> {
    pub const fn new(
        id: &'static str,
        method: ::reqwest::Method,
        path: &'static str,
        server: Option<&'static str>,
        security: SecurityRequirements,
    ) -> Self {
        OperationMeta { id, method, path, server, security, errors: ::std::marker::PhantomData }
    }
}

impl<E> ::std::fmt::Debug for OperationMeta<E> {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.debug_struct("OperationMeta")
            .field("id", &self.id)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("server", &self.server)
            .field("security", &self.security)
            .finish()
    }
}

/// Settings of a client; built by the generated `Client::builder()`.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub base_url: ::reqwest::Url,
    /// Replacement URLs for operation servers, keyed by the server URL the spec declares.
    pub server_overrides: BTreeMap<String, ::reqwest::Url>,
    pub credentials: Credentials,
    /// Per-attempt timeout covering connect, request and reading the whole body.
    pub timeout: Option<Duration>,
    pub retry: RetryPolicy,
    pub user_agent: Option<String>,
    /// The largest response body read into memory, in bytes; a larger one ends the call
    /// with [`Error::ResponseTooLarge`] as soon as the limit is passed.
    pub max_response_bytes: u64,
    /// The response headers that carry the server's request id, first match wins.
    pub request_id_headers: &'static [&'static str],
}

/// The default [`ClientConfig::max_response_bytes`]: 32 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

impl ClientConfig {
    pub fn new(base_url: ::reqwest::Url) -> Self {
        ClientConfig {
            base_url,
            server_overrides: BTreeMap::new(),
            credentials: Credentials::new(),
            timeout: Some(Duration::from_secs(30)),
            retry: RetryPolicy::default(),
            user_agent: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            request_id_headers: super::error::REQUEST_ID_HEADERS,
        }
    }
}

/// Settings of one call that override the client's: set them with the generated builders'
/// `with_options`.
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    timeout: Option<Option<Duration>>,
    retry: Option<RetryPolicy>,
    headers: Vec<(::reqwest::header::HeaderName, ::reqwest::header::HeaderValue)>,
}

impl CallOptions {
    pub fn new() -> Self {
        CallOptions::default()
    }

    /// A per-attempt timeout for this call instead of the client's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(Some(timeout));
        self
    }

    /// No timeout for this call.
    pub fn no_timeout(mut self) -> Self {
        self.timeout = Some(None);
        self
    }

    /// This retry policy for this call instead of the client's.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Sends this call once, whatever the client's retry policy says.
    pub fn no_retry(self) -> Self {
        self.retry(RetryPolicy::none())
    }

    /// An extra header on this call, after the generated ones (it replaces none of them).
    pub fn header(mut self, name: ::reqwest::header::HeaderName, value: ::reqwest::header::HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }
}

/// A decoded response with its status and headers: what the generated `send_with_response`
/// returns, and what [`Error::Api`] holds for documented errors. It dereferences to the body.
#[derive(Debug, Clone)]
pub struct Response<T> {
    status: ::reqwest::StatusCode,
    headers: ::reqwest::header::HeaderMap,
    body: T,
    request_id_headers: &'static [&'static str],
}

impl<T> Response<T> {
    pub fn new(
        status: ::reqwest::StatusCode,
        headers: ::reqwest::header::HeaderMap,
        body: T,
        request_id_headers: &'static [&'static str],
    ) -> Self {
        Response { status, headers, body, request_id_headers }
    }

    pub fn status(&self) -> ::reqwest::StatusCode {
        self.status
    }

    pub fn headers(&self) -> &::reqwest::header::HeaderMap {
        &self.headers
    }

    pub fn body(&self) -> &T {
        &self.body
    }

    pub fn into_body(self) -> T {
        self.body
    }

    pub fn into_parts(self) -> (::reqwest::StatusCode, ::reqwest::header::HeaderMap, T) {
        (self.status, self.headers, self.body)
    }

    /// The server's id for this request (see [`ClientConfig::request_id_headers`]).
    pub fn request_id(&self) -> Option<&str> {
        first_header(&self.headers, self.request_id_headers)
    }

    /// A typed view of the headers: the operation's generated `{Operation}Headers`, whose
    /// methods read each documented header by its schema.
    pub fn headers_as<'h, H: From<&'h ::reqwest::header::HeaderMap>>(&'h self) -> H {
        H::from(&self.headers)
    }

    /// The same response with its body mapped.
    pub fn map<U>(self, map: impl FnOnce(T) -> U) -> Response<U> {
        Response { status: self.status, headers: self.headers, body: map(self.body), request_id_headers: self.request_id_headers }
    }
}

impl<T> ::std::ops::Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.body
    }
}

/// The first of `names` present in `headers` whose value is text.
pub fn first_header<'h>(headers: &'h ::reqwest::header::HeaderMap, names: &[&str]) -> Option<&'h str> {
    names.iter().find_map(|name| headers.get(*name).and_then(|value| value.to_str().ok()))
}

/// A configured client shared by all operations of a generated crate.
#[derive(Debug, Clone)]
pub struct RuntimeClient {
    http: ::reqwest::Client,
    config: ClientConfig,
    schemes: &'static [SecurityScheme],
}

/// A response as received, before the generated code maps it by status. `E` is the
/// operation's error enum, so `json` and `unexpected` need no annotations.
pub struct RawResponse<E = ::std::convert::Infallible> {
    pub operation: &'static str,
    pub status: ::reqwest::StatusCode,
    pub headers: ::reqwest::header::HeaderMap,
    pub body: ::bytes::Bytes,
    request_id_headers: &'static [&'static str],
    errors: ::std::marker::PhantomData<fn() -> E>,
}

impl<E> ::std::fmt::Debug for RawResponse<E> {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.debug_struct("RawResponse")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl<E> RawResponse<E> {
    /// The status code as a number, for matching against the documented statuses.
    pub fn status_code(&self) -> u16 {
        self.status.as_u16()
    }

    /// Decodes the body as JSON into `T`; a mismatch names the JSON path.
    pub fn json<T: ::serde::de::DeserializeOwned>(&self) -> Result<T, Error<E>> {
        decode_json(self.operation, &self.body)
    }

    /// The documented error whose JSON body `wrap` takes (an error enum's variant), or the
    /// decoding error.
    pub fn api<T: ::serde::de::DeserializeOwned>(self, wrap: fn(T) -> E) -> Error<E> {
        match self.json() {
            Ok(body) => self.documented(wrap(body)),
            Err(error) => error,
        }
    }

    /// The documented error `error`, with this response's status and headers.
    pub fn documented(self, error: E) -> Error<E> {
        Error::Api(Box::new(self.respond(error)))
    }

    /// The decoded `body` with this response's status and headers.
    pub fn respond<T>(self, body: T) -> Response<T> {
        Response { status: self.status, headers: self.headers, body, request_id_headers: self.request_id_headers }
    }

    /// The body as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The error for a status the operation does not document.
    pub fn unexpected(self) -> Error<E> {
        Error::UnexpectedStatus {
            operation: self.operation,
            status: self.status,
            headers: Box::new(self.headers),
            body: self.body,
            request_id_headers: self.request_id_headers,
        }
    }
}

impl RuntimeClient {
    /// Builds a client on a fresh `reqwest::Client` (rustls).
    pub fn new(config: ClientConfig, schemes: &'static [SecurityScheme]) -> Result<Self, ::reqwest::Error> {
        let mut builder = ::reqwest::Client::builder();
        if let Some(user_agent) = &config.user_agent {
            builder = builder.user_agent(user_agent.clone());
        }
        let http = builder.build()?;
        Ok(RuntimeClient { http, config, schemes })
    }

    /// Uses a caller-provided `reqwest::Client`; the user agent then comes from that client
    /// unless `config.user_agent` is set.
    pub fn with_http_client(http: ::reqwest::Client, config: ClientConfig, schemes: &'static [SecurityScheme]) -> Self {
        RuntimeClient { http, config, schemes }
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    pub fn config_mut(&mut self) -> &mut ClientConfig {
        &mut self.config
    }

    pub fn http_client(&self) -> &::reqwest::Client {
        &self.http
    }

    /// Starts a request for `operation`.
    pub fn call<E: 'static>(&self, operation: &'static OperationMeta<E>) -> Call<'_, E> {
        Call {
            client: self,
            operation,
            path_segments: Vec::new(),
            query: String::new(),
            headers: Vec::new(),
            cookies: Vec::new(),
            options: CallOptions::default(),
            body: Body::Empty,
            problem: None,
        }
    }

    /// The base URL for an operation: its own server (or the override for it), else the
    /// client's base URL.
    pub fn base_url_for<E>(&self, operation: &OperationMeta<E>) -> Result<::reqwest::Url, String> {
        match operation.server {
            None => Ok(self.config.base_url.clone()),
            Some(server) => match self.config.server_overrides.get(server) {
                Some(url) => Ok(url.clone()),
                None => ::reqwest::Url::parse(server).map_err(|error| format!("server URL `{server}` is invalid: {error}")),
            },
        }
    }

    /// Sends a prepared request, retrying as the policy allows, and returns the final
    /// response whatever its status.
    pub async fn execute<E>(
        &self,
        operation: &OperationMeta<E>,
        prepared: Prepared,
        options: &CallOptions,
    ) -> Result<RawResponse<E>, Error<E>> {
        match self.execute_received(operation, prepared, options, false).await? {
            Received::Buffered(raw) => Ok(raw),
            // Not asked for: a success is read like any other answer.
            Received::Streaming(_) => unreachable!("streaming was not asked for"),
        }
    }

    /// [`execute`](Self::execute), but a success answer's body is left unread, as a stream of
    /// chunks with no size limit; other answers are read (bounded) for the error mapping.
    pub async fn execute_streaming<E>(
        &self,
        operation: &OperationMeta<E>,
        prepared: Prepared,
        options: &CallOptions,
    ) -> Result<Received<E>, Error<E>> {
        self.execute_received(operation, prepared, options, true).await
    }

    async fn execute_received<E>(
        &self,
        operation: &OperationMeta<E>,
        prepared: Prepared,
        options: &CallOptions,
        stream_success: bool,
    ) -> Result<Received<E>, Error<E>> {
        use ::tracing::Instrument as _;
        let op = operation.id;
        let policy = options.retry.as_ref().unwrap_or(&self.config.retry);
        let limit = self.config.max_response_bytes;
        let may_retry = policy.allows_method(&operation.method) && !prepared.body.is_stream();
        let started = Instant::now();
        let mut rng = ::fastrand::Rng::new();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let span = ::tracing::info_span!(
                "http.request",
                operation = op,
                method = %operation.method,
                path = operation.path,
                attempt,
                status = ::tracing::field::Empty,
            );
            let request =
                self.build_request(operation, &prepared, options).map_err(|message| Error::invalid_request(op, message))?;
            let attempt_span = span.clone();
            let outcome = async {
                let mut response = self.http.execute(request).await.map_err(Read::Transport)?;
                let status = response.status();
                attempt_span.record("status", status.as_u16());
                let headers = ::std::mem::take(response.headers_mut());
                if stream_success && status.is_success() {
                    return Ok::<_, Read>((status, headers, Unread::Stream(response)));
                }
                let body = read_bounded(&mut response, limit).await.map_err(|read| match read {
                    Read::TooLarge(_) => Read::TooLarge(status),
                    other => other,
                })?;
                Ok::<_, Read>((status, headers, Unread::Read(body)))
            }
            .instrument(span)
            .await;
            let outcome = match outcome {
                Ok(received) => Ok(received),
                Err(Read::Transport(error)) => Err(error),
                Err(Read::TooLarge(status)) => return Err(Error::ResponseTooLarge { operation: op, status, limit }),
            };
            match outcome {
                Ok((status, headers, Unread::Stream(response))) => {
                    let request_id_headers = self.config.request_id_headers;
                    let body = ByteStream::of(op, response);
                    return Ok(Received::Streaming(Response { status, headers, body, request_id_headers }));
                }
                Ok((status, headers, Unread::Read(body))) => {
                    if may_retry && policy.retries_status(status) {
                        let hint = parse_retry_after(&headers, SystemTime::now());
                        if let Some(delay) = policy.next_delay(attempt, started.elapsed(), hint, &mut rng) {
                            ::tracing::debug!(operation = op, %status, attempt, delay_ms = delay.as_millis() as u64, "retrying");
                            ::tokio::time::sleep(delay).await;
                            continue;
                        }
                    }
                    let request_id_headers = self.config.request_id_headers;
                    let raw = RawResponse { operation: op, status, headers, body, request_id_headers, errors: ::std::marker::PhantomData };
                    return Ok(Received::Buffered(raw));
                }
                Err(error) => {
                    if may_retry && policy.retry_connect_errors && error.is_connect() {
                        if let Some(delay) = policy.next_delay(attempt, started.elapsed(), None, &mut rng) {
                            ::tracing::debug!(operation = op, attempt, delay_ms = delay.as_millis() as u64, "retrying after connect error");
                            ::tokio::time::sleep(delay).await;
                            continue;
                        }
                    }
                    return Err(Error::from_reqwest(op, error));
                }
            }
        }
    }

    fn build_request<E>(
        &self,
        operation: &OperationMeta<E>,
        prepared: &Prepared,
        options: &CallOptions,
    ) -> Result<::reqwest::Request, String> {
        let selection = self.config.credentials.select(operation.security, self.schemes)?;
        let placement = Placement::from_selection(&selection)?;
        let mut query = prepared.query.clone();
        // A parameter the operation declares at a credential's place was given by the caller
        // for this call, so it wins over the configured credential (sending both would repeat it).
        for (name, value) in placement.query.iter().filter(|(name, _)| !params::query_has(&prepared.query, name)) {
            params::append_query(&mut query, name, &::serde_json::Value::String(value.clone()), QueryStyle::DEFAULT)?;
        }
        let base = self.base_url_for(operation)?;
        let url = params::join_url(&base, &prepared.path, &query)?;
        let mut request = ::reqwest::Request::new(operation.method.clone(), url);
        *request.timeout_mut() = options.timeout.unwrap_or(self.config.timeout);
        let headers = request.headers_mut();
        if let Some(user_agent) = &self.config.user_agent {
            if let Ok(value) = ::reqwest::header::HeaderValue::from_str(user_agent) {
                headers.insert(::reqwest::header::USER_AGENT, value);
            }
        }
        let placed = placement.headers.iter().filter(|(name, _)| !prepared.headers.iter().any(|(given, _)| given == name));
        for (name, value) in prepared.headers.iter().chain(placed) {
            headers.append(name.clone(), value.clone());
        }
        for (name, value) in &options.headers {
            headers.append(name.clone(), value.clone());
        }
        let given_cookies = headers.get(::reqwest::header::COOKIE).and_then(|value| value.to_str().ok());
        if let Some(cookie) = placement.cookie_header(given_cookies)? {
            headers.insert(::reqwest::header::COOKIE, cookie);
        }
        if let Some((content_type, body)) = prepared.body.take()? {
            let content_type = ::reqwest::header::HeaderValue::from_str(content_type)
                .map_err(|_| format!("content type `{content_type}` is not a valid header value"))?;
            headers.insert(::reqwest::header::CONTENT_TYPE, content_type);
            *request.body_mut() = Some(body);
        }
        Ok(request)
    }
}

/// What [`RuntimeClient::execute_streaming`] received: a success with its body unread, or
/// any other answer, read.
pub enum Received<E> {
    Streaming(Response<ByteStream>),
    Buffered(RawResponse<E>),
}

/// A body as it was received: read, or left to stream.
enum Unread {
    Read(::bytes::Bytes),
    Stream(::reqwest::Response),
}

/// A response body as a stream of chunks, read as the caller polls it: nothing is buffered
/// and no size limit applies. Errors name the operation and never the URL.
pub struct ByteStream {
    inner: ::std::pin::Pin<Box<dyn ::futures::Stream<Item = Result<::bytes::Bytes, Error<::std::convert::Infallible>>> + Send>>,
}

impl ByteStream {
    fn of(operation: &'static str, response: ::reqwest::Response) -> Self {
        let chunks = ::futures::stream::unfold(Some(response), move |state| async move {
            let mut response = state?;
            match response.chunk().await {
                Ok(Some(chunk)) => Some((Ok(chunk), Some(response))),
                Ok(None) => None,
                Err(error) => Some((Err(Error::from_reqwest(operation, error)), None)),
            }
        });
        ByteStream { inner: Box::pin(chunks) }
    }
}

impl ::futures::Stream for ByteStream {
    type Item = Result<::bytes::Bytes, Error<::std::convert::Infallible>>;

    fn poll_next(
        mut self: ::std::pin::Pin<&mut Self>,
        cx: &mut ::std::task::Context<'_>,
    ) -> ::std::task::Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl ::std::fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str("ByteStream")
    }
}

/// Why a response body was not read.
pub(super) enum Read {
    /// Over the limit, at this status.
    TooLarge(::reqwest::StatusCode),
    Transport(::reqwest::Error),
}

/// Reads a body chunk by chunk, stopping as soon as it passes `limit` bytes (a
/// `Content-Length` over the limit stops it before the first chunk).
pub(super) async fn read_bounded(response: &mut ::reqwest::Response, limit: u64) -> Result<::bytes::Bytes, Read> {
    let too_large = || Read::TooLarge(::reqwest::StatusCode::OK);
    if response.content_length().is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    // Most bodies arrive as one chunk: kept as it is, copied only when a second one comes.
    let Some(first) = response.chunk().await.map_err(Read::Transport)? else { return Ok(::bytes::Bytes::new()) };
    if first.len() as u64 > limit {
        return Err(too_large());
    }
    let Some(second) = response.chunk().await.map_err(Read::Transport)? else { return Ok(first) };
    let mut body = ::bytes::BytesMut::with_capacity(first.len() + second.len());
    let mut next = Some(second);
    body.extend_from_slice(&first);
    while let Some(chunk) = next {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
        next = response.chunk().await.map_err(Read::Transport)?;
    }
    Ok(body.freeze())
}

/// A request body, held as bytes so that a retry can send it again.
#[derive(Debug, Clone)]
pub enum Body {
    Empty,
    Json(::bytes::Bytes),
    Form(::bytes::Bytes),
    /// Any other media type; `content_type` is the full header value (multipart bodies
    /// carry their boundary in it).
    Raw { content_type: ::std::borrow::Cow<'static, str>, bytes: ::bytes::Bytes },
    /// A body sent from a stream as it yields: it can be sent once, so the call is not retried.
    Stream { content_type: ::std::borrow::Cow<'static, str>, body: BinaryBody },
}

impl Body {
    /// The content type and the body for one attempt; `Err` when a stream was already sent.
    fn take(&self) -> Result<Option<(&str, ::reqwest::Body)>, String> {
        Ok(match self {
            Body::Empty => None,
            Body::Json(bytes) => Some(("application/json", bytes.clone().into())),
            Body::Form(bytes) => Some(("application/x-www-form-urlencoded", bytes.clone().into())),
            Body::Raw { content_type, bytes } => Some((content_type, bytes.clone().into())),
            Body::Stream { content_type, body } => match body.take() {
                Some(body) => Some((content_type, body)),
                None => return Err("the streamed request body was already sent; a stream is sent once".to_owned()),
            },
        })
    }

    fn is_stream(&self) -> bool {
        matches!(self, Body::Stream { body: BinaryBody::Stream(_), .. })
    }
}

/// A binary request body: bytes (sent again on a retry) or a stream (sent once as it yields,
/// never retried).
#[derive(Debug, Clone)]
pub enum BinaryBody {
    Bytes(::bytes::Bytes),
    Stream(::std::sync::Arc<::std::sync::Mutex<Option<::reqwest::Body>>>),
}

impl BinaryBody {
    /// A body read from `stream` while it is sent.
    pub fn stream<S, B, E>(stream: S) -> Self
    where
        S: ::futures::Stream<Item = Result<B, E>> + Send + 'static,
        ::bytes::Bytes: From<B>,
        B: 'static,
        E: Into<Box<dyn ::std::error::Error + Send + Sync>> + 'static,
    {
        let body = ::reqwest::Body::wrap_stream(stream);
        BinaryBody::Stream(::std::sync::Arc::new(::std::sync::Mutex::new(Some(body))))
    }

    fn take(&self) -> Option<::reqwest::Body> {
        match self {
            BinaryBody::Bytes(bytes) => Some(bytes.clone().into()),
            BinaryBody::Stream(slot) => slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take(),
        }
    }
}

impl From<::bytes::Bytes> for BinaryBody {
    fn from(bytes: ::bytes::Bytes) -> Self {
        BinaryBody::Bytes(bytes)
    }
}

impl From<Vec<u8>> for BinaryBody {
    fn from(bytes: Vec<u8>) -> Self {
        BinaryBody::Bytes(bytes.into())
    }
}

impl From<&'static [u8]> for BinaryBody {
    fn from(bytes: &'static [u8]) -> Self {
        BinaryBody::Bytes(::bytes::Bytes::from_static(bytes))
    }
}

impl From<String> for BinaryBody {
    fn from(text: String) -> Self {
        BinaryBody::Bytes(text.into())
    }
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: ::bytes::Bytes,
}

impl Part {
    /// A text field.
    pub fn text(name: impl Into<String>, value: impl Into<String>) -> Self {
        Part { name: name.into(), file_name: None, content_type: None, bytes: value.into().into_bytes().into() }
    }

    /// A file field.
    pub fn file(
        name: impl Into<String>,
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        bytes: impl Into<::bytes::Bytes>,
    ) -> Self {
        Part {
            name: name.into(),
            file_name: Some(file_name.into()),
            content_type: Some(content_type.into()),
            bytes: bytes.into(),
        }
    }
}

/// Whether a media type is JSON (`application/json`, `+json`).
fn is_json_media(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// The parts of a typed multipart body's field that is not a file, as OpenAPI's default
/// encodings say: nothing for null (an absent optional), a text part for a scalar (written
/// bare, as in a form), one text part per item for a list of scalars, and one
/// `application/json` part for an object or a list holding lists or objects. `encoding` is
/// the field's `encoding.contentType`: a JSON type sends even scalars as JSON, another type
/// is the text parts' `Content-Type`.
pub fn value_parts<T: ::serde::Serialize + ?Sized>(name: &str, value: &T, encoding: Option<&str>) -> Result<Vec<Part>, String> {
    let value = params::to_value(name, value)?;
    let json = encoding.is_some_and(is_json_media)
        || value.is_object()
        || value.as_array().is_some_and(|items| items.iter().any(|item| item.is_object() || item.is_array()));
    let part = |text: String, content_type: Option<&str>| Part {
        name: name.to_owned(),
        file_name: None,
        content_type: content_type.map(str::to_owned),
        bytes: text.into_bytes().into(),
    };
    Ok(match value {
        ::serde_json::Value::Null => Vec::new(),
        value if json => vec![part(value.to_string(), Some(encoding.filter(|media| is_json_media(media)).unwrap_or("application/json")))],
        ::serde_json::Value::Array(items) => items
            .iter()
            .filter(|item| !item.is_null())
            .map(|item| params::scalar_text(name, item).map(|text| part(text, encoding)))
            .collect::<Result<_, _>>()?,
        scalar => vec![part(params::scalar_text(name, &scalar)?, encoding)],
    })
}

/// A file field's part. Its media type is the file's own, else the field's
/// `encoding.contentType` (the first listed, unless it is a wildcard), else
/// `application/octet-stream`; its file name is the file's own, else the field name.
pub fn file_part(name: &str, bytes: &[u8], file_name: Option<&str>, content_type: Option<&str>, encoding: Option<&str>) -> Part {
    let declared = encoding.and_then(|listed| listed.split(',').map(str::trim).find(|media| !media.is_empty())).filter(|media| !media.contains('*'));
    Part {
        name: name.to_owned(),
        file_name: Some(file_name.unwrap_or(name).to_owned()),
        content_type: Some(content_type.or(declared).unwrap_or("application/octet-stream").to_owned()),
        bytes: ::bytes::Bytes::copy_from_slice(bytes),
    }
}

/// Escapes a multipart header parameter the way browsers do (HTML form submission; RFC
/// 7578, section 4.2): `"`, CR and LF percent-encoded.
fn quoted(value: &str) -> String {
    value.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
}

/// Encodes `parts` as `multipart/form-data` with a random boundary; held as bytes so a
/// retry can send the same body again. Returns the content type (with boundary) and body.
pub fn encode_multipart(parts: &[Part]) -> (String, ::bytes::Bytes) {
    let boundary = format!("----runtime-boundary-{:016x}{:016x}", ::fastrand::u64(..), ::fastrand::u64(..));
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", quoted(&part.name));
        if let Some(file_name) = &part.file_name {
            disposition.push_str(&format!("; filename=\"{}\"", quoted(file_name)));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(content_type) = &part.content_type {
            body.extend_from_slice(format!("Content-Type: {}\r\n", content_type.replace(['\r', '\n'], "")).as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&part.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body.into())
}

/// Everything of a request except credentials and base URL, ready to be sent (again).
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Filled and percent-encoded path: `/notes/12`.
    pub path: String,
    /// Encoded query without `?`.
    pub query: String,
    pub headers: Vec<(::reqwest::header::HeaderName, ::reqwest::header::HeaderValue)>,
    pub body: Body,
}

/// Builder for one request; encoding problems are kept and reported by [`Call::send`], so
/// generated code chains calls without `?` after each.
#[must_use = "a Call does nothing until `send` is awaited"]
pub struct Call<'a, E: 'static = ::std::convert::Infallible> {
    client: &'a RuntimeClient,
    operation: &'static OperationMeta<E>,
    path_segments: Vec<(&'static str, String)>,
    query: String,
    headers: Vec<(::reqwest::header::HeaderName, ::reqwest::header::HeaderValue)>,
    /// `name=value` pairs of cookie parameters, joined with `; ` into one `Cookie` header.
    cookies: Vec<String>,
    options: CallOptions,
    body: Body,
    problem: Option<String>,
}

impl<E: 'static> Call<'_, E> {
    fn record(&mut self, result: Result<(), String>) {
        if let (Err(message), None) = (result, &self.problem) {
            self.problem = Some(message);
        }
    }

    /// Sets path parameter `name` (for `{name}` in the template), rendered in `style` and
    /// percent-encoded.
    pub fn path<T: ::serde::Serialize + ?Sized>(mut self, name: &'static str, value: &T, style: PathStyle) -> Self {
        let result = params::to_value(name, value)
            .and_then(|value| params::path_segment(name, &value, style))
            .map(|segment| self.path_segments.push((name, segment)));
        self.record(result);
        self
    }

    /// Adds query parameter `name` in `style`; `None` adds nothing.
    pub fn query<T: ::serde::Serialize + ?Sized>(mut self, name: &str, value: &T, style: QueryStyle) -> Self {
        let result = params::to_value(name, value)
            .and_then(|value| params::append_query(&mut self.query, name, &value, style));
        self.record(result);
        self
    }

    /// Adds header parameter `name` (`style: simple`, objects as `k=v,...` when `explode`);
    /// `None` adds nothing.
    pub fn header<T: ::serde::Serialize + ?Sized>(mut self, name: &'static str, value: &T, explode: bool) -> Self {
        let result = params::to_value(name, value).and_then(|value| params::header_text(name, &value, explode)).and_then(|text| {
            let Some(text) = text else { return Ok(()) };
            let header_name = ::reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("`{name}` is not a valid header name"))?;
            let header_value = ::reqwest::header::HeaderValue::from_str(&text)
                .map_err(|_| format!("header parameter `{name}` contains characters not allowed in a header"))?;
            self.headers.push((header_name, header_value));
            Ok(())
        });
        self.record(result);
        self
    }

    /// Adds query parameter `name` whose value is sent as JSON text (`content:
    /// application/json` instead of a `schema`); `None` adds nothing.
    pub fn query_json<T: ::serde::Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        let result = params::to_value(name, value).and_then(|value| match value {
            ::serde_json::Value::Null => Ok(()),
            value => params::append_query(&mut self.query, name, &::serde_json::Value::String(value.to_string()), QueryStyle::DEFAULT),
        });
        self.record(result);
        self
    }

    /// Adds cookie parameter `name` (arrays and objects comma-separated, as `style: form`
    /// without explode, whatever `explode` says); `None` adds nothing. Values are sent as they
    /// are, so one holding a character a cookie cannot carry (space, `"`, `;`, `\\`,
    /// controls) is refused; commas are allowed, as the delimiter OpenAPI gives lists.
    pub fn cookie<T: ::serde::Serialize + ?Sized>(mut self, name: &'static str, value: &T) -> Self {
        let result = params::to_value(name, value).and_then(|value| params::header_text(name, &value, false)).and_then(|text| {
            let Some(text) = text else { return Ok(()) };
            let octet = |c: char| c.is_ascii_graphic() && !matches!(c, '"' | ';' | '\\');
            if !text.chars().all(octet) || !name.chars().all(|c| octet(c) && !matches!(c, '=' | ',')) {
                return Err(format!("cookie parameter `{name}` holds characters a cookie cannot carry"));
            }
            self.cookies.push(format!("{name}={text}"));
            Ok(())
        });
        self.record(result);
        self
    }

    /// Sets a JSON body sent as `content_type`, a JSON media type other than
    /// `application/json` (`application/vnd.api+json`, ...).
    pub fn json_as<T: ::serde::Serialize + ?Sized>(mut self, content_type: &'static str, body: &T) -> Self {
        match ::serde_json::to_vec(body) {
            Ok(bytes) => self.body = Body::Raw { content_type: content_type.into(), bytes: bytes.into() },
            Err(error) => self.record(Err(format!("the request body cannot be encoded as JSON: {error}"))),
        }
        self
    }

    /// Sets a JSON body.
    pub fn json<T: ::serde::Serialize + ?Sized>(mut self, body: &T) -> Self {
        match ::serde_json::to_vec(body) {
            Ok(bytes) => self.body = Body::Json(bytes.into()),
            Err(error) => self.record(Err(format!("the request body cannot be encoded as JSON: {error}"))),
        }
        self
    }

    /// Sets an `application/x-www-form-urlencoded` body, each field in the style its
    /// `encoding` gives (`styles`, by field name; see [`params::form_text`]).
    pub fn form<T: ::serde::Serialize + ?Sized>(mut self, body: &T, styles: &[(&str, QueryStyle)]) -> Self {
        match params::form_text(body, styles) {
            Ok(text) => self.body = Body::Form(text.into_bytes().into()),
            Err(error) => self.record(Err(format!("the request body cannot be form-encoded: {error}"))),
        }
        self
    }

    /// Sets a body of any other media type (`application/octet-stream`, `text/plain`, ...).
    pub fn bytes(mut self, content_type: &'static str, bytes: impl Into<::bytes::Bytes>) -> Self {
        self.body = Body::Raw { content_type: content_type.into(), bytes: bytes.into() };
        self
    }

    /// Overrides the client's settings for this call.
    pub fn options(mut self, options: CallOptions) -> Self {
        self.options = options;
        self
    }

    /// Sets a binary body of `content_type`: bytes, or a stream (then the call is not retried).
    pub fn binary(mut self, content_type: &'static str, body: impl Into<BinaryBody>) -> Self {
        self.body = match body.into() {
            BinaryBody::Bytes(bytes) => Body::Raw { content_type: content_type.into(), bytes },
            stream => Body::Stream { content_type: content_type.into(), body: stream },
        };
        self
    }

    /// Sets a `multipart/form-data` body.
    pub fn multipart(mut self, parts: &[Part]) -> Self {
        let (content_type, bytes) = encode_multipart(parts);
        self.body = Body::Raw { content_type: content_type.into(), bytes };
        self
    }

    /// Sets a `multipart/form-data` body from a typed body's parts (see [`value_parts`] and
    /// [`file_part`]), or records why they could not be made.
    pub fn multipart_parts(mut self, parts: Result<Vec<Part>, String>) -> Self {
        match parts {
            Ok(parts) => return self.multipart(&parts),
            Err(error) => self.record(Err(format!("the request body cannot be encoded as multipart: {error}"))),
        }
        self
    }

    /// Finishes the request description without sending it.
    pub fn prepare(self) -> Result<Prepared, String> {
        if let Some(problem) = self.problem {
            return Err(problem);
        }
        let path = params::fill_path(self.operation.path, &self.path_segments)?;
        let mut headers = self.headers;
        if !self.cookies.is_empty() {
            let line = ::reqwest::header::HeaderValue::from_str(&self.cookies.join("; "))
                .map_err(|_| "the cookie parameters do not make a valid header".to_owned())?;
            headers.push((::reqwest::header::COOKIE, line));
        }
        Ok(Prepared { path, query: self.query, headers, body: self.body })
    }

    /// Sends the request (with retries) and returns the response whatever its status.
    /// Sends the request; a success answer's body streams (see [`RuntimeClient::execute_streaming`]).
    pub async fn send_streaming(mut self) -> Result<Received<E>, Error<E>> {
        let client = self.client;
        let operation = self.operation;
        let options = ::std::mem::take(&mut self.options);
        let prepared = self.prepare().map_err(|message| Error::invalid_request(operation.id, message))?;
        client.execute_streaming(operation, prepared, &options).await
    }

    pub async fn send(mut self) -> Result<RawResponse<E>, Error<E>> {
        let client = self.client;
        let operation = self.operation;
        let options = ::std::mem::take(&mut self.options);
        let prepared = self.prepare().map_err(|message| Error::invalid_request(operation.id, message))?;
        client.execute(operation, prepared, &options).await
    }
}
