//! The spec's request schemas as static data, and the one validator that checks a JSON value
//! against them. The generator emits a [`Schema`] per request type and per parameter; a
//! request is checked here before it is decoded into its Rust types, so every rule the spec
//! states (type, format, enum, required, bounds, lengths, items, pattern, unknown properties)
//! is enforced the same way for bodies and parameters, and strictly: enums whose Rust types
//! accept unknown values (because they are also received) are still checked here.
//!
//! Parameters and form bodies arrive as strings; [`coerce`] turns them into JSON values as
//! their schema says (`"5"` for an integer becomes `5`) so the same checks apply.

use ::serde_json::Value;

use super::envelope::ApiError;
pub use super::formats::Format;
use super::extract::{
    cookie_value, header_value, media_accepts, media_essence, require_content_type, shown, Location, RequestInput,
};
use super::validate::{Pattern, Violations};

/// The JSON type a schema requires.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Anything (no `type`).
    Any,
    /// Another schema (a named type), with this schema's `nullable` added.
    Ref(&'static Schema),
    String,
    Integer,
    Number,
    Boolean,
    /// An array whose items follow the schema.
    Array(&'static Schema),
    /// An object with these named properties.
    Object(&'static [Property]),
    /// Exactly one of the alternatives (`oneOf`).
    OneOf(&'static [&'static Schema]),
    /// At least one of the alternatives (`anyOf`).
    AnyOf(&'static [&'static Schema]),
}

/// A value of an `enum` list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'static str),
}

impl Literal {
    /// The value as an error message shows it (strings in backticks).
    pub fn text(&self) -> String {
        match self {
            Literal::Null => "null".to_owned(),
            Literal::Bool(flag) => flag.to_string(),
            Literal::Int(number) => number.to_string(),
            Literal::Float(number) => number.to_string(),
            Literal::Str(text) => format!("`{text}`"),
        }
    }
}

/// A `minimum` or `maximum`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bound {
    pub value: f64,
    pub exclusive: bool,
}

/// What an object allows beside its named properties.
#[derive(Debug, Clone, Copy)]
pub enum Additional {
    Allow,
    /// `additionalProperties: false`.
    Deny,
    Schema(&'static Schema),
}

/// How a `oneOf`/`anyOf` names its alternative (`discriminator`): the value of `property`
/// selects the alternative at the mapped index.
#[derive(Debug, Clone, Copy)]
pub struct Discriminator {
    /// The property (wire name) holding the value.
    pub property: &'static str,
    /// Value → index into the alternatives; sorted by value.
    pub mapping: &'static [(&'static str, usize)],
}

impl Discriminator {
    /// The index of the alternative `value` names.
    pub fn alternative(&self, value: &str) -> Option<usize> {
        self.mapping.iter().find(|(name, _)| *name == value).map(|(_, index)| *index)
    }
}

/// A named property of an object schema.
#[derive(Debug, Clone, Copy)]
pub struct Property {
    pub name: &'static str,
    pub schema: &'static Schema,
    /// Required in requests (read-only properties are never required here).
    pub required: bool,
}

/// One schema; unset rules are `None`/empty (start from [`Schema::ANY`]).
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    pub kind: Kind,
    pub nullable: bool,
    pub format: Format,
    pub enumeration: &'static [Literal],
    pub minimum: Option<Bound>,
    pub maximum: Option<Bound>,
    pub multiple_of: Option<f64>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<&'static Pattern>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    pub unique_items: bool,
    pub additional: Additional,
    pub min_properties: Option<usize>,
    pub max_properties: Option<usize>,
    /// For `OneOf`/`AnyOf`: the property that names the alternative.
    pub discriminator: Option<&'static Discriminator>,
    /// For `OneOf`: object alternatives that overlap only through optional properties. A value
    /// matching several is accepted when one of those declares every key of the value (the
    /// one it is decoded into), as the spec's author meant rather than as JSON Schema reads it.
    pub keyed: bool,
}

impl Schema {
    /// Accepts any value; the base of every emitted schema (`Schema { kind, ..Schema::ANY }`).
    pub const ANY: Schema = Schema {
        kind: Kind::Any,
        nullable: false,
        format: Format::None,
        enumeration: &[],
        minimum: None,
        maximum: None,
        multiple_of: None,
        min_length: None,
        max_length: None,
        pattern: None,
        min_items: None,
        max_items: None,
        unique_items: false,
        additional: Additional::Allow,
        min_properties: None,
        max_properties: None,
        discriminator: None,
        keyed: false,
    };

    /// The schema behind any chain of references.
    fn resolved(&self) -> &Schema {
        let mut current = self;
        // Bounded: a cycle made only of references would otherwise never end.
        for _ in 0..64 {
            match current.kind {
                Kind::Ref(inner) => current = inner,
                _ => break,
            }
        }
        current
    }

    /// True when this schema, or any it refers to, accepts `null`.
    fn accepts_null(&self) -> bool {
        let mut current = self;
        for _ in 0..64 {
            if current.nullable || matches!(current.kind, Kind::Any) {
                return true;
            }
            match current.kind {
                Kind::Ref(inner) => current = inner,
                _ => return false,
            }
        }
        false
    }
}

