//! The types crate: one serde type per IR type, plus the spec-independent `support` module
//! (`Nullable`, `Flag`).

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::quote;

use super::rust::{crate_attributes, docs_deprecated, ident, inner_docs, is_flag_enum, type_tokens, Traits};
use super::features::{gate, Features};
use super::{rust_file, text_file, verbatim_rust_file, CrateNames, EmitError, GeneratedFile};
use crate::ir::{Api, EnumRepr, EnumVariant, Field, TypeDef, TypeKind, TypeRef, Usage};

const SUPPORT: &str = include_str!("../../../templates/types/support.rs");

/// At most this many types per module file (the types of a group, split in name order).
const TYPES_PER_MODULE: usize = 150;

pub fn emit_types_crate(api: &Api, names: &CrateNames) -> Result<Vec<GeneratedFile>, EmitError> {
    let dir = &names.types;
    let features = Features::of(api);
    let traits = Traits::new(api);
    let modules = modules(api, &features);
    let mut files = vec![
        text_file(format!("{dir}/Cargo.toml"), ("# ", ""), &cargo_toml(api, names, &features)),
        rust_file(format!("{dir}/src/lib.rs"), lib_rs(api, &modules))?,
        // Its doctests name the crate they run in.
        verbatim_rust_file(
            format!("{dir}/src/support.rs"),
            &SUPPORT.replace("runtime_templates::types::support", &format!("{}::support", dir.replace('-', "_"))),
        ),
    ];
    for (module, defs) in &modules {
        let types = defs.iter().map(|def| gate(emit_type(api, def, &traits), &features.of_type(&def.id)));
        let doc = format!(" Types of the `{module}` group (see the crate root, which re-exports them).");
        let tokens = quote! {
            #![doc = #doc]
            #( #types )*
        };
        files.push(rust_file(format!("{dir}/src/types/{module}.rs"), tokens)?);
    }
    Ok(files)
}

/// The types in module files: grouped by the features that compile them
/// ([`Features::group_of`]), a group of more than [`TYPES_PER_MODULE`] split in name order into
/// `group_1`, `group_2`, ...
fn modules<'a>(api: &'a Api, features: &Features) -> Vec<(String, Vec<&'a TypeDef>)> {
    let mut groups: BTreeMap<String, Vec<&TypeDef>> = BTreeMap::new();
    for def in api.types.values() {
        groups.entry(features.group_of(&def.id)).or_default().push(def);
    }
    let mut modules = Vec::new();
    for (group, defs) in groups {
        let count = defs.len().div_ceil(TYPES_PER_MODULE);
        for (index, chunk) in defs.chunks(TYPES_PER_MODULE).enumerate() {
            let name = if count == 1 { group.clone() } else { format!("{group}_{}", index + 1) };
            modules.push((name, chunk.to_vec()));
        }
    }
    modules
}

