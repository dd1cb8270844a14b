//! Refusals in the spec's own shape: for each operation, the status and body the server answers
//! when it refuses a request itself (400 for a request that breaks the spec, 401, 403, 404,
//! 405, 406, 413, 415, 422), chosen from what the operation documents. Planned here as plain
//! data ([`plan_refusals`], snapshot-tested), rendered second into the server's `refusals.rs`
//! ([`refusals_rs`]), whose statics the handlers mark their error responses with.
//!
//! * **Status.** The refused status when the operation documents that code; for a request that
//!   breaks the spec (400) else `422`; else the `4XX` range or `default` (keeping the refused
//!   status, which both cover); else nothing is planned (the refused status, in the envelope).
//! * **Body.** For a response with a JSON schema, a template ([`Fill`]) of a value the schema
//!   accepts: string properties that are required, or that name the problem (`message`,
//!   `error`, `detail`, `title`, `msg`, `description`, `reason`, their plurals), carry the
//!   message (those naming a detail or description the detail); integers and numbers the
//!   status when their bounds and enum allow it, else their smallest valid value; enums their
//!   first value; booleans `false`; formatted strings a fixed valid literal; strings with a
//!   `pattern` the shortest string it matches (`pattern_example`); required objects
//!   recursively, lists their fewest items (one at least where the list names the problem);
//!   unions their first alternative that can be filled (with its discriminator value); a type
//!   already being filled is not filled again (an optional property is left out, a nullable one
//!   is `null`). A schema that is not an object is the value itself (a string: the message); an
//!   object that would carry no text of the refusal but takes properties it does not name as
//!   strings gets the envelope's `error` and `detail` beside. For a `text/*` response the
//!   message as text.
//! * **Fallback.** What cannot be filled (a pattern with a look-around or one regex-syntax does
//!   not read, bounds nothing meets, a required property
//!   that reaches its own type) is answered in the envelope, with the reason in the plan and in
//!   the generated module's docs.
//! * **A spec with `x-error-envelope`** states its error body outright: nothing is planned, every
//!   refusal is answered in that envelope with the refused status.
//! * **The document's plan** (for requests no operation takes: unknown paths, wrong methods)
//!   holds what every operation plans alike for a status.

use std::cell::{Cell, RefCell};

use heck::ToSnakeCase;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use crate::ir::{
    Api, Constraints, Content, EnumRepr, EnumVariant, Field, MediaKind, Operation, Response, StatusSpec, TypeId, TypeKind,
    TypeRef, UnionRule, Variant,
};

/// The statuses the generated server refuses requests with, in the order plans list them.
pub const REFUSED: [u16; 9] = [400, 401, 403, 404, 405, 406, 413, 415, 422];

/// Most values one template is built from (each alternative tried counts): the work of filling
/// a schema stays bounded whatever the document.
const MAX_FILLS: usize = 10_000;

/// Every operation's refusals and the document's.
#[derive(Debug, Clone, PartialEq)]
pub struct RefusalPlans {
    /// What every operation plans alike, for requests no operation takes.
    pub document: Vec<PlannedRefusal>,
    /// Per operation, in `api.operations` order.
    pub operations: Vec<Vec<PlannedRefusal>>,
}

/// How one refusal is answered.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRefusal {
    /// The status the server refuses with.
    pub refused: u16,
    /// The status answered.
    pub status: u16,
    /// The documented response it answers as.
    pub documented: StatusSpec,
    pub body: PlannedBody,
}

impl PlannedRefusal {
    /// Whether it answers otherwise than the refused status in the envelope.
    pub fn changes_anything(&self) -> bool {
        self.status != self.refused || !matches!(self.body, PlannedBody::Envelope { .. })
    }
}

/// The body of a planned answer.
#[derive(Debug, Clone, PartialEq)]
pub enum PlannedBody {
    /// The API's envelope; `reason` says why the documented body could not be filled.
    Envelope { reason: Option<String> },
    Json { media_type: String, fill: Fill },
    /// The message as text.
    Text { media_type: String },
}

/// A JSON value to be filled with a refusal (the runtime's `refusals::Fill`).
#[derive(Debug, Clone, PartialEq)]
pub enum Fill {
    Text { text: Text, min: usize, max: Option<usize> },
    Status,
    Literal(serde_json::Value),
    Object(Vec<(String, Fill)>),
    Array(Vec<Fill>),
}

/// Which text of a refusal a [`Fill::Text`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    Message,
    /// The detail, or the message when there is none.
    Detail,
}

