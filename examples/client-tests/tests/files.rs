//! The generated client of the `files.yaml` fixture on loopback: documented response headers,
//! typed, on a success and on a documented error; and a binary download larger than the
//! client's size limit, streamed chunk by chunk.

use std::convert::Infallible;

use files_client::operations::{DownloadFileHeaders, GetFileError, GetFileHeaders};
use files_client::{Client, Error, RetryPolicy};
use futures::StreamExt as _;
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const REQUEST_ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

#[tokio::test]
async fn documented_headers_are_typed_on_successes_and_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/files/1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": 1, "name": "report.pdf"}))
                .insert_header("etag", "\"v7\"")
                .insert_header("x-request-id", REQUEST_ID)
                .insert_header("x-rate-remaining", "41")
                .insert_header("x-tags", "finance, q3"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/files/2"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"message": "no such file"})).insert_header("x-request-id", "not-a-uuid"),
        )
        .mount(&server)
        .await;
    let client = Client::builder().base_url(server.uri()).retry(RetryPolicy::none()).build().expect("client");

    let response = client.get_file(1).send_with_response().await.expect("a file");
    assert_eq!(response.name, "report.pdf");
    let headers = response.headers_as::<GetFileHeaders>();
    assert_eq!(headers.e_tag(), Ok(Some("\"v7\"".to_owned())));
    assert_eq!(headers.x_request_id().map(|id| id.map(|id| id.to_string())), Ok(Some(REQUEST_ID.to_owned())));
    assert_eq!(headers.x_rate_remaining(), Ok(Some(41)));
    assert_eq!(headers.x_tags(), Ok(Some(vec!["finance".to_owned(), "q3".to_owned()])));
    assert_eq!(response.request_id(), Some(REQUEST_ID));

    let missing = client.get_file(2).send().await.expect_err("a 404");
    assert!(matches!(missing.api(), Some(GetFileError::NotFound(problem)) if problem.message == "no such file"), "{missing:?}");
    let headers = GetFileHeaders::from(missing.headers().expect("answered"));
    let wrong = headers.x_request_id().expect_err("not a uuid");
    assert_eq!(wrong.name, "x-request-id");
    assert_eq!(headers.e_tag(), Ok(None), "absent headers are None");
}

