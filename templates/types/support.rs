//! Spec-independent value types used by the generated types: [`Nullable`] for optional fields
//! that may also be `null`, [`Flag`] for numeric `0`/`1` switches, and [`FilePart`] for
//! `format: binary` values (the files of multipart bodies).

/// An optional field that may also be `null`: absent, explicitly null, or a value.
///
/// Use with `#[serde(default, skip_serializing_if = "Nullable::is_absent")]` so that an absent
/// value is not written and a missing field decodes as [`Nullable::Absent`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Nullable<T> {
    /// The field is not present.
    #[default]
    Absent,
    /// The field is present and `null`.
    Null,
    /// The field is present with a value.
    Value(T),
}

/// Reading one is like reading an `Option`: [`value`](Nullable::value) when null and absent
/// mean the same to you, the variants when they do not.
///
/// ```
/// use runtime_templates::types::support::Nullable;
///
/// let data: Nullable<Vec<u32>> = Nullable::Value(vec![3, 4]);
/// assert_eq!(data.value().map(Vec::len), Some(2));
/// assert_eq!(data.as_deref(), Some(&[3, 4][..]));
/// assert_eq!(Nullable::<Vec<u32>>::Null.unwrap_or_default(), Vec::<u32>::new());
/// assert!(Nullable::<u32>::Absent.is_absent() && Nullable::<u32>::Null.is_null());
/// let sent: Nullable<String> = "Ada".to_owned().into();
/// assert!(sent.is_value());
/// ```
impl<T> Nullable<T> {
    /// Whether the field was not present.
    pub fn is_absent(&self) -> bool {
        matches!(self, Nullable::Absent)
    }

    /// Whether the field was present and `null`.
    ///
    /// ```
    /// use runtime_templates::types::support::Nullable;
    /// assert!(Nullable::<u8>::Null.is_null());
    /// assert!(!Nullable::<u8>::Absent.is_null());
    /// ```
    pub fn is_null(&self) -> bool {
        matches!(self, Nullable::Null)
    }

    /// Whether the field holds a value.
    ///
    /// ```
    /// use runtime_templates::types::support::Nullable;
    /// assert!(Nullable::Value(1).is_value());
    /// assert!(!Nullable::<u8>::Null.is_value());
    /// ```
    pub fn is_value(&self) -> bool {
        matches!(self, Nullable::Value(_))
    }

    /// The value, if there is one (absent and null both give `None`).
    ///
    /// ```
    /// use runtime_templates::types::support::Nullable;
    /// assert_eq!(Nullable::Value(7).value(), Some(&7));
    /// assert_eq!(Nullable::<u8>::Null.value(), None);
    /// ```
    pub fn value(&self) -> ::std::option::Option<&T> {
        self.as_ref()
    }

    /// The value, if there is one, taken out.
    ///
    /// ```
    /// use runtime_templates::types::support::Nullable;
    /// assert_eq!(Nullable::Value("a".to_owned()).into_value(), Some("a".to_owned()));
    /// assert_eq!(Nullable::<String>::Absent.into_value(), None);
    /// ```
    pub fn into_value(self) -> ::std::option::Option<T> {
        match self {
            Nullable::Value(value) => Some(value),
            Nullable::Absent | Nullable::Null => None,
        }
    }

    /// The value, if there is one (absent and null both give `None`); the same as [`value`](Nullable::value).
    pub fn as_ref(&self) -> ::std::option::Option<&T> {
        match self {
            Nullable::Value(value) => Some(value),
            Nullable::Absent | Nullable::Null => None,
        }
    }

    /// The value, if there is one, to change in place.
    ///
    /// ```
    /// use runtime_templates::types::support::Nullable;
    /// let mut count = Nullable::Value(1);
    /// if let Some(count) = count.as_mut() { *count += 1; }
    /// assert_eq!(count, Nullable::Value(2));
    /// ```
    pub fn as_mut(&mut self) -> ::std::option::Option<&mut T> {
        match self {
            Nullable::Value(value) => Some(value),
            Nullable::Absent | Nullable::Null => None,
        }
    }

