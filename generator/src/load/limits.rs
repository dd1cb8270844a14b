//! The document read into a JSON value within fixed bounds, before `openapiv3` sees it: at most
//! [`MAX_DOCUMENT_BYTES`] of text, [`MAX_NESTING`] levels of objects and arrays, [`MAX_VALUES`]
//! values (after YAML aliases are expanded), and no key twice in one object.
//!
//! Duplicate keys are refused because `openapiv3` keeps both copies while it tries a
//! `ReferenceOr` alternative and only one when it retries, and then panics; YAML requires
//! unique keys and JSON recommends them, and which copy wins differs between tools.
//!
//! What JSON cannot say (YAML keys that are numbers or booleans, `.inf`/`.nan`, `!tags`) is read
//! the way `serde_json::Value` would read it and noted as a [`Quirk`], for the schema checks.

use std::fmt;

use serde::de::{self, DeserializeSeed, Visitor};
use serde_json::{Map, Value};


/// Documents larger than this (64 MiB) are refused; GitHub's REST description, among the largest
/// published, is 13 MB.
pub const MAX_DOCUMENT_BYTES: usize = 64 << 20;
/// No value may sit deeper than this many objects and arrays (its JSON pointer has at most this
/// many tokens). The deepest document of the public corpus nests 30 levels; `openapiv3` needs
/// about 35 KB of stack per level in a debug build, which is what keeps the limit this low.
pub const MAX_NESTING: usize = 64;
/// At most this many values (objects, arrays, strings, numbers, booleans, nulls) after YAML
/// aliases are expanded; GitHub's description has about 260,000.
pub const MAX_VALUES: usize = 8_000_000;

/// Why the text could not be read within the bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not YAML or JSON; the parser's message (without position) and where.
    Syntax { location: String, message: String },
    /// A bound was crossed at `pointer`.
    Limit { pointer: String, message: String },
    /// A key appears twice in the object at `pointer`.
    DuplicateKey { pointer: String, key: String },
}

/// Something YAML can write that JSON cannot, read as `serde_json::Value` reads it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quirk {
    /// JSON pointer of the value (for a key: of the value under that key).
    pub pointer: String,
    pub message: String,
}

/// A document read within the bounds, and its quirks in document order.
#[derive(Debug)]
pub struct Bounded {
    pub value: Value,
    pub quirks: Vec<Quirk>,
}

/// Reads `text` (JSON when `json`, YAML otherwise) within the bounds.
pub fn read(text: &str, json: bool) -> Result<Bounded, Refusal> {
    read_with(text, json, MAX_VALUES)
}

fn read_with(text: &str, json: bool, max_values: usize) -> Result<Bounded, Refusal> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(Refusal::Limit {
            pointer: "/".to_owned(),
            message: format!(
                "the document is {} bytes; documents of more than {MAX_DOCUMENT_BYTES} bytes (64 MiB) are not read",
                text.len()
            ),
        });
    }
    let mut reader = Reader { max_values, ..Reader::default() };
    let parsed = if json {
        let mut de = serde_json::Deserializer::from_str(text);
        Node(&mut reader).deserialize(&mut de).and_then(|value| de.end().map(|()| value)).map_err(|e| syntax_json(&e))
    } else {
        Node(&mut reader).deserialize(serde_yaml::Deserializer::from_str(text)).map_err(|e| syntax_yaml(&e))
    };
    match (parsed, reader.refusal) {
        (_, Some(refusal)) => Err(refusal),
        (Ok(value), None) => Ok(Bounded { value, quirks: reader.quirks }),
        (Err(syntax), None) => Err(syntax),
    }
}

fn syntax_json(error: &serde_json::Error) -> Refusal {
    let message = error.to_string();
    let message = message.rfind(" at line ").map_or(message.as_str(), |at| &message[..at]).to_owned();
    Refusal::Syntax { location: format!("line {} column {}", error.line(), error.column()), message }
}

fn syntax_yaml(error: &serde_yaml::Error) -> Refusal {
    let location = error
        .location()
        .map(|l| format!("line {} column {}", l.line(), l.column()))
        .unwrap_or_else(|| "somewhere".to_owned());
    let message = error.to_string();
    let message = message.rfind(" at line ").map_or(message.as_str(), |at| &message[..at]).to_owned();
    Refusal::Syntax { location, message }
}

/// The walk's state: the JSON pointer of the value being read (one buffer, tokens pushed and
/// truncated, so that reading a key allocates nothing more), its depth, the count so far, and
/// the first refusal (the parser's own error then only carries it out).
#[derive(Default)]
struct Reader {
    at: String,
    depth: usize,
    values: usize,
    max_values: usize,
    refusal: Option<Refusal>,
    quirks: Vec<Quirk>,
}

impl Reader {
    fn pointer(&self) -> String {
        if self.at.is_empty() {
            "/".to_owned()
        } else {
            self.at.clone()
        }
    }

    /// Descends into `token` (escaped as a pointer token); returns where to truncate back to.
    fn enter(&mut self, token: &str) -> usize {
        let back = self.at.len();
        self.at.push('/');
        for c in token.chars() {
            match c {
                '~' => self.at.push_str("~0"),
                '/' => self.at.push_str("~1"),
                c => self.at.push(c),
            }
        }
        self.depth += 1;
        back
    }