/// The refusals of every operation of `api` (none when it states `x-error-envelope`).
pub fn plan_refusals(api: &Api) -> RefusalPlans {
    if api.error_envelope.is_some() {
        return RefusalPlans { document: Vec::new(), operations: vec![Vec::new(); api.operations.len()] };
    }
    let operations: Vec<Vec<PlannedRefusal>> = api.operations.iter().map(|op| plan_operation(api, op)).collect();
    RefusalPlans { document: agreed(&operations), operations }
}

fn plan_operation(api: &Api, op: &Operation) -> Vec<PlannedRefusal> {
    REFUSED.iter().filter_map(|refused| plan_refusal(api, op, *refused)).collect()
}

/// The response `op` documents for a refusal with `refused`, by the order in the module docs.
fn documented_for(op: &Operation, refused: u16) -> Option<&Response> {
    let exact = [StatusSpec::Code(refused)];
    let invalid_input = [StatusSpec::Code(400), StatusSpec::Code(422)];
    let specific: &[StatusSpec] = if refused == 400 { &invalid_input } else { &exact };
    specific
        .iter()
        .chain(&[StatusSpec::Range(4), StatusSpec::Default])
        .find_map(|wanted| op.responses.iter().find(|response| response.status == *wanted))
}

fn plan_refusal(api: &Api, op: &Operation, refused: u16) -> Option<PlannedRefusal> {
    let response = documented_for(op, refused)?;
    let status = match response.status {
        StatusSpec::Code(code) => code,
        StatusSpec::Range(_) | StatusSpec::Default => refused,
    };
    Some(PlannedRefusal { refused, status, documented: response.status, body: planned_body(api, response, status) })
}

/// The body of an answer as `response`, with `status`: its JSON schema filled, its text, or
/// the envelope.
fn planned_body(api: &Api, response: &Response, status: u16) -> PlannedBody {
    let json = response.contents.iter().find(|content| content.kind == MediaKind::Json && content.ty.is_some());
    if let Some(content @ Content { ty: Some(ty), .. }) = json {
        // Any JSON value is valid: the envelope is one.
        if *ty == TypeRef::Any {
            return PlannedBody::Envelope { reason: None };
        }
        let filler = Filler { api, status, filling: RefCell::new(Vec::new()), budget: Cell::new(MAX_FILLS) };
        return match filler.value(ty, &Constraints::default(), Carry::Message, "") {
            Ok(fill) => PlannedBody::Json { media_type: content.sent_media_type().to_owned(), fill: with_message(api, ty, fill) },
            Err(reason) => PlannedBody::Envelope { reason: Some(reason) },
        };
    }
    match response.contents.iter().find(|content| content.kind == MediaKind::Text) {
        Some(content) => PlannedBody::Text { media_type: content.media_type.clone() },
        None => PlannedBody::Envelope { reason: None },
    }
}

/// `fill` of a body of type `ty`, with the envelope's `error` and `detail` added when it carries
/// no text of the refusal and its object takes properties it does not name as strings (a
/// free-form object, or one whose properties are all optional and say nothing): the answer
/// stays valid and says what was refused.
fn with_message(api: &Api, ty: &TypeRef, fill: Fill) -> Fill {
    if carries_text(&fill) {
        return fill;
    }
    let (mut properties, declared): (Vec<(String, Fill)>, Vec<&str>) = match (unaliased(api, ty), fill) {
        (TypeRef::Map(value), Fill::Literal(_)) if matches!(**value, TypeRef::Any | TypeRef::String { format: None }) => {
            (Vec::new(), Vec::new())
        }
        (TypeRef::Named(id), Fill::Object(properties)) => match api.types.get(id).map(|def| &def.kind) {
            Some(TypeKind::Struct { fields, additional, deny_unknown: false })
                if additional.as_ref().is_none_or(|extra| matches!(extra, TypeRef::Any | TypeRef::String { format: None })) =>
            {
                (properties, fields.iter().map(|field| field.wire_name.as_str()).collect())
            }
            _ => return Fill::Object(properties),
        },
        (_, fill) => return fill,
    };
    for (name, text) in [("error", Text::Message), ("detail", Text::Detail)] {
        if !declared.contains(&name) {
            properties.push((name.to_owned(), Fill::Text { text, min: 0, max: None }));
        }
    }
    Fill::Object(properties)
}

