//! Cargo features of the generated crates: one per tag, so a user of a large API compiles
//! only the operations (and the types they reach) of the tags it uses.
//!
//! - A tag's feature is its name in kebab case (`Pull Requests` → `pull-requests`; a clash
//!   or an unusable name gets a suffix). Operations without a tag are under `untagged`.
//! - An operation with several tags is compiled when any of their features is on.
//! - A type is compiled when a feature whose operations reach it is on. Types no operation
//!   reaches (components kept for completeness) are under `unreferenced`; a merged type's
//!   alias (see `lower/dedupe.rs`) follows the type it names.
//! - Every feature is on by default but `unreferenced`: types no operation sends or receives
//!   (GitHub's webhook payloads, half of its types crate) are compiled only when asked for.
//!   The client's and server's features turn on the types crate's feature of the same name.
//!
//! Items are gated by a `#[cfg(any(feature = "..", ..))]` on each of them ([`gate`]).

use std::collections::{BTreeMap, BTreeSet};

use heck::ToKebabCase;
use proc_macro2::TokenStream;
use quote::quote;

use crate::ir::{Api, TypeId, TypeKind, TypeRef};

const UNTAGGED: &str = "untagged";
const UNREFERENCED: &str = "unreferenced";

pub(super) struct Features {
    /// Feature names, sorted.
    names: Vec<String>,
    /// Per operation (in `api.operations` order): the features that compile it.
    operations: Vec<BTreeSet<String>>,
    /// Per type: the features that compile it; a type not listed is always compiled.
    types: BTreeMap<TypeId, BTreeSet<String>>,
}

impl Features {
    pub(super) fn of(api: &Api) -> Self {
        let tag_features = tag_features(api);
        let operations: Vec<BTreeSet<String>> = api
            .operations
            .iter()
            .map(|op| match op.tags.is_empty() {
                true => BTreeSet::from([UNTAGGED.to_owned()]),
                false => op.tags.iter().map(|tag| tag_features[tag].clone()).collect(),
            })
            .collect();
        let mut types: BTreeMap<TypeId, BTreeSet<String>> = BTreeMap::new();
        for (op, features) in api.operations.iter().zip(&operations) {
            let mut roots = Vec::new();
            op.parameters.iter().for_each(|p| named_in(&p.ty, &mut roots));
            for content in op.request_body.iter().flat_map(|b| &b.contents) {
                content.ty.iter().for_each(|ty| named_in(ty, &mut roots));
            }
            for r in &op.responses {
                r.contents.iter().flat_map(|c| &c.ty).for_each(|ty| named_in(ty, &mut roots));
                r.headers.iter().for_each(|h| named_in(&h.ty, &mut roots));
            }
            for feature in features {
                reach(api, roots.clone(), feature, &mut types);
            }
        }
        let unreached: Vec<TypeId> =
            api.types.keys().filter(|id| !types.contains_key(*id) && merged_into(api, id).is_none()).cloned().collect();
        reach(api, unreached, UNREFERENCED, &mut types);
        follow_aliases(api, &mut types);
        let mut names: BTreeSet<String> = operations.iter().flatten().cloned().collect();
        names.extend(types.values().flatten().cloned());
        Features { names: names.into_iter().collect(), operations, types }
    }

    /// `#[cfg(..)]` of the operation at `index`.
    pub(super) fn operation(&self, index: usize) -> TokenStream {
        cfg(&self.operations[index])
    }

    /// `#[cfg(..)]` of a type; empty when it is always compiled.
    pub(super) fn of_type(&self, id: &TypeId) -> TokenStream {
        self.types.get(id).map(cfg).unwrap_or_default()
    }

    /// The `[features]` table; with `forward`, each feature turns on the same one of that
    /// dependency (the types crate).
    pub(super) fn cargo_table(&self, forward: Option<&str>) -> String {
        let quoted: Vec<String> =
            self.names.iter().filter(|name| *name != UNREFERENCED).map(|name| format!("\"{name}\"")).collect();
        let mut table = format!("[features]\ndefault = [{}]\n", quoted.join(", "));
        for name in &self.names {
            match forward {
                Some(dependency) => table.push_str(&format!("{name} = [\"{dependency}/{name}\"]\n")),
                None => table.push_str(&format!("{name} = []\n")),
            }
        }
        table
    }

