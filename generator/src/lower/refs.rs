//! `$ref` resolution: local references to `#/components/{kind}/{name}`, chains followed,
//! missing targets and cycles reported.

use std::borrow::Cow;
use std::collections::HashMap;

use indexmap::IndexMap;
use openapiv3::{Components, ReferenceOr};

use super::Lowerer;
use crate::ir;

/// Lowered component parameters, bodies, responses and headers, by component name; `None`
/// records a component that failed so its errors are reported once.
#[derive(Debug, Default)]
pub(super) struct ComponentCache {
    pub parameters: HashMap<String, Option<ir::Parameter>>,
    pub request_bodies: HashMap<String, Option<ir::RequestBody>>,
    pub responses: HashMap<String, Option<super::operations::LoweredResponse>>,
    pub headers: HashMap<String, Option<ir::ResponseHeader>>,
}

/// Splits `#/components/{kind}/{name}` into kind and (unescaped) name.
fn parse_reference(reference: &str) -> Result<(&str, Cow<'_, str>), String> {
    let Some(local) = reference.strip_prefix("#/") else {
        return Err(format!(
            "`$ref: {reference}` is not supported: only references within the document (`#/components/...`) are"
        ));
    };
    let mut tokens = local.split('/');
    match (tokens.next(), tokens.next(), tokens.next(), tokens.next()) {
        (Some("components"), Some(kind), Some(name), None) if !name.is_empty() => {
            let name = if name.contains('~') {
                Cow::Owned(name.replace("~1", "/").replace("~0", "~"))
            } else {
                Cow::Borrowed(name)
            };
            Ok((kind, name))
        }
        _ => Err(format!(
            "`$ref: {reference}` is not supported: references must name a component (`#/components/{{kind}}/{{name}}`)"
        )),
    }
}

impl<'d> Lowerer<'d> {
    /// Follows `reference` (and any chain of references) to a component of `kind`. Errors are
    /// recorded at `at`, the pointer of the node holding the `$ref`.
    pub(super) fn resolve<T>(
        &mut self,
        reference: &str,
        at: &str,
        kind: &str,
        map: impl Fn(&'d Components) -> &'d IndexMap<String, ReferenceOr<T>>,
    ) -> Option<(&'d str, &'d T)> {
        let mut current = reference.to_owned();
        // The references followed so far, to report a cycle; only grows for chains.
        let mut chain: Vec<String> = Vec::new();
        loop {
            let (found_kind, name) = match parse_reference(&current) {
                Ok(parsed) => parsed,
                Err(message) => {
                    self.error(at, message);
                    return None;
                }
            };
            if found_kind != kind {
                self.error(at, format!("`$ref: {current}` must point into `#/components/{kind}` here"));
                return None;
            }
            let components = self.doc.components.as_ref();
            let Some((key, target)) = components.and_then(|c| map(c).get_key_value(name.as_ref())) else {
                self.error(at, format!("`$ref: {current}` points to nothing: there is no such component"));
                return None;
            };
            match target {
                ReferenceOr::Item(item) => return Some((key.as_str(), item)),
                ReferenceOr::Reference { reference: next } => {
                    chain.push(std::mem::replace(&mut current, next.clone()));
                    if chain.contains(&current) {
                        chain.push(current);
                        self.error(at, format!("`$ref` chain is cyclic: {}", chain.join(" → ")));
                        return None;
                    }
                }
            }
        }
    }

    /// Follows a schema reference to the schema it finally names.
    pub(super) fn resolve_schema(&mut self, reference: &str, at: &str) -> Option<(&'d str, &'d openapiv3::Schema)> {
        self.resolve(reference, at, "schemas", |c| &c.schemas)
    }

    /// The type for a schema `$ref`: the referenced component's type, nullable when the schema
    /// at the end of the chain is.
    pub(super) fn schema_reference_type(&mut self, reference: &str, at: &str) -> TypeRefResult {
        let name = match parse_reference(reference) {
            Ok(("schemas", name)) => name,
            Ok(_) => {
                self.error(at, format!("`$ref: {reference}` must point into `#/components/schemas` here"));
                return TypeRefResult::any();
            }
            Err(message) => {
                self.error(at, message);
                return TypeRefResult::any();
            }
        };
        let Some(id) = self.schema_ids.get(name.as_ref()).cloned() else {
            self.error(at, format!("`$ref: {reference}` points to nothing: there is no such component"));
            return TypeRefResult::any();
        };
        let nullable = match self.resolve_schema(reference, at) {
            Some((_, schema)) => super::schema::is_nullable(schema, self.doc.components.as_ref()),
            None => false,
        };
        TypeRefResult { ty: ir::TypeRef::Named(id), nullable }
    }
}

/// A lowered type and whether `null` is allowed, kept apart so fields and parameters can
/// carry nullability as a flag.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TypeRefResult {
    pub ty: ir::TypeRef,
    pub nullable: bool,
}

impl TypeRefResult {
    pub fn any() -> Self {
        TypeRefResult { ty: ir::TypeRef::Any, nullable: false }
    }

    /// The type with nullability folded in, for places without a nullable flag.
    pub fn folded(self) -> ir::TypeRef {
        if self.nullable && self.ty != ir::TypeRef::Any {
            ir::TypeRef::Nullable(Box::new(self.ty))
        } else {
            self.ty
        }
    }
}
