//! `cargo xtask mock` serves a fixture spec, and the generated client of that spec talks to it:
//! answers decode into the client's types, the same seed gives the same answers, and requests
//! that break the spec are refused as the generated server refuses them.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use unions_decided_types as t;

/// A running mock; killed when dropped.
struct Mock {
    child: Child,
    base: String,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(seed: u64) -> Mock {
    start_spec("generator/tests/fixtures/openapi/unions_decided.yaml", seed)
}

fn start_spec(spec: &str, seed: u64) -> Mock {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["mock", "--spec", spec, "--listen", "127.0.0.1:0"])
        .args(["--seed", &seed.to_string()])
        .current_dir(&root)
        .stdout(Stdio::piped())
        .spawn()
        .expect("xtask runs");
    let stdout = child.stdout.take().expect("piped");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("the mock prints its address");
    let base = line
        .trim()
        .strip_prefix("mock listening on ")
        .and_then(|rest| rest.split(' ').next())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    Mock { child, base }
}

fn connect(mock: &Mock) -> unions_decided_client::Client {
    unions_decided_client::Client::builder().base_url(&mock.base).build().expect("client")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mock_answers_the_generated_client_with_sampled_documented_values() {
    let mock = tokio::task::spawn_blocking(|| start(7)).await.expect("started");
    let client = connect(&mock);
    let event = t::Event::Created(t::Created { at: "now".into(), by: None });
    let first = client.send_event(event.clone()).send().await.expect("a documented answer");
    assert!(matches!(first, t::Event::Created(_) | t::Event::Deleted(_)), "{first:?}");
    let echo = client.send_thing(t::Thing::String("x".into())).send().await.expect("a documented answer");
    let _: t::Echo = echo;
    client
        .send_command(t::Command::Stop(t::Stop { action: None, force: Some(true) }))
        .send()
        .await
        .expect("204 is documented");

    // A second mock with the same seed answers the same requests the same way.
    let again = tokio::task::spawn_blocking(|| start(7)).await.expect("started");
    let repeated = connect(&again).send_event(event).send().await.expect("a documented answer");
    assert_eq!(repeated, first);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mock_refuses_what_the_spec_does_not_allow() {
    let mock = tokio::task::spawn_blocking(|| start(1)).await.expect("started");
    // The typed client sends an unknown variant as the raw JSON it holds.
    let unknown = connect(&mock).send_event(t::Event::Unknown(serde_json::json!({"kind": "archived", "at": "x"}))).send().await;
    let error = unknown.expect_err("refused");
    assert!(error.to_string().contains("400"), "{error}");
}

/// Text and binary answers are the bytes of their media type (not JSON), sent with it as their
/// `Content-Type`, and sampled within the lengths their schemas state: characters of text,
/// bytes of binary, a plain word for YAML.
#[tokio::test(flavor = "multi_thread")]
async fn the_mock_answers_text_and_bytes_in_their_media_type_within_their_lengths() {
    let mock = tokio::task::spawn_blocking(|| start_spec("generator/tests/fixtures/openapi/raw_bodies.yaml", 3)).await.expect("started");
    let http = reqwest::Client::new();
    for round in 0..8 {
        let text = http.post(format!("{}/snippets", mock.base)).header("content-type", "application/octet-stream").body(vec![round; 5]);
        let bytes = http.get(format!("{}/snippets/bytes", mock.base));
        let yaml = http.get(format!("{}/snippets/yaml", mock.base));
        for (request, media_type, lengths, counted) in [
            (text, "text/plain", 3..=5, "characters"),
            (bytes, "application/octet-stream", 2..=3, "bytes"),
            (yaml, "application/yaml", 30..=40, "characters"),
        ] {
            let answer = request.send().await.expect("answered");
            assert_eq!(answer.status(), 200);
            let content_type = answer.headers().get("content-type").and_then(|value| value.to_str().ok()).unwrap_or("").to_owned();
            assert!(content_type.starts_with(media_type), "{media_type}: sent as {content_type:?}");
            let body = answer.bytes().await.expect("a body");
            let length = if counted == "bytes" { body.len() } else { String::from_utf8_lossy(&body).chars().count() };
            assert!(lengths.contains(&length), "{media_type}: {length} {counted} ({body:?}), outside {lengths:?}");
            if media_type == "application/yaml" {
                // A plain word: YAML reads it as the string it is.
                let word = std::str::from_utf8(&body).expect("text");
                assert!(word.starts_with(|c: char| c.is_ascii_lowercase()) && word.ends_with(|c: char| c.is_ascii_digit()), "{word:?}");
            }
        }
    }
}

/// `required` binds a `readOnly` property in responses only: a request body without it is
/// valid and accepted (its Rust field is an `Option` in a type requests use), while the
/// answers still carry it, and a property required both ways is still required.
#[tokio::test(flavor = "multi_thread")]
async fn a_request_may_leave_out_a_required_read_only_property() {
    let mock = tokio::task::spawn_blocking(|| start_spec("generator/tests/fixtures/openapi/objects.yaml", 5)).await.expect("started");
    let http = reqwest::Client::new();
    let post = |body: &'static str| http.post(format!("{}/notes", mock.base)).header("content-type", "application/json").body(body).send();
    let created = post(r#"{"content": "a note", "pinned": false}"#).await.expect("answered");
    assert_eq!(created.status(), 201);
    let note: serde_json::Value = serde_json::from_slice(&created.bytes().await.expect("a body")).expect("JSON");
    assert!(note["id"].is_i64(), "the answer carries the read-only id: {note}");
    let refused = post(r#"{"pinned": false}"#).await.expect("answered");
    assert_eq!(refused.status(), 400);
    let error = String::from_utf8(refused.bytes().await.expect("a body").to_vec()).expect("text");
    assert!(error.contains("content") && !error.contains("`body/id`"), "{error}");
}