/// Whether a template holds the refusal's message or detail anywhere.
fn carries_text(fill: &Fill) -> bool {
    match fill {
        Fill::Text { .. } => true,
        Fill::Status | Fill::Literal(_) => false,
        Fill::Object(properties) => properties.iter().any(|(_, fill)| carries_text(fill)),
        Fill::Array(items) => items.iter().any(carries_text),
    }
}

/// `ty` through aliases (bounded, so an alias cycle ends).
fn unaliased<'a>(api: &'a Api, mut ty: &'a TypeRef) -> &'a TypeRef {
    for _ in 0..64 {
        match ty {
            TypeRef::Named(id) => match api.types.get(id).map(|def| &def.kind) {
                Some(TypeKind::Alias { ty: target, .. }) => ty = target,
                _ => return ty,
            },
            _ => return ty,
        }
    }
    ty
}

/// Per refused status, the refusal every operation answers alike (the same status and body,
/// whichever response it answers as; answering it unchanged included): only those that change
/// anything, as the first operation plans them.
fn agreed(operations: &[Vec<PlannedRefusal>]) -> Vec<PlannedRefusal> {
    let effective = |plan: &[PlannedRefusal], refused: u16| plan.iter().find(|r| r.refused == refused && r.changes_anything()).cloned();
    let answer = |refusal: &PlannedRefusal| (refusal.status, refusal.body.clone());
    let Some(first) = operations.first() else { return Vec::new() };
    REFUSED
        .iter()
        .filter_map(|refused| {
            let candidate = effective(first, *refused)?;
            let alike = operations.iter().all(|plan| effective(plan, *refused).map(|r| answer(&r)) == Some(answer(&candidate)));
            alike.then_some(candidate)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Templates: a value each schema accepts

/// What a value carries of the refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Carry {
    /// The message (a string; a list holds one item at least).
    Message,
    Detail,
    /// Nothing in particular: the smallest valid value (a string still holds the message).
    Nothing,
}

impl Carry {
    fn text(self) -> Text {
        match self {
            Carry::Detail => Text::Detail,
            Carry::Message | Carry::Nothing => Text::Message,
        }
    }
}

/// What a property's name says it holds: the message (`message`, `error`, `title`, ...), the
/// detail (`detail`, `description`), or nothing (also names about a code, id, type or time).
fn carried_by_name(name: &str) -> Carry {
    let snake = name.to_snake_case();
    let words: Vec<&str> = snake.split('_').filter(|word| !word.is_empty()).collect();
    let any = |list: &[&str]| words.iter().any(|word| list.contains(word));
    if any(&["code", "codes", "id", "type", "status", "time", "timestamp", "at", "count"]) {
        Carry::Nothing
    } else if any(&["detail", "details", "description"]) {
        Carry::Detail
    } else if any(&["message", "messages", "msg", "error", "errors", "err", "title", "reason"]) {
        Carry::Message
    } else {
        Carry::Nothing
    }
}

/// Builds the template of one documented body for an answer with `status`.
struct Filler<'a> {
    api: &'a Api,
    status: u16,
    /// The named types being filled, outermost first: a value that reaches one of them again
    /// is not filled (an optional one is left out, a nullable one is `null`).
    filling: RefCell<Vec<TypeId>>,
    /// Values left to build (see [`MAX_FILLS`]).
    budget: Cell<usize>,
}

impl Filler<'_> {
    /// A template of a value of `ty` within `constraints`; `at` is its JSON pointer in the
    /// body (for the reason when it cannot be filled).
    fn value(&self, ty: &TypeRef, constraints: &Constraints, carry: Carry, at: &str) -> Result<Fill, String> {
        let Some(left) = self.budget.get().checked_sub(1) else {
            return Err(format!("the schema is too large to fill (more than {MAX_FILLS} values)"));
        };
        self.budget.set(left);
        match ty {
            TypeRef::Nullable(inner) => Ok(self.value(inner, constraints, carry, at).unwrap_or(Fill::Literal(serde_json::Value::Null))),
            TypeRef::Boxed(inner) => self.value(inner, constraints, carry, at),
            TypeRef::Named(id) => self.named(id, constraints, carry, at),
            TypeRef::String { format } => string(format.as_deref(), constraints, carry, at),
            TypeRef::Date => literal_text("1970-01-01", constraints, at),
            TypeRef::DateTime => literal_text("1970-01-01T00:00:00Z", constraints, at),
            TypeRef::Uuid => literal_text("00000000-0000-0000-0000-000000000000", constraints, at),
            TypeRef::Byte => {
                // Base64 of zero bytes: four characters per three bytes.
                let length = constraints.min_length.unwrap_or(0).div_ceil(4) * 4;
                literal_text(&"A".repeat(length), constraints, at)
            }
            // Raw bytes inside JSON are a list of bytes.
            TypeRef::Binary => Ok(Fill::Literal(serde_json::json!([]))),
            TypeRef::Integer { .. } => self.number(constraints, true, at),
            TypeRef::Number { .. } => self.number(constraints, false, at),
            TypeRef::Boolean => Ok(Fill::Literal(serde_json::Value::Bool(false))),
            TypeRef::Array(item) => self.array(item, constraints, carry, at),
            TypeRef::Map(_) => match constraints.min_properties {
                Some(min) if min > 0 => Err(format!("`{}` is a map of at least {min} properties", shown(at))),
                _ => Ok(Fill::Literal(serde_json::json!({}))),
            },
            TypeRef::Any => Ok(match carry {
                Carry::Nothing => Fill::Literal(serde_json::Value::Null),
                carry => Fill::Text { text: carry.text(), min: 0, max: None },
            }),
        }
    }

    /// A value of a named type, unless that type is already being filled.
    fn named(&self, id: &TypeId, constraints: &Constraints, carry: Carry, at: &str) -> Result<Fill, String> {
        if self.filling.borrow().contains(id) {
            return Err(format!("`{}` reaches its own type `{id}` again", shown(at)));
        }
        self.filling.borrow_mut().push(id.clone());
        let filled = match self.api.types.get(id).map(|def| &def.kind) {
            Some(TypeKind::Struct { fields, .. }) => self.object(fields, constraints, at),
            Some(TypeKind::Enum { repr, variants }) => Ok(self.enum_value(*repr, variants)),
            Some(TypeKind::OneOf { variants, rule } | TypeKind::AnyOf { variants, rule }) => self.union(variants, rule, carry, at),
            Some(TypeKind::Alias { ty, constraints: own }) => self.value(ty, &merged(constraints, own), carry, at),
            None => Ok(Fill::Literal(serde_json::Value::Null)),
        };
        self.filling.borrow_mut().pop();
        filled
    }

    /// An object: its required properties, and the optional ones whose names say they hold the
    /// message or detail (write-only properties never appear in a response).
    fn object(&self, fields: &[Field], constraints: &Constraints, at: &str) -> Result<Fill, String> {
        let mut properties = Vec::new();
        let mut spare = Vec::new();
        for field in fields.iter().filter(|field| !field.write_only) {
            let carry = carried_by_name(&field.wire_name);
            let ty = if field.nullable { TypeRef::Nullable(Box::new(field.ty.clone())) } else { field.ty.clone() };
            let field_at = crate::pointer::child(at, &field.wire_name);
            let filled = self.value(&ty, &field.constraints, carry, &field_at);
            match (field.required, carry, filled) {
                (true, _, filled) => properties.push((field.wire_name.clone(), filled?)),
                (false, Carry::Message | Carry::Detail, Ok(fill)) => properties.push((field.wire_name.clone(), fill)),
                (false, _, Ok(fill)) => spare.push((field.wire_name.clone(), fill)),
                (false, _, Err(_)) => {}
            }
        }
        let min = constraints.min_properties.unwrap_or(0);
        let mut spare = spare.into_iter();
        while properties.len() < min {
            let Some(property) = spare.next() else {
                return Err(format!("`{}` needs {min} properties and has fewer it can fill", shown(at)));
            };
            properties.push(property);
        }
        if constraints.max_properties.is_some_and(|max| properties.len() > max) {
            return Err(format!("`{}` requires more properties than it allows", shown(at)));
        }
        Ok(Fill::Object(properties))
    }

    /// An enum's value: the status where the enum lists it, else its first value.
    fn enum_value(&self, repr: EnumRepr, variants: &[EnumVariant]) -> Fill {
        let numeric = matches!(repr, EnumRepr::Integer | EnumRepr::Number);
        if numeric && variants.iter().any(|variant| variant.value.as_f64() == Some(f64::from(self.status))) {
            return Fill::Status;
        }
        Fill::Literal(variants.first().map(|variant| variant.value.clone()).unwrap_or(serde_json::Value::Null))
    }

    /// The first alternative that can be filled, with the discriminator value that names it.
    fn union(&self, variants: &[Variant], rule: &UnionRule, carry: Carry, at: &str) -> Result<Fill, String> {
        let mut reasons = Vec::new();
        for variant in variants {
            match self.value(&variant.ty, &Constraints::default(), carry, at) {
                Ok(fill) => match discriminated(fill, rule, &variant.rust_name) {
                    Some(fill) => return Ok(fill),
                    None => reasons.push(format!("`{}` has no discriminator value", variant.rust_name)),
                },
                Err(reason) => reasons.push(reason),
            }
        }
        Err(format!("no alternative of `{}` can be filled: {}", shown(at), reasons.join("; ")))
    }

    /// A list of the fewest items its bounds allow, one at least when it carries the message.
    fn array(&self, item: &TypeRef, constraints: &Constraints, carry: Carry, at: &str) -> Result<Fill, String> {
        let min = constraints.min_items.unwrap_or(0);
        let wanted = if carry == Carry::Nothing { min } else { min.max(1) };
        let count = constraints.max_items.map_or(wanted, |max| wanted.min(max));
        if count < min {
            return Err(format!("`{}` allows fewer items than it requires", shown(at)));
        }
        if count == 0 {
            return Ok(Fill::Array(Vec::new()));
        }
        let item_constraints = constraints.items.as_deref().cloned().unwrap_or_default();
        let filled = self.value(item, &item_constraints, carry, &format!("{at}/0"));
        match filled {
            Err(_) if min == 0 => Ok(Fill::Array(Vec::new())),
            Err(reason) => Err(reason),
            Ok(_) if count > 1 && constraints.unique_items => {
                Err(format!("`{}` needs {count} distinct items (uniqueItems)", shown(at)))
            }
            Ok(fill) => Ok(Fill::Array(vec![fill; count])),
        }
    }

    /// An integer or number: the status where the bounds allow it, else the smallest valid
    /// value.
    fn number(&self, constraints: &Constraints, integer: bool, at: &str) -> Result<Fill, String> {
        let bounds = Bounds::of(constraints);
        if bounds.admits(f64::from(self.status)) {
            return Ok(Fill::Status);
        }
        bounds
            .smallest(integer)
            .map(|value| {
                let json = if integer { serde_json::Value::from(value as i64) } else { serde_json::Value::from(value) };
                Fill::Literal(json)
            })
            .ok_or_else(|| format!("no {} meets the bounds of `{}`", if integer { "integer" } else { "number" }, shown(at)))
    }
}

