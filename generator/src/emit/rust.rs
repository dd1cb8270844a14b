//! Helpers shared by the emitters: Rust types for IR type references, doc attributes, and
//! which derives a type can have.

use std::collections::BTreeSet;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ir::{Api, EnumRepr, StatusSpec, TypeDef, TypeId, TypeKind, TypeRef};

/// The URL of a server with its variables at their defaults.
pub fn server_url(server: &crate::ir::Server) -> String {
    let mut url = server.url.clone();
    for variable in &server.variables {
        url = url.replace(&format!("{{{}}}", variable.name), &variable.default);
    }
    url
}

/// The variant name for a status: `Ok`, `NotFound`, `Status418`, `Status4xx`, `Default`.
pub fn status_variant(status: StatusSpec) -> proc_macro2::Ident {
    let name = match status {
        StatusSpec::Code(code) => match code {
            200 => "Ok".to_owned(),
            201 => "Created".to_owned(),
            202 => "Accepted".to_owned(),
            204 => "NoContent".to_owned(),
            400 => "BadRequest".to_owned(),
            401 => "Unauthorized".to_owned(),
            402 => "PaymentRequired".to_owned(),
            403 => "Forbidden".to_owned(),
            404 => "NotFound".to_owned(),
            405 => "MethodNotAllowed".to_owned(),
            409 => "Conflict".to_owned(),
            410 => "Gone".to_owned(),
            415 => "UnsupportedMediaType".to_owned(),
            422 => "UnprocessableEntity".to_owned(),
            429 => "TooManyRequests".to_owned(),
            500 => "InternalServerError".to_owned(),
            501 => "NotImplemented".to_owned(),
            502 => "BadGateway".to_owned(),
            503 => "ServiceUnavailable".to_owned(),
            504 => "GatewayTimeout".to_owned(),
            other => format!("Status{other}"),
        },
        StatusSpec::Range(digit) => format!("Status{digit}xx"),
        StatusSpec::Default => "Default".to_owned(),
    };
    ident(&name)
}

pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// `pipedrive-types` → `pipedrive_types`.
pub fn lib_name(package: &str) -> String {
    package.replace('-', "_")
}

/// `#[doc = "..."]` lines (rendered as `///`) for optional spec text; nothing when absent.
pub fn docs(text: Option<&str>) -> TokenStream {
    match text.map(str::trim).filter(|text| !text.is_empty()) {
        Some(text) => doc_lines(text),
        None => TokenStream::new(),
    }
}

