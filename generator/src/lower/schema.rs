//! Schemas to types: component schemas become named types; inline schemas become named types
//! when they need a name (objects with properties, enums, unions) and plain [`TypeRef`]s
//! otherwise.

use std::collections::BTreeSet;

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, Components, ReferenceOr, Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
};
use serde_json::Value;

use super::names::{self, NameAllocator};
use super::refs::TypeRefResult;
use super::Lowerer;
use crate::pointer::{child, escape_token, grandchild};
use crate::ir::{
    Constraints, Discriminator, EnumRepr, UnionRule, EnumVariant, Field, TypeDef, TypeId, TypeKind, TypeRef, Usage, Variant,
};

/// A schema or a `$ref` to one, whichever box it came in.
#[derive(Clone, Copy)]
pub(super) enum SchemaSite<'d> {
    Ref(&'d str),
    Inline(&'d Schema),
}

impl<'d> SchemaSite<'d> {
    pub fn of(schema: &'d ReferenceOr<Schema>) -> Self {
        match schema {
            ReferenceOr::Reference { reference } => SchemaSite::Ref(reference),
            ReferenceOr::Item(schema) => SchemaSite::Inline(schema),
        }
    }

    pub fn of_boxed(schema: &'d ReferenceOr<Box<Schema>>) -> Self {
        match schema {
            ReferenceOr::Reference { reference } => SchemaSite::Ref(reference),
            ReferenceOr::Item(schema) => SchemaSite::Inline(schema),
        }
    }
}

/// How a schema that needs a name gets one.
#[derive(Clone)]
pub(super) enum Naming {
    /// A component schema: its id was assigned up front.
    Fixed(TypeId),
    /// An inline schema: allocate from this wanted name if a named type is made.
    Fresh(String),
}

/// The parts of a schema lowering looks at, whichever `SchemaKind` openapiv3 parsed it into.
#[derive(Default)]
struct View<'d> {
    typ: Option<&'d str>,
    format: Option<&'d str>,
    enumeration: Vec<Value>,
    properties: Option<&'d IndexMap<String, ReferenceOr<Box<Schema>>>>,
    required: &'d [String],
    additional: Option<&'d AdditionalProperties>,
    items: Option<&'d ReferenceOr<Box<Schema>>>,
    one_of: &'d [ReferenceOr<Schema>],
    any_of: &'d [ReferenceOr<Schema>],
    all_of: &'d [ReferenceOr<Schema>],
    has_not: bool,
    constraints: Constraints,
}

fn format_name<T: Copy>(format: &VariantOrUnknownOrEmpty<T>, known: impl Fn(T) -> &'static str) -> Option<&str> {
    match format {
        VariantOrUnknownOrEmpty::Item(item) => Some(known(*item)),
        VariantOrUnknownOrEmpty::Unknown(text) => Some(text.as_str()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

fn number(value: f64) -> Option<serde_json::Number> {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        Some(serde_json::Number::from(value as i64))
    } else {
        serde_json::Number::from_f64(value)
    }
}

fn view(schema: &Schema) -> View<'_> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => View {
            typ: Some("string"),
            format: format_name(&s.format, |f| match f {
                StringFormat::Date => "date",
                StringFormat::DateTime => "date-time",
                StringFormat::Password => "password",
                StringFormat::Byte => "byte",
                StringFormat::Binary => "binary",
            }),
            enumeration: s.enumeration.iter().map(|v| v.clone().map_or(Value::Null, Value::String)).collect(),
            constraints: Constraints {
                min_length: s.min_length,
                max_length: s.max_length,
                pattern: s.pattern.clone(),
                ..Constraints::default()
            },
            ..View::default()
        },
        SchemaKind::Type(Type::Number(n)) => View {
            typ: Some("number"),
            format: format_name(&n.format, |f| match f {
                openapiv3::NumberFormat::Float => "float",
                openapiv3::NumberFormat::Double => "double",
            }),
            enumeration: n
                .enumeration
                .iter()
                .map(|v| v.and_then(number).map_or(Value::Null, Value::Number))
                .collect(),
            constraints: Constraints {
                minimum: n.minimum.and_then(number),
                exclusive_minimum: n.exclusive_minimum,
                maximum: n.maximum.and_then(number),
                exclusive_maximum: n.exclusive_maximum,
                multiple_of: n.multiple_of.and_then(number),
                ..Constraints::default()
            },
            ..View::default()
        },
        SchemaKind::Type(Type::Integer(i)) => View {
            typ: Some("integer"),
            format: format_name(&i.format, |f| match f {
                openapiv3::IntegerFormat::Int32 => "int32",
                openapiv3::IntegerFormat::Int64 => "int64",
            }),
            enumeration: i.enumeration.iter().map(|v| v.map_or(Value::Null, |n| Value::Number(n.into()))).collect(),
            constraints: Constraints {
                minimum: i.minimum.map(Into::into),
                exclusive_minimum: i.exclusive_minimum,
                maximum: i.maximum.map(Into::into),
                exclusive_maximum: i.exclusive_maximum,
                multiple_of: i.multiple_of.map(Into::into),
                ..Constraints::default()
            },
            ..View::default()
        },
        SchemaKind::Type(Type::Boolean(b)) => View {
            typ: Some("boolean"),
            enumeration: b.enumeration.iter().map(|v| v.map_or(Value::Null, Value::Bool)).collect(),
            ..View::default()
        },
        SchemaKind::Type(Type::Object(o)) => View {
            typ: Some("object"),
            properties: (!o.properties.is_empty()).then_some(&o.properties),
            required: &o.required,
            additional: o.additional_properties.as_ref(),
            constraints: Constraints {
                min_properties: o.min_properties,
                max_properties: o.max_properties,
                ..Constraints::default()
            },
            ..View::default()
        },
        SchemaKind::Type(Type::Array(a)) => View {
            typ: Some("array"),
            items: a.items.as_ref(),
            constraints: Constraints {
                min_items: a.min_items,
                max_items: a.max_items,
                unique_items: a.unique_items,
                items: item_constraints(a.items.as_ref()),
                ..Constraints::default()
            },
            ..View::default()
        },
        SchemaKind::OneOf { one_of } => View { one_of, ..View::default() },
        SchemaKind::AnyOf { any_of } => View { any_of, ..View::default() },
        SchemaKind::AllOf { all_of } => View { all_of, ..View::default() },
        SchemaKind::Not { .. } => View { has_not: true, ..View::default() },
        SchemaKind::Any(any) => View {
            typ: any.typ.as_deref(),
            format: any.format.as_deref(),
            enumeration: any.enumeration.clone(),
            properties: (!any.properties.is_empty()).then_some(&any.properties),
            required: &any.required,
            additional: any.additional_properties.as_ref(),
            items: any.items.as_ref(),
            one_of: &any.one_of,
            any_of: &any.any_of,
            all_of: &any.all_of,
            has_not: any.not.is_some(),
            constraints: Constraints {
                minimum: any.minimum.and_then(number),
                exclusive_minimum: any.exclusive_minimum.unwrap_or(false),
                maximum: any.maximum.and_then(number),
                exclusive_maximum: any.exclusive_maximum.unwrap_or(false),
                multiple_of: any.multiple_of.and_then(number),
                min_length: any.min_length,
                max_length: any.max_length,
                pattern: any.pattern.clone(),
                min_items: any.min_items,
                max_items: any.max_items,
                unique_items: any.unique_items.unwrap_or(false),
                min_properties: any.min_properties,
                max_properties: any.max_properties,
                items: item_constraints(any.items.as_ref()),
            },
        },
    }
}