/// `fill` with the discriminator property set to the value that names `variant`, when the
/// union has a discriminator; `None` when no value names it or the variant is not an object.
fn discriminated(fill: Fill, rule: &UnionRule, variant: &str) -> Option<Fill> {
    let UnionRule::Discriminator(discriminator) = rule else { return Some(fill) };
    let (value, _) = discriminator.mapping.iter().find(|(_, named)| named == variant)?;
    let Fill::Object(mut properties) = fill else { return None };
    let tag = Fill::Literal(serde_json::Value::from(value.clone()));
    match properties.iter_mut().find(|(name, _)| *name == discriminator.property) {
        Some((_, existing)) => *existing = tag,
        None => properties.insert(0, (discriminator.property.clone(), tag)),
    }
    Some(Fill::Object(properties))
}

/// A string: a fixed literal for a format with a grammar, else the refusal's text within the
/// length bounds; for a pattern, the shortest string it matches (see [`pattern_example`]).
fn string(format: Option<&str>, constraints: &Constraints, carry: Carry, at: &str) -> Result<Fill, String> {
    if let Some(pattern) = &constraints.pattern {
        // A format's literal would have to match the pattern too: not attempted.
        let unfilled = || format!("`{}` has a pattern (`{pattern}`) the generator does not fill", shown(at));
        let example = pattern_example(pattern).filter(|_| format.is_none()).ok_or_else(unfilled)?;
        return literal_text(&example, &Constraints { pattern: None, ..constraints.clone() }, at).map_err(|_| unfilled());
    }
    let literal = match format {
        Some("time") => Some("00:00:00Z"),
        Some("duration") => Some("P0D"),
        Some("email") => Some("user@example.com"),
        Some("hostname") => Some("example.com"),
        Some("ipv4") => Some("127.0.0.1"),
        Some("ipv6") => Some("::1"),
        Some("uri") => Some("https://example.com/"),
        Some("uri-reference") => Some("/"),
        _ => None,
    };
    if let Some(literal) = literal {
        return literal_text(literal, constraints, at);
    }
    let min = constraints.min_length.unwrap_or(0);
    if constraints.max_length.is_some_and(|max| max < min) {
        return Err(format!("`{}` allows no length", shown(at)));
    }
    Ok(Fill::Text { text: carry.text(), min, max: constraints.max_length })
}

