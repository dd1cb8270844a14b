//! The rate-limit headers Pipedrive documents (in `spec/overlay.yaml`'s `common-headers`), as
//! the mock sends them and the generated client reads them: typed, per operation.

mod common;

use pipedrive_client::operations::{AddNoteHeaders, GetNoteHeaders, GetNotesHeaders};
use pipedrive_client::types as t;
use pipedrive_mock::{Mock, ADMIN_BEARER};

#[tokio::test]
async fn rate_limit_headers_are_typed_and_count_down() {
    let running = common::spawn(Mock::new()).await;
    let client = running.admin();
    let first = client.get_notes().send_with_response().await.expect("notes");
    let headers = first.headers_as::<GetNotesHeaders>();
    assert_eq!(headers.x_ratelimit_limit(), Ok(Some(pipedrive_mock::rate::WINDOW_LIMIT.into())));
    let remaining = headers.x_ratelimit_remaining().expect("an integer").expect("sent");
    assert!(headers.x_ratelimit_reset().expect("an integer").is_some_and(|reset| (0..=2).contains(&reset)));
    // api_token requests also learn their daily POST/PUT budget.
    assert_eq!(headers.x_daily_requests_left(), Ok(Some(pipedrive_mock::rate::DAILY_LIMIT.into())));

    let second = client.get_notes().send_with_response().await.expect("notes");
    let again = second.headers_as::<GetNotesHeaders>().x_ratelimit_remaining().expect("an integer").expect("sent");
    assert!(again < remaining || again == i64::from(pipedrive_mock::rate::WINDOW_LIMIT) - 1, "{again} after {remaining}");

    // A write spends the daily budget; documented errors carry the headers too.
    let body = t::NotesCreateNoteRequest { content: "x".into(), ..Default::default() };
    let added = client.add_note(body).send_with_response().await.expect("added");
    let daily = |left: i64| Ok(Some(i64::from(pipedrive_mock::rate::DAILY_LIMIT) - left));
    assert_eq!(added.headers_as::<AddNoteHeaders>().x_daily_requests_left(), daily(1));
    let missing = client.get_note(999_999).send().await.expect_err("no such note");
    assert_eq!(missing.status().map(|status| status.as_u16()), Some(404));
    assert_eq!(GetNoteHeaders::from(missing.headers().expect("answered")).x_daily_requests_left(), daily(1));

    // Bearer requests get the window headers, not the daily one.
    let by_bearer = running.builder().oauth2(ADMIN_BEARER).build().expect("client");
    let response = by_bearer.get_notes().send_with_response().await.expect("notes");
    let headers = response.headers_as::<GetNotesHeaders>();
    assert!(headers.x_ratelimit_remaining().expect("an integer").is_some());
    assert_eq!(headers.x_daily_requests_left(), Ok(None));
}

#[test]
fn a_malformed_header_is_an_error_naming_it_only_when_read() {
    let mut map = reqwest::header::HeaderMap::new();
    map.insert("x-ratelimit-limit", "eighty".parse().unwrap());
    map.insert("x-ratelimit-remaining", "3".parse().unwrap());
    let headers = GetNotesHeaders::from(&map);
    assert_eq!(headers.x_ratelimit_remaining(), Ok(Some(3)));
    let error = headers.x_ratelimit_limit().expect_err("not an integer");
    assert_eq!(error.name, "x-ratelimit-limit");
    assert!(error.to_string().starts_with("response header `x-ratelimit-limit`: `eighty` does not fit the documented schema"), "{error}");
    map.insert("x-ratelimit-reset", reqwest::header::HeaderValue::from_bytes(b"\xff").unwrap());
    assert_eq!(
        GetNotesHeaders::from(&map).x_ratelimit_reset().unwrap_err().to_string(),
        "response header `x-ratelimit-reset`: the value is not visible ASCII text"
    );
}