    /// The value dereferenced (`&str` for a `String`, `&[T]` for a `Vec<T>`), if there is one.
    ///
    /// ```
    /// use runtime_templates::types::support::Nullable;
    /// let name = Nullable::Value("Ada".to_owned());
    /// assert_eq!(name.as_deref(), Some("Ada"));
    /// ```
    pub fn as_deref(&self) -> ::std::option::Option<&T::Target>
    where
        T: ::std::ops::Deref,
    {
        self.as_ref().map(|value| &**value)
    }

    /// Maps the value, keeping absent and null as they are.
    ///
    /// ```
    /// use runtime_templates::types::support::Nullable;
    /// assert_eq!(Nullable::Value(2).map(|n| n * 10), Nullable::Value(20));
    /// assert_eq!(Nullable::<u8>::Null.map(|n| n * 10), Nullable::Null);
    /// ```
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Nullable<U> {
        match self {
            Nullable::Absent => Nullable::Absent,
            Nullable::Null => Nullable::Null,
            Nullable::Value(value) => Nullable::Value(f(value)),
        }
    }

    /// The value, or `T::default()` when absent or null.
    ///
    /// ```
    /// use runtime_templates::types::support::Nullable;
    /// assert_eq!(Nullable::Value(vec![1]).unwrap_or_default(), vec![1]);
    /// assert_eq!(Nullable::<Vec<u8>>::Absent.unwrap_or_default(), Vec::<u8>::new());
    /// ```
    pub fn unwrap_or_default(self) -> T
    where
        T: Default,
    {
        self.into_value().unwrap_or_default()
    }

    /// `Some(None)` for null, `Some(Some(value))` for a value, `None` when absent.
    pub fn into_option(self) -> ::std::option::Option<::std::option::Option<T>> {
        match self {
            Nullable::Absent => None,
            Nullable::Null => Some(None),
            Nullable::Value(value) => Some(Some(value)),
        }
    }
}

impl<T> From<T> for Nullable<T> {
    /// A value to send.
    fn from(value: T) -> Self {
        Nullable::Value(value)
    }
}

impl<T> From<::std::option::Option<T>> for Nullable<T> {
    /// `None` becomes an explicit null.
    fn from(value: ::std::option::Option<T>) -> Self {
        match value {
            Some(value) => Nullable::Value(value),
            None => Nullable::Null,
        }
    }
}

impl<T: ::serde::Serialize> ::serde::Serialize for Nullable<T> {
    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Nullable::Value(value) => value.serialize(serializer),
            Nullable::Absent | Nullable::Null => serializer.serialize_none(),
        }
    }
}

impl<'de, T: ::serde::Deserialize<'de>> ::serde::Deserialize<'de> for Nullable<T> {
    /// Called only when the field is present (absence is `#[serde(default)]`).
    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(::std::option::Option::<T>::deserialize(deserializer)?.into())
    }
}

/// A `format: binary` value: bytes, and, as a part of a `multipart/form-data` body, the
/// part's file name and media type.
///
/// In a multipart body each file field is one part (a list is one part per file). When the
/// media type is not set, the client sends the spec's `encoding` type for the field, else
/// `application/octet-stream`. In JSON (a binary property outside multipart) only the bytes
/// are written, as a list of numbers.
///
/// ```
/// use runtime_templates::types::support::FilePart;
///
/// let file = FilePart::new(b"%PDF-1.7".to_vec()).with_file_name("report.pdf").with_content_type("application/pdf");
/// assert_eq!(file.len(), 8);
/// assert_eq!(file.file_name.as_deref(), Some("report.pdf"));
/// assert_eq!(serde_json::to_string(&FilePart::from(vec![1, 2])).unwrap(), "[1,2]");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FilePart {
    pub bytes: ::std::vec::Vec<u8>,
    /// The part's `filename`.
    pub file_name: ::std::option::Option<::std::string::String>,
    /// The part's `Content-Type`.
    pub content_type: ::std::option::Option<::std::string::String>,
}

impl FilePart {
    /// A file of these bytes, with no name or media type.
    pub fn new(bytes: impl Into<::std::vec::Vec<u8>>) -> Self {
        FilePart { bytes: bytes.into(), file_name: None, content_type: None }
    }

    /// Sets the part's file name.
    pub fn with_file_name(mut self, file_name: impl Into<::std::string::String>) -> Self {
        self.file_name = Some(file_name.into());
        self
    }

