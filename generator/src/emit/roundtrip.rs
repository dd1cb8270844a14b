//! The round-trip crate of an API (emitted on demand, never checked in): proof at run time
//! that the generated crates agree. It holds the schema of every type as static data, a
//! value sampler over it, a responder (an implementation of the server's `Api` that records
//! what it receives and answers sampled values of the documented responses), one case per
//! operation and documented answer driving the generated client against the generated server
//! on loopback, and a binary with two commands:
//!
//! * `roundtrip [--seed N] [--rounds N]`: every type and every case, a summary line and the
//!   failures; exits non-zero on any failure;
//! * `mock [--listen ADDR] [--seed N]`: the responder as a mock server of the API.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::client::{body_shape, credential_setter, BodyShape, CredentialSetter};
use super::rust::{ident, lib_name, server_url, status_variant, type_tokens};
use super::server::{answers, auth_hook_name, base_path, body_plan, has_auth, operation_server, plan_routes, Answer, BodyPlan, Schemas};
use super::{rust_file, text_file, verbatim_rust_file, CrateNames, EmitError, GeneratedFile};
use crate::ir::{
    Api, Constraints, Content, MediaKind, Operation, ParameterLocation, ParameterStyle, SecurityRequirement, SecuritySchemeKind, StatusSpec,
    TypeRef,
};

const HARNESS: &str = include_str!("../../../templates/roundtrip/harness.rs");
const SAMPLE: &str = include_str!("../../../templates/server/sample.rs");
const MAIN: &str = include_str!("../../../templates/roundtrip/main.rs");

