//! Load: OpenAPI text (YAML or JSON, told apart by content) into an `openapiv3::OpenAPI`.
//!
//! The text is first read into a JSON value within fixed bounds (`limits`: size, nesting,
//! values, unique keys) and the schemas that nest deeply and every header are checked on their
//! own (`units`), so that no document makes `openapiv3` work for more than a bounded time; a
//! document that still fails to parse has every schema checked alone for the precise error.
//!
//! A 3.0 document that needs no rewriting is then parsed from its text with plain serde; only
//! when that fails is it parsed again with `serde_path_to_error`, so errors name the JSON pointer
//! of the node that does not fit without slowing down documents that load. A document that does
//! need rewriting on its JSON value first leaves that fast path: OpenAPI 3.1 (`v31`), references
//! that name no component (`inline`), `$recursiveRef`/`$dynamicRef` (`dynamic`), keywords read
//! leniently (`lenient`), form encodings without `explode` (`encoding`). Documents split over
//! files are bundled into one value first (`files`, [`load_file`]).

mod dynamic;
mod encoding;
mod files;
mod inline;
mod lenient;
mod limits;
mod units;
mod v31;
mod walk;

use serde::de::DeserializeOwned;
use serde::Deserialize;

pub use files::{FileOptions, Origins};
pub use limits::{MAX_DOCUMENT_BYTES, MAX_NESTING, MAX_VALUES};
pub use v31::Unconvertible;

use crate::ir::Warning;

/// Why a document could not be loaded. Every message starts with the file path it was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// A file of the document cannot be read (missing, not UTF-8, outside the ref root).
    #[error("{path}: {message}")]
    File { path: String, message: String },
    /// The text is not YAML or JSON at all.
    #[error("{path}: {location}: {message}")]
    Syntax { path: String, location: String, message: String },
    /// The text is YAML or JSON but some node does not have the shape OpenAPI 3.0 requires.
    #[error("{path}: at {pointer}: {message}")]
    Shape { path: String, pointer: String, message: String },
    /// The document is larger or nested deeper than the loader reads ([`MAX_DOCUMENT_BYTES`],
    /// [`MAX_NESTING`], [`MAX_VALUES`]); the pointer is where the bound was crossed.
    #[error("{path}: at {pointer}: {message}")]
    Limit { path: String, pointer: String, message: String },
    /// The document declares an OpenAPI version this generator does not read.
    #[error("{path}: at /openapi: version `{version}` is not supported; expected 3.0.x or 3.1.x")]
    UnsupportedVersion { path: String, version: String },
    /// Constructs the loader cannot rewrite into plain OpenAPI 3.0 (3.1 constructs with no
    /// 3.0 equivalent, references that lead back to themselves); one line each.
    #[error("{}", problems.iter().map(|p| format!("{path}: at {}: {}", p.pointer, p.message)).collect::<Vec<_>>().join("\n"))]
    Unconvertible { path: String, problems: Vec<Unconvertible> },
}

/// A loaded document and what the loader dropped on the way (3.1 constructs that 3.0 lacks).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub doc: openapiv3::OpenAPI,
    pub warnings: Vec<Warning>,
}

/// Reads the document at `path` and every file its `$ref`s reach, relative to the file that
/// refers, and loads the whole: files only under the document's folder (or
/// [`FileOptions::ref_root`]), never a URL; a `$ref` where OpenAPI allows none is read as its
/// target, with a warning. Errors and warnings inside other files name them
/// (`models/droplet.yml#/properties/id`).
pub fn load_file(path: &std::path::Path, options: &FileOptions) -> Result<Loaded, LoadError> {
    load_file_located(path, options).map(|(loaded, _)| loaded)
}

/// [`load_file`], also returning where the parts of the bundled document came from, for the
/// errors and warnings of lowering.
pub fn load_file_located(path: &std::path::Path, options: &FileOptions) -> Result<(Loaded, Origins), LoadError> {
    let display = path.display().to_string();
    let bundled = files::bundle(path, options)?;
    let Some(text) = bundled.text else {
        return load_with_warnings(&display, &bundled.root_text).map(|loaded| (loaded, bundled.origins));
    };
    let origins = bundled.origins;
    let mut loaded = load_with_warnings(&display, &text).map_err(|error| located(error, &origins))?;
    for warning in &mut loaded.warnings {
        warning.pointer = origins.locate(&warning.pointer);
    }
    loaded.warnings.extend(bundled.warnings);
    loaded.warnings.sort();
    loaded.warnings.dedup();
    Ok((loaded, origins))
}