/// The shortest string `pattern` (a JSON Schema pattern: matched anywhere unless anchored)
/// matches, built from its parse tree: each repetition at its least, the first alternative,
/// from each class a letter or digit where it has one. `None` for what regex-syntax does not
/// read, for assertions other than the start and end of the text, and for repetitions whose
/// least is beyond what a refusal should carry.
fn pattern_example(pattern: &str) -> Option<String> {
    use regex_syntax::hir::{Class, Hir, HirKind, Look};
    const MAX_CHARS: usize = 256;
    fn walk(hir: &Hir, out: &mut String) -> Option<()> {
        match hir.kind() {
            HirKind::Empty => {}
            HirKind::Literal(literal) => out.push_str(std::str::from_utf8(&literal.0).ok()?),
            HirKind::Class(Class::Unicode(class)) => {
                let chars = || class.ranges().iter().flat_map(|range| range.start()..=range.end());
                let preferred = chars().take(4096).find(char::is_ascii_alphanumeric);
                out.push(preferred.or_else(|| chars().take(4096).find(|c| !c.is_control()))?);
            }
            HirKind::Class(Class::Bytes(class)) => out.push(char::from(class.ranges().first().filter(|range| range.start().is_ascii())?.start())),
            HirKind::Look(Look::Start | Look::End | Look::StartLF | Look::EndLF | Look::StartCRLF | Look::EndCRLF) => {}
            HirKind::Look(_) => return None,
            HirKind::Repetition(repetition) => {
                for _ in 0..repetition.min {
                    walk(&repetition.sub, out)?;
                    if out.chars().count() > MAX_CHARS {
                        return None;
                    }
                }
            }
            HirKind::Capture(capture) => walk(&capture.sub, out)?,
            HirKind::Concat(parts) => parts.iter().try_for_each(|part| walk(part, out))?,
            HirKind::Alternation(alternatives) => walk(alternatives.first()?, out)?,
        }
        Some(())
    }
    let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
    let mut out = String::new();
    walk(&hir, &mut out)?;
    (out.chars().count() <= MAX_CHARS).then_some(out)
}