/// Where a value is, rendered only when a violation is recorded: `body/items/2/name`.
#[derive(Debug, Clone, Copy)]
pub enum At<'a> {
    Root(&'a str),
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    pub fn render(&self) -> String {
        match self {
            At::Root(label) => (*label).to_owned(),
            At::Key(parent, key) => {
                super::validate::pointer_child(&parent.render(), key)
            }
            At::Index(parent, index) => format!("{}/{index}", parent.render()),
        }
    }
}

/// Nesting deeper than this is refused rather than walked (a defence against stack use).
const MAX_DEPTH: usize = 128;

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(number) if number.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn literal_matches(literal: &Literal, value: &Value) -> bool {
    match (literal, value) {
        (Literal::Null, Value::Null) => true,
        (Literal::Bool(expected), Value::Bool(given)) => expected == given,
        (Literal::Int(expected), Value::Number(given)) => {
            given.as_i64() == Some(*expected) || given.as_f64() == Some(*expected as f64) && given.is_f64()
        }
        (Literal::Float(expected), Value::Number(given)) => given.as_f64() == Some(*expected),
        (Literal::Str(expected), Value::String(given)) => expected == given,
        _ => false,
    }
}


/// Checks `value` against `schema`, recording every violation under `at`.
pub fn check(schema: &Schema, value: &Value, at: &At<'_>, out: &mut Violations) {
    check_depth(schema, value, at, out, 0);
}

/// Whether `value` satisfies `schema`.
pub fn is_valid(schema: &Schema, value: &Value) -> bool {
    let mut scratch = Violations::new();
    check(schema, value, &At::Root(""), &mut scratch);
    scratch.is_empty()
}

fn check_depth(schema: &Schema, value: &Value, at: &At<'_>, out: &mut Violations, depth: usize) {
    if depth > MAX_DEPTH {
        out.push(&at.render(), "is nested too deeply");
        return;
    }
    if value.is_null() && schema.accepts_null() {
        return;
    }
    if let Kind::Ref(inner) = schema.kind {
        check_depth(inner, value, at, out, depth + 1);
        return;
    }
    if !schema.enumeration.is_empty() && !schema.enumeration.iter().any(|literal| literal_matches(literal, value)) {
        let listed: Vec<String> = schema.enumeration.iter().map(Literal::text).collect();
        out.push(&at.render(), format!("must be one of {}", listed.join(", ")));
        return;
    }
    match schema.kind {
        Kind::Any | Kind::Ref(_) => {}
        Kind::String => match value {
            Value::String(text) => check_string(schema, text, at, out),
            other => out.push(&at.render(), format!("must be a string, got {}", type_name(other))),
        },
        Kind::Integer => match value {
            Value::Number(number) if number.is_i64() || number.is_u64() => check_integer(schema, number, at, out),
            other => out.push(&at.render(), format!("must be an integer, got {}", type_name(other))),
        },
        Kind::Number => match value.as_f64() {
            Some(number) if value.is_number() => check_number(schema, number, at, out),
            _ => out.push(&at.render(), format!("must be a number, got {}", type_name(value))),
        },
        Kind::Boolean => {
            if !value.is_boolean() {
                out.push(&at.render(), format!("must be a boolean, got {}", type_name(value)));
            }
        }
        Kind::Array(items) => match value {
            Value::Array(values) => {
                if let Some(limit) = schema.min_items {
                    out.min_items(&at.render(), values.len(), limit);
                }
                if let Some(limit) = schema.max_items {
                    out.max_items(&at.render(), values.len(), limit);
                }
                if schema.unique_items {
                    out.unique_items(&at.render(), values);
                }
                for (index, item) in values.iter().enumerate() {
                    check_depth(items, item, &At::Index(at, index), out, depth + 1);
                }
            }
            other => out.push(&at.render(), format!("must be an array, got {}", type_name(other))),
        },
        Kind::Object(properties) => match value {
            Value::Object(map) => {
                for property in properties {
                    match map.get(property.name) {
                        Some(field) => check_depth(property.schema, field, &At::Key(at, property.name), out, depth + 1),
                        None if property.required => out.push(&At::Key(at, property.name).render(), "is required"),
                        None => {}
                    }
                }
                for (key, field) in map {
                    if properties.iter().any(|property| property.name == key) {
                        continue;
                    }
                    match schema.additional {
                        Additional::Allow => {}
                        Additional::Deny => out.push(&At::Key(at, key).render(), "is not a known property"),
                        Additional::Schema(extra) => check_depth(extra, field, &At::Key(at, key), out, depth + 1),
                    }
                }
                if let Some(limit) = schema.min_properties {
                    if map.len() < limit {
                        out.push(&at.render(), format!("must have at least {limit} properties, got {}", map.len()));
                    }
                }
                if let Some(limit) = schema.max_properties {
                    if map.len() > limit {
                        out.push(&at.render(), format!("must have at most {limit} properties, got {}", map.len()));
                    }
                }
            }
            other => out.push(&at.render(), format!("must be an object, got {}", type_name(other))),
        },
        // A value without the discriminator property is read by the alternatives alone, as
        // JSON Schema reads it (below).
        Kind::OneOf(alternatives) | Kind::AnyOf(alternatives) if names_alternative(schema, value) => {
            if let Some(discriminator) = schema.discriminator {
                check_discriminated(discriminator, alternatives, value, at, out, depth);
            }
        }
        Kind::OneOf(alternatives) => {
            let mut matching = 0;
            let mut keyed_match = false;
            let mut first_problem = None;
            for alternative in alternatives {
                let mut scratch = Violations::new();
                check_depth(alternative, value, at, &mut scratch, depth + 1);
                if scratch.is_empty() {
                    matching += 1;
                    keyed_match = keyed_match || schema.keyed && declares_every_key(alternative, value);
                } else if first_problem.is_none() {
                    first_problem = scratch.as_slice().first().cloned();
                }
            }
            match (matching, first_problem) {
                (1, _) => {}
                (_, _) if keyed_match => {}
                (0, Some(problem)) => out.push(
                    &at.render(),
                    format!("must match one of {} alternatives; the first fails: `{}` {}", alternatives.len(), problem.at, problem.message),
                ),
                (0, None) => out.push(&at.render(), "matches none of the alternatives"),
                (_, _) => out.push(&at.render(), format!("must match exactly one alternative, but matches {matching}")),
            }
        }
        Kind::AnyOf(alternatives) => {
            let mut first_problem = None;
            for alternative in alternatives {
                let mut scratch = Violations::new();
                check_depth(alternative, value, at, &mut scratch, depth + 1);
                if scratch.is_empty() {
                    return;
                }
                if first_problem.is_none() {
                    first_problem = scratch.as_slice().first().cloned();
                }
            }
            match first_problem {
                Some(problem) => out.push(
                    &at.render(),
                    format!("must match one of {} alternatives; the first fails: `{}` {}", alternatives.len(), problem.at, problem.message),
                ),
                None => out.push(&at.render(), "matches none of the alternatives"),
            }
        }
    }
}