/// An axum server on loopback whose `/files/1/content` answers `chunks` chunks of 1 MiB.
async fn download_server(chunks: usize) -> String {
    use axum::body::Body;
    let app = axum::Router::new().route(
        "/files/{id}/content",
        axum::routing::get(move || async move {
            let chunk = bytes::Bytes::from(vec![7u8; 1 << 20]);
            let stream = futures::stream::iter((0..chunks).map(move |_| Ok::<_, Infallible>(chunk.clone())));
            axum::http::Response::builder()
                .header("content-type", "application/octet-stream")
                .header("location", "https://mirror.example.com/1")
                .body(Body::from_stream(stream))
                .unwrap()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

#[tokio::test]
async fn a_download_larger_than_the_limit_streams() {
    // Under the limit, a body of several chunks is read whole.
    let small = download_server(3).await;
    let client = Client::builder().base_url(&small).retry(RetryPolicy::none()).build().expect("client");
    let bytes = client.download_file(1).send().await.expect("3 MiB");
    assert_eq!((bytes.len(), bytes.iter().all(|byte| *byte == 7)), (3 << 20, true));

    // 48 MiB, over the 32 MiB the client reads into memory.
    let base = download_server(48).await;
    let client = Client::builder().base_url(&base).retry(RetryPolicy::none()).build().expect("client");
    let buffered = client.download_file(1).send().await.expect_err("over the limit when read whole");
    assert!(matches!(buffered, Error::ResponseTooLarge { limit, .. } if limit == 32 << 20), "{buffered:?}");

    let response = client.download_file(1).send_streaming().await.expect("streams");
    assert_eq!(response.status().as_u16(), 200);
    let location = response.headers_as::<DownloadFileHeaders>().location().expect("a uri").expect("sent");
    assert_eq!(location, "https://mirror.example.com/1");
    let (_, _, mut body) = response.into_parts();
    // Counted chunk by chunk: no chunk is larger than what the server wrote, and nothing is kept.
    let (mut total, mut largest) = (0usize, 0usize);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.expect("a chunk");
        assert!(chunk.iter().all(|byte| *byte == 7));
        total += chunk.len();
        largest = largest.max(chunk.len());
    }
    assert_eq!(total, 48 << 20);
    assert!(largest <= 1 << 20, "chunks arrive as sent, not gathered: {largest}");

    // A documented error on the streaming path is the typed error.
    let server = MockServer::start().await;
    Mock::given(path("/files/9/content"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "gone"})))
        .mount(&server)
        .await;
    let client = Client::builder().base_url(server.uri()).retry(RetryPolicy::none()).build().expect("client");
    let gone = client.download_file(9).send_streaming().await.expect_err("a 404");
    assert_eq!(gone.status().map(|status| status.as_u16()), Some(404));
}

/// The generated server of the same fixture, answering with typed documented headers and an
/// extra one through `with_headers`.
struct Files;

impl files_server::Api for Files {
    async fn get_file(
        &self,
        request: files_server::operations::GetFileParams,
    ) -> Result<files_server::operations::GetFileResponse, files_server::ApiError> {
        use files_server::operations::{GetFileHeaders as Headers, GetFileResponse as Answer};
        let file = files_server::types::File { id: request.id, name: "report.pdf".to_owned(), size: None };
        let request_id: uuid::Uuid = REQUEST_ID.parse().expect("a uuid");
        let typed = Headers::new()
            .e_tag("\"v7\"".to_owned())
            .x_request_id(request_id)
            .x_rate_remaining(41)
            .x_tags(vec!["finance".to_owned(), "q3".to_owned()]);
        let mut extra: axum::http::HeaderMap = typed.into();
        extra.insert("x-served-by", "files-server".parse().expect("a header value"));
        Ok(Answer::Ok(file).with_headers(extra))
    }
}

#[tokio::test]
async fn the_generated_server_sets_typed_headers_the_generated_client_reads() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, files_server::router(Files)).await });
    let client = Client::builder().base_url(format!("http://{address}/v1")).retry(RetryPolicy::none()).build().expect("client");
    let response = client.get_file(3).send_with_response().await.expect("a file");
    assert_eq!(response.id, 3);
    let headers = response.headers_as::<GetFileHeaders>();
    assert_eq!(headers.e_tag(), Ok(Some("\"v7\"".to_owned())));
    assert_eq!(headers.x_request_id().map(|id| id.map(|id| id.to_string())), Ok(Some(REQUEST_ID.to_owned())));
    assert_eq!(headers.x_rate_remaining(), Ok(Some(41)));
    assert_eq!(headers.x_tags(), Ok(Some(vec!["finance".to_owned(), "q3".to_owned()])));
    assert_eq!(response.headers()["x-served-by"], "files-server");
}

