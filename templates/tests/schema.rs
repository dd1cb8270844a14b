//! The request validator (`server/schema.rs`) on static schemas written as the generator
//! emits them: every rule a spec can state, the coercion of parameters from strings by style,
//! form bodies, and path segments that hold several parameters.

use axum::http::{header, HeaderMap, HeaderValue};
use runtime_templates::server::runtime::extract::{split_segment, Location, PathParams, QueryParams, RequestInput};
use runtime_templates::server::runtime::formats;
use runtime_templates::server::runtime::schema::{
    self, check, Additional, At, Body, BodyKind, Bound, Format, Kind, Literal, Param, Property, Schema, Style,
};
use runtime_templates::server::runtime::validate::{Pattern, Violations};
use serde_json::{json, Value};

static SLUG: Pattern = Pattern::new("^[a-z]+$");

static TAG: Schema =
    Schema { kind: Kind::String, min_length: Some(2), max_length: Some(5), pattern: Some(&SLUG), ..Schema::ANY };

static KIND: Schema =
    Schema { kind: Kind::String, enumeration: &[Literal::Str("person"), Literal::Str("org")], ..Schema::ANY };

/// An object as emitted for a struct with `additionalProperties: false`.
static THING: Schema = Schema {
    kind: Kind::Object(&[
        Property { name: "name", schema: &Schema { kind: Kind::String, ..Schema::ANY }, required: true },
        Property {
            name: "count",
            schema: &Schema {
                kind: Kind::Integer,
                format: Format::Int32,
                minimum: Some(Bound { value: 0.0, exclusive: true }),
                maximum: Some(Bound { value: 10.0, exclusive: false }),
                multiple_of: Some(2.0),
                ..Schema::ANY
            },
            required: false,
        },
        Property {
            name: "tags",
            schema: &Schema {
                kind: Kind::Array(&TAG),
                min_items: Some(1),
                max_items: Some(3),
                unique_items: true,
                ..Schema::ANY
            },
            required: false,
        },
        Property {
            name: "kind",
            schema: &Schema { kind: Kind::Ref(&KIND), nullable: true, ..Schema::ANY },
            required: false,
        },
        Property {
            name: "when",
            schema: &Schema { kind: Kind::String, format: Format::DateTime, ..Schema::ANY },
            required: false,
        },
        Property {
            name: "id",
            schema: &Schema { kind: Kind::String, format: Format::Uuid, ..Schema::ANY },
            required: false,
        },
        Property {
            name: "blob",
            schema: &Schema { kind: Kind::String, format: Format::Byte, ..Schema::ANY },
            required: false,
        },
        Property {
            name: "ratio",
            schema: &Schema { kind: Kind::Number, maximum: Some(Bound { value: 1.0, exclusive: true }), ..Schema::ANY },
            required: false,
        },
        Property { name: "child", schema: &THING, required: false },
        Property {
            name: "labels",
            schema: &Schema {
                kind: Kind::Object(&[]),
                additional: Additional::Schema(&Schema { kind: Kind::Boolean, ..Schema::ANY }),
                max_properties: Some(2),
                ..Schema::ANY
            },
            required: false,
        },
    ]),
    additional: Additional::Deny,
    ..Schema::ANY
};

/// `oneOf: [integer, string]` and `anyOf: [string with maxLength 3, string with pattern]`.
static ONE: Schema = Schema {
    kind: Kind::OneOf(&[&Schema { kind: Kind::Integer, ..Schema::ANY }, &Schema { kind: Kind::String, ..Schema::ANY }]),
    ..Schema::ANY
};
static OVERLAPPING: Schema = Schema {
    kind: Kind::OneOf(&[&Schema { kind: Kind::Number, ..Schema::ANY }, &Schema { kind: Kind::Integer, ..Schema::ANY }]),
    ..Schema::ANY
};
static ANY_OF: Schema = Schema {
    kind: Kind::AnyOf(&[&Schema { kind: Kind::String, max_length: Some(3), ..Schema::ANY }, &TAG]),
    ..Schema::ANY
};

fn problems(schema: &Schema, value: Value) -> Vec<String> {
    let mut out = Violations::new();
    check(schema, &value, &At::Root("body"), &mut out);
    out.as_slice().iter().map(|v| format!("{}: {}", v.at, v.message)).collect()
}

#[test]
fn a_valid_object_has_no_problems() {
    let value = json!({
        "name": "x", "count": 4, "tags": ["ab", "cd"], "kind": null, "when": "2024-01-02T03:04:05Z",
        "id": "5b8a3b4c-1f0e-4d2a-9c3b-2a1e0f9d8c7b", "blob": "aGVsbG8=", "ratio": 0.5,
        "child": {"name": "y", "kind": "org"}, "labels": {"a": true}
    });
    assert_eq!(problems(&THING, value), Vec::<String>::new());
}

#[test]
fn every_rule_names_where_and_what() {
    let value = json!({
        "count": 3, "tags": ["ab", "ab", "Xy", "toolong"], "kind": "team", "when": "yesterday",
        "id": "nope", "blob": "!!", "ratio": 1.0, "child": {"name": 5, "extra": 1},
        "labels": {"a": "yes", "b": true, "c": false}, "unknown": 1
    });
    assert_eq!(
        problems(&THING, value),
        [
            "body/name: is required",
            "body/count: must be a multiple of 2",
            "body/tags: must have at most 3 items, got 4",
            "body/tags: must not contain the same item twice",
            "body/tags/2: must match the pattern `^[a-z]+$`",
            "body/tags/3: must be at most 5 characters long, got 7",
            "body/kind: must be one of `person`, `org`",
            "body/when: must be a date-time (RFC 3339, such as 2024-03-01T12:34:56Z)",
            "body/id: must be a uuid (hex digits as 8-4-4-4-12)",
            "body/blob: must be base64 text (format byte)",
            "body/ratio: must be less than 1, got 1",
            "body/child/name: must be a string, got an integer",
            "body/child/extra: is not a known property",
            "body/labels/a: must be a boolean, got a string",
            "body/labels: must have at most 2 properties, got 3",
            "body/unknown: is not a known property",
        ]
    );
}