/// Every file of the round-trip crate `package`, beside the crates named by `names`.
pub fn generate_roundtrip(api: &Api, names: &CrateNames, package: &str) -> Result<Vec<GeneratedFile>, EmitError> {
    let plans: Vec<OperationPlan> = plan_operations(api);
    let mut schemas = Schemas::for_values(api);
    for plan in &plans {
        plan.add_statics(api, &mut schemas);
    }
    let crates = Crates::new(names);
    let mut files = vec![
        text_file(format!("{package}/Cargo.toml"), ("# ", ""), &cargo_toml(api, names, package)),
        rust_file(format!("{package}/src/lib.rs"), lib_rs(api, &crates, &plans))?,
        rust_file(format!("{package}/src/schemas.rs"), schemas.finish())?,
        rust_file(format!("{package}/src/responder.rs"), responder_rs(api, &crates, &plans))?,
        rust_file(format!("{package}/src/cases.rs"), cases_rs(&crates, &plans))?,
        rust_file(format!("{package}/src/runtime/mod.rs"), runtime_mod(&crates))?,
        verbatim_rust_file(format!("{package}/src/runtime/harness.rs"), HARNESS),
        verbatim_rust_file(format!("{package}/src/runtime/sample.rs"), SAMPLE),
        verbatim_rust_file(format!("{package}/src/main.rs"), MAIN),
    ];
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Paths of the three generated crates, as seen from the round-trip crate.
struct Crates {
    types: TokenStream,
    client: TokenStream,
    server: TokenStream,
}

impl Crates {
    fn new(names: &CrateNames) -> Self {
        let path = |package: &str| {
            let name = ident(&lib_name(package));
            quote!(::#name)
        };
        Crates { types: path(&names.types), client: path(&names.client), server: path(&names.server) }
    }
}

fn cargo_toml(api: &Api, names: &CrateNames, package: &str) -> String {
    // Every type is round-tripped, also those no operation uses.
    let types_features = super::features::Features::of(api).types_dependency_features();
    format!(
        r#"[package]
name = "{package}"
version = "0.0.0"
description = "Round-trip checks and a mock server for the generated {types}, {client} and {server}."
edition = "2021"
publish = false

[lib]
name = "roundtrip_lib"
path = "src/lib.rs"

[[bin]]
name = "{package}"
path = "src/main.rs"

[dependencies]
{types} = {{ path = "../{types}"{types_features} }}
{client} = {{ path = "../{client}" }}
{server} = {{ path = "../{server}" }}
axum = {{ version = "0.8", default-features = false, features = ["http1", "json", "tokio"] }}
base64 = "0.23"
chrono = {{ version = "0.4", default-features = false, features = ["std", "serde"] }}
regex-syntax = "0.8"
serde = "1"
serde_json = {{ version = "1", features = ["preserve_order"] }}
uuid = {{ version = "1", default-features = false, features = ["std", "serde"] }}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread", "net", "signal"] }}
"#,
        types = names.types,
        client = names.client,
        server = names.server,
    )
}

fn runtime_mod(crates: &Crates) -> TokenStream {
    let server = &crates.server;
    quote! {
        //! The server's schema validator and credentials, the value sampler and the harness.
        pub use #server::runtime::{auth, schema, validate};
        pub mod harness;
        pub mod sample;
    }
}

// ---------------------------------------------------------------------------------------
// The plan: what each operation's cases send and expect

/// One operation as the round trip sees it.
struct OperationPlan<'a> {
    op: &'a Operation,
    /// Why no case can be run, when none can.
    uncovered: Option<String>,
    /// Set when the operation's server differs from the document's first.
    base: String,
    /// Documented answers the cases plan, with the index the responder knows them by.
    answers: Vec<(usize, Answer<'a>)>,
    body: Option<(bool, TypeRef)>,
    /// Per parameter: whether its values are lists, objects or free-form (their text splits
    /// on delimiters, and their free-form values must be scalars).
    structured: Vec<bool>,
    /// Whether the request body is sent as a form (`application/x-www-form-urlencoded`).
    form_body: bool,
    /// Whether the request body is raw bytes (its type is then [`raw_type`]'s).
    raw_body: bool,
}

fn plan_operations(api: &Api) -> Vec<OperationPlan<'_>> {
    let routes = plan_routes(api);
    api.operations
        .iter()
        .zip(&routes)
        .map(|(op, route)| {
            let mut uncovered = route.shadowed_by.as_ref().map(|first| format!("not routed: the server sends its requests to `{first}`"));
            let first_content = op.request_body.as_ref().and_then(|b| b.contents.first());
            let mut raw_body = false;
            let body = match body_plan(api, op, &quote!(crate)) {
                None => None,
                Some((required, BodyPlan::Decoded { schema_ty, .. })) => Some((required, schema_ty.cloned().unwrap_or(TypeRef::Any))),
                Some((required, BodyPlan::Multipart { schema_ty, .. })) => Some((required, schema_ty.clone())),
                // The client takes such a body as the parts it is given and the server as its
                // bytes (with a boundary the client picks): nothing typed to compare.
                Some((_, BodyPlan::Raw { media })) if first_content.is_some_and(|c| c.kind == MediaKind::Multipart) => {
                    uncovered.get_or_insert(format!(
                        "not covered: multipart request bodies that are not an object type ({}): the client sends the parts it is given",
                        media.join(", ")
                    ));
                    None
                }
                Some((required, BodyPlan::Raw { .. })) => {
                    raw_body = true;
                    first_content.map(|content| (required, raw_type(content)))
                }
            };
            if let Some(reason) = unsendable_requirement(api, op) {
                uncovered.get_or_insert(format!("not covered: {reason}"));
            }
            // One answer per status: the client decodes a status's first media type.
            let mut seen = Vec::new();
            let planned: Vec<(usize, Answer<'_>)> = answers(op)
                .into_iter()
                .enumerate()
                .filter(|(_, answer)| {
                    let first = !seen.contains(&answer.response.status);
                    seen.push(answer.response.status);
                    first
                })
                .collect();
            let structured = op
                .parameters
                .iter()
                .map(|p| matches!(p.ty, TypeRef::Array(_)) || is_object(api, &p.ty) || may_be_free_form(api, &p.ty, 0))
                .collect();
            // Forms and multipart bodies are text, field by field.
            let form_body = op
                .request_body
                .as_ref()
                .and_then(|b| b.contents.first())
                .is_some_and(|c| matches!(c.kind, MediaKind::FormUrlEncoded | MediaKind::Multipart));
            OperationPlan { op, uncovered, base: base_path(&operation_server(api, op)), answers: planned, body, structured, form_body, raw_body }
        })
        .collect()
}

/// What the round trip samples for a body of raw bytes: text for textual media types (`text/*`,
/// XML, YAML), which reads better in a failure, else any bytes (`format: binary`).
fn raw_type(content: &Content) -> TypeRef {
    let essence = content.media_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let textual = content.kind == MediaKind::Text || essence.ends_with("xml") || essence.ends_with("yaml");
    if textual {
        TypeRef::String { format: None }
    } else {
        TypeRef::Binary
    }
}

/// What a text or raw body of `content`, sampled as `sampled` ([`raw_type`]'s, or any string
/// for text), is sampled within: its schema's `minLength` and `maxLength` (characters of text,
/// bytes of binary; at least one when an empty body could not be told from none), a few dozen
/// bytes when unbounded, and for a textual raw answer a plain word of those lengths.
fn body_bounds(content: &Content, sampled: &TypeRef, non_empty: bool, plain: bool) -> Constraints {
    let max = content.constraints.max_length;
    let min = content.constraints.min_length.unwrap_or(0).max(usize::from(non_empty));
    // A bound the schema states wins over our own wish for a non-empty body.
    let min = max.map_or(min, |max| min.min(max));
    match sampled {
        TypeRef::Binary => Constraints { min_items: Some(min), max_items: Some(max.unwrap_or(min.max(64))), ..Constraints::default() },
        _ if plain => plain_word(min, max),
        _ => Constraints { min_length: Some(min), max_length: max, ..Constraints::default() },
    }
}

/// A textual raw answer (XML, YAML) as one plain word of `min..=max` characters: a letter
/// first and a digit last, which every such format reads as the string it is (YAML would read
/// `123`, `no` or an empty body as a number, a boolean or null, and a judge such as
/// schemathesis parses YAML answers).
fn plain_word(min: usize, max: Option<usize>) -> Constraints {
    let max = max.unwrap_or(min.max(17));
    let pattern = match max {
        0 => "^$".to_owned(),
        1 => "^[a-z]$".to_owned(),
        _ => format!("^[a-z][a-z0-9]{{{},{}}}[0-9]$", min.clamp(2, max) - 2, max - 2),
    };
    Constraints { pattern: Some(pattern), min_length: Some(min.min(max)), max_length: Some(max), ..Constraints::default() }
}

/// Whether an answer's body is raw bytes (neither JSON nor text) to the client and server.
fn is_raw(content: &Content) -> bool {
    !matches!(content.kind, MediaKind::Json | MediaKind::Text)
}

/// Whether values of `ty` are JSON objects (maps, or structs through names and aliases).
fn is_object(api: &Api, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Map(_) => true,
        TypeRef::Named(id) => match api.types.get(id).map(|def| &def.kind) {
            Some(crate::ir::TypeKind::Struct { .. }) => true,
            Some(crate::ir::TypeKind::Alias { ty, .. }) => !matches!(ty, TypeRef::Named(_)) && is_object(api, ty),
            _ => false,
        },
        _ => false,
    }
}

/// Whether a value of `ty` may be free-form JSON (through aliases and unions).
fn may_be_free_form(api: &Api, ty: &TypeRef, depth: usize) -> bool {
    match ty {
        TypeRef::Any => true,
        TypeRef::Nullable(inner) | TypeRef::Boxed(inner) => depth < 16 && may_be_free_form(api, inner, depth + 1),
        TypeRef::Named(id) if depth < 16 => match api.types.get(id).map(|def| &def.kind) {
            Some(crate::ir::TypeKind::Alias { ty, .. }) => may_be_free_form(api, ty, depth + 1),
            Some(crate::ir::TypeKind::OneOf { variants, .. } | crate::ir::TypeKind::AnyOf { variants, .. }) => {
                variants.iter().any(|v| may_be_free_form(api, &v.ty, depth + 1))
            }
            _ => false,
        },
        _ => false,
    }
}

/// Why the client cannot satisfy any security requirement of the operation: a scheme it has
/// no setter for, or a requirement that needs two credentials in the one `Authorization`
/// header (basic and bearer together, say; bearer schemes together share one token).
/// `None` when some requirement can be sent.
fn unsendable_requirement(api: &Api, op: &Operation) -> Option<String> {
    let requirements = op.effective_security(api);
    let scheme = |name: &str| api.security_schemes.get(name);
    let sendable = |name: &str| scheme(name).and_then(credential_setter).is_some();
    let in_authorization = |name: &str| scheme(name).is_some_and(|s| !matches!(s.kind, SecuritySchemeKind::ApiKey { .. }));
    let bearer = |name: &str| scheme(name).and_then(credential_setter) == Some(CredentialSetter::Token);
    let fits = |r: &&SecurityRequirement| {
        let others = r.schemes.iter().filter(|s| in_authorization(&s.scheme) && !bearer(&s.scheme)).count();
        let bearers = r.schemes.iter().any(|s| in_authorization(&s.scheme) && bearer(&s.scheme));
        r.schemes.iter().all(|s| sendable(&s.scheme)) && others + usize::from(bearers) <= 1
    };
    if requirements.is_empty() || requirements.iter().any(|r| fits(&r)) {
        return None;
    }
    if let Some(missing) = requirements.iter().flat_map(|r| &r.schemes).find(|s| !sendable(&s.scheme)) {
        return Some(format!("the client cannot send credentials of scheme `{}`", missing.scheme));
    }
    let both: Vec<&str> = requirements[0].schemes.iter().filter(|s| in_authorization(&s.scheme)).map(|s| s.scheme.as_str()).collect();
    Some(format!("every security requirement needs two credentials in the `Authorization` header ({})", both.join(" and ")))
}

impl OperationPlan<'_> {
    fn static_name(&self, what: &str) -> Ident {
        format_ident!("{}_{}", self.op.type_names.params.as_str(), what)
    }

    fn add_statics(&self, api_types: &Api, schemas: &mut Schemas<'_>) {
        for (index, p) in self.op.parameters.iter().enumerate() {
            // An empty path segment cannot be sent (or routed): path strings get a character
            // (`minLength` binds only strings, so it is set whatever the type).
            let mut constraints = p.constraints.clone();
            if p.location == ParameterLocation::Path && constraints.min_length.unwrap_or(0) == 0 {
                constraints.min_length = Some(1);
            }
            // An empty list or object sends nothing, which cannot be told from an absent
            // parameter: lists and objects get at least one item or property.
            if matches!(p.ty, TypeRef::Array(_)) && constraints.min_items.unwrap_or(0) == 0 {
                constraints.min_items = Some(1);
            }
            if is_object(api_types, &p.ty) && constraints.min_properties.unwrap_or(0) == 0 {
                constraints.min_properties = Some(1);
            }
            schemas.add_static(self.static_name(&format!("param_{index}")), &p.ty, false, &constraints);
        }
        if let Some((required, ty)) = &self.body {
            // An empty form sends no body, which cannot be told from an absent optional one.
            let mut constraints = Constraints::default();
            if !required && self.form_body && is_object(api_types, ty) {
                constraints.min_properties = Some(1);
            }
            // Nor do empty bytes; a few dozen show the bytes arrive as sent.
            if let (true, Some(content)) = (self.raw_body, self.op.request_body.as_ref().and_then(|b| b.contents.first())) {
                constraints = body_bounds(content, ty, true, false);
            }
            schemas.add_static(self.static_name("body"), ty, false, &constraints);
        }
        for (index, answer) in &self.answers {
            let Some(content) = answer.content else { continue };
            // Text bodies are strings whatever their schema says.
            let any_string = TypeRef::String { format: None };
            let raw = raw_type(content);
            let ty = match (content.kind, &content.ty) {
                (MediaKind::Text, _) => &any_string,
                _ if is_raw(content) => &raw,
                (_, Some(ty)) => ty,
                (_, None) => &TypeRef::Any,
            };
            let constraints = match ty {
                TypeRef::String { .. } | TypeRef::Binary if content.kind != MediaKind::Json => body_bounds(content, ty, false, is_raw(content)),
                _ => Constraints::default(),
            };
            schemas.add_static(self.static_name(&format!("answer_{index}")), ty, false, &constraints);
        }
        for (index, answer) in &self.answers {
            for (position, header) in answer.response.headers.iter().enumerate().filter(|(_, header)| header.required) {
                schemas.add_static(self.static_name(&format!("answer_{index}_header_{position}")), &header.ty, false, &Constraints::default());
            }
        }
    }

    /// The status a planned answer is sent with: its code, or one its range or `default`
    /// covers that no other response of the operation names.
    fn status_of(&self, answer: &Answer<'_>) -> u16 {
        let named = |code: u16| self.op.responses.iter().any(|r| r.status == StatusSpec::Code(code));
        let in_range = |digit: u16| (digit * 100..digit * 100 + 100).find(|code| !named(*code)).unwrap_or(digit * 100);
        match answer.response.status {
            StatusSpec::Code(code) => code,
            StatusSpec::Range(digit) => in_range(u16::from(digit)),
            StatusSpec::Default => {
                let ranged = |code: u16| self.op.responses.iter().any(|r| r.status == StatusSpec::Range((code / 100) as u8));
                // Not retried (502-504), not a redirect the client would follow (301-308).
                (500..600)
                    .chain(400..500)
                    .chain(300..400)
                    .find(|code| !named(*code) && !ranged(*code) && !matches!(code, 502..=504 | 301..=308))
                    .unwrap_or(500)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// lib.rs: starting the pair and running every case

fn lib_rs(api: &Api, crates: &Crates, plans: &[OperationPlan<'_>]) -> TokenStream {
    let client = &crates.client;
    let types = &crates.types;
    let default_server = api.servers.first().map(server_url).unwrap_or_default();
    let default_base = base_path(&default_server);
    // Every operation with a server of its own is pointed at the loopback server, even when
    // its base path is the document's (another host, the same path).
    let overrides: std::collections::BTreeSet<(String, String)> = plans
        .iter()
        .filter(|plan| operation_server(api, plan.op) != default_server)
        .map(|plan| (operation_server(api, plan.op), plan.base.clone()))
        .collect();
    let (declared, bases): (Vec<String>, Vec<String>) = overrides.into_iter().unzip();
    let credentials = api.security_schemes.values().filter_map(|scheme| {
        let method = ident(&scheme.rust_name);
        Some(match credential_setter(scheme)? {
            CredentialSetter::Basic => quote!(let builder = builder.#method("roundtrip", "secret");),
            CredentialSetter::Key | CredentialSetter::Token => quote!(let builder = builder.#method("roundtrip-secret");),
        })
    });
    let uncovered = plans.iter().filter_map(|plan| {
        let id = &plan.op.id;
        let why = plan.uncovered.as_ref()?;
        Some(quote! { report.operations.add(Err(runtime::harness::failure(#id, "", #why))); })
    });
    let cases = plans.iter().filter(|plan| plan.uncovered.is_none()).flat_map(|plan| {
        plan.answers.iter().map(|(index, _)| {
            let case = case_fn_name(plan, *index);
            quote! { |pair, seed, shape| ::std::boxed::Box::pin(cases::#case(pair, seed, shape)), }
        })
    });
    let type_cases = api.types.keys().map(|id| {
        let name = ident(id.as_str());
        let label = id.as_str();
        quote! {
            |seed, rounds| runtime::harness::type_round_trip::<#types::#name>(#label, &schemas::#name, seed, rounds),
        }
    });
    quote! {
        //! Round-trip checks of the generated crates, and a mock server: see the binary.
        #![allow(clippy::all, unused_variables, unused_mut, dead_code, non_snake_case)]

        pub mod cases;
        pub mod responder;
        pub mod runtime;
        pub mod schemas;

        pub use responder::Responder;

        /// The client and server of one run, and what passes between them.
        pub struct Pair {
            pub client: #client::Client,
            pub exchange: ::std::sync::Arc<runtime::harness::Exchange>,
        }

        /// Starts the generated server with the responder on a loopback port.
        pub async fn start(responder: Responder) -> ::std::io::Result<::std::net::SocketAddr> {
            let listener = ::tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let address = listener.local_addr()?;
            let router = responder.router();
            ::tokio::spawn(async move { ::axum::serve(listener, router).await });
            Ok(address)
        }

        /// A client of the server at `address`, with every credential it can send.
        pub fn client(address: ::std::net::SocketAddr) -> ::std::result::Result<#client::Client, ::std::string::String> {
            let root = format!("http://{address}");
            let builder = #client::Client::builder().base_url(format!("{root}{}", #default_base)).retry(#client::RetryPolicy::none());
            #( let builder = builder.server_override(#declared, &format!("{root}{}", #bases)).map_err(|e| e.to_string())?; )*
            #( #credentials )*
            builder.build().map_err(|error| error.to_string())
        }

        /// Every type `rounds` times, and every case of every operation `rounds` times (the
        /// first minimal, the second maximal, the rest random), from `seed`.
        pub async fn run(seed: u64, rounds: usize) -> ::std::result::Result<runtime::harness::Report, ::std::string::String> {
            let exchange = ::std::sync::Arc::new(runtime::harness::Exchange::default());
            let address = start(Responder::new(exchange.clone(), seed)).await.map_err(|e| e.to_string())?;
            let pair = Pair { client: client(address)?, exchange };
            let mut report = runtime::harness::Report::default();
            for type_case in TYPE_CASES {
                report.types.add(type_case(seed, rounds));
            }
            #( #uncovered )*
            for round in 0..rounds.max(1) {
                for case in CASES {
                    let outcome = case(&pair, seed.wrapping_add(round as u64), runtime::sample::Shape::of_variant(round as u64)).await;
                    report.operations.add(outcome);
                }
            }
            Ok(report)
        }

        /// One round of one case: boxed, so that `run` stays small whatever the number of
        /// cases (a spec's thousands of inline futures overflowed the main thread's stack).
        type Case = for<'p> fn(
            &'p Pair,
            u64,
            runtime::sample::Shape,
        ) -> ::std::pin::Pin<::std::boxed::Box<dyn ::std::future::Future<Output = ::std::result::Result<(), runtime::harness::Failure>> + Send + 'p>>;

        static CASES: &[Case] = &[ #( #cases )* ];

        static TYPE_CASES: &[fn(u64, usize) -> ::std::result::Result<(), runtime::harness::Failure>] = &[ #( #type_cases )* ];
    }
}

fn case_fn_name(plan: &OperationPlan<'_>, index: usize) -> Ident {
    format_ident!("{}_{}", plan.op.rust_name, index)
}

// ---------------------------------------------------------------------------------------
// responder.rs: the server's Api, recording and answering

fn responder_rs(api: &Api, crates: &Crates, plans: &[OperationPlan<'_>]) -> TokenStream {
    let server = &crates.server;
    let auth = has_auth(api).then(|| {
        let hook = ident(&auth_hook_name(api));
        quote! {
            type Principal = ();
            async fn #hook(&self, credentials: #server::Credentials, _operation: &'static str) -> ::std::result::Result<(), #server::ApiError> {
                self.accepted.check(&credentials).map_err(|message| #server::ApiError::new(::axum::http::StatusCode::UNAUTHORIZED, message))
            }
        }
    });
    let methods = plans.iter().filter(|plan| plan.uncovered.is_none()).map(|plan| responder_method(api, server, plan));
    quote! {
        //! The server's `Api`, implemented for any spec: each method records the request as
        //! JSON and answers what the case planned, or, without a plan (as a mock), a sampled
        //! value of the operation's first documented success.

        // Which helpers a spec's operations need varies.
        #![allow(unused_imports)]

        use crate::runtime::harness::{encode, Exchange, Planned, Received};

        #[derive(Clone)]
        pub struct Responder {
            exchange: ::std::sync::Arc<Exchange>,
            seed: u64,
            accepted: ::std::sync::Arc<crate::runtime::harness::Accepted>,
        }

        impl Responder {
            /// A responder accepting any credential.
            pub fn new(exchange: ::std::sync::Arc<Exchange>, seed: u64) -> Self {
                Responder { exchange, seed, accepted: ::std::default::Default::default() }
            }

            /// Accepting only these credentials (see `Accepted`).
            pub fn with_accepted(mut self, accepted: crate::runtime::harness::Accepted) -> Self {
                self.accepted = ::std::sync::Arc::new(accepted);
                self
            }

            /// The generated server's router around this responder.
            pub fn router(self) -> ::axum::Router {
                #server::router(self)
            }

            /// Sampled values of an answer's required headers, as header text.
            fn required_headers(&self, headers: &[(&'static str, &'static crate::runtime::schema::Schema)]) -> ::std::result::Result<::axum::http::HeaderMap, #server::ApiError> {
                let mut sampler = crate::runtime::sample::Sampler::new(self.exchange.next_unplanned(self.seed)).with_alphabet(crate::runtime::sample::Alphabet::Alphanumeric);
                let mut map = ::axum::http::HeaderMap::new();
                for (name, schema) in headers {
                    let value = sampler
                        .value_with(schema, crate::runtime::sample::Shape::Random)
                        .map_err(|error| #server::ApiError::internal(format!("no value of the header `{name}` can be sampled: {error}")))?;
                    let text = crate::runtime::harness::header_text(&value);
                    let parsed = (::axum::http::HeaderName::from_bytes(name.as_bytes()), ::axum::http::HeaderValue::from_str(&text));
                    if let (Ok(name), Ok(value)) = parsed {
                        map.insert(name, value);
                    }
                }
                Ok(map)
            }

            /// A sampled answer when no case planned one: the first success, else the first.
            fn unplanned(&self, operation: &'static str, answers: &[(usize, u16, ::std::option::Option<&'static crate::runtime::schema::Schema>)]) -> ::std::result::Result<Planned, #server::ApiError> {
                let chosen = answers.iter().find(|(_, status, _)| (200..300).contains(status)).or(answers.first());
                let Some(&(answer, status, schema)) = chosen else {
                    return Err(#server::ApiError::internal(format!("{operation} documents no answer the mock can give")));
                };
                let seed = self.exchange.next_unplanned(self.seed);
                let body = match schema {
                    Some(schema) => Some(
                        crate::runtime::sample::Sampler::new(seed)
                            .value_with(schema, crate::runtime::sample::Shape::Random)
                            .map_err(|error| #server::ApiError::internal(format!("{operation}: no answer can be sampled: {error}")))?,
                    ),
                    None => None,
                };
                Ok(Planned { operation, answer, status, body })
            }
        }

        fn body<T: ::serde::de::DeserializeOwned>(planned: &Planned) -> ::std::result::Result<T, #server::ApiError> {
            let value = planned.body.clone().unwrap_or(::serde_json::Value::Null);
            ::serde_json::from_value(value).map_err(|error| #server::ApiError::internal(format!("the planned answer does not decode: {error}")))
        }

        /// A raw answer's bytes, from the text or list of byte values planned.
        fn raw(planned: &Planned) -> ::std::result::Result<::axum::body::Bytes, #server::ApiError> {
            let value = planned.body.clone().unwrap_or(::serde_json::Value::Null);
            crate::runtime::harness::sampled_bytes(&value)
                .map(::axum::body::Bytes::from)
                .ok_or_else(|| #server::ApiError::internal(format!("the planned answer {value} is not bytes")))
        }

        fn status(planned: &Planned) -> ::std::result::Result<::axum::http::StatusCode, #server::ApiError> {
            ::axum::http::StatusCode::from_u16(planned.status).map_err(|error| #server::ApiError::internal(error.to_string()))
        }

        impl #server::Api for Responder {
            #auth
            #( #methods )*
        }
    }
}

fn responder_method(api: &Api, server: &TokenStream, plan: &OperationPlan<'_>) -> TokenStream {
    let op = plan.op;
    let method = ident(&op.rust_name);
    let params = ident(op.type_names.params.as_str());
    let response = ident(op.type_names.response.as_str());
    let id = &op.id;
    let principal = (!op.effective_security(api).is_empty()).then(|| quote!(_principal: (),));
    let mut recorded: Vec<TokenStream> = op
        .parameters
        .iter()
        .map(|p| {
            let wire = &p.name;
            let field = ident(&p.rust_name);
            quote!((#wire, encode(&request.#field)))
        })
        .collect();
    match &plan.body {
        Some(_) if !plan.raw_body => recorded.push(quote!(("body", encode(&request.body)))),
        Some((true, _)) => recorded.push(quote!(("body", crate::runtime::harness::bytes_value(&request.body)))),
        Some((false, _)) => recorded.push(quote! {
            ("body", request.body.as_deref().map_or(::serde_json::Value::Null, crate::runtime::harness::bytes_value))
        }),
        None => {}
    }
    let unplanned = plan.answers.iter().map(|(index, answer)| {
        let status = plan.status_of(answer);
        let schema = answer.content.map(|_| {
            let name = plan.static_name(&format!("answer_{index}"));
            quote!(Some(&crate::schemas::#name))
        });
        let schema = schema.unwrap_or(quote!(None));
        quote!((#index, #status, #schema))
    });
    // Only the answers a case can plan (a status's first media type); the others are never asked for.
    let arms = plan.answers.iter().map(|(index, answer)| {
        let variant = &answer.variant;
        let decoded = if answer.content.is_some_and(is_raw) { quote!(raw(&planned)?) } else { quote!(body(&planned)?) };
        let value = match (answer.response.status, answer.content.is_some()) {
            (StatusSpec::Code(_), false) => quote!(#server::#response::#variant),
            (StatusSpec::Code(_), true) => quote!(#server::#response::#variant(#decoded)),
            (_, false) => quote!(#server::#response::#variant { status: status(&planned)? }),
            (_, true) => quote!(#server::#response::#variant { status: status(&planned)?, body: #decoded }),
        };
        let required: Vec<TokenStream> = answer
            .response
            .headers
            .iter()
            .enumerate()
            .filter(|(_, header)| header.required)
            .map(|(position, header)| {
                let name = &header.name;
                let schema = plan.static_name(&format!("answer_{index}_header_{position}"));
                quote!((#name, &crate::schemas::#schema))
            })
            .collect();
        if required.is_empty() {
            quote!(#index => Ok(#value),)
        } else {
            quote!(#index => Ok(#value.with_headers(self.required_headers(&[ #( #required ),* ])?)),)
        }
    });
    quote! {
        async fn #method(&self, #principal request: #server::#params) -> ::std::result::Result<#server::#response, #server::ApiError> {
            self.exchange.record(Received { operation: #id, values: vec![ #( #recorded ),* ] });
            let planned = match self.exchange.take_plan(#id) {
                Some(planned) => planned,
                None => self.unplanned(#id, &[ #( #unplanned ),* ])?,
            };
            match planned.answer {
                #( #arms )*
                other => Err(#server::ApiError::internal(format!("{} has no answer {other}", #id))),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// cases.rs: one case per operation and documented answer

fn cases_rs(crates: &Crates, plans: &[OperationPlan<'_>]) -> TokenStream {
    let cases = plans
        .iter()
        .filter(|plan| plan.uncovered.is_none())
        .flat_map(|plan| plan.answers.iter().map(move |(index, answer)| case_fn(crates, plan, *index, answer)));
    quote! {
        //! One case per operation and documented answer: sample the inputs, plan the answer,
        //! call the client, compare what the server received and what the client returned.

        // Which helpers a spec's cases need varies.
        #![allow(unused_imports)]

        use crate::runtime::harness::{check, check_received, encode, failure, Failure, Planned};
        use crate::runtime::sample::{Alphabet, Sampler, Shape};

        /// A sampled input of Rust type `T`, recorded in its canonical JSON form. An input
        /// written as text (`as_text`: a parameter or a form) that samples empty (`""`, `[]`,
        /// `{}`, or holds `[]`, `{}` or null inside, which text cannot tell from absent) is
        /// sampled again in the maximal shape.
        fn input<T: ::serde::de::DeserializeOwned + ::serde::Serialize>(
            case: &str,
            name: &'static str,
            sampler: &mut Sampler,
            shape: Shape,
            as_text: bool,
            schema: &'static crate::runtime::schema::Schema,
            sent: &mut Vec<(&'static str, ::serde_json::Value)>,
        ) -> Result<T, Failure> {
            let sample = |sampler: &mut Sampler, shape: Shape| {
                sampler.value_with(schema, shape).map_err(|error| failure(case, name, format!("no value can be sampled: {error}")))
            };
            let mut value = sample(sampler, shape)?;
            // Text sends nothing for an empty string, nor for an empty list or object or a
            // null at any depth (bracketed fields and items): each is then absent to the server.
            fn vanishes(value: &::serde_json::Value, top: bool) -> bool {
                match value {
                    ::serde_json::Value::String(text) => top && text.is_empty(),
                    ::serde_json::Value::Array(items) => items.is_empty() || items.iter().any(|item| item.is_null() || vanishes(item, false)),
                    ::serde_json::Value::Object(map) => map.is_empty() || map.values().any(|field| field.is_null() || vanishes(field, false)),
                    _ => false,
                }
            }
            if as_text && vanishes(&value, true) && shape != Shape::Maximal {
                value = sample(sampler, Shape::Maximal)?;
            }
            // Both shapes hold some nulls (a form field, which the client refuses, or an
            // item); random samples are tried until one holds none.
            for _ in 0..32 {
                if !(as_text && vanishes(&value, true)) {
                    break;
                }
                let again = sample(sampler, Shape::Random)?;
                if !vanishes(&again, true) {
                    value = again;
                }
            }
            let (typed, encoded) = crate::runtime::harness::canonical::<T>(value.clone())
                .map_err(|error| failure(case, name, format!("the sampled {value} {error}")))?;
            sent.push((name, encoded));
            Ok(typed)
        }

        /// An optional input: absent in minimal rounds and every other random one.
        fn optional<T: ::serde::de::DeserializeOwned + ::serde::Serialize>(
            case: &str,
            name: &'static str,
            sampler: &mut Sampler,
            shape: Shape,
            seed: u64,
            index: u32,
            as_text: bool,
            schema: &'static crate::runtime::schema::Schema,
            sent: &mut Vec<(&'static str, ::serde_json::Value)>,
        ) -> Result<Option<T>, Failure> {
            if present(shape, seed, index) {
                input(case, name, sampler, shape, as_text, schema, sent).map(Some)
            } else {
                sent.push((name, ::serde_json::Value::Null));
                Ok(None)
            }
        }

        /// Whether an optional input is sent: never in minimal rounds, always in maximal ones,
        /// by a bit of the seed in random ones.
        fn present(shape: Shape, seed: u64, index: u32) -> bool {
            match shape {
                Shape::Minimal => false,
                Shape::Maximal => true,
                Shape::Random => (seed >> (index % 64)) & 1 == 1,
            }
        }

        /// A sampled raw body: the text or the bytes its schema gives, recorded as the exchange
        /// records bytes.
        fn raw_input(
            case: &str,
            name: &'static str,
            sampler: &mut Sampler,
            shape: Shape,
            schema: &'static crate::runtime::schema::Schema,
            sent: &mut Vec<(&'static str, ::serde_json::Value)>,
        ) -> Result<::std::vec::Vec<u8>, Failure> {
            let bytes = raw_sample(case, name, sampler, shape, schema)?;
            sent.push((name, crate::runtime::harness::bytes_value(&bytes)));
            Ok(bytes)
        }

        /// Bytes sampled from a schema of text or of a list of bytes.
        fn raw_sample(
            case: &str,
            name: &str,
            sampler: &mut Sampler,
            shape: Shape,
            schema: &'static crate::runtime::schema::Schema,
        ) -> Result<::std::vec::Vec<u8>, Failure> {
            let value = sampler.value_with(schema, shape).map_err(|error| failure(case, name, format!("no value can be sampled: {error}")))?;
            crate::runtime::harness::sampled_bytes(&value).ok_or_else(|| failure(case, name, format!("the sampled {value} is not bytes")))
        }

        /// A sampled answer body in its canonical form: what the server sends and the client should return.
        fn answer<T: ::serde::de::DeserializeOwned + ::serde::Serialize>(
            case: &str,
            sampler: &mut Sampler,
            shape: Shape,
            schema: &'static crate::runtime::schema::Schema,
        ) -> Result<::serde_json::Value, Failure> {
            let value = sampler.value_with(schema, shape).map_err(|error| failure(case, "response", format!("no answer can be sampled: {error}")))?;
            let (_, encoded) = crate::runtime::harness::canonical::<T>(value).map_err(|error| failure(case, "response", format!("the sampled answer {error}")))?;
            Ok(encoded)
        }

        #( #cases )*
    }
}

fn case_fn(crates: &Crates, plan: &OperationPlan<'_>, index: usize, answer: &Answer<'_>) -> TokenStream {
    let client = &crates.client;
    let op = plan.op;
    let name = case_fn_name(plan, index);
    let id = &op.id;
    let status = plan.status_of(answer);
    let case = format!("{id} {}", answer.response.status.label());
    let method = ident(&op.rust_name);
    let mut inputs = Vec::new();
    let mut args = Vec::new();
    let mut setters = Vec::new();
    for (position, p) in op.parameters.iter().enumerate() {
        let var = format_ident!("p{position}");
        let wire = &p.name;
        let ty = type_tokens(&p.ty, &crates.types);
        let schema = plan.static_name(&format!("param_{position}"));
        let rust = ident(&p.rust_name);
        // Header values cannot carry any character, delimited lists and objects split on
        // theirs, and free-form values in text are scalars (the plain sampler's).
        let delimited = !p.explode || !matches!(p.style, ParameterStyle::Form | ParameterStyle::Simple | ParameterStyle::DeepObject);
        let structured = plan.structured[position];
        let plain = matches!(p.location, ParameterLocation::Header | ParameterLocation::Cookie)
            || (p.location == ParameterLocation::Query && (delimited || structured))
            || (p.location == ParameterLocation::Path && (structured || matches!(p.style, ParameterStyle::Label | ParameterStyle::Matrix)));
        let sampler = if plain { quote!(plain) } else { quote!(sampler) };
        if p.required {
            inputs.push(quote!(let #var: #ty = input(CASE, #wire, &mut #sampler, shape, true, &crate::schemas::#schema, &mut sent)?;));
            args.push(quote!(#var.clone()));
        } else {
            let bit = position as u32;
            inputs.push(quote!(let #var: Option<#ty> = optional(CASE, #wire, &mut #sampler, shape, seed, #bit, true, &crate::schemas::#schema, &mut sent)?;));
            setters.push(quote!(let call = match #var.clone() { Some(value) => call.#rust(value), None => call };));
        }
    }
    if let (Some((required, _)), true) = (&plan.body, plan.raw_body) {
        let schema = plan.static_name("body");
        let bit = op.parameters.len() as u32;
        if *required {
            inputs.push(quote!(let body = raw_input(CASE, "body", &mut sampler, shape, &crate::schemas::#schema, &mut sent)?;));
            args.push(quote!(body.clone()));
        } else {
            inputs.push(quote! {
                let body = if present(shape, seed, #bit) {
                    Some(raw_input(CASE, "body", &mut sampler, shape, &crate::schemas::#schema, &mut sent)?)
                } else {
                    sent.push(("body", ::serde_json::Value::Null));
                    None
                };
            });
            setters.push(quote!(let call = match body.clone() { Some(value) => call.body(value), None => call };));
        }
    } else if let Some((required, ty)) = &plan.body {
        let ty_tokens = type_tokens(ty, &crates.types);
        let schema = plan.static_name("body");
        let form = plan.form_body;
        if *required {
            inputs.push(quote!(let body: #ty_tokens = input(CASE, "body", &mut sampler, shape, #form, &crate::schemas::#schema, &mut sent)?;));
            args.push(quote!(body.clone()));
        } else {
            let bit = op.parameters.len() as u32;
            inputs.push(quote!(let body: Option<#ty_tokens> = optional(CASE, "body", &mut sampler, shape, seed, #bit, #form, &crate::schemas::#schema, &mut sent)?;));
            setters.push(quote!(let call = match body.clone() { Some(value) => call.body(value), None => call };));
        }
    }
    let shape = body_shape(&answer.response.contents, &crates.types);
    let text = quote!(::std::string::String);
    let (plan_body, expected) = match &shape {
        BodyShape::Json(_) | BodyShape::Text => {
            let ty = ty_or(&shape, &text);
            let schema = plan.static_name(&format!("answer_{index}"));
            (
                quote!(let expected = answer::<#ty>(CASE, &mut sampler, shape, &crate::schemas::#schema)?;),
                quote!(Some(expected.clone())),
            )
        }
        BodyShape::Bytes => {
            let schema = plan.static_name(&format!("answer_{index}"));
            (
                quote! {
                    let expected = crate::runtime::harness::bytes_value(&raw_sample(CASE, "response", &mut sampler, shape, &crate::schemas::#schema)?);
                },
                quote!(Some(expected.clone())),
            )
        }
        BodyShape::None => (quote!(let expected = ::serde_json::Value::Null;), quote!(None)),
    };
    let outcome = outcome_arms(crates, plan, answer, &shape);
    quote! {
        pub async fn #name(pair: &crate::Pair, seed: u64, shape: Shape) -> Result<(), Failure> {
            const CASE: &str = #case;
            let mut sampler = Sampler::new(seed);
            let mut plain = Sampler::new(seed ^ 0x9e37_79b9_7f4a_7c15).with_alphabet(Alphabet::Alphanumeric);
            let mut sent: Vec<(&'static str, ::serde_json::Value)> = Vec::new();
            #( #inputs )*
            #plan_body
            pair.exchange.plan(Planned { operation: #id, answer: #index, status: #status, body: #expected });
            let call = pair.client.#method(#( #args ),*);
            #( #setters )*
            let result = call.send().await;
            let returned = match &result { Ok(_) => "a success".to_owned(), Err(error) => error.to_string() };
            check_received(CASE, #id, &sent, pair.exchange.take_received(), &returned)?;
            match result.map_err(#client::Error::into_api) {
                #outcome
            }
        }
    }
}

/// The Rust type of a JSON body, or `text` for a text body.
fn ty_or(shape: &BodyShape, text: &TokenStream) -> TokenStream {
    match shape {
        BodyShape::Json(ty) => ty.clone(),
        _ => text.clone(),
    }
}

/// The match arms that accept the planned answer as the client returns it.
fn outcome_arms(crates: &Crates, plan: &OperationPlan<'_>, answer: &Answer<'_>, shape: &BodyShape) -> TokenStream {
    let client = &crates.client;
    let op = plan.op;
    let has_body = !matches!(shape, BodyShape::None);
    let compare = match shape {
        BodyShape::Bytes => quote!(check(CASE, "response", &expected, &crate::runtime::harness::bytes_value(&value))),
        _ => quote!(check(CASE, "response", &expected, &encode(&value))),
    };
    let status = answer.response.status;
    let single_success = {
        let types: Vec<String> = op.responses.iter().filter(|r| r.status.is_success()).map(|r| body_shape(&r.contents, &crates.types).ty().to_string()).collect();
        types.windows(2).all(|pair| pair[0] == pair[1])
    };
    let accepted = if status.is_success() {
        let response = ident(op.type_names.response.as_str());
        let variant = status_variant(status);
        match (single_success, has_body) {
            (true, true) => quote!(Ok(value) => #compare,),
            (true, false) => quote!(Ok(_) => Ok(()),),
            (false, true) => quote!(Ok(#client::operations::#response::#variant(value)) => #compare,),
            (false, false) => quote!(Ok(#client::operations::#response::#variant) => Ok(()),),
        }
    } else {
        let error = ident(op.type_names.error.as_str());
        let variant = status_variant(status);
        let path = quote!(#client::operations::#error::#variant);
        let expected_status = plan.status_of(answer);
        match (status, has_body) {
            (StatusSpec::Code(_), true) => quote!(Err(Ok(#path(value))) => #compare,),
            (StatusSpec::Code(_), false) => quote!(Err(Ok(#path)) => Ok(()),),
            (_, true) => quote! {
                Err(Ok(#path { status, body: value })) if status == #expected_status => #compare,
            },
            (_, false) => quote!(Err(Ok(#path { status })) if status == #expected_status => Ok(()),),
        }
    };
    let expected_status = plan.status_of(answer);
    // Every success is the planned one when the client returns one type for all of them.
    let other_success = (!(status.is_success() && single_success)).then(|| {
        quote!(Ok(_) => Err(failure(CASE, "", format!("the client returned a success, not the planned {} answer", #expected_status))),)
    });
    quote! {
        #accepted
        #other_success
        #[allow(unreachable_patterns)]
        Err(Ok(error)) => Err(failure(CASE, "", format!("the client returned another documented error instead of the planned {} answer: {error}", #expected_status))),
        Err(Err(error)) => Err(failure(CASE, "", format!("the client returned an error instead of the planned {} answer: {error}", #expected_status))),
    }
}
