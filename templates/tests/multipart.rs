//! Typed multipart bodies: the client's part writers (`value_parts`, `file_part`,
//! `encode_multipart`) and the server's reader (`server/multipart.rs`), which must agree.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use runtime_templates::client::runtime::client::{encode_multipart, file_part, value_parts, Part};
use runtime_templates::server::runtime::extract::{PathParams, QueryParams, RequestInput};
use runtime_templates::server::runtime::multipart::{self, FileField, Multipart, ReceivedFile};
use runtime_templates::server::runtime::schema::{Additional, Kind, Property, Schema};
use runtime_templates::server::runtime::validate::Violations;
use serde_json::{json, Value};

static BYTE: Schema = Schema { kind: Kind::Integer, ..Schema::ANY };
/// A file, as the server's schemas describe `format: binary`.
static BINARY: Schema = Schema { kind: Kind::Array(&BYTE), ..Schema::ANY };
static INTEGER: Schema = Schema { kind: Kind::Integer, ..Schema::ANY };
static TEXT: Schema = Schema { kind: Kind::String, ..Schema::ANY };
static META: Schema = Schema {
    kind: Kind::Object(&[Property { name: "source", schema: &TEXT, required: true }]),
    additional: Additional::Deny,
    ..Schema::ANY
};
static UPLOAD: Schema = Schema {
    kind: Kind::Object(&[
        Property { name: "orderId", schema: &INTEGER, required: true },
        Property { name: "tags", schema: &Schema { kind: Kind::Array(&TEXT), ..Schema::ANY }, required: false },
        Property { name: "meta", schema: &META, required: false },
        Property { name: "documentFile", schema: &BINARY, required: true },
        Property { name: "extras", schema: &Schema { kind: Kind::Array(&BINARY), ..Schema::ANY }, required: false },
        Property { name: "cover", schema: &Schema { kind: Kind::OneOf(&[&BINARY, &META]), ..Schema::ANY }, required: false },
    ]),
    ..Schema::ANY
};
static SPEC: Multipart = Multipart {
    required: true,
    schema: &UPLOAD,
    files: &[
        FileField { name: "documentFile", list: false, or_value: false, media: &["application/pdf", "image/*"] },
        FileField { name: "extras", list: true, or_value: false, media: &[] },
        FileField { name: "cover", list: false, or_value: true, media: &[] },
    ],
};

fn request(content_type: &str, body: impl Into<bytes::Bytes>) -> RequestInput {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).expect("a header"));
    RequestInput { path: PathParams::default(), query: QueryParams::parse(None), headers, body: body.into() }
}

fn parts_request(parts: &[Part]) -> RequestInput {
    let (content_type, body) = encode_multipart(parts);
    request(&content_type, body)
}

async fn read_body(input: &RequestInput) -> (Result<Option<(Value, Vec<Vec<ReceivedFile>>)>, (StatusCode, String)>, Vec<String>) {
    let mut out = Violations::new();
    let result = multipart::body::<Value>(&SPEC, input, &mut out).await.map_err(|error| {
        let response = axum::response::IntoResponse::into_response(error);
        (response.status(), String::new())
    });
    (result, out.as_slice().iter().map(|v| format!("{}: {}", v.at, v.message)).collect())
}

#[tokio::test]
async fn the_server_reads_back_what_the_client_writes_field_by_field() {
    let mut parts = Vec::new();
    parts.extend(value_parts("orderId", &7, None).unwrap());
    parts.extend(value_parts("tags", &["a", "b"], None).unwrap());
    parts.extend(value_parts("meta", &json!({"source": "scanner"}), None).unwrap());
    parts.extend(value_parts("absent", &None::<u8>, None).unwrap());
    parts.push(file_part("documentFile", b"%PDF-1.7\r\n--not-a-boundary", Some("a.pdf"), None, Some("application/pdf")));
    parts.push(file_part("extras", &[0, 159, 255], None, None, None));
    parts.push(file_part("extras", b"", Some("empty.bin"), Some("application/x-empty"), None));
    assert_eq!(parts[1].content_type, None, "text parts carry no type");
    assert_eq!(parts[3].content_type.as_deref(), Some("application/json"));
    let (read, problems) = read_body(&parts_request(&parts)).await;
    assert_eq!(problems, Vec::<String>::new());
    let (fields, files) = read.unwrap().unwrap();
    // Files stand in as empty lists in the decoded fields; the handler puts them in.
    assert_eq!(fields, json!({"orderId": 7, "tags": ["a", "b"], "meta": {"source": "scanner"}, "documentFile": [], "extras": [[], []]}));
    assert_eq!(files[0].len(), 1);
    assert_eq!(&files[0][0].bytes[..], b"%PDF-1.7\r\n--not-a-boundary");
    assert_eq!(files[0][0].file_name.as_deref(), Some("a.pdf"));
    assert_eq!(files[0][0].content_type.as_deref(), Some("application/pdf"));
    let extras: Vec<(&[u8], Option<&str>, Option<&str>)> =
        files[1].iter().map(|f| (&f.bytes[..], f.file_name.as_deref(), f.content_type.as_deref())).collect();
    assert_eq!(
        extras,
        [
            (&[0u8, 159, 255][..], Some("extras"), Some("application/octet-stream")),
            (&b""[..], Some("empty.bin"), Some("application/x-empty"))
        ]
    );
}