#[test]
fn integer_bounds_and_widths() {
    let count = |value: Value| problems(&THING, json!({"name": "x", "count": value}));
    assert_eq!(count(json!(0)), ["body/count: must be greater than 0, got 0"]);
    assert_eq!(count(json!(12)), ["body/count: must be at most 10, got 12"]);
    assert_eq!(count(json!(2.5)), ["body/count: must be an integer, got a number"]);
    assert_eq!(count(json!(3_000_000_000_i64)), ["body/count: must fit in a signed 32-bit integer (format int32), got 3000000000"]);
    assert_eq!(count(json!("4")), ["body/count: must be an integer, got a string"]);
    assert_eq!(count(Value::Null), ["body/count: must be an integer, got null"]);
}

#[test]
fn min_items_and_min_length() {
    assert_eq!(problems(&THING, json!({"name": "x", "tags": []})), ["body/tags: must have at least 1 item, got 0"]);
    assert_eq!(
        problems(&THING, json!({"name": "x", "tags": ["a"]})),
        ["body/tags/0: must be at least 2 characters long, got 1"]
    );
}

#[test]
fn one_of_means_exactly_one() {
    assert!(problems(&ONE, json!(5)).is_empty());
    assert!(problems(&ONE, json!("five")).is_empty());
    assert_eq!(
        problems(&ONE, json!(true)),
        ["body: must match one of 2 alternatives; the first fails: `body` must be an integer, got a boolean"]
    );
    assert_eq!(problems(&OVERLAPPING, json!(5)), ["body: must match exactly one alternative, but matches 2"]);
    assert!(problems(&OVERLAPPING, json!(5.5)).is_empty());
}

#[test]
fn any_of_means_at_least_one() {
    assert!(problems(&ANY_OF, json!("ab")).is_empty(), "both fit");
    assert!(problems(&ANY_OF, json!("abcd")).is_empty(), "the second fits");
    assert_eq!(
        problems(&ANY_OF, json!("ABCDEFG")),
        ["body: must match one of 2 alternatives; the first fails: `body` must be at most 3 characters long, got 7"]
    );
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    static NESTED: Schema = Schema { kind: Kind::Array(&NESTED), ..Schema::ANY };
    let mut value = json!([]);
    for _ in 0..200 {
        value = json!([value]);
    }
    let found = problems(&NESTED, value);
    assert_eq!(found.len(), 1);
    assert!(found[0].ends_with(": is nested too deeply"), "{found:?}");
}

fn input(path: &[(&str, &str)], query: &str, content_type: Option<&str>, body: &str) -> RequestInput {
    let mut headers = HeaderMap::new();
    if let Some(content_type) = content_type {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).expect("a header"));
    }
    RequestInput {
        path: PathParams::from_pairs(path.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))),
        query: QueryParams::parse(Some(query)),
        headers,
        body: body.to_owned().into(),
    }
}

static IDS: Schema = Schema { kind: Kind::Array(&Schema { kind: Kind::Integer, ..Schema::ANY }), ..Schema::ANY };

fn ids(style: Style, explode: bool, query: &str) -> (Option<Vec<i64>>, Vec<String>) {
    let param =
        Param { name: "ids", key: "ids", location: Location::Query, required: true, style, explode, schema: &IDS };
    let mut out = Violations::new();
    let value = schema::param::<Vec<i64>>(&param, &input(&[], query, None, ""), &mut out);
    (value, out.as_slice().iter().map(|v| format!("{}: {}", v.at, v.message)).collect())
}

#[test]
fn array_parameters_per_style() {
    assert_eq!(ids(Style::Form, true, "ids=1&ids=2").0, Some(vec![1, 2]));
    assert_eq!(ids(Style::Form, false, "ids=1,2,3").0, Some(vec![1, 2, 3]));
    assert_eq!(ids(Style::PipeDelimited, false, "ids=1|2").0, Some(vec![1, 2]));
    assert_eq!(ids(Style::SpaceDelimited, false, "ids=1%202").0, Some(vec![1, 2]));
    assert_eq!(ids(Style::Form, false, "ids=1,x").1, ["ids/1: must be an integer, got `x`"]);
    assert_eq!(ids(Style::Form, false, "ids=1&ids=2").1, ["ids: (query parameter) must be given at most once"]);
    assert_eq!(ids(Style::Form, true, "other=1").1, ["ids: (query parameter) is required"]);
}

/// GitHub's `fields`: `oneOf: [string, array of strings]`, sent as `fields=a` or repeated.
#[test]
fn a_repeated_parameter_whose_alternatives_include_a_list_is_that_list() {
    static TEXT: Schema = Schema { kind: Kind::String, ..Schema::ANY };
    static TEXTS: Schema = Schema { kind: Kind::Array(&TEXT), ..Schema::ANY };
    static EITHER: Schema = Schema { kind: Kind::OneOf(&[&TEXT, &TEXTS]), ..Schema::ANY };
    let param =
        Param { name: "fields", key: "fields", location: Location::Query, required: true, style: Style::Form, explode: true, schema: &EITHER };
    let read = |query: &str| {
        let mut out = Violations::new();
        let value = schema::param::<Value>(&param, &input(&[], query, None, ""), &mut out);
        (value, out.as_slice().iter().map(|v| format!("{}: {}", v.at, v.message)).collect::<Vec<_>>())
    };
    assert_eq!(read("fields=a&fields=b").0, Some(json!(["a", "b"])));
    assert_eq!(read("fields=a,b").0, Some(json!("a,b")), "one value is the string alternative");
    // Without a list alternative, a repeat is still refused.
    assert_eq!(ids(Style::Form, false, "ids=1&ids=2").1, ["ids: (query parameter) must be given at most once"]);
}

