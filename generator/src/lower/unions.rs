//! Deciding, once, how each `oneOf`/`anyOf` tells its variants apart (`UnionRule`), after
//! every type exists: by a discriminator; otherwise by the value's JSON type; within a JSON
//! type, by a property whose fixed value differs, a required property only one variant has,
//! or enum values no other variant shares; objects that overlap only through optional
//! properties, by the keys the value holds (with a warning); only when nothing tells variants
//! apart, by trying them in order (with a warning naming them). A variant that several
//! discriminator values name, and that cannot hold the value itself, is split into one variant
//! per value.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::names::{camel, NameAllocator};
use crate::ir::{
    Candidate, Discriminator, EnumRepr, JsonType, ShapeGroup, TypeDef, TypeId, TypeKind, TypeRef, UnionRule, Variant, VariantTest,
    Warning,
};

const ALL_TYPES: [JsonType; 7] = [
    JsonType::Null,
    JsonType::Boolean,
    JsonType::Integer,
    JsonType::Number,
    JsonType::String,
    JsonType::Array,
    JsonType::Object,
];

/// How deep references are followed when looking through aliases and nested unions.
const MAX_DEPTH: usize = 32;

/// Fills in the rule of every union, and warns where variants cannot be told apart.
pub(super) fn decide(types: &mut BTreeMap<TypeId, TypeDef>, warnings: &mut Vec<Warning>) {
    let mut decided = Vec::new();
    for def in types.values() {
        let (TypeKind::OneOf { variants, rule } | TypeKind::AnyOf { variants, rule }) = &def.kind else { continue };
        let arena = Arena(types);
        let (split, rule) = match rule {
            UnionRule::Discriminator(d) => {
                let reconciled = arena.reconcile_mapping(def, variants, d, warnings).and_then(|d| {
                    match variants.iter().find(|v| !d.mapping.iter().any(|(_, name)| *name == v.rust_name)) {
                        None => Ok(d),
                        Some(unmapped) => Err(format!(
                            "discriminator `{}` names no value for variant {}; variants are told apart by their shape instead",
                            d.property, unmapped.rust_name
                        )),
                    }
                });
                match reconciled {
                    Ok(d) => match arena.split_shared_values(variants, &d) {
                        Some((split, mapping)) => (Some(split), UnionRule::Discriminator(mapping)),
                        None => (None, UnionRule::Discriminator(d)),
                    },
                    Err(message) => {
                        warnings.push(Warning { pointer: def.origin.clone(), message });
                        (None, UnionRule::Shape(arena.shape_groups(def, variants, warnings)))
                    }
                }
            }
            UnionRule::Shape(_) => (None, UnionRule::Shape(arena.shape_groups(def, variants, warnings))),
        };
        decided.push((def.id.clone(), split, rule));
    }
    for (id, split, decided_rule) in decided {
        if let Some(TypeKind::OneOf { rule, variants } | TypeKind::AnyOf { rule, variants }) =
            types.get_mut(&id).map(|def| &mut def.kind)
        {
            *rule = decided_rule;
            if let Some(split) = split {
                *variants = split;
            }
        }
    }
}

/// What an object-valued variant declares, as far as telling it apart goes.
#[derive(Default)]
struct ObjectView {
    /// Property names in field order.
    declared: Vec<String>,
    required: BTreeSet<String>,
    /// Properties whose value is fixed (a one-value enum), in field order.
    fixed: Vec<(String, Value)>,
    /// Properties whose value is one of a list (an enum).
    allowed: BTreeMap<String, Vec<Value>>,
    /// Of those, the ones that cannot be null, in field order.
    closed: Vec<(String, Vec<Value>)>,
}

struct Arena<'a>(&'a BTreeMap<TypeId, TypeDef>);

