//! What a request holds, as handlers read it: the decoded query, path parameters (with the
//! segments that hold several), headers, cookies and media types, gathered by one
//! extractor ([`RequestInput`]). Values are checked and decoded by `schema.rs`.

use ::std::fmt;

use ::axum::http::{header, HeaderMap, StatusCode};

use super::envelope::ApiError;

/// Where a parameter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Path,
    Query,
    Header,
    Cookie,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Location::Path => "path parameter",
            Location::Query => "query parameter",
            Location::Header => "header",
            Location::Cookie => "cookie",
        })
    }
}

/// A parameter that is missing or does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    pub location: Location,
    pub name: String,
    /// Completes "`{location} {name} ...`": "is required", "must be an integer, got `x`".
    pub problem: String,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}` {}", self.location, self.name, self.problem)
    }
}

impl From<ParamError> for ApiError {
    fn from(error: ParamError) -> Self {
        ApiError::bad_request(error.to_string())
    }
}

/// Shows at most this many characters of a rejected value, so an error stays one line.
const MAX_SHOWN_VALUE: usize = 64;

pub fn shown(raw: &str) -> String {
    let mut text: String = raw.chars().take(MAX_SHOWN_VALUE).collect();
    if raw.chars().count() > MAX_SHOWN_VALUE {
        text.push_str("...");
    }
    text
}

/// The decoded query string, in order: every key and value decoded into one buffer (two
/// allocations per request, however many parameters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryParams {
    text: String,
    pairs: Vec<(::std::ops::Range<usize>, ::std::ops::Range<usize>)>,
}

impl QueryParams {
    /// Decodes a raw query (`a=1&b=x%20y`); invalid UTF-8 becomes U+FFFD.
    pub fn parse(raw: Option<&str>) -> Self {
        let Some(raw) = raw.filter(|raw| !raw.is_empty()) else { return QueryParams::default() };
        let mut text = String::with_capacity(raw.len());
        let mut pairs = Vec::new();
        for (key, value) in ::form_urlencoded::parse(raw.as_bytes()) {
            let key_start = text.len();
            text.push_str(&key);
            let value_start = text.len();
            text.push_str(&value);
            pairs.push((key_start..value_start, value_start..text.len()));
        }
        QueryParams { text, pairs }
    }

    fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.pairs.iter().map(|(key, value)| (&self.text[key.clone()], &self.text[value.clone()]))
    }

    /// All values of `name`, in order.
    pub fn all<'a, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.iter().filter(move |(key, _)| *key == name).map(|(_, value)| value)
    }

    /// All values of `name`, collected.
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.all(name).collect()
    }

    /// The value of a scalar parameter; Err when it is given more than once.
    pub fn single(&self, name: &str) -> Result<Option<&str>, ParamError> {
        let mut values = self.all(name);
        let first = values.next();
        if values.next().is_some() {
            return Err(ParamError {
                location: Location::Query,
                name: name.to_owned(),
                problem: "must be given at most once".to_owned(),
            });
        }
        Ok(first)
    }

    /// Every decoded pair, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.iter()
    }

    /// The raw value of a single query parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.all(name).next()
    }
}

/// Percent-decoded path parameters, from axum's `RawPathParams`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathParams {
    pairs: Vec<(String, String)>,
}

impl PathParams {
    pub fn from_raw(raw: &::axum::extract::RawPathParams) -> Self {
        PathParams { pairs: raw.iter().map(|(key, value)| (key.to_owned(), value.to_owned())).collect() }
    }

    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        PathParams { pairs: pairs.into_iter().collect() }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// Sets a parameter (replacing one of the same name).
    pub fn insert(&mut self, name: &str, value: String) {
        self.pairs.retain(|(key, _)| key != name);
        self.pairs.push((name.to_owned(), value));
    }
}

/// The values a literal route gives the parameters of an operation mounted there for a
/// method the literal route lacks (`PUT /_inference/{task_type}/_all` taken by `PUT
/// /_inference/{task_type}/{inference_id}`, `inference_id` being `_all`): (route key,
/// value) pairs, set as a request extension by the router.
#[derive(Debug, Clone, Copy)]
pub struct LiteralSegments(pub &'static [(&'static str, &'static str)]);

/// The request's path parameters: those the router matched, and those its literal segments
/// stand in for (see [`LiteralSegments`]).
fn path_params(raw: Option<&::axum::extract::RawPathParams>, extensions: &::axum::http::Extensions) -> PathParams {
    let mut path = raw.map(PathParams::from_raw).unwrap_or_default();
    for (key, value) in extensions.get::<LiteralSegments>().map_or(&[][..], |literals| literals.0) {
        path.insert(key, (*value).to_owned());
    }
    path
}

/// A value a request carries that tells one of several operations on one route and method
/// apart: a header or query parameter with one allowed value (`X-Amz-Target:
/// Budgets.CreateBudget`, `?Action=CreateBackup`), or that is merely given (`?acl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fixed {
    pub location: Location,
    pub name: &'static str,
    /// `None`: any value.
    pub value: Option<&'static str>,
}