#[test]
fn object_parameters_deep_and_exploded_and_json() {
    static FILTER: Schema = Schema {
        kind: Kind::Object(&[
            Property { name: "min", schema: &Schema { kind: Kind::Integer, ..Schema::ANY }, required: true },
            Property { name: "q", schema: &Schema { kind: Kind::String, ..Schema::ANY }, required: false },
        ]),
        additional: Additional::Deny,
        ..Schema::ANY
    };
    let read = |style: Style, explode: bool, query: &str| {
        let param = Param {
            name: "filter",
            key: "filter",
            location: Location::Query,
            required: false,
            style,
            explode,
            schema: &FILTER,
        };
        let mut out = Violations::new();
        let value = schema::param::<Value>(&param, &input(&[], query, None, ""), &mut out);
        (value, out.as_slice().iter().map(|v| format!("{}: {}", v.at, v.message)).collect::<Vec<_>>())
    };
    assert_eq!(read(Style::DeepObject, true, "filter[min]=3&filter[q]=a").0, Some(json!({"min": 3, "q": "a"})));
    assert_eq!(read(Style::DeepObject, true, "filter[min]=x").1, ["filter/min: must be an integer, got a string"]);
    assert_eq!(
        read(Style::DeepObject, true, "filter[max]=1").1,
        ["filter/min: is required", "filter/max: is not a known property"]
    );
    assert_eq!(read(Style::Form, true, "min=4&unrelated=1").0, Some(json!({"min": 4})));
    assert_eq!(read(Style::Json, false, "filter=%7B%22min%22%3A5%7D").0, Some(json!({"min": 5})));
    assert_eq!(read(Style::Json, false, "filter=%7B").1.len(), 1);
    assert_eq!(read(Style::DeepObject, true, "").0, None, "absent and optional");
}

/// Stripe's `expand` (a deepObject list) and `created` (`anyOf` an object of bounds and an
/// integer), and nested values, in every bracket spelling a client writes.
#[test]
fn deep_object_parameters_hold_lists_scalars_and_nested_values() {
    static TEXT: Schema = Schema { kind: Kind::String, ..Schema::ANY };
    static INTEGER: Schema = Schema { kind: Kind::Integer, ..Schema::ANY };
    static TEXTS: Schema = Schema { kind: Kind::Array(&TEXT), ..Schema::ANY };
    static RANGE: Schema = Schema {
        kind: Kind::Object(&[
            Property { name: "gt", schema: &INTEGER, required: false },
            Property { name: "lte", schema: &INTEGER, required: false },
        ]),
        additional: Additional::Deny,
        ..Schema::ANY
    };
    static CREATED: Schema = Schema { kind: Kind::AnyOf(&[&RANGE, &INTEGER]), ..Schema::ANY };
    static LINE: Schema = Schema {
        kind: Kind::Object(&[
            Property { name: "price", schema: &TEXT, required: true },
            Property { name: "quantity", schema: &INTEGER, required: false },
        ]),
        ..Schema::ANY
    };
    static NESTED: Schema = Schema {
        kind: Kind::Object(&[Property { name: "lines", schema: &Schema { kind: Kind::Array(&LINE), ..Schema::ANY }, required: false }]),
        ..Schema::ANY
    };
    let read = |schema: &'static Schema, query: &str| {
        let param =
            Param { name: "p", key: "p", location: Location::Query, required: false, style: Style::DeepObject, explode: true, schema };
        let mut out = Violations::new();
        let value = schema::param::<Value>(&param, &input(&[], query, None, ""), &mut out);
        (value, out.as_slice().iter().map(|v| format!("{}: {}", v.at, v.message)).collect::<Vec<_>>())
    };
    for query in ["p=a&p=b", "p[]=a&p[]=b", "p[0]=a&p[1]=b", "p[1]=b&p[0]=a", "p%5B0%5D=a&p%5B1%5D=b"] {
        assert_eq!(read(&TEXTS, query).0, Some(json!(["a", "b"])), "{query}");
    }
    assert_eq!(read(&TEXTS, "p=a").0, Some(json!(["a"])));
    assert_eq!(read(&CREATED, "p=-290").0, Some(json!(-290)));
    assert_eq!(read(&CREATED, "p[gt]=1&p[lte]=9").0, Some(json!({"gt": 1, "lte": 9})));
    assert_eq!(
        read(&CREATED, "p[gt]=x").1,
        ["p: must match one of 2 alternatives; the first fails: `p/gt` must be an integer, got a string"]
    );
    assert_eq!(
        read(&NESTED, "p[lines][0][price]=a&p[lines][0][quantity]=2&p[lines][1][price]=b").0,
        Some(json!({"lines": [{"price": "a", "quantity": 2}, {"price": "b"}]}))
    );
    assert_eq!(read(&NESTED, "p[lines][x][price]=a").1, ["p/lines: must be an array, got an object"]);
    // Keys nested deeper than the reader follows are plain names, which this parameter
    // does not have.
    let deep = format!("p{}=1", "[a]".repeat(40));
    assert_eq!(read(&NESTED, &deep).0, None);
    assert_eq!(read(&TEXTS, "q[0]=a").0, None, "another parameter's keys");
}