impl Arena<'_> {
    /// The discriminator with each value that its variant cannot hold replaced by the values
    /// it can. A mapping (most often the implicit one, by schema name: `TrackObject`) may name
    /// a variant whose own schema fixes the property to other values (`type: {enum: [track]}`):
    /// a value carrying the name would break the variant, and the values real documents send
    /// would name nothing. The variant's own string values (those no other variant is mapped
    /// by) name it instead, with a warning. Values of variants that do not fix the property
    /// are kept. Err (why) when one value would then name several variants (each fixes the
    /// property to it): the discriminator cannot decide.
    fn reconcile_mapping(&self, def: &TypeDef, variants: &[Variant], d: &Discriminator, warnings: &mut Vec<Warning>) -> Result<Discriminator, String> {
        let own_values = |v: &Variant| -> Option<Vec<String>> {
            let view = self.object_view(&v.ty, 0)?;
            let values: Vec<String> = view.allowed.get(&d.property)?.iter().filter_map(|value| value.as_str().map(str::to_owned)).collect();
            (!values.is_empty()).then_some(values)
        };
        let mut mapping: Vec<(String, String)> = Vec::new();
        let mut replaced: Vec<String> = Vec::new();
        for v in variants {
            let named: Vec<&String> = d.mapping.iter().filter(|(_, name)| *name == v.rust_name).map(|(value, _)| value).collect();
            let Some(own) = own_values(v) else {
                mapping.extend(named.into_iter().map(|value| (value.clone(), v.rust_name.clone())));
                continue;
            };
            let (held, broken): (Vec<&String>, Vec<&String>) = named.into_iter().partition(|value| own.contains(value));
            if broken.is_empty() {
                mapping.extend(held.into_iter().map(|value| (value.clone(), v.rust_name.clone())));
                continue;
            }
            // The values that name it now: those of the mapping it holds, else its own that
            // no other variant is mapped by (none: the mapping stays as written).
            let taken = |value: &String| d.mapping.iter().any(|(other, name)| other == value && *name != v.rust_name);
            let now: Vec<String> = match held.is_empty() {
                true => own.into_iter().filter(|value| !taken(value)).collect(),
                false => held.into_iter().cloned().collect(),
            };
            if now.is_empty() {
                mapping.extend(broken.into_iter().map(|value| (value.clone(), v.rust_name.clone())));
                continue;
            }
            let quoted = |values: &mut dyn Iterator<Item = &String>| values.map(|value| format!("`{value}`")).collect::<Vec<_>>().join(", ");
            replaced.push(format!("{} by {} (not {})", v.rust_name, quoted(&mut now.iter()), quoted(&mut broken.into_iter())));
            mapping.extend(now.into_iter().map(|value| (value, v.rust_name.clone())));
        }
        mapping.sort();
        mapping.dedup();
        if let Some(pair) = mapping.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(format!(
                "discriminator `{}` value `{}` names both {} and {}, whose own `{}` allows it; variants are told apart by their shape instead",
                d.property, pair[0].0, pair[0].1, pair[1].1, d.property
            ));
        }
        if !replaced.is_empty() {
            warnings.push(Warning {
                pointer: def.origin.clone(),
                message: format!(
                    "discriminator `{0}` names variants by values their own `{0}` does not allow; each is named by the values it allows: {1}",
                    d.property,
                    replaced.join(", ")
                ),
            });
        }
        Ok(Discriminator { property: d.property.clone(), mapping })
    }

    /// A variant that several discriminator values name, and whose type has no field for the
    /// property, would forget which of them it was decoded from (and encode the first): it
    /// becomes one variant per value, named `{variant}{value}`, each with the same type.
    /// `None` when no variant is shared so.
    fn split_shared_values(&self, variants: &[Variant], d: &Discriminator) -> Option<(Vec<Variant>, Discriminator)> {
        let values_of = |v: &Variant| d.mapping.iter().filter(|(_, name)| *name == v.rust_name).map(|(value, _)| value).collect::<Vec<_>>();
        let keeps_value = |v: &Variant| self.object_view(&v.ty, 0).is_some_and(|view| view.declared.contains(&d.property));
        let shared = |v: &Variant| values_of(v).len() > 1 && !keeps_value(v);
        if !variants.iter().any(shared) {
            return None;
        }
        let mut names = NameAllocator::camel_case();
        for v in variants.iter().filter(|v| !shared(v)) {
            names.reserve(&v.rust_name);
        }
        let mut split = Vec::new();
        let mut mapping = Vec::new();
        for v in variants {
            let values = values_of(v);
            if !shared(v) {
                split.push(v.clone());
                mapping.extend(values.into_iter().map(|value| (value.clone(), v.rust_name.clone())));
                continue;
            }
            for value in values {
                let rust_name = names.allocate(&format!("{}{}", v.rust_name, camel(value, "Empty", "V")));
                mapping.push((value.clone(), rust_name.clone()));
                split.push(Variant { rust_name, ty: v.ty.clone() });
            }
        }
        mapping.sort();
        Some((split, Discriminator { property: d.property.clone(), mapping }))
    }

    fn shape_groups(&self, def: &TypeDef, variants: &[Variant], warnings: &mut Vec<Warning>) -> Vec<ShapeGroup> {
        let accepted: Vec<BTreeSet<JsonType>> = variants.iter().map(|v| self.json_types(&v.ty, 0)).collect();
        let mut groups: Vec<ShapeGroup> = Vec::new();
        let mut ambiguous: BTreeSet<Vec<String>> = BTreeSet::new();
        let mut overlapping: BTreeSet<Vec<String>> = BTreeSet::new();
        for json_type in ALL_TYPES {
            let members: Vec<&Variant> =
                variants.iter().zip(&accepted).filter(|(_, types)| types.contains(&json_type)).map(|(v, _)| v).collect();
            if members.is_empty() {
                continue;
            }
            let candidates = self.candidates(json_type, &members);
            let fits: Vec<String> =
                candidates.iter().filter(|c| c.test == VariantTest::Fits).map(|c| c.variant.clone()).collect();
            if !fits.is_empty() {
                ambiguous.insert(fits);
            }
            let keyed: Vec<String> = candidates
                .iter()
                .filter(|c| matches!(c.test, VariantTest::KeysWithin { .. }))
                .map(|c| c.variant.clone())
                .collect();
            if !keyed.is_empty() {
                overlapping.insert(keyed);
            }
            match groups.last_mut() {
                Some(last) if last.candidates == candidates => last.json_types.push(json_type),
                _ => groups.push(ShapeGroup { json_types: vec![json_type], candidates }),
            }
        }
        for names in ambiguous {
            warnings.push(Warning {
                pointer: def.origin.clone(),
                message: format!(
                    "variants {} cannot be told apart; decoded as the first that fits (preferring one that keeps every property)",
                    names.join(" and ")
                ),
            });
        }
        let keyword =
            if matches!(def.kind, TypeKind::OneOf { .. }) { "`oneOf` (which JSON Schema then refuses)" } else { "`anyOf`" };
        for names in overlapping {
            warnings.push(Warning {
                pointer: def.origin.clone(),
                message: format!(
                    "variants {} overlap because their properties are optional, so a value may match several of the {keyword}; read as the first whose properties hold every key of the value",
                    names.join(" and ")
                ),
            });
        }
        groups
    }

    /// The candidates for values of one JSON type, told ones first, in variant order.
    fn candidates(&self, json_type: JsonType, members: &[&Variant]) -> Vec<Candidate> {
        if let [only] = members {
            return vec![Candidate { variant: only.rust_name.clone(), test: VariantTest::Always }];
        }
        let mut views: Vec<Option<ObjectView>> = Vec::new();
        let tests: Vec<Option<VariantTest>> = match json_type {
            JsonType::Object => {
                views = members.iter().map(|v| self.object_view(&v.ty, 0)).collect();
                (0..members.len()).map(|index| object_test(index, &views)).collect()
            }
            _ => {
                let enums: Vec<Option<Vec<Value>>> = members.iter().map(|v| self.enum_values(&v.ty, 0)).collect();
                (0..members.len()).map(|index| enum_test(index, &enums)).collect()
            }
        };
        let mut told = Vec::new();
        // Untold candidates, each with the properties its object declares (if any).
        let mut untold: Vec<(String, Option<Vec<String>>)> = Vec::new();
        for (index, (member, test)) in members.iter().zip(tests).enumerate() {
            match test {
                Some(test) => told.push(Candidate { variant: member.rust_name.clone(), test }),
                None => {
                    let declared = views.get(index).and_then(Option::as_ref).map(|view| view.declared.clone());
                    untold.push((member.rust_name.clone(), declared.filter(|declared| !declared.is_empty())));
                }
            }
        }
        // Objects that overlap only through optional properties: read as the first whose
        // declared properties hold every key of the value (see `VariantTest::KeysWithin`).
        // Only when their declared properties differ: the same ones would tell nothing.
        let sets: BTreeSet<BTreeSet<&String>> =
            untold.iter().filter_map(|(_, declared)| declared.as_ref().map(|d| d.iter().collect())).collect();
        let keyed =
            untold.len() > 1 && untold.iter().all(|(_, declared)| declared.is_some()) && sets.len() == untold.len();
        let single = untold.len() == 1;
        for (variant, declared) in untold {
            let test = match declared {
                _ if single => VariantTest::Always,
                Some(properties) if keyed => VariantTest::KeysWithin { properties },
                _ => VariantTest::Fits,
            };
            told.push(Candidate { variant, test });
        }
        told
    }

    fn def(&self, ty: &TypeRef) -> Option<&TypeDef> {
        match ty {
            TypeRef::Named(id) => self.0.get(id),
            _ => None,
        }
    }

    /// The JSON types a value of `ty` may have, as its schema says.
    fn json_types(&self, ty: &TypeRef, depth: usize) -> BTreeSet<JsonType> {
        use JsonType as J;
        if depth > MAX_DEPTH {
            return ALL_TYPES.into_iter().collect();
        }
        match ty {
            TypeRef::Named(_) => match self.def(ty).map(|def| &def.kind) {
                Some(TypeKind::Struct { .. }) => [J::Object].into(),
                Some(TypeKind::Enum { repr, .. }) => match repr {
                    EnumRepr::String => [J::String].into(),
                    EnumRepr::Integer => [J::Integer].into(),
                    EnumRepr::Number => [J::Integer, J::Number].into(),
                    EnumRepr::Boolean => [J::Boolean].into(),
                },
                Some(TypeKind::OneOf { variants, .. } | TypeKind::AnyOf { variants, .. }) => {
                    variants.iter().flat_map(|v| self.json_types(&v.ty, depth + 1)).collect()
                }
                Some(TypeKind::Alias { ty, .. }) => self.json_types(ty, depth + 1),
                None => ALL_TYPES.into_iter().collect(),
            },
            TypeRef::String { .. } | TypeRef::Date | TypeRef::DateTime | TypeRef::Uuid | TypeRef::Byte => [J::String].into(),
            // Binary values in JSON are lists of bytes (`FilePart`'s encoding).
            TypeRef::Binary => [J::Array].into(),
            TypeRef::Integer { .. } => [J::Integer].into(),
            TypeRef::Number { .. } => [J::Integer, J::Number].into(),
            TypeRef::Boolean => [J::Boolean].into(),
            TypeRef::Array(_) => [J::Array].into(),
            TypeRef::Map(_) => [J::Object].into(),
            TypeRef::Any => ALL_TYPES.into_iter().collect(),
            TypeRef::Nullable(inner) => {
                let mut types = self.json_types(inner, depth + 1);
                types.insert(J::Null);
                types
            }
            TypeRef::Boxed(inner) => self.json_types(inner, depth + 1),
        }
    }

    /// The properties an object variant declares; `None` for free-form objects.
    fn object_view(&self, ty: &TypeRef, depth: usize) -> Option<ObjectView> {
        if depth > MAX_DEPTH {
            return None;
        }
        match ty {
            TypeRef::Boxed(inner) | TypeRef::Nullable(inner) => self.object_view(inner, depth + 1),
            TypeRef::Named(_) => match &self.def(ty)?.kind {
                TypeKind::Struct { fields, .. } => {
                    let mut view = ObjectView::default();
                    for field in fields {
                        view.declared.push(field.wire_name.clone());
                        if field.required {
                            view.required.insert(field.wire_name.clone());
                        }
                        if let Some(values) = self.enum_values(&field.ty, depth + 1) {
                            if let ([value], false) = (values.as_slice(), field.nullable) {
                                view.fixed.push((field.wire_name.clone(), value.clone()));
                            }
                            if !field.nullable && !values.is_empty() {
                                view.closed.push((field.wire_name.clone(), values.clone()));
                            }
                            view.allowed.insert(field.wire_name.clone(), values);
                        }
                    }
                    Some(view)
                }
                TypeKind::Alias { ty, .. } => self.object_view(ty, depth + 1),
                TypeKind::OneOf { variants, .. } | TypeKind::AnyOf { variants, .. } => {
                    // A nested union: what all its variants require, and what any declares.
                    let views: Vec<ObjectView> =
                        variants.iter().map(|v| self.object_view(&v.ty, depth + 1)).collect::<Option<_>>()?;
                    let mut merged = ObjectView::default();
                    for view in &views {
                        for name in &view.declared {
                            if !merged.declared.contains(name) {
                                merged.declared.push(name.clone());
                            }
                        }
                    }
                    merged.required = views.iter().map(|v| v.required.clone()).reduce(|a, b| &a & &b).unwrap_or_default();
                    Some(merged)
                }
                TypeKind::Enum { .. } => None,
            },
            _ => None,
        }
    }

    /// The values of an enum type (through aliases), if `ty` is one.
    fn enum_values(&self, ty: &TypeRef, depth: usize) -> Option<Vec<Value>> {
        if depth > MAX_DEPTH {
            return None;
        }
        match &self.def(ty)?.kind {
            TypeKind::Enum { variants, .. } => Some(variants.iter().map(|v| v.value.clone()).collect()),
            TypeKind::Alias { ty, .. } => self.enum_values(ty, depth + 1),
            _ => None,
        }
    }
}

