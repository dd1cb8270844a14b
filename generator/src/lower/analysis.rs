//! Passes over the finished type arena: breaking cycles of by-value containment with `Box`,
//! and marking which types are sent and which are received.

use std::collections::BTreeMap;

use crate::ir::{Operation, TypeDef, TypeId, TypeKind, TypeRef};

/// The type a slot holds by value (directly or as `Option`), if it is a named one.
fn by_value_target(ty: &TypeRef) -> Option<&TypeId> {
    match ty {
        TypeRef::Named(id) => Some(id),
        TypeRef::Nullable(inner) => by_value_target(inner),
        _ => None,
    }
}

/// The by-value slots of a type: (slot index, target).
fn slots(def: &TypeDef) -> impl Iterator<Item = (usize, &TypeId)> {
    let list: Vec<&TypeRef> = match &def.kind {
        TypeKind::Struct { fields, .. } => fields.iter().map(|f| &f.ty).collect(),
        TypeKind::OneOf { variants, .. } | TypeKind::AnyOf { variants, .. } => variants.iter().map(|v| &v.ty).collect(),
        TypeKind::Alias { ty, .. } => vec![ty],
        TypeKind::Enum { .. } => Vec::new(),
    };
    list.into_iter().enumerate().filter_map(|(i, ty)| by_value_target(ty).map(|t| (i, t)))
}

fn slot_mut(def: &mut TypeDef, slot: usize) -> Option<&mut TypeRef> {
    match &mut def.kind {
        TypeKind::Struct { fields, .. } => fields.get_mut(slot).map(|f| &mut f.ty),
        TypeKind::OneOf { variants, .. } | TypeKind::AnyOf { variants, .. } => variants.get_mut(slot).map(|v| &mut v.ty),
        TypeKind::Alias { ty, .. } => Some(ty),
        TypeKind::Enum { .. } => None,
    }
}

fn box_named(ty: &mut TypeRef) {
    match ty {
        TypeRef::Nullable(inner) => box_named(inner),
        TypeRef::Named(_) => {
            let named = std::mem::replace(ty, TypeRef::Any);
            *ty = TypeRef::Boxed(Box::new(named));
        }
        _ => {}
    }
}

/// Wraps in [`TypeRef::Boxed`] every slot that closes a cycle of by-value containment: a
/// depth-first search in id order, boxing each edge back to a type still on the search path.
/// Removing those edges leaves no cycle, and the choice depends only on the arena.
pub(super) fn box_cycles(types: &mut BTreeMap<TypeId, TypeDef>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Color {
        Unseen,
        OnPath,
        Done,
    }
    // Types by position in id order; edges as (slot, target position).
    let ids: Vec<&TypeId> = types.keys().collect();
    let position = |id: &TypeId| ids.binary_search(&id).ok();
    let edges: Vec<Vec<(usize, usize)>> = types
        .values()
        .map(|def| slots(def).filter_map(|(slot, target)| position(target).map(|t| (slot, t))).collect())
        .collect();
    let mut color = vec![Color::Unseen; ids.len()];
    let mut to_box: Vec<(usize, usize)> = Vec::new();
    for start in 0..ids.len() {
        if color[start] != Color::Unseen {
            continue;
        }
        color[start] = Color::OnPath;
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        while let Some(top) = stack.last_mut() {
            let (node, next) = *top;
            let Some(&(slot, target)) = edges[node].get(next) else {
                color[node] = Color::Done;
                stack.pop();
                continue;
            };
            top.1 += 1;
            match color[target] {
                Color::OnPath => to_box.push((node, slot)),
                Color::Done => {}
                Color::Unseen => {
                    color[target] = Color::OnPath;
                    stack.push((target, 0));
                }
            }
        }
    }
    let ids: Vec<TypeId> = to_box.iter().map(|&(node, _)| ids[node].clone()).collect();
    for (id, (_, slot)) in ids.into_iter().zip(to_box) {
        if let Some(ty) = types.get_mut(&id).and_then(|def| slot_mut(def, slot)) {
            box_named(ty);
        }
    }
}

fn named_in<'a>(ty: &'a TypeRef, out: &mut Vec<&'a TypeId>) {
    match ty {
        TypeRef::Named(id) => out.push(id),
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) | TypeRef::Boxed(inner) => named_in(inner, out),
        _ => {}
    }
}

fn mark(types: &mut BTreeMap<TypeId, TypeDef>, roots: Vec<TypeId>, request: bool) {
    let mut work = roots;
    while let Some(id) = work.pop() {
        let Some(def) = types.get_mut(&id) else { continue };
        let flag = if request { &mut def.usage.request } else { &mut def.usage.response };
        if *flag {
            continue;
        }
        *flag = true;
        let mut inner = Vec::new();
        match &def.kind {
            TypeKind::Struct { fields, additional, .. } => {
                fields.iter().for_each(|f| named_in(&f.ty, &mut inner));
                if let Some(additional) = additional {
                    named_in(additional, &mut inner);
                }
            }
            TypeKind::OneOf { variants, .. } | TypeKind::AnyOf { variants, .. } => {
                variants.iter().for_each(|v| named_in(&v.ty, &mut inner))
            }
            TypeKind::Alias { ty, .. } => named_in(ty, &mut inner),
            TypeKind::Enum { .. } => {}
        }
        work.extend(inner.into_iter().cloned());
    }
}

/// Sets [`crate::ir::Usage`] on every type reachable from a request or a response.
pub(super) fn mark_usage(types: &mut BTreeMap<TypeId, TypeDef>, operations: &[Operation]) {
    let mut request = Vec::new();
    let mut response = Vec::new();
    for operation in operations {
        operation.parameters.iter().for_each(|p| named_in(&p.ty, &mut request));
        for content in operation.request_body.iter().flat_map(|b| &b.contents) {
            content.ty.iter().for_each(|ty| named_in(ty, &mut request));
        }
        for r in &operation.responses {
            r.contents.iter().flat_map(|c| &c.ty).for_each(|ty| named_in(ty, &mut response));
            r.headers.iter().for_each(|h| named_in(&h.ty, &mut response));
        }
    }
    let request = request.into_iter().cloned().collect();
    let response = response.into_iter().cloned().collect();
    mark(types, request, true);
    mark(types, response, false);
}
