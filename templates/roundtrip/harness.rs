//! The spec-independent half of a generated round-trip crate: the exchange between the cases
//! (which drive the generated client) and the responder (the generated server's `Api`
//! implementation), the comparison of JSON values with the first difference as a JSON
//! pointer, and the report.
//!
//! A case samples the operation's inputs, tells the exchange which documented answer the
//! responder is to give and with what body, calls the client, then checks that the
//! responder received exactly what the client was given and that the client returned
//! exactly what the responder answered. Values are compared after one decode into their
//! Rust type and one encode (the canonical form), with numbers compared by value.

use ::std::sync::Mutex;

use ::serde_json::Value;

/// What the responder is to answer next: the index of a documented answer of the operation
/// (in the order the generator lists them) and its body.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub operation: &'static str,
    pub answer: usize,
    pub status: u16,
    pub body: Option<Value>,
}

/// What the responder received: each parameter (by wire name) and `body`, encoded as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub operation: &'static str,
    pub values: Vec<(&'static str, Value)>,
}

/// Shared between the cases and the responder (one request at a time).
#[derive(Debug, Default)]
pub struct Exchange {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    planned: Option<Planned>,
    received: Option<Received>,
    /// Requests answered without a plan (the mock): the seed of the next sampled answer.
    unplanned: u64,
}

impl Exchange {
    pub fn plan(&self, planned: Planned) {
        let mut state = self.lock();
        state.planned = Some(planned);
        state.received = None;
    }

    /// The plan for `operation`, if a case made one for it; `None` answers as a mock would.
    pub fn take_plan(&self, operation: &str) -> Option<Planned> {
        let mut state = self.lock();
        match &state.planned {
            Some(planned) if planned.operation == operation => state.planned.take(),
            _ => None,
        }
    }

    /// A new seed for an unplanned answer, counting from `base`.
    pub fn next_unplanned(&self, base: u64) -> u64 {
        let mut state = self.lock();
        state.unplanned += 1;
        base.wrapping_add(state.unplanned)
    }

    pub fn record(&self, received: Received) {
        self.lock().received = Some(received);
    }

    pub fn take_received(&self) -> Option<Received> {
        self.lock().received.take()
    }

    fn lock(&self) -> ::std::sync::MutexGuard<'_, State> {
        // A panicking case must not stop the others: the state is plain data.
        self.state.lock().unwrap_or_else(::std::sync::PoisonError::into_inner)
    }
}

/// The credentials a mock accepts (`mock --credential SCHEME=VALUE`, repeatable): with none
/// given, any credential is accepted (the round trip's case); with some, a request is
/// accepted only when every credential it presents is the one given for its scheme (an API
/// key or bearer token as given, basic credentials as `user:password`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accepted {
    by_scheme: Vec<(String, String)>,
}

impl Accepted {
    /// From `SCHEME=VALUE` arguments; Err names the one without `=`.
    pub fn parse<'a>(arguments: impl IntoIterator<Item = &'a str>) -> Result<Accepted, String> {
        let mut by_scheme = Vec::new();
        for argument in arguments {
            let Some((scheme, value)) = argument.split_once('=').filter(|(scheme, _)| !scheme.is_empty()) else {
                return Err(format!("--credential takes SCHEME=VALUE, got `{argument}`"));
            };
            by_scheme.push((scheme.to_owned(), value.to_owned()));
        }
        Ok(Accepted { by_scheme })
    }

    /// `Ok` when the presented credentials are accepted; Err says which is not (never its value).
    pub fn check(&self, presented: &super::auth::Credentials) -> Result<(), String> {
        if self.by_scheme.is_empty() {
            return Ok(());
        }
        for (scheme, credential) in &presented.presented {
            let given = match credential {
                super::auth::Credential::ApiKey(secret) | super::auth::Credential::Bearer(secret) => secret.expose().to_owned(),
                super::auth::Credential::Basic { username, password } => format!("{username}:{}", password.expose()),
            };
            match self.by_scheme.iter().find(|(name, _)| name == scheme) {
                Some((_, expected)) if *expected == given => {}
                Some(_) => return Err(format!("the credential for `{scheme}` is not the one this mock accepts")),
                None => return Err(format!("this mock accepts no credential for `{scheme}`")),
            }
        }
        Ok(())
    }
}

/// One failed check: which case, where in the value, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// `operationId status` or the type name.
    pub case: String,
    /// JSON pointer into the compared value (`/body/items/0`), empty when not about a value.
    pub pointer: String,
    pub message: String,
}

impl ::std::fmt::Display for Failure {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}: {}", self.case, self.message)
        } else {
            write!(f, "{} at {}: {}", self.case, self.pointer, self.message)
        }
    }
}

pub fn failure(case: &str, pointer: &str, message: impl Into<String>) -> Failure {
    Failure { case: case.to_owned(), pointer: pointer.to_owned(), message: message.into() }
}

/// Counts of one kind of case, and the failures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub passed: usize,
    pub total: usize,
    pub failures: Vec<Failure>,
}

impl Tally {
    pub fn add(&mut self, outcome: Result<(), Failure>) {
        self.total += 1;
        match outcome {
            Ok(()) => self.passed += 1,
            Err(failure) => self.failures.push(failure),
        }
    }
}