    fn leave(&mut self, back: usize) {
        self.at.truncate(back);
        self.depth -= 1;
    }

    fn refuse<E: de::Error>(&mut self, refusal: Refusal) -> E {
        let message = format!("{refusal:?}");
        self.refusal.get_or_insert(refusal);
        E::custom(message)
    }

    fn quirk(&mut self, message: String) {
        let pointer = self.pointer();
        self.quirks.push(Quirk { pointer, message });
    }
}

/// One value at the reader's current pointer.
struct Node<'r>(&'r mut Reader);

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        let reader = self.0;
        if reader.depth > MAX_NESTING {
            let pointer = reader.pointer();
            let message = format!("nested deeper than {MAX_NESTING} levels of objects and arrays");
            return Err(reader.refuse(Refusal::Limit { pointer, message }));
        }
        reader.values += 1;
        if reader.values > reader.max_values {
            let pointer = reader.pointer();
            let message = format!("the document has more than {} values (after YAML aliases are expanded)", reader.max_values);
            return Err(reader.refuse(Refusal::Limit { pointer, message }));
        }
        deserializer.deserialize_any(NodeVisitor(reader))
    }
}

struct NodeVisitor<'r>(&'r mut Reader);

impl<'de> Visitor<'de> for NodeVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON or YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    /// YAML integers beyond `u64`/`i64` (`-9223372036854776000`, JSON's spelling of -2^63 as
    /// printed from a float) are read as the nearest float, as a JSON parser reads them; a
    /// keyword that needs an `i64` then drops them with a warning (`lenient`).
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        match i64::try_from(v) {
            Ok(v) => Ok(Value::from(v)),
            Err(_) => self.visit_f64(v as f64),
        }
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        match u64::try_from(v) {
            Ok(v) => Ok(Value::from(v)),
            Err(_) => self.visit_f64(v as f64),
        }
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        match serde_json::Number::from_f64(v) {
            Some(number) => Ok(Value::Number(number)),
            None => {
                self.0.quirk(format!("`{v}` is not a JSON number"));
                Ok(Value::Null)
            }
        }
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let reader = self.0;
        let mut items = Vec::new();
        loop {
            let back = reader.enter(&itoa(items.len()));
            let item = seq.next_element_seed(Node(reader));
            reader.leave(back);
            match item? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let reader = self.0;
        let mut object = Map::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let back = reader.enter(&key.text);
            if let Some(kind) = key.not_a_string {
                reader.quirk(format!("the key `{}` is {kind}, not a string; quote it", key.text));
            }
            let value = map.next_value_seed(Node(&mut *reader));
            let value = match value {
                Ok(value) => value,
                Err(error) => {
                    reader.leave(back);
                    return Err(error);
                }
            };
            if object.insert(key.text, value).is_some() {
                let pointer = reader.pointer();
                let key = pointer[back + 1..].replace("~1", "/").replace("~0", "~");
                reader.leave(back);
                return Err(reader.refuse(Refusal::DuplicateKey { pointer, key }));
            }
            reader.leave(back);
        }
        Ok(Value::Object(object))
    }

    /// A YAML `!tag value`: the value is kept, the tag noted.
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let reader = self.0;
        let (tag, variant) = data.variant::<String>()?;
        reader.quirk(format!("the YAML tag `!{}` has no JSON equivalent", tag.trim_start_matches('!')));
        de::VariantAccess::newtype_variant_seed(variant, Node(reader))
    }
}

/// An index as text, without allocating for the small ones.
fn itoa(index: usize) -> std::borrow::Cow<'static, str> {
    const SMALL: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    SMALL.get(index).map_or_else(|| std::borrow::Cow::Owned(index.to_string()), |s| std::borrow::Cow::Borrowed(*s))
}

/// A key as text, and what it was when it was not a string (YAML `200:`, `true:`).
struct Key {
    text: String,
    not_a_string: Option<&'static str>,
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_any(KeyVisitor)
    }
}

struct KeyVisitor;