impl Fixed {
    fn holds(&self, headers: &HeaderMap, query: &QueryParams) -> bool {
        let fits = |value: &str| self.value.is_none_or(|fixed| fixed == value);
        match self.location {
            Location::Header => headers.get_all(self.name).iter().filter_map(|value| value.to_str().ok()).any(|value| fits(value.trim())),
            Location::Query => query.all(self.name).any(fits),
            Location::Path | Location::Cookie => false,
        }
    }
}

/// How one operation of a shared route is called by [`dispatch`].
pub type Dispatched<S> =
    fn(::axum::extract::Request, S) -> ::std::pin::Pin<Box<dyn ::std::future::Future<Output = ::axum::response::Response> + Send>>;

/// One operation of a shared route, with the fixed values that select it.
pub struct DispatchArm<S> {
    pub fixed: &'static [Fixed],
    pub call: Dispatched<S>,
}

/// Hands the request to the first arm whose fixed values it carries, else to `fallback`
/// (the route's operation without any), else answers 400 naming what would select one.
pub async fn dispatch<S>(
    request: ::axum::extract::Request,
    state: S,
    arms: &[DispatchArm<S>],
    fallback: Option<Dispatched<S>>,
) -> ::axum::response::Response {
    use ::axum::response::IntoResponse as _;
    let query = QueryParams::parse(request.uri().query());
    let chosen = arms.iter().find(|arm| arm.fixed.iter().all(|fixed| fixed.holds(request.headers(), &query)));
    match chosen.map(|arm| arm.call).or(fallback) {
        Some(call) => call(request, state).await,
        None => no_operation_selected(arms).into_response(),
    }
}

/// The 400 of [`dispatch`]: each parameter that tells the operations apart, with the values
/// that would select one (`header `X-Amz-Target` must be `A.Create` or `A.Delete``).
fn no_operation_selected<S>(arms: &[DispatchArm<S>]) -> ApiError {
    let mut wanted: Vec<(Location, &str, Vec<String>)> = Vec::new();
    for fixed in arms.iter().flat_map(|arm| arm.fixed) {
        let shown = fixed.value.map_or_else(|| "given".to_owned(), |value| format!("`{value}`"));
        match wanted.iter_mut().find(|(location, name, _)| *location == fixed.location && *name == fixed.name) {
            Some((_, _, values)) if !values.contains(&shown) => values.push(shown),
            Some(_) => {}
            None => wanted.push((fixed.location, fixed.name, vec![shown])),
        }
    }
    let parts: Vec<String> = wanted.iter().map(|(location, name, values)| format!("{location} `{name}` must be {}", values.join(" or "))).collect();
    ApiError::bad_request(format!("no operation of this route takes the request: {}", parts.join(", or ")))
}

/// Splits a path segment that holds parameters beside literal text (`{name}.{ext}` matched
/// against `report.csv`) into those parameters. The router captured the whole segment as
/// `key`; when the literal text does not match, no parameter is set (so a required one is
/// reported missing). Each parameter takes the shortest text that lets the rest match.
pub fn split_segment(path: &mut PathParams, key: &str, template: &str) {
    let Some(actual) = path.get(key).map(str::to_owned) else { return };
    let mut parts: Vec<(bool, &str)> = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|offset| open + offset) else { break };
        if open > 0 {
            parts.push((false, &rest[..open]));
        }
        parts.push((true, &rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push((false, rest));
    }
    let mut found = Vec::new();
    if match_parts(&parts, &actual, &mut found) {
        for (name, value) in found {
            path.insert(name, value);
        }
    }
}

fn match_parts<'t>(parts: &[(bool, &'t str)], text: &str, found: &mut Vec<(&'t str, String)>) -> bool {
    let Some(((is_param, part), rest)) = parts.split_first() else { return text.is_empty() };
    if !is_param {
        return text.strip_prefix(part).is_some_and(|remaining| match_parts(rest, remaining, found));
    }
    if rest.is_empty() {
        found.push((part, text.to_owned()));
        return !text.is_empty();
    }
    for (index, _) in text.char_indices().skip(1) {
        let mark = found.len();
        found.push((part, text[..index].to_owned()));
        if match_parts(rest, &text[index..], found) {
            return true;
        }
        found.truncate(mark);
    }
    false
}

/// The value of header `name`; Err when it is not visible ASCII.
pub fn header_value<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ParamError> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => value.to_str().map(Some).map_err(|_| ParamError {
            location: Location::Header,
            name: name.to_owned(),
            problem: "must be visible ASCII text".to_owned(),
        }),
    }
}

/// The value of cookie `name` from the `Cookie` headers.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The essence of the request's `Content-Type`, lower case (`application/json`; empty when
/// there is none).
pub fn media_essence(headers: &HeaderMap) -> String {
    let given = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or("");
    essence_of(given)
}

