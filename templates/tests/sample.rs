//! The value sampler (`server/sample.rs`) on static schemas written as the generator emits
//! them: every value it gives passes the validator, over many seeds and every shape; values
//! are deterministic; recursion stays bounded; what cannot be satisfied is an error naming
//! where and why; formats survive a decode and encode with chrono, uuid and base64, and every
//! format's values follow its grammar within any length bounds it can meet.

use base64::Engine as _;
use runtime_templates::server::runtime::formats;
use runtime_templates::server::runtime::sample::{Alphabet, Sampler, Shape, Unsatisfiable};
use runtime_templates::server::runtime::schema::{
    self, Additional, Bound, Discriminator, Format, Kind, Literal, Property, Schema,
};
use runtime_templates::server::runtime::validate::Pattern;
use serde_json::Value;

const SHAPES: [Shape; 3] = [Shape::Minimal, Shape::Maximal, Shape::Random];
const SEEDS: u64 = 200;

const fn string() -> Schema {
    Schema { kind: Kind::String, ..Schema::ANY }
}
const fn integer() -> Schema {
    Schema { kind: Kind::Integer, ..Schema::ANY }
}
const fn number() -> Schema {
    Schema { kind: Kind::Number, ..Schema::ANY }
}
const fn at_least(value: f64, exclusive: bool) -> Option<Bound> {
    Some(Bound { value, exclusive })
}
const fn required(name: &'static str, schema: &'static Schema) -> Property {
    Property { name, schema, required: true }
}
const fn optional(name: &'static str, schema: &'static Schema) -> Property {
    Property { name, schema, required: false }
}

// Strings ------------------------------------------------------------------------------

static PLAIN: Schema = string();
static LENGTHS: Schema = Schema { min_length: Some(2), max_length: Some(5), ..string() };
static LONG: Schema = Schema { min_length: Some(50), ..string() };
static EXACT: Schema = Schema { min_length: Some(3), max_length: Some(3), ..string() };

