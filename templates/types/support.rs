//! Spec-independent value types used by the generated types: [`Nullable`] for optional fields
//! that may also be `null`, and [`Flag`] for numeric `0`/`1` switches.

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

impl<T> Nullable<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Nullable::Absent)
    }

    /// The value, if there is one (absent and null both give `None`).
    pub fn as_ref(&self) -> ::std::option::Option<&T> {
        match self {
            Nullable::Value(value) => Some(value),
            Nullable::Absent | Nullable::Null => None,
        }
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