    /// Sets the part's media type.
    pub fn with_content_type(mut self, content_type: impl Into<::std::string::String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

impl ::std::ops::Deref for FilePart {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl From<::std::vec::Vec<u8>> for FilePart {
    fn from(bytes: ::std::vec::Vec<u8>) -> Self {
        FilePart::new(bytes)
    }
}

impl From<&[u8]> for FilePart {
    fn from(bytes: &[u8]) -> Self {
        FilePart::new(bytes)
    }
}

impl ::serde::Serialize for FilePart {
    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.bytes.serialize(serializer)
    }
}

impl<'de> ::serde::Deserialize<'de> for FilePart {
    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ::std::vec::Vec::<u8>::deserialize(deserializer).map(FilePart::new)
    }
}

/// A multipart body's file field as the generated code reads and fills it, whatever its
/// shape: one file, an optional one, a list, or a union with a file variant (a file or a
/// value, read by the part's kind).
pub trait Files {
    /// The files it holds, in order (none when it holds a value that is not a file).
    fn files(&self) -> ::std::vec::Vec<&FilePart>;
    /// A value holding the files received: the first for a single file, all of them for a
    /// list; `None` when they cannot make one (no file for a single file).
    fn from_files(files: ::std::vec::Vec<FilePart>) -> ::std::option::Option<Self>
    where
        Self: Sized;
    /// Puts received files in, replacing what is there; nothing when none were received.
    fn put(&mut self, files: ::std::vec::Vec<FilePart>)
    where
        Self: Sized,
    {
        if files.is_empty() {
            return;
        }
        if let Some(value) = Self::from_files(files) {
            *self = value;
        }
    }
}

impl Files for FilePart {
    fn files(&self) -> ::std::vec::Vec<&FilePart> {
        vec![self]
    }
    fn from_files(files: ::std::vec::Vec<FilePart>) -> ::std::option::Option<Self> {
        files.into_iter().next()
    }
}

impl<T: Files> Files for ::std::option::Option<T> {
    fn files(&self) -> ::std::vec::Vec<&FilePart> {
        self.as_ref().map(Files::files).unwrap_or_default()
    }
    fn from_files(files: ::std::vec::Vec<FilePart>) -> ::std::option::Option<Self> {
        T::from_files(files).map(Some)
    }
}

impl<T: Files> Files for Nullable<T> {
    fn files(&self) -> ::std::vec::Vec<&FilePart> {
        self.as_ref().map(Files::files).unwrap_or_default()
    }
    fn from_files(files: ::std::vec::Vec<FilePart>) -> ::std::option::Option<Self> {
        T::from_files(files).map(Nullable::Value)
    }
}

impl Files for ::std::vec::Vec<FilePart> {
    fn files(&self) -> ::std::vec::Vec<&FilePart> {
        self.iter().collect()
    }
    fn from_files(files: ::std::vec::Vec<FilePart>) -> ::std::option::Option<Self> {
        Some(files)
    }
}

impl<T: Files> Files for ::std::boxed::Box<T> {
    fn files(&self) -> ::std::vec::Vec<&FilePart> {
        (**self).files()
    }
    fn from_files(files: ::std::vec::Vec<FilePart>) -> ::std::option::Option<Self> {
        T::from_files(files).map(::std::boxed::Box::new)
    }
}

/// A `0`/`1` switch. Decodes from `0`, `1`, `true`, `false` (and `"0"`/`"1"`), and is sent
/// as `0` or `1`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Flag(pub bool);

impl Flag {
    pub const OFF: Flag = Flag(false);
    pub const ON: Flag = Flag(true);

    pub fn is_set(self) -> bool {
        self.0
    }
}

impl From<bool> for Flag {
    fn from(value: bool) -> Self {
        Flag(value)
    }
}

impl From<Flag> for bool {
    fn from(flag: Flag) -> Self {
        flag.0
    }
}

impl ::std::fmt::Display for Flag {
    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
        f.write_str(if self.0 { "1" } else { "0" })
    }
}

impl ::serde::Serialize for Flag {
    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(u8::from(self.0))
    }
}