static LOWER: Pattern = Pattern::new("^[a-z]{3,8}$");
static PHONE: Pattern = Pattern::new(r"^\d{3}-\d{4}$");
static WORDS: Pattern = Pattern::new("^(foo|bar|baz)+$");
static SOMEWHERE: Pattern = Pattern::new("[A-Z][0-9]");
static LETTERS: Pattern = Pattern::new(r"^\p{L}+$");
static CASELESS: Pattern = Pattern::new(r#"^(?i)abc-[^"\s]{2}$"#);
static CODE: Pattern = Pattern::new(r"^[A-Z]{2}\d{2}(-[a-z0-9]+)?$");
static ROUTE: Pattern = Pattern::new(r"^/v1/[a-z]+(/\{id\})?$");
static EMAIL: Pattern = Pattern::new(r"^[\w.+-]+@[a-z0-9-]+\.[a-z]{2,}$");
static BOUNDARY: Pattern = Pattern::new(r"\bok\b");
static LOOKAHEAD: Pattern = Pattern::new("^(?!a)b");
static DIGITS_DATE: Pattern = Pattern::new(r"^\d{4}-\d{2}-\d{2}$");
static ONLY_A: Pattern = Pattern::new("^a$");
/// Matches 40 or 64 characters only (GitHub's `commit_sha`).
static SHA: Pattern = Pattern::new("^([0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?)$");
static P_SHA: Schema = Schema { pattern: Some(&SHA), min_length: Some(40), max_length: Some(64), ..string() };

static P_LOWER: Schema = Schema { pattern: Some(&LOWER), min_length: Some(5), ..string() };
static P_PHONE: Schema = Schema { pattern: Some(&PHONE), ..string() };
static P_WORDS: Schema = Schema { pattern: Some(&WORDS), max_length: Some(9), ..string() };
static P_SOMEWHERE: Schema =
    Schema { pattern: Some(&SOMEWHERE), min_length: Some(10), max_length: Some(12), ..string() };
static P_LETTERS: Schema = Schema { pattern: Some(&LETTERS), ..string() };
static P_CASELESS: Schema = Schema { pattern: Some(&CASELESS), ..string() };
static P_CODE: Schema = Schema { pattern: Some(&CODE), ..string() };
static P_ROUTE: Schema = Schema { pattern: Some(&ROUTE), ..string() };
static P_EMAIL: Schema = Schema { pattern: Some(&EMAIL), max_length: Some(30), ..string() };
static P_BOUNDARY: Schema = Schema { pattern: Some(&BOUNDARY), ..string() };
static P_LOOKAHEAD: Schema = Schema { pattern: Some(&LOOKAHEAD), ..string() };

static DATE: Schema = Schema { format: Format::Date, ..string() };
static DATE_TIME: Schema = Schema { format: Format::DateTime, ..string() };
static UUID: Schema = Schema { format: Format::Uuid, ..string() };
static BYTE: Schema = Schema { format: Format::Byte, ..string() };
static BYTE_BOUNDED: Schema = Schema { format: Format::Byte, min_length: Some(8), max_length: Some(12), ..string() };
static DATE_PATTERNED: Schema = Schema { format: Format::Date, pattern: Some(&DIGITS_DATE), ..string() };
static TIME: Schema = Schema { format: Format::Time, ..string() };
static DURATION: Schema = Schema { format: Format::Duration, ..string() };
static EMAIL_ADDRESS: Schema = Schema { format: Format::Email, ..string() };
static HOSTNAME: Schema = Schema { format: Format::Hostname, ..string() };
static IPV4: Schema = Schema { format: Format::Ipv4, ..string() };
static IPV6: Schema = Schema { format: Format::Ipv6, ..string() };
static URI: Schema = Schema { format: Format::Uri, ..string() };
static URI_REFERENCE: Schema = Schema { format: Format::UriReference, ..string() };
/// A format and a pattern both hold (the pattern is one of the format's own shapes).
static EMAIL_PATTERNED: Schema = Schema { format: Format::Email, pattern: Some(&EMAIL), max_length: Some(30), ..string() };

// Numbers ------------------------------------------------------------------------------

static INTEGER: Schema = integer();
static INT32: Schema = Schema { format: Format::Int32, ..integer() };
static EVEN_TO_TEN: Schema = Schema {
    format: Format::Int32,
    minimum: at_least(0.0, true),
    maximum: at_least(10.0, false),
    multiple_of: Some(2.0),
    ..integer()
};
static BELOW_MINUS_FIVE: Schema = Schema { maximum: at_least(-5.0, true), ..integer() };
static SEVENS: Schema =
    Schema { minimum: at_least(100.0, false), maximum: at_least(200.0, false), multiple_of: Some(7.0), ..integer() };
static HALVES_INT: Schema =
    Schema { minimum: at_least(1.0, false), maximum: at_least(3.0, false), multiple_of: Some(0.5), ..integer() };
static TENTHS_INT: Schema =
    Schema { minimum: at_least(0.0, false), maximum: at_least(10.0, false), multiple_of: Some(0.3), ..integer() };
static HUGE_BOUNDS: Schema = Schema { minimum: at_least(-1e30, false), maximum: at_least(1e30, false), ..integer() };
static FRACTIONAL_BOUNDS: Schema = Schema { minimum: at_least(1.5, false), maximum: at_least(4.5, true), ..integer() };

static NUMBER: Schema = number();
static FLOAT: Schema = Schema { format: Format::Float, ..number() };
/// Bounds wider than f32's range: the values stay within it.
static FLOAT_WIDE: Schema =
    Schema { format: Format::Float, minimum: at_least(-1e300, false), maximum: at_least(1e300, false), ..number() };
static UNIT_OPEN: Schema = Schema { minimum: at_least(0.0, true), maximum: at_least(1.0, true), ..number() };
static TINY_RANGE: Schema = Schema { minimum: at_least(0.1, false), maximum: at_least(0.1000001, false), ..number() };
static TENTHS: Schema =
    Schema { minimum: at_least(0.0, false), maximum: at_least(1.0, false), multiple_of: Some(0.1), ..number() };
static QUARTERS: Schema =
    Schema { minimum: at_least(-1.0, false), maximum: at_least(1.0, false), multiple_of: Some(0.25), ..number() };
static FAR_NEGATIVE: Schema = Schema { maximum: at_least(-3e6, false), ..number() };
static POINT: Schema = Schema { minimum: at_least(2.5, false), maximum: at_least(2.5, false), ..number() };
static BOOLEAN: Schema = Schema { kind: Kind::Boolean, ..Schema::ANY };

// Enums --------------------------------------------------------------------------------

static ENUM_STR: Schema = Schema { enumeration: &[Literal::Str("person"), Literal::Str("org")], ..string() };
static ENUM_INT: Schema = Schema { enumeration: &[Literal::Int(0), Literal::Int(1), Literal::Int(42)], ..integer() };
static ENUM_FLOAT: Schema = Schema { enumeration: &[Literal::Float(0.5), Literal::Int(2)], ..number() };
static ENUM_ANY: Schema = Schema {
    enumeration: &[Literal::Bool(true), Literal::Int(1), Literal::Str("x"), Literal::Float(1.5)],
    ..Schema::ANY
};
static ENUM_NULLABLE: Schema =
    Schema { nullable: true, enumeration: &[Literal::Str("a"), Literal::Str("b"), Literal::Null], ..string() };
static ENUM_PARTLY: Schema = Schema {
    min_length: Some(2),
    enumeration: &[Literal::Str("a"), Literal::Str("bb"), Literal::Str("ccc")],
    ..string()
};

// Arrays and maps ----------------------------------------------------------------------

static ARRAY: Schema = Schema { kind: Kind::Array(&PLAIN), ..Schema::ANY };
static ARRAY_BOUNDED: Schema =
    Schema { kind: Kind::Array(&LENGTHS), min_items: Some(2), max_items: Some(3), ..Schema::ANY };
static UNIQUE_ENUM: Schema =
    Schema { kind: Kind::Array(&ENUM_INT), min_items: Some(3), unique_items: true, ..Schema::ANY };
static UNIQUE_BOOLEANS: Schema =
    Schema { kind: Kind::Array(&BOOLEAN), min_items: Some(2), max_items: Some(2), unique_items: true, ..Schema::ANY };
static INT_LIST: Schema = Schema { kind: Kind::Array(&EVEN_TO_TEN), max_items: Some(2), ..Schema::ANY };
static NESTED_UNIQUE: Schema =
    Schema { kind: Kind::Array(&INT_LIST), min_items: Some(3), unique_items: true, ..Schema::ANY };
static MAP: Schema = Schema { kind: Kind::Object(&[]), additional: Additional::Schema(&INTEGER), ..Schema::ANY };
static MAP_BOUNDED: Schema = Schema {
    kind: Kind::Object(&[]),
    additional: Additional::Schema(&LENGTHS),
    min_properties: Some(2),
    max_properties: Some(3),
    ..Schema::ANY
};

// Objects ------------------------------------------------------------------------------

static NULLABLE_KIND: Schema = Schema { kind: Kind::Ref(&ENUM_STR), nullable: true, ..Schema::ANY };
static NULLABLE_COUNT: Schema = Schema { nullable: true, ..INT32 };
static THING: Schema = Schema {
    kind: Kind::Object(&[
        required("name", &PLAIN),
        optional("count", &EVEN_TO_TEN),
        optional("tags", &ARRAY_BOUNDED),
        optional("kind", &NULLABLE_KIND),
        required("maybe", &NULLABLE_COUNT),
        optional("when", &DATE_TIME),
        optional("id", &UUID),
        optional("blob", &BYTE),
        optional("ratio", &UNIT_OPEN),
        optional("labels", &MAP_BOUNDED),
        optional("any", &Schema::ANY),
    ]),
    additional: Additional::Deny,
    ..Schema::ANY
};
static ALLOW_AT_LEAST_THREE: Schema =
    Schema { kind: Kind::Object(&[optional("a", &PLAIN)]), min_properties: Some(3), ..Schema::ANY };
static AT_MOST_ONE: Schema = Schema {
    kind: Kind::Object(&[optional("a", &PLAIN), optional("b", &INTEGER), optional("c", &BOOLEAN)]),
    max_properties: Some(1),
    additional: Additional::Deny,
    ..Schema::ANY
};
static NULLABLE_ANY: Schema = Schema { nullable: true, ..Schema::ANY };
static REF_TO_REF: Schema = Schema { kind: Kind::Ref(&NULLABLE_KIND), ..Schema::ANY };

// Alternatives -------------------------------------------------------------------------

static ONE_OF_TYPES: Schema = Schema { kind: Kind::OneOf(&[&INTEGER, &PLAIN]), ..Schema::ANY };
static ONE_OF_NUMBERS: Schema = Schema { kind: Kind::OneOf(&[&NUMBER, &INTEGER]), ..Schema::ANY };
/// Any string, or the empty one: `""` matches both, so only a non-empty string is valid.
static EMPTY_TEXT: Schema = Schema { enumeration: &[Literal::Str("")], ..string() };
static TEXT_OR_EMPTY: Schema = Schema { kind: Kind::OneOf(&[&PLAIN, &EMPTY_TEXT]), ..Schema::ANY };
static NAMED: Schema = Schema { kind: Kind::Object(&[required("name", &PLAIN)]), ..Schema::ANY };
static NAMED_AGED: Schema =
    Schema { kind: Kind::Object(&[required("name", &PLAIN), required("age", &INTEGER)]), ..Schema::ANY };
/// Every value of the second alternative also matches the first.
static ONE_OF_OBJECTS: Schema = Schema { kind: Kind::OneOf(&[&NAMED_AGED, &NAMED]), ..Schema::ANY };

static CAT_TYPE: Schema = Schema { enumeration: &[Literal::Str("cat")], ..string() };
static DOG_TYPE: Schema = Schema { enumeration: &[Literal::Str("dog")], ..string() };
static CAT: Schema = Schema {
    kind: Kind::Object(&[required("pet_type", &CAT_TYPE), optional("meows", &BOOLEAN)]),
    additional: Additional::Deny,
    ..Schema::ANY
};
static DOG: Schema = Schema {
    kind: Kind::Object(&[required("pet_type", &DOG_TYPE), optional("barks", &BOOLEAN)]),
    additional: Additional::Deny,
    ..Schema::ANY
};
static PET_DISCRIMINATOR: Discriminator = Discriminator { property: "pet_type", mapping: &[("cat", 0), ("dog", 1)] };
static PET: Schema = Schema {
    kind: Kind::OneOf(&[
        &Schema { kind: Kind::Ref(&CAT), ..Schema::ANY },
        &Schema { kind: Kind::Ref(&DOG), ..Schema::ANY },
    ]),
    discriminator: Some(&PET_DISCRIMINATOR),
    ..Schema::ANY
};
/// A discriminator whose branches do not declare the property's values: the sampler sets it.
static SHAPE_DISCRIMINATOR: Discriminator =
    Discriminator { property: "type", mapping: &[("circle", 0), ("square", 1)] };
static CIRCLE: Schema = Schema { kind: Kind::Object(&[required("radius", &UNIT_OPEN)]), ..Schema::ANY };
static SQUARE: Schema = Schema { kind: Kind::Object(&[required("side", &EVEN_TO_TEN)]), ..Schema::ANY };
static FIGURE: Schema =
    Schema { kind: Kind::AnyOf(&[&CIRCLE, &SQUARE]), discriminator: Some(&SHAPE_DISCRIMINATOR), ..Schema::ANY };
static SHORT: Schema = Schema { max_length: Some(3), ..string() };
static ANY_OF: Schema = Schema { kind: Kind::AnyOf(&[&SHORT, &P_LOWER]), ..Schema::ANY };
static NULLABLE_ONE_OF: Schema = Schema { kind: Kind::OneOf(&[&BOOLEAN, &ENUM_INT]), nullable: true, ..Schema::ANY };

// Recursion ----------------------------------------------------------------------------

static TREE_CHILDREN: Schema = Schema { kind: Kind::Array(&TREE), ..Schema::ANY };
static TREE: Schema =
    Schema { kind: Kind::Object(&[required("name", &PLAIN), optional("children", &TREE_CHILDREN)]), ..Schema::ANY };
static LIST_NEXT: Schema = Schema { kind: Kind::Ref(&LIST), nullable: true, ..Schema::ANY };
static LIST: Schema =
    Schema { kind: Kind::Object(&[required("value", &INTEGER), required("next", &LIST_NEXT)]), ..Schema::ANY };
static OPERATOR: Schema = Schema { enumeration: &[Literal::Str("+"), Literal::Str("*")], ..string() };
static CONSTANT: Schema =
    Schema { kind: Kind::Object(&[required("value", &NUMBER)]), additional: Additional::Deny, ..Schema::ANY };
static BINARY: Schema = Schema {
    kind: Kind::Object(&[required("op", &OPERATOR), required("left", &EXPRESSION), required("right", &EXPRESSION)]),
    additional: Additional::Deny,
    ..Schema::ANY
};
static EXPRESSION: Schema = Schema { kind: Kind::OneOf(&[&BINARY, &CONSTANT]), ..Schema::ANY };
static DEEP_MAP: Schema = Schema { kind: Kind::Object(&[]), additional: Additional::Schema(&DEEP_MAP), ..Schema::ANY };
static WIDE_CHILD: Schema = Schema { kind: Kind::Array(&WIDE), ..Schema::ANY };
static WIDE: Schema = Schema {
    kind: Kind::Object(&[
        optional("a", &WIDE),
        optional("b", &WIDE),
        optional("c", &WIDE_CHILD),
        optional("d", &WIDE_CHILD),
        optional("e", &WIDE),
        optional("f", &WIDE_CHILD),
    ]),
    ..Schema::ANY
};

/// Every satisfiable construct, by name.
static CASES: &[(&str, &Schema)] = &[
    ("plain", &PLAIN),
    ("lengths", &LENGTHS),
    ("long", &LONG),
    ("exact", &EXACT),
    ("pattern lower", &P_LOWER),
    ("pattern phone", &P_PHONE),
    ("pattern words", &P_WORDS),
    ("pattern somewhere", &P_SOMEWHERE),
    ("pattern letters", &P_LETTERS),
    ("pattern caseless", &P_CASELESS),
    ("pattern code", &P_CODE),
    ("pattern route", &P_ROUTE),
    ("pattern email", &P_EMAIL),
    ("pattern boundary", &P_BOUNDARY),
    ("pattern lookahead", &P_LOOKAHEAD),
    ("date", &DATE),
    ("date-time", &DATE_TIME),
    ("uuid", &UUID),
    ("byte", &BYTE),
    ("byte bounded", &BYTE_BOUNDED),
    ("date patterned", &DATE_PATTERNED),
    ("time", &TIME),
    ("duration", &DURATION),
    ("email", &EMAIL_ADDRESS),
    ("hostname", &HOSTNAME),
    ("ipv4", &IPV4),
    ("ipv6", &IPV6),
    ("uri", &URI),
    ("uri-reference", &URI_REFERENCE),
    ("email patterned", &EMAIL_PATTERNED),
    ("float", &FLOAT),
    ("float beyond f32", &FLOAT_WIDE),
    ("integer", &INTEGER),
    ("int32", &INT32),
    ("even to ten", &EVEN_TO_TEN),
    ("below -5", &BELOW_MINUS_FIVE),
    ("sevens", &SEVENS),
    ("halves integer", &HALVES_INT),
    ("tenths integer", &TENTHS_INT),
    ("huge bounds", &HUGE_BOUNDS),
    ("fractional bounds", &FRACTIONAL_BOUNDS),
    ("number", &NUMBER),
    ("unit open", &UNIT_OPEN),
    ("tiny range", &TINY_RANGE),
    ("tenths", &TENTHS),
    ("quarters", &QUARTERS),
    ("far negative", &FAR_NEGATIVE),
    ("point", &POINT),
    ("boolean", &BOOLEAN),
    ("enum string", &ENUM_STR),
    ("enum integer", &ENUM_INT),
    ("enum float", &ENUM_FLOAT),
    ("enum any", &ENUM_ANY),
    ("enum nullable", &ENUM_NULLABLE),
    ("enum partly", &ENUM_PARTLY),
    ("array", &ARRAY),
    ("array bounded", &ARRAY_BOUNDED),
    ("unique enum", &UNIQUE_ENUM),
    ("unique booleans", &UNIQUE_BOOLEANS),
    ("nested unique", &NESTED_UNIQUE),
    ("map", &MAP),
    ("map bounded", &MAP_BOUNDED),
    ("thing", &THING),
    ("allow at least three", &ALLOW_AT_LEAST_THREE),
    ("at most one", &AT_MOST_ONE),
    ("any", &Schema::ANY),
    ("nullable any", &NULLABLE_ANY),
    ("ref to ref", &REF_TO_REF),
    ("one of types", &ONE_OF_TYPES),
    ("one of numbers", &ONE_OF_NUMBERS),
    ("one of objects", &ONE_OF_OBJECTS),
    ("pet", &PET),
    ("figure", &FIGURE),
    ("any of", &ANY_OF),
    ("nullable one of", &NULLABLE_ONE_OF),
    ("tree", &TREE),
    ("list", &LIST),
    ("expression", &EXPRESSION),
    ("deep map", &DEEP_MAP),
    ("wide", &WIDE),
];

fn sample(schema: &'static Schema, seed: u64, shape: Shape) -> Result<Value, Unsatisfiable> {
    Sampler::new(seed).value_with(schema, shape)
}

fn ok(name: &str, schema: &'static Schema, seed: u64, shape: Shape) -> Value {
    sample(schema, seed, shape).unwrap_or_else(|error| panic!("{name}, seed {seed}, {shape:?}: {error}"))
}

/// Every value of `schema` over the seeds and shapes.
fn values(schema: &'static Schema) -> Vec<Value> {
    SHAPES.iter().flat_map(|shape| (0..SEEDS).map(move |seed| ok("values", schema, seed, *shape))).collect()
}

fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn size(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(size).sum::<usize>(),
        Value::Object(map) => 1 + map.values().map(size).sum::<usize>(),
        _ => 1,
    }
}

fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|item| strings(item, out)),
        Value::Object(map) => map.values().for_each(|item| strings(item, out)),
        _ => {}
    }
}

#[test]
fn every_value_passes_the_validator() {
    let mut checked = 0;
    for (name, schema) in CASES {
        for shape in SHAPES {
            for seed in 0..SEEDS {
                let value = ok(name, schema, seed, shape);
                assert!(schema::is_valid(schema, &value), "{name}, seed {seed}, {shape:?}: {value}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, CASES.len() * SHAPES.len() * SEEDS as usize);
}

#[test]
fn the_alphanumeric_alphabet_keeps_free_strings_to_letters_and_digits() {
    for (name, schema) in CASES {
        for seed in 0..50 {
            let value = Sampler::new(seed)
                .with_alphabet(Alphabet::Alphanumeric)
                .value_with(schema, Shape::Maximal)
                .unwrap_or_else(|error| panic!("{name}, seed {seed}: {error}"));
            assert!(schema::is_valid(schema, &value), "{name}, seed {seed}: {value}");
        }
    }
    for seed in 0..SEEDS {
        let text = Sampler::new(seed).with_alphabet(Alphabet::Alphanumeric).value(&PLAIN).expect("a string");
        let text = text.as_str().expect("a string");
        assert!(text.chars().all(|c| c.is_ascii_alphanumeric()), "{text:?}");
    }
}

#[test]
fn the_same_seed_gives_the_same_value() {
    for (name, schema) in CASES {
        for shape in SHAPES {
            for seed in 0..20 {
                assert_eq!(
                    ok(name, schema, seed, shape),
                    ok(name, schema, seed, shape),
                    "{name}, seed {seed}, {shape:?}"
                );
            }
        }
    }
    // Reseeding a used sampler gives what a fresh one gives.
    let mut sampler = Sampler::new(7);
    let _ = sampler.value(&THING);
    sampler.reseed(3);
    assert_eq!(sampler.value(&THING).expect("a thing"), ok("thing", &THING, 3, Shape::Random));
}

#[test]
fn values_are_fixed_forever() {
    // Pinned so that a change of the generator (or a dependency) that moves values shows up:
    // values must not change between machines or crate versions.
    let pinned = [
        (ok("plain", &PLAIN, 1, Shape::Random), serde_json::json!("BBV2GrXzL")),
        (ok("integer", &INTEGER, 1, Shape::Random), serde_json::json!(-138)),
        (ok("uuid", &UUID, 1, Shape::Random), serde_json::json!("910a2dec-8902-4cc1-beeb-8da1658eec67")),
        (ok("date-time", &DATE_TIME, 1, Shape::Random), serde_json::json!("2044-09-30T10:26:45.523067180-04:45")),
        (ok("pattern phone", &P_PHONE, 1, Shape::Random), serde_json::json!("765-8010")),
        (ok("sevens", &SEVENS, 0, Shape::Minimal), serde_json::json!(105)),
        (ok("sevens", &SEVENS, 0, Shape::Maximal), serde_json::json!(196)),
        (ok("date", &DATE, 0, Shape::Minimal), serde_json::json!("0001-01-01")),
        (ok("date-time", &DATE_TIME, 0, Shape::Maximal), serde_json::json!("9999-12-31T23:59:59.999999999+14:00")),
        (ok("uuid", &UUID, 0, Shape::Minimal), serde_json::json!("00000000-0000-0000-0000-000000000000")),
        (ok("time", &TIME, 1, Shape::Random), serde_json::json!("13:44:58-00:30")),
        (ok("duration", &DURATION, 1, Shape::Random), serde_json::json!("PT5274645S")),
        (ok("email", &EMAIL_ADDRESS, 1, Shape::Random), serde_json::json!("B2rzCBO@b-d0s-p.k")),
        (ok("hostname", &HOSTNAME, 1, Shape::Random), serde_json::json!("lwhkll6rb-d0.s")),
        (ok("ipv6", &IPV6, 1, Shape::Random), serde_json::json!("6:a78:6:3ada:e:1:2714:0")),
        (ok("uri", &URI, 1, Shape::Random), serde_json::json!("https://hkll6r.b-d0s-p.k")),
        (ok("ipv4", &IPV4, 0, Shape::Maximal), serde_json::json!("255.255.255.255")),
        (ok("uri-reference", &URI_REFERENCE, 0, Shape::Minimal), serde_json::json!("")),
    ];
    for (found, expected) in pinned {
        assert_eq!(found, expected);
    }
}

#[test]
fn different_seeds_give_different_values() {
    // One value only, or (`\bok\b`) one the sampler finds: padding would break the boundary.
    let fixed = ["point", "boolean", "unique booleans", "enum nullable", "enum partly", "pattern boundary"];
    for (name, schema) in CASES {
        for shape in SHAPES {
            let distinct: std::collections::BTreeSet<String> =
                (0..50).map(|seed| ok(name, schema, seed, shape).to_string()).collect();
            let varied = shape == Shape::Random && !fixed.contains(name);
            if varied {
                assert!(distinct.len() > 1, "{name}, {shape:?}: always {distinct:?}");
            }
        }
    }
}

#[test]
fn minimal_has_only_what_is_required_and_the_lowest_values() {
    for seed in 0..SEEDS {
        let thing = ok("thing", &THING, seed, Shape::Minimal);
        let keys: Vec<&str> = thing.as_object().expect("an object").keys().map(String::as_str).collect();
        assert_eq!(keys, ["name", "maybe"], "{thing}");
        assert_eq!(thing["name"], "");
        assert_eq!(thing["maybe"], i64::from(i32::MIN), "not null, the lowest int32");
        assert_eq!(ok("array", &ARRAY, seed, Shape::Minimal), serde_json::json!([]));
        assert_eq!(ok("array bounded", &ARRAY_BOUNDED, seed, Shape::Minimal).as_array().map(Vec::len), Some(2));
        assert_eq!(ok("even to ten", &EVEN_TO_TEN, seed, Shape::Minimal), 2);
        assert_eq!(ok("below -5", &BELOW_MINUS_FIVE, seed, Shape::Minimal), i64::MIN);
        assert_eq!(ok("fractional bounds", &FRACTIONAL_BOUNDS, seed, Shape::Minimal), 2);
        assert_eq!(ok("unit open", &UNIT_OPEN, seed, Shape::Minimal), 0.25);
        assert_eq!(ok("quarters", &QUARTERS, seed, Shape::Minimal), -1.0);
        assert_eq!(ok("lengths", &LENGTHS, seed, Shape::Minimal).as_str().map(str::len), Some(2));
        assert_eq!(ok("byte", &BYTE, seed, Shape::Minimal), "");
        assert_eq!(ok("byte bounded", &BYTE_BOUNDED, seed, Shape::Minimal).as_str().map(str::len), Some(8));
        assert_eq!(ok("boolean", &BOOLEAN, seed, Shape::Minimal), false);
        assert_eq!(ok("map", &MAP, seed, Shape::Minimal), serde_json::json!({}));
        assert_eq!(ok("enum partly", &ENUM_PARTLY, seed, Shape::Minimal), "bb");
    }
}

#[test]
fn maximal_has_every_optional_property_and_the_highest_values() {
    for seed in 0..SEEDS {
        let thing = ok("thing", &THING, seed, Shape::Maximal);
        let keys: Vec<&str> = thing.as_object().expect("an object").keys().map(String::as_str).collect();
        assert_eq!(keys, ["name", "count", "tags", "kind", "maybe", "when", "id", "blob", "ratio", "labels", "any"]);
        assert_eq!(thing["kind"], Value::Null, "nullable scalars are null");
        assert_eq!(thing["maybe"], Value::Null);
        assert_eq!(thing["count"], 10);
        assert_eq!(thing["ratio"], 0.75);
        assert_eq!(thing["tags"].as_array().map(Vec::len), Some(3));
        assert_eq!(thing["labels"].as_object().map(|map| map.len()), Some(3));
        assert_eq!(ok("below -5", &BELOW_MINUS_FIVE, seed, Shape::Maximal), -6);
        assert_eq!(ok("integer", &INTEGER, seed, Shape::Maximal), i64::MAX);
        assert_eq!(ok("byte bounded", &BYTE_BOUNDED, seed, Shape::Maximal).as_str().map(str::len), Some(12));
        assert_eq!(ok("lengths", &LENGTHS, seed, Shape::Maximal).as_str().map(|text| text.chars().count()), Some(5));
        assert_eq!(ok("enum partly", &ENUM_PARTLY, seed, Shape::Maximal), "ccc");
        let at_most_one = ok("at most one", &AT_MOST_ONE, seed, Shape::Maximal);
        assert_eq!(at_most_one.as_object().map(|map| map.len()), Some(1));
    }
}

#[test]
fn random_values_include_the_edges() {
    let (mut texts, mut things) = (Vec::new(), Vec::new());
    for seed in 0..SEEDS {
        strings(&ok("plain", &PLAIN, seed, Shape::Random), &mut texts);
        things.push(ok("thing", &THING, seed, Shape::Random));
    }
    assert!(texts.iter().any(String::is_empty), "an empty string");
    assert!(texts.iter().any(|text| text.chars().any(|c| c.is_alphabetic() && !c.is_ascii())), "a non-ASCII letter");
    assert!(texts.iter().any(|text| text.chars().any(|c| c as u32 >= 0x1F300)), "an emoji");
    assert!(things.iter().any(|thing| thing.get("kind").is_none()), "an absent optional property");
    assert!(things.iter().any(|thing| thing.get("kind") == Some(&Value::Null)), "a null nullable property");
    assert!(things.iter().any(|thing| thing.get("kind").is_some_and(Value::is_string)), "a present one");
    let counts: Vec<Value> = things.iter().filter_map(|thing| thing.get("count").cloned()).collect();
    assert!(counts.contains(&2.into()) && counts.contains(&10.into()), "both boundaries: {counts:?}");
    let uniques: Vec<Value> = (0..SEEDS).map(|seed| ok("unit open", &UNIT_OPEN, seed, Shape::Random)).collect();
    assert!(uniques.contains(&0.25.into()) && uniques.contains(&0.75.into()), "{uniques:?}");
}

#[test]
fn numbers_are_floats_that_print_back_the_same() {
    for schema in [&NUMBER, &UNIT_OPEN, &TENTHS, &QUARTERS, &FAR_NEGATIVE, &POINT, &TINY_RANGE] {
        for value in values(schema) {
            let number = value.as_f64().expect("a number");
            assert!(value.is_f64(), "{value} is a float");
            let text = value.to_string();
            assert_eq!(text.parse::<f64>().ok(), Some(number), "{text}");
            assert!(text.len() <= 24, "{text} is short");
        }
    }
    // Multiples of a tenth are spelled with one decimal.
    for value in values(&TENTHS) {
        let text = value.to_string();
        assert!(text.len() <= 3, "{text}");
    }
    // Free numbers are quarters, exact in f32 too.
    for value in values(&NUMBER) {
        let number = value.as_f64().expect("a number");
        assert_eq!(f64::from(number as f32), number, "{number}");
        assert_eq!((number * 4.0).fract(), 0.0, "{number}");
    }
}

#[test]
fn integers_respect_format_ranges() {
    for value in values(&INT32) {
        assert!(value.as_i64().is_some_and(|number| i32::try_from(number).is_ok()), "{value}");
    }
    for value in values(&HUGE_BOUNDS) {
        assert!(value.is_i64(), "{value}");
    }
    for value in values(&TENTHS_INT) {
        assert_eq!(value.as_i64().map(|number| number % 3), Some(0), "{value}");
    }
}

#[test]
fn formats_round_trip_through_their_rust_types() {
    for value in values(&DATE_TIME) {
        let decoded: chrono::DateTime<chrono::FixedOffset> =
            serde_json::from_value(value.clone()).expect("a date-time");
        assert_eq!(serde_json::to_value(decoded).expect("encodes"), value);
    }
    for value in values(&DATE) {
        let decoded: chrono::NaiveDate = serde_json::from_value(value.clone()).expect("a date");
        assert_eq!(serde_json::to_value(decoded).expect("encodes"), value);
    }
    for value in values(&UUID) {
        let decoded: uuid::Uuid = serde_json::from_value(value.clone()).expect("a uuid");
        assert_eq!(serde_json::to_value(decoded).expect("encodes"), value);
        let text = value.as_str().expect("a string");
        assert_eq!(text, text.to_lowercase());
        assert_eq!(text.matches('-').count(), 4);
    }
    for value in values(&BYTE).into_iter().chain(values(&BYTE_BOUNDED)) {
        let text = value.as_str().expect("a string");
        let engine = base64::engine::general_purpose::STANDARD;
        let decoded = engine.decode(text).expect("base64");
        assert_eq!(engine.encode(decoded), text);
    }
    let times: Vec<Value> = values(&DATE_TIME);
    assert!(times.iter().any(|time| time.as_str().is_some_and(|time| time.ends_with('Z'))));
    assert!(times.iter().any(|time| time.as_str().is_some_and(|time| time.contains('.') && time.contains('-'))));
}

/// Length bounds for a format: none, the format's own extremes, and ranges inside them.
fn format_bounds(format: Format) -> Vec<(Option<usize>, Option<usize>)> {
    let (shortest, longest) = format.lengths();
    let longest = longest.unwrap_or(shortest + 120);
    let mut bounds = vec![(None, None), (Some(shortest), Some(shortest)), (Some(longest), Some(longest)), (Some(longest), None)];
    for low in [shortest, shortest + 1, shortest + 5, (shortest + longest) / 2] {
        for width in [0, 1, 3, 17] {
            let high = (low + width).min(longest);
            bounds.push((Some(low.min(high)), Some(high)));
        }
    }
    bounds
}

#[test]
fn every_format_samples_valid_values_within_its_length_bounds() {
    for format in formats::ALL.into_iter().filter(|format| format.is_text()) {
        for (min_length, max_length) in format_bounds(format) {
            let schema: &'static Schema = Box::leak(Box::new(Schema { format, min_length, max_length, ..string() }));
            for shape in SHAPES {
                for seed in 0..SEEDS {
                    // Dates, times and UUIDs are written one way (as chrono and uuid write
                    // them), and base64 in fours, so some lengths have none.
                    let fours = || (min_length.unwrap_or(0)..=max_length.unwrap_or(usize::MAX)).take(4).all(|n| n % 4 != 0);
                    let fixed = matches!(format, Format::Date | Format::DateTime | Format::Time | Format::Uuid)
                        || format == Format::Byte && fours();
                    let value = match sample(schema, seed, shape) {
                        Ok(value) => value,
                        Err(error) if fixed => {
                            assert!(error.reason.starts_with(&format!("no {}", format.keyword())), "{error}");
                            continue;
                        }
                        Err(error) => panic!("{format:?} {min_length:?}..{max_length:?}, seed {seed}, {shape:?}: {error}"),
                    };
                    let text = value.as_str().expect("a string");
                    let length = text.chars().count();
                    assert!(format.accepts(text), "{format:?}, seed {seed}, {shape:?}: {text:?}");
                    assert!(min_length.is_none_or(|min| min <= length), "{format:?}: {text:?} is shorter than {min_length:?}");
                    assert!(max_length.is_none_or(|max| length <= max), "{format:?}: {text:?} is longer than {max_length:?}");
                }
            }
        }
    }
}

#[test]
fn format_samples_are_varied() {
    let distinct = |schema: &'static Schema| {
        (0..SEEDS).map(|seed| ok("varied", schema, seed, Shape::Random).to_string()).collect::<std::collections::BTreeSet<_>>().len()
    };
    for (name, schema) in [
        ("time", &TIME),
        ("duration", &DURATION),
        ("email", &EMAIL_ADDRESS),
        ("hostname", &HOSTNAME),
        ("ipv4", &IPV4),
        ("ipv6", &IPV6),
        ("uri", &URI),
        ("uri-reference", &URI_REFERENCE),
    ] {
        assert!(distinct(schema) > SEEDS as usize * 3 / 4, "{name}: {} distinct of {SEEDS}", distinct(schema));
    }
    let texts = |schema: &'static Schema| -> Vec<String> {
        values(schema).into_iter().map(|value| value.as_str().unwrap_or_default().to_owned()).collect()
    };
    let uris = texts(&URI);
    assert!(uris.iter().any(|uri| uri.starts_with("https://") && uri.contains('?')), "a query now and then");
    assert!(uris.iter().any(|uri| !uri.contains("//")), "schemes without an authority");
    let references = texts(&URI_REFERENCE);
    for start in ["/", "//", "?", "#"] {
        assert!(references.iter().any(|reference| reference.starts_with(start) && !reference.contains(':')), "{start}");
    }
    assert!(references.iter().any(String::is_empty), "the empty reference");
    let addresses = texts(&IPV6);
    assert!(addresses.iter().any(|address| address.contains("::")) && addresses.iter().any(|address| address.contains('.')));
    let durations = texts(&DURATION);
    assert!(durations.iter().any(|duration| duration.ends_with('W')) && durations.iter().any(|duration| duration.contains('T')));
    let emails = texts(&EMAIL_ADDRESS);
    assert!(emails.iter().any(|email| email.starts_with('"')), "a quoted local part now and then");
    assert!(emails.iter().any(|email| email.split('@').next().is_some_and(|local| local.contains('.'))));
}

#[test]
fn the_alphanumeric_alphabet_keeps_formats_free_of_delimiters() {
    for (name, schema) in [("email", &EMAIL_ADDRESS), ("hostname", &HOSTNAME), ("uri", &URI), ("uri-reference", &URI_REFERENCE)] {
        for shape in SHAPES {
            for seed in 0..SEEDS {
                let value = Sampler::new(seed).with_alphabet(Alphabet::Alphanumeric).value_with(schema, shape).expect("a value");
                let text = value.as_str().expect("a string");
                assert!(!text.is_empty(), "{name}: empty");
                assert!(text.chars().all(|c| c.is_ascii_alphanumeric() || "@.-:/?#".contains(c)), "{name}: {text:?}");
            }
        }
    }
}

#[test]
fn float_samples_stay_within_f32() {
    for value in values(&FLOAT).into_iter().chain(values(&FLOAT_WIDE)) {
        let number = value.as_f64().expect("a number");
        assert!(number.abs() <= 3.4e38, "{value}");
        // Printed short, so any JSON reader gets the same number back.
        assert!(value.to_string().len() <= 20, "{value}");
    }
    assert_eq!(ok("float beyond f32", &FLOAT_WIDE, 0, Shape::Minimal), serde_json::json!(-3.4e38));
    // Bounds between 3.4e38 and f32::MAX are kept.
    static FLOAT_EDGE: Schema = Schema { format: Format::Float, minimum: at_least(3.402e38, false), ..number() };
    for value in values(&FLOAT_EDGE) {
        assert!(schema::is_valid(&FLOAT_EDGE, &value) && value.as_f64().is_some_and(|n| n >= 3.402e38), "{value}");
    }
}

#[test]
fn patterns_are_matched_and_length_bounds_kept() {
    for value in values(&P_SOMEWHERE) {
        let length = value.as_str().map(|text| text.chars().count());
        assert!(matches!(length, Some(10..=12)), "{value}");
    }
    for value in values(&P_WORDS) {
        let text = value.as_str().expect("a string");
        assert!(text.len() <= 9 && text.len() % 3 == 0, "{text}");
    }
    let letters = values(&P_LETTERS);
    assert!(letters.iter().any(|value| value.as_str().is_some_and(|text| !text.is_ascii())), "some non-ASCII letters");
    // A pattern the regex crate refuses is not checked, so any string does.
    assert!(values(&P_LOOKAHEAD).iter().all(Value::is_string));
}

#[test]
fn one_of_values_match_exactly_one_alternative() {
    let cases: [(&'static Schema, &[&Schema]); 3] = [
        (&ONE_OF_TYPES, &[&INTEGER, &PLAIN]),
        (&ONE_OF_NUMBERS, &[&NUMBER, &INTEGER]),
        (&ONE_OF_OBJECTS, &[&NAMED_AGED, &NAMED]),
    ];
    for (schema, alternatives) in cases {
        for value in values(schema) {
            let matching = alternatives.iter().filter(|alternative| schema::is_valid(alternative, &value)).count();
            assert_eq!(matching, 1, "{value}");
        }
    }
    // Overlap forces the object that has only a name.
    for value in values(&ONE_OF_OBJECTS) {
        assert!(value.get("age").is_none(), "{value}");
    }
}

#[test]
fn discriminators_name_the_alternative_generated() {
    let mut seen = std::collections::BTreeSet::new();
    for value in values(&PET) {
        let tag = value["pet_type"].as_str().expect("pet_type is set").to_owned();
        let alternative = if tag == "cat" { &CAT } else { &DOG };
        assert!(schema::is_valid(alternative, &value), "{value}");
        seen.insert(tag);
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), ["cat", "dog"]);
    let mut seen = std::collections::BTreeSet::new();
    for value in values(&FIGURE) {
        let tag = value["type"].as_str().expect("type is set").to_owned();
        let member = if tag == "circle" { "radius" } else { "side" };
        assert!(value.get(member).is_some(), "{value}");
        seen.insert(tag);
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), ["circle", "square"]);
}

#[test]
fn recursive_schemas_stay_small() {
    for (name, schema, deepest) in [
        ("tree", &TREE, 18),
        ("list", &LIST, 10),
        ("expression", &EXPRESSION, 10),
        ("deep map", &DEEP_MAP, 10),
        ("wide", &WIDE, 18),
    ] {
        for shape in SHAPES {
            for seed in 0..SEEDS {
                let value = ok(name, schema, seed, shape);
                assert!(depth(&value) <= deepest, "{name}, seed {seed}, {shape:?}: depth {}", depth(&value));
                assert!(size(&value) <= 20_000, "{name}, seed {seed}, {shape:?}: size {}", size(&value));
            }
        }
    }
    // A list ends with null once it is deep; the minimal list ends at once, the minimal
    // expression is a constant.
    let list = ok("list", &LIST, 0, Shape::Maximal);
    assert!(list.to_string().contains("\"next\":null"), "{list}");
    for seed in 0..SEEDS {
        assert_eq!(ok("list", &LIST, seed, Shape::Minimal), serde_json::json!({"value": i64::MIN, "next": null}));
        assert_eq!(ok("expression", &EXPRESSION, seed, Shape::Minimal), serde_json::json!({"value": -1048576.0}));
    }
}

fn refused(schema: &'static Schema) -> Unsatisfiable {
    match sample(schema, 0, Shape::Random) {
        Ok(value) => panic!("expected an error, got {value}"),
        Err(error) => {
            for shape in SHAPES {
                for seed in 0..20 {
                    assert_eq!(
                        sample(schema, seed, shape).as_ref().err().map(|e| &e.at),
                        Some(&error.at),
                        "seed {seed}"
                    );
                }
            }
            error
        }
    }
}

static BAD_NAME: Schema = Schema { min_length: Some(5), max_length: Some(3), ..string() };
static BAD_ITEM: Schema = Schema { kind: Kind::Object(&[required("name", &BAD_NAME)]), ..Schema::ANY };
static BAD_ITEMS: Schema = Schema { kind: Kind::Array(&BAD_ITEM), min_items: Some(1), ..Schema::ANY };
static BAD_LIST: Schema = Schema { kind: Kind::Object(&[required("items", &BAD_ITEMS)]), ..Schema::ANY };
static BAD_RANGE: Schema = Schema { minimum: at_least(5.0, false), maximum: at_least(3.0, false), ..integer() };
static BAD_NUMBER: Schema = Schema { minimum: at_least(1.0, true), maximum: at_least(1.0, false), ..number() };
static BAD_ENUM: Schema =
    Schema { min_length: Some(3), enumeration: &[Literal::Str("a"), Literal::Str("bb")], ..string() };
static BAD_PATTERN: Schema = Schema { pattern: Some(&ONLY_A), max_length: Some(0), ..string() };
static BAD_MULTIPLE: Schema =
    Schema { minimum: at_least(1.0, false), maximum: at_least(6.0, false), multiple_of: Some(7.0), ..integer() };
static BAD_UNIQUE: Schema =
    Schema { kind: Kind::Array(&BOOLEAN), min_items: Some(3), unique_items: true, ..Schema::ANY };
static BAD_DENY: Schema = Schema {
    kind: Kind::Object(&[optional("a", &PLAIN)]),
    additional: Additional::Deny,
    min_properties: Some(2),
    ..Schema::ANY
};
static BAD_DATE: Schema = Schema { format: Format::Date, max_length: Some(5), ..string() };
static BAD_IPV4: Schema = Schema { format: Format::Ipv4, min_length: Some(16), max_length: Some(20), ..string() };
static BAD_EMAIL: Schema = Schema { format: Format::Email, max_length: Some(2), ..string() };
static BAD_FLOAT: Schema = Schema { format: Format::Float, minimum: at_least(1e39, false), ..number() };
static BAD_SELF: Schema = Schema { kind: Kind::Object(&[required("me", &BAD_SELF_REF)]), ..Schema::ANY };
static BAD_SELF_REF: Schema = Schema { kind: Kind::Ref(&BAD_SELF), ..Schema::ANY };
static BAD_ONE_OF: Schema = Schema { kind: Kind::OneOf(&[&INTEGER, &INTEGER]), ..Schema::ANY };
static BAD_ITEMS_MIN_MAX: Schema =
    Schema { kind: Kind::Array(&PLAIN), min_items: Some(3), max_items: Some(1), ..Schema::ANY };
static BAD_REQUIRED_MAX: Schema = Schema {
    kind: Kind::Object(&[required("a", &PLAIN), required("b", &PLAIN)]),
    max_properties: Some(1),
    ..Schema::ANY
};
static BAD_CHAIN: Schema = Schema { kind: Kind::Array(&BAD_CHAIN), min_items: Some(1), nullable: false, ..Schema::ANY };
static OPTIONAL_BAD: Schema =
    Schema { kind: Kind::Object(&[optional("broken", &BAD_NAME), required("ok", &PLAIN)]), ..Schema::ANY };

#[test]
fn what_cannot_be_satisfied_is_named_with_where() {
    let cases: [(&'static Schema, &str, &str); 18] = [
        (&BAD_LIST, "/items/0/name", "minLength 5 is greater than maxLength 3"),
        (&BAD_RANGE, "", "no integer lies within minimum 5, maximum 3"),
        (&BAD_NUMBER, "", "no number lies within exclusive minimum 1, maximum 1"),
        (&BAD_ENUM, "", "none of the enum values `a`, `bb` satisfies the schema's other rules"),
        (&BAD_PATTERN, "", "pattern `^a$` could not be satisfied with a length of 0..=0"),
        (&BAD_MULTIPLE, "", "no multiple of 7 lies within minimum 1, maximum 6"),
        (&BAD_UNIQUE, "/2", "uniqueItems: found no item unlike the 2 before it"),
        (&BAD_DENY, "", "minProperties 2 needs more properties than the 1 declared, and additionalProperties is false"),
        (&BAD_DATE, "", "no date string fits with a length of 0..=5 (date strings have 10 characters)"),
        (&BAD_SELF, "", "the schema requires itself: every value would be infinitely deep"),
        (&BAD_ONE_OF, "", "every value generated matched more or fewer alternatives of the oneOf than it must"),
        (&BAD_ITEMS_MIN_MAX, "", "minItems 3 is greater than maxItems 1"),
        (&BAD_REQUIRED_MAX, "", "2 properties are required but maxProperties is 1"),
        (&BAD_CHAIN, "", "the schema requires itself: every value would be infinitely deep"),
        (&BAD_ITEMS, "/0/name", "minLength 5 is greater than maxLength 3"),
        (&BAD_IPV4, "", "no ipv4 string fits with a length of 16..=20 (ipv4 strings have 7..=15 characters)"),
        (&BAD_EMAIL, "", "no email string fits with a length of 0..=2 (email strings have 3..=254 characters)"),
        (&BAD_FLOAT, "", "no number lies within minimum 1000000000000000000000000000000000000000, format float"),
    ];
    for (schema, at, reason) in cases {
        let error = refused(schema);
        assert_eq!((error.at.as_str(), error.reason.as_str()), (at, reason));
    }
    assert_eq!(
        refused(&BAD_LIST).to_string(),
        "`/items/0/name` cannot be generated: minLength 5 is greater than maxLength 3"
    );
    // An optional property that cannot be made is left out.
    for value in values(&OPTIONAL_BAD) {
        assert!(value.get("broken").is_none(), "{value}");
    }
}

#[test]
fn absurd_sizes_are_refused_not_attempted() {
    static LONG_TEXT: Schema = Schema { min_length: Some(usize::MAX - 1), ..string() };
    static MANY_ITEMS: Schema = Schema { kind: Kind::Array(&PLAIN), min_items: Some(usize::MAX), ..Schema::ANY };
    static MANY_KEYS: Schema = Schema { kind: Kind::Object(&[]), min_properties: Some(1 << 40), ..Schema::ANY };
    for (schema, reason) in [
        (&LONG_TEXT, "minLength 18446744073709551614 is longer than the 100000 characters a sample may have"),
        (&MANY_ITEMS, "minItems 18446744073709551615 asks for more than the 20000 values a sample may hold"),
        (&MANY_KEYS, "minProperties 1099511627776 asks for more than the 20000 values a sample may hold"),
    ] {
        assert_eq!(refused(schema).reason, reason);
    }
    // Long, but within reach: a pattern of 5,000 repetitions.
    static FIVE_THOUSAND: Pattern = Pattern::new("^(ab){2500}$");
    static REPEATED: Schema = Schema { pattern: Some(&FIVE_THOUSAND), ..string() };
    let text = ok("repeated", &REPEATED, 0, Shape::Random);
    assert_eq!(text.as_str().map(str::len), Some(5000));
}

#[test]
fn a_deep_chain_is_refused_beyond_the_limit() {
    // Each level requires the next, 70 levels down: deeper than the sampler builds.
    macro_rules! chain {
        ($($name:ident -> $next:ident),*) => {
            $(static $name: Schema = Schema { kind: Kind::Object(&[required("next", &$next)]), ..Schema::ANY };)*
        };
    }
    static END: Schema = string();
    chain!(C0 -> C1, C1 -> C2, C2 -> C3, C3 -> C4, C4 -> C5, C5 -> C6, C6 -> C7, C7 -> C8, C8 -> C9, C9 -> END);
    static WRAP: Schema = Schema { kind: Kind::Array(&C0), min_items: Some(1), ..Schema::ANY };
    assert!(sample(&WRAP, 0, Shape::Minimal).is_ok(), "11 levels are fine");
    chain!(
        D0 -> D1, D1 -> D2, D2 -> D3, D3 -> D4, D4 -> D5, D5 -> D6, D6 -> D7, D7 -> D8, D8 -> D9, D9 -> D10,
        D10 -> D11, D11 -> D12, D12 -> D13, D13 -> D14, D14 -> D15, D15 -> D16, D16 -> D17, D17 -> D18,
        D18 -> D19, D19 -> D20, D20 -> D21, D21 -> D22, D22 -> D23, D23 -> D24, D24 -> D25, D25 -> D26,
        D26 -> D27, D27 -> D28, D28 -> D29, D29 -> D30, D30 -> D31, D31 -> D32, D32 -> D33, D33 -> D34,
        D34 -> D35, D35 -> D36, D36 -> D37, D37 -> D38, D38 -> D39, D39 -> D40, D40 -> D41, D41 -> D42,
        D42 -> D43, D43 -> D44, D44 -> D45, D45 -> D46, D46 -> D47, D47 -> D48, D48 -> D49, D49 -> D50,
        D50 -> D51, D51 -> D52, D52 -> D53, D53 -> D54, D54 -> D55, D55 -> D56, D56 -> D57, D57 -> D58,
        D58 -> D59, D59 -> D60, D60 -> D61, D61 -> D62, D62 -> D63, D63 -> D64, D64 -> D65, D65 -> END
    );
    let error = sample(&D0, 0, Shape::Random).expect_err("too deep");
    assert_eq!((error.at.as_str(), error.reason.as_str()), ("", "the value would be nested deeper than 64 levels"));
}

/// Schemas built at random (leaked, so they are `'static` as emitted ones are), for
/// `no_schema_makes_the_sampler_panic_or_lie`.
struct SchemaMaker {
    state: u64,
}

impl SchemaMaker {
    fn next(&mut self, bound: u64) -> u64 {
        self.state = self.state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.state >> 33) % bound
    }

    fn maybe<T>(&mut self, value: T) -> Option<T> {
        (self.next(2) == 0).then_some(value)
    }

    fn count(&mut self, bound: u64) -> Option<usize> {
        let count = self.next(bound) as usize;
        self.maybe(count)
    }

    fn bound(&mut self) -> Option<Bound> {
        let value = [-10.0, -1.5, 0.0, 0.3, 1.0, 7.0, 100.0, 1e12][self.next(8) as usize];
        let exclusive = self.next(3) == 0;
        self.maybe(Bound { value, exclusive })
    }

    fn schema(&mut self, depth: u32) -> &'static Schema {
        const PATTERNS: [&str; 6] = ["^[a-z]+$", r"^\d{2,4}$", "x", "^(a|bc)*$", r"^\w+@\w+$", "^$"];
        let leaf = depth >= 3;
        let mut schema = Schema { nullable: self.next(4) == 0, ..Schema::ANY };
        schema.kind = match self.next(if leaf { 5 } else { 10 }) {
            0 => Kind::Any,
            1 => Kind::String,
            2 => Kind::Integer,
            3 => Kind::Number,
            4 => Kind::Boolean,
            5 => Kind::Array(self.schema(depth + 1)),
            6 | 7 => {
                let count = self.next(4) as usize;
                let properties: Vec<Property> = (0..count)
                    .map(|index| Property {
                        name: ["a", "b", "c", "d"][index],
                        schema: self.schema(depth + 1),
                        required: self.next(2) == 0,
                    })
                    .collect();
                Kind::Object(Box::leak(properties.into_boxed_slice()))
            }
            8 => Kind::Ref(self.schema(depth + 1)),
            _ => {
                let alternatives: Vec<&'static Schema> =
                    (0..1 + self.next(3)).map(|_| self.schema(depth + 1)).collect();
                let alternatives = Box::leak(alternatives.into_boxed_slice());
                if self.next(2) == 0 {
                    Kind::OneOf(alternatives)
                } else {
                    Kind::AnyOf(alternatives)
                }
            }
        };
        match schema.kind {
            Kind::String => {
                schema.min_length = self.count(6);
                schema.max_length = self.count(8);
                let text_formats: Vec<Format> = formats::ALL.into_iter().filter(|format| format.is_text()).collect();
                schema.format = match self.next(2) {
                    0 => Format::None,
                    _ => text_formats[self.next(text_formats.len() as u64) as usize],
                };
                let pattern = PATTERNS[self.next(6) as usize];
                schema.pattern = self.maybe(&*Box::leak(Box::new(Pattern::new(pattern))));
            }
            Kind::Integer | Kind::Number => {
                schema.format = [Format::None, Format::Int32, Format::Int64, Format::Float, Format::Double][self.next(5) as usize];
                schema.minimum = self.bound();
                schema.maximum = self.bound();
                let step = [2.0, 3.0, 0.5, 0.3, 0.25, 7.0][self.next(6) as usize];
                schema.multiple_of = self.maybe(step);
            }
            Kind::Array(_) => {
                schema.min_items = self.count(4);
                schema.max_items = self.count(5);
                schema.unique_items = self.next(2) == 0;
            }
            Kind::Object(_) => {
                schema.additional = match self.next(3) {
                    0 => Additional::Allow,
                    1 => Additional::Deny,
                    _ => Additional::Schema(self.schema(depth + 1)),
                };
                schema.min_properties = self.count(4);
                schema.max_properties = self.count(5);
            }
            _ => {}
        }
        if self.next(6) == 0 {
            let literals =
                [Literal::Null, Literal::Bool(true), Literal::Int(2), Literal::Float(0.5), Literal::Str("ab")];
            let count = 1 + self.next(3) as usize;
            let chosen: Vec<Literal> = (0..count).map(|_| literals[self.next(5) as usize]).collect();
            schema.enumeration = Box::leak(chosen.into_boxed_slice());
        }
        Box::leak(Box::new(schema))
    }
}