impl KeyVisitor {
    fn other(text: String, kind: &'static str) -> Key {
        Key { text, not_a_string: Some(kind) }
    }
}

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key that is a string, number or boolean")
    }

    fn visit_str<E>(self, v: &str) -> Result<Key, E> {
        Ok(Key { text: v.to_owned(), not_a_string: None })
    }

    fn visit_string<E>(self, v: String) -> Result<Key, E> {
        Ok(Key { text: v, not_a_string: None })
    }

    fn visit_bool<E>(self, v: bool) -> Result<Key, E> {
        Ok(Self::other(v.to_string(), "a boolean"))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Key, E> {
        Ok(Self::other(v.to_string(), "a number"))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Key, E> {
        Ok(Self::other(v.to_string(), "a number"))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Key, E> {
        let text = serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string());
        Ok(Self::other(text, "a number"))
    }

    fn visit_unit<E>(self) -> Result<Key, E> {
        Ok(Self::other("null".to_owned(), "null"))
    }
}

/// Values in `value`, counted as the loader's limits count them (every object, array and scalar).
pub(super) fn count_values(value: &serde_json::Value) -> usize {
    let mut count = 0;
    let mut pending = vec![value];
    while let Some(node) = pending.pop() {
        count += 1;
        match node {
            serde_json::Value::Object(map) => pending.extend(map.values()),
            serde_json::Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(text: &str, json: bool) -> Refusal {
        read(text, json).expect_err("refused")
    }

    fn nested(levels: usize) -> String {
        format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
    }

    #[test]
    fn nesting_is_bounded_with_the_pointer_of_the_first_value_too_deep() {
        assert!(read(&nested(MAX_NESTING), true).is_ok());
        let expected = format!("{}/0", "/0".repeat(MAX_NESTING));
        match refusal(&nested(MAX_NESTING + 1), true) {
            Refusal::Limit { pointer, message } => {
                assert_eq!(pointer, expected);
                assert!(message.contains("deeper than 64"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        // Far beyond serde_json's own recursion limit (128), the pointer is still ours.
        assert!(matches!(refusal(&nested(10_000), true), Refusal::Limit { .. }));
        let yaml = format!("a:\n{}", (1..=70).map(|i| format!("{}- ", "  ".repeat(i))).collect::<Vec<_>>().join("\n"));
        assert!(matches!(refusal(&yaml, false), Refusal::Limit { .. }), "{yaml}");
    }

    #[test]
    fn documents_over_the_size_limit_are_refused_unread() {
        let text = format!("{{\"openapi\": \"3.0.3\"{}}}", " ".repeat(MAX_DOCUMENT_BYTES));
        assert!(matches!(refusal(&text, true), Refusal::Limit { pointer, .. } if pointer == "/"));
    }

    #[test]
    fn duplicate_keys_are_refused_where_they_are() {
        let refused = refusal(r#"{"a": {"type": "string", "type": "integer"}}"#, true);
        assert_eq!(refused, Refusal::DuplicateKey { pointer: "/a/type".to_owned(), key: "type".to_owned() });
        let refused = refusal("a:\n  - {name: x, name: y}\n", false);
        assert_eq!(refused, Refusal::DuplicateKey { pointer: "/a/0/name".to_owned(), key: "name".to_owned() });
    }

    #[test]
    fn alias_expansion_counts_against_the_value_limit() {
        let yaml = format!("a: &a [{}]\nb: [{}]\n", vec!["x"; 100].join(", "), vec!["*a"; 100].join(", "));
        assert!(read_with(&yaml, false, 20_000).is_ok());
        match read_with(&yaml, false, 5_000).expect_err("over the limit") {
            Refusal::Limit { pointer, message } => {
                assert!(pointer.starts_with("/b/"), "{pointer}");
                assert!(message.contains("more than 5000 values"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        // serde_yaml's own bound on alias jumps stops a billion laughs before the count does.
        let mut yaml = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..9 {
            let refs = vec![format!("*a{}", level - 1); 10].join(", ");
            yaml.push_str(&format!("a{level}: &a{level} [{refs}]\n"));
        }
        let started = std::time::Instant::now();
        assert!(matches!(refusal(&yaml, false), Refusal::Syntax { message, .. } if message.contains("repetition limit")));
        assert!(started.elapsed().as_secs() < 10);
    }

    #[test]
    fn numbers_beyond_64_bits_read_as_floats_in_yaml_as_in_json() {
        let text = "a: -9223372036854776000\nb: 18446744073709551616\nc: 1000000000000000000000000000000000000000000\nd: 18446744073709551615\n";
        let yaml = read(text, false).expect("reads").value;
        assert_eq!(yaml["a"].as_f64(), Some(-9223372036854775808.0));
        assert!(yaml["a"].is_f64() && yaml["b"].is_f64() && yaml["c"].is_f64(), "{yaml}");
        assert_eq!(yaml["d"].as_u64(), Some(u64::MAX));
        let json = read(r#"{"a": -9223372036854776000, "b": 18446744073709551616}"#, true).expect("reads").value;
        assert_eq!((json["a"].clone(), json["b"].clone()), (yaml["a"].clone(), yaml["b"].clone()));
    }

    #[test]
    fn yaml_quirks_are_noted_and_syntax_errors_located() {
        let read = read("a:\n  200: x\n  b: .inf\n  c: !custom 5\n", false).expect("reads");
        assert_eq!(read.value, serde_json::json!({"a": {"200": "x", "b": null, "c": 5}}));
        let pointers: Vec<&str> = read.quirks.iter().map(|q| q.pointer.as_str()).collect();
        assert_eq!(pointers, ["/a/200", "/a/b", "/a/c"]);
        assert!(matches!(refusal("{\"a\": 1,}", true), Refusal::Syntax { location, .. } if location == "line 1 column 9"));
        assert!(matches!(refusal("{\"a\": 1} x", true), Refusal::Syntax { .. }));
        assert!(matches!(refusal("a: [1, 2\n", false), Refusal::Syntax { .. }));
    }
}