/// Docs for an item that may be deprecated: `#[deprecated]` would warn on every use inside the
/// generated crate itself, so deprecation is stated in the docs instead.
pub fn docs_deprecated(text: Option<&str>, deprecated: bool) -> TokenStream {
    let mut tokens = docs(text);
    if deprecated {
        if !tokens.is_empty() {
            tokens.extend(quote! { #[doc = ""] });
        }
        tokens.extend(quote! { #[doc = " **Deprecated** by the API."] });
    }
    tokens
}

/// Crate-level `//!` docs: a title line, then the spec's description.
pub fn inner_docs(title: &str, description: Option<&str>) -> TokenStream {
    let mut lines = vec![format!(" {title}")];
    if let Some(description) = description.map(str::trim).filter(|text| !text.is_empty()) {
        lines.push(String::new());
        lines.extend(description.lines().map(|line| if line.is_empty() { String::new() } else { format!(" {}", line.trim_end()) }));
    }
    quote! { #( #![doc = #lines] )* }
}

pub fn doc_lines(text: &str) -> TokenStream {
    let lines = text.lines().map(|line| if line.is_empty() { String::new() } else { format!(" {}", line.trim_end()) });
    quote! { #( #[doc = #lines] )* }
}

/// Whether a 0/1 numeric enum, emitted as the types crate's `Flag`.
pub fn is_flag_enum(repr: EnumRepr, variants: &[crate::ir::EnumVariant]) -> bool {
    let values: BTreeSet<String> = variants.iter().map(|variant| variant.value.to_string()).collect();
    matches!(repr, EnumRepr::Integer | EnumRepr::Number)
        && values == BTreeSet::from(["0".to_owned(), "1".to_owned()])
}

/// The Rust type for a reference; named types are paths under `types_root` (`crate` inside
/// the types crate, `::pipedrive_types` elsewhere).
pub fn type_tokens(ty: &TypeRef, types_root: &TokenStream) -> TokenStream {
    match ty {
        TypeRef::Named(id) => {
            let name = ident(id.as_str());
            quote! { #types_root::#name }
        }
        TypeRef::String { .. } | TypeRef::Byte => quote! { ::std::string::String },
        TypeRef::Integer { format } if format.as_deref() == Some("int32") => quote! { i32 },
        TypeRef::Integer { .. } => quote! { i64 },
        TypeRef::Number { .. } => quote! { f64 },
        TypeRef::Boolean => quote! { bool },
        TypeRef::Date => quote! { ::chrono::NaiveDate },
        TypeRef::DateTime => quote! { ::chrono::DateTime<::chrono::FixedOffset> },
        TypeRef::Uuid => quote! { ::uuid::Uuid },
        TypeRef::Binary => quote! { #types_root::support::FilePart },
        TypeRef::Array(item) => {
            let item = type_tokens(item, types_root);
            quote! { ::std::vec::Vec<#item> }
        }
        TypeRef::Map(value) => {
            let value = type_tokens(value, types_root);
            quote! { ::std::collections::BTreeMap<::std::string::String, #value> }
        }
        TypeRef::Any => quote! { ::serde_json::Value },
        TypeRef::Nullable(inner) => {
            let inner = type_tokens(inner, types_root);
            quote! { ::std::option::Option<#inner> }
        }
        TypeRef::Boxed(inner) => {
            let inner = type_tokens(inner, types_root);
            quote! { ::std::boxed::Box<#inner> }
        }
    }
}

/// Which optional derives a type can have; computed over the whole type graph once.
pub struct Traits<'a> {
    api: &'a Api,
}

impl<'a> Traits<'a> {
    pub fn new(api: &'a Api) -> Self {
        Traits { api }
    }

    /// `Eq` and `Hash` are valid when no float or free JSON value is reachable.
    pub fn eq_hash(&self, def: &TypeDef) -> bool {
        self.def_eq_hash(def, &mut BTreeSet::new())
    }

    fn def_eq_hash(&self, def: &TypeDef, seen: &mut BTreeSet<TypeId>) -> bool {
        if !seen.insert(def.id.clone()) {
            return true;
        }
        match &def.kind {
            TypeKind::Struct { fields, additional, .. } => {
                fields.iter().all(|field| self.ref_eq_hash(&field.ty, seen))
                    && additional.as_ref().is_none_or(|ty| self.ref_eq_hash(ty, seen))
            }
            TypeKind::Enum { repr, variants } => {
                is_flag_enum(*repr, variants) || matches!(repr, EnumRepr::String | EnumRepr::Integer | EnumRepr::Boolean)
            }
            // A received discriminated union keeps unknown variants as free JSON.
            TypeKind::OneOf { variants, rule } | TypeKind::AnyOf { variants, rule } => {
                super::unions::unknown_variant(def, variants, rule).is_none()
                    && variants.iter().all(|variant| self.ref_eq_hash(&variant.ty, seen))
            }
            TypeKind::Alias { ty, .. } => self.ref_eq_hash(ty, seen),
        }
    }

    fn ref_eq_hash(&self, ty: &TypeRef, seen: &mut BTreeSet<TypeId>) -> bool {
        match ty {
            TypeRef::Named(id) => self.api.types.get(id).is_none_or(|def| self.def_eq_hash(def, seen)),
            TypeRef::Number { .. } | TypeRef::Any => false,
            TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) | TypeRef::Boxed(inner) => {
                self.ref_eq_hash(inner, seen)
            }
            _ => true,
        }
    }

    /// `Default` is valid for structs whose required fields all have a default.
    pub fn default(&self, def: &TypeDef) -> bool {
        matches!(def.kind, TypeKind::Struct { .. }) && self.def_default(def, &mut BTreeSet::new())
    }

    fn def_default(&self, def: &TypeDef, seen: &mut BTreeSet<TypeId>) -> bool {
        if !seen.insert(def.id.clone()) {
            return true;
        }
        match &def.kind {
            TypeKind::Struct { fields, .. } => fields
                .iter()
                .filter(|field| field.required_in_rust(def.usage) && !field.nullable)
                .all(|field| self.ref_default(&field.ty, seen)),
            TypeKind::Enum { repr, variants } => is_flag_enum(*repr, variants) || *repr == EnumRepr::Boolean
                || (*repr == EnumRepr::Number),
            TypeKind::OneOf { .. } | TypeKind::AnyOf { .. } => false,
            TypeKind::Alias { ty, .. } => self.ref_default(ty, seen),
        }
    }

    fn ref_default(&self, ty: &TypeRef, seen: &mut BTreeSet<TypeId>) -> bool {
        match ty {
            TypeRef::Named(id) => self.api.types.get(id).is_some_and(|def| self.def_default(def, seen)),
            TypeRef::Boxed(inner) => self.ref_default(inner, seen),
            _ => true,
        }
    }
}

/// The entries of a runtime's `SCHEMES` table (`runtime::auth::SecurityScheme`, the same data in
/// client and server): oauth2 and openIdConnect travel as bearer tokens; HTTP schemes other
/// than basic and bearer have no entry.
pub fn security_scheme_entries(api: &Api) -> Vec<TokenStream> {
    use crate::ir::{ApiKeyLocation, SecuritySchemeKind};
    api.security_schemes
        .values()
        .filter_map(|scheme| {
            let name = &scheme.name;
            let kind = match &scheme.kind {
                SecuritySchemeKind::ApiKey { location, param_name } => {
                    let location = match location {
                        ApiKeyLocation::Query => quote!(Query),
                        ApiKeyLocation::Header => quote!(Header),
                        ApiKeyLocation::Cookie => quote!(Cookie),
                    };
                    quote! { crate::runtime::auth::SchemeKind::ApiKey { location: crate::runtime::auth::ApiKeyLocation::#location, parameter: #param_name } }
                }
                SecuritySchemeKind::Http { scheme, .. } if scheme == "basic" => quote!(crate::runtime::auth::SchemeKind::Basic),
                SecuritySchemeKind::Http { scheme, .. } if scheme == "bearer" => quote!(crate::runtime::auth::SchemeKind::Bearer),
                SecuritySchemeKind::Http { .. } => return None,
                SecuritySchemeKind::OAuth2 { .. } | SecuritySchemeKind::OpenIdConnect { .. } => {
                    quote!(crate::runtime::auth::SchemeKind::Bearer)
                }
            };
            Some(quote! { crate::runtime::auth::SecurityScheme { name: #name, kind: #kind } })
        })
        .collect()
}

/// The attributes every generated crate root carries after its docs: no `unsafe`, and the
/// rustdoc and clippy lints that docs copied from a spec cannot meet allowed.
pub fn crate_attributes() -> TokenStream {
    quote! {
        #![forbid(unsafe_code)]
        // Docs are copied from the spec as written: URLs and brackets there are not rustdoc links.
        #![allow(rustdoc::bare_urls, rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]
        // Spec text is not written with Markdown lists and paragraphs in mind.
        #![allow(clippy::doc_lazy_continuation, clippy::doc_overindented_list_items)]
    }
}