#[test]
fn no_schema_makes_the_sampler_panic_or_lie() {
    let (mut made, mut refused) = (0, 0);
    for state in 1..=3 {
        let mut maker = SchemaMaker { state };
        for _ in 0..600 {
            let schema = maker.schema(0);
            for shape in SHAPES {
                for seed in 0..4 {
                    match sample(schema, seed, shape) {
                        Ok(value) => {
                            assert!(schema::is_valid(schema, &value), "{schema:?}: {value}");
                            made += 1;
                        }
                        Err(error) => {
                            assert!(!error.reason.contains("bug in the sampler"), "{schema:?}: {error}");
                            refused += 1;
                        }
                    }
                }
            }
        }
    }
    // Most random schemas can be satisfied; the rest were refused with a reason.
    assert!(made > refused * 2, "{made} made, {refused} refused");
}

#[test]
fn a_one_of_whose_alternatives_share_a_value_gets_one_only_an_alternative_holds() {
    for value in values(&TEXT_OR_EMPTY) {
        assert!(value.as_str().is_some_and(|text| !text.is_empty()), "{value}");
    }
}

#[test]
fn a_pattern_that_matches_only_some_lengths_is_sampled_at_one_of_them() {
    for value in values(&P_SHA) {
        let length = value.as_str().map(str::len);
        assert!(matches!(length, Some(40 | 64)), "{value}");
    }
}
