//! Typed reading of documented response headers: the generated `{Operation}Headers` views call
//! [`typed`] per header, so a malformed value is an error naming the header, and only when
//! that header is read.

use ::std::fmt;

use ::serde_json::Value;

/// A documented response header that is present but cannot be read as its schema says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderError {
    /// The header name as the spec writes it.
    pub name: &'static str,
    pub message: String,
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "response header `{}`: {}", self.name, self.message)
    }
}

impl ::std::error::Error for HeaderError {}

/// The header `name` as a `T`: `Ok(None)` when absent. The text is tried as a string, then as
/// the JSON scalar it spells (numbers, booleans), then as a comma-separated list of those
/// (OpenAPI's `simple` style), and the first reading `T` accepts wins.
pub fn typed<T: ::serde::de::DeserializeOwned>(
    headers: &::reqwest::header::HeaderMap,
    name: &'static str,
) -> Result<Option<T>, HeaderError> {
    let Some(value) = headers.get(name) else { return Ok(None) };
    let text = value
        .to_str()
        .map_err(|_| HeaderError { name, message: "the value is not visible ASCII text".to_owned() })?;
    let items: Vec<&str> = text.split(',').map(str::trim).collect();
    let candidates = [
        Value::String(text.to_owned()),
        scalar(text.trim()),
        Value::Array(items.iter().map(|item| Value::String((*item).to_owned())).collect()),
        Value::Array(items.iter().map(|item| scalar(item)).collect()),
    ];
    let mut first_error = None;
    for candidate in candidates {
        match ::serde_json::from_value::<T>(candidate) {
            Ok(decoded) => return Ok(Some(decoded)),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    let detail = first_error.map(|error| error.to_string()).unwrap_or_default();
    Err(HeaderError { name, message: format!("`{text}` does not fit the documented schema ({detail})") })
}

/// The JSON number or boolean `text` spells, else `text` as a string.
fn scalar(text: &str) -> Value {
    match ::serde_json::from_str::<Value>(text) {
        Ok(value @ (Value::Number(_) | Value::Bool(_))) => value,
        _ => Value::String(text.to_owned()),
    }
}