/// The result of a run: operations (one case per operation and documented answer) and
/// types (one case per named type).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub operations: Tally,
    pub types: Tally,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.operations.failures.is_empty() && self.types.failures.is_empty()
    }

    /// `operations P/T, types P/T`, then one failure per line.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "operations {}/{}, types {}/{}",
            self.operations.passed, self.operations.total, self.types.passed, self.types.total
        );
        // The same failure in several rounds is shown once.
        let mut shown: Vec<String> = Vec::new();
        for failure in self.operations.failures.iter().chain(&self.types.failures) {
            let line = failure.to_string();
            if !shown.contains(&line) {
                text.push_str(&format!("\n  {line}"));
                shown.push(line);
            }
        }
        text
    }
}

/// The canonical form of a JSON value of Rust type `T`: decoded once, encoded again.
pub fn canonical<T: ::serde::de::DeserializeOwned + ::serde::Serialize>(value: Value) -> Result<(T, Value), String> {
    let typed: T = ::serde_json::from_value(value).map_err(|error| format!("does not decode: {error}"))?;
    let encoded = ::serde_json::to_value(&typed).map_err(|error| format!("does not encode: {error}"))?;
    Ok((typed, encoded))
}

/// Encodes a value the way the exchange records it.
pub fn encode<T: ::serde::Serialize>(value: &T) -> Value {
    ::serde_json::to_value(value).unwrap_or_else(|error| Value::String(format!("<does not encode: {error}>")))
}

/// A sampled value as a header's text, in OpenAPI's `simple` style: a string as it is, other
/// scalars as JSON writes them, a list's items and an object's keys and values joined by commas.
pub fn header_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => items.iter().map(header_text).collect::<Vec<_>>().join(","),
        Value::Object(map) => map.iter().flat_map(|(key, value)| [key.clone(), header_text(value)]).collect::<Vec<_>>().join(","),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The bytes a sampled raw body stands for: a string's UTF-8, or a list of byte values.
pub fn sampled_bytes(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::String(text) => Some(text.as_bytes().to_vec()),
        Value::Array(items) => items.iter().map(|item| item.as_u64().and_then(|byte| u8::try_from(byte).ok())).collect(),
        _ => None,
    }
}

/// Bytes as the exchange records them, so that both sides of a comparison read alike: text
/// when they are UTF-8, else a list of byte values.
pub fn bytes_value(bytes: &[u8]) -> Value {
    match ::std::str::from_utf8(bytes) {
        Ok(text) => Value::String(text.to_owned()),
        Err(_) => Value::Array(bytes.iter().map(|byte| Value::from(*byte)).collect()),
    }
}

/// `Ok` when equal (numbers by value, objects regardless of key order); otherwise the JSON
/// pointer of the first difference and what differs there.
pub fn compare(expected: &Value, actual: &Value, at: &str) -> Result<(), (String, String)> {
    match (expected, actual) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let pointer = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                match b.get(key) {
                    Some(other) => compare(value, other, &pointer)?,
                    None => return Err((pointer, format!("expected {value}, but it is absent"))),
                }
            }
            match b.keys().find(|key| !a.contains_key(*key)) {
                Some(key) => Err((format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")), format!("unexpected {}", b[key]))),
                None => Ok(()),
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            a.iter().zip(b).enumerate().try_for_each(|(index, (x, y))| compare(x, y, &format!("{at}/{index}")))
        }
        (Value::Number(a), Value::Number(b)) if a == b || a.as_f64() == b.as_f64() => Ok(()),
        (a, b) if a == b => Ok(()),
        (a, b) => Err((at.to_owned(), format!("expected {a}, got {b}"))),
    }
}

/// [`compare`] as a case's check.
pub fn check(case: &str, what: &str, expected: &Value, actual: &Value) -> Result<(), Failure> {
    compare(expected, actual, &format!("/{what}")).map_err(|(pointer, message)| failure(case, &pointer, message))
}

/// What the responder received against what the case sent.
pub fn check_received(
    case: &str,
    operation: &str,
    sent: &[(&'static str, Value)],
    received: Option<Received>,
    returned: &str,
) -> Result<(), Failure> {
    let Some(received) = received else {
        let sent: Vec<String> = sent.iter().map(|(name, value)| format!("{name} = {value}")).collect();
        return Err(failure(
            case,
            "",
            format!("the server's implementation was not called (the client returned: {returned}; sent {})", sent.join(", ")),
        ));
    };
    if received.operation != operation {
        return Err(failure(case, "", format!("the server called `{}` instead", received.operation)));
    }
    for ((name, expected), (_, actual)) in sent.iter().zip(&received.values) {
        check(case, name, expected, actual)?;
    }
    Ok(())
}

/// One type's round trip, `rounds` times (minimal, maximal, then random shapes): a sampled
/// value decodes into `T` and encodes back to the same JSON.
pub fn type_round_trip<T: ::serde::de::DeserializeOwned + ::serde::Serialize>(
    name: &str,
    schema: &'static super::schema::Schema,
    seed: u64,
    rounds: usize,
) -> Result<(), Failure> {
    for round in 0..rounds.max(1) {
        let shape = super::sample::Shape::of_variant(round as u64);
        let mut sampler = super::sample::Sampler::new(seed.wrapping_add(round as u64));
        let value = sampler
            .value_with(schema, shape)
            .map_err(|error| failure(name, "", format!("no value can be sampled: {error}")))?;
        let (_, encoded) = canonical::<T>(value.clone()).map_err(|error| failure(name, "", format!("the sampled {value} {error}")))?;
        compare(&value, &encoded, "").map_err(|(pointer, message)| failure(name, &pointer, format!("{message} (sampled {value})")))?;
    }
    Ok(())
}
