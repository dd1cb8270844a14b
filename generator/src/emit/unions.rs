//! `oneOf`/`anyOf` types: an enum with one variant per member, and serde impls that decide
//! the variant by the union's [`UnionRule`] (decided in lowering), through the types crate's
//! `support::union` helpers. Received discriminated unions keep values of unknown variants.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::rust::{ident, type_tokens};
use crate::ir::{Candidate, Discriminator, FileShape, JsonType, ShapeGroup, TypeDef, UnionRule, Variant, VariantTest};

/// The enum and its `Serialize`/`Deserialize` impls.
pub(super) fn emit_union(def: &TypeDef, doc: TokenStream, derives: Vec<TokenStream>, variants: &[Variant], rule: &UnionRule) -> TokenStream {
    let name = ident(def.id.as_str());
    let unknown = unknown_variant(def, variants, rule);
    let members = variants.iter().map(|variant| {
        let variant_name = ident(&variant.rust_name);
        let ty = type_tokens(&variant.ty, &quote!(crate));
        quote! { #variant_name(#ty), }
    });
    let unknown_member = unknown.as_ref().map(|unknown| {
        quote! {
            /// A value whose discriminator names no variant this version of the spec knows;
            /// kept whole so that decoding does not fail.
            #unknown(::serde_json::Value),
        }
    });
    let how = rule_doc(rule);
    let serialize = serialize_impl(&name, variants, rule, unknown.as_ref());
    let decode = match rule {
        UnionRule::Discriminator(d) => decode_discriminated(def, &name, variants, d, unknown.as_ref()),
        UnionRule::Shape(groups) => decode_shape(def, &name, variants, groups),
    };
    quote! {
        #doc
        ///
        #[doc = #how]
        #[derive(#(#derives,)*)]
        pub enum #name { #( #members )* #unknown_member }

        impl #name {
            fn decode_json(value: ::serde_json::Value) -> ::std::result::Result<Self, ::std::string::String> {
                use crate::support::union as u;
                #decode
            }
        }

        #serialize

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                Self::decode_json(value).map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }
    }
}

