//! Overlay nodes: YAML to JSON conversion, key paths for messages, and type checks.

use serde_json::{Map, Value};

use super::Merge;

/// A key path into the overlay, printed like `operations."GET /notes".responses[0].status`.
#[derive(Debug, Clone)]
pub(super) struct KeyPath(String);

impl KeyPath {
    pub(super) fn root() -> Self {
        KeyPath(String::new())
    }

    pub(super) fn key(&self, key: &str) -> Self {
        let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let segment = if plain { key.to_owned() } else { format!("{key:?}") };
        if self.0.is_empty() {
            KeyPath(segment)
        } else {
            KeyPath(format!("{}.{segment}", self.0))
        }
    }

    pub(super) fn index(&self, index: usize) -> Self {
        KeyPath(format!("{}[{index}]", self.0))
    }

    pub(super) fn render(&self) -> String {
        if self.0.is_empty() {
            "(document root)".to_owned()
        } else {
            self.0.clone()
        }
    }
}

/// What kind of YAML/JSON node a value is, for messages.
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// A value as it is quoted in messages: compact JSON.
pub(super) fn show(value: &Value) -> String {
    value.to_string()
}

impl Merge<'_> {
    /// tags and non-finite numbers are errors.
    pub(super) fn yaml_to_json(&mut self, value: &serde_yaml::Value, at: &KeyPath) -> Option<Value> {
        use serde_yaml::Value as Y;
        match value {
            Y::Null => Some(Value::Null),
            Y::Bool(b) => Some(Value::Bool(*b)),
            Y::Number(n) => {
                let json = if let Some(i) = n.as_i64() {
                    Some(Value::from(i))
                } else if let Some(u) = n.as_u64() {
                    Some(Value::from(u))
                } else {
                    n.as_f64().and_then(serde_json::Number::from_f64).map(Value::Number)
                };
                if json.is_none() {
                    self.error_at(at, format!("the number `{n}` cannot be represented in JSON"));
                }
                json
            }
            Y::String(s) => Some(Value::String(s.clone())),
            Y::Sequence(items) => {
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    match self.yaml_to_json(item, &at.index(i)) {
                        Some(v) => out.push(v),
                        None => ok = false,
                    }
                }
                ok.then_some(Value::Array(out))
            }
            Y::Mapping(map) => {
                let mut out = Map::new();
                let mut ok = true;
                for (key, item) in map {
                    let key = match key {
                        Y::String(s) => s.clone(),
                        Y::Number(n) => n.to_string(),
                        Y::Bool(b) => b.to_string(),
                        other => {
                            self.error_at(at, format!("a map key must be a string, found `{other:?}`"));
                            ok = false;
                            continue;
                        }
                    };
                    match self.yaml_to_json(item, &at.key(&key)) {
                        Some(v) => {
                            out.insert(key, v);
                        }
                        None => ok = false,
                    }
                }
                ok.then_some(Value::Object(out))
            }
            Y::Tagged(tagged) => {
                self.error_at(at, format!("YAML tags such as `{}` are not supported", tagged.tag));
                None
            }
        }
    }

    /// The value as a map, or an error saying what was expected instead.
    pub(super) fn expect_map<'v>(
        &mut self,
        value: &'v Value,
        at: &KeyPath,
        what: &str,
    ) -> Option<&'v Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.error_at(at, format!("expected {what} (a map), found {}", kind(other)));
                None
            }
        }
    }

    pub(super) fn expect_kind(&mut self, value: &Value, at: &KeyPath, ok: bool, what: &str) -> bool {
        if !ok {
            self.error_at(at, format!("expected {what}, found {}", kind(value)));
        }
        ok
    }
}