#[tokio::test]
async fn a_field_that_is_a_file_or_a_value_is_read_by_the_kind_of_its_part() {
    let pdf = || file_part("documentFile", b"x", None, Some("application/pdf"), None);
    let mut as_value = value_parts("orderId", &7, None).unwrap();
    as_value.push(pdf());
    as_value.extend(value_parts("cover", &json!({"source": "library"}), None).unwrap());
    let (read, problems) = read_body(&parts_request(&as_value)).await;
    assert_eq!(problems, Vec::<String>::new());
    let (fields, files) = read.unwrap().unwrap();
    assert_eq!(fields["cover"], json!({"source": "library"}));
    assert!(files[2].is_empty());

    let mut as_file = value_parts("orderId", &7, None).unwrap();
    as_file.push(pdf());
    as_file.push(file_part("cover", &[1, 2, 3], None, None, None));
    let (read, problems) = read_body(&parts_request(&as_file)).await;
    assert_eq!(problems, Vec::<String>::new());
    let (fields, files) = read.unwrap().unwrap();
    assert_eq!(fields["cover"], json!([]), "the file stands in as an empty list");
    assert_eq!(&files[2][0].bytes[..], &[1, 2, 3]);

    // With neither a file name nor a media type, bytes that are not text are the file.
    let mut untyped = value_parts("orderId", &7, None).unwrap();
    untyped.push(pdf());
    untyped.push(Part { name: "cover".to_owned(), file_name: None, content_type: None, bytes: bytes::Bytes::from_static(b"\x89PNG\r\n\x1a\n") });
    let (read, problems) = read_body(&parts_request(&untyped)).await;
    assert_eq!(problems, Vec::<String>::new());
    let (_, files) = read.unwrap().unwrap();
    assert_eq!(&files[2][0].bytes[..], b"\x89PNG\r\n\x1a\n");

    // A text part with neither a file name nor a file's media type is a value, and this one
    // is neither alternative.
    let mut as_text = value_parts("orderId", &7, None).unwrap();
    as_text.push(pdf());
    as_text.push(Part::text("cover", "plain words"));
    let (read, problems) = read_body(&parts_request(&as_text)).await;
    assert!(matches!(read, Ok(None)), "{read:?}");
    assert!(problems.iter().any(|problem| problem.starts_with("body/cover")), "{problems:?}");
}

#[tokio::test]
async fn bad_parts_are_refused_with_where_and_what() {
    let with_order = |files: Vec<Part>| [value_parts("orderId", &7, None).unwrap(), files].concat();
    let pdf = || file_part("documentFile", b"x", None, Some("application/pdf"), None);
    // A missing required file, a field that is not an integer, and two files for one.
    let mut parts = value_parts("orderId", &"seven", None).unwrap();
    parts.extend(value_parts("meta", &json!({"other": 1}), None).unwrap());
    let (read, problems) = read_body(&parts_request(&parts)).await;
    assert!(matches!(read, Ok(None)));
    assert_eq!(
        problems,
        [
            "body/orderId: must be an integer, got a string",
            "body/meta/source: is required",
            "body/meta/other: is not a known property",
            "body/documentFile: is required"
        ]
    );
    let (_, problems) = read_body(&parts_request(&with_order(vec![pdf(), pdf()]))).await;
    assert_eq!(problems, ["body/documentFile: must be one file, got 2"]);
    // A file whose type its `encoding` does not allow: 415; `image/*` allows any image.
    let png = file_part("documentFile", b"x", None, Some("image/png"), None);
    assert!(matches!(read_body(&parts_request(&with_order(vec![png]))).await.0, Ok(Some(_))));
    let text = file_part("documentFile", b"x", None, Some("text/plain"), None);
    assert_eq!(read_body(&parts_request(&with_order(vec![text]))).await.0.unwrap_err().0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Not multipart at all: 415; no boundary or a broken body: 400.
    assert_eq!(read_body(&request("application/json", "{}")).await.0.unwrap_err().0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(read_body(&request("multipart/form-data", "--x\r\n")).await.0.unwrap_err().0, StatusCode::BAD_REQUEST);
    assert_eq!(
        read_body(&request("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end")).await.0.unwrap_err().0,
        StatusCode::BAD_REQUEST
    );
    // An empty body of a required multipart body.
    let (read, problems) = read_body(&request("multipart/form-data; boundary=x", "")).await;
    assert!(matches!(read, Ok(None)));
    assert_eq!(problems, ["body: is required"]);
}

#[test]
fn value_parts_follow_the_default_encodings() {
    let texts = |parts: Vec<Part>| -> Vec<(String, Option<String>, String)> {
        parts.into_iter().map(|p| (p.name, p.content_type, String::from_utf8(p.bytes.to_vec()).unwrap())).collect()
    };
    assert_eq!(texts(value_parts("n", &2.5, None).unwrap()), [("n".into(), None, "2.5".into())]);
    assert_eq!(texts(value_parts("s", &"a\"b", Some("text/csv")).unwrap()), [("s".into(), Some("text/csv".into()), "a\"b".into())]);
    assert_eq!(texts(value_parts("j", &3, Some("application/json")).unwrap()), [("j".into(), Some("application/json".into()), "3".into())]);
    assert_eq!(
        texts(value_parts("l", &json!([[1], 2]), None).unwrap()),
        [("l".into(), Some("application/json".into()), "[[1],2]".into())]
    );
    assert!(value_parts("gone", &Value::Null, None).unwrap().is_empty());
    // A file's own type wins over its field's encoding; a wildcard encoding says nothing.
    assert_eq!(file_part("f", b"", None, None, Some("image/png, image/jpeg")).content_type.as_deref(), Some("image/png"));
    assert_eq!(file_part("f", b"", None, None, Some("image/*")).content_type.as_deref(), Some("application/octet-stream"));
    assert_eq!(file_part("f", b"", None, Some("image/gif"), Some("image/png")).content_type.as_deref(), Some("image/gif"));
}
