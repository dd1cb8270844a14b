//! Building the responses of generated response enums: a status and a JSON, text or byte
//! body. Documented error responses are marked [`PassThrough`] so the envelope middleware
//! leaves them exactly as the implementation wrote them.

use ::axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use ::axum::response::{IntoResponse, Response};

use super::envelope::{ApiError, PassThrough};

fn finish(status: StatusCode, mut response: Response, headers: Option<HeaderMap>) -> Response {
    // HTTP has no final 1xx answer: sent as one, it breaks the connection for the requests
    // that follow on it.
    if status.is_informational() {
        ::tracing::error!(status = status.as_u16(), "an interim (1xx) status cannot be the final answer to a request");
        let message = format!("the implementation answered {}, an interim status that cannot end a request", status.as_u16());
        return ApiError::internal(message).into_response();
    }
    *response.status_mut() = status;
    if let Some(headers) = headers {
        for (name, value) in headers.iter() {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    if status.is_client_error() || status.is_server_error() {
        response.extensions_mut().insert(PassThrough);
    }
    response
}

fn content_type_value(content_type: &str) -> HeaderValue {
    HeaderValue::from_str(content_type).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"))
}

/// `status` with `body` serialized as JSON in `content_type` (500 in the envelope if it
/// cannot be serialized).
pub fn json<T: ::serde::Serialize>(status: StatusCode, content_type: &str, body: &T, headers: Option<HeaderMap>) -> Response {
    match ::serde_json::to_vec(body) {
        Ok(bytes) => {
            let response = ([(header::CONTENT_TYPE, content_type_value(content_type))], bytes).into_response();
            finish(status, response, headers)
        }
        Err(error) => {
            ::tracing::error!(%error, "the response body could not be serialized");
            ApiError::internal("the response could not be serialized").into_response()
        }
    }
}

/// `status` with a body in `content_type` (text or bytes as the implementation gave them).
pub fn raw(status: StatusCode, content_type: &str, body: impl Into<::axum::body::Body>, headers: Option<HeaderMap>) -> Response {
    let response = ([(header::CONTENT_TYPE, content_type_value(content_type))], body.into()).into_response();
    finish(status, response, headers)
}

/// `response` with `headers` added (replacing any it has of the same name): what a response
/// enum's `WithHeaders` variant does.
pub fn with_headers(mut response: Response, headers: HeaderMap) -> Response {
    let mut last = None;
    for (name, value) in headers {
        match name {
            Some(name) => {
                response.headers_mut().insert(name.clone(), value);
                last = Some(name);
            }
            // A further value of the name before it.
            None => {
                if let Some(name) = &last {
                    response.headers_mut().append(name.clone(), value);
                }
            }
        }
    }
    response
}

/// Sets the documented header `name` to `value` as OpenAPI's `simple` style writes it
/// (strings bare, numbers and booleans as JSON, lists comma-separated). A value that is not
/// valid header text is left out, with a warning.
pub fn set_header<T: ::serde::Serialize>(headers: &mut HeaderMap, name: &'static str, value: &T) {
    use ::serde_json::Value;
    fn text(value: &Value) -> String {
        match value {
            Value::String(text) => text.clone(),
            Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }
    let Ok(value) = ::serde_json::to_value(value) else {
        ::tracing::warn!(header = name, "the header value could not be serialized; left out");
        return;
    };
    match (::axum::http::HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&text(&value))) {
        (Ok(header_name), Ok(header_value)) => {
            headers.insert(header_name, header_value);
        }
        _ => ::tracing::warn!(header = name, "the header name or value is not valid header text; left out"),
    }
}

/// `status` without a body.
pub fn empty(status: StatusCode, headers: Option<HeaderMap>) -> Response {
    finish(status, ().into_response(), headers)
}

/// `status` without a body but with the `Content-Type` its body would have had: an answer
/// to HEAD carries the header fields GET's would (RFC 9110 §9.3.2), the body left out.
pub fn bodiless(status: StatusCode, media_type: &'static str, headers: Option<HeaderMap>) -> Response {
    let mut response = finish(status, ().into_response(), headers);
    if let Ok(value) = HeaderValue::from_str(media_type) {
        response.headers_mut().entry(header::CONTENT_TYPE).or_insert(value);
    }
    response
}

/// The status an implementation chose for a `4XX`-style or `default` response, checked to
/// be in the documented range (`first_digit` 1..=5, or `None` for `default`).
pub fn ranged_status(status: StatusCode, first_digit: Option<u16>) -> Result<StatusCode, ApiError> {
    let fits = match first_digit {
        Some(digit) => status.as_u16() / 100 == digit,
        None => true,
    };
    if fits {
        Ok(status)
    } else {
        ::tracing::error!(status = status.as_u16(), "the implementation chose a status outside the documented range");
        Err(ApiError::internal("the server chose an undocumented status"))
    }
}
