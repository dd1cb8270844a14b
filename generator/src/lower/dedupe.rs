//! Merging types that are structurally identical, so a schema written inline in many places
//! (GitHub's spec repeats the same small objects per operation) becomes one Rust type.
//!
//! Two types are the same when their kinds are equal once descriptions are set aside and
//! every reference is read as "a type of the same class": the coarsest partition of the arena
//! that this holds for, found by refining one class until nothing splits (so two inline
//! objects whose properties refer to types that are themselves duplicates are duplicates, and
//! recursive types are compared as the infinite trees they unfold to). Everything that changes
//! the Rust code or its checks stays in the comparison: field and variant names, wire names,
//! requiredness, nullability, defaults, constraints, `deprecated`, union rules.
//!
//! Component schemas are never merged with each other (each keeps its name and every
//! reference to it: references to components are compared by name, not by structure). The
//! survivor of a class is a component if it has one; among its candidates, the one with the
//! shortest name, then the first in alphabetical order. Every reference to a merged type points at its
//! survivor, and the merged name stays as `pub type Merged = Survivor;`, so code that names it
//! keeps compiling.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::ir::{Constraints, Operation, TypeDef, TypeId, TypeKind, TypeRef, Usage};

/// Merges duplicates in `types`, rewriting the references of `operations` too. Returns how
/// many types became aliases of another.
pub(super) fn dedupe(types: &mut BTreeMap<TypeId, TypeDef>, operations: &mut [Operation]) -> usize {
    let classes = classes(types);
    let survivors = survivors(types, &classes);
    if survivors.is_empty() {
        return 0;
    }
    let redirect = |id: &mut TypeId| {
        if let Some(survivor) = survivors.get(id) {
            *id = survivor.clone();
        }
    };
    for def in types.values_mut() {
        each_ref_mut(&mut def.kind, &mut |ty| each_named_mut(ty, &mut |id| redirect(id)));
    }
    for op in operations.iter_mut() {
        let mut visit = |ty: &mut TypeRef| each_named_mut(ty, &mut |id| redirect(id));
        op.parameters.iter_mut().for_each(|p| visit(&mut p.ty));
        for content in op.request_body.iter_mut().flat_map(|b| &mut b.contents) {
            content.ty.iter_mut().for_each(&mut visit);
        }
        for response in &mut op.responses {
            response.contents.iter_mut().flat_map(|c| &mut c.ty).for_each(&mut visit);
            response.headers.iter_mut().for_each(|h| visit(&mut h.ty));
        }
    }
    for (merged, survivor) in &survivors {
        if let Some(def) = types.get_mut(merged) {
            def.kind = TypeKind::Alias { ty: TypeRef::Named(survivor.clone()), constraints: Constraints::default() };
            def.usage = Usage::default();
        }
    }
    survivors.len()
}

/// Made from a component schema itself (not from a schema inside one).
fn is_component(def: &TypeDef) -> bool {
    def.origin.strip_prefix("/components/schemas/").is_some_and(|name| !name.contains('/'))
}

/// The class of every type: equal classes mean structurally identical types.
fn classes(types: &BTreeMap<TypeId, TypeDef>) -> BTreeMap<&TypeId, usize> {
    let components: BTreeSet<&TypeId> = types.iter().filter(|(_, def)| is_component(def)).map(|(id, _)| id).collect();
    let mut class: BTreeMap<&TypeId, usize> = types.keys().map(|id| (id, 0)).collect();
    let mut count = usize::from(!types.is_empty());
    loop {
        let mut numbering: HashMap<(usize, String), usize> = HashMap::new();
        let mut next = BTreeMap::new();
        for (id, def) in types {
            let key = (class[id], signature(def, &class, &components));
            let fresh = numbering.len();
            next.insert(id, *numbering.entry(key).or_insert(fresh));
        }
        class = next;
        if numbering.len() == count {
            return class;
        }
        count = numbering.len();
    }
}

/// The kind of `def` with descriptions left out and references to inline types written as
/// their classes; references to components keep the component's name, so a field typed as
/// one component is never retyped as another that happens to look the same.
fn signature(def: &TypeDef, class: &BTreeMap<&TypeId, usize>, components: &BTreeSet<&TypeId>) -> String {
    let mut kind = def.kind.clone();
    if let TypeKind::Struct { fields, .. } = &mut kind {
        fields.iter_mut().for_each(|field| field.description = None);
    }
    each_ref_mut(&mut kind, &mut |ty| {
        each_named_mut(ty, &mut |id| {
            if let (false, Some(number)) = (components.contains(&*id), class.get(&*id)) {
                *id = TypeId(format!("#{number}"));
            }
        })
    });
    format!("{}{kind:?}", if def.deprecated { "deprecated " } else { "" })
}

/// Merged type → survivor, for every class with more than one member.
fn survivors(types: &BTreeMap<TypeId, TypeDef>, classes: &BTreeMap<&TypeId, usize>) -> BTreeMap<TypeId, TypeId> {
    let mut members: BTreeMap<usize, Vec<&TypeDef>> = BTreeMap::new();
    for (id, number) in classes {
        members.entry(*number).or_default().push(&types[*id]);
    }
    let mut survivors = BTreeMap::new();
    for mut group in members.into_values().filter(|group| group.len() > 1) {
        group.sort_by(|a, b| {
            (!is_component(a), a.id.as_str().len(), a.id.as_str()).cmp(&(!is_component(b), b.id.as_str().len(), b.id.as_str()))
        });
        let survivor = &group[0].id;
        for def in group.iter().skip(1).filter(|def| !is_component(def)) {
            survivors.insert(def.id.clone(), survivor.clone());
        }
    }
    survivors
}

/// Calls `visit` on every type reference a kind holds.
fn each_ref_mut(kind: &mut TypeKind, visit: &mut impl FnMut(&mut TypeRef)) {
    match kind {
        TypeKind::Struct { fields, additional, .. } => {
            fields.iter_mut().for_each(|field| visit(&mut field.ty));
            additional.iter_mut().for_each(visit);
        }
        TypeKind::OneOf { variants, .. } | TypeKind::AnyOf { variants, .. } => {
            variants.iter_mut().for_each(|variant| visit(&mut variant.ty));
        }
        TypeKind::Alias { ty, .. } => visit(ty),
        TypeKind::Enum { .. } => {}
    }
}

/// Calls `visit` on every named type inside a reference.
fn each_named_mut(ty: &mut TypeRef, visit: &mut impl FnMut(&mut TypeId)) {
    match ty {
        TypeRef::Named(id) => visit(id),
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) | TypeRef::Boxed(inner) => {
            each_named_mut(inner, visit)
        }
        _ => {}
    }
}