/// Stripe's form bodies: objects and lists of objects in bracket notation.
#[test]
fn form_bodies_read_bracketed_fields_as_objects_and_lists() {
    static TEXT: Schema = Schema { kind: Kind::String, ..Schema::ANY };
    static ADDRESS: Schema = Schema {
        kind: Kind::Object(&[Property { name: "city", schema: &TEXT, required: true }]),
        ..Schema::ANY
    };
    static METADATA: Schema = Schema { kind: Kind::Object(&[]), additional: Additional::Schema(&TEXT), ..Schema::ANY };
    static FORM: Schema = Schema {
        kind: Kind::Object(&[
            Property { name: "address", schema: &ADDRESS, required: false },
            Property { name: "expand", schema: &Schema { kind: Kind::Array(&TEXT), ..Schema::ANY }, required: false },
            Property { name: "metadata", schema: &METADATA, required: false },
            Property { name: "odd[name]", schema: &TEXT, required: false },
        ]),
        ..Schema::ANY
    };
    static SPEC: Body =
        Body { required: true, media: &[("application/x-www-form-urlencoded", BodyKind::Form(&[]))], schema: &FORM };
    let mut out = Violations::new();
    let body = schema::body::<Value>(
        &SPEC,
        &input(
            &[],
            "",
            Some("application/x-www-form-urlencoded"),
            "address%5Bcity%5D=Oslo&expand[0]=a&expand[1]=b&metadata[n]=1&metadata[x]y]=2&odd[name]=kept",
        ),
        &mut out,
    );
    assert_eq!(out.as_slice().len(), 0, "{:?}", out.as_slice());
    assert_eq!(
        body.ok().flatten(),
        Some(json!({"address": {"city": "Oslo"}, "expand": ["a", "b"], "metadata": {"n": "1", "x]y": "2"}, "odd[name]": "kept"}))
    );
    // A field whose `encoding` delimits its list (`style: pipeDelimited`).
    static PIPED: Body = Body {
        required: true,
        media: &[("application/x-www-form-urlencoded", BodyKind::Form(&[("expand", '|')]))],
        schema: &FORM,
    };
    let mut out = Violations::new();
    let body = schema::body::<Value>(&PIPED, &input(&[], "", Some("application/x-www-form-urlencoded"), "expand=a%7Cb|c"), &mut out);
    assert_eq!(body.ok().flatten(), Some(json!({"expand": ["a", "b", "c"]})));
}

/// The reading side of OpenAPI's style table: what the client renders
/// (`renders_path_and_header_parameters_per_style` in client.rs) reads back.
#[test]
fn path_header_and_cookie_parameters_per_style() {
    static POINT: Schema = Schema {
        kind: Kind::Object(&[
            Property { name: "x", schema: &Schema { kind: Kind::Integer, ..Schema::ANY }, required: true },
            Property { name: "label", schema: &Schema { kind: Kind::String, ..Schema::ANY }, required: false },
        ]),
        ..Schema::ANY
    };
    let read = |location: Location, style: Style, explode: bool, schema: &'static Schema, raw: &str| {
        let param = Param { name: "id", key: "id", location, required: true, style, explode, schema };
        let mut request = input(&[("id", raw)], "", None, "");
        let cookie = format!("id={raw}");
        request.headers.insert("id", HeaderValue::from_str(raw).expect("a header"));
        request.headers.insert(header::COOKIE, HeaderValue::from_str(&cookie).expect("a header"));
        let mut out = Violations::new();
        let value = schema::param::<Value>(&param, &request, &mut out);
        value.ok_or_else(|| out.as_slice().iter().map(|v| format!("{}: {}", v.at, v.message)).collect::<Vec<_>>())
    };
    let path = Location::Path;
    let table: [(Style, bool, &str, &str, &str); 6] = [
        (Style::Simple, false, "5", "3,4", "x,1,label,a"),
        (Style::Simple, true, "5", "3,4", "x=1,label=a"),
        (Style::Label, false, ".5", ".3,4", ".x,1,label,a"),
        (Style::Label, true, ".5", ".3.4", ".x=1.label=a"),
        (Style::Matrix, false, ";id=5", ";id=3,4", ";id=x,1,label,a"),
        (Style::Matrix, true, ";id=5", ";id=3;id=4", ";x=1;label=a"),
    ];
    static INTEGER: Schema = Schema { kind: Kind::Integer, ..Schema::ANY };
    for (style, explode, one, many, object) in table {
        assert_eq!(read(path, style, explode, &INTEGER, one), Ok(json!(5)), "{style:?} {explode}");
        assert_eq!(read(path, style, explode, &IDS, many), Ok(json!([3, 4])), "{style:?} {explode}");
        assert_eq!(read(path, style, explode, &POINT, object), Ok(json!({"x": 1, "label": "a"})), "{style:?} {explode}");
    }
    assert_eq!(read(path, Style::Label, false, &INTEGER, "5"), Err(vec!["id: (path parameter) must start with `.` (label style), got `5`".to_owned()]));
    assert_eq!(read(path, Style::Matrix, false, &INTEGER, ";other=5"), Err(vec!["id: (path parameter) must be `;id=...` (matrix style), got `;other=5`".to_owned()]));
    assert_eq!(read(path, Style::Simple, false, &POINT, "x,1,label"), Err(vec!["id: (path parameter) must alternate keys and values, got 3 parts in `x,1,label`".to_owned()]));
    assert_eq!(read(Location::Header, Style::Simple, false, &POINT, "x,2"), Ok(json!({"x": 2})));
    assert_eq!(read(Location::Header, Style::Simple, true, &POINT, "x=2,label=b"), Ok(json!({"x": 2, "label": "b"})));
    // Cookies are written as not exploded whatever `explode` says.
    assert_eq!(read(Location::Cookie, Style::Form, true, &IDS, "3,4"), Ok(json!([3, 4])));
    assert_eq!(read(Location::Cookie, Style::Form, true, &POINT, "x,3"), Ok(json!({"x": 3})));
}