impl<'de> ::serde::Deserialize<'de> for Flag {
    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FlagVisitor;
        impl ::serde::de::Visitor<'_> for FlagVisitor {
            type Value = Flag;
            fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str("0, 1, true or false")
            }
            fn visit_bool<E: ::serde::de::Error>(self, value: bool) -> Result<Flag, E> {
                Ok(Flag(value))
            }
            fn visit_u64<E: ::serde::de::Error>(self, value: u64) -> Result<Flag, E> {
                match value {
                    0 => Ok(Flag(false)),
                    1 => Ok(Flag(true)),
                    _ => Err(E::invalid_value(::serde::de::Unexpected::Unsigned(value), &self)),
                }
            }
            fn visit_i64<E: ::serde::de::Error>(self, value: i64) -> Result<Flag, E> {
                match value {
                    0 => Ok(Flag(false)),
                    1 => Ok(Flag(true)),
                    _ => Err(E::invalid_value(::serde::de::Unexpected::Signed(value), &self)),
                }
            }
            fn visit_f64<E: ::serde::de::Error>(self, value: f64) -> Result<Flag, E> {
                if value == 0.0 {
                    Ok(Flag(false))
                } else if value == 1.0 {
                    Ok(Flag(true))
                } else {
                    Err(E::invalid_value(::serde::de::Unexpected::Float(value), &self))
                }
            }
            fn visit_str<E: ::serde::de::Error>(self, value: &str) -> Result<Flag, E> {
                match value {
                    "0" | "false" => Ok(Flag(false)),
                    "1" | "true" => Ok(Flag(true)),
                    _ => Err(E::invalid_value(::serde::de::Unexpected::Str(value), &self)),
                }
            }
        }
        deserializer.deserialize_any(FlagVisitor)
    }
}

/// What generated `oneOf`/`anyOf` types call to decode and encode themselves: the generator
/// decides per union how its variants are told apart (a discriminator, the JSON type, a
/// property) and emits the tests; these functions do the rest and word the errors, which name
/// the union, the variant and the rule that chose it.
#[doc(hidden)]
pub mod union {
    use ::serde_json::Value;

