//! The error shape every generated operation returns: `Error<E>`, where `E` is the
//! operation's own enum of documented non-2xx responses, plus the failures any HTTP call
//! can have. `Display` and `Debug` never include credentials or request URLs (which may
//! carry an API key in the query string).

use ::std::fmt;

use super::client::{first_header, Response};

/// The response headers that [`Error::request_id`] and [`Response::request_id`] read by
/// default, in this order (`ClientConfig::request_id_headers` changes them).
pub const REQUEST_ID_HEADERS: &[&str] = &["x-request-id", "request-id", "x-amzn-requestid"];

/// How many bytes of an unexpected response body `Display` shows; the full body stays
/// available in the variant.
const BODY_PREVIEW_BYTES: usize = 200;

/// Everything that can go wrong when calling one operation.
#[derive(Debug)]
pub enum Error<E> {
    /// The server answered with a status the spec documents for this operation: the
    /// response's status and headers, and as its body `E`, the documented error chosen by
    /// status code (`into_body()`, or [`Error::into_api`]).
    Api(Box<Response<E>>),
    /// The server answered with a status the spec does not document for this operation.
    UnexpectedStatus {
        operation: &'static str,
        status: ::reqwest::StatusCode,
        /// Boxed to keep `Result<T, Error<E>>` small.
        headers: Box<::reqwest::header::HeaderMap>,
        body: ::bytes::Bytes,
        /// The headers [`Error::request_id`] reads.
        request_id_headers: &'static [&'static str],
    },
    /// The response body exceeded the client's limit (`max_response_bytes`); reading
    /// stopped there.
    ResponseTooLarge { operation: &'static str, status: ::reqwest::StatusCode, limit: u64 },
    /// The request could not be sent or the response could not be read (connection
    /// refused, TLS failure, reset). The URL is stripped from the source error.
    Transport { operation: &'static str, source: ::reqwest::Error },
    /// The request did not finish within the configured timeout.
    Timeout { operation: &'static str },
    /// A response body did not match the documented schema.
    Decode {
        operation: &'static str,
        /// Path of the failing field, as `serde_path_to_error` renders it (`data[0].id`);
        /// `.` when the document itself is malformed.
        path: String,
        message: String,
    },
    /// The request could not be built from the given input (a missing path parameter, a
    /// value that cannot be encoded, missing credentials for a secured operation).
    InvalidRequest { operation: &'static str, message: String },
}

impl<E> Error<E> {
    /// The operation id this error belongs to, when the error knows it (`Api` does not:
    /// the operation is implied by `E`).
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::Api(_) => None,
            Error::UnexpectedStatus { operation, .. }
            | Error::Transport { operation, .. }
            | Error::Timeout { operation }
            | Error::ResponseTooLarge { operation, .. }
            | Error::Decode { operation, .. }
            | Error::InvalidRequest { operation, .. } => Some(operation),
        }
    }

    /// The HTTP status of the response, when the server answered.
    pub fn status(&self) -> Option<::reqwest::StatusCode> {
        match self {
            Error::Api(response) => Some(response.status()),
            Error::UnexpectedStatus { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The response headers, when the server answered.
    pub fn headers(&self) -> Option<&::reqwest::header::HeaderMap> {
        match self {
            Error::Api(response) => Some(response.headers()),
            Error::UnexpectedStatus { headers, .. } => Some(headers),
            _ => None,
        }
    }

    /// The server's id for this request, to quote to its support: the first of the
    /// client's request-id headers (by default [`REQUEST_ID_HEADERS`]) the response has.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(response) => response.request_id(),
            Error::UnexpectedStatus { headers, request_id_headers, .. } => first_header(headers, request_id_headers),
            _ => None,
        }
    }

    /// The documented error, when this is one.
    pub fn api(&self) -> Option<&E> {
        match self {
            Error::Api(response) => Some(response.body()),
            _ => None,
        }
    }

    /// The documented error, or this error when it is not one.
    pub fn into_api(self) -> Result<E, Self> {
        match self {
            Error::Api(response) => Ok(response.into_body()),
            other => Err(other),
        }
    }

    /// Converts the operation-specific part, keeping every other variant as is; used by
    /// generated code to reuse runtime results typed with another `E`.
    pub fn map_api<F>(self, map: impl FnOnce(E) -> F) -> Error<F> {
        match self {
            Error::Api(response) => Error::Api(Box::new(response.map(map))),
            Error::UnexpectedStatus { operation, status, headers, body, request_id_headers } => {
                Error::UnexpectedStatus { operation, status, headers, body, request_id_headers }
            }
            Error::Transport { operation, source } => Error::Transport { operation, source },
            Error::Timeout { operation } => Error::Timeout { operation },
            Error::ResponseTooLarge { operation, status, limit } => Error::ResponseTooLarge { operation, status, limit },
            Error::Decode { operation, path, message } => Error::Decode { operation, path, message },
            Error::InvalidRequest { operation, message } => Error::InvalidRequest { operation, message },
        }
    }

    /// Wraps a reqwest error, classifying timeouts and dropping the URL so that query
    /// credentials cannot leak through `Display` or `Debug`.
    pub fn from_reqwest(operation: &'static str, source: ::reqwest::Error) -> Self {
        if source.is_timeout() {
            Error::Timeout { operation }
        } else {
            Error::Transport { operation, source: source.without_url() }
        }
    }

    pub(crate) fn invalid_request(operation: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidRequest { operation, message: message.into() }
    }
}

impl<E: fmt::Display> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(response) => response.body().fmt(f),
            Error::UnexpectedStatus { operation, status, body, .. } => {
                write!(f, "{operation}: unexpected status {status}")?;
                if !body.is_empty() {
                    let shown = &body[..body.len().min(BODY_PREVIEW_BYTES)];
                    let ellipsis = if body.len() > BODY_PREVIEW_BYTES { "..." } else { "" };
                    write!(f, " with body `{}{ellipsis}`", String::from_utf8_lossy(shown))?;
                }
                Ok(())
            }
            Error::Transport { operation, source } => {
                write!(f, "{operation}: transport error: {source}")
            }
            Error::Timeout { operation } => write!(f, "{operation}: request timed out"),
            Error::ResponseTooLarge { operation, status, limit } => {
                write!(f, "{operation}: the {status} response body is larger than the limit of {limit} bytes")
            }
            Error::Decode { operation, path, message } => {
                write!(f, "{operation}: response body does not match the schema at `{path}`: {message}")
            }
            Error::InvalidRequest { operation, message } => {
                write!(f, "{operation}: invalid request: {message}")
            }
        }
    }
}

impl<E: fmt::Debug + fmt::Display> ::std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn ::std::error::Error + 'static)> {
        match self {
            Error::Transport { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Decodes a JSON body into `T`, naming the JSON path of the first field that fails.
pub fn decode_json<T, E>(operation: &'static str, body: &[u8]) -> Result<T, Error<E>>
where
    T: ::serde::de::DeserializeOwned,
{
    let mut deserializer = ::serde_json::Deserializer::from_slice(body);
    let value = ::serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        Error::Decode { operation, path, message: error.into_inner().to_string() }
    })?;
    deserializer.end().map_err(|error| Error::Decode {
        operation,
        path: ".".to_owned(),
        message: error.to_string(),
    })?;
    Ok(value)
}