/// An exploded form object that keeps what it does not name takes every query key no other
/// parameter claims, values read as the JSON scalars they spell.
#[test]
fn free_form_query_objects_take_the_unclaimed_keys() {
    static FREE: Schema = Schema { kind: Kind::Object(&[]), ..Schema::ANY };
    let param = Param {
        name: "config",
        key: "config",
        location: Location::Query,
        required: false,
        style: Style::Form,
        explode: true,
        schema: &FREE,
    };
    let request = input(&[], "limit=5&api_token=t&filter[a]=1&flag=true&n=2.5&name=x", None, "");
    let mut out = Violations::new();
    let claimed = schema::free_param::<Value>(&param, &["api_token", "filter", "limit"], &request, &mut out);
    assert_eq!(claimed, Some(json!({"flag": true, "n": 2.5, "name": "x"})));
    // Without the claimed list (`param`), only declared properties are read: none here.
    assert_eq!(schema::param::<Value>(&param, &request, &mut out), None);
    assert!(out.as_slice().is_empty());
}

#[test]
fn scalar_coercion_by_schema() {
    let number = Schema { kind: Kind::Number, ..Schema::ANY };
    assert_eq!(schema::coerce_scalar(&number, "2.5"), Ok(json!(2.5)));
    assert_eq!(schema::coerce_scalar(&number, "2"), Ok(json!(2)));
    assert_eq!(schema::coerce_scalar(&number, "inf"), Err("a finite number"));
    let boolean = Schema { kind: Kind::Boolean, ..Schema::ANY };
    assert_eq!(schema::coerce_scalar(&boolean, "true"), Ok(json!(true)));
    assert_eq!(schema::coerce_scalar(&boolean, "1"), Err("`true` or `false`"));
    assert_eq!(schema::coerce_scalar(&ONE, "7"), Ok(json!(7)));
    assert_eq!(schema::coerce_scalar(&ONE, "seven"), Ok(json!("seven")));
}

#[test]
fn form_bodies_are_coerced_per_property() {
    static FORM: Schema = Schema {
        kind: Kind::Object(&[
            Property { name: "count", schema: &Schema { kind: Kind::Integer, ..Schema::ANY }, required: true },
            Property { name: "ids", schema: &IDS, required: false },
        ]),
        ..Schema::ANY
    };
    static SPEC: Body =
        Body { required: true, media: &[("application/x-www-form-urlencoded", BodyKind::Form(&[]))], schema: &FORM };
    let mut out = Violations::new();
    let body = schema::body::<Value>(
        &SPEC,
        &input(&[], "", Some("application/x-www-form-urlencoded"), "count=3&ids=1&ids=2&x=y"),
        &mut out,
    );
    assert_eq!(body.ok().flatten(), Some(json!({"count": 3, "ids": [1, 2], "x": "y"})));
    // Fields the schema does not name are the JSON scalars they spell, unless
    // `additionalProperties` gives them a schema.
    let mut out = Violations::new();
    let free = schema::body::<Value>(
        &SPEC,
        &input(&[], "", Some("application/x-www-form-urlencoded"), "count=3&price=570.25&on=true&name=x"),
        &mut out,
    );
    assert_eq!(free.ok().flatten(), Some(json!({"count": 3, "price": 570.25, "on": true, "name": "x"})));
    static TEXTS: Schema = Schema {
        kind: Kind::Object(&[]),
        additional: Additional::Schema(&Schema { kind: Kind::String, ..Schema::ANY }),
        ..Schema::ANY
    };
    static TEXT_SPEC: Body =
        Body { required: true, media: &[("application/x-www-form-urlencoded", BodyKind::Form(&[]))], schema: &TEXTS };
    let mut out = Violations::new();
    let texts =
        schema::body::<Value>(&TEXT_SPEC, &input(&[], "", Some("application/x-www-form-urlencoded"), "price=570.25"), &mut out);
    assert_eq!(texts.ok().flatten(), Some(json!({"price": "570.25"})));
    let mut out = Violations::new();
    let _ = schema::body::<Value>(
        &SPEC,
        &input(&[], "", Some("application/x-www-form-urlencoded"), "count=many"),
        &mut out,
    );
    assert_eq!(out.as_slice()[0].message, "must be an integer, got a string");
    let mut out = Violations::new();
    let refused = schema::body::<Value>(&SPEC, &input(&[], "", Some("application/json"), "{}"), &mut out);
    assert_eq!(refused.err().map(|e| e.status.as_u16()), Some(415));
    // An empty form sent as one is a form without fields (an empty object), not a missing body;
    // without a Content-Type, no bytes are no body.
    let mut out = Violations::new();
    let empty = schema::body::<Value>(&TEXT_SPEC, &input(&[], "", Some("application/x-www-form-urlencoded"), ""), &mut out);
    assert_eq!((empty.ok().flatten(), out.as_slice().len()), (Some(json!({})), 0));
    let mut out = Violations::new();
    let _ = schema::body::<Value>(&SPEC, &input(&[], "", Some("application/x-www-form-urlencoded"), ""), &mut out);
    assert_eq!(out.as_slice()[0].message, "is required", "{:?}", out.as_slice());
    // A required exploded list the form does not name is the empty list (no field at all is
    // how the form writes it); a delimited one (`ids=1,2`) names its field even when empty.
    static LISTED: Schema = Schema {
        kind: Kind::Object(&[Property { name: "ids", schema: &IDS, required: true }]),
        ..Schema::ANY
    };
    static EXPLODED: Body = Body { required: true, media: &[("application/x-www-form-urlencoded", BodyKind::Form(&[]))], schema: &LISTED };
    static DELIMITED: Body =
        Body { required: true, media: &[("application/x-www-form-urlencoded", BodyKind::Form(&[("ids", ',')]))], schema: &LISTED };
    let form = |spec: &Body| {
        let mut out = Violations::new();
        let read = schema::body::<Value>(spec, &input(&[], "", Some("application/x-www-form-urlencoded"), "other=1"), &mut out);
        (read.ok().flatten(), out.as_slice().iter().map(|v| v.message.clone()).collect::<Vec<_>>())
    };
    assert_eq!(form(&EXPLODED), (Some(json!({"ids": [], "other": 1})), vec![]));
    assert_eq!(form(&DELIMITED), (None, vec!["is required".to_owned()]));
    let mut out = Violations::new();
    let _ = schema::body::<Value>(&TEXT_SPEC, &input(&[], "", None, ""), &mut out);
    assert_eq!(out.as_slice()[0].message, "is required", "{:?}", out.as_slice());
}