/// Whether every key of the object `value` is a property `schema` (an object) names.
fn declares_every_key(schema: &Schema, value: &Value) -> bool {
    match (schema.resolved().kind, value) {
        (Kind::Object(properties), Value::Object(map)) => {
            map.keys().all(|key| properties.iter().any(|property| property.name == key))
        }
        _ => false,
    }
}

/// Whether `value` is an object holding the discriminator property of `schema`.
fn names_alternative(schema: &Schema, value: &Value) -> bool {
    schema.discriminator.is_some_and(|discriminator| value.as_object().is_some_and(|map| map.contains_key(discriminator.property)))
}

/// A discriminated union whose value holds the property: it names the one alternative the
/// value must match.
fn check_discriminated(
    discriminator: &Discriminator,
    alternatives: &[&'static Schema],
    value: &Value,
    at: &At<'_>,
    out: &mut Violations,
    depth: usize,
) {
    let property = At::Key(at, discriminator.property);
    let expected = || discriminator.mapping.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ");
    match value.get(discriminator.property) {
        None => {}
        Some(Value::String(tag)) => match discriminator.alternative(tag).and_then(|index| alternatives.get(index)) {
            Some(alternative) => check_depth(alternative, value, at, out, depth + 1),
            None => out.push(&property.render(), format!("must be one of {}, got `{tag}`", expected())),
        },
        Some(other) => out.push(&property.render(), format!("must be a string, got {}", type_name(other))),
    }
}

fn check_string(schema: &Schema, text: &str, at: &At<'_>, out: &mut Violations) {
    if let Some(limit) = schema.min_length {
        out.min_length(&at.render(), text, limit);
    }
    if let Some(limit) = schema.max_length {
        out.max_length(&at.render(), text, limit);
    }
    if let Some(pattern) = schema.pattern {
        out.pattern(&at.render(), text, pattern);
    }
    if !schema.format.accepts(text) {
        out.push(&at.render(), format!("must be {}", schema.format.expected()));
    }
}

fn check_integer(schema: &Schema, number: &::serde_json::Number, at: &At<'_>, out: &mut Violations) {
    let fits = match schema.format {
        Format::Int32 => number.as_i64().is_some_and(|value| i32::try_from(value).is_ok()),
        // Integers are i64 in Rust, whatever the format says.
        _ => number.as_i64().is_some(),
    };
    if !fits {
        // Integers without a format are i64 in Rust too, so only int32 names its format.
        let range = match schema.format {
            Format::Int32 => "a signed 32-bit integer (format int32)",
            _ => "a signed 64-bit integer",
        };
        out.push(&at.render(), format!("must fit in {range}, got {number}"));
        return;
    }
    let value = number.as_i64().unwrap_or_default();
    check_bounds(schema, value as f64, &value, at, out);
    if let Some(step) = schema.multiple_of {
        let integral = step.fract() == 0.0 && step.abs() < 9.0e15 && step != 0.0;
        let broken = if integral { value % (step as i64) != 0 } else { !is_multiple(value as f64, step) };
        if broken {
            out.push(&at.render(), format!("must be a multiple of {step}"));
        }
    }
}

fn check_number(schema: &Schema, value: f64, at: &At<'_>, out: &mut Violations) {
    if !schema.format.admits(value) {
        let shown = ::serde_json::Number::from_f64(value).map_or_else(|| value.to_string(), |number| number.to_string());
        let (range, format) = (schema.format.range(), schema.format.keyword());
        out.push(&at.render(), format!("must fit in {range} (format {format}), got {shown}"));
        return;
    }
    check_bounds(schema, value, &value, at, out);
    if let Some(step) = schema.multiple_of {
        if !is_multiple(value, step) {
            out.push(&at.render(), format!("must be a multiple of {step}"));
        }
    }
}

fn is_multiple(value: f64, step: f64) -> bool {
    if step == 0.0 {
        return true;
    }
    let quotient = value / step;
    (quotient - quotient.round()).abs() < 1e-9
}

/// `shown` is the value as the message prints it (formatted only when a bound is broken).
fn check_bounds(schema: &Schema, value: f64, shown: &dyn ::std::fmt::Display, at: &At<'_>, out: &mut Violations) {
    if let Some(bound) = schema.minimum {
        let broken = if bound.exclusive { value <= bound.value } else { value < bound.value };
        if broken {
            let relation = if bound.exclusive { "greater than" } else { "at least" };
            out.push(&at.render(), format!("must be {relation} {}, got {shown}", bound.value));
        }
    }
    if let Some(bound) = schema.maximum {
        let broken = if bound.exclusive { value >= bound.value } else { value > bound.value };
        if broken {
            let relation = if bound.exclusive { "less than" } else { "at most" };
            out.push(&at.render(), format!("must be {relation} {}, got {shown}", bound.value));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Parameters

/// How a parameter is written on the wire (OpenAPI `style` with `explode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Form,
    Simple,
    /// Path values after a `.`: `.5`, `.3,4` (exploded `.3.4`), objects `.a,1,b,2` (exploded `.a=1.b=2`).
    Label,
    /// Path values as `;name=5`, `;name=3,4` (exploded `;name=3;name=4`), objects
    /// `;name=a,1,b,2` (exploded `;a=1;b=2`).
    Matrix,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
    /// `content: application/json`: the value is JSON text.
    Json,
}

/// One parameter as the spec declares it.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// The name on the wire.
    pub name: &'static str,
    /// For path parameters, the name in the router's route (it may differ from `name` when
    /// two paths name the parameter at the same position differently).
    pub key: &'static str,
    pub location: Location,
    pub required: bool,
    pub style: Style,
    pub explode: bool,
    pub schema: &'static Schema,
}

/// The raw values of a parameter, by location; `Ok(None)` when it is absent, Err when a
/// header is not text (recorded).
fn raw_values<'a>(param: &Param, input: &'a RequestInput, out: &mut Violations) -> Result<Option<Vec<&'a str>>, ()> {
    Ok(match param.location {
        Location::Path => input.path.get(param.key).map(|value| vec![value]),
        Location::Query => {
            let values = input.query.values(param.name);
            (!values.is_empty()).then_some(values)
        }
        Location::Header => match header_value(&input.headers, param.name) {
            Ok(value) => value.map(|value| vec![value]),
            Err(error) => {
                out.take::<()>(Err(error));
                return Err(());
            }
        },
        Location::Cookie => cookie_value(&input.headers, param.name).map(|value| vec![value]),
    })
}