/// A required property whose fixed value (or enum values) no other candidate allows there,
/// else a required property no other candidate declares.
fn object_test(index: usize, views: &[Option<ObjectView>]) -> Option<VariantTest> {
    let view = views[index].as_ref()?;
    let others = || views.iter().enumerate().filter(move |(other, _)| *other != index).map(|(_, view)| view.as_ref());
    // Only a required property decides: a value without an optional one could be any variant.
    let fixed = view.fixed.iter().filter(|(property, _)| view.required.contains(property)).find(|(property, value)| {
        others().all(|other| other.and_then(|o| o.allowed.get(property)).is_some_and(|allowed| !allowed.contains(value)))
    });
    if let Some((property, value)) = fixed {
        return Some(VariantTest::PropertyIs { property: property.clone(), value: value.clone() });
    }
    // A required enum property whose values no other candidate allows there (each other
    // candidate limits it to values of its own).
    let within = view.closed.iter().filter(|(property, _)| view.required.contains(property)).find(|(property, values)| {
        others().all(|other| {
            other.and_then(|o| o.allowed.get(property)).is_some_and(|allowed| !allowed.iter().any(|a| values.contains(a)))
        })
    });
    if let Some((property, values)) = within {
        return Some(VariantTest::PropertyIn { property: property.clone(), values: values.clone() });
    }
    let unique = view.declared.iter().filter(|name| view.required.contains(*name)).find(|name| {
        others().all(|other| other.is_some_and(|o| !o.declared.contains(name)))
    });
    unique.map(|property| VariantTest::HasProperty { property: property.clone() })
}

/// The candidate's enum values, when no other candidate's enum shares one.
fn enum_test(index: usize, enums: &[Option<Vec<Value>>]) -> Option<VariantTest> {
    let values = enums[index].as_ref()?;
    let shared = enums
        .iter()
        .enumerate()
        .filter(|(other, _)| *other != index)
        .filter_map(|(_, other)| other.as_ref())
        .any(|other| other.iter().any(|value| values.contains(value)));
    (!shared && !values.is_empty()).then(|| VariantTest::ValueIn { values: values.clone() })
}