#[test]
fn segments_with_several_parameters() {
    let mut path = PathParams::from_pairs([("segment_1".to_owned(), "report.2024.csv".to_owned())]);
    split_segment(&mut path, "segment_1", "{name}.{ext}");
    assert_eq!(path.get("name"), Some("report"));
    assert_eq!(path.get("ext"), Some("2024.csv"));
    let mut path = PathParams::from_pairs([("segment_0".to_owned(), "v2-items".to_owned())]);
    split_segment(&mut path, "segment_0", "v{version}-items");
    assert_eq!(path.get("version"), Some("2"));
    let mut path = PathParams::from_pairs([("segment_0".to_owned(), "x-things".to_owned())]);
    split_segment(&mut path, "segment_0", "v{version}-items");
    assert_eq!(path.get("version"), None, "literal text that does not match sets nothing");
}

#[test]
fn declared_media_types_accept_their_essences() {
    use runtime_templates::server::runtime::extract::media_accepts;
    assert!(media_accepts("application/json", "application/json"));
    assert!(media_accepts("application/json", "application/problem+json"));
    assert!(media_accepts("image/*", "image/png"));
    assert!(media_accepts("*/*", "text/plain"));
    assert!(!media_accepts("image/*", "text/plain"));
    assert!(!media_accepts("application/json", "text/json"));
}

// ---------------------------------------------------------------------------------------
// Formats