/// Reads, coerces, checks and decodes one parameter. `None` when it is absent (a missing
/// required parameter is recorded) or broken (the problem is recorded).
pub fn param<T: ::serde::de::DeserializeOwned>(param: &Param, input: &RequestInput, out: &mut Violations) -> Option<T> {
    read_param(param, None, input, out)
}

/// [`param`] for an exploded form-style query object that holds properties it does not
/// name (`additionalProperties`): every query key that is not one of its operation's other
/// query parameters (`claimed`, which include API keys sent in the query) is one of its
/// properties.
pub fn free_param<T: ::serde::de::DeserializeOwned>(
    param: &Param,
    claimed: &[&str],
    input: &RequestInput,
    out: &mut Violations,
) -> Option<T> {
    read_param(param, Some(claimed), input, out)
}

fn read_param<T: ::serde::de::DeserializeOwned>(
    param: &Param,
    claimed: Option<&[&str]>,
    input: &RequestInput,
    out: &mut Violations,
) -> Option<T> {
    let label = param.name;
    let at = At::Root(label);
    let resolved = param.schema.resolved();
    let value = if param.style == Style::DeepObject && param.location == Location::Query {
        let tree = Deep::gather(input.query.pairs().filter_map(|(key, raw)| {
            let (root, path) = bracket_path(key)?;
            (root == param.name).then_some((path, raw))
        }));
        (!tree.is_empty()).then(|| deep_value(param.schema, &tree))
    } else if is_object(resolved) && param.style == Style::Form && param.explode && param.location == Location::Query {
        object_from_query(resolved, claimed, input)
    } else {
        match raw_values(param, input, out).ok()? {
            Some(values) => Some(coerce_values(param, resolved, &values, &at, out)?),
            None => None,
        }
    };
    let Some(value) = value else {
        if param.required {
            out.push(label, format!("({}) is required", param.location));
        }
        return None;
    };
    let before = out.as_slice().len();
    check(param.schema, &value, &at, out);
    if out.as_slice().len() != before {
        return None;
    }
    decode_value(value, &at, out)
}