/// `error` with its pointers in the files that hold the nodes.
fn located(error: LoadError, origins: &Origins) -> LoadError {
    match error {
        LoadError::Shape { path, pointer, message } => {
            LoadError::Shape { path, pointer: origins.locate(&pointer), message }
        }
        LoadError::Limit { path, pointer, message } => {
            LoadError::Limit { path, pointer: origins.locate(&pointer), message }
        }
        LoadError::Unconvertible { path, mut problems } => {
            problems.iter_mut().for_each(|problem| problem.pointer = origins.locate(&problem.pointer));
            LoadError::Unconvertible { path, problems }
        }
        other => other,
    }
}

/// Parses `text` as an OpenAPI 3.0 document (a 3.1 document is converted to 3.0 first).
/// `path_for_messages` is only used in errors.
pub fn load(path_for_messages: &str, text: &str) -> Result<openapiv3::OpenAPI, LoadError> {
    load_with_warnings(path_for_messages, text).map(|loaded| loaded.doc)
}

/// [`load`], also returning the warnings of the 3.1 → 3.0 conversion.
pub fn load_with_warnings(path_for_messages: &str, text: &str) -> Result<Loaded, LoadError> {
    on_parse_stack(|| load_bounded(path_for_messages, text))
}

/// `openapiv3` needs about 35 KB of stack per level of nesting in a debug build, more at
/// [`MAX_NESTING`] than the 2 MiB a spawned thread (a `cargo test` thread) has; so the document
/// is loaded on a thread of its own with [`PARSE_STACK`] bytes (on the caller's if none starts).
fn on_parse_stack<T: Send>(load: impl FnOnce() -> T + Send) -> T {
    let slot = std::sync::Mutex::new(Some(load));
    let take = || slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
    let run = || take().map(|load| load());
    let spawned = std::thread::scope(|scope| {
        let thread = std::thread::Builder::new().name("openapi-load".to_owned()).stack_size(PARSE_STACK);
        thread.spawn_scoped(scope, run).ok().map(|handle| handle.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    });
    spawned.flatten().or_else(run).expect("the load runs exactly once")
}

/// Stack of the loading thread: four times what [`MAX_NESTING`] needs in a debug build.
const PARSE_STACK: usize = 16 << 20;

fn load_bounded(path: &str, text: &str) -> Result<Loaded, LoadError> {
    // A byte order mark is not part of the text (JSON parsers reject it).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let format = TextFormat::sniff(text);
    let bounded = match limits::read(text, format == TextFormat::Json) {
        Ok(bounded) => bounded,
        Err(refusal) => return Err(refused(path, format, text, refusal)),
    };
    let version = version_of(&bounded.value);
    if let Some(version) = version.as_deref().filter(|v| !v.is_empty()) {
        check_version(path, version)?;
    }
    let is_31 = version.as_deref().is_some_and(is_31);
    let value = &bounded.value;
    let rewrite = inline::has_deep_local_refs(value)
        || dynamic::has_dynamic_refs(value)
        || lenient::needs_rewrite(value)
        || encoding::needs_default(value);
    if is_31 || rewrite {
        return load_via_value(path, bounded, is_31);
    }
    check_units(path, &bounded, "", units::check_nested)?;
    drop(bounded);
    match parse_fast::<openapiv3::OpenAPI>(format, text) {
        Ok(doc) => Ok(Loaded { doc, warnings: Vec::new() }),
        Err(()) => Err(precise_error(path, format, text).unwrap_or_else(|| syntax_or_shape_error(path, format, text))),
    }
}

/// The first malformed schema or header, each checked alone, of a text that failed to parse
/// (read again: holding the value through the parse would double the memory of every load).
fn precise_error(path: &str, format: TextFormat, text: &str) -> Option<LoadError> {
    let bounded = limits::read(text, format == TextFormat::Json).ok()?;
    check_units(path, &bounded, "", units::check).err()
}

/// The error for a text `limits::read` refused. The declared version comes first when it is
/// not one this generator reads: for a Swagger 2.0 document that is the error to act on.
fn refused(path: &str, format: TextFormat, text: &str, refusal: limits::Refusal) -> LoadError {
    if !matches!(refusal, limits::Refusal::Syntax { .. }) && text.len() <= MAX_DOCUMENT_BYTES {
        if let Some(Err(error)) = declared_version(format, text).filter(|v| !v.is_empty()).map(|v| check_version(path, &v)) {
            return error;
        }
    }
    let path = path.to_owned();
    match refusal {
        limits::Refusal::Syntax { location, message } => LoadError::Syntax { path, location, message },
        limits::Refusal::Limit { pointer, message } => LoadError::Limit { path, pointer, message },
        limits::Refusal::DuplicateKey { pointer, key } => LoadError::Shape {
            path,
            pointer,
            message: format!("the key `{key}` appears twice in one object; keys must be unique"),
        },
    }
}

/// The schemas and headers checked on their own by `units::check` or `units::check_nested`;
/// `note` is added to the message.
fn check_units(
    path: &str,
    bounded: &limits::Bounded,
    note: &str,
    check: fn(&serde_json::Value, &[limits::Quirk]) -> Result<(), units::Invalid>,
) -> Result<(), LoadError> {
    let mut quirks = bounded.quirks.clone();
    quirks.sort();
    check(&bounded.value, &quirks).map_err(|invalid| LoadError::Shape {
        path: path.to_owned(),
        pointer: invalid.pointer,
        message: format!("{}{note}", invalid.message),
    })
}

/// The `openapi` (or `swagger`) version of a document read into a value.
fn version_of(value: &serde_json::Value) -> Option<String> {
    match value.get("openapi").or_else(|| value.get("swagger"))? {
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

fn is_31(version: &str) -> bool {
    version.starts_with("3.1.") || version == "3.1"
}

/// The slower path through the JSON value: dynamic references become `$ref`s (`dynamic`), a
/// 3.1 document is converted to 3.0 (`convert_31`), keywords `openapiv3` would refuse are read
/// leniently (`lenient`), references that do not name a component are hoisted or replaced by
/// copies of their targets (`inline`), and the value is read as 3.0. Shape errors name the
/// pointer in the rewritten document, which is the original pointer for every node the
/// rewriting keeps in place.
fn load_via_value(path: &str, bounded: limits::Bounded, convert_31: bool) -> Result<Loaded, LoadError> {
    let limits::Bounded { mut value, quirks } = bounded;
    let unconvertible = |problems| LoadError::Unconvertible { path: path.to_owned(), problems };
    let (mut warnings, mut problems) = dynamic::resolve(&mut value);
    if convert_31 {
        v31::convert(&mut value).map_or_else(|p| problems.extend(p), |w| warnings.extend(w));
    }
    if !problems.is_empty() {
        problems.sort();
        return Err(unconvertible(problems));
    }
    warnings.extend(lenient::rewrite(&mut value));
    encoding::default_explode(&mut value);
    if inline::has_deep_local_refs(&value) {
        inline::share_deep_refs(&mut value).map_err(unconvertible)?;
        inline::inline_deep_refs(&mut value).map_err(unconvertible)?;
    }
    warnings.sort();
    warnings.dedup();
    let note = if convert_31 { " (in the document converted from OpenAPI 3.1)" } else { "" };
    let bounded = limits::Bounded { value, quirks };
    check_units(path, &bounded, note, units::check_nested)?;
    match serde_path_to_error::deserialize::<_, openapiv3::OpenAPI>(&bounded.value) {
        Ok(doc) => Ok(Loaded { doc, warnings }),
        Err(error) => Err(check_units(path, &bounded, note, units::check).err().unwrap_or_else(|| LoadError::Shape {
            path: path.to_owned(),
            pointer: pointer_of(error.path()),
            message: format!("{}{note}", error.inner()),
        })),
    }
}

/// The `openapi` (or `swagger`) version the text declares, if it is readable at all.
fn declared_version(format: TextFormat, text: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct VersionOnly {
        openapi: Option<serde_json::Value>,
        swagger: Option<serde_json::Value>,
    }
    let version = parse_fast::<VersionOnly>(format, text).ok()?;
    match version.openapi.or(version.swagger)? {
        serde_json::Value::String(s) => Some(s),
        other => Some(other.to_string()),
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

/// The first syntax error of the text, or the first node that does not fit OpenAPI 3.0.
fn syntax_or_shape_error(path: &str, format: TextFormat, text: &str) -> LoadError {
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
    if version.starts_with("3.0.") || version == "3.0" || is_31(version) {
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
            Segment::Map { key } => pointer.push_str(&crate::pointer::escape_token(key)),
            Segment::Enum { variant } => pointer.push_str(&crate::pointer::escape_token(variant)),
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