/// Texts each format accepts and refuses; the choices where a grammar leaves one are in
/// `server/formats.rs`'s module docs.
const FORMAT_CASES: &[(Format, &[&str], &[&str])] = &[
    (
        Format::Date,
        &["2024-02-29", "0001-01-01", "9999-12-31"],
        &["", "2023-02-29", "2024-13-01", "2024-1-05", "2024-01-5", "24-01-05", "2024/01/05", "+2024-01-05",
          " 2024-01-05", "2024-01-05T00:00:00Z", "２０２４-01-05"],
    ),
    (
        Format::DateTime,
        &["2024-03-01T12:34:56Z", "2024-03-01t12:34:56z", "2024-03-01T12:34:56.123456789+05:30",
          "2024-03-01T12:34:56.1-00:00", "2024-03-01T12:34:56.1234567891Z", "1998-12-31T23:59:60Z",
          "1998-12-31T15:59:60.123-08:00", "2024-03-01T00:00:00+23:59"],
        &["", "2024-03-01 12:34:56Z", "2024-03-01T12:34:56", "2024-03-01T24:00:00Z", "2024-03-01T12:60:00Z",
          "1998-12-31T23:59:61Z", "1998-12-31T23:58:60Z", "1998-12-31T22:59:60Z", "2024-03-01T12:34:56+05",
          "2024-03-01T12:34:56+0530", "2024-03-01T12:34:56.Z", "2024-03-01T12:34:56+24:00",
          "2024-03-01T12:34:56+05:60", "2024-03-01T12:34:56\u{2212}05:00", "2024-02-30T00:00:00Z", "2024-03-01T1:34:56Z",
          "2024-03-01T12:34:56Z ", "2024-03-01"],
    ),
    (
        Format::Time,
        &["12:34:56Z", "12:34:56z", "00:00:00+14:00", "08:30:06.283185Z", "23:59:60Z", "15:59:60-08:00"],
        &["", "12:34:56", "12:34Z", "24:00:00Z", "12:34:56 Z", "1:34:56Z", "T12:34:56Z", "23:59:60+01:00",
          "2024-03-01T12:34:56Z", "12:34:56.Z"],
    ),
    (
        Format::Duration,
        &["P1Y2M3DT4H5M6S", "P4W", "PT36H", "P0D", "PT0S", "P1M", "PT1M", "P1DT12H", "P1Y1D", "PT1H1S",
          "PT0.5S", "PT0,5S", "P1.5Y", "P123456789D"],
        &["", "P", "PT", "P1YT", "PT1D", "P2D1Y", "P1D2H", "P1", "P1Y2W", "P1W1D", "-P1D", "P1.5YT1H", "1D",
          "p1d", "P\u{9e7}Y", "PT1.S", "P.5D", "P1DT"],
    ),
    (
        Format::Uuid,
        &["5b8a3b4c-1f0e-4d2a-9c3b-2a1e0f9d8c7b", "5B8A3B4C-1F0E-4D2A-9C3B-2A1E0F9D8C7B",
          "00000000-0000-0000-0000-000000000000"],
        &["", "5b8a3b4c1f0e4d2a9c3b2a1e0f9d8c7b", "{5b8a3b4c-1f0e-4d2a-9c3b-2a1e0f9d8c7b}",
          "urn:uuid:5b8a3b4c-1f0e-4d2a-9c3b-2a1e0f9d8c7b", "5b8a3b4c-1f0e-4d2a-9c3b-2a1e0f9d8c7",
          "5b8a3b4c-1f0e-4d2a-9c3b-2a1e0f9d8c7g", "5b8a3b4c1-f0e-4d2a-9c3b-2a1e0f9d8c7b"],
    ),
    (
        Format::Email,
        &["name@example.com", "first.last+tag@sub.example.co", "a@b", "\"john doe\"@example.com", "\"a@b\"@example.com",
          "\"quote\\\"d\"@example.com", "user@[192.0.2.1]", "user@[IPv6:2001:db8::1]", "user@[x-tag:any]",
          "x!#$%&'*+-/=?^_`{|}~@example.com", "user@xn--bcher-kva.example"],
        &["", "plainaddress", "@example.com", "name@", "name@@example.com", "a..b@example.com", ".a@example.com",
          "a.@example.com", "name@-example.com", "name@example-.com", "name@exa_mple.com", "na me@example.com",
          "\"unterminated@example.com", "\"a\"b\"@example.com", "Name <name@example.com>", "name@example.com.",
          "\u{e9}@example.com", "name@ex\u{e4}mple.com", "user@[300.0.0.1]", "user@[IPv6:1::2::3]", "user@[::1]",
          "name@example..com", "user@[]"],
    ),
    (
        Format::Hostname,
        &["example.com", "a", "api-2.example.com", "xn--bcher-kva.example", "123.example", "localhost", "1.2.3.4"],
        &["", ".", "example.com.", ".example.com", "exa mple.com", "-example.com", "example-.com", "ex_ample.com",
          "example..com", "b\u{fc}cher.example", "example.com:80"],
    ),
    (
        Format::Ipv4,
        &["192.0.2.1", "0.0.0.0", "255.255.255.255"],
        &["", "256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.4 ", "0x7f.0.0.1", "1.2.3.-4", "::1"],
    ),
    (
        Format::Ipv6,
        &["::", "::1", "2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0001", "::ffff:192.0.2.1",
          "1:2:3:4:5:6:7::", "FE80::A", "1:2:3:4:5:6:192.0.2.1"],
        &["", "fe80::1%eth0", "[::1]", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "::ffff:256.0.0.1", ":1", "1:",
          "g::1", "192.0.2.1"],
    ),
    (
        Format::Uri,
        &["https://example.com", "https://user@example.com:8080/a/b?c=d#e", "urn:isbn:0451450523",
          "mailto:name@example.com", "a:", "http://[2001:db8::1]/", "file:///etc/hosts", "https://example.com/%C3%A9",
          "x+y.z-1:path"],
        &["", "/relative/path", "//example.com/a", "example.com", "#frag", "https://exa mple.com",
          "https://example.com/\u{e9}", "https://example.com/%G0", "1http://example.com", "http://example.com:80a/",
          "http://[::1/", "https://example.com/<a>"],
    ),
    (
        Format::UriReference,
        &["https://example.com/a?b#c", "urn:isbn:0451450523", "", "/relative/path", "//example.com/a", "../a?b",
          "#frag", "?q", "a/b:c", "%41"],
        &["https://exa mple.com", "/\u{e9}", "%", ":a", "http://[::1/", "\\\\server", "a b"],
    ),
    (
        Format::Byte,
        &["", "aGVsbG8=", "AA==", "+/+/"],
        &["aGVsbG8", "aGVsbG8=\n", "a", "!!", "aGVsbG8-", "AB==", "aGVs bG8="],
    ),
];

fn text_schema(format: Format) -> &'static Schema {
    Box::leak(Box::new(Schema { kind: Kind::String, format, ..Schema::ANY }))
}

#[test]
fn every_format_accepts_its_grammar_and_refuses_the_rest() {
    for (format, valid, invalid) in FORMAT_CASES {
        let schema = text_schema(*format);
        for text in *valid {
            assert_eq!(problems(schema, json!(text)), Vec::<String>::new(), "{format:?} should accept {text:?}");
        }
        for text in *invalid {
            assert_eq!(
                problems(schema, json!(text)),
                [format!("body: must be {}", format.expected())],
                "{format:?} should refuse {text:?}"
            );
        }
    }
    let covered: Vec<Format> = FORMAT_CASES.iter().map(|(format, _, _)| *format).collect();
    for format in formats::ALL.into_iter().filter(|format| format.is_text()) {
        assert!(covered.contains(&format), "{format:?} has no cases");
    }
}