fn is_object(schema: &Schema) -> bool {
    matches!(schema.kind, Kind::Object(_))
}

fn coerce_values(param: &Param, schema: &Schema, values: &[&str], at: &At<'_>, out: &mut Violations) -> Option<Value> {
    if param.style == Style::Json {
        let [raw] = values else {
            out.push(&at.render(), format!("({}) must be given at most once", param.location));
            return None;
        };
        return match ::serde_json::from_str(raw) {
            Ok(value) => Some(value),
            Err(error) => {
                out.push(&at.render(), format!("({}) must be JSON: {error}", param.location));
                None
            }
        };
    }
    // A repeated parameter whose alternatives include a list (`oneOf: [string, array]`) is
    // that list.
    if values.len() > 1 {
        if let Kind::OneOf(alternatives) | Kind::AnyOf(alternatives) = schema.kind {
            if let Some(list) = alternatives.iter().map(|alternative| alternative.resolved()).find(|a| matches!(a.kind, Kind::Array(_))) {
                return coerce_values(param, list, values, at, out);
            }
        }
    }
    let want = match schema.kind {
        Kind::Array(_) => Want::Items,
        Kind::Object(_) => Want::Pairs,
        _ => Want::One,
    };
    let split = match split_styled(param, want, values) {
        Ok(split) => split,
        Err(message) => {
            out.push(&at.render(), format!("({}) {message}", param.location));
            return None;
        }
    };
    match (split, schema.kind) {
        (Split::Items(parts), Kind::Array(items)) => {
            let mut items_out = Vec::with_capacity(parts.len());
            let mut failed = false;
            for (index, part) in parts.iter().enumerate() {
                match coerce_scalar(items.resolved(), part) {
                    Ok(value) => items_out.push(value),
                    Err(expected) => {
                        failed = true;
                        out.push(&At::Index(at, index).render(), format!("must be {expected}, got `{}`", shown(part)));
                    }
                }
            }
            (!failed).then_some(Value::Array(items_out))
        }
        (Split::Pairs(pairs), Kind::Object(properties)) => Some(Value::Object(
            pairs.into_iter().map(|(key, raw)| (key.to_owned(), property_value(schema, properties, key, raw))).collect(),
        )),
        (Split::One(raw), _) => match coerce_scalar(schema, raw) {
            Ok(value) => Some(value),
            Err(expected) => {
                out.push(&at.render(), format!("({}) must be {expected}, got `{}`", param.location, shown(raw)));
                None
            }
        },
        // `split_styled` answers in the form `want` asked for.
        _ => None,
    }
}

/// What a parameter's text is split into, by its schema's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    One,
    Items,
    Pairs,
}

enum Split<'a> {
    One(&'a str),
    Items(Vec<&'a str>),
    Pairs(Vec<(&'a str, &'a str)>),
}

/// Splits a parameter's raw texts as its `style` and `explode` wrote them (the delimiters
/// are read after percent-decoding, so a value holding its style's delimiter is read as
/// two). Err says what is wrong (`(location)` is prefixed by the caller).
fn split_styled<'a>(param: &Param, want: Want, values: &[&'a str]) -> Result<Split<'a>, String> {
    if want == Want::Items && param.style == Style::Form && param.explode && param.location == Location::Query {
        return Ok(Split::Items(values.to_vec()));
    }
    let [raw] = values else { return Err("must be given at most once".to_owned()) };
    let raw: &'a str = raw;
    let (body, separator) = match param.style {
        Style::Label => {
            let body = raw.strip_prefix('.').ok_or_else(|| format!("must start with `.` (label style), got `{}`", shown(raw)))?;
            (body, if param.explode { '.' } else { ',' })
        }
        Style::Matrix => {
            let not_matrix = || format!("must be `;{}=...` (matrix style), got `{}`", param.name, shown(raw));
            let body = raw.strip_prefix(';').ok_or_else(not_matrix)?;
            if param.explode && want == Want::Items {
                let items = body.split(';').map(|piece| named_value(param.name, piece)).collect::<Option<Vec<_>>>();
                return items.map(Split::Items).ok_or_else(not_matrix);
            }
            if param.explode && want == Want::Pairs {
                let pairs = body.split(';').map(|piece| piece.split_once('=')).collect::<Option<Vec<_>>>();
                return pairs.map(Split::Pairs).ok_or_else(|| format!("must be `;key=value;...` (matrix style), got `{}`", shown(raw)));
            }
            (named_value(param.name, body).ok_or_else(not_matrix)?, ',')
        }
        Style::SpaceDelimited => (raw, ' '),
        Style::PipeDelimited => (raw, '|'),
        _ => (raw, ','),
    };
    let parts = || body.split(separator).filter(|part| !part.is_empty());
    Ok(match want {
        Want::One => Split::One(body),
        Want::Items => Split::Items(parts().collect()),
        // `k=v,k=v` (exploded simple and label; form objects are never written so outside
        // the query, where a cookie's object is read as not exploded).
        Want::Pairs if param.explode && param.style != Style::Form => {
            let pairs = parts().map(|piece| piece.split_once('=')).collect::<Option<Vec<_>>>();
            Split::Pairs(pairs.ok_or_else(|| format!("must be `key=value` pairs, got `{}`", shown(raw)))?)
        }
        Want::Pairs => {
            let flat: Vec<&str> = if body.is_empty() { Vec::new() } else { body.split(separator).collect() };
            let pairs = flat.chunks_exact(2);
            if !pairs.remainder().is_empty() {
                return Err(format!("must alternate keys and values, got {} parts in `{}`", flat.len(), shown(raw)));
            }
            Split::Pairs(pairs.map(|pair| (pair[0], pair[1])).collect())
        }
    })
}