    /// What a crate that wants every type adds to its dependency on the types crate:
    /// `, features = ["unreferenced"]` when there is such a feature.
    pub(super) fn types_dependency_features(&self) -> String {
        match self.names.iter().any(|name| name == UNREFERENCED) {
            true => format!(", features = [\"{UNREFERENCED}\"]"),
            false => String::new(),
        }
    }

    /// The module group of a type in the types crate: its feature's name when one feature
    /// compiles it, `shared` when several do, `common` when it is always compiled. A valid
    /// module name.
    pub(super) fn group_of(&self, id: &TypeId) -> String {
        let name = match self.types.get(id) {
            Some(features) if features.len() == 1 => features.iter().next().map(|f| f.replace('-', "_")).unwrap_or_default(),
            Some(_) => "shared".to_owned(),
            None => "common".to_owned(),
        };
        if syn::parse_str::<syn::Ident>(&name).is_ok() { name } else { format!("tag_{name}") }
    }

    /// The README section on features, for the client and server crates.
    pub(super) fn readme_section(&self, package: &str) -> String {
        let Some(first) = self.names.first() else { return String::new() };
        let listed: Vec<String> =
            self.names.iter().filter(|name| *name != UNREFERENCED).map(|name| format!("`{name}`")).collect();
        let example = self.names.iter().find(|name| !matches!(name.as_str(), UNTAGGED | UNREFERENCED)).unwrap_or(first);
        let has = |name: &str| self.names.iter().any(|n| n == name);
        let mut notes = String::new();
        if has(UNTAGGED) {
            notes.push_str(&format!(" `{UNTAGGED}` holds the operations without a tag."));
        }
        if has(UNREFERENCED) {
            notes.push_str(&format!(" `{UNREFERENCED}`, off by default, holds the types no operation uses."));
        }
        format!(
            "\n## Features\n\nOne cargo feature per tag of the API, all on by default: {}.{notes} To compile only what\n\
some tags need (their operations and the types they reach):\n\n\
```toml\n{package} = {{ path = \"...\", default-features = false, features = [\"{example}\"] }}\n```\n",
            listed.join(", ")
        )
    }
}

/// Feature name per tag used by an operation.
fn tag_features(api: &Api) -> BTreeMap<String, String> {
    let tags: BTreeSet<&String> = api.operations.iter().flat_map(|op| &op.tags).collect();
    let mut taken = BTreeSet::from([UNTAGGED.to_owned(), UNREFERENCED.to_owned(), "default".to_owned()]);
    let mut features = BTreeMap::new();
    for tag in tags {
        let base: String = tag.to_kebab_case().chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        let base = if base.is_empty() || base.starts_with('-') { format!("tag{base}") } else { base };
        let mut name = base.clone();
        let mut n = 2;
        while !taken.insert(name.clone()) {
            name = format!("{base}-{n}");
            n += 1;
        }
        features.insert(tag.clone(), name);
    }
    features
}

/// The survivor a merged type names (`pub type Merged = Survivor`), from `lower/dedupe.rs`.
fn merged_into<'a>(api: &'a Api, id: &TypeId) -> Option<&'a TypeId> {
    let def = api.types.get(id)?;
    match &def.kind {
        TypeKind::Alias { ty: TypeRef::Named(target), constraints } if constraints.is_empty() && def.usage == Default::default() => {
            Some(target)
        }
        _ => None,
    }
}

/// Adds `feature` to every type reachable from `roots`.
fn reach(api: &Api, mut work: Vec<TypeId>, feature: &str, types: &mut BTreeMap<TypeId, BTreeSet<String>>) {
    while let Some(id) = work.pop() {
        if !types.entry(id.clone()).or_default().insert(feature.to_owned()) {
            continue;
        }
        let Some(def) = api.types.get(&id) else { continue };
        match &def.kind {
            TypeKind::Struct { fields, additional, .. } => {
                fields.iter().for_each(|f| named_in(&f.ty, &mut work));
                additional.iter().for_each(|ty| named_in(ty, &mut work));
            }
            TypeKind::OneOf { variants, .. } | TypeKind::AnyOf { variants, .. } => {
                variants.iter().for_each(|v| named_in(&v.ty, &mut work));
            }
            TypeKind::Alias { ty, .. } => named_in(ty, &mut work),
            TypeKind::Enum { .. } => {}
        }
    }
}