/// The essence of a media type, lower case (`multipart/form-data; boundary=x` →
/// `multipart/form-data`).
pub fn essence_of(media_type: &str) -> String {
    media_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// Whether a declared media type (`application/json`, `image/*`, `*/*`) accepts the essence
/// given; `application/json` also accepts any `+json` type.
pub fn media_accepts(declared: &str, essence: &str) -> bool {
    declared.eq_ignore_ascii_case(essence)
        || declared == "*/*"
        || (declared == "application/json" && essence.ends_with("+json"))
        || declared.strip_suffix("/*").is_some_and(|kind| essence.split('/').next() == Some(kind))
}

/// Whether the request carries a body: any bytes, or none with a `Content-Type` saying what
/// they are (an empty file is a body; a request without one has neither).
pub fn body_sent(input: &RequestInput) -> bool {
    !input.body.is_empty() || input.headers.contains_key(header::CONTENT_TYPE)
}

/// Answers 415 unless the request's `Content-Type` is accepted by one of `accepted` (see
/// [`media_accepts`]; parameters such as `charset` ignored).
pub fn require_content_type(headers: &HeaderMap, accepted: &[&str]) -> Result<(), ApiError> {
    let essence = media_essence(headers);
    if accepted.iter().any(|candidate| media_accepts(candidate, &essence)) {
        return Ok(());
    }
    let given = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or("");
    let shown_given = if given.is_empty() { "none".to_owned() } else { format!("`{}`", shown(given)) };
    Err(ApiError::unsupported_media_type(format!(
        "the request body must be sent as {}; the Content-Type given was {shown_given}",
        accepted.join(" or ")
    )))
}

/// The largest request body the server accepts, in bytes: a request extension set by the
/// standard layers (`app::finish`, `app::with_body_limit`), read by [`RequestInput`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimit(pub usize);

/// The 413 of a request whose declared `Content-Length` exceeds its [`BodyLimit`]: refused
/// before a byte of it is read, whether the operation reads a body or not.
fn declared_too_large(parts: &::axum::http::request::Parts) -> Result<(), ApiError> {
    let Some(BodyLimit(limit)) = parts.extensions.get::<BodyLimit>().copied() else { return Ok(()) };
    let declared = parts.headers.get(header::CONTENT_LENGTH).and_then(|value| value.to_str().ok()?.trim().parse::<u64>().ok());
    match declared {
        Some(length) if length > limit as u64 => Err(too_large()),
        _ => Ok(()),
    }
}

fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "the request body is larger than the server accepts")
}

/// Everything a generated handler parses, gathered by one extractor: path parameters,
/// the decoded query, the headers and the whole body (read under the body limit). Its
/// rejections are [`ApiError`]s (400 for a path segment that is not UTF-8, 413 for an
/// oversized body, declared or read).
#[derive(Debug, Clone, Default)]
pub struct RequestInput {
    pub path: PathParams,
    pub query: QueryParams,
    pub headers: HeaderMap,
    pub body: ::axum::body::Bytes,
}

impl<S: Send + Sync> ::axum::extract::FromRequest<S> for RequestInput {
    type Rejection = ApiError;

    async fn from_request(request: ::axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        use ::axum::extract::rejection::RawPathParamsRejection;
        use ::axum::extract::FromRequestParts as _;
        let (mut parts, body) = request.into_parts();
        declared_too_large(&parts)?;
        let path = match ::axum::extract::RawPathParams::from_request_parts(&mut parts, state).await {
            Ok(raw) => path_params(Some(&raw), &parts.extensions),
            // Routes without parameters have none to report.
            Err(RawPathParamsRejection::MissingPathParams(_)) => path_params(None, &parts.extensions),
            Err(rejection) => return Err(ApiError::new(rejection.status(), rejection.body_text())),
        };
        let query = QueryParams::parse(parts.uri.query());
        // Reading the body needs no headers (the limit travels in the extensions).
        let headers = ::std::mem::take(&mut parts.headers);
        let request = ::axum::extract::Request::from_parts(parts, body);
        let body = <::axum::body::Bytes as ::axum::extract::FromRequest<S>>::from_request(request, state)
            .await
            .map_err(|rejection| match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => too_large(),
                status => ApiError::new(status, rejection.body_text()),
            })?;
        Ok(RequestInput { path, query, headers, body })
    }
}

/// [`RequestInput`] for operations without a request body: the body is not read (any body
/// sent is ignored, unless its declared length exceeds the limit), which spares a GET the
/// body machinery.
#[derive(Debug, Clone, Default)]
pub struct RequestInputWithoutBody(pub RequestInput);

impl<S: Send + Sync> ::axum::extract::FromRequestParts<S> for RequestInputWithoutBody {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut ::axum::http::request::Parts, state: &S) -> Result<Self, ApiError> {
        use ::axum::extract::rejection::RawPathParamsRejection;
        declared_too_large(parts)?;
        let path = match ::axum::extract::RawPathParams::from_request_parts(parts, state).await {
            Ok(raw) => path_params(Some(&raw), &parts.extensions),
            Err(RawPathParamsRejection::MissingPathParams(_)) => path_params(None, &parts.extensions),
            Err(rejection) => return Err(ApiError::new(rejection.status(), rejection.body_text())),
        };
        let query = QueryParams::parse(parts.uri.query());
        let headers = ::std::mem::take(&mut parts.headers);
        Ok(RequestInputWithoutBody(RequestInput { path, query, headers, body: ::axum::body::Bytes::new() }))
    }
}
