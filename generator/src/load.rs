//! Load: OpenAPI text (YAML or JSON, told apart by content) into an `openapiv3::OpenAPI`.
//!
//! The fast path is a plain serde parse; only when it fails is the text parsed again with
//! `serde_path_to_error`, so errors name the JSON pointer of the node that does not fit
//! without slowing down documents that load.

use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Why a document could not be loaded. Every message starts with the file path it was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The text is not YAML or JSON at all.
    #[error("{path}: {location}: {message}")]
    Syntax { path: String, location: String, message: String },
    /// The text is YAML or JSON but some node does not have the shape OpenAPI 3.0 requires.
    #[error("{path}: at {pointer}: {message}")]
    Shape { path: String, pointer: String, message: String },
    /// The document declares an OpenAPI version this generator does not read.
    #[error("{path}: at /openapi: version `{version}` is not supported; expected 3.0.x (3.1 documents are not converted yet)")]
    UnsupportedVersion { path: String, version: String },
}

/// Parses `text` as an OpenAPI 3.0 document. `path_for_messages` is only used in errors.
pub fn load(path_for_messages: &str, text: &str) -> Result<openapiv3::OpenAPI, LoadError> {
    let format = TextFormat::sniff(text);
    match parse_fast::<openapiv3::OpenAPI>(format, text) {
        Ok(doc) => {
            check_version(path_for_messages, &doc.openapi)?;
            Ok(doc)
        }
        Err(()) => Err(explain_failure(path_for_messages, format, text)),
    }
}

/// The two syntaxes a document may use; JSON is read with the faster JSON parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextFormat {
    Json,
    Yaml,
}

impl TextFormat {
    /// JSON when the first non-blank character opens an object; YAML otherwise (YAML is a
    /// superset of JSON, so a misjudged JSON text still parses).
    fn sniff(text: &str) -> Self {
        let first = text.trim_start_matches('\u{feff}').trim_start().chars().next();
        if first == Some('{') {
            TextFormat::Json
        } else {
            TextFormat::Yaml
        }
    }
}

fn parse_fast<T: DeserializeOwned>(format: TextFormat, text: &str) -> Result<T, ()> {
    match format {
        TextFormat::Json => serde_json::from_str(text).map_err(|_| ()),
        TextFormat::Yaml => serde_yaml::from_str(text).map_err(|_| ()),
    }
}

/// The version is checked before the shape error is reported: a 3.1 or 2.0 document usually
/// fails the 3.0 shape somewhere deep, and the version is the error its author can act on.
fn explain_failure(path: &str, format: TextFormat, text: &str) -> LoadError {
    #[derive(Deserialize)]
    struct VersionOnly {
        openapi: Option<serde_json::Value>,
        swagger: Option<serde_json::Value>,
    }
    if let Ok(version) = parse_fast::<VersionOnly>(format, text) {
        let declared = version.openapi.or(version.swagger);
        let version_text = match &declared {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        if !version_text.is_empty() {
            if let Err(error) = check_version(path, &version_text) {
                return error;
            }
        }
    }
    match format {
        TextFormat::Json => {
            let de = &mut serde_json::Deserializer::from_str(text);
            match serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(de) {
                Ok(_) => unreachable_shape(path),
                Err(error) => {
                    let inner = error.inner();
                    if inner.is_syntax() || inner.is_eof() {
                        LoadError::Syntax {
                            path: path.to_owned(),
                            location: format!("line {} column {}", inner.line(), inner.column()),
                            message: strip_position(&inner.to_string()),
                        }
                    } else {
                        // The pointer can stop short where openapiv3 buffers a node (untagged
                        // enums), so the line and column are given too.
                        LoadError::Shape {
                            path: path.to_owned(),
                            pointer: pointer_of(error.path()),
                            message: format!(
                                "{} (line {} column {})",
                                strip_position(&inner.to_string()),
                                inner.line(),
                                inner.column()
                            ),
                        }
                    }
                }
            }
        }
        TextFormat::Yaml => {
            // A syntax error is found by parsing into a generic value first.
            if let Err(error) = serde_yaml::from_str::<serde_yaml::Value>(text) {
                let location = error
                    .location()
                    .map(|l| format!("line {} column {}", l.line(), l.column()))
                    .unwrap_or_else(|| "somewhere".to_owned());
                return LoadError::Syntax { path: path.to_owned(), location, message: strip_position(&error.to_string()) };
            }
            let de = serde_yaml::Deserializer::from_str(text);
            match serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(de) {
                Ok(_) => unreachable_shape(path),
                Err(error) => {
                    let mut message = strip_position(&error.inner().to_string());
                    if let Some(l) = error.inner().location() {
                        message.push_str(&format!(" (line {} column {})", l.line(), l.column()));
                    }
                    LoadError::Shape { path: path.to_owned(), pointer: pointer_of(error.path()), message }
                }
            }
        }
    }
}

/// The fast parse failed but the checked parse succeeded: both use the same types, so this
/// only happens if the two parsers disagree; report it rather than panic.
fn unreachable_shape(path: &str) -> LoadError {
    LoadError::Shape {
        path: path.to_owned(),
        pointer: String::new(),
        message: "the document failed to parse once and parsed the second time; please report this".to_owned(),
    }
}

fn check_version(path: &str, version: &str) -> Result<(), LoadError> {
    // Hook for the 3.1 conversion: a 3.1 document will be rewritten to 3.0 here before parsing.
    if version.starts_with("3.0.") || version == "3.0" {
        Ok(())
    } else {
        Err(LoadError::UnsupportedVersion { path: path.to_owned(), version: version.to_owned() })
    }
}

/// serde_path_to_error's dotted path as a JSON pointer (`/paths/~1notes/get`).
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } => pointer.push_str(&crate::lower::escape_pointer_token(key)),
            Segment::Enum { variant } => pointer.push_str(&crate::lower::escape_pointer_token(variant)),
            Segment::Unknown => pointer.push('?'),
        }
    }
    if pointer.is_empty() {
        pointer.push('/');
    }
    pointer
}

/// serde_json appends " at line L column C" to its messages; the location is reported apart.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}
