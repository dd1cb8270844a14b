//! The client crate: the runtime templates written verbatim under `src/runtime/`, a `Client`
//! with its builder, and per operation a request builder, a success type and an error enum.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::rust::{crate_attributes, docs, ident, lib_name, security_scheme_entries, server_url, status_variant, type_tokens};
use super::features::{gate, Features};
use super::{rust_file, text_file, verbatim_rust_file, CrateNames, EmitError, GeneratedFile};
use crate::ir::{
    Api, Content, FileShape, MediaKind, MultipartField, Operation, Parameter, ParameterLocation, ParameterStyle, PaginationStyle,
    Response, SecuritySchemeKind, StatusSpec, TypeKind, TypeRef,
};

/// The client runtime, spec-independent, compiled and tested in `templates/`.
const RUNTIME: [(&str, &str); 7] = [
    ("auth", include_str!("../../../templates/client/auth.rs")),
    ("client", include_str!("../../../templates/client/client.rs")),
    ("error", include_str!("../../../templates/client/error.rs")),
    ("headers", include_str!("../../../templates/client/headers.rs")),
    ("paginate", include_str!("../../../templates/client/paginate.rs")),
    ("params", include_str!("../../../templates/client/params.rs")),
    ("retry", include_str!("../../../templates/client/retry.rs")),
];

pub fn emit_client_crate(api: &Api, names: &CrateNames) -> Result<Vec<GeneratedFile>, EmitError> {
    let dir = &names.client;
    let types_root = {
        let types = ident(&lib_name(&names.types));
        quote!(::#types)
    };
    let features = Features::of(api);
    let mut files = vec![
        text_file(format!("{dir}/Cargo.toml"), ("# ", ""), &cargo_toml(api, names, &features)),
        text_file(format!("{dir}/README.md"), ("<!-- ", " -->"), &readme(api, names, &features)),
        rust_file(format!("{dir}/src/lib.rs"), lib_rs(names))?,
        rust_file(format!("{dir}/src/client.rs"), client_rs(api))?,
        rust_file(format!("{dir}/src/operations.rs"), operations_rs(api, &types_root, &features))?,
        rust_file(format!("{dir}/src/runtime/mod.rs"), runtime_mod())?,
    ];
    for (module, text) in RUNTIME {
        files.push(verbatim_rust_file(format!("{dir}/src/runtime/{module}.rs"), text));
    }
    Ok(files)
}

fn cargo_toml(api: &Api, names: &CrateNames, features: &Features) -> String {
    format!(
        r#"{package}
[dependencies]
{types} = {{ path = "../{types}", default-features = false }}
base64 = "0.23"
bytes = "1"
chrono = {{ version = "0.4", default-features = false, features = ["std", "serde"] }}
fastrand = "2"
futures = {{ version = "0.3", default-features = false, features = ["std", "async-await"] }}
httpdate = "1"
percent-encoding = "2"
reqwest = {{ version = "0.13", default-features = false, features = ["rustls", "stream"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
serde_path_to_error = "0.1"
tokio = {{ version = "1", features = ["time"] }}
tracing = {{ version = "0.1", default-features = false, features = ["std"] }}
uuid = {{ version = "1", default-features = false, features = ["std", "serde"] }}

[dev-dependencies]
tokio = {{ version = "1", features = ["macros", "rt-multi-thread", "time"] }}

{features}"#,
        package = super::package_table(&names.client, "Async client for", api, true),
        features = features.cargo_table(Some(&names.types)),
        types = names.types,
    )
}

/// The example call in the README: the first operation without required parameters.
fn readme(api: &Api, names: &CrateNames, features: &Features) -> String {
    let lib = lib_name(&names.client);
    let credentials = api
        .security_schemes
        .values()
        .find(|scheme| matches!(scheme.kind, SecuritySchemeKind::ApiKey { .. } | SecuritySchemeKind::Http { .. } | SecuritySchemeKind::OAuth2 { .. }))
        .map(|scheme| match &scheme.kind {
            SecuritySchemeKind::Http { scheme: kind, .. } if kind == "basic" => {
                format!("    .{}(\"user\", \"password\")\n", scheme.rust_name)
            }
            _ => format!("    .{}(std::env::var(\"API_TOKEN\")?)\n", scheme.rust_name),
        })
        .unwrap_or_default();
    let example_op = api
        .operations
        .iter()
        .filter(|op| !op.parameters.iter().any(|p| p.required) && !op.request_body.as_ref().is_some_and(|b| b.required))
        .min_by_key(|op| (op.method != crate::ir::Method::Get, op.pagination.is_none()));
    let example = example_op
        .map(|op| format!("let result = client.{}().send().await?;\nprintln!(\"{{result:?}}\");\n", op.rust_name));
    let responses = example_op.map(|op| responses_section(&lib, &op.rust_name)).unwrap_or_default();
    let example = example.unwrap_or_default();
    format!(
        "# {client}\n\nAn async client for {title} {version}, generated from its OpenAPI document.\n\n\
One method per operation; required parameters are arguments, optional ones are builder methods,\n\
and `send()` returns the operation's success type or `Error<OperationError>` whose `Api` variant\n\
holds the documented error responses by status.\n\n\
```rust,no_run\n\
# async fn example() -> Result<(), Box<dyn std::error::Error>> {{\n\
let client = {lib}::Client::builder()\n{credentials}    .build()?;\n{example}\
# Ok(())\n# }}\n```\n{responses}{features}",
        features = features.readme_section(&names.client),
        client = names.client,
        title = api.title,
        version = api.version,
    )
}

/// `{Operation}Headers`: a view of a response's headers with one method per header the
/// operation's responses document ([`Operation::documented_headers`]).
fn headers_view(op: &Operation, types_root: &TokenStream) -> Option<TokenStream> {
    let view = ident(op.type_names.headers.as_ref()?.as_str());
    let mut methods = Vec::new();
    for header in op.documented_headers() {
        let lower = header.name.to_ascii_lowercase();
        let statuses: Vec<String> = op
            .responses
            .iter()
            .filter(|r| r.headers.iter().any(|h| h.name.eq_ignore_ascii_case(&header.name)))
            .map(|r| r.status.label())
            .collect();
        let line = format!(" `{}` (documented for {}).", header.name, statuses.join(", "));
        let doc = docs(header.description.as_deref());
        let method = ident(&header.rust_name);
        let ty = type_tokens(&header.ty, types_root);
        methods.push(quote! {
            #[doc = #line]
            #doc
            pub fn #method(&self) -> ::std::result::Result<::std::option::Option<#ty>, crate::runtime::headers::HeaderError> {
                crate::runtime::headers::typed(self.0, #lower)
            }
        });
    }
    let doc = format!(
        " The headers the responses of `{}` document, each read by its schema when asked for: `response.headers_as::<{view}>()`.",
        op.id
    );
    Some(quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy)]
        pub struct #view<'h>(&'h ::reqwest::header::HeaderMap);

        impl<'h> ::std::convert::From<&'h ::reqwest::header::HeaderMap> for #view<'h> {
            fn from(headers: &'h ::reqwest::header::HeaderMap) -> Self {
                #view(headers)
            }
        }

        impl #view<'_> {
            #( #methods )*
        }
    })
}