/// A fixed string, when its length is within the bounds.
fn literal_text(text: &str, constraints: &Constraints, at: &str) -> Result<Fill, String> {
    let length = text.chars().count();
    let fits = constraints.min_length.is_none_or(|min| length >= min) && constraints.max_length.is_none_or(|max| length <= max);
    if fits && constraints.pattern.is_none() {
        Ok(Fill::Literal(serde_json::Value::from(text)))
    } else {
        Err(format!("`{}` is a formatted string whose length or pattern the generator does not meet", shown(at)))
    }
}

/// `at` for a message: the root is `/`.
fn shown(at: &str) -> &str {
    if at.is_empty() {
        "/"
    } else {
        at
    }
}

/// A property's own constraints, over those of the alias it names where it states none.
fn merged(own: &Constraints, alias: &Constraints) -> Constraints {
    Constraints {
        minimum: own.minimum.clone().or_else(|| alias.minimum.clone()),
        exclusive_minimum: if own.minimum.is_some() { own.exclusive_minimum } else { alias.exclusive_minimum },
        maximum: own.maximum.clone().or_else(|| alias.maximum.clone()),
        exclusive_maximum: if own.maximum.is_some() { own.exclusive_maximum } else { alias.exclusive_maximum },
        multiple_of: own.multiple_of.clone().or_else(|| alias.multiple_of.clone()),
        min_length: own.min_length.or(alias.min_length),
        max_length: own.max_length.or(alias.max_length),
        pattern: own.pattern.clone().or_else(|| alias.pattern.clone()),
        min_items: own.min_items.or(alias.min_items),
        max_items: own.max_items.or(alias.max_items),
        unique_items: own.unique_items || alias.unique_items,
        min_properties: own.min_properties.or(alias.min_properties),
        max_properties: own.max_properties.or(alias.max_properties),
        items: own.items.clone().or_else(|| alias.items.clone()),
    }
}

/// The numeric bounds of a schema.
struct Bounds {
    minimum: Option<(f64, bool)>,
    maximum: Option<(f64, bool)>,
    multiple_of: Option<f64>,
}