/// A loopback server whose `PUT /files/{id}/content` counts the bytes it receives as they
/// arrive, answering 204 for file 1 and 503 for any other.
async fn upload_server(received: std::sync::Arc<std::sync::atomic::AtomicUsize>, calls: std::sync::Arc<std::sync::atomic::AtomicUsize>) -> String {
    use std::sync::atomic::Ordering;
    let app = axum::Router::new().route(
        "/files/{id}/content",
        axum::routing::put(move |axum::extract::Path(id): axum::extract::Path<i64>, body: axum::body::Body| {
            let (received, calls) = (received.clone(), calls.clone());
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                let mut stream = body.into_data_stream();
                while let Some(Ok(chunk)) = stream.next().await {
                    received.fetch_add(chunk.len(), Ordering::SeqCst);
                }
                if id == 1 { axum::http::StatusCode::NO_CONTENT } else { axum::http::StatusCode::SERVICE_UNAVAILABLE }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

#[tokio::test]
async fn an_upload_streams_from_a_stream_and_is_never_retried() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let (received, calls) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let base = upload_server(received.clone(), calls.clone()).await;
    // The client retries 503 on PUT, for bytes it can send again.
    let retrying = RetryPolicy::default().with_retry_non_idempotent(true).with_jitter(false).with_backoff(
        std::time::Duration::from_millis(5),
        std::time::Duration::from_millis(10),
    );
    let client = Client::builder().base_url(&base).retry(retrying).build().expect("client");

    // 16 MiB produced chunk by chunk while it is sent.
    let chunks = futures::stream::iter((0..16).map(|_| Ok::<_, Infallible>(vec![1u8; 1 << 20])));
    client.upload_file(1, files_client::BinaryBody::stream(chunks)).send().await.expect("stored");
    assert_eq!(received.load(Ordering::SeqCst), 16 << 20);

    // A stream is sent once: a 503 is the answer, not a retry.
    let chunks = futures::stream::iter((0..2).map(|_| Ok::<_, Infallible>(vec![2u8; 1024])));
    let calls_before = calls.load(Ordering::SeqCst);
    let refused = client.upload_file(2, files_client::BinaryBody::stream(chunks)).send().await.expect_err("503");
    assert_eq!(refused.status().map(|status| status.as_u16()), Some(503));
    assert_eq!(calls.load(Ordering::SeqCst) - calls_before, 1);
    // Bytes are sent again on a 503.
    let calls_before = calls.load(Ordering::SeqCst);
    let _ = client.upload_file(2, b"again".to_vec()).send().await;
    assert!(calls.load(Ordering::SeqCst) - calls_before > 1, "bytes are retried");
}

/// The generated server of the fixture, keeping the typed multipart body it received.
#[derive(Clone, Default)]
struct Uploads {
    received: std::sync::Arc<std::sync::Mutex<Vec<files_server::types::CreateFileRequest>>>,
}

impl files_server::Api for Uploads {
    async fn create_file(
        &self,
        request: files_server::operations::CreateFileParams,
    ) -> Result<files_server::operations::CreateFileResponse, files_server::ApiError> {
        let body = request.body;
        let file = files_server::types::File {
            id: body.folder,
            name: body.document.file_name.clone().unwrap_or_default(),
            size: Some(body.document.len() as i64),
        };
        self.received.lock().expect("not poisoned").push(body);
        Ok(files_server::operations::CreateFileResponse::Created(file))
    }
}

async fn upload_app(uploads: Uploads) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, files_server::router(uploads)).await });
    format!("http://{address}/v1")
}

#[tokio::test]
async fn a_typed_multipart_upload_arrives_field_by_field() {
    use files_client::types::support::FilePart;
    use files_client::types::{CreateFileRequest, CreateFileRequestMetadata};
    let uploads = Uploads::default();
    let client = Client::builder().base_url(upload_app(uploads.clone()).await).retry(RetryPolicy::none()).build().expect("client");
    // Bytes that look like a boundary and are not UTF-8 arrive as sent.
    let pdf = b"%PDF-1.7\r\n------runtime-boundary-\xff\x00".to_vec();
    let sent = CreateFileRequest {
        folder: 9,
        tags: Some(vec!["q3".to_owned(), "finance, legal".to_owned()]),
        metadata: Some(CreateFileRequestMetadata { source: Some("scanner".to_owned()), pages: Some(2) }),
        document: FilePart::new(pdf.clone()).with_file_name("report.pdf"),
        attachments: Some(vec![
            FilePart::new(b"a".to_vec()).with_file_name("a.txt").with_content_type("text/plain"),
            FilePart::new(Vec::new()),
        ]),
        cover: None,
        scans: None,
    };
    let stored = client.create_file(sent.clone()).send().await.expect("stored");
    assert_eq!((stored.id, stored.name.as_str(), stored.size), (9, "report.pdf", Some(pdf.len() as i64)));
    let received = uploads.received.lock().expect("not poisoned").pop().expect("one upload");
    assert_eq!(received.folder, 9);
    assert_eq!(received.tags, sent.tags);
    assert_eq!(received.metadata, sent.metadata);
    assert_eq!(received.document.bytes, pdf);
    // The file's type was not set: the field's `encoding` gives it (its first listed type).
    assert_eq!(received.document.content_type.as_deref(), Some("application/pdf"));
    let attachments: Vec<(&[u8], Option<&str>, Option<&str>)> = received
        .attachments
        .iter()
        .flatten()
        .map(|file| (&file.bytes[..], file.file_name.as_deref(), file.content_type.as_deref()))
        .collect();
    assert_eq!(
        attachments,
        [(&b"a"[..], Some("a.txt"), Some("text/plain")), (&b""[..], Some("attachments"), Some("application/octet-stream"))]
    );
}