/// The README's section on whole responses, errors and per-call options, calling `method`.
fn responses_section(lib: &str, method: &str) -> String {
    format!(
        "\n## Responses, errors and per-call options\n\n\
`send_with_response()` keeps the status and headers beside the decoded body, and\n\
`with_options` overrides the client's timeout, retries or headers for one call. `Error::Api`\n\
holds the documented error with its status and headers (`error.api()` borrows it,\n\
`error.into_api()` takes it); `status()`, `headers()` and `request_id()` work on any error\n\
the server answered. A body over `max_response_bytes` (32 MiB unless set on the builder) ends\n\
the call with `Error::ResponseTooLarge` as soon as the limit is passed.\n\n\
```rust,no_run\n\
# async fn example(client: &{lib}::Client) -> Result<(), Box<dyn std::error::Error>> {{\n\
use std::time::Duration;\n\
let options = {lib}::CallOptions::new().timeout(Duration::from_secs(5)).no_retry();\n\
let response = client.{method}().with_options(options).send_with_response().await?;\n\
println!(\"{{}} {{:?}} {{:?}}\", response.status(), response.request_id(), response.body());\n\
if let Err(error) = client.{method}().send().await {{\n    \
println!(\"{{error}}: status {{:?}}, request id {{:?}}\", error.status(), error.request_id());\n}}\n\
# Ok(())\n# }}\n```\n"
    )
}

fn lib_rs(names: &CrateNames) -> TokenStream {
    let types = ident(&lib_name(&names.types));
    let attributes = crate_attributes();
    quote! {
        #![doc = include_str!("../README.md")]
        #attributes

        mod client;
        pub mod operations;
        pub mod runtime;

        /// The API's types.
        pub use ::#types as types;
        pub use client::*;
        pub use runtime::auth::{Credential, Credentials, OAuth2Client, Secret, TokenError, TokenResponse};
        pub use runtime::client::{BinaryBody, ByteStream, CallOptions, Response};
        pub use runtime::headers::HeaderError;
        pub use runtime::error::Error;
        pub use runtime::retry::RetryPolicy;
    }
}

fn runtime_mod() -> TokenStream {
    let modules = RUNTIME.iter().map(|(module, _)| ident(module));
    quote! {
        //! Spec-independent runtime: request execution, credentials, retries, pagination, errors.
        #( pub mod #modules; )*
    }
}

fn client_rs(api: &Api) -> TokenStream {
    let default_base = api.servers.first().map(server_url).unwrap_or_else(|| "/".to_owned());
    let schemes = security_scheme_entries(api);
    let credential_setters = credential_setters(api);
    let oauth2_helper = oauth2_helper(api);
    quote! {
        //! The client and its builder.

        #oauth2_helper

        /// The base URL the spec declares first.
        pub const DEFAULT_BASE_URL: &str = #default_base;

        /// The spec's security schemes.
        pub(crate) static SCHEMES: &[crate::runtime::auth::SecurityScheme] = &[ #( #schemes, )* ];

        /// A configured client; cheap to clone (the connection pool is shared).
        #[derive(Debug, Clone)]
        pub struct Client {
            pub(crate) runtime: crate::runtime::client::RuntimeClient,
        }

        impl Client {
            /// Starts configuring a client: base URL, credentials, timeout, retries, user agent.
            pub fn builder() -> ClientBuilder {
                ClientBuilder {
                    base_url: DEFAULT_BASE_URL.to_owned(),
                    config: crate::runtime::client::ClientConfig::new(
                        ::reqwest::Url::parse("http://localhost/").unwrap_or_else(|_| unreachable!("a valid literal URL")),
                    ),
                    http: None,
                }
            }

            /// The shared runtime, for calls the generated methods do not cover.
            pub fn runtime(&self) -> &crate::runtime::client::RuntimeClient {
                &self.runtime
            }
        }

        /// Settings for a [`Client`].
        #[derive(Debug)]
        #[must_use]
        pub struct ClientBuilder {
            base_url: ::std::string::String,
            config: crate::runtime::client::ClientConfig,
            http: ::std::option::Option<::reqwest::Client>,
        }

        /// Why a client could not be built.
        #[derive(Debug)]
        pub enum BuildError {
            /// The base URL or a server override is not a valid URL.
            InvalidUrl { url: ::std::string::String, message: ::std::string::String },
            /// The HTTP client could not be created (TLS backend).
            Http(::reqwest::Error),
        }

        impl ::std::fmt::Display for BuildError {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    BuildError::InvalidUrl { url, message } => write!(f, "`{url}` is not a valid URL: {message}"),
                    BuildError::Http(error) => write!(f, "the HTTP client could not be created: {error}"),
                }
            }
        }

        impl ::std::error::Error for BuildError {}

        impl ClientBuilder {
            /// Replaces the default base URL (for example a mock server).
            pub fn base_url(mut self, url: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.base_url = url.into();
                self
            }

            /// Sends operations that declare their own server `declared` (as the spec writes it)
            /// to `url` instead.
            pub fn server_override(mut self, declared: &str, url: &str) -> ::std::result::Result<Self, BuildError> {
                let parsed = ::reqwest::Url::parse(url)
                    .map_err(|error| BuildError::InvalidUrl { url: url.to_owned(), message: error.to_string() })?;
                self.config.server_overrides.insert(declared.to_owned(), parsed);
                Ok(self)
            }

            /// Per-attempt timeout; `None` waits forever. Default 30 seconds.
            pub fn timeout(mut self, timeout: ::std::option::Option<::std::time::Duration>) -> Self {
                self.config.timeout = timeout;
                self
            }

            /// Retry policy; [`crate::RetryPolicy::none`] switches retries off.
            pub fn retry(mut self, policy: crate::runtime::retry::RetryPolicy) -> Self {
                self.config.retry = policy;
                self
            }

            pub fn user_agent(mut self, user_agent: impl ::std::convert::Into<::std::string::String>) -> Self {
                self.config.user_agent = Some(user_agent.into());
                self
            }

            /// The largest response body read into memory (default 32 MiB); a larger one
            /// fails with `Error::ResponseTooLarge` without being read further.
            pub fn max_response_bytes(mut self, limit: u64) -> Self {
                self.config.max_response_bytes = limit;
                self
            }

            /// The response headers `request_id()` reads, first match wins (default
            /// `x-request-id`, `request-id`, `x-amzn-requestid`).
            pub fn request_id_headers(mut self, names: &'static [&'static str]) -> Self {
                self.config.request_id_headers = names;
                self
            }

            /// Uses a caller-provided `reqwest::Client` (proxies, custom TLS, shared pool).
            pub fn http_client(mut self, http: ::reqwest::Client) -> Self {
                self.http = Some(http);
                self
            }

            /// Sets all credentials at once.
            pub fn credentials(mut self, credentials: crate::runtime::auth::Credentials) -> Self {
                self.config.credentials = credentials;
                self
            }

            #( #credential_setters )*

            pub fn build(self) -> ::std::result::Result<Client, BuildError> {
                let ClientBuilder { base_url, mut config, http } = self;
                config.base_url = ::reqwest::Url::parse(&base_url)
                    .map_err(|error| BuildError::InvalidUrl { url: base_url.clone(), message: error.to_string() })?;
                let runtime = match http {
                    Some(http) => crate::runtime::client::RuntimeClient::with_http_client(http, config, SCHEMES),
                    None => crate::runtime::client::RuntimeClient::new(config, SCHEMES).map_err(BuildError::Http)?,
                };
                Ok(Client { runtime })
            }
        }
    }
}

