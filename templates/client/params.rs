//! Rendering parameter values into URLs as OpenAPI's `style`/`explode` say. Values go
//! through `serde_json::Value`, so anything `Serialize` works and strings (including enums
//! and `$ref`'d string types) are written bare, never JSON-quoted.

use ::percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use ::serde_json::Value;

/// Everything except RFC 3986 unreserved characters is escaped in query names and values.
const QUERY_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Path segments: the same set, so `/`, `?`, `#` and `%` inside a value cannot change the URL's shape.
const PATH_SEGMENT: &AsciiSet = QUERY_COMPONENT;

/// How a query parameter is serialised (OpenAPI `style` + `explode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryStyle {
    /// `style: form`. Arrays: `a=1&a=2` when exploded, `a=1,2` otherwise. Objects:
    /// `k1=v1&k2=v2` when exploded, `a=k1,v1,k2,v2` otherwise.
    Form { explode: bool },
    /// `style: spaceDelimited`: `a=1%202`.
    SpaceDelimited,
    /// `style: pipeDelimited`: `a=1|2`.
    PipeDelimited,
    /// `style: deepObject`: `a[k1]=v1&a[k2]=v2`, nested values as `a[k][k2]=v` and lists
    /// as `a[0]=v` (brackets percent-encoded); a scalar as `a=v`.
    DeepObject,
}

impl QueryStyle {
    /// The OpenAPI default for query parameters.
    pub const DEFAULT: QueryStyle = QueryStyle::Form { explode: true };
}

/// Serialises `value` to JSON data, turning failures into a message naming the parameter.
pub fn to_value<T: ::serde::Serialize + ?Sized>(name: &str, value: &T) -> Result<Value, String> {
    ::serde_json::to_value(value).map_err(|error| format!("parameter `{name}` cannot be encoded: {error}"))
}

/// A scalar written bare: strings as they are, numbers and booleans in JSON notation.
/// Err for arrays and objects.
pub fn scalar_text(name: &str, value: &Value) -> Result<String, String> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Number(number) => Ok(number.to_string()),
        Value::Bool(flag) => Ok(flag.to_string()),
        Value::Null => Ok(String::new()),
        Value::Array(_) | Value::Object(_) => {
            Err(format!("parameter `{name}` must be a scalar here, got a nested array or object"))
        }
    }
}

/// An `application/x-www-form-urlencoded` body: one field per property. A field set to null
/// is refused (Err naming it): a form has no spelling for null, and leaving the field out
/// would send "absent" instead. Each field is written in the style its `encoding` gives (`styles`, by field name) or
/// else OpenAPI's default, `style: form, explode: true` (lists as repeated fields). A field
/// that holds objects, or lists of lists, has no form spelling, so it is written in
/// bracket notation (`deepObject`: `address[city]=x`, `items[0][price]=y`), as Rails, PHP
/// and `qs` read it, whatever its style.
pub fn form_text<T: ::serde::Serialize + ?Sized>(body: &T, styles: &[(&str, QueryStyle)]) -> Result<String, String> {
    let Value::Object(fields) = ::serde_json::to_value(body).map_err(|error| error.to_string())? else {
        return Err("a form body must be an object".to_owned());
    };
    let mut text = String::new();
    for (name, value) in &fields {
        if value.is_null() {
            return Err(format!("form field `{name}` is null, which a form body cannot carry; leave it out instead"));
        }
        let declared = styles.iter().find(|(field, _)| field == name).map(|(_, style)| *style);
        let style = if is_nested(value) { QueryStyle::DeepObject } else { declared.unwrap_or(QueryStyle::DEFAULT) };
        append_query(&mut text, name, value, style)?;
    }
    Ok(text)
}

/// Whether a value holds an object, or a list holds lists or objects.
fn is_nested(value: &Value) -> bool {
    match value {
        Value::Object(_) => true,
        Value::Array(items) => items.iter().any(|item| item.is_object() || item.is_array()),
        _ => false,
    }
}

/// Whether an encoded query string already holds a pair named `name`.
pub fn query_has(query: &str, name: &str) -> bool {
    let encoded = encode_query(name);
    query.split('&').any(|pair| pair.split('=').next() == Some(encoded.as_str()))
}

fn encode_query(text: &str) -> String {
    utf8_percent_encode(text, QUERY_COMPONENT).to_string()
}