fn item_constraints(items: Option<&ReferenceOr<Box<Schema>>>) -> Option<Box<Constraints>> {
    match items {
        Some(ReferenceOr::Item(item)) => {
            let constraints = view(item).constraints;
            (!constraints.is_empty()).then(|| Box::new(constraints))
        }
        _ => None,
    }
}

/// The validation rules a schema states about its own value (not its properties'), with
/// those of its inline `allOf` members (`allOf: [{type: string, maxLength: 5}, {pattern: …}]`
/// is one string with both rules); referenced members keep theirs on their own type.
pub(super) fn constraints_of(site: SchemaSite<'_>) -> Constraints {
    match site {
        SchemaSite::Inline(schema) => {
            let mut merged = view(schema).constraints;
            merge_member_constraints(schema, &mut merged, 0);
            merged
        }
        SchemaSite::Ref(_) => Constraints::default(),
    }
}

fn merge_member_constraints(schema: &Schema, into: &mut Constraints, depth: usize) {
    const MAX_DEPTH: usize = 16;
    if depth > MAX_DEPTH {
        return;
    }
    for member in view(schema).all_of {
        if let ReferenceOr::Item(member) = member {
            tighten(into, &view(member).constraints);
            merge_member_constraints(member, into, depth + 1);
        }
    }
}

/// Adds `other`'s rules to `into`, keeping the tighter bound where both state one (and the
/// first `pattern`; lowering warns about a second).
fn tighten(into: &mut Constraints, other: &Constraints) {
    let as_f64 = |n: &Option<serde_json::Number>| n.as_ref().and_then(serde_json::Number::as_f64);
    if other.minimum.is_some() && (into.minimum.is_none() || as_f64(&other.minimum) > as_f64(&into.minimum)) {
        (into.minimum, into.exclusive_minimum) = (other.minimum.clone(), other.exclusive_minimum);
    }
    if other.maximum.is_some() && (into.maximum.is_none() || as_f64(&other.maximum) < as_f64(&into.maximum)) {
        (into.maximum, into.exclusive_maximum) = (other.maximum.clone(), other.exclusive_maximum);
    }
    into.multiple_of = into.multiple_of.take().or_else(|| other.multiple_of.clone());
    let larger = |a: Option<usize>, b: Option<usize>| a.max(b);
    let smaller = |a: Option<usize>, b: Option<usize>| match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    into.min_length = larger(into.min_length, other.min_length);
    into.max_length = smaller(into.max_length, other.max_length);
    into.min_items = larger(into.min_items, other.min_items);
    into.max_items = smaller(into.max_items, other.max_items);
    into.min_properties = larger(into.min_properties, other.min_properties);
    into.max_properties = smaller(into.max_properties, other.max_properties);
    into.unique_items |= other.unique_items;
    into.pattern = into.pattern.take().or_else(|| other.pattern.clone());
    if into.items.is_none() {
        into.items = other.items.clone();
    }
}

/// Whether `null` is a value of the schema, however it says so: `nullable: true` (3.1's
/// `type: [X, "null"]` arrives as that), `null` among the enum values, a `{type: "null"}` or
/// nullable member of a `oneOf`/`anyOf`, or in an `allOf` an annotation member with `nullable:
/// true` (the common `allOf: [{$ref: X}, {nullable: true}]`) or the one member that states a
/// shape. `$ref`s are followed through `components`, to a bounded depth.
/// `allOf` merges lowered inside each other before lowering refuses the schema: far beyond any
/// real document, and well within a 2 MiB thread stack in a debug build.
pub(super) const MAX_ALL_OF_NESTING: usize = 24;

pub(super) fn is_nullable(schema: &Schema, components: Option<&Components>) -> bool {
    nullable_within(schema, components, 0)
}

fn nullable_within(schema: &Schema, components: Option<&Components>, depth: usize) -> bool {
    const MAX_DEPTH: usize = 16;
    if depth > MAX_DEPTH {
        return false;
    }
    let member_nullable = |member: &ReferenceOr<Schema>| match member {
        ReferenceOr::Item(member) => nullable_within(member, components, depth + 1),
        ReferenceOr::Reference { reference } => component_schema(components, reference)
            .is_some_and(|target| nullable_within(target, components, depth + 1)),
    };
    let v = view(schema);
    if schema.schema_data.nullable || v.enumeration.iter().any(Value::is_null) {
        return true;
    }
    if !v.one_of.is_empty() || !v.any_of.is_empty() {
        return v.one_of.iter().chain(v.any_of).any(|member| is_null_member(member) || member_nullable(member));
    }
    let annotation = |member: &ReferenceOr<Schema>| {
        matches!(member, ReferenceOr::Item(member) if is_annotation_only(&view(member)) && view(member).all_of.is_empty())
    };
    let says_nullable = |member: &ReferenceOr<Schema>| matches!(member, ReferenceOr::Item(m) if m.schema_data.nullable);
    if v.all_of.iter().any(|member| annotation(member) && says_nullable(member)) {
        return true;
    }
    match v.all_of.iter().filter(|member| !annotation(member)).collect::<Vec<_>>().as_slice() {
        [only] if !states_shape(&v) => member_nullable(only),
        _ => false,
    }
}

/// The schema a `#/components/schemas/...` reference names, if any (chains not followed).
fn component_schema<'c>(components: Option<&'c Components>, reference: &str) -> Option<&'c Schema> {
    let name = reference.strip_prefix("#/components/schemas/")?;
    let name = name.replace("~1", "/").replace("~0", "~");
    components?.schemas.get(&name)?.as_item()
}

/// `{type: "null"}` or `{nullable: true}` (annotations aside): a `oneOf`/`anyOf` member that
/// only says `null` is allowed.
fn is_null_member(member: &ReferenceOr<Schema>) -> bool {
    match member {
        // `anyOf: [{$ref: X}, {nullable: true}]`: 3.0's way of saying "X or null" (a member
        // with no type would otherwise admit anything, which is not what was meant).
        ReferenceOr::Item(schema)
            if schema.schema_data.nullable && is_annotation_only(&view(schema)) && view(schema).all_of.is_empty() =>
        {
            true
        }
        ReferenceOr::Item(schema) => match &schema.schema_kind {
            SchemaKind::Any(any) => {
                any.typ.as_deref() == Some("null")
                    && any.properties.is_empty()
                    && any.items.is_none()
                    && any.one_of.is_empty()
                    && any.any_of.is_empty()
                    && any.all_of.is_empty()
            }
            _ => false,
        },
        ReferenceOr::Reference { .. } => false,
    }
}