/// The builder's setter for each security scheme's credential.
fn credential_setters(api: &Api) -> Vec<TokenStream> {
    api.security_schemes.values().filter_map(|scheme| {
        let method = ident(&scheme.rust_name);
        let name = &scheme.name;
        let doc = docs(scheme.description.as_deref());
        Some(match (credential_setter(scheme)?, &scheme.kind) {
            (CredentialSetter::Key, SecuritySchemeKind::ApiKey { param_name, .. }) => {
                let text = format!(" Sends this API key as `{param_name}` (security scheme `{name}`).");
                quote! {
                    #[doc = #text] #doc
                    pub fn #method(mut self, key: impl ::std::convert::Into<::std::string::String>) -> Self {
                        self.config.credentials.set(#name, crate::runtime::auth::Credential::api_key(key));
                        self
                    }
                }
            }
            (CredentialSetter::Basic, _) => {
                let text = format!(" HTTP basic credentials (security scheme `{name}`).");
                quote! {
                    #[doc = #text] #doc
                    pub fn #method(mut self, username: impl ::std::convert::Into<::std::string::String>, password: impl ::std::convert::Into<::std::string::String>) -> Self {
                        self.config.credentials.set(#name, crate::runtime::auth::Credential::basic(username, password));
                        self
                    }
                }
            }
            _ => {
                let text = format!(" A bearer token, sent in `Authorization` (security scheme `{name}`).");
                quote! {
                    #[doc = #text] #doc
                    pub fn #method(mut self, token: impl ::std::convert::Into<::std::string::String>) -> Self {
                        self.config.credentials.set(#name, crate::runtime::auth::Credential::bearer(token));
                        self
                    }
                }
            }
        })
    })
    .collect()
}