impl Bounds {
    fn of(constraints: &Constraints) -> Self {
        let number = |value: &Option<serde_json::Number>| value.as_ref().and_then(serde_json::Number::as_f64);
        Bounds {
            minimum: number(&constraints.minimum).map(|value| (value, constraints.exclusive_minimum)),
            maximum: number(&constraints.maximum).map(|value| (value, constraints.exclusive_maximum)),
            multiple_of: number(&constraints.multiple_of).filter(|step| *step > 0.0),
        }
    }

    fn admits(&self, value: f64) -> bool {
        let above = self.minimum.is_none_or(|(min, exclusive)| if exclusive { value > min } else { value >= min });
        let below = self.maximum.is_none_or(|(max, exclusive)| if exclusive { value < max } else { value <= max });
        let step = self.multiple_of.is_none_or(|step| {
            let ratio = value / step;
            (ratio - ratio.round()).abs() < 1e-9
        });
        above && below && step
    }

    /// The valid value nearest the lower bound (or zero, or the upper bound when it is
    /// negative), on the step.
    fn smallest(&self, integer: bool) -> Option<f64> {
        let start = match (self.minimum, self.maximum) {
            (Some((min, exclusive)), _) if integer => if exclusive && min.fract() == 0.0 { min + 1.0 } else { min.ceil() },
            (Some((min, false)), _) => min,
            (Some((min, true)), Some((max, _))) => (min + max) / 2.0,
            (Some((min, true)), None) => min + 1.0,
            (None, Some((max, exclusive))) if max <= 0.0 => {
                let top = if exclusive { max - 1.0 } else { max };
                if integer { top.floor() } else { top }
            }
            (None, _) => 0.0,
        };
        let value = match self.multiple_of {
            Some(step) => (start / step).ceil() * step,
            None => start,
        };
        (self.admits(value) && (!integer || value.fract() == 0.0)).then_some(value)
    }
}

// ---------------------------------------------------------------------------------------
// Rendering: the server's `refusals.rs`