/// Appends `name` rendered in `style` to an encoded query string (`a=1&b=2`, no `?`).
/// `null` (an absent `Option`) appends nothing.
pub fn append_query(query: &mut String, name: &str, value: &Value, style: QueryStyle) -> Result<(), String> {
    let mut push = |key: &str, encoded_value: &str| {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(key);
        query.push('=');
        query.push_str(encoded_value);
    };
    let encoded_name = encode_query(name);
    let delimiter = match style {
        QueryStyle::DeepObject => {
            append_deep(&mut push, &encoded_name, value);
            return Ok(());
        }
        QueryStyle::Form { explode: true } => None,
        QueryStyle::Form { explode: false } => Some(","),
        QueryStyle::SpaceDelimited => Some("%20"),
        QueryStyle::PipeDelimited => Some("|"),
    };
    match (value, delimiter) {
        (Value::Null, _) => {}
        (Value::Array(items), None) => {
            for text in item_texts(name, items, encode_query)? {
                push(&encoded_name, &text);
            }
        }
        (Value::Array(items), Some(delimiter)) => push(&encoded_name, &item_texts(name, items, encode_query)?.join(delimiter)),
        (Value::Object(fields), None) => {
            for (key, text) in field_texts(name, fields, encode_query)? {
                push(&key, &text);
            }
        }
        (Value::Object(fields), Some(delimiter)) => {
            let fields = field_texts(name, fields, encode_query)?;
            let flat: Vec<&str> = fields.iter().flat_map(|(key, text)| [key.as_str(), text.as_str()]).collect();
            push(&encoded_name, &flat.join(delimiter));
        }
        (scalar, _) => push(&encoded_name, &encode_query(&scalar_text(name, scalar)?)),
    }
    Ok(())
}

/// `style: deepObject`, to any depth: objects as `key[field]`, lists as `key[0]`, `key[1]`
/// (the bracket notation of Rails, PHP and `qs`, brackets percent-encoded), a scalar as
/// `key=value`. Nulls, empty lists and empty objects write nothing.
fn append_deep(push: &mut impl FnMut(&str, &str), key: &str, value: &Value) {
    match value {
        Value::Null => {}
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                append_deep(push, &format!("{key}%5B{index}%5D"), item);
            }
        }
        Value::Object(fields) => {
            for (field, item) in fields {
                append_deep(push, &format!("{key}%5B{}%5D", encode_query(field)), item);
            }
        }
        Value::String(text) => push(key, &encode_query(text)),
        Value::Number(number) => push(key, &number.to_string()),
        Value::Bool(flag) => push(key, if *flag { "true" } else { "false" }),
    }
}

/// How a path parameter is serialised (OpenAPI `style` + `explode`), for `id = 5`,
/// `[3, 4]` and `{"a": 1, "b": 2}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathStyle {
    /// `5`, `3,4`; objects `a,1,b,2`, exploded `a=1,b=2`.
    Simple { explode: bool },
    /// `.5`, `.3,4` (exploded `.3.4`); objects `.a,1,b,2`, exploded `.a=1.b=2`.
    Label { explode: bool },
    /// `;id=5`, `;id=3,4` (exploded `;id=3;id=4`); objects `;id=a,1,b,2`, exploded `;a=1;b=2`.
    Matrix { explode: bool },
}

impl PathStyle {
    /// The OpenAPI default for path parameters.
    pub const DEFAULT: PathStyle = PathStyle::Simple { explode: false };
}

fn encode_path(text: &str) -> String {
    utf8_percent_encode(text, PATH_SEGMENT).to_string()
}

/// The encoded texts of an array's items (nulls dropped).
fn item_texts(name: &str, items: &[Value], encode: fn(&str) -> String) -> Result<Vec<String>, String> {
    items.iter().filter(|item| !item.is_null()).map(|item| scalar_text(name, item).map(|text| encode(&text))).collect()
}

/// The encoded `(key, value)` pairs of an object's properties (nulls dropped).
fn field_texts(
    name: &str,
    fields: &::serde_json::Map<String, Value>,
    encode: fn(&str) -> String,
) -> Result<Vec<(String, String)>, String> {
    fields
        .iter()
        .filter(|(_, field)| !field.is_null())
        .map(|(key, field)| Ok((encode(key), encode(&scalar_text(name, field)?))))
        .collect()
}

/// An object's pairs as `k,v,k,v` (not exploded) or `k=v` joined by `separator` (exploded).
fn join_fields(fields: &[(String, String)], explode: bool, separator: &str) -> String {
    if explode {
        fields.iter().map(|(key, text)| format!("{key}={text}")).collect::<Vec<_>>().join(separator)
    } else {
        fields.iter().flat_map(|(key, text)| [key.as_str(), text.as_str()]).collect::<Vec<_>>().join(",")
    }
}

