//! Refusals in the spec's own shape. For each operation the generator plans, per status the
//! server refuses a request with (400, 401, 403, 404, 405, 406, 413, 415, 422), the status the
//! operation documents for it and a body that conforms to that response's schema ([`Plan`]);
//! a handler marks its error responses with its plan ([`mark`]) and the envelope layer answers
//! them by it (`envelope::rewrite`), through a [`Renderer`] a user may replace.
//!
//! Bodies are templates ([`Fill`]) decided at generation: the message and detail of the
//! refusal, its status, fixed JSON values, objects and lists of them.

use ::axum::http::{header, HeaderValue, StatusCode};
use ::axum::response::{IntoResponse, Response};
use ::serde_json::{Map, Value};

use super::envelope::EnvelopeShape;

/// What one operation answers for the statuses it refuses with; the statuses it does not list
/// are answered as refused, in the API's envelope.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// Sorted by `refused`, each status once.
    pub entries: &'static [Planned],
}

impl Plan {
    /// Every refusal answered as refused, in the envelope.
    pub const NONE: Plan = Plan { entries: &[] };

    /// The entry for a refusal with `refused`, if the plan changes it.
    pub fn get(&self, refused: StatusCode) -> Option<&'static Planned> {
        let code = refused.as_u16();
        self.entries.binary_search_by_key(&code, |entry| entry.refused).ok().map(|index| &self.entries[index])
    }
}

/// How one refusal is answered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Planned {
    /// The status the server refuses with (`400` for a request that breaks the spec).
    pub refused: u16,
    /// The status answered: the documented one (`422` where the operation documents it and
    /// no `400`), or `refused` when a range or `default` covers it.
    pub status: u16,
    pub body: Body,
}

/// The body of a planned answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Body {
    /// The API's envelope (the documented response has no JSON schema the generator could
    /// fill).
    Envelope,
    /// JSON in `media_type`, from the template.
    Json { media_type: &'static str, fill: &'static Fill },
    /// The message as text in `media_type` (a documented `text/*` response).
    Text { media_type: &'static str },
}

/// A JSON value to be filled with one refusal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fill {
    /// The refusal's text, at least `min` and at most `max` characters (cut, or padded with
    /// `.`).
    Text { text: Text, min: usize, max: Option<usize> },
    /// The answered status as an integer.
    Status,
    /// A fixed value, as JSON text (`"1970-01-01"`, `0`, `false`, `null`).
    Json(&'static str),
    /// An object with these properties, in order.
    Object(&'static [(&'static str, Fill)]),
    /// A list of these items.
    Array(&'static [Fill]),
}

/// Which text of the refusal a [`Fill::Text`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    /// The one-sentence message.
    Message,
    /// The detail, or the message when the refusal has none.
    Detail,
}

impl Fill {
    /// The value for `refusal`.
    pub fn render(&self, refusal: &Refusal<'_>) -> Value {
        match *self {
            Fill::Text { text, min, max } => {
                let source = match text {
                    Text::Message => refusal.message,
                    Text::Detail => refusal.detail.unwrap_or(refusal.message),
                };
                Value::from(fitted(source, min, max))
            }
            Fill::Status => Value::from(refusal.status.as_u16()),
            Fill::Json(text) => ::serde_json::from_str(text).unwrap_or(Value::Null),
            Fill::Object(properties) => {
                let object: Map<String, Value> =
                    properties.iter().map(|(name, fill)| ((*name).to_owned(), fill.render(refusal))).collect();
                Value::Object(object)
            }
            Fill::Array(items) => Value::Array(items.iter().map(|item| item.render(refusal)).collect()),
        }
    }
}

/// `text` cut to `max` characters or padded with `.` to `min`.
fn fitted(text: &str, min: usize, max: Option<usize>) -> String {
    let mut fitted: String = match max {
        Some(max) => text.chars().take(max).collect(),
        None => text.to_owned(),
    };
    let length = fitted.chars().count();
    if length < min {
        fitted.extend(::std::iter::repeat_n('.', min - length));
    }
    fitted
}

/// The plan of the operation that answered, kept in its error responses' extensions (see
/// [`mark`]).
#[derive(Debug, Clone, Copy)]
pub struct Marked(pub &'static Plan);

/// `response` marked with `plan` when it is an error response no plan marked before: what
/// each generated handler does with what it answers.
pub fn mark(mut response: Response, plan: &'static Plan) -> Response {
    let status = response.status();
    if (status.is_client_error() || status.is_server_error()) && response.extensions().get::<Marked>().is_none() {
        response.extensions_mut().insert(Marked(plan));
    }
    response
}

/// One refusal about to be answered: what a [`Renderer`] receives.
#[derive(Debug, Clone, Copy)]
pub struct Refusal<'a> {
    /// The status the server refused with.
    pub refused: StatusCode,
    /// The status to answer (the plan's, else `refused`).
    pub status: StatusCode,
    pub message: &'a str,
    pub detail: Option<&'a str>,
    /// The plan's entry for it, if the operation (or the document) documents one.
    pub planned: Option<&'static Planned>,
    /// The API's envelope.
    pub envelope: &'static EnvelopeShape,
}

/// Builds the response to a refusal; the envelope layer keeps the headers the refusal
/// carried (`Allow`, `WWW-Authenticate`) unless the renderer sets them. [`render`] is the
/// default; `RouterConfig::refusal_renderer` (or `AppConfig::with_renderer`) replaces it.
pub type Renderer = fn(&Refusal<'_>) -> Response;

/// The default [`Renderer`]: the planned body in the planned status, else the envelope.
pub fn render(refusal: &Refusal<'_>) -> Response {
    let body = refusal.planned.map_or(Body::Envelope, |planned| planned.body);
    let (media_type, text) = match body {
        Body::Envelope => ("application/json", refusal.envelope.render(refusal.message, refusal.detail).to_string()),
        Body::Json { media_type, fill } => (media_type, fill.render(refusal).to_string()),
        Body::Text { media_type } => (media_type, refusal.message.to_owned()),
    };
    let mut response = (refusal.status, text).into_response();
    let media_type = HeaderValue::from_str(media_type).unwrap_or_else(|_| HeaderValue::from_static("application/json"));
    response.headers_mut().insert(header::CONTENT_TYPE, media_type);
    response
}