fn cargo_toml(api: &Api, names: &CrateNames, features: &Features) -> String {
    format!(
        r#"{package}
[lib]
path = "src/lib.rs"

[dependencies]
chrono = {{ version = "0.4", default-features = false, features = ["std", "serde"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
uuid = {{ version = "1", default-features = false, features = ["std", "serde"] }}

{features}"#,
        package = super::package_table(&names.types, "Serde types of", api, false),
        features = features.cargo_table(None),
    )
}

fn lib_rs(api: &Api, modules: &[(String, Vec<&TypeDef>)]) -> TokenStream {
    let crate_doc = inner_docs(&format!("Types of {} {}.", api.title, api.version), api.description.as_deref());
    let names: Vec<proc_macro2::Ident> = modules.iter().map(|(name, _)| ident(name)).collect();
    let attributes = crate_attributes();
    quote! {
        #crate_doc
        #attributes

        /// `Nullable` and `Flag`; not re-exported at the root, where a schema may take those names.
        pub mod support;

        /// The types, in files by group; every type is re-exported here, at the root.
        mod types {
            #( pub(crate) mod #names; )*
        }

        // A module whose types the features leave out re-exports nothing.
        #( #[allow(unused_imports)] pub use types::#names::*; )*
    }
}

fn emit_type(api: &Api, def: &TypeDef, traits: &Traits) -> TokenStream {
    let doc = docs_deprecated(def.description.as_deref(), def.deprecated);
    let name = ident(def.id.as_str());
    let eq_hash = traits.eq_hash(def);
    let mut derives = vec![quote!(Debug), quote!(Clone), quote!(PartialEq)];
    if eq_hash {
        derives.extend([quote!(Eq), quote!(Hash)]);
    }
    match &def.kind {
        // `deny_unknown` is not emitted: these types also decode received data, which should
        // tolerate new properties; the server emitter enforces it when validating requests.
        TypeKind::Struct { fields, additional, .. } => {
            if traits.default(def) {
                derives.push(quote!(Default));
            }
            emit_struct(&name, doc, derives, fields, additional.as_ref(), def.usage)
        }
        TypeKind::Enum { repr, variants } => emit_enum(def, &name, doc, *repr, variants),
        TypeKind::OneOf { variants, rule } | TypeKind::AnyOf { variants, rule } => {
            let union = super::unions::emit_union(def, doc, derives, variants, rule);
            let files = super::unions::files_impl(&name, &api.file_variants(&TypeRef::Named(def.id.clone())));
            quote! { #union #files }
        }
        TypeKind::Alias { ty, .. } => {
            let ty = type_tokens(ty, &quote!(crate));
            quote! { #doc pub type #name = #ty; }
        }
    }
}

fn emit_struct(
    name: &proc_macro2::Ident,
    doc: TokenStream,
    derives: Vec<TokenStream>,
    fields: &[Field],
    additional: Option<&TypeRef>,
    usage: Usage,
) -> TokenStream {
    let emitted = fields.iter().map(|field| emit_field(field, usage));
    let extra = additional.map(|ty| {
        let taken = |candidate: &str| fields.iter().any(|field| field.rust_name == candidate);
        let field_name = ident(["extra", "extra_properties", "additional_properties_"]
            .into_iter()
            .find(|candidate| !taken(candidate))
            .unwrap_or("additional_properties_"));
        let value = type_tokens(ty, &quote!(crate));
        quote! {
            /// Properties beyond the named ones (`additionalProperties`), by name.
            #[serde(flatten)]
            pub #field_name: ::std::collections::BTreeMap<::std::string::String, #value>,
        }
    });
    quote! {
        #doc
        #[derive(#(#derives,)* ::serde::Serialize, ::serde::Deserialize)]
        pub struct #name {
            #( #emitted )*
            #extra
        }
    }
}

/// One field: `Option` (or `Nullable`) unless required in Rust ([`Field::required_in_rust`]).
fn emit_field(field: &Field, usage: Usage) -> TokenStream {
    let doc = docs_deprecated(field.description.as_deref(), field.deprecated);
    let name = ident(&field.rust_name);
    let wire = &field.wire_name;
    let rename = (field.rust_name != field.wire_name).then(|| quote! { #[serde(rename = #wire)] });
    let ty = type_tokens(&field.ty, &quote!(crate));
    let (ty, serde) = match (field.required_in_rust(usage), field.nullable) {
        (true, false) => (ty, quote!()),
        (true, true) => (quote! { ::std::option::Option<#ty> }, quote!()),
        (false, false) => (
            quote! { ::std::option::Option<#ty> },
            quote! { #[serde(default, skip_serializing_if = "::std::option::Option::is_none")] },
        ),
        (false, true) => (
            quote! { crate::support::Nullable<#ty> },
            quote! { #[serde(default, skip_serializing_if = "crate::support::Nullable::is_absent")] },
        ),
    };
    quote! { #doc #rename #serde pub #name: #ty, }
}

fn emit_enum(
    def: &TypeDef,
    name: &proc_macro2::Ident,
    doc: TokenStream,
    repr: EnumRepr,
    variants: &[EnumVariant],
) -> TokenStream {
    if is_flag_enum(repr, variants) {
        return quote! { #doc pub type #name = crate::support::Flag; };
    }
    match repr {
        EnumRepr::String => emit_string_enum(def, name, doc, variants),
        EnumRepr::Integer => emit_integer_enum(def, name, doc, variants),
        // Float and boolean enums are rare and gain little from a Rust enum; they stay values.
        EnumRepr::Number => quote! { #doc pub type #name = f64; },
        EnumRepr::Boolean => quote! { #doc pub type #name = bool; },
    }
}

/// The name of the catch-all variant, clear of the declared ones.
fn unknown_variant(variants: &[EnumVariant]) -> proc_macro2::Ident {
    let taken = |candidate: &str| variants.iter().any(|variant| variant.rust_name == candidate);
    ident(["Unknown", "UnknownValue", "Unknown_"].into_iter().find(|candidate| !taken(candidate)).unwrap_or("Unknown_"))
}

fn emit_string_enum(def: &TypeDef, name: &proc_macro2::Ident, doc: TokenStream, variants: &[EnumVariant]) -> TokenStream {
    let tolerant = def.usage.response;
    let unknown = unknown_variant(variants);
    let idents: Vec<_> = variants.iter().map(|variant| ident(&variant.rust_name)).collect();
    let values: Vec<String> = variants.iter().map(|variant| variant.value.as_str().unwrap_or_default().to_owned()).collect();
    let value_docs = values.iter().map(|value| format!(" `{value}`"));
    let type_name = def.id.as_str();
    let (unknown_decl, unknown_as_str, unknown_parse) = if tolerant {
        (
            quote! {
                /// A value this version of the spec does not know; kept so that decoding does not fail.
                #unknown(::std::string::String),
            },
            quote! { #name::#unknown(value) => value.as_str(), },
            quote! { other => Ok(#name::#unknown(other.to_owned())), },
        )
    } else {
        let message = format!("is not a valid {type_name}; expected one of: {}", values.join(", "));
        (quote!(), quote!(), quote! { other => Err(::std::format!("`{}` {}", other, #message)), })
    };
    quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #name {
            #( #[doc = #value_docs] #idents, )*
            #unknown_decl
        }

        impl #name {
            /// The value on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( #name::#idents => #values, )*
                    #unknown_as_str
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::string::String;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                match value {
                    #( #values => Ok(#name::#idents), )*
                    #unknown_parse
                }
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                value.parse().map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }
    }
}

fn emit_integer_enum(def: &TypeDef, name: &proc_macro2::Ident, doc: TokenStream, variants: &[EnumVariant]) -> TokenStream {
    let tolerant = def.usage.response;
    let unknown = unknown_variant(variants);
    let idents: Vec<_> = variants.iter().map(|variant| ident(&variant.rust_name)).collect();
    let values: Vec<i64> = variants.iter().map(|variant| variant.value.as_i64().unwrap_or_default()).collect();
    let type_name = def.id.as_str();
    let (unknown_decl, unknown_value, unknown_parse) = if tolerant {
        (
            quote! {
                /// A value this version of the spec does not know; kept so that decoding does not fail.
                #unknown(i64),
            },
            quote! { #name::#unknown(value) => *value, },
            quote! { other => Ok(#name::#unknown(other)), },
        )
    } else {
        let message = format!("is not a valid {type_name}");
        (
            quote!(),
            quote!(),
            quote! { other => Err(<D::Error as ::serde::de::Error>::custom(::std::format!("{} {}", other, #message))), },
        )
    };
    quote! {
        #doc
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum #name {
            #( #idents, )*
            #unknown_decl
        }

        impl #name {
            /// The value on the wire.
            pub fn value(&self) -> i64 {
                match self {
                    #( #name::#idents => #values, )*
                    #unknown_value
                }
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.value())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                match <i64 as ::serde::Deserialize>::deserialize(deserializer)? {
                    #( #values => Ok(#name::#idents), )*
                    #unknown_parse
                }
            }
        }
    }
}