/// `value` of `name=value`, `""` of a bare `name`; `None` when `piece` names another key.
fn named_value<'a>(name: &str, piece: &'a str) -> Option<&'a str> {
    let rest = piece.strip_prefix(name)?;
    if rest.is_empty() { Some("") } else { rest.strip_prefix('=') }
}

/// A property's text as the JSON value its schema (declared, or `additionalProperties`)
/// expects; text when it cannot be (the check then reports it).
fn property_value(schema: &Schema, properties: &[Property], key: &str, raw: &str) -> Value {
    let declared = properties.iter().find(|property| property.name == key).map(|property| property.schema);
    let value_schema = declared.or(match schema.additional {
        Additional::Schema(extra) => Some(extra),
        Additional::Allow | Additional::Deny => None,
    });
    coerce_scalar(value_schema.unwrap_or(&Schema::ANY), raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
}

/// Turns one string into the JSON value its schema expects; Err names what was expected.
pub fn coerce_scalar(schema: &Schema, raw: &str) -> Result<Value, &'static str> {
    match schema.resolved().kind {
        Kind::String => Ok(Value::String(raw.to_owned())),
        Kind::Integer => {
            if let Ok(number) = raw.parse::<i64>() {
                Ok(Value::from(number))
            } else if let Ok(number) = raw.parse::<u64>() {
                Ok(Value::from(number))
            } else {
                Err("an integer")
            }
        }
        Kind::Number => match raw.parse::<f64>() {
            Ok(number) if number.is_finite() => {
                // Keep integers exact so `enum: [0, 1]` and integer bounds compare cleanly.
                match raw.parse::<i64>() {
                    Ok(integer) => Ok(Value::from(integer)),
                    Err(_) => ::serde_json::Number::from_f64(number).map(Value::Number).ok_or("a finite number"),
                }
            }
            _ => Err("a finite number"),
        },
        Kind::Boolean => match raw {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("`true` or `false`"),
        },
        // Alternatives, free values and structures: a JSON scalar if the text is one, else
        // the text; the schema check then decides.
        _ => Ok(match ::serde_json::from_str::<Value>(raw) {
            Ok(value @ (Value::Number(_) | Value::Bool(_) | Value::Null)) => value,
            _ => Value::String(raw.to_owned()),
        }),
    }
}

/// An object parameter in the query written as one query parameter per property (form,
/// exploded): the declared properties, and with `claimed` (see [`free_param`]) every key no
/// other parameter claims. `None` when no key is present.
fn object_from_query(schema: &Schema, claimed: Option<&[&str]>, input: &RequestInput) -> Option<Value> {
    let Kind::Object(properties) = schema.kind else { return None };
    let mut map = ::serde_json::Map::new();
    let claimed_elsewhere = |key: &str| {
        claimed.is_none_or(|claimed| {
            claimed.iter().any(|other| key.strip_prefix(other).is_some_and(|rest| rest.is_empty() || rest.starts_with('[')))
        })
    };
    for (key, raw) in input.query.pairs() {
        if properties.iter().any(|property| property.name == key) || !claimed_elsewhere(key) {
            map.insert(key.to_owned(), property_value(schema, properties, key, raw));
        }
    }
    (!map.is_empty()).then_some(Value::Object(map))
}

/// Decodes a checked value, recording where serde failed.
pub fn decode_value<T: ::serde::de::DeserializeOwned>(value: Value, at: &At<'_>, out: &mut Violations) -> Option<T> {
    match ::serde_path_to_error::deserialize(value) {
        Ok(decoded) => Some(decoded),
        Err(error) => {
            let path = error.path().to_string();
            let where_ = if path == "." { at.render() } else { format!("{}/{}", at.render(), path.replace('.', "/")) };
            out.push(&where_, error.into_inner().to_string());
            None
        }
    }
}

/// A required value after checking: the value, or the 400 for its absence.
pub fn present<T>(value: Option<T>, name: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| ApiError::bad_request(format!("`{name}` is required")))
}

// ---------------------------------------------------------------------------------------
// Bodies

/// How a request body is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    /// `application/x-www-form-urlencoded`, with the fields whose `encoding` writes a list
    /// in one value, and the delimiter (`,` for `style: form, explode: false`, ` `, `|`).
    Form(&'static [(&'static str, char)]),
}

/// A request body that is decoded and checked: the accepted media types (essence, lower
/// case) with how each is decoded, and the schema.
#[derive(Debug, Clone, Copy)]
pub struct Body {
    pub required: bool,
    pub media: &'static [(&'static str, BodyKind)],
    pub schema: &'static Schema,
}

