//! Constraint checks that generated validators call for what serde cannot express:
//! minimum/maximum, lengths, patterns, item counts and enum membership. Checks collect
//! [`Violation`]s (where, what is wrong) so one answer can list every problem.

use ::std::fmt::Display;
use ::std::sync::OnceLock;

use super::envelope::ApiError;
use super::extract::ParamError;

/// One broken constraint: where (a JSON pointer such as `/items/2/name`, or a parameter
/// name) and what is wrong, as a sentence fragment ("must be at most 500").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub at: String,
    pub message: String,
}

/// A `pattern` from the spec, compiled on first use.
#[derive(Debug)]
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Option<::regex::Regex>>,
}

impl Pattern {
    pub const fn new(source: &'static str) -> Self {
        Pattern { source, compiled: OnceLock::new() }
    }

    pub fn source(&self) -> &'static str {
        self.source
    }

    /// Whether `text` matches (unanchored, as JSON Schema says); `None` when the pattern
    /// uses syntax the `regex` crate does not support (lookaround, backreferences), in which
    /// case the check is skipped rather than rejecting valid input.
    pub fn is_match(&self, text: &str) -> Option<bool> {
        let compiled = self.compiled.get_or_init(|| {
            let compiled = ::regex::Regex::new(self.source).ok();
            if compiled.is_none() {
                ::tracing::warn!(pattern = self.source, "pattern is not supported by the regex crate; not checked");
            }
            compiled
        });
        compiled.as_ref().map(|regex| regex.is_match(text))
    }
}

/// Collected violations of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violations {
    found: Vec<Violation>,
}

impl Violations {
    pub fn new() -> Self {
        Violations::default()
    }

    pub fn push(&mut self, at: &str, message: impl Into<String>) {
        self.found.push(Violation { at: at.to_owned(), message: message.into() });
    }

    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    pub fn as_slice(&self) -> &[Violation] {
        &self.found
    }

    /// Keeps a parsed parameter, or records why it failed and gives `None`, so that every
    /// bad parameter of a request is reported at once (check `into_result` before using
    /// the values).
    pub fn take<T>(&mut self, parsed: Result<T, ParamError>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(error) => {
                self.push(&error.name, format!("({}) {}", error.location, error.problem));
                None
            }
        }
    }



    /// `minLength`, counted in characters.
    pub fn min_length(&mut self, at: &str, value: &str, limit: usize) {
        let length = value.chars().count();
        if length < limit {
            self.push(at, format!("must be at least {limit} character{} long, got {length}", plural(limit)));
        }
    }

    /// `maxLength`, counted in characters.
    pub fn max_length(&mut self, at: &str, value: &str, limit: usize) {
        let length = value.chars().count();
        if length > limit {
            self.push(at, format!("must be at most {limit} character{} long, got {length}", plural(limit)));
        }
    }

    /// `pattern`.
    pub fn pattern(&mut self, at: &str, value: &str, pattern: &Pattern) {
        if pattern.is_match(value) == Some(false) {
            self.push(at, format!("must match the pattern `{}`", pattern.source()));
        }
    }

    /// `minItems`.
    pub fn min_items(&mut self, at: &str, count: usize, limit: usize) {
        if count < limit {
            self.push(at, format!("must have at least {limit} item{}, got {count}", plural(limit)));
        }
    }

    /// `maxItems`.
    pub fn max_items(&mut self, at: &str, count: usize, limit: usize) {
        if count > limit {
            self.push(at, format!("must have at most {limit} item{}, got {count}", plural(limit)));
        }
    }

    /// `uniqueItems`.
    pub fn unique_items<T: PartialEq>(&mut self, at: &str, items: &[T]) {
        let repeated = items.iter().enumerate().any(|(index, item)| items[..index].contains(item));
        if repeated {
            self.push(at, "must not contain the same item twice");
        }
    }


    /// Ok when nothing was found, else a 400 whose message names the first violation and
    /// whose detail lists them all.
    pub fn into_result(self) -> Result<(), ApiError> {
        let Some(first) = self.found.first() else {
            return Ok(());
        };
        let mut message = format!("`{}` {}", first.at, first.message);
        if self.found.len() > 1 {
            let more = self.found.len() - 1;
            message.push_str(&format!(" (and {more} more problem{})", if more == 1 { "" } else { "s" }));
        }
        let detail: Vec<String> = self.found.iter().map(|violation| format!("`{}` {}", violation.at, violation.message)).collect();
        Err(ApiError::bad_request(message).with_detail(detail.join("; ")))
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}

/// Appends a key to a JSON pointer, escaping `~` and `/` (RFC 6901).
pub fn pointer_child(parent: &str, key: impl Display) -> String {
    let key = key.to_string().replace('~', "~0").replace('/', "~1");
    format!("{parent}/{key}")
}
