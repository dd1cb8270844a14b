//! The round-trip harness's comparisons and checks: what counts as the same value, where the
//! first difference is reported, and a type's round trip failing when decoding loses data.

use runtime_templates::roundtrip::runtime::harness::{bytes_value, check_received, compare, sampled_bytes, type_round_trip, Received, Report, Tally};
use runtime_templates::server::runtime::schema::{Kind, Property, Schema};
use serde_json::json;

#[test]
fn numbers_compare_by_value_and_objects_regardless_of_order() {
    assert_eq!(compare(&json!({"a": 2.0, "b": [1, 2]}), &json!({"b": [1.0, 2], "a": 2}), ""), Ok(()));
}

#[test]
fn the_first_difference_is_named_by_its_json_pointer() {
    let expected = json!({"items": [{"name": "a"}, {"name": "b/c", "x~y": 1}]});
    let actual = json!({"items": [{"name": "a"}, {"name": "b/c", "x~y": 2}]});
    assert_eq!(compare(&expected, &actual, "/body"), Err(("/body/items/1/x~0y".to_owned(), "expected 1, got 2".to_owned())));
    let missing = compare(&json!({"a": 1}), &json!({}), "");
    assert_eq!(missing, Err(("/a".to_owned(), "expected 1, but it is absent".to_owned())));
    let extra = compare(&json!({}), &json!({"z": null}), "");
    assert_eq!(extra, Err(("/z".to_owned(), "unexpected null".to_owned())));
    assert!(compare(&json!([1, 2]), &json!([1]), "").is_err());
    assert!(compare(&json!("1"), &json!(1), "").is_err());
}

#[test]
fn received_values_are_checked_against_what_was_sent() {
    let sent = vec![("id", json!(5)), ("body", json!({"a": 1}))];
    let received = |body| Some(Received { operation: "op", values: vec![("id", json!(5)), ("body", body)] });
    assert_eq!(check_received("op 200", "op", &sent, received(json!({"a": 1})), "a success"), Ok(()));
    let wrong = check_received("op 200", "op", &sent, received(json!({"a": 2})), "a success").expect_err("differs");
    assert_eq!(wrong.to_string(), "op 200 at /body/a: expected 1, got 2");
    let not_called = check_received("op 200", "op", &sent, None, "400 Bad Request").expect_err("not called");
    assert!(not_called.message.contains("not called (the client returned: 400 Bad Request; sent id = 5"), "{not_called}");
}

static NAME: Schema = Schema { kind: Kind::String, ..Schema::ANY };
static PERSON: Schema = Schema {
    kind: Kind::Object(&[
        Property { name: "name", schema: &NAME, required: true },
        Property { name: "nickname", schema: &NAME, required: false },
    ]),
    ..Schema::ANY
};

#[derive(serde::Deserialize, serde::Serialize)]
struct Person {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nickname: Option<String>,
}

/// Drops the nickname: a type that loses data on the way through.
#[derive(serde::Deserialize, serde::Serialize)]
struct Forgetful {
    name: String,
}

#[test]
fn a_type_round_trips_only_when_nothing_is_lost() {
    assert_eq!(type_round_trip::<Person>("Person", &PERSON, 1, 4), Ok(()));
    // The maximal round (the second) has every optional property.
    let failure = type_round_trip::<Forgetful>("Forgetful", &PERSON, 1, 4).expect_err("the nickname is lost");
    assert_eq!(failure.pointer, "/nickname");
    assert!(failure.message.contains("but it is absent"), "{failure}");
}

#[test]
fn the_summary_counts_and_lists_each_failure_once() {
    let mut report = Report::default();
    let mut tally = Tally::default();
    tally.add(Ok(()));
    let failure = check_received("op 200", "op", &[], None, "x").expect_err("not called");
    tally.add(Err(failure.clone()));
    tally.add(Err(failure));
    report.operations = tally;
    assert!(!report.passed());
    let summary = report.summary();
    assert!(summary.starts_with("operations 1/3, types 0/0\n  op 200: the server's"), "{summary}");
    assert_eq!(summary.lines().count(), 2, "{summary}");
}

#[test]
fn raw_bodies_are_sampled_as_text_or_byte_lists_and_recorded_alike_on_both_sides() {
    assert_eq!(sampled_bytes(&json!("hé")), Some("hé".as_bytes().to_vec()));
    assert_eq!(sampled_bytes(&json!([0, 159, 255])), Some(vec![0, 159, 255]));
    assert_eq!(sampled_bytes(&json!([256])), None, "not a byte");
    assert_eq!(sampled_bytes(&json!({"a": 1})), None);
    // UTF-8 reads as text, anything else as the list of its bytes; either way the value gives
    // the same bytes back, so what was sent and what arrived compare byte for byte.
    assert_eq!(bytes_value("hé".as_bytes()), json!("hé"));
    assert_eq!(bytes_value(&[0, 159, 255]), json!([0, 159, 255]));
    for bytes in [&b""[..], b"plain", &[0xff, 0x00, 0x80]] {
        assert_eq!(sampled_bytes(&bytes_value(bytes)).as_deref(), Some(bytes));
    }
    assert!(compare(&bytes_value(b"ab"), &bytes_value(b"ac"), "").is_err());
}

#[test]
fn a_mock_given_credentials_accepts_those_only_and_without_any_accepts_all() {
    use runtime_templates::roundtrip::runtime::auth::{Credential, Credentials, Secret};
    use runtime_templates::roundtrip::runtime::harness::Accepted;
    let presented = |scheme: &'static str, credential: Credential| Credentials { presented: vec![(scheme, credential)] };
    let key = |value: &str| Credential::ApiKey(Secret::new(value));
    assert_eq!(Accepted::default().check(&presented("api_key", key("anything"))), Ok(()));
    let accepted = Accepted::parse(["api_key=k1", "basic=ann:pw=1", "oauth=tok"]).expect("parses");
    assert_eq!(accepted.check(&presented("api_key", key("k1"))), Ok(()));
    let wrong = accepted.check(&presented("api_key", key("k2"))).expect_err("refused");
    assert!(wrong.contains("`api_key`") && !wrong.contains("k2"), "{wrong}");
    let basic = Credential::Basic { username: "ann".into(), password: Secret::new("pw=1") };
    assert_eq!(accepted.check(&presented("basic", basic)), Ok(()));
    assert_eq!(accepted.check(&presented("oauth", Credential::Bearer(Secret::new("tok")))), Ok(()));
    assert!(accepted.check(&presented("other", key("k1"))).is_err(), "a scheme given no credential");
    assert_eq!(accepted.check(&Credentials::default()), Ok(()), "anonymous access stays the operation's to allow");
    assert!(Accepted::parse(["no-equals"]).is_err());
    assert!(Accepted::parse(["=value"]).is_err());
}

#[test]
fn header_values_are_written_in_the_simple_style() {
    use runtime_templates::roundtrip::runtime::harness::header_text;
    assert_eq!(header_text(&json!("abc")), "abc");
    assert_eq!(header_text(&json!(42)), "42");
    assert_eq!(header_text(&json!(true)), "true");
    assert_eq!(header_text(&json!(["a", 2])), "a,2");
    assert_eq!(header_text(&json!({"role": "admin", "n": 1})), "role,admin,n,1");
}