/// Decodes, checks and converts the body. Err is a 415 for a media type the operation does
/// not accept; body problems are recorded in `out` (and give `None`), as is a missing
/// required body.
pub fn body<T: ::serde::de::DeserializeOwned>(spec: &Body, input: &RequestInput, out: &mut Violations) -> Result<Option<T>, ApiError> {
    if input.body.iter().all(u8::is_ascii_whitespace) && !is_empty_form(spec, input) {
        if spec.required {
            out.push("body", "is required");
        }
        return Ok(None);
    }
    let given = media_essence(&input.headers);
    let Some((_, kind)) = spec.media.iter().find(|(media, _)| media_accepts(media, &given)) else {
        let media: Vec<&str> = spec.media.iter().map(|(media, _)| *media).collect();
        return require_content_type(&input.headers, &media).map(|()| None);
    };
    let at = At::Root("body");
    let value = match kind {
        BodyKind::Json => match ::serde_json::from_slice::<Value>(&input.body) {
            Ok(value) => value,
            Err(error) => {
                out.push("body", format!("is not valid JSON: {error}"));
                return Ok(None);
            }
        },
        BodyKind::Form(delimited) => form_value(spec.schema, delimited, &input.body),
    };
    let before = out.as_slice().len();
    check(spec.schema, &value, &at, out);
    if out.as_slice().len() != before {
        return Ok(None);
    }
    Ok(decode_value(value, &at, out))
}

/// Whether the body is an empty form sent as one (`Content-Type` of a form media type the
/// operation accepts, no bytes): a form without fields, an empty object, not a missing body.
fn is_empty_form(spec: &Body, input: &RequestInput) -> bool {
    let given = media_essence(&input.headers);
    input.body.is_empty() && spec.media.iter().any(|(media, kind)| matches!(kind, BodyKind::Form(_)) && media_accepts(media, &given))
}

/// A form body as a JSON object: each field coerced by its property's schema, repeated
/// fields of array properties collected, bracketed fields (`address[city]`, `items[0][id]`,
/// as deepObject encodings and Rails, PHP and `qs` write them) gathered into objects and
/// lists. A field the schema names as it is (brackets and all) is never split.
fn form_value(schema: &Schema, delimited: &[(&str, char)], body: &[u8]) -> Value {
    let pairs: Vec<_> = ::form_urlencoded::parse(body).collect();
    let mut value = fields_value(schema, delimited, pairs.iter().map(|(key, raw)| (&**key, &**raw)));
    // An exploded list is a field per item, so an empty one is no field at all: a required
    // list the form does not name is read as empty, the one list it can stand for.
    if let (Value::Object(map), Kind::Object(properties)) = (&mut value, &schema.resolved().kind) {
        for property in properties.iter().filter(|property| property.required && !delimited.iter().any(|(field, _)| *field == property.name)) {
            if matches!(property.schema.resolved().kind, Kind::Array(_)) && !map.contains_key(property.name) {
                map.insert(property.name.to_owned(), Value::Array(Vec::new()));
            }
        }
    }
    value
}

/// Named text fields (a form's, or a multipart body's text parts) as a JSON object, read as
/// a form body's are (repeated and bracketed fields, each coerced by its schema); `delimited`
/// lists the fields whose one value holds a list.
pub fn fields_value<'a>(schema: &Schema, delimited: &[(&str, char)], pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Value {
    let properties: &[Property] = match schema.resolved().kind {
        Kind::Object(properties) => properties,
        _ => &[],
    };
    let tree = Deep::gather(pairs.flat_map(|(key, raw)| {
        let path = match bracket_path(key) {
            Some((root, rest)) if !properties.iter().any(|property| property.name == key) => {
                ::std::iter::once(root).chain(rest).collect()
            }
            _ => vec![key],
        };
        let delimiter = delimited.iter().find(|(field, _)| path == [*field]).map(|(_, delimiter)| *delimiter);
        let values: Vec<&str> = match delimiter {
            Some(delimiter) => raw.split(delimiter).filter(|part| !part.is_empty()).collect(),
            None => vec![raw],
        };
        values.into_iter().map(move |value| (path.clone(), value))
    }));
    // The fields as an object whatever the schema (one that is not an object refuses it).
    match schema.resolved().kind {
        Kind::Object(_) => deep_object(schema.resolved(), &tree),
        _ => deep_object(&Schema::ANY, &tree),
    }
}

// ---------------------------------------------------------------------------------------
// Bracket notation (deepObject query parameters, nested form fields)

/// How many brackets deep a key may go; deeper keys are taken as plain names, so a peer
/// cannot make the reader recurse without bound.
const DEEPEST: usize = 32;

/// `a[b][0]` as `("a", ["b", "0"])`, `a` as `("a", [])`. A bracket closes at a `]` followed
/// by `[` or the end, so a key may hold brackets itself (`m[x]y]` is `m` then `x]y`), though
/// not `][`. `None` when the brackets do not close, or nest deeper than [`DEEPEST`].
fn bracket_path(key: &str) -> Option<(&str, Vec<&str>)> {
    let Some(open) = key.find('[') else { return Some((key, Vec::new())) };
    let (root, mut rest) = key.split_at(open);
    let mut path = Vec::new();
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let close = inner.match_indices(']').map(|(at, _)| at).find(|at| matches!(inner.as_bytes().get(at + 1), None | Some(b'[')))?;
        path.push(&inner[..close]);
        rest = &inner[close + 1..];
        if path.len() > DEEPEST {
            return None;
        }
    }
    Some((root, path))
}