/// Gives each merged type's alias the features of the type it names (through chains).
fn follow_aliases(api: &Api, types: &mut BTreeMap<TypeId, BTreeSet<String>>) {
    let aliases: Vec<(TypeId, &TypeId)> =
        api.types.keys().filter_map(|id| merged_into(api, id).map(|target| (id.clone(), target))).collect();
    for (alias, target) in aliases {
        if types.contains_key(&alias) {
            continue;
        }
        let mut current = target;
        for _ in 0..api.types.len() {
            match (types.get(current), merged_into(api, current)) {
                (Some(features), _) => {
                    let features = features.clone();
                    types.insert(alias.clone(), features);
                    break;
                }
                (None, Some(next)) => current = next,
                (None, None) => break,
            }
        }
    }
}

fn named_in(ty: &TypeRef, out: &mut Vec<TypeId>) {
    match ty {
        TypeRef::Named(id) => out.push(id.clone()),
        TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) | TypeRef::Boxed(inner) => named_in(inner, out),
        _ => {}
    }
}

fn cfg(features: &BTreeSet<String>) -> TokenStream {
    match features.len() {
        1 => {
            let feature = features.iter().next();
            quote!(#[cfg(feature = #feature)])
        }
        _ => {
            let features = features.iter();
            quote!(#[cfg(any( #( feature = #features ),* ))])
        }
    }
}

/// `tokens` (a sequence of items) with `cfg` on each item.
pub(super) fn gate(tokens: TokenStream, cfg: &TokenStream) -> TokenStream {
    if cfg.is_empty() {
        return tokens;
    }
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => {
            let items = file.items.iter();
            quote!( #( #cfg #items )* )
        }
        // Emitters produce items; should one not, it stays ungated rather than lost.
        Err(_) => tokens,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
openapi: 3.0.3
info: {title: T, version: "1"}
paths:
  /a:
    get:
      operationId: getA
      tags: [Pull Requests]
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Shared'}}}}
  /b:
    get:
      operationId: getB
      tags: [pull requests, Repos]
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Shared'}}}}
  /c:
    get:
      operationId: getC
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Own'}}}}
components:
  schemas:
    Shared: {type: object, properties: {inner: {$ref: '#/components/schemas/Inner'}}}
    Inner: {type: object, properties: {x: {type: integer}}}
    Own: {type: object, properties: {y: {type: integer}}}
    Unused: {type: object, properties: {z: {type: integer}}}
"#;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn one_feature_per_tag_and_types_follow_the_operations_that_reach_them() {
        let api = crate::lower::load_and_lower("features.yaml", SPEC).expect("lowers");
        let features = Features::of(&api);
        assert_eq!(features.names, ["pull-requests", "pull-requests-2", "repos", "unreferenced", "untagged"]);
        assert_eq!(features.operations, [set(&["pull-requests"]), set(&["pull-requests-2", "repos"]), set(&["untagged"])]);
        let of = |name: &str| features.types.get(&TypeId(name.to_owned())).cloned().unwrap_or_default();
        // Reached through `Shared`, from both tagged operations.
        assert_eq!(of("Inner"), set(&["pull-requests", "pull-requests-2", "repos"]));
        assert_eq!(of("Own"), set(&["untagged"]));
        assert_eq!(of("Unused"), set(&["unreferenced"]));
        let table = features.cargo_table(Some("t-types"));
        assert!(table.contains("repos = [\"t-types/repos\"]\n"), "{table}");
        assert!(table.starts_with("[features]\ndefault = [\"pull-requests\", \"pull-requests-2\", \"repos\", \"untagged\"]\n"), "{table}");
    }

    #[test]
    fn gating_puts_the_cfg_on_every_item() {
        let cfg = cfg(&set(&["a", "b"]));
        let gated = gate(quote! { struct A; impl A {} fn f() {} }, &cfg).to_string();
        assert_eq!(gated.matches("cfg (any (feature = \"a\" , feature = \"b\"))").count(), 3, "{gated}");
        assert_eq!(gate(quote! { struct A; }, &TokenStream::new()).to_string(), "struct A ;");
    }
}