/// True when lowering the site may create a named type, so it needs a wanted name; a `$ref`
/// or a plain primitive never does, and building names for them is most of the naming cost.
pub(super) fn may_create_type(site: SchemaSite<'_>) -> bool {
    match site {
        SchemaSite::Ref(_) => false,
        SchemaSite::Inline(schema) => match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => !s.enumeration.is_empty(),
            SchemaKind::Type(Type::Number(n)) => !n.enumeration.is_empty(),
            SchemaKind::Type(Type::Integer(i)) => !i.enumeration.is_empty(),
            SchemaKind::Type(Type::Boolean(_)) => false,
            SchemaKind::Type(Type::Array(a)) => a.items.as_ref().is_some_and(|items| may_create_type(SchemaSite::of_boxed(items))),
            SchemaKind::Type(Type::Object(o)) => {
                !o.properties.is_empty()
                    || matches!(&o.additional_properties, Some(AdditionalProperties::Schema(extra)) if may_create_type(SchemaSite::of(extra)))
            }
            _ => true,
        },
    }
}

/// True when the schema states a shape: a type, properties, items, values or variants. Its
/// own `allOf` is not looked at: callers have either flattened it or checked it.
fn states_shape(v: &View<'_>) -> bool {
    v.typ.is_some()
        || v.properties.is_some()
        || v.additional.is_some()
        || v.items.is_some()
        || !v.enumeration.is_empty()
        || !v.one_of.is_empty()
        || !v.any_of.is_empty()
}

/// True when the schema only annotates (description, nullable, ...), as the extra members of
/// `allOf: [{$ref}, {description: ...}]` do. A `required` list is not an annotation: it
/// changes the merged object.
fn is_annotation_only(v: &View<'_>) -> bool {
    !states_shape(v) && v.required.is_empty()
}

/// True when every `oneOf`/`anyOf` member is an inline schema stating no shape of its own
/// (typically only `required`).
fn only_requirement_alternatives(v: &View<'_>) -> bool {
    v.one_of.iter().chain(v.any_of).all(|member| match member {
        ReferenceOr::Item(member) => {
            let member_view = view(member);
            !states_shape(&member_view) && member_view.all_of.is_empty()
        }
        ReferenceOr::Reference { .. } => false,
    })
}

/// When every shaped `allOf` member is the same primitive type (no unions), the member that
/// says most about the value: the one with the enum (the referenced one when several have
/// one), else one with a format, else the first.
fn same_primitive_member<'p, 'd>(shaped: &[&'p Part<'d>]) -> Option<&'p Part<'d>> {
    let views: Vec<View<'_>> = shaped.iter().map(|p| view(p.schema)).collect();
    let first = views.first()?.typ?;
    let primitive = matches!(first, "string" | "integer" | "number" | "boolean");
    let uniform = views.iter().all(|v| {
        v.typ == Some(first) && v.one_of.is_empty() && v.any_of.is_empty() && v.properties.is_none() && v.items.is_none()
    });
    if !primitive || !uniform {
        return None;
    }
    let enums: Vec<usize> = (0..views.len()).filter(|&i| !views[i].enumeration.is_empty()).collect();
    let index = match enums.as_slice() {
        [] => views.iter().position(|v| v.format.is_some()).unwrap_or(0),
        [only] => *only,
        // `allOf: [{$ref: Kind}, {type: integer, enum: [2, 3]}]`: the referenced enum is the
        // type, the others only narrow it (the caller warns).
        several => match several.iter().filter(|&&i| shaped[i].component.is_some()).collect::<Vec<_>>().as_slice() {
            [component] => **component,
            _ => return None,
        },
    };
    shaped.get(index).copied()
}

/// True for a `oneOf`/`anyOf`.
fn is_union(v: &View<'_>) -> bool {
    !v.one_of.is_empty() || !v.any_of.is_empty()
}

/// Whether two `type`s share values (every integer is a number).
fn same_json_type(a: &str, b: &str) -> bool {
    a == b || matches!((a, b), ("integer", "number") | ("number", "integer"))
}

fn is_object_like(v: &View<'_>) -> bool {
    matches!(v.typ, None | Some("object"))
        && v.items.is_none()
        && v.enumeration.is_empty()
        && v.one_of.is_empty()
        && v.any_of.is_empty()
}

/// One member of a flattened `allOf`, with the name its inline property types are named after.
#[derive(Clone)]
struct Part<'d> {
    schema: &'d Schema,
    at: String,
    owner: String,
    /// The component it came from, when reached through a `$ref`.
    component: Option<&'d str>,
}

impl<'d> Lowerer<'d> {
    /// Assigns every component schema its type name before anything else is named, so that
    /// components keep their natural names and inline schemas yield to them.
    pub(super) fn assign_component_schema_ids(&mut self) {
        let Some(components) = &self.doc.components else { return };
        let mut sorted: Vec<&'d String> = components.schemas.keys().collect();
        sorted.sort();
        let group: Vec<(String, String)> =
            sorted.iter().map(|name| ((*name).clone(), names::camel(name, "Type", "Type"))).collect();
        let assigned = names::allocate_group(&group, &mut self.type_names);
        for (name, id) in sorted.into_iter().zip(assigned) {
            self.schema_ids.insert(name.as_str(), TypeId(id));
        }
    }

    /// Lowers every component schema, in name order, to the type with its assigned id.
    pub(super) fn lower_component_schemas(&mut self) {
        let Some(components) = &self.doc.components else { return };
        let mut sorted: Vec<(&'d String, &'d ReferenceOr<Schema>)> = components.schemas.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        for (name, schema) in sorted {
            let Some(id) = self.schema_ids.get(name.as_str()).cloned() else { continue };
            let at = child("/components/schemas", name);
            let site = SchemaSite::of(schema);
            let lowered = self.lower_site(site, &at, Naming::Fixed(id.clone()));
            if lowered.ty == TypeRef::Named(id.clone()) && !self.types.contains_key(&id) {
                self.error(at, format!("schema `{name}` is defined as itself"));
                continue;
            }
            if !self.types.contains_key(&id) {
                let (description, deprecated) = match schema {
                    ReferenceOr::Item(s) => (s.schema_data.description.clone(), s.schema_data.deprecated),
                    ReferenceOr::Reference { .. } => (None, false),
                };
                let constraints = constraints_of(site);
                self.insert_type(id, at, description, deprecated, TypeKind::Alias { ty: lowered.ty, constraints });
            }
        }
    }

    /// `snake_case` field name, memoized: real specs repeat the same property names thousands
    /// of times.
    fn field_name(&mut self, wire: &str) -> String {
        if let Some(known) = self.field_names.get(wire) {
            return known.clone();
        }
        let name = names::snake(wire, "field");
        self.field_names.insert(wire.to_owned(), name.clone());
        name
    }

    fn insert_type(&mut self, id: TypeId, origin: String, description: Option<String>, deprecated: bool, kind: TypeKind) {
        self.types.insert(
            id.clone(),
            TypeDef { id, origin, description, deprecated, usage: Usage::default(), kind },
        );
    }

    fn name_for(&mut self, naming: &Naming) -> TypeId {
        match naming {
            Naming::Fixed(id) => id.clone(),
            Naming::Fresh(wanted) => TypeId(self.type_names.allocate(wanted)),
        }
    }