/// `support::Files` for a union with file variants, so that a multipart field of its type is
/// sent as file parts when it holds a file and as a value part otherwise, and filled from the
/// file parts received: one file makes the single-file variant (when there is one), several
/// the list variant. Nothing for other unions.
pub(super) fn files_impl(name: &Ident, file_variants: &[(&Variant, FileShape)]) -> Option<TokenStream> {
    if file_variants.is_empty() {
        return None;
    }
    let holds = file_variants.iter().map(|(variant, _)| {
        let variant = ident(&variant.rust_name);
        quote!(#name::#variant(files) => crate::support::Files::files(files),)
    });
    let make = |shape: FileShape| {
        file_variants.iter().find(|(_, found)| *found == shape).map(|(variant, _)| {
            let variant_name = ident(&variant.rust_name);
            let ty = type_tokens(&variant.ty, &quote!(crate));
            quote!(<#ty as crate::support::Files>::from_files(files).map(#name::#variant_name))
        })
    };
    let from_files = match (make(FileShape::One), make(FileShape::List)) {
        (Some(one), Some(list)) => quote!(if files.len() == 1 { #one } else { #list }),
        (Some(only), None) | (None, Some(only)) => only,
        (None, None) => return None,
    };
    Some(quote! {
        impl crate::support::Files for #name {
            fn files(&self) -> ::std::vec::Vec<&crate::support::FilePart> {
                #[allow(unreachable_patterns)]
                match self {
                    #( #holds )*
                    _ => ::std::vec::Vec::new(),
                }
            }
            fn from_files(files: ::std::vec::Vec<crate::support::FilePart>) -> ::std::option::Option<Self> {
                #from_files
            }
        }
    })
}

/// The catch-all variant of a received discriminated union, clear of the declared names.
pub(super) fn unknown_variant(def: &TypeDef, variants: &[Variant], rule: &UnionRule) -> Option<Ident> {
    if !matches!(rule, UnionRule::Discriminator(_)) || !def.usage.response {
        return None;
    }
    let taken = |candidate: &str| variants.iter().any(|variant| variant.rust_name == candidate);
    Some(ident(["Unknown", "UnknownVariant", "Unknown_"].into_iter().find(|candidate| !taken(candidate)).unwrap_or("Unknown_")))
}

fn rule_doc(rule: &UnionRule) -> String {
    match rule {
        UnionRule::Discriminator(d) => format!(" Decoded by the discriminator `{}`.", d.property),
        UnionRule::Shape(groups) if groups.iter().flat_map(|g| &g.candidates).any(|c| is_keyed(&c.test)) => {
            " Decoded by the JSON type and properties of the value; objects as the first variant whose properties hold all \
             their keys."
                .to_owned()
        }
        UnionRule::Shape(groups) if groups.iter().any(|g| g.candidates.iter().any(|c| c.test == VariantTest::Fits)) => {
            " Decoded by the JSON type and properties of the value; variants nothing tells apart are tried in order.".to_owned()
        }
        UnionRule::Shape(_) => " Decoded by the JSON type and properties of the value.".to_owned(),
    }
}

fn serialize_impl(name: &Ident, variants: &[Variant], rule: &UnionRule, unknown: Option<&Ident>) -> TokenStream {
    let arms = variants.iter().map(|variant| {
        let variant_name = ident(&variant.rust_name);
        match rule {
            UnionRule::Discriminator(d) => {
                let property = &d.property;
                let tags: Vec<&str> = tags_of(d, &variant.rust_name).collect();
                let tag = tags.first().copied().unwrap_or_default();
                quote! { #name::#variant_name(value) => crate::support::union::serialize_tagged(serializer, value, #property, #tag, &[#(#tags),*]), }
            }
            UnionRule::Shape(_) => quote! { #name::#variant_name(value) => ::serde::Serialize::serialize(value, serializer), },
        }
    });
    let unknown = unknown.map(|unknown| quote! { #name::#unknown(value) => ::serde::Serialize::serialize(value, serializer), });
    quote! {
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                match self { #( #arms )* #unknown }
            }
        }
    }
}

fn tags_of<'a>(d: &'a Discriminator, variant: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    d.mapping.iter().filter(move |(_, name)| name == variant).map(|(value, _)| value.as_str())
}

fn decode_discriminated(def: &TypeDef, name: &Ident, variants: &[Variant], d: &Discriminator, unknown: Option<&Ident>) -> TokenStream {
    let union = def.id.as_str();
    let property = &d.property;
    let rule = format!("by discriminator `{property}`");
    let arms = variants.iter().map(|variant| {
        let variant_name = ident(&variant.rust_name);
        let label = &variant.rust_name;
        let tags: Vec<&str> = tags_of(d, &variant.rust_name).collect();
        quote! { #( #tags )|* => u::decode(#union, #label, #rule, value).map(#name::#variant_name), }
    });
    let fallback = match unknown {
        Some(unknown) => quote! { _ => Ok(#name::#unknown(value)), },
        None => {
            let expected: Vec<&str> = d.mapping.iter().map(|(value, _)| value.as_str()).collect();
            let expected = expected.join(", ");
            quote! { other => Err(u::unknown_tag(#union, #property, other, #expected)), }
        }
    };
    // Without the property, JSON Schema reads the union by its alternatives alone: the first
    // variant that fits.
    let untagged = first_fit(union, name, variants, variants.iter().map(|variant| Candidate { variant: variant.rust_name.clone(), test: VariantTest::Fits }).collect::<Vec<_>>().iter());
    quote! {
        let Some(tag) = u::tag_if_present(#union, #property, &value)? else {
            return #untagged;
        };
        match tag.as_str() {
            #( #arms )*
            #fallback
        }
    }
}

fn decode_shape(def: &TypeDef, name: &Ident, variants: &[Variant], groups: &[ShapeGroup]) -> TokenStream {
    let union = def.id.as_str();
    let arms = groups.iter().map(|group| {
        let kinds = group.json_types.iter().map(|json_type| kind_tokens(*json_type));
        let body = group_body(union, name, variants, &group.candidates);
        quote! { #( #kinds )|* => { #body } }
    });
    let expected: Vec<&str> = groups.iter().flat_map(|g| &g.json_types).map(|t| json_type_text(*t)).collect();
    let expected = if expected.is_empty() { "nothing (the union has no variants)".to_owned() } else { expected.join(" or ") };
    quote! {
        match u::kind(&value) {
            #( #arms )*
            #[allow(unreachable_patterns)]
            _ => Err(u::no_variant(#union, &value, #expected)),
        }
    }
}

/// The tests of one group in order: each told candidate returns when its test holds; a run of
/// candidates nothing tells apart is tried in order; a group ending in a test that did not hold
/// is an error.
fn group_body(union: &str, name: &Ident, variants: &[Variant], candidates: &[Candidate]) -> TokenStream {
    // Lowering puts candidates nothing tells apart last.
    let split = candidates.iter().position(|c| c.test == VariantTest::Fits).unwrap_or(candidates.len());
    let (told, fits) = candidates.split_at(split);
    let keyed: Vec<&Candidate> = told.iter().filter(|c| is_keyed(&c.test)).collect();
    let alone = candidates.len() == 1;
    let told = told.iter().map(|candidate| {
        let variant_name = ident(&candidate.variant);
        let label = &candidate.variant;
        let (condition, rule) = test_condition(&candidate.test, alone);
        let decode = quote! { u::decode(#union, #label, #rule, value).map(#name::#variant_name) };
        match condition {
            // Keys a variant declares do not make the value one: a variant that does not
            // decode it (a required property missing) leaves it to the next.
            Some(condition) if is_keyed(&candidate.test) => {
                let ty = variant_type(variants, &candidate.variant);
                quote! {
                    if #condition {
                        if let Ok(decoded) = ::serde_json::from_value::<#ty>(value.clone()) {
                            return Ok(#name::#variant_name(decoded));
                        }
                    }
                }
            }
            Some(condition) => quote! { if #condition { return #decode; } },
            // `Always` comes last: the group's value.
            None => decode,
        }
    });
    let tail = if fits.is_empty() && !keyed.is_empty() {
        // No variant's properties hold every key: the first of them that fits.
        Some(first_fit(union, name, variants, keyed))
    } else if fits.is_empty() {
        let open = candidates.last().is_some_and(|c| c.test != VariantTest::Always);
        let expected: Vec<&str> = candidates.iter().map(|c| c.variant.as_str()).collect();
        let expected = format!("one of {} (no variant's test holds)", expected.join(", "));
        open.then(|| quote! { Err(u::no_variant(#union, &value, #expected)) })
    } else {
        Some(first_fit(union, name, variants, fits))
    };
    quote! { #( #told )* #tail }
}

/// Tries `candidates` in order (see `support::union::first_fit`).
fn first_fit<'a>(
    union: &str,
    name: &Ident,
    variants: &[Variant],
    candidates: impl IntoIterator<Item = &'a Candidate>,
) -> TokenStream {
    let tries = candidates.into_iter().map(|c| {
        let variant_name = ident(&c.variant);
        let label = &c.variant;
        let ty = variant_type(variants, &c.variant);
        quote! { (#label, |value| ::serde_json::from_value::<#ty>(value).map(#name::#variant_name)) }
    });
    quote! { u::first_fit(#union, value, &[ #( #tries ),* ]) }
}

/// The condition that selects a candidate (`None`: unconditional) and the rule's wording.
fn test_condition(test: &VariantTest, alone: bool) -> (Option<TokenStream>, String) {
    match test {
        VariantTest::Always | VariantTest::Fits if alone => (None, "by the JSON type of the value".to_owned()),
        VariantTest::Always | VariantTest::Fits => (None, "as the variant left when no other's test holds".to_owned()),
        VariantTest::PropertyIs { property, value } => {
            let expected = value_tokens(value);
            (Some(quote! { u::property_is(&value, #property, &#expected) }), format!("by property `{property}` = {value}"))
        }
        VariantTest::PropertyIn { property, values } => {
            let expected = values.iter().map(value_tokens);
            (
                Some(quote! { u::property_in(&value, #property, &[ #( #expected ),* ]) }),
                format!("by property `{property}`, whose values only it allows"),
            )
        }
        VariantTest::HasProperty { property } => {
            (Some(quote! { u::has_property(&value, #property) }), format!("by property `{property}`, which only it requires"))
        }
        VariantTest::KeysWithin { properties } => (
            // Written out here rather than in `support::union`, whose text every types crate shares.
            Some(quote! {
                value.as_object().is_some_and(|map| map.keys().all(|key| [ #( #properties ),* ].contains(&key.as_str())))
            }),
            "as the first variant whose properties hold every key of the value and that decodes it".to_owned(),
        ),
        VariantTest::ValueIn { values } => {
            let values = values.iter().map(value_tokens);
            (Some(quote! { u::value_in(&value, &[ #( #values ),* ]) }), "by its enum values".to_owned())
        }
    }
}

fn is_keyed(test: &VariantTest) -> bool {
    matches!(test, VariantTest::KeysWithin { .. })
}

fn variant_type(variants: &[Variant], rust_name: &str) -> TokenStream {
    match variants.iter().find(|variant| variant.rust_name == rust_name) {
        Some(variant) => type_tokens(&variant.ty, &quote!(crate)),
        None => quote!(::serde_json::Value),
    }
}

/// A `serde_json::Value` expression for a literal enum value.
fn value_tokens(value: &serde_json::Value) -> TokenStream {
    match value {
        serde_json::Value::Null => quote!(::serde_json::Value::Null),
        serde_json::Value::Bool(flag) => quote!(::serde_json::Value::Bool(#flag)),
        serde_json::Value::Number(number) => match (number.as_i64(), number.as_u64()) {
            (Some(int), _) => quote!(::serde_json::Value::from(#int)),
            (None, Some(uint)) => quote!(::serde_json::Value::from(#uint)),
            _ => {
                let float = proc_macro2::Literal::f64_suffixed(number.as_f64().unwrap_or_default());
                quote!(::serde_json::Value::from(#float))
            }
        },
        serde_json::Value::String(text) => quote!(::serde_json::Value::from(#text)),
        // Enum values are scalars (lowering refuses others); keep the expression well-typed.
        other => {
            let text = other.to_string();
            quote!(::serde_json::from_str::<::serde_json::Value>(#text).unwrap_or_default())
        }
    }
}

fn kind_tokens(json_type: JsonType) -> TokenStream {
    match json_type {
        JsonType::Null => quote!(u::Kind::Null),
        JsonType::Boolean => quote!(u::Kind::Boolean),
        JsonType::Integer => quote!(u::Kind::Integer),
        JsonType::Number => quote!(u::Kind::Number),
        JsonType::String => quote!(u::Kind::String),
        JsonType::Array => quote!(u::Kind::Array),
        JsonType::Object => quote!(u::Kind::Object),
    }
}

fn json_type_text(json_type: JsonType) -> &'static str {
    match json_type {
        JsonType::Null => "null",
        JsonType::Boolean => "a boolean",
        JsonType::Integer => "an integer",
        JsonType::Number => "a number",
        JsonType::String => "a string",
        JsonType::Array => "an array",
        JsonType::Object => "an object",
    }
}