    /// The JSON type of a value; integers (no fraction or exponent) apart from other numbers.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Kind {
        Null,
        Boolean,
        Integer,
        Number,
        String,
        Array,
        Object,
    }

    pub fn kind(value: &Value) -> Kind {
        match value {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Boolean,
            Value::Number(number) if number.is_f64() => Kind::Number,
            Value::Number(_) => Kind::Integer,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }

    /// Decodes a value as one variant (for [`first_fit`]).
    pub type Decoder<T> = fn(Value) -> Result<T, ::serde_json::Error>;

    /// Whether `value` is one of `values`.
    pub fn value_in(value: &Value, values: &[Value]) -> bool {
        values.contains(value)
    }

    /// `value` decoded as `variant` of `union`, chosen by `rule` (`by discriminator ...`).
    pub fn decode<T: ::serde::de::DeserializeOwned>(union: &str, variant: &str, rule: &str, value: Value) -> Result<T, String> {
        ::serde_json::from_value(value).map_err(|error| format!("{union}: decoded as {variant} {rule}, but {error}"))
    }

    /// The string value of the discriminator `property`; `None` when the value holds no such
    /// property (or is no object), which JSON Schema reads by the alternatives alone.
    pub fn tag_if_present(union: &str, property: &str, value: &Value) -> Result<Option<String>, String> {
        match value.as_object().and_then(|map| map.get(property)) {
            None => Ok(None),
            Some(_) => tag(union, property, value).map(Some),
        }
    }

    /// The string value of the discriminator `property`.
    pub fn tag(union: &str, property: &str, value: &Value) -> Result<String, String> {
        match value {
            Value::Object(map) => match map.get(property) {
                Some(Value::String(tag)) => Ok(tag.clone()),
                Some(other) => Err(format!("{union}: discriminator `{property}` must be a string, got {}", json_type(other))),
                None => Err(format!("{union}: the discriminator `{property}` is missing")),
            },
            other => Err(format!("{union}: expected an object with the discriminator `{property}`, got {}", json_type(other))),
        }
    }

    /// The error for a discriminator value no variant is mapped to.
    pub fn unknown_tag(union: &str, property: &str, tag: &str, expected: &str) -> String {
        format!("{union}: discriminator `{property}` is `{tag}`, expected one of: {expected}")
    }

    /// The error for a value whose JSON type no variant takes, or that no variant's test fits.
    pub fn no_variant(union: &str, value: &Value, expected: &str) -> String {
        format!("{union}: no variant takes {}; expected {expected}", json_type(value))
    }

    /// Whether the object's `property` equals `expected`.
    pub fn property_is(value: &Value, property: &str, expected: &Value) -> bool {
        value.get(property) == Some(expected)
    }

    /// Whether the object's `property` is one of `expected`.
    pub fn property_in(value: &Value, property: &str, expected: &[Value]) -> bool {
        value.get(property).is_some_and(|found| expected.contains(found))
    }

    /// Whether the object has `property`.
    pub fn has_property(value: &Value, property: &str) -> bool {
        value.as_object().is_some_and(|map| map.contains_key(property))
    }

    /// The first variant that decodes `value`, preferring one whose encoding is the value
    /// itself, then one whose encoding keeps every property and item of the value (so a value
    /// is not taken by a variant that would drop what another understands, or add what it
    /// never had, such as a `null` for a nullable property the value leaves out). When none
    /// decodes, each variant's reason.
    pub fn first_fit<T: ::serde::Serialize>(
        union: &str,
        value: Value,
        candidates: &[(&str, Decoder<T>)],
    ) -> Result<T, String> {
        let mut first: Option<T> = None;
        let mut keeping: Option<T> = None;
        let mut reasons = Vec::new();
        for (name, decode) in candidates {
            match decode(value.clone()) {
                Ok(decoded) => {
                    let encoded = ::serde_json::to_value(&decoded).ok();
                    if encoded.as_ref().is_some_and(|encoded| same(&value, encoded)) {
                        return Ok(decoded);
                    }
                    if keeping.is_none() && encoded.is_some_and(|encoded| keeps(&value, &encoded)) {
                        keeping = Some(decoded);
                    } else {
                        first.get_or_insert(decoded);
                    }
                }
                Err(error) => reasons.push(format!("{name}: {error}")),
            }
        }
        keeping.or(first).ok_or_else(|| format!("{union}: no variant fits (tried in order): {}", reasons.join("; ")))
    }

    /// Whether `a` and `b` are the same JSON value, numbers compared by value.
    pub fn same(a: &Value, b: &Value) -> bool {
        match (a, b) {
            (Value::Object(a), Value::Object(b)) => {
                a.len() == b.len() && a.iter().all(|(key, value)| b.get(key).is_some_and(|other| same(value, other)))
            }
            (Value::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b)),
            (Value::Number(a), Value::Number(b)) => a == b || a.as_f64() == b.as_f64(),
            (a, b) => a == b,
        }
    }

    /// Whether `encoded` holds everything `input` has: every property (recursively) and item,
    /// numbers compared by value.
    pub fn keeps(input: &Value, encoded: &Value) -> bool {
        match (input, encoded) {
            (Value::Object(input), Value::Object(encoded)) => input
                .iter()
                .all(|(key, value)| encoded.get(key).is_some_and(|kept| keeps(value, kept)) || value.is_null() && !encoded.contains_key(key)),
            (Value::Array(input), Value::Array(encoded)) => {
                input.len() == encoded.len() && input.iter().zip(encoded).all(|(a, b)| keeps(a, b))
            }
            (Value::Number(a), Value::Number(b)) => a == b || a.as_f64() == b.as_f64(),
            (a, b) => a == b,
        }
    }

    /// Encodes a variant of a discriminated union: its encoding, with the discriminator set to
    /// `tag` unless it already holds one of the variant's `tags`.
    pub fn serialize_tagged<S: ::serde::Serializer, T: ::serde::Serialize>(
        serializer: S,
        variant: &T,
        property: &str,
        tag: &str,
        tags: &[&str],
    ) -> Result<S::Ok, S::Error> {
        let mut value = ::serde_json::to_value(variant).map_err(<S::Error as ::serde::ser::Error>::custom)?;
        if let Value::Object(map) = &mut value {
            let tagged = map.get(property).and_then(Value::as_str).is_some_and(|current| tags.contains(&current));
            if !tagged {
                map.insert(property.to_owned(), Value::String(tag.to_owned()));
            }
        }
        ::serde::Serialize::serialize(&value, serializer)
    }

    fn json_type(value: &Value) -> &'static str {
        match value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(number) if number.is_f64() => "a number",
            Value::Number(_) => "an integer",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}