    /// Lowers a schema or reference found at `at`; inline schemas that need a name are named
    /// per `naming`.
    pub(super) fn lower_site(&mut self, site: SchemaSite<'d>, at: &str, naming: Naming) -> TypeRefResult {
        match site {
            SchemaSite::Ref(reference) => self.schema_reference_type(reference, at),
            SchemaSite::Inline(schema) => {
                let nullable = is_nullable(schema, self.doc.components.as_ref());
                let address = schema as *const Schema as usize;
                if let Naming::Fresh(_) = naming {
                    if let Some(known) = self.inline_types.get(&address) {
                        return known.clone();
                    }
                }
                let mut ty = self.lower_schema(schema, at, naming.clone());
                let mut nullable = nullable;
                // Keep nullability in the flag, never at the top of the type (a single-member
                // union of a nullable member comes back wrapped).
                if let TypeRef::Nullable(inner) = ty {
                    ty = *inner;
                    nullable = true;
                }
                if let (Naming::Fresh(_), TypeRef::Named(_)) = (&naming, &ty) {
                    self.inline_types.insert(address, TypeRefResult { ty: ty.clone(), nullable });
                }
                // A component (or allOf) that is itself a nullable `$ref` wrapper reports
                // nullability through its own flag; the inner result may also be nullable.
                TypeRefResult { ty, nullable }
            }
        }
    }

    /// Bounds no value can meet (`minimum` above `maximum`, `minLength` above `maxLength`, ...)
    /// are errors here rather than values that can never be built or accepted.
    fn check_satisfiable(&mut self, c: &Constraints, at: &str) {
        if let (Some(low), Some(high)) = (c.minimum.as_ref().and_then(|n| n.as_f64()), c.maximum.as_ref().and_then(|n| n.as_f64())) {
            if low > high || (low == high && (c.exclusive_minimum || c.exclusive_maximum)) {
                let message = format!("no number satisfies minimum {low} and maximum {high}{}", if low == high { " when either is exclusive" } else { "" });
                self.error(child(at, "minimum"), message);
            }
        }
        let pairs = [
            (c.min_length, c.max_length, "minLength", "maxLength"),
            (c.min_items, c.max_items, "minItems", "maxItems"),
            (c.min_properties, c.max_properties, "minProperties", "maxProperties"),
        ];
        for (low, high, low_name, high_name) in pairs {
            if let (Some(low), Some(high)) = (low, high) {
                if low > high {
                    self.error(child(at, low_name), format!("no value satisfies {low_name} {low} and {high_name} {high}"));
                }
            }
        }
    }

    fn lower_schema(&mut self, schema: &'d Schema, at: &str, naming: Naming) -> TypeRef {
        self.lower_view(schema, view(schema), at, naming)
    }

    fn lower_view(&mut self, schema: &'d Schema, v: View<'d>, at: &str, naming: Naming) -> TypeRef {
        self.check_satisfiable(&v.constraints, at);
        if v.has_not {
            self.warn(child(at, "not"), "`not` cannot be expressed as a type; the value is accepted as any JSON");
        }
        if schema.schema_data.discriminator.is_some() && v.one_of.is_empty() && v.any_of.is_empty() {
            self.warn(
                child(at, "discriminator"),
                "a discriminator outside `oneOf`/`anyOf` is used only by unions whose variants all extend this schema through `allOf`; elsewhere it is ignored",
            );
        }
        if !v.all_of.is_empty() {
            return self.lower_all_of(schema, &v, at, naming);
        }
        if !v.one_of.is_empty() || !v.any_of.is_empty() {
            if v.properties.is_some() && only_requirement_alternatives(&v) {
                // `properties` + `anyOf: [{required: [a]}, {required: [b]}]`: the members
                // only say which properties must be present; the type is the object.
                let keyword = if v.one_of.is_empty() { "anyOf" } else { "oneOf" };
                self.warn(
                    child(at, keyword),
                    format!("`{keyword}` members that only list required properties are not enforced; all listed properties are optional"),
                );
                let mut object_view = v;
                object_view.one_of = &[];
                object_view.any_of = &[];
                return self.lower_view(schema, object_view, at, naming);
            }
            return self.lower_union(schema, &v, at, naming);
        }
        if v.typ == Some("array") && v.enumeration.iter().any(|value| !value.is_null()) {
            // Almost always meant for the items; an enum of whole arrays is not a Rust type.
            self.warn(child(at, "enum"), "`enum` on `type: array` is not enforced; state it on `items`");
        }
        // `enum: [null]` says only that the value may be null (see `is_nullable`): no enum type.
        if v.enumeration.iter().any(|value| !value.is_null()) && !matches!(v.typ, Some("boolean" | "array")) {
            return self.lower_enum(schema, &v, at, naming);
        }
        match v.typ {
            Some("string") => string_type(v.format),
            Some("integer") => TypeRef::Integer { format: v.format.map(str::to_owned) },
            Some("number") => TypeRef::Number { format: v.format.map(str::to_owned) },
            Some("boolean") => TypeRef::Boolean,
            Some("array") => {
                let item = match v.items {
                    Some(items) => {
                        let item_naming = Naming::Fresh(format!("{}Item", wanted_name(&naming)));
                        self.lower_site(SchemaSite::of_boxed(items), &child(at, "items"), item_naming).folded()
                    }
                    None => TypeRef::Any,
                };
                TypeRef::Array(Box::new(item))
            }
            Some("object") | None if v.properties.is_some() => {
                self.lower_struct(schema, &[Part { schema, at: at.to_owned(), owner: String::new(), component: None }], at, naming)
            }
            Some("object") | None if v.additional.is_some() || v.typ.is_some() => self.lower_map(v.additional, at, &naming),
            None => TypeRef::Any,
            Some(other) => {
                self.error(child(at, "type"), format!("`type: {other}` is not an OpenAPI 3.0 type"));
                TypeRef::Any
            }
        }
    }

    /// An object without properties: a map of its `additionalProperties`.
    fn lower_map(&mut self, additional: Option<&'d AdditionalProperties>, at: &str, naming: &Naming) -> TypeRef {
        match additional {
            None | Some(AdditionalProperties::Any(_)) => TypeRef::Map(Box::new(TypeRef::Any)),
            Some(AdditionalProperties::Schema(schema)) => {
                let value_naming = Naming::Fresh(format!("{}Value", wanted_name(naming)));
                let value = self.lower_site(SchemaSite::of(schema), &child(at, "additionalProperties"), value_naming);
                TypeRef::Map(Box::new(value.folded()))
            }
        }
    }