/// A path parameter percent-encoded in `style` (the delimiters `style` adds are left bare).
pub fn path_segment(name: &str, value: &Value, style: PathStyle) -> Result<String, String> {
    let (prefix, explode, separator) = match style {
        PathStyle::Simple { explode } => (String::new(), explode, ","),
        PathStyle::Label { explode } => (".".to_owned(), explode, if explode { "." } else { "," }),
        PathStyle::Matrix { explode } => (format!(";{}=", encode_path(name)), explode, ","),
    };
    let body = match value {
        Value::Null => return Err(format!("path parameter `{name}` is required")),
        Value::Array(items) => {
            let texts = item_texts(name, items, encode_path)?;
            match style {
                PathStyle::Matrix { explode: true } => {
                    return Ok(texts.iter().map(|text| format!("{prefix}{text}")).collect());
                }
                _ => texts.join(separator),
            }
        }
        Value::Object(fields) => {
            let fields = field_texts(name, fields, encode_path)?;
            match style {
                PathStyle::Matrix { explode: true } => {
                    return Ok(fields.iter().map(|(key, text)| format!(";{key}={text}")).collect());
                }
                _ => join_fields(&fields, explode, separator),
            }
        }
        scalar => encode_path(&scalar_text(name, scalar)?),
    };
    if body.is_empty() && matches!(style, PathStyle::Simple { .. }) {
        return Err(format!("path parameter `{name}` must not be empty"));
    }
    Ok(format!("{prefix}{body}"))
}

/// A header parameter (`style: simple`): scalars bare, arrays comma-joined, objects
/// `k,v,k,v` (exploded `k=v,k=v`).
pub fn header_text(name: &str, value: &Value, explode: bool) -> Result<Option<String>, String> {
    let keep = |text: &str| text.to_owned();
    match value {
        Value::Null => Ok(None),
        Value::Array(items) => Ok(Some(item_texts(name, items, keep)?.join(","))),
        Value::Object(fields) => Ok(Some(join_fields(&field_texts(name, fields, keep)?, explode, ","))),
        scalar => scalar_text(name, scalar).map(Some),
    }
}

/// Fills `{name}` placeholders of an OpenAPI path template with already-encoded segments.
/// A `#fragment` written into the template (`/tags/{arn}#tagKeys`, a document's way to tell
/// two operations on one path apart) is never sent, so it is cut off; a `?query` stays, for
/// [`join_url`]. Err names the first placeholder without a value.
pub fn fill_path(template: &str, segments: &[(&str, String)]) -> Result<String, String> {
    let template = template.split('#').next().unwrap_or(template);
    let mut path = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            return Err(format!("path template `{template}` has an unclosed `{{`"));
        };
        let name = &rest[open + 1..open + close];
        let Some((_, segment)) = segments.iter().find(|(candidate, _)| *candidate == name) else {
            return Err(format!("path parameter `{name}` is required"));
        };
        path.push_str(&rest[..open]);
        path.push_str(segment);
        rest = &rest[open + close + 1..];
    }
    path.push_str(rest);
    Ok(path)
}

/// Joins a base URL (which may carry a path such as `/v1`), a filled path and the encoded
/// query. A `?query` written into the path template (`/?Action=CreateBackup`) is sent first,
/// less the pairs whose name `query` sets itself (the same fixed value, declared as a
/// parameter too, would otherwise be sent twice).
pub fn join_url(base: &::reqwest::Url, path: &str, query: &str) -> Result<::reqwest::Url, String> {
    let base_text = base.as_str().trim_end_matches('/');
    let (path, written) = path.split_once('?').unwrap_or((path, ""));
    let name_of = |pair: &str| pair.split('=').next().unwrap_or("").to_owned();
    let set: Vec<String> = query.split('&').filter(|pair| !pair.is_empty()).map(name_of).collect();
    let mut pairs: Vec<&str> = written.split('&').filter(|pair| !pair.is_empty() && !set.contains(&name_of(pair))).collect();
    pairs.extend(query.split('&').filter(|pair| !pair.is_empty()));
    let mut text = String::with_capacity(base_text.len() + path.len() + written.len() + query.len() + 3);
    text.push_str(base_text);
    if !path.starts_with('/') {
        text.push('/');
    }
    text.push_str(path);
    if !pairs.is_empty() {
        text.push('?');
        text.push_str(&pairs.join("&"));
    }
    ::reqwest::Url::parse(&text).map_err(|error| format!("cannot build the request URL: {error}"))
}