/// The server's `refusals.rs` (the document's plan, one static per distinct operation plan and
/// per distinct body template) and, per operation, the static of its plan (`None` when it
/// plans nothing).
pub(super) fn refusals_rs(api: &Api, plans: &RefusalPlans) -> (TokenStream, Vec<Option<Ident>>) {
    let mut statics = Statics::default();
    let document = statics.plan_tokens(&plans.document);
    let per_operation: Vec<Option<Ident>> =
        plans.operations.iter().zip(&api.operations).map(|(plan, op)| statics.operation_plan(plan, &op.id)).collect();
    let fallbacks = fallback_docs(api, plans);
    let stated = api.error_envelope.is_some().then(|| {
        quote! {
            //!
            //! The document states its error envelope (`x-error-envelope`): every refusal is
            //! answered in it, with the status refused.
        }
    });
    let plan_items = statics.plans.iter().enumerate().map(|(index, (_, tokens, users))| {
        let name = format_ident!("PLAN_{index}");
        let doc = format!(" The refusals of {}.", operation_list(users));
        quote! { #[doc = #doc] pub static #name: crate::runtime::refusals::Plan = #tokens; }
    });
    let body_items = statics.bodies.iter().enumerate().map(|(index, (_, tokens))| {
        let name = format_ident!("BODY_{index}");
        quote! { pub static #name: crate::runtime::refusals::Fill = #tokens; }
    });
    let module = quote! {
        //! The refusals the server answers in the spec's own shape (see `runtime::refusals`):
        //! per operation, the status it documents for each refusal and a body its schema accepts.
        #stated
        #fallbacks

        /// For requests no operation takes (unknown paths, wrong methods): what every operation
        /// plans alike.
        pub static DOCUMENT: crate::runtime::refusals::Plan = #document;

        #( #plan_items )*
        #( #body_items )*
    };
    (module, per_operation)
}

/// The operations of a plan for its docs: the first few, and how many more.
fn operation_list(operations: &[String]) -> String {
    const SHOWN: usize = 8;
    let mut shown: Vec<String> = operations.iter().take(SHOWN).map(|id| format!("`{id}`")).collect();
    if operations.len() > SHOWN {
        shown.push(format!("and {} more", operations.len() - SHOWN));
    }
    shown.join(", ")
}

/// Module docs listing the refusals answered in the envelope although their response
/// documents a schema, with the reason.
fn fallback_docs(api: &Api, plans: &RefusalPlans) -> TokenStream {
    let mut lines = Vec::new();
    for (op, plan) in api.operations.iter().zip(&plans.operations) {
        for refusal in plan {
            if let PlannedBody::Envelope { reason: Some(reason) } = &refusal.body {
                lines.push(format!(" * `{}` {} (as {}): {reason}", op.id, refusal.refused, refusal.documented.label()));
            }
        }
    }
    if lines.is_empty() {
        return quote!();
    }
    let head = " Answered in the envelope, as the generator cannot fill the documented schema:".to_owned();
    let lines = std::iter::once(String::new()).chain(std::iter::once(head)).chain(lines);
    quote! { #( #![doc = #lines] )* }
}

/// The distinct plans and bodies, numbered in the order first met.
#[derive(Default)]
struct Statics {
    /// (plan, its tokens, the operations that use it).
    plans: Vec<(Vec<PlannedRefusal>, TokenStream, Vec<String>)>,
    bodies: Vec<(Fill, TokenStream)>,
}

impl Statics {
    /// The static of an operation's plan, added when new; `None` when it changes nothing.
    fn operation_plan(&mut self, plan: &[PlannedRefusal], operation: &str) -> Option<Ident> {
        let effective: Vec<PlannedRefusal> = plan.iter().filter(|r| r.changes_anything()).cloned().collect();
        if effective.is_empty() {
            return None;
        }
        let index = match self.plans.iter().position(|(known, _, _)| *known == effective) {
            Some(index) => index,
            None => {
                let tokens = self.plan_tokens(&effective);
                self.plans.push((effective, tokens, Vec::new()));
                self.plans.len() - 1
            }
        };
        self.plans[index].2.push(operation.to_owned());
        Some(format_ident!("PLAN_{index}"))
    }

    /// A `Plan { .. }` expression of the refusals that change anything.
    fn plan_tokens(&mut self, plan: &[PlannedRefusal]) -> TokenStream {
        let entries: Vec<TokenStream> = plan
            .iter()
            .filter(|refusal| refusal.changes_anything())
            .map(|refusal| {
                let (refused, status) = (Literal::u16_unsuffixed(refusal.refused), Literal::u16_unsuffixed(refusal.status));
                let body = self.body_tokens(&refusal.body);
                quote!(crate::runtime::refusals::Planned { refused: #refused, status: #status, body: #body })
            })
            .collect();
        quote!(crate::runtime::refusals::Plan { entries: &[ #( #entries ),* ] })
    }

    fn body_tokens(&mut self, body: &PlannedBody) -> TokenStream {
        match body {
            PlannedBody::Envelope { .. } => quote!(crate::runtime::refusals::Body::Envelope),
            PlannedBody::Text { media_type } => quote!(crate::runtime::refusals::Body::Text { media_type: #media_type }),
            PlannedBody::Json { media_type, fill } => {
                let name = self.body_static(fill);
                quote!(crate::runtime::refusals::Body::Json { media_type: #media_type, fill: &#name })
            }
        }
    }

    /// The static holding `fill`, added when new.
    fn body_static(&mut self, fill: &Fill) -> Ident {
        let index = match self.bodies.iter().position(|(known, _)| known == fill) {
            Some(index) => index,
            None => {
                self.bodies.push((fill.clone(), fill_tokens(fill)));
                self.bodies.len() - 1
            }
        };
        format_ident!("BODY_{index}")
    }
}

fn fill_tokens(fill: &Fill) -> TokenStream {
    match fill {
        Fill::Text { text, min, max } => {
            let text = match text {
                Text::Message => quote!(crate::runtime::refusals::Text::Message),
                Text::Detail => quote!(crate::runtime::refusals::Text::Detail),
            };
            let min = Literal::usize_unsuffixed(*min);
            let max = match max {
                Some(max) => {
                    let max = Literal::usize_unsuffixed(*max);
                    quote!(Some(#max))
                }
                None => quote!(None),
            };
            quote!(crate::runtime::refusals::Fill::Text { text: #text, min: #min, max: #max })
        }
        Fill::Status => quote!(crate::runtime::refusals::Fill::Status),
        Fill::Literal(value) => {
            let json = Literal::string(&value.to_string());
            quote!(crate::runtime::refusals::Fill::Json(#json))
        }
        Fill::Object(properties) => {
            let properties = properties.iter().map(|(name, fill)| {
                let fill = fill_tokens(fill);
                quote!((#name, #fill))
            });
            quote!(crate::runtime::refusals::Fill::Object(&[ #( #properties ),* ]))
        }
        Fill::Array(items) => {
            let items = items.iter().map(fill_tokens);
            quote!(crate::runtime::refusals::Fill::Array(&[ #( #items ),* ]))
        }
    }
}