    /// A struct from one or more object parts (more than one for a merged `allOf`).
    fn lower_struct(&mut self, schema: &'d Schema, parts: &[Part<'d>], at: &str, naming: Naming) -> TypeRef {
        let id = self.name_for(&naming);
        // Merge properties in order of appearance; a later part restating a property wins.
        let mut merged: IndexMap<&'d str, (SchemaSite<'d>, String, String)> = IndexMap::new();
        let mut required: Vec<&'d str> = Vec::new();
        let mut additional: Option<(&'d AdditionalProperties, String, String)> = None;
        for part in parts {
            let v = view(part.schema);
            let owner = if part.owner.is_empty() { id.0.clone() } else { part.owner.clone() };
            if let Some(properties) = v.properties {
                for (name, property) in properties {
                    let site = SchemaSite::of_boxed(property);
                    let property_at = grandchild(&part.at, "properties", name);
                    merged.insert(name.as_str(), (site, property_at, owner.clone()));
                }
            }
            required.extend(v.required.iter().map(String::as_str));
            if let Some(extra) = v.additional {
                additional = Some((extra, child(&part.at, "additionalProperties"), owner.clone()));
            }
        }
        for name in &required {
            if !merged.contains_key(name) {
                // Required but undescribed: allowed by JSON Schema, nothing to generate.
                self.warn(child(at, "required"), format!("required property `{name}` is not described under `properties` and is ignored"));
            }
        }
        let group: Vec<(String, String)> =
            merged.keys().map(|name| ((*name).to_owned(), self.field_name(name))).collect();
        let rust_names = names::allocate_group(&group, &mut NameAllocator::snake_case());
        let mut fields = Vec::with_capacity(merged.len());
        for ((wire_name, (site, property_at, owner)), rust_name) in merged.into_iter().zip(rust_names) {
            let wanted = if may_create_type(site) {
                format!("{owner}{}", names::camel(wire_name, "Field", "Field"))
            } else {
                String::new()
            };
            let lowered = self.lower_site(site, &property_at, Naming::Fresh(wanted));
            let (description, deprecated, read_only, write_only, default) = match site {
                SchemaSite::Inline(s) => (
                    s.schema_data.description.clone(),
                    s.schema_data.deprecated,
                    s.schema_data.read_only,
                    s.schema_data.write_only,
                    s.schema_data.default.clone(),
                ),
                SchemaSite::Ref(_) => (None, false, false, false, None),
            };
            fields.push(Field {
                wire_name: wire_name.to_owned(),
                rust_name,
                ty: lowered.ty,
                required: required.contains(&wire_name),
                nullable: lowered.nullable,
                read_only,
                write_only,
                deprecated,
                default,
                description,
                constraints: constraints_of(site),
            });
        }
        let deny_unknown = matches!(additional, Some((AdditionalProperties::Any(false), _, _)));
        let additional = match additional {
            None | Some((AdditionalProperties::Any(false), _, _)) => None,
            Some((AdditionalProperties::Any(true), _, _)) => Some(TypeRef::Any),
            Some((AdditionalProperties::Schema(extra), extra_at, owner)) => {
                let naming = Naming::Fresh(format!("{owner}Value"));
                Some(self.lower_site(SchemaSite::of(extra), &extra_at, naming).folded())
            }
        };
        let kind = TypeKind::Struct { fields, additional, deny_unknown };
        self.insert_type(id.clone(), at.to_owned(), schema.schema_data.description.clone(), schema.schema_data.deprecated, kind);
        TypeRef::Named(id)
    }

    fn lower_all_of(&mut self, schema: &'d Schema, v: &View<'d>, at: &str, naming: Naming) -> TypeRef {
        if self.all_of_depth >= MAX_ALL_OF_NESTING {
            let message = format!("`allOf` merges nest deeper than {MAX_ALL_OF_NESTING} levels here; the schema reaches itself through its own members");
            self.error(child(at, "allOf"), message);
            return TypeRef::Any;
        }
        self.all_of_depth += 1;
        let lowered = self.lower_all_of_members(schema, v, at, naming);
        self.all_of_depth -= 1;
        lowered
    }

    fn lower_all_of_members(&mut self, schema: &'d Schema, v: &View<'d>, at: &str, naming: Naming) -> TypeRef {
        let mut parts = Vec::new();
        let mut visiting = Vec::new();
        self.flatten_all_of(schema, at, String::new(), None, &mut parts, &mut visiting);
        let shaped: Vec<&Part<'d>> = parts.iter().filter(|p| !is_annotation_only(&view(p.schema))).collect();
        let direct_members: Vec<&ReferenceOr<Schema>> = v
            .all_of
            .iter()
            .filter(|m| !matches!(m, ReferenceOr::Item(s) if is_annotation_only(&view(s)) && view(s).all_of.is_empty()))
            .collect();
        // `allOf: [{$ref: X}]` (plus annotations, or keywords beside it that only narrow X) is X
        // itself: no new type.
        if let ([ReferenceOr::Reference { reference }], true) = (direct_members.as_slice(), v.properties.is_none()) {
            let member_at = grandchild(at, "allOf", "0");
            if let Some(target) = shaped.iter().find(|p| p.component.is_some()) {
                self.check_narrowing(v, &view(target.schema), at);
            }
            return self.schema_reference_type(reference, &member_at).ty;
        }
        if shaped.iter().all(|p| is_object_like(&view(p.schema))) {
            if !parts.iter().any(|p| view(p.schema).properties.is_some() || view(p.schema).additional.is_some()) {
                return TypeRef::Map(Box::new(TypeRef::Any));
            }
            return self.lower_struct(schema, &parts, at, naming);
        }
        let unions: Vec<usize> = (0..parts.len()).filter(|&i| is_union(&view(parts[i].schema))).collect();
        if let [union] = unions.as_slice() {
            let others_are_objects =
                shaped.iter().filter(|p| !is_union(&view(p.schema))).all(|p| is_object_like(&view(p.schema)));
            if others_are_objects {
                return self.lower_union_with_objects(&parts, *union, at, naming);
            }
        }
        let chosen = match shaped.as_slice() {
            // One shaped member among annotations: that member is the type.
            [only] => Some(*only),
            // `allOf: [{type: string}, {type: string, minLength: 1}]`: every member is the same
            // primitive, so the value is that primitive.
            _ => same_primitive_member(&shaped),
        };
        if let Some(chosen) = chosen {
            return self.lower_primitive_parts(chosen, &parts, at, naming);
        }
        self.error(
            child(at, "allOf"),
            "`allOf` members that are not all objects (here mixed with arrays, primitives, enums or unions) cannot be merged into one type",
        );
        TypeRef::Any
    }

    /// Checks the keywords beside `allOf: [{$ref: X}]` (`sibling`) against X's (`target`): they
    /// should only narrow it; X is the type either way (as it always was here). A narrower
    /// `enum` is not a new type, and the server is not told (warned); a `type` X's values never
    /// have contradicts X (warned: X is what the document's values can be).
    fn check_narrowing(&mut self, sibling: &View<'d>, target: &View<'d>, at: &str) {
        if let (Some(own), Some(referenced)) = (sibling.typ, target.typ) {
            if !same_json_type(own, referenced) {
                self.warn(
                    child(at, "type"),
                    format!("`type: {own}` beside `allOf: [{{$ref}}]` to a `type: {referenced}` schema is ignored; the referenced type is used"),
                );
            }
        }
        if sibling.enumeration.iter().any(|value| !value.is_null()) {
            self.warn(
                child(at, "enum"),
                "`enum` beside `allOf: [{$ref}]` narrows the referenced type, which is used as it is; the narrower values are not enforced",
            );
        }
    }

    /// The type of an `allOf` whose members are one primitive (`chosen`, the member that says
    /// most) and members that only add a `format` or constraints: `chosen`'s type, with the
    /// first `format` any member states (constraints are merged by [`constraints_of`]).
    fn lower_primitive_parts(&mut self, chosen: &Part<'d>, parts: &[Part<'d>], at: &str, naming: Naming) -> TypeRef {
        let (chosen_schema, chosen_at) = (chosen.schema, chosen.at.clone());
        let views: Vec<View<'d>> = parts.iter().map(|p| view(p.schema)).collect();
        let enums = views.iter().filter(|v| v.enumeration.iter().any(|value| !value.is_null())).count();
        if enums > 1 {
            let message = "several `allOf` members list `enum` values; the type is one member's, the others' values are not enforced";
            self.warn(child(at, "allOf"), message);
        }
        let patterns: BTreeSet<&str> = views.iter().filter_map(|v| v.constraints.pattern.as_deref()).collect();
        if patterns.len() > 1 {
            self.warn(child(at, "allOf"), "several `allOf` members state a `pattern`; only the first is enforced");
        }
        if let Some(component) = chosen.component {
            let reference = format!("#/components/schemas/{}", escape_token(component));
            return self.schema_reference_type(&reference, at).ty;
        }
        // Its own `allOf` members are among the parts: skip them.
        let mut chosen_view = view(chosen_schema);
        chosen_view.all_of = &[];
        if chosen_view.format.is_none() && matches!(chosen_view.typ, Some("string" | "integer" | "number")) {
            chosen_view.format = views.iter().find_map(|v| v.format);
        }
        self.lower_view(chosen_schema, chosen_view, &chosen_at, naming)
    }

    /// `allOf: [{anyOf: [A, B]}, {properties: {extra}}]`: a value is A or B, and has the extra
    /// properties; read as the union of A and B each with them (a struct per object variant,
    /// told apart by the union rules). `parts` is the flattened `allOf`, `union` the index of
    /// the one part that is a union. Warned: the variants are new types.
    fn lower_union_with_objects(&mut self, parts: &[Part<'d>], union: usize, at: &str, naming: Naming) -> TypeRef {
        let union_part = &parts[union];
        let union_schema = union_part.schema;
        let v = view(union_schema);
        let (members, keyword, is_one_of) =
            if !v.one_of.is_empty() { (v.one_of, "oneOf", true) } else { (v.any_of, "anyOf", false) };
        self.warn(
            child(at, "allOf"),
            format!("`allOf` of a union (`{keyword}`) and objects: each variant of the union gets the objects' properties"),
        );
        let id = self.name_for(&naming);
        let indexed: Vec<(usize, &'d ReferenceOr<Schema>)> =
            members.iter().enumerate().filter(|(_, member)| !is_null_member(member)).collect();
        let mut group = Vec::with_capacity(indexed.len());
        let mut variant_types = Vec::with_capacity(indexed.len());
        for &(index, member) in &indexed {
            let member_at = grandchild(&union_part.at, keyword, &index.to_string());
            let (ty, wanted) = self.variant_with_objects(member, &member_at, parts, &id, index);
            group.push((format!("{index:06}"), wanted));
            variant_types.push(ty);
        }
        let rust_names = names::allocate_group(&group, &mut NameAllocator::camel_case());
        let variants: Vec<Variant> =
            rust_names.into_iter().zip(variant_types).map(|(rust_name, ty)| Variant { rust_name, ty }).collect();
        let members: Vec<&'d ReferenceOr<Schema>> = indexed.iter().map(|(_, member)| *member).collect();
        let discriminator = match &union_schema.schema_data.discriminator {
            Some(d) => self.lower_discriminator(d, &members, &variants, &child(&union_part.at, "discriminator"), false),
            None => None,
        };
        let rule = discriminator.map_or(UnionRule::Shape(Vec::new()), UnionRule::Discriminator);
        let kind = if is_one_of { TypeKind::OneOf { variants, rule } } else { TypeKind::AnyOf { variants, rule } };
        let outer = parts[0].schema;
        let (description, deprecated) = (outer.schema_data.description.clone(), outer.schema_data.deprecated);
        self.insert_type(id.clone(), at.to_owned(), description, deprecated, kind);
        TypeRef::Named(id)
    }

    /// One variant of [`Self::lower_union_with_objects`]: a struct of the member's parts and
    /// the other `allOf` parts, named after the member's component (or `wanted`); a member
    /// that is not an object stays as it is, without the properties (warned). Variant structs
    /// are named `{union}{Component}`, or `{union}Variant{n}` for inline members. With the
    /// variant's wanted name: a referenced one keeps its component's (`Cat`).
    fn variant_with_objects(
        &mut self,
        member: &'d ReferenceOr<Schema>,
        member_at: &str,
        parts: &[Part<'d>],
        union: &TypeId,
        index: usize,
    ) -> (TypeRef, String) {
        let mut variant_parts = Vec::new();
        let mut visiting = Vec::new();
        let (member_schema, wanted) = match member {
            ReferenceOr::Item(schema) => {
                self.flatten_all_of(schema, member_at, String::new(), None, &mut variant_parts, &mut visiting);
                (schema, format!("{union}Variant{}", index + 1))
            }
            ReferenceOr::Reference { reference } => {
                let Some((name, target)) = self.resolve_schema(reference, member_at) else {
                    return (TypeRef::Any, "Any".to_owned());
                };
                let owner = self.schema_ids.get(name).map(|id| id.0.clone()).unwrap_or_default();
                visiting.push(name);
                let target_at = child("/components/schemas", name);
                self.flatten_all_of(target, &target_at, owner.clone(), Some(name), &mut variant_parts, &mut visiting);
                (target, format!("{union}{owner}"))
            }
        };
        let objects = variant_parts.iter().all(|p| is_annotation_only(&view(p.schema)) || is_object_like(&view(p.schema)));
        if !objects {
            self.warn(member_at, "this variant is not an object, so the properties beside the union do not apply to it");
            let ty = self.lower_site(SchemaSite::of(member), member_at, Naming::Fresh(wanted)).ty;
            let name = variant_name(&ty);
            return (ty, name);
        }
        variant_parts.extend(parts.iter().cloned());
        let ty = self.lower_struct(member_schema, &variant_parts, member_at, Naming::Fresh(wanted));
        let name = match (member, &variant_parts[0].component) {
            (ReferenceOr::Reference { .. }, Some(component)) => {
                self.schema_ids.get(component).map_or_else(|| variant_name(&ty), |id| id.0.clone())
            }
            _ => variant_name(&ty),
        };
        (ty, name)
    }

    /// Collects `schema` and its `allOf` members (recursively, through `$ref`s) as parts.
    fn flatten_all_of(
        &mut self,
        schema: &'d Schema,
        at: &str,
        owner: String,
        component: Option<&'d str>,
        parts: &mut Vec<Part<'d>>,
        visiting: &mut Vec<&'d str>,
    ) {
        let v = view(schema);
        parts.push(Part { schema, at: at.to_owned(), owner: owner.clone(), component });
        for (index, member) in v.all_of.iter().enumerate() {
            let member_at = grandchild(at, "allOf", &index.to_string());
            match member {
                ReferenceOr::Item(member_schema) => {
                    self.flatten_all_of(member_schema, &member_at, owner.clone(), component, parts, visiting)
                }
                ReferenceOr::Reference { reference } => {
                    let Some((name, target)) = self.resolve_schema(reference, &member_at) else { continue };
                    if visiting.contains(&name) {
                        self.error(member_at, format!("`allOf` includes `{name}` within itself"));
                        continue;
                    }
                    let target_owner = self.schema_ids.get(name).map(|id| id.0.clone()).unwrap_or_default();
                    visiting.push(name);
                    let target_at = child("/components/schemas", name);
                    self.flatten_all_of(target, &target_at, target_owner, Some(name), parts, visiting);
                    visiting.pop();
                }
            }
        }
    }

    fn lower_union(&mut self, schema: &'d Schema, v: &View<'d>, at: &str, naming: Naming) -> TypeRef {
        let (members, keyword, is_one_of) =
            if !v.one_of.is_empty() { (v.one_of, "oneOf", true) } else { (v.any_of, "anyOf", false) };
        if !v.one_of.is_empty() && !v.any_of.is_empty() {
            self.error(at, "a schema with both `oneOf` and `anyOf` is not supported");
        }
        if v.properties.is_some() {
            self.warn(child(at, "properties"), format!("properties beside `{keyword}` are ignored; state them in each variant"));
        }
        // `{type: "null"}` members (OpenAPI 3.1 style, common in 3.0 documents too) only make
        // the union nullable (see `is_nullable`); they are not variants.
        let indexed: Vec<(usize, &'d ReferenceOr<Schema>)> =
            members.iter().enumerate().filter(|(_, member)| !is_null_member(member)).collect();
        for (index, member) in members.iter().enumerate() {
            if matches!(member, ReferenceOr::Item(m) if m.schema_data.nullable && is_null_member(member)) {
                let message = "a member with only `nullable: true` (which admits any value) is read as `null`";
                self.warn(grandchild(at, keyword, &index.to_string()), message);
            }
        }
        let members: Vec<&'d ReferenceOr<Schema>> = indexed.iter().map(|(_, member)| *member).collect();
        if indexed.is_empty() {
            return TypeRef::Any;
        }
        // A single member with no discriminator needs no union type.
        if let ([(index, only)], None) = (indexed.as_slice(), &schema.schema_data.discriminator) {
            let member_at = child(&child(at, keyword), &index.to_string());
            return self.lower_site(SchemaSite::of(only), &member_at, naming).folded();
        }
        // A file or a list of files: the same parts on the wire (one file is a list of one),
        // so a list, which keeps what was sent.
        if let [(_, first), (_, second)] = indexed.as_slice() {
            if let Some((list, list_index)) = files_member(first, second).map(|list| (list, 1)).or_else(|| files_member(second, first).map(|list| (list, 0))) {
                let list_at = child(&child(at, keyword), &indexed[list_index].0.to_string());
                self.warn(at, format!("`{keyword}` of a file and a list of files: read as a list of files (one file is a list of one)"));
                return self.lower_site(SchemaSite::of(list), &list_at, naming).folded();
            }
        }
        let id = self.name_for(&naming);
        let mut variant_types = Vec::with_capacity(members.len());
        let mut group = Vec::with_capacity(members.len());
        for &(index, member) in &indexed {
            let member_at = child(&child(at, keyword), &index.to_string());
            let wanted_type = format!("{id}Variant{}", index + 1);
            // A nullable member makes the union nullable (see `is_nullable`), so null is kept
            // apart from absent by the union's users; the variant itself holds values.
            let lowered = self.lower_site(SchemaSite::of(member), &member_at, Naming::Fresh(wanted_type)).ty;
            group.push((format!("{index:06}"), variant_name(&lowered)));
            variant_types.push(lowered);
        }
        let rust_names = names::allocate_group(&group, &mut NameAllocator::camel_case());
        let variants: Vec<Variant> =
            rust_names.into_iter().zip(variant_types).map(|(rust_name, ty)| Variant { rust_name, ty }).collect();
        let discriminator = match &schema.schema_data.discriminator {
            Some(d) => self.lower_discriminator(d, &members, &variants, &child(at, "discriminator"), false),
            None => match self.inherited_discriminator(&members) {
                Some((d, base_at)) => self.lower_discriminator(d, &members, &variants, &base_at, true),
                None => None,
            },
        };
        // The shape rule is decided once every type exists (`unions::decide`).
        let rule = discriminator.map_or(UnionRule::Shape(Vec::new()), UnionRule::Discriminator);
        let kind = if is_one_of { TypeKind::OneOf { variants, rule } } else { TypeKind::AnyOf { variants, rule } };
        self.insert_type(id.clone(), at.to_owned(), schema.schema_data.description.clone(), schema.schema_data.deprecated, kind);
        TypeRef::Named(id)
    }

    /// The discriminator every member inherits: each member is a component whose `allOf`
    /// lists a component with a `discriminator` on the same property (OpenAPI's polymorphism
    /// through a base schema). With its pointer.
    fn inherited_discriminator(&self, members: &[&'d ReferenceOr<Schema>]) -> Option<(&'d openapiv3::Discriminator, String)> {
        let schemas = &self.doc.components.as_ref()?.schemas;
        let component = |member: &ReferenceOr<Schema>| -> Option<(&'d str, &'d Schema)> {
            let ReferenceOr::Reference { reference } = member else { return None };
            let (name, schema) = schemas.get_key_value(reference.strip_prefix("#/components/schemas/")?)?;
            schema.as_item().map(|schema| (name.as_str(), schema))
        };
        let mut found: Option<(&'d openapiv3::Discriminator, String)> = None;
        for member in members {
            let (_, schema) = component(member)?;
            let (base, d) = view(schema).all_of.iter().find_map(|part| {
                let (base, schema) = component(part)?;
                schema.schema_data.discriminator.as_ref().map(|d| (base, d))
            })?;
            match &found {
                Some((seen, _)) if seen.property_name != d.property_name => return None,
                Some(_) => {}
                None => found = Some((d, format!("/components/schemas/{}/discriminator", escape_token(base)))),
            }
        }
        found
    }

    /// `inherited`: the discriminator belongs to a base schema, whose mapping may name schemas
    /// that are not members of this union; those entries are skipped rather than refused.
    fn lower_discriminator(
        &mut self,
        discriminator: &openapiv3::Discriminator,
        members: &[&'d ReferenceOr<Schema>],
        variants: &[Variant],
        at: &str,
        inherited: bool,
    ) -> Option<Discriminator> {
        // Component name → variant name, for members that are `$ref`s.
        let mut by_component: Vec<(String, String)> = Vec::new();
        for (member, variant) in members.iter().zip(variants) {
            if let ReferenceOr::Reference { reference } = *member {
                if let Some(name) = reference.strip_prefix("#/components/schemas/") {
                    by_component.push((name.replace("~1", "/").replace("~0", "~"), variant.rust_name.clone()));
                }
            }
        }
        let mut mapping: Vec<(String, String)> = Vec::new();
        let mut ok = true;
        for (value, target) in &discriminator.mapping {
            let target_name = target.strip_prefix("#/components/schemas/").unwrap_or(target);
            match by_component.iter().find(|(component, _)| component == target_name) {
                Some((_, variant)) => mapping.push((value.clone(), variant.clone())),
                None if inherited => {}
                None => {
                    ok = false;
                    self.error(
                        grandchild(at, "mapping", value),
                        format!("discriminator value `{value}` maps to `{target}`, which is not one of the variants"),
                    );
                }
            }
        }
        for (component, variant) in &by_component {
            if !mapping.iter().any(|(_, mapped)| mapped == variant) {
                mapping.push((component.clone(), variant.clone()));
            }
        }
        mapping.sort();
        ok.then(|| Discriminator { property: discriminator.property_name.clone(), mapping })
    }

    fn lower_enum(&mut self, schema: &'d Schema, v: &View<'d>, at: &str, naming: Naming) -> TypeRef {
        let values: Vec<&Value> = v.enumeration.iter().filter(|value| !value.is_null()).collect();
        let repr = match (v.typ, values.first()) {
            (Some("string"), _) | (None, Some(Value::String(_))) => EnumRepr::String,
            (Some("integer"), _) => EnumRepr::Integer,
            (Some("number"), _) | (None, Some(Value::Number(_))) => EnumRepr::Number,
            (None, Some(Value::Bool(_))) => EnumRepr::Boolean,
            (None, None) => return TypeRef::Any,
            (Some(other), _) => {
                self.error(child(at, "enum"), format!("`enum` on `type: {other}` is not supported; enums must be strings or numbers"));
                return TypeRef::Any;
            }
            (None, Some(_)) => {
                self.error(child(at, "enum"), "`enum` values must be strings, numbers or booleans");
                return TypeRef::Any;
            }
        };
        let mut read = Vec::with_capacity(values.len());
        for value in values {
            // Without a `type`, values of several kinds are what the schema allows: no reading.
            let as_type = enum_value_as(repr, value).filter(|read| v.typ.is_some() || read == value);
            match as_type {
                Some(same) if same == *value => read.push(same),
                Some(other) => {
                    // `type: string, enum: [true, 4.1]`, unquoted in YAML: the user meant the text.
                    let message = format!("`enum` value {value} is not of the schema's type; read as {other}");
                    self.warn(child(at, "enum"), message);
                    read.push(other);
                }
                None => {
                    self.error(child(at, "enum"), format!("`enum` value {value} does not have the schema's type"));
                    return TypeRef::Any;
                }
            }
        }
        let mut unique: Vec<&Value> = Vec::with_capacity(read.len());
        for value in &read {
            if !unique.contains(&value) {
                unique.push(value);
            }
        }
        let group: Vec<(String, String)> = unique
            .iter()
            .map(|value| {
                let text = match value {
                    Value::String(s) => s.clone(),
                    other => other.to_string().replace('.', " point "),
                };
                let wanted = names::camel(&text, "Empty", "V");
                (text, wanted)
            })
            .collect();
        let rust_names = names::allocate_group(&group, &mut NameAllocator::camel_case());
        let variants = rust_names
            .into_iter()
            .zip(unique)
            .map(|(rust_name, value)| EnumVariant { rust_name, value: value.clone() })
            .collect();
        let id = self.name_for(&naming);
        let kind = TypeKind::Enum { repr, variants };
        self.insert_type(id.clone(), at.to_owned(), schema.schema_data.description.clone(), schema.schema_data.deprecated, kind);
        TypeRef::Named(id)
    }
}

/// An enum value read as `repr`: itself when it has that kind, else the one value of that kind
/// its text spells (`true` → `"true"` for strings, `"3"` → `3` for integers); `None` when none.
fn enum_value_as(repr: EnumRepr, value: &Value) -> Option<Value> {
    let text = match value {
        Value::String(text) => text.clone(),
        Value::Bool(_) | Value::Number(_) => value.to_string(),
        _ => return None,
    };
    match repr {
        EnumRepr::String => Some(Value::String(text)),
        EnumRepr::Integer if value.is_i64() || value.is_u64() => Some(value.clone()),
        // `1.0` is an integer to JSON Schema.
        EnumRepr::Integer if value.as_f64().is_some_and(|n| n.fract() == 0.0 && n.abs() < 9.0e15) => {
            value.as_f64().map(|n| Value::from(n as i64))
        }
        EnumRepr::Integer => {
            text.parse::<i64>().ok().map(Value::from).or_else(|| text.parse::<u64>().ok().map(Value::from))
        }
        EnumRepr::Number if value.is_number() => Some(value.clone()),
        EnumRepr::Number => text.parse::<f64>().ok().filter(|n| n.is_finite()).and_then(number).map(Value::Number),
        EnumRepr::Boolean => match text.as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
    }
}

fn wanted_name(naming: &Naming) -> String {
    match naming {
        Naming::Fixed(id) => id.0.clone(),
        Naming::Fresh(wanted) => wanted.clone(),
    }
}

fn string_type(format: Option<&str>) -> TypeRef {
    match format {
        Some("date") => TypeRef::Date,
        Some("date-time") => TypeRef::DateTime,
        Some("uuid") => TypeRef::Uuid,
        Some("byte") => TypeRef::Byte,
        Some("binary") => TypeRef::Binary,
        other => TypeRef::String { format: other.map(str::to_owned) },
    }
}

/// The variant name a union member wants: its type's name, or the kind of value it holds.
fn variant_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(id) => id.0.clone(),
        TypeRef::String { .. } => "String".to_owned(),
        TypeRef::Integer { .. } => "Integer".to_owned(),
        TypeRef::Number { .. } => "Number".to_owned(),
        TypeRef::Boolean => "Boolean".to_owned(),
        TypeRef::Date => "Date".to_owned(),
        TypeRef::DateTime => "DateTime".to_owned(),
        TypeRef::Uuid => "Uuid".to_owned(),
        TypeRef::Byte | TypeRef::Binary => "Bytes".to_owned(),
        TypeRef::Array(_) => "Array".to_owned(),
        TypeRef::Map(_) => "Map".to_owned(),
        TypeRef::Any => "Any".to_owned(),
        TypeRef::Nullable(inner) | TypeRef::Boxed(inner) => variant_name(inner),
    }
}

/// `list` when `one` is an inline file (`type: string, format: binary`) and `list` an inline
/// list of such files.
fn files_member<'d>(one: &'d ReferenceOr<Schema>, list: &'d ReferenceOr<Schema>) -> Option<&'d ReferenceOr<Schema>> {
    let is_file = |schema: &ReferenceOr<Schema>| matches!(schema, ReferenceOr::Item(s) if view(s).format == Some("binary") && view(s).typ == Some("string"));
    let ReferenceOr::Item(list_schema) = list else { return None };
    let items = view(list_schema).items?;
    let item_is_file = matches!(items, ReferenceOr::Item(item) if view(item).format == Some("binary") && view(item).typ == Some("string"));
    (is_file(one) && item_is_file).then_some(list)
}