#[tokio::test]
async fn a_field_that_is_a_file_or_a_value_goes_as_a_file_part_or_a_json_part_and_arrives_as_that_variant() {
    use files_client::types::support::FilePart;
    use files_client::types::{CreateFileRequest, CreateFileRequestCover, StoredFile};
    let uploads = Uploads::default();
    let client = Client::builder().base_url(upload_app(uploads.clone()).await).retry(RetryPolicy::none()).build().expect("client");
    let document = FilePart::new(b"%PDF".to_vec());
    let image = FilePart::new(b"\x89PNG\x00".to_vec()).with_file_name("cover.png").with_content_type("image/png");
    let with_file = CreateFileRequest {
        folder: 1,
        document: document.clone(),
        cover: Some(CreateFileRequestCover::Bytes(image.clone())),
        scans: Some(vec![FilePart::new(b"one".to_vec())]),
        ..CreateFileRequest::default()
    };
    client.create_file(with_file).send().await.expect("stored");
    let stored = CreateFileRequest {
        folder: 2,
        document,
        cover: Some(CreateFileRequestCover::StoredFile(StoredFile { file_id: 77 })),
        scans: Some(vec![FilePart::new(b"a".to_vec()), FilePart::new(b"b".to_vec())]),
        ..CreateFileRequest::default()
    };
    client.create_file(stored).send().await.expect("stored");
    let received = uploads.received.lock().expect("not poisoned").clone();
    match &received[0].cover {
        Some(files_server::types::CreateFileRequestCover::Bytes(file)) => {
            assert_eq!((&file.bytes[..], file.file_name.as_deref(), file.content_type.as_deref()), (&image.bytes[..], Some("cover.png"), Some("image/png")));
        }
        other => panic!("the cover arrived as {other:?}"),
    }
    assert_eq!(received[1].cover, Some(files_server::types::CreateFileRequestCover::StoredFile(files_server::types::StoredFile { file_id: 77 })));
    // One file or several: a list either way, as sent.
    let scans = |index: usize| received[index].scans.iter().flatten().map(|file| file.bytes.clone()).collect::<Vec<_>>();
    assert_eq!(scans(0), [b"one".to_vec()]);
    assert_eq!(scans(1), [b"a".to_vec(), b"b".to_vec()]);
}

#[tokio::test]
async fn bad_multipart_parts_are_refused_in_the_envelope() {
    use files_client::types::support::FilePart;
    use files_client::types::CreateFileRequest;
    let base = upload_app(Uploads::default()).await;
    let client = Client::builder().base_url(base.clone()).retry(RetryPolicy::none()).build().expect("client");
    // A file type the field's `encoding` does not allow: 415, the documented error.
    let text = CreateFileRequest {
        folder: 1,
        document: FilePart::new(b"x".to_vec()).with_content_type("text/plain"),
        ..CreateFileRequest::default()
    };
    let error = client.create_file(text).send().await.expect_err("refused");
    assert_eq!(error.status().map(|status| status.as_u16()), Some(415), "{error:?}");
    // A part the schema refuses (`folder` below its minimum): 400 naming it.
    let low = CreateFileRequest { folder: 0, document: FilePart::new(b"x".to_vec()), ..CreateFileRequest::default() };
    let error = client.create_file(low).send().await.expect_err("refused");
    assert_eq!(error.status().map(|status| status.as_u16()), Some(400));
    assert!(error.to_string().contains("body/folder"), "{error}");
    // Without the required file, sent by hand: 400 naming it.
    let response = reqwest::Client::new()
        .post(format!("{base}/files"))
        .header("content-type", "multipart/form-data; boundary=b")
        .body("--b\r\nContent-Disposition: form-data; name=\"folder\"\r\n\r\n3\r\n--b--\r\n")
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 400);
    let text = response.text().await.expect("a body");
    assert!(text.contains("body/document") && text.contains("is required"), "{text}");
}