#[test]
fn refusals_name_the_format() {
    for format in formats::ALL.into_iter().filter(|format| format.is_text()) {
        let expected = format.expected();
        assert!(expected.contains(format.keyword()), "{format:?}: {expected}");
    }
    static WEBSITE: Schema = Schema { kind: Kind::String, format: Format::Uri, ..Schema::ANY };
    let param =
        Param { name: "website", key: "website", location: Location::Query, required: true, style: Style::Form, explode: true, schema: &WEBSITE };
    let mut out = Violations::new();
    assert_eq!(schema::param::<String>(&param, &input(&[], "website=example.com", None, ""), &mut out), None);
    let error = out.into_result().expect_err("refused");
    assert_eq!(error.message, "`website` must be a uri (RFC 3986, with a scheme, such as https://example.com/a)");
    let mut out = Violations::new();
    let read = schema::param::<String>(&param, &input(&[], "website=https%3A%2F%2Fexample.com%2Fa", None, ""), &mut out);
    assert_eq!((read.as_deref(), out.is_empty()), (Some("https://example.com/a"), true));
}

#[test]
fn length_bounds_and_patterns_still_hold_beside_a_format() {
    static SHORT_HOST: Schema = Schema { kind: Kind::String, format: Format::Hostname, max_length: Some(8), ..Schema::ANY };
    assert_eq!(
        problems(&SHORT_HOST, json!("api.example.com")),
        ["body: must be at most 8 characters long, got 15"],
        "a valid hostname, too long"
    );
    assert_eq!(
        problems(&SHORT_HOST, json!("-x")),
        ["body: must be a hostname (RFC 1123, such as api.example.com)"],
    );
}

#[test]
fn hostname_and_email_lengths() {
    let host = |text: &str| problems(text_schema(Format::Hostname), json!(text)).is_empty();
    let label = "a".repeat(63);
    assert!(host(&label) && !host(&"a".repeat(64)), "labels of 63 characters at most");
    let longest = [label.as_str(), &label, &label, &"a".repeat(61)].join(".");
    assert_eq!(longest.len(), 253);
    assert!(host(&longest) && !host(&format!("a{longest}")), "253 characters at most");
    let email = |text: &str| problems(text_schema(Format::Email), json!(text)).is_empty();
    assert!(email(&format!("{}@example.com", "a".repeat(64))) && !email(&format!("{}@example.com", "a".repeat(65))));
    let domain = [label.as_str(), &label, &label, &"a".repeat(59)].join(".");
    assert!(email(&format!("ab@{domain}")), "254 characters");
    assert!(!email(&format!("abc@{domain}")), "255 characters");
}

#[test]
fn numbers_keep_to_their_formats_ranges() {
    static FLOAT: Schema = Schema { kind: Kind::Number, format: Format::Float, ..Schema::ANY };
    static DOUBLE: Schema = Schema { kind: Kind::Number, format: Format::Double, ..Schema::ANY };
    for value in [json!(0.5), json!(3.4e38), json!(-3.4e38), json!(1e-50), json!(7)] {
        assert_eq!(problems(&FLOAT, value.clone()), Vec::<String>::new(), "{value}");
    }
    assert_eq!(problems(&FLOAT, json!(1e39)), ["body: must fit in a 32-bit float (format float), got 1e+39"]);
    assert_eq!(problems(&FLOAT, json!(-3.5e38)), ["body: must fit in a 32-bit float (format float), got -3.5e+38"]);
    assert_eq!(problems(&DOUBLE, json!(1.7e308)), Vec::<String>::new());
    assert_eq!(problems(&DOUBLE, json!(-1e-300)), Vec::<String>::new());

    static INT32: Schema = Schema { kind: Kind::Integer, format: Format::Int32, ..Schema::ANY };
    static INT64: Schema = Schema { kind: Kind::Integer, format: Format::Int64, ..Schema::ANY };
    assert_eq!(problems(&INT32, json!(i32::MAX)), Vec::<String>::new());
    assert_eq!(problems(&INT32, json!(i32::MIN)), Vec::<String>::new());
    assert_eq!(problems(&INT32, json!(i64::from(i32::MAX) + 1)), ["body: must fit in a signed 32-bit integer (format int32), got 2147483648"]);
    assert_eq!(problems(&INT32, json!(i64::from(i32::MIN) - 1)), ["body: must fit in a signed 32-bit integer (format int32), got -2147483649"]);
    assert_eq!(problems(&INT64, json!(i64::MAX)), Vec::<String>::new());
    assert_eq!(problems(&INT64, json!(i64::MIN)), Vec::<String>::new());
    assert_eq!(problems(&INT64, json!(u64::MAX)), ["body: must fit in a signed 64-bit integer, got 18446744073709551615"]);

    // Parameters arrive as text and meet the same ranges.
    let param = |schema: &'static Schema, query: &str| {
        let param = Param { name: "n", key: "n", location: Location::Query, required: true, style: Style::Form, explode: true, schema };
        let mut out = Violations::new();
        let value = schema::param::<Value>(&param, &input(&[], query, None, ""), &mut out);
        (value, out.as_slice().iter().map(|v| format!("{}: {}", v.at, v.message)).collect::<Vec<_>>())
    };
    assert_eq!(param(&INT32, "n=2147483648").1, ["n: must fit in a signed 32-bit integer (format int32), got 2147483648"]);
    assert_eq!(param(&FLOAT, "n=1e39").1, ["n: must fit in a 32-bit float (format float), got 1e+39"]);
    assert_eq!(param(&FLOAT, "n=2.5").0, Some(json!(2.5)));
}

#[test]
fn no_format_is_only_an_annotation() {
    static FREE: Schema = Schema { kind: Kind::String, ..Schema::ANY };
    for text in ["", "anything at all", "X 😀:щ>", "not@an email"] {
        assert_eq!(problems(&FREE, json!(text)), Vec::<String>::new());
    }
    assert!(Format::None.accepts("X 😀:щ>") && Format::None.admits(f64::MAX));
}
