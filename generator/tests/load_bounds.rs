//! The loader's bounds (issue 14): documents at the nesting limit load on a `cargo test`
//! thread's 2 MiB stack, malformed documents are refused in bounded time whatever their depth,
//! and every error fixture is refused in well under a second.

use std::time::{Duration, Instant};

use generator::load::{load, LoadError, MAX_NESTING};
use serde_json::{json, Value};

fn document(schema: Value) -> String {
    json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
           "paths": {"/a": {"get": {"operationId": "a", "responses": {"200": {"description": "d",
               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}},
           "components": {"schemas": {"A": schema}}})
    .to_string()
}

fn nested(levels: usize, wrap: fn(Value) -> Value, leaf: Value) -> Value {
    (0..levels).fold(leaf, |inner, _| wrap(inner))
}

fn items(inner: Value) -> Value {
    json!({"type": "array", "items": inner})
}

fn not(inner: Value) -> Value {
    json!({"not": inner})
}

fn additional(inner: Value) -> Value {
    json!({"type": "object", "additionalProperties": inner})
}

/// `/components/schemas/A` is 3 levels deep and the innermost `{"type": "string"}` holds a value
/// one level deeper, so `MAX_NESTING - 4` wrappers reach the limit exactly.
const WRAPPERS: usize = MAX_NESTING - 4;

#[test]
fn the_deepest_document_allowed_loads_and_lowers_on_a_small_stack() {
    for wrap in [items, not, additional] {
        let text = document(nested(WRAPPERS, wrap, json!({"type": "string"})));
        let api = generator::lower::load_and_lower("deep.json", &text).expect("a document at the limit loads");
        generator::emit::generate(&api, &generator::emit::CrateNames::from_api_name("deep")).expect("and emits");
    }
}

#[test]
fn one_level_more_is_refused_with_the_pointer_where_the_limit_is_crossed() {
    let text = document(nested(WRAPPERS + 1, items, json!({"type": "string"})));
    match load("deep.json", &text) {
        Err(LoadError::Limit { pointer, message, .. }) => {
            assert_eq!(pointer, format!("/components/schemas/A{}/type", "/items".repeat(WRAPPERS + 1)));
            assert!(message.contains("nested deeper than 64 levels"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

/// Before the schema checks, each level of `items` above a malformed schema doubled the time:
/// 14 levels took 0.3 s, 24 levels ten minutes.
#[test]
fn a_malformed_schema_at_any_depth_is_refused_at_once() {
    for (wrap, leaf) in [
        (items as fn(Value) -> Value, json!({"type": "string", "minLength": "x"})),
        (not, json!({"type": {"enum": []}})),
        (additional, json!({"properties": "Box"})),
    ] {
        let text = document(nested(WRAPPERS - 1, wrap, leaf));
        let started = Instant::now();
        let error = load("deep.json", &text).expect_err("malformed");
        assert!(started.elapsed() < Duration::from_secs(1), "{:?}: {error}", started.elapsed());
        assert!(matches!(error, LoadError::Shape { ref pointer, .. } if pointer.starts_with("/components/schemas/A/")), "{error}");
    }
}

#[test]
fn a_key_given_twice_is_refused_not_a_panic() {
    let text = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
        "components": {"schemas": {"A": {"type": "string", "type": "string"}}}}"#;
    let error = load("dup.json", text).expect_err("refused");
    assert_eq!(
        error.to_string(),
        "dup.json: at /components/schemas/A/type: the key `type` appears twice in one object; keys must be unique"
    );
}

/// The scan for references that need copying once searched the text after every `$ref`: a
/// string of 20,000 `$ref`s took seconds.
#[test]
fn a_long_string_of_refs_is_read_in_linear_time() {
    let text = document(json!({"type": "string", "description": "$ref".repeat(50_000), "example": "$ref: '#/x".repeat(10_000)}));
    let started = Instant::now();
    load("refs.json", &text).expect("loads");
    assert!(started.elapsed() < Duration::from_secs(1), "{:?}", started.elapsed());
}

#[test]
fn swagger_2_is_reported_before_any_bound() {
    let text = format!(r#"{{"swagger": "2.0", "definitions": {}}}"#, nested(100, items, json!({})));
    assert!(matches!(load("old.json", &text), Err(LoadError::UnsupportedVersion { .. })));
}

#[test]
fn every_error_fixture_is_refused_in_under_a_second() {
    insta::glob!("fixtures/openapi-errors/*.{yaml,json}", |path| {
        let text = std::fs::read_to_string(path).expect("fixture");
        let started = Instant::now();
        let result = generator::lower::load_and_lower("fixture", &text);
        assert!(result.is_err(), "{}", path.display());
        assert!(started.elapsed() < Duration::from_secs(1), "{}: {:?}", path.display(), started.elapsed());
    });
}