/// `oauth2_client`, for the first OAuth2 scheme with an authorization-code flow.
fn oauth2_helper(api: &Api) -> Option<TokenStream> {
    api.security_schemes.values().find_map(|scheme| {
        let SecuritySchemeKind::OAuth2 { flows } = &scheme.kind else { return None };
        let flow = flows.iter().find(|flow| flow.kind == crate::ir::OAuth2FlowKind::AuthorizationCode)?;
        let authorization_url = flow.authorization_url.as_deref()?;
        let token_url = flow.token_url.as_deref()?;
        let doc = format!(
            " An OAuth2 authorization-code client for security scheme `{}`: authorization URL, code exchange and token refresh against `{token_url}`.",
            scheme.name
        );
        Some(quote! {
            #[doc = #doc]
            pub fn oauth2_client(
                client_id: impl ::std::convert::Into<::std::string::String>,
                client_secret: impl ::std::convert::Into<::std::string::String>,
                redirect_uri: ::std::option::Option<::std::string::String>,
            ) -> ::std::result::Result<crate::runtime::auth::OAuth2Client, BuildError> {
                let parse = |url: &str| ::reqwest::Url::parse(url)
                    .map_err(|error| BuildError::InvalidUrl { url: url.to_owned(), message: error.to_string() });
                Ok(crate::runtime::auth::OAuth2Client {
                    client_id: client_id.into(),
                    client_secret: crate::runtime::auth::Secret::new(client_secret),
                    authorization_url: parse(#authorization_url)?,
                    token_url: parse(#token_url)?,
                    redirect_uri,
                })
            }
        })
    })
}

fn operations_rs(api: &Api, types_root: &TokenStream, features: &Features) -> TokenStream {
    let operations =
        api.operations.iter().enumerate().map(|(index, op)| gate(emit_operation(api, op, types_root), &features.operation(index)));
    quote! {
        //! One request builder per operation, with its success and error types.
        #![allow(clippy::large_enum_variant, clippy::too_many_arguments)]

        #( #operations )*
    }
}

/// The first content of a body or response and how it is decoded.
pub(super) enum BodyShape {
    None,
    Json(TokenStream),
    Text,
    Bytes,
}

pub(super) fn body_shape(contents: &[Content], types_root: &TokenStream) -> BodyShape {
    let Some(content) = contents.first() else { return BodyShape::None };
    match content.kind {
        MediaKind::Json => BodyShape::Json(match &content.ty {
            Some(ty) => type_tokens(ty, types_root),
            None => quote!(::serde_json::Value),
        }),
        MediaKind::Text => BodyShape::Text,
        _ => BodyShape::Bytes,
    }
}

impl BodyShape {
    pub(super) fn ty(&self) -> TokenStream {
        match self {
            BodyShape::None => quote!(()),
            BodyShape::Json(ty) => ty.clone(),
            BodyShape::Text => quote!(::std::string::String),
            BodyShape::Bytes => quote!(::bytes::Bytes),
        }
    }

    /// Decodes `raw` (a `RawResponse`) into `ty()`, `?`-propagating decode errors.
    fn decode(&self) -> TokenStream {
        match self {
            BodyShape::None => quote!(()),
            BodyShape::Json(_) => quote!(raw.json()?),
            BodyShape::Text => quote!(raw.text()),
            BodyShape::Bytes => quote!(raw.body.clone()),
        }
    }
}

/// The kind of builder method that sets a scheme's credential; `None` for HTTP schemes other
/// than basic and bearer, which the client cannot send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CredentialSetter {
    /// `method(key)`.
    Key,
    /// `method(username, password)`.
    Basic,
    /// `method(token)`, sent as a bearer token (bearer, OAuth2, OpenID Connect).
    Token,
}

pub(super) fn credential_setter(scheme: &crate::ir::SecurityScheme) -> Option<CredentialSetter> {
    match &scheme.kind {
        SecuritySchemeKind::ApiKey { .. } => Some(CredentialSetter::Key),
        SecuritySchemeKind::Http { scheme: kind, .. } if kind == "basic" => Some(CredentialSetter::Basic),
        SecuritySchemeKind::Http { scheme: kind, .. } if kind != "bearer" => None,
        _ => Some(CredentialSetter::Token),
    }
}

/// `application/json` and `+json` media types.
fn is_json_media(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// A match pattern on `u16` status codes.
fn status_pattern(status: StatusSpec) -> TokenStream {
    match status {
        StatusSpec::Code(code) => quote!(#code),
        StatusSpec::Range(digit) => {
            let low = u16::from(digit) * 100;
            let high = low + 99;
            quote!(#low..=#high)
        }
        StatusSpec::Default => quote!(_),
    }
}

fn path_style(param: &Parameter) -> TokenStream {
    let explode = param.explode;
    match param.style {
        ParameterStyle::Label => quote!(crate::runtime::params::PathStyle::Label { explode: #explode }),
        ParameterStyle::Matrix => quote!(crate::runtime::params::PathStyle::Matrix { explode: #explode }),
        _ if explode => quote!(crate::runtime::params::PathStyle::Simple { explode: true }),
        _ => quote!(crate::runtime::params::PathStyle::DEFAULT),
    }
}

fn query_style(param: &Parameter) -> TokenStream {
    style_tokens(param.style, param.explode)
}

fn style_tokens(style: ParameterStyle, explode: bool) -> TokenStream {
    match style {
        ParameterStyle::SpaceDelimited => quote!(crate::runtime::params::QueryStyle::SpaceDelimited),
        ParameterStyle::PipeDelimited => quote!(crate::runtime::params::QueryStyle::PipeDelimited),
        ParameterStyle::DeepObject => quote!(crate::runtime::params::QueryStyle::DeepObject),
        _ => quote!(crate::runtime::params::QueryStyle::Form { explode: #explode }),
    }
}

/// A form body's `encoding` styles as `&[(field, QueryStyle)]` (fields without a `style`
/// take the default and are left out).
fn form_styles(content: &Content) -> TokenStream {
    let styles = content.encoding.iter().filter_map(|entry| {
        let style = style_tokens(entry.style?, entry.explode);
        let field = &entry.property;
        Some(quote!((#field, #style)))
    });
    quote!(&[#(#styles),*])
}

/// The parts of a typed multipart `body`, field by field, as a `Result<Vec<Part>, String>`.
fn multipart_parts(fields: &[MultipartField<'_>], types_root: &TokenStream) -> TokenStream {
    let writes = fields.iter().map(|field| {
        let wire = &field.field.wire_name;
        let name = ident(&field.field.rust_name);
        let encoding = match field.content_type {
            Some(media) => quote!(Some(#media)),
            None => quote!(None),
        };
        let file_parts = quote! {
            for file in #types_root::support::Files::files(&body.#name) {
                parts.push(crate::runtime::client::file_part(#wire, &file.bytes, file.file_name.as_deref(), file.content_type.as_deref(), #encoding));
            }
        };
        let value_parts = quote!(parts.extend(crate::runtime::client::value_parts(#wire, &body.#name, #encoding)?););
        // A part has no spelling for null, and leaving it out would send "absent".
        let value_parts = if field.field.nullable {
            let is_null = if field.required { quote!(body.#name.is_none()) } else { quote!(body.#name.is_null()) };
            let refusal = format!("multipart field `{wire}` is null, which a multipart body cannot carry; leave it out instead");
            quote! {
                if #is_null {
                    return Err(#refusal.to_owned());
                }
                #value_parts
            }
        } else {
            value_parts
        };
        match field.file {
            None => value_parts,
            // A union with a file variant: file parts when it holds files, else its value.
            Some(FileShape::OrValue) => quote! {
                if #types_root::support::Files::files(&body.#name).is_empty() {
                    #value_parts
                } else {
                    #file_parts
                }
            },
            Some(FileShape::One | FileShape::List) => file_parts,
        }
    });
    quote! {
        (|| -> ::std::result::Result<::std::vec::Vec<crate::runtime::client::Part>, ::std::string::String> {
            let mut parts = ::std::vec::Vec::new();
            #(#writes)*
            Ok(parts)
        })()
    }
}

/// The item type of a paginated operation: the success body's type followed along the items
/// pointer through struct fields; free JSON when the path cannot be followed.
fn page_item_type(api: &Api, op: &Operation, pointer: &str, types_root: &TokenStream) -> TokenStream {
    let success = op.responses.iter().find(|r| r.status.is_success());
    let mut current = success.and_then(|r| r.contents.first()).and_then(|c| c.ty.clone());
    for segment in pointer.split('/').filter(|s| !s.is_empty()) {
        current = current.and_then(|ty| field_type(api, &ty, segment));
    }
    let item = current.and_then(|ty| match unwrap_ref(ty) {
        TypeRef::Array(item) => Some(*item),
        _ => None,
    });
    item.map(|ty| type_tokens(&ty, types_root)).unwrap_or_else(|| quote!(::serde_json::Value))
}

fn unwrap_ref(ty: TypeRef) -> TypeRef {
    match ty {
        TypeRef::Nullable(inner) | TypeRef::Boxed(inner) => unwrap_ref(*inner),
        other => other,
    }
}

fn field_type(api: &Api, ty: &TypeRef, wire_name: &str) -> Option<TypeRef> {
    let TypeRef::Named(id) = unwrap_ref(ty.clone()) else { return None };
    match &api.types.get(&id)?.kind {
        TypeKind::Struct { fields, .. } => fields.iter().find(|f| f.wire_name == wire_name).map(|f| f.ty.clone()),
        TypeKind::Alias { ty, .. } => field_type(api, ty, wire_name),
        _ => None,
    }
}

fn emit_operation(api: &Api, op: &Operation, types_root: &TokenStream) -> TokenStream {
    let names = OperationNames::of(op);
    let body = BuilderBody::of(api, op, types_root);
    let inputs = BuilderInputs::of(op, body.as_ref(), types_root);
    let successes = SuccessMapping::of(op, &names, types_root);
    let headers_view = headers_view(op, types_root);
    let meta = operation_meta(api, op, &names);
    let method = client_method(api, op, &names, &inputs, body.as_ref(), types_root);
    let builder = builder_items(api, op, &names, &inputs, body.as_ref(), &successes, types_root);
    let response_enum = &successes.response_enum;
    let errors = error_items(op, &names, types_root);
    quote! {
        #headers_view
        #meta
        #method
        #builder
        #response_enum
        #errors
    }
}

/// The names of one operation's items.
struct OperationNames<'a> {
    id: &'a str,
    /// The client method (`get_note`).
    method: Ident,
    /// The request builder (`GetNoteParams`).
    builder: Ident,
    /// The success enum, when successes differ in type.
    response: Ident,
    /// The error enum.
    error: Ident,
    /// The `OperationMeta` static.
    meta: Ident,
}

impl<'a> OperationNames<'a> {
    fn of(op: &'a Operation) -> Self {
        OperationNames {
            id: &op.id,
            method: ident(&op.rust_name),
            builder: ident(op.type_names.params.as_str()),
            response: ident(op.type_names.response.as_str()),
            error: ident(op.type_names.error.as_str()),
            meta: format_ident!("{}", op.rust_name.to_uppercase()),
        }
    }
}

/// The request body as the builder holds it (the first media type).
struct BuilderBody<'a> {
    content: &'a Content,
    required: bool,
    ty: TokenStream,
    /// Bytes or a stream: taken as anything that converts.
    binary: bool,
}

impl<'a> BuilderBody<'a> {
    fn of(api: &Api, op: &'a Operation, types_root: &TokenStream) -> Option<Self> {
        let body = op.request_body.as_ref()?;
        let content = body.contents.first()?;
        let ty = match (content.kind, &content.ty) {
            (MediaKind::Json | MediaKind::FormUrlEncoded, Some(ty)) => type_tokens(ty, types_root),
            (MediaKind::Json, None) => quote!(::serde_json::Value),
            (MediaKind::Multipart, Some(ty)) if api.multipart_fields(content).is_some() => type_tokens(ty, types_root),
            // A multipart body that is not an object type: the caller lists the parts.
            (MediaKind::Multipart, _) => quote!(::std::vec::Vec<crate::runtime::client::Part>),
            _ => quote!(crate::runtime::client::BinaryBody),
        };
        let binary = !matches!(content.kind, MediaKind::Json | MediaKind::FormUrlEncoded | MediaKind::Multipart);
        Some(BuilderBody { content, required: body.required, ty, binary })
    }
}

/// The builder's fields, the client method's arguments (required inputs) and the builder's
/// initialisers.
struct BuilderInputs {
    fields: Vec<TokenStream>,
    args: Vec<TokenStream>,
    inits: Vec<TokenStream>,
}

impl BuilderInputs {
    fn of(op: &Operation, body: Option<&BuilderBody<'_>>, types_root: &TokenStream) -> Self {
        let mut inputs = BuilderInputs { fields: Vec::new(), args: Vec::new(), inits: Vec::new() };
        for p in op.parameters.iter().filter(|p| p.required) {
            let name = ident(&p.rust_name);
            let ty = type_tokens(&p.ty, types_root);
            inputs.fields.push(quote!(#name: #ty));
            inputs.args.push(quote!(#name: #ty));
            inputs.inits.push(quote!(#name));
        }
        for p in op.parameters.iter().filter(|p| !p.required) {
            let name = ident(&p.rust_name);
            let ty = type_tokens(&p.ty, types_root);
            inputs.fields.push(quote!(#name: ::std::option::Option<#ty>));
            inputs.inits.push(quote!(#name: None));
        }
        if let Some(body) = body {
            let ty = &body.ty;
            if body.required && body.binary {
                inputs.fields.push(quote!(body: #ty));
                inputs.args.push(quote!(body: impl ::std::convert::Into<#ty>));
                inputs.inits.push(quote!(body: body.into()));
            } else if body.required {
                inputs.fields.push(quote!(body: #ty));
                inputs.args.push(quote!(body: #ty));
                inputs.inits.push(quote!(body));
            } else {
                inputs.fields.push(quote!(body: ::std::option::Option<#ty>));
                inputs.inits.push(quote!(body: None));
            }
        }
        inputs
    }
}

/// The `OperationMeta` static: id, method, path template, own server, security.
fn operation_meta(api: &Api, op: &Operation, names: &OperationNames<'_>) -> TokenStream {
    let (id, meta, error_type) = (names.id, &names.meta, &names.error);
    let http_method = ident(op.method.as_str());
    let path = &op.path;
    // Servers: an operation's own server is used as is unless it is the document's first.
    let own_server = op.servers.first().map(server_url).filter(|url| Some(url) != api.servers.first().map(server_url).as_ref());
    let server = match &own_server {
        Some(url) => quote!(Some(#url)),
        None => quote!(None),
    };
    let requirements = op.effective_security(api).iter().map(|requirement| {
        let schemes = requirement.schemes.iter().map(|scheme| &scheme.scheme);
        quote!(&[ #( #schemes ),* ])
    });
    quote! {
        static #meta: crate::runtime::client::OperationMeta<#error_type> = crate::runtime::client::OperationMeta::new(
            #id,
            ::reqwest::Method::#http_method,
            #path,
            #server,
            &[ #( #requirements ),* ],
        );
    }
}

/// The `Client` method that starts the builder, and for a paginated operation its
/// `_stream` shorthand.
fn client_method(
    api: &Api,
    op: &Operation,
    names: &OperationNames<'_>,
    inputs: &BuilderInputs,
    body: Option<&BuilderBody<'_>>,
    types_root: &TokenStream,
) -> TokenStream {
    let (method_name, builder, error_type) = (&names.method, &names.builder, &names.error);
    let (args, inits) = (&inputs.args, &inputs.inits);
    let method_doc = method_doc(op);
    let stream_method = op.pagination.as_ref().map(|pagination| {
        let id = names.id;
        let stream_name = format_ident!("{}_stream", op.rust_name);
        let item = page_item_type(api, op, &pagination.items, types_root);
        let doc = format!(" Every item of `{id}`, page by page; the same as `{}(..).stream()`.", op.rust_name);
        let body_required = body.is_some_and(|body| body.required);
        let required = op.parameters.iter().filter(|p| p.required);
        let call_args = required.map(|p| ident(&p.rust_name)).chain(body_required.then(|| ident("body")));
        quote! {
            #[doc = #doc]
            pub fn #stream_name(&self, #( #args ),*) -> impl ::futures::Stream<Item = ::std::result::Result<#item, crate::runtime::error::Error<#error_type>>> + '_ {
                self.#method_name(#( #call_args ),*).stream()
            }
        }
    });
    quote! {
        impl crate::Client {
            #method_doc
            pub fn #method_name(&self, #( #args ),*) -> #builder<'_> {
                #builder { client: self, call_options: crate::runtime::client::CallOptions::new(), #( #inits ),* }
            }

            #stream_method
        }
    }
}

/// The client method's docs: summary, method and path, description, deprecation.
fn method_doc(op: &Operation) -> TokenStream {
    let mut method_doc = docs(op.summary.as_deref());
    let description = docs(op.description.as_deref());
    let line = format!(" `{} {}` (`{}`).", op.method.as_str(), op.path, op.id);
    method_doc.extend(quote! { #[doc = ""] #[doc = #line] });
    if !op.description.as_deref().unwrap_or_default().is_empty() {
        method_doc.extend(quote! { #[doc = ""] #description });
    }
    if op.deprecated {
        method_doc.extend(quote! { #[doc = ""] #[doc = " **Deprecated** by the API."] });
    }
    method_doc
}

/// The request builder: its struct, setters, the call it describes, and the ways to send it.
fn builder_items(
    api: &Api,
    op: &Operation,
    names: &OperationNames<'_>,
    inputs: &BuilderInputs,
    body: Option<&BuilderBody<'_>>,
    successes: &SuccessMapping,
    types_root: &TokenStream,
) -> TokenStream {
    let (builder, error_type, meta) = (&names.builder, &names.error, &names.meta);
    let builder_doc = format!(" Request builder for `{}`; finish with [`{builder}::send`].", names.id);
    let fields = &inputs.fields;
    let setters = optional_setters(op, types_root);
    let body_setter = body.filter(|body| !body.required).map(body_setter);
    let param_calls = op.parameters.iter().map(param_call);
    let body_call = body.map(|body| body_call(api, body, types_root));
    let (ok_type, success_arms) = (&successes.ok_type, &successes.arms);
    let streaming = successes.all_binary.then(|| send_streaming(error_type));
    let stream = op.pagination.as_ref().map(|pagination| paginated_stream(api, op, pagination, names, types_root));
    quote! {
        #[doc = #builder_doc]
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until `send` is awaited"]
        pub struct #builder<'a> {
            client: &'a crate::Client,
            call_options: crate::runtime::client::CallOptions,
            #( #fields, )*
        }

        impl<'a> #builder<'a> {
            #( #setters )*
            #body_setter

            fn call(&self) -> crate::runtime::client::Call<'a, #error_type> {
                let call = self.client.runtime.call(&#meta);
                #( #param_calls )*
                #body_call
                call
            }

            /// Overrides the client's timeout, retry policy or headers for this call.
            pub fn with_options(mut self, options: crate::runtime::client::CallOptions) -> Self {
                self.call_options = options;
                self
            }

            /// Sends the request; `Err(Error::Api(..))` holds a documented error response.
            pub fn send(
                self,
            ) -> impl ::std::future::Future<Output = ::std::result::Result<#ok_type, crate::runtime::error::Error<#error_type>>> + 'a {
                // A combinator, not another async body: one state machine per operation.
                ::futures::TryFutureExt::map_ok(self.send_with_response(), crate::runtime::client::Response::into_body)
            }

            /// Sends the request and keeps the response's status and headers beside the body.
            pub async fn send_with_response(
                self,
            ) -> ::std::result::Result<crate::runtime::client::Response<#ok_type>, crate::runtime::error::Error<#error_type>> {
                let raw = self.call().options(self.call_options.clone()).send().await?;
                match raw.status_code() {
                    #( #success_arms )*
                    _ => Err(#error_type::from_response(raw)),
                }
            }

            #streaming

            #stream
        }
    }
}

/// One setter per optional parameter (strings take anything that converts).
fn optional_setters<'a>(op: &'a Operation, types_root: &'a TokenStream) -> impl Iterator<Item = TokenStream> + 'a {
    op.parameters.iter().filter(|p| !p.required).map(move |p| {
        let name = ident(&p.rust_name);
        let ty = type_tokens(&p.ty, types_root);
        let doc = docs(p.description.as_deref());
        let doc = if doc.is_empty() { doc } else { quote!(#[doc = ""] #doc) };
        let wire = format!(" Sets `{}`.", p.name);
        if matches!(p.ty, TypeRef::String { .. }) {
            return quote! {
                #[doc = #wire]
                #doc
                pub fn #name(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
                    self.#name = Some(value.into());
                    self
                }
            };
        }
        quote! {
            #[doc = #wire]
            #doc
            pub fn #name(mut self, value: #ty) -> Self {
                self.#name = Some(value);
                self
            }
        }
    })
}

/// The setter of an optional body.
fn body_setter(body: &BuilderBody<'_>) -> TokenStream {
    let ty = &body.ty;
    if body.binary {
        return quote! {
            /// Sets the request body: bytes, or `BinaryBody::stream(..)` to send it as it is
            /// read (the call is then not retried).
            pub fn body(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
                self.body = Some(value.into());
                self
            }
        };
    }
    quote! {
        /// Sets the request body.
        pub fn body(mut self, value: #ty) -> Self {
            self.body = Some(value);
            self
        }
    }
}

/// How `call` writes one parameter, by its location and style.
fn param_call(p: &Parameter) -> TokenStream {
    let name = ident(&p.rust_name);
    let wire = &p.name;
    let value = quote!(&self.#name);
    match p.location {
        ParameterLocation::Path => {
            let style = path_style(p);
            if p.required {
                quote!(let call = call.path(#wire, #value, #style);)
            } else {
                quote!(let call = match &self.#name { Some(value) => call.path(#wire, value, #style), None => call };)
            }
        }
        ParameterLocation::Query if p.content_media_type.as_deref().is_some_and(is_json_media) => {
            quote!(let call = call.query_json(#wire, #value);)
        }
        ParameterLocation::Query => {
            let style = query_style(p);
            quote!(let call = call.query(#wire, #value, #style);)
        }
        ParameterLocation::Header => {
            let explode = p.explode;
            quote!(let call = call.header(#wire, #value, #explode);)
        }
        ParameterLocation::Cookie => quote!(let call = call.cookie(#wire, #value);),
    }
}

/// How `call` attaches the body, by its media type.
fn body_call(api: &Api, body: &BuilderBody<'_>, types_root: &TokenStream) -> TokenStream {
    let content = body.content;
    let attach = match content.kind {
        MediaKind::Json if !content.sent_media_type().trim().eq_ignore_ascii_case("application/json") => {
            let media = content.sent_media_type();
            quote!(call.json_as(#media, body))
        }
        MediaKind::Json => quote!(call.json(body)),
        MediaKind::FormUrlEncoded => {
            let styles = form_styles(content);
            quote!(call.form(body, #styles))
        }
        MediaKind::Multipart => match api.multipart_fields(content) {
            Some(fields) => {
                let parts = multipart_parts(&fields, types_root);
                quote!(call.multipart_parts(#parts))
            }
            None => quote!(call.multipart(body)),
        },
        _ => {
            let media = &content.media_type;
            quote!(call.binary(#media, body.clone()))
        }
    };
    if body.required {
        quote!(let body = &self.body; let call = #attach;)
    } else {
        quote!(let call = match self.body.as_ref() { Some(body) => #attach, None => call };)
    }
}

/// How successes are decoded: the type `send` returns, one match arm per success status, and
/// the success enum when the successes differ in type.
struct SuccessMapping {
    ok_type: TokenStream,
    arms: Vec<TokenStream>,
    response_enum: TokenStream,
    /// Every success is binary, so `send_streaming` exists.
    all_binary: bool,
}

impl SuccessMapping {
    fn of(op: &Operation, names: &OperationNames<'_>, types_root: &TokenStream) -> Self {
        let successes: Vec<&Response> = op.responses.iter().filter(|r| r.status.is_success()).collect();
        let shapes: Vec<BodyShape> = successes.iter().map(|r| body_shape(&r.contents, types_root)).collect();
        let all_binary = !shapes.is_empty() && shapes.iter().all(|shape| matches!(shape, BodyShape::Bytes));
        let single_success = shapes.windows(2).all(|pair| pair[0].ty().to_string() == pair[1].ty().to_string());
        if single_success {
            let ok_type = shapes.first().map(|s| s.ty()).unwrap_or(quote!(()));
            let arms = successes.iter().zip(&shapes).map(|(r, s)| {
                let pattern = status_pattern(r.status);
                match s {
                    BodyShape::None => quote!(#pattern => Ok(raw.respond(())),),
                    _ => {
                        let decode = s.decode();
                        quote!(#pattern => { let body = #decode; Ok(raw.respond(body)) })
                    }
                }
            });
            return SuccessMapping { ok_type, arms: arms.collect(), response_enum: quote!(), all_binary };
        }
        let response_type = &names.response;
        let variants = successes.iter().zip(&shapes).map(|(r, s)| {
            let variant = status_variant(r.status);
            let ty = s.ty();
            let doc = format!(" {}: {}", r.status.label(), r.description);
            match s {
                BodyShape::None => quote!(#[doc = #doc] #variant,),
                _ => quote!(#[doc = #doc] #variant(#ty),),
            }
        });
        let arms = successes.iter().zip(&shapes).map(|(r, s)| {
            let pattern = status_pattern(r.status);
            let variant = status_variant(r.status);
            let decode = s.decode();
            match s {
                BodyShape::None => quote!(#pattern => Ok(raw.respond(#response_type::#variant)),),
                _ => quote!(#pattern => { let body = #decode; Ok(raw.respond(#response_type::#variant(body))) }),
            }
        });
        let doc = format!(" The success responses of `{}`.", names.id);
        let response_enum = quote! {
            #[doc = #doc]
            #[derive(Debug, Clone)]
            pub enum #response_type { #( #variants )* }
        };
        SuccessMapping { ok_type: quote!(#response_type), arms: arms.collect(), response_enum, all_binary }
    }
}

/// `send_streaming`, for operations whose successes are all binary.
fn send_streaming(error_type: &Ident) -> TokenStream {
    quote! {
        /// Sends the request and streams a success body as it arrives, without reading it
        /// into memory or applying the client's size limit; other answers are errors as
        /// for `send`.
        pub async fn send_streaming(
            self,
        ) -> ::std::result::Result<
            crate::runtime::client::Response<crate::runtime::client::ByteStream>,
            crate::runtime::error::Error<#error_type>,
        > {
            match self.call().options(self.call_options.clone()).send_streaming().await? {
                crate::runtime::client::Received::Streaming(response) => Ok(response),
                crate::runtime::client::Received::Buffered(raw) => Err(#error_type::from_response(raw)),
            }
        }
    }
}

/// `stream()` of a paginated operation: every item, page by page, from the builder's
/// position and page size.
fn paginated_stream(
    api: &Api,
    op: &Operation,
    pagination: &crate::ir::Pagination,
    names: &OperationNames<'_>,
    types_root: &TokenStream,
) -> TokenStream {
    let (id, error_type) = (names.id, &names.error);
    let item = page_item_type(api, op, &pagination.items, types_root);
    let items = &pagination.items;
    let find = |wire: &str| op.parameters.iter().find(|p| p.name == wire && p.location == ParameterLocation::Query);
    let position = find(&pagination.position_param);
    let limit = pagination.limit_param.as_deref().and_then(find);
    let style = match pagination.style {
        PaginationStyle::Offset => {
            let next = pagination.next.as_deref().map(|p| quote!(Some(#p))).unwrap_or(quote!(None));
            let more = pagination.has_more.as_deref().map(|p| quote!(Some(#p))).unwrap_or(quote!(None));
            quote!(crate::runtime::paginate::PagingStyle::Offset { next_offset: #next, has_more: #more })
        }
        PaginationStyle::Cursor => {
            let next = pagination.next.as_deref().unwrap_or("/next_cursor");
            quote!(crate::runtime::paginate::PagingStyle::Cursor { next_cursor: #next })
        }
    };
    let is_integer = |p: &Parameter| matches!(p.ty, TypeRef::Integer { .. });
    let (start, set_position) = match (pagination.style, position) {
        (PaginationStyle::Offset, Some(p)) if is_integer(p) => {
            let name = ident(&p.rust_name);
            let ty = type_tokens(&p.ty, types_root);
            (
                quote!(self.#name.and_then(|value| u64::try_from(value).ok()).unwrap_or(0)),
                quote!(page_request.#name = #ty::try_from(page.offset).ok();),
            )
        }
        (PaginationStyle::Cursor, Some(p)) if matches!(p.ty, TypeRef::String { .. }) => {
            let name = ident(&p.rust_name);
            (quote!(0), quote!(if let Some(cursor) = page.cursor { page_request.#name = Some(cursor); }))
        }
        _ => (quote!(0), quote!()),
    };
    let (limit_start, set_limit) = match limit {
        Some(p) if is_integer(p) && !p.required => {
            let name = ident(&p.rust_name);
            let ty = type_tokens(&p.ty, types_root);
            (
                quote!(self.#name.and_then(|value| u64::try_from(value).ok())),
                quote!(if let Some(limit) = page.limit { page_request.#name = #ty::try_from(limit).ok(); }),
            )
        }
        _ => (quote!(None), quote!()),
    };
    let doc = format!(
        " Walks every page of `{id}` from the builder's position, yielding the items at `{items}`; the page size is the builder's `{}`.",
        pagination.limit_param.as_deref().unwrap_or("limit")
    );
    quote! {
        #[doc = #doc]
        pub fn stream(self) -> impl ::futures::Stream<Item = ::std::result::Result<#item, crate::runtime::error::Error<#error_type>>> + 'a {
            const PAGING: crate::runtime::paginate::Paging = crate::runtime::paginate::Paging { style: #style, items: #items };
            let start = #start;
            let limit = #limit_start;
            crate::runtime::paginate::paginate(#id, PAGING, start, limit, move |page: crate::runtime::paginate::PageRequest| {
                let _ = &page;
                #[allow(unused_mut)]
                let mut page_request = self.clone();
                #set_position
                #set_limit
                async move {
                    let raw = page_request.call().options(page_request.call_options.clone()).send().await?;
                    if raw.status.is_success() {
                        raw.json()
                    } else {
                        Err(#error_type::from_response(raw))
                    }
                }
            })
        }
    }
}

/// The error enum of the documented non-success responses, its `from_response` and `Display`.
fn error_items(op: &Operation, names: &OperationNames<'_>, types_root: &TokenStream) -> TokenStream {
    let (id, error_type) = (names.id, &names.error);
    let failures: Vec<&Response> = op.responses.iter().filter(|r| !r.status.is_success()).collect();
    let error_variants = failures.iter().map(|r| error_variant(r, types_root));
    let error_display = failures.iter().map(|r| error_display_arm(r, id, error_type));
    let error_arms = failures.iter().map(|r| error_arm(r, error_type, types_root));
    let has_default_error = failures.iter().any(|r| r.status == StatusSpec::Default);
    let fallback = (!has_default_error).then(|| quote!(_ => raw.unexpected(),));
    let error_doc = format!(" The documented error responses of `{id}`, by status.");
    let from_response_body = if failures.is_empty() {
        quote!(raw.unexpected())
    } else if let [only @ Response { status: StatusSpec::Default, .. }] = failures.as_slice() {
        // `default` alone takes every status: no match to make.
        let answer = error_answer(only, error_type, types_root);
        quote! {
            let status = raw.status_code();
            #answer
        }
    } else {
        quote! {
            let status = raw.status_code();
            match status {
                #( #error_arms )*
                #fallback
            }
        }
    };
    let display_body = if failures.is_empty() {
        quote!({ let _ = f; match *self {} })
    } else {
        quote!(match self { #( #error_display )* })
    };
    quote! {
        #[doc = #error_doc]
        #[derive(Debug, Clone)]
        pub enum #error_type { #( #error_variants )* }

        impl #error_type {
            /// The error for a non-success response: a documented status becomes
            /// `Error::Api`, any other `Error::UnexpectedStatus`.
            fn from_response(raw: crate::runtime::client::RawResponse<#error_type>) -> crate::runtime::error::Error<#error_type> {
                #from_response_body
            }
        }

        impl ::std::fmt::Display for #error_type {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                #display_body
            }
        }
    }
}

/// One error enum variant: a documented status with its body, or a range/default with the
/// status beside it.
fn error_variant(r: &Response, types_root: &TokenStream) -> TokenStream {
    let variant = status_variant(r.status);
    let shape = body_shape(&r.contents, types_root);
    let ty = shape.ty();
    let doc = format!(" {}: {}", r.status.label(), r.description);
    match (r.status, shape) {
        (StatusSpec::Code(_), BodyShape::None) => quote!(#[doc = #doc] #variant,),
        (StatusSpec::Code(_), _) => quote!(#[doc = #doc] #variant(#ty),),
        (_, BodyShape::None) => quote!(#[doc = #doc] #variant { status: u16 },),
        _ => quote!(#[doc = #doc] #variant { status: u16, body: #ty },),
    }
}

/// The `Display` arm of one error variant: the operation, the status and its description.
fn error_display_arm(r: &Response, id: &str, error_type: &Ident) -> TokenStream {
    let variant = status_variant(r.status);
    match r.status {
        StatusSpec::Code(code) => {
            let text = format!("{id}: {code} {}", r.description.trim());
            if r.contents.is_empty() {
                quote!(#error_type::#variant => f.write_str(#text),)
            } else {
                quote!(#error_type::#variant(_) => f.write_str(#text),)
            }
        }
        _ => {
            // The operation and the description are written into the format string itself.
            let escaped = |text: &str| text.replace('{', "{{").replace('}', "}}");
            let format = format!("{}: {{}} {}", escaped(id), escaped(r.description.trim()));
            quote!(#error_type::#variant { status, .. } => write!(f, #format, status),)
        }
    }
}

/// The `from_response` arm of one documented error status: decode its body into the variant.
fn error_arm(r: &Response, error_type: &Ident, types_root: &TokenStream) -> TokenStream {
    let pattern = status_pattern(r.status);
    let answer = error_answer(r, error_type, types_root);
    quote!(#pattern => #answer,)
}

/// The error of a response with one documented error status: its body decoded into the
/// variant (`status` holds the response's status).
fn error_answer(r: &Response, error_type: &Ident, types_root: &TokenStream) -> TokenStream {
    let variant = status_variant(r.status);
    let shape = body_shape(&r.contents, types_root);
    let wrap = |body: TokenStream| match r.status {
        StatusSpec::Code(_) => quote!({ let body = #body; raw.documented(#error_type::#variant(body)) }),
        _ => quote!({ let body = #body; raw.documented(#error_type::#variant { status, body }) }),
    };
    match shape {
        BodyShape::Json(_) => match r.status {
            StatusSpec::Code(_) => quote!(raw.api(#error_type::#variant)),
            _ => quote! {
                match raw.json() {
                    Ok(body) => raw.documented(#error_type::#variant { status, body }),
                    Err(error) => error,
                }
            },
        },
        BodyShape::None => match r.status {
            StatusSpec::Code(_) => quote!(raw.documented(#error_type::#variant)),
            _ => quote!(raw.documented(#error_type::#variant { status })),
        },
        BodyShape::Text => wrap(quote!(raw.text())),
        BodyShape::Bytes => wrap(quote!(raw.body.clone())),
    }
}
