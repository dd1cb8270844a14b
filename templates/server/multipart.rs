//! Typed `multipart/form-data` request bodies, read with `multer` from the body the server
//! has already received (so the body limit applies): the files of the body's binary fields,
//! and its other fields as a JSON object that is checked against the body's schema and
//! decoded like a form's. The generated handler puts the files into the decoded body.

use ::axum::body::Bytes;
use ::serde_json::Value;

use super::envelope::ApiError;
use super::extract::{essence_of, media_accepts, media_essence, require_content_type, RequestInput};
use super::schema::{check, decode_value, fields_value, At, Schema};
use super::validate::Violations;

/// A typed multipart body, as the generator emits it per operation.
#[derive(Debug, Clone, Copy)]
pub struct Multipart {
    pub required: bool,
    /// The whole body's schema (file fields included, as lists of bytes).
    pub schema: &'static Schema,
    /// The fields that are files (`format: binary`, or lists of them).
    pub files: &'static [FileField],
}

/// A file field of a multipart body.
#[derive(Debug, Clone, Copy)]
pub struct FileField {
    /// The part name.
    pub name: &'static str,
    /// A list of files (several parts of this name) rather than one.
    pub list: bool,
    /// A union with a file variant: a part of this name is a file when it has a file name or
    /// a media type other than JSON or text (or, with neither, bytes that are not UTF-8), and
    /// the field's value otherwise.
    pub or_value: bool,
    /// The media types its `encoding.contentType` allows (`image/*` included); empty for any.
    pub media: &'static [&'static str],
}

/// A file as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedFile {
    pub bytes: Bytes,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
}

/// What [`body`] read: the decoded fields, and the files of each of `spec.files`, in order.
pub type Received<T> = (T, Vec<Vec<ReceivedFile>>);

/// Reads, checks and decodes a multipart body. Err is a 415 when the body is not
/// `multipart/form-data` or a file part's media type is not one its field allows, and a
/// 400 when the parts cannot be read. Field problems are recorded in `out` (and give
/// `None`), as is a missing required body.
pub async fn body<T: ::serde::de::DeserializeOwned>(
    spec: &Multipart,
    input: &RequestInput,
    out: &mut Violations,
) -> Result<Option<Received<T>>, ApiError> {
    if input.body.iter().all(u8::is_ascii_whitespace) {
        if spec.required {
            out.push("body", "is required");
        }
        return Ok(None);
    }
    require_content_type(&input.headers, &["multipart/form-data"])?;
    let parts = read_parts(input).await?;
    let mut files: Vec<Vec<ReceivedFile>> = spec.files.iter().map(|_| Vec::new()).collect();
    let mut texts = Vec::new();
    let mut json = Vec::new();
    for part in parts {
        if let Some(index) = spec.files.iter().position(|field| field.name == part.name && (!field.or_value || part.is_file())) {
            let field = &spec.files[index];
            if let Some(given) = part.content_type.as_deref() {
                let essence = essence_of(given);
                if !field.media.is_empty() && !field.media.iter().any(|media| media_accepts(media, &essence)) {
                    return Err(ApiError::unsupported_media_type(format!(
                        "the file `{}` must be sent as {}; its part's Content-Type was `{essence}`",
                        field.name,
                        field.media.join(" or ")
                    )));
                }
            }
            files[index].push(ReceivedFile { bytes: part.bytes, file_name: part.file_name, content_type: part.content_type });
            continue;
        }
        let Ok(text) = String::from_utf8(part.bytes.to_vec()) else {
            out.push(&format!("body/{}", part.name), "must be UTF-8 text (it is not a file field)");
            continue;
        };
        let essence = part.content_type.as_deref().map(essence_of);
        if essence.is_some_and(|essence| media_accepts("application/json", &essence)) {
            match ::serde_json::from_str::<Value>(&text) {
                Ok(value) => json.push((part.name, value)),
                Err(error) => out.push(&format!("body/{}", part.name), format!("is not valid JSON: {error}")),
            }
        } else {
            texts.push((part.name, text));
        }
    }
    let mut value = fields_value(spec.schema, &[], texts.iter().map(|(name, text)| (name.as_str(), text.as_str())));
    if let Value::Object(map) = &mut value {
        map.extend(json);
        // Files stand in as empty byte lists, so the schema's required fields and item
        // counts are checked without copying their bytes into JSON.
        for (field, received) in spec.files.iter().zip(&files) {
            match (field.list, received.len()) {
                (_, 0) => {}
                (true, count) => {
                    map.insert(field.name.to_owned(), Value::Array(vec![Value::Array(Vec::new()); count]));
                }
                (false, count) => {
                    if count > 1 {
                        out.push(&format!("body/{}", field.name), format!("must be one file, got {count}"));
                    }
                    map.insert(field.name.to_owned(), Value::Array(Vec::new()));
                }
            }
        }
    }
    let before = out.as_slice().len();
    check(spec.schema, &value, &At::Root("body"), out);
    if out.as_slice().len() != before {
        return Ok(None);
    }
    Ok(decode_value(value, &At::Root("body"), out).map(|decoded| (decoded, files)))
}

/// One part as read.
struct ReadPart {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    bytes: Bytes,
}

impl ReadPart {
    /// Whether the part is a file rather than a value: it has a file name, or a media type
    /// other than JSON or text.
    fn is_file(&self) -> bool {
        let value_media = |essence: &str| media_accepts("application/json", essence) || essence.starts_with("text/");
        match (&self.file_name, self.content_type.as_deref().map(essence_of)) {
            (Some(_), _) => true,
            (None, Some(essence)) => !value_media(&essence),
            // Neither says: bytes that are not text can only be the file.
            (None, None) => ::std::str::from_utf8(&self.bytes).is_err(),
        }
    }
}

async fn read_parts(input: &RequestInput) -> Result<Vec<ReadPart>, ApiError> {
    let content_type = input.headers.get(::axum::http::header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or("");
    let boundary = ::multer::parse_boundary(content_type)
        .map_err(|_| ApiError::bad_request(format!("the multipart body's Content-Type `{}` has no boundary", media_essence(&input.headers))))?;
    let body = input.body.clone();
    let stream = ::futures_util::stream::once(async move { Ok::<Bytes, ::std::convert::Infallible>(body) });
    let mut multipart = ::multer::Multipart::new(stream, boundary);
    let unreadable = |error: ::multer::Error| ApiError::bad_request(format!("the multipart body cannot be read: {error}"));
    let mut parts = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let Some(name) = field.name().map(str::to_owned) else {
            return Err(ApiError::bad_request("a part of the multipart body has no name"));
        };
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let bytes = field.bytes().await.map_err(unreadable)?;
        parts.push(ReadPart { name, file_name, content_type, bytes });
    }
    Ok(parts)
}