/// Values by bracketed key, as a tree: at each node the texts given for exactly that key,
/// and its children by bracket name, in the order first seen.
#[derive(Debug, Default)]
struct Deep<'a> {
    values: Vec<&'a str>,
    children: Vec<(&'a str, Deep<'a>)>,
}

impl<'a> Deep<'a> {
    fn gather(entries: impl Iterator<Item = (Vec<&'a str>, &'a str)>) -> Self {
        let mut root = Deep::default();
        for (path, raw) in entries {
            let mut node = &mut root;
            for segment in path {
                let index = match node.children.iter().position(|(name, _)| *name == segment) {
                    Some(index) => index,
                    None => {
                        node.children.push((segment, Deep::default()));
                        node.children.len() - 1
                    }
                };
                node = &mut node.children[index].1;
            }
            node.values.push(raw);
        }
        root
    }

    fn is_empty(&self) -> bool {
        self.values.is_empty() && self.children.is_empty()
    }

    /// Whether the children are list items: `[]` or `[N]` keys only.
    fn is_list(&self) -> bool {
        self.children.iter().all(|(name, _)| name.is_empty() || name.parse::<u64>().is_ok())
    }
}

/// A tree read as the JSON value `schema` expects: lists from repeated keys, `[]` and `[N]`
/// (in index order; gaps close up), objects from named keys, scalars by their schema. What
/// does not fit is read as text or as an object, for the schema check to report.
fn deep_value(schema: &Schema, node: &Deep<'_>) -> Value {
    let schema = schema.resolved();
    match schema.kind {
        Kind::Array(items) if node.is_list() => Value::Array(deep_items(items, node)),
        Kind::OneOf(alternatives) | Kind::AnyOf(alternatives) => {
            let wanted = |kind: fn(&Kind) -> bool| alternatives.iter().map(|a| a.resolved()).find(|a| kind(&a.kind));
            let list = wanted(|kind| matches!(kind, Kind::Array(_)));
            let object = || {
                let keys = || node.children.iter().map(|(name, _)| *name);
                let declares = |a: &Schema| match a.kind {
                    Kind::Object(properties) => keys().all(|key| properties.iter().any(|p| p.name == key)),
                    _ => false,
                };
                alternatives.iter().map(|a| a.resolved()).find(|a| declares(a)).or_else(|| wanted(|kind| matches!(kind, Kind::Object(_))))
            };
            match list {
                Some(list) if node.is_list() && (node.values.len() > 1 || !node.children.is_empty()) => deep_value(list, node),
                _ if !node.children.is_empty() => object().map_or_else(|| deep_object(schema, node), |object| deep_object(object, node)),
                _ => deep_leaf(schema, node),
            }
        }
        Kind::Any if !node.children.is_empty() && node.is_list() => Value::Array(deep_items(&Schema::ANY, node)),
        _ if node.children.is_empty() => deep_leaf(schema, node),
        _ => deep_object(schema, node),
    }
}

/// A node's texts: one value, or a list of them when repeated.
fn deep_leaf(schema: &Schema, node: &Deep<'_>) -> Value {
    let text = |raw: &&str| coerce_scalar(schema, raw).unwrap_or_else(|_| Value::String((*raw).to_owned()));
    match node.values.as_slice() {
        [one] => text(one),
        many => Value::Array(many.iter().map(text).collect()),
    }
}

/// A list node's items: its own repeated texts, then `[]` items in order, then `[N]` items
/// by index.
fn deep_items(items: &Schema, node: &Deep<'_>) -> Vec<Value> {
    let text = |raw: &&str| coerce_scalar(items, raw).unwrap_or_else(|_| Value::String((*raw).to_owned()));
    let mut out: Vec<Value> = node.values.iter().map(text).collect();
    let mut numbered = Vec::new();
    for (name, child) in &node.children {
        match name.parse::<u64>() {
            Ok(index) => numbered.push((index, child)),
            Err(_) if child.children.is_empty() => out.extend(child.values.iter().map(text)),
            Err(_) => out.push(deep_value(items, child)),
        }
    }
    numbered.sort_by_key(|(index, _)| *index);
    out.extend(numbered.into_iter().map(|(_, child)| deep_value(items, child)));
    out
}

/// A node's children as an object, each by its property's schema (declared, or
/// `additionalProperties`, or anything).
fn deep_object(schema: &Schema, node: &Deep<'_>) -> Value {
    let (properties, additional) = match schema.kind {
        Kind::Object(properties) => (properties, schema.additional),
        _ => (&[][..], Additional::Allow),
    };
    let field_schema = |key: &str| {
        let declared = properties.iter().find(|property| property.name == key).map(|property| property.schema);
        declared.or(match additional {
            Additional::Schema(extra) => Some(extra),
            Additional::Allow | Additional::Deny => None,
        })
    };
    Value::Object(
        node.children
            .iter()
            .map(|(key, child)| ((*key).to_owned(), deep_value(field_schema(key).unwrap_or(&Schema::ANY), child)))
            .collect(),
    )
}
