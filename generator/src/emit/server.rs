//! The server crate: the runtime templates written verbatim under `src/runtime/`, the
//! request schemas as static data (`schemas.rs`), per operation a request struct, a response
//! enum with one variant per documented status and media type, and a handler (`operations.rs`),
//! the `Api` trait the user implements (`api.rs`), the router (`router.rs`) and the refusals
//! planned in the spec's own shape (`refusals.rs`, see `emit::refusals`).

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::rust::{crate_attributes, docs, ident, lib_name, security_scheme_entries, server_url, status_variant, type_tokens};
use super::features::{gate, Features};
use super::{rust_file, text_file, verbatim_rust_file, CrateNames, EmitError, GeneratedFile};
use crate::ir::{
    Api, ApiKeyLocation, Constraints, Content, EnumRepr, EnumVariant, Field, FileShape, MediaKind, Method, Operation,
    Parameter, ParameterLocation, ParameterStyle, Response, SecuritySchemeKind, StatusSpec, TypeDef, TypeId, TypeKind,
    TypeRef, UnionRule, Variant,
};

/// The server runtime, spec-independent, compiled and tested in `templates/`.
const RUNTIME: [(&str, &str); 9] = [
    ("app", include_str!("../../../templates/server/app.rs")),
    ("auth", include_str!("../../../templates/server/auth.rs")),
    ("envelope", include_str!("../../../templates/server/envelope.rs")),
    ("extract", include_str!("../../../templates/server/extract.rs")),
    ("formats", include_str!("../../../templates/server/formats.rs")),
    ("refusals", include_str!("../../../templates/server/refusals.rs")),
    ("respond", include_str!("../../../templates/server/respond.rs")),
    ("schema", include_str!("../../../templates/server/schema.rs")),
    ("validate", include_str!("../../../templates/server/validate.rs")),
];

/// The runtime module for typed multipart bodies, with what it adds to `[dependencies]`;
/// emitted only for documents that have such a body.
const MULTIPART: (&str, &str) = ("multipart", include_str!("../../../templates/server/multipart.rs"));
const MULTIPART_DEPENDENCIES: &str = "futures-util = { version = \"0.3\", default-features = false }\nmulter = \"3\"\n";

/// Whether any operation takes a typed multipart body.
fn has_typed_multipart(api: &Api) -> bool {
    api.operations.iter().any(|op| {
        op.request_body.as_ref().and_then(|body| body.contents.first()).is_some_and(|content| api.multipart_fields(content).is_some())
    })
}

/// The runtime modules this document's server needs.
fn runtime_modules(api: &Api) -> Vec<(&'static str, &'static str)> {
    let mut modules = RUNTIME.to_vec();
    if has_typed_multipart(api) {
        modules.push(MULTIPART);
        modules.sort_unstable();
    }
    modules
}

pub fn emit_server_crate(api: &Api, names: &CrateNames) -> Result<Vec<GeneratedFile>, EmitError> {
    let dir = &names.server;
    let types_root = {
        let types = ident(&lib_name(&names.types));
        quote!(::#types)
    };
    let features = Features::of(api);
    let routes = plan_routes(api);
    let hook = auth_hook_name(api);
    let mut schemas = Schemas::new(api);
    let (refusals, refusal_plans) = super::refusals::refusals_rs(api, &super::refusals::plan_refusals(api));
    let operations = operations_rs(api, &types_root, &routes, &hook, &mut schemas, &features, &refusal_plans);
    let mut files = vec![
        text_file(format!("{dir}/Cargo.toml"), ("# ", ""), &cargo_toml(api, names, &features)),
        text_file(format!("{dir}/README.md"), ("<!-- ", " -->"), &readme(api, names, &hook, &features)),
        rust_file(format!("{dir}/src/lib.rs"), lib_rs(names))?,
        rust_file(format!("{dir}/src/api.rs"), api_rs(api, &routes, &hook, &features))?,
        rust_file(format!("{dir}/src/operations.rs"), operations)?,
        rust_file(format!("{dir}/src/refusals.rs"), refusals)?,
        rust_file(format!("{dir}/src/router.rs"), router_rs(api, &routes, &features))?,
        rust_file(format!("{dir}/src/schemas.rs"), schemas.finish())?,
        rust_file(format!("{dir}/src/runtime/mod.rs"), runtime_mod(api))?,
    ];
    for (module, text) in runtime_modules(api) {
        files.push(verbatim_rust_file(format!("{dir}/src/runtime/{module}.rs"), text));
    }
    Ok(files)
}

fn cargo_toml(api: &Api, names: &CrateNames, features: &Features) -> String {
    format!(
        r#"{package}
[dependencies]
{types} = {{ path = "../{types}", default-features = false }}
axum = {{ version = "0.8", default-features = false, features = ["http1", "json", "tokio"] }}
base64 = "0.23"
chrono = {{ version = "0.4", default-features = false, features = ["std", "serde"] }}
form_urlencoded = "1"
{multipart}hyper = {{ version = "1", default-features = false, features = ["http1", "server"] }}
hyper-util = {{ version = "0.1", default-features = false, features = ["tokio"] }}
iri-string = {{ version = "0.7", default-features = false, features = ["std"] }}
pin-project-lite = "0.2"
regex = "1"
serde = {{ version = "1", features = ["derive"] }}
serde_json = "1"
serde_path_to_error = "0.1"
tokio = {{ version = "1", features = ["macros", "net", "rt", "sync", "time"] }}
tower = {{ version = "0.5", default-features = false, features = ["util"] }}
tower-http = {{ version = "0.7", default-features = false, features = ["catch-panic", "timeout", "trace"] }}
tracing = {{ version = "0.1", default-features = false, features = ["std"] }}
uuid = {{ version = "1", default-features = false, features = ["std", "serde"] }}

[dev-dependencies]
tokio = {{ version = "1", features = ["macros", "rt-multi-thread", "net", "signal"] }}

{features}"#,
        package = super::package_table(&names.server, "Axum server stub for", api, true),
        features = features.cargo_table(Some(&names.types)),
        multipart = if has_typed_multipart(api) { MULTIPART_DEPENDENCIES } else { "" },
        types = names.types,
    )
}

/// Whether any operation needs credentials, so the trait has an authentication hook.
pub(super) fn has_auth(api: &Api) -> bool {
    api.operations.iter().any(|op| !op.effective_security(api).is_empty())
}

/// The hook's name, clear of the operation methods.
pub(super) fn auth_hook_name(api: &Api) -> String {
    ["authenticate", "authenticate_request", "authenticate_"]
        .into_iter()
        .find(|candidate| api.operations.iter().all(|op| op.rust_name != *candidate))
        .unwrap_or("authenticate_")
        .to_owned()
}

fn readme(api: &Api, names: &CrateNames, hook: &str, features: &Features) -> String {
    let lib = lib_name(&names.server);
    let example = api
        .operations
        .iter()
        .filter(|op| op.responses.iter().any(|r| r.status.is_success()))
        .min_by_key(|op| op.method != crate::ir::Method::Get);
    let (principal, auth) = if has_auth(api) {
        (
            "    type Principal = String;\n\n",
            format!(
                "    // Called before every operation that has security requirements.\n    async fn {hook}(&self, credentials: Credentials, _operation: &'static str) -> Result<String, ApiError> {{\n        match credentials.presented.first().map(|(_, credential)| credential) {{\n            Some(Credential::ApiKey(secret) | Credential::Bearer(secret)) if secret.expose() == \"let-me-in\" => Ok(\"me\".to_owned()),\n            _ => Err(ApiError::unauthorized(\"the credentials are not valid\", \"Bearer\")),\n        }}\n    }}\n"
            ),
        )
    } else {
        ("", String::new())
    };
    let method = example
        .map(|op| {
            let takes_principal = !op.effective_security(api).is_empty();
            let principal_arg = if takes_principal { ", _principal: String" } else { "" };
            format!(
                "\n    // Every other operation answers 501 in the API's error envelope until written.\n    async fn {name}(&self{principal_arg}, _request: {lib}::{params}) -> Result<{lib}::{response}, ApiError> {{\n        Err(ApiError::not_found(\"nothing here yet\"))\n    }}\n",
                name = op.rust_name,
                params = op.type_names.params,
                response = op.type_names.response,
            )
        })
        .unwrap_or_default();
    format!(
        "# {server}\n\nAn axum server stub for {title} {version}, generated from its OpenAPI document.\n\n\
Implement the `Api` trait: one async method per operation, each taking the authenticated\n\
principal and a typed, already validated request, and returning the operation's response enum\n\
(one variant per documented status) or an `ApiError` answered in the API's error envelope.\n\
Requests that break the spec are answered 400 before your code runs; unknown paths 404, wrong\n\
methods 405, oversized bodies 413, wrong content types 415, panics 500.\n{refusals}\n\
```rust,no_run\n\
use {lib}::{{ApiError, Credential, Credentials}};\n\n\
struct MyApi;\n\n\
impl {lib}::Api for MyApi {{\n{principal}{auth}{method}}}\n\n\
#[tokio::main]\n\
async fn main() -> std::io::Result<()> {{\n    \
let listener = tokio::net::TcpListener::bind(\"127.0.0.1:8080\").await?;\n    \
{lib}::serve(listener, MyApi, async {{ let _ = tokio::signal::ctrl_c().await; }}).await\n\
}}\n```\n\n\
`router(api)` gives the `axum::Router` to embed in a larger app; `RouterConfig` changes the\n\
base path each server is mounted at, the body limit and the request timeout.\n\n\
`serve` bounds what slow and idle clients can hold: a client has 10 s from the first byte of a\n\
request to the end of its headers, a connection that moves no byte for 20 s while no request is\n\
being handled is closed (a new one that sends nothing, an idle keep-alive one), and at most 1024\n\
connections are served at once (further clients wait in the listener's backlog until one\n\
closes). `runtime::app::serve_with(listener, router, &ServeConfig, shutdown)` serves any router\n\
with other values: `ServeConfig::default().with_header_read_timeout(..)`,\n\
`.with_idle_timeout(..)`, `.with_max_connections(..)`.\n{features}",
        features = features.readme_section(&names.server),
        refusals = readme_refusals(api),
        server = names.server,
        title = api.title,
        version = api.version,
    )
}

/// What the README says of how refusals are answered.
fn readme_refusals(api: &Api) -> &'static str {
    if api.error_envelope.is_some() {
        "Every refusal is answered in the API's error envelope (its `x-error-envelope`).\n"
    } else {
        "Each refusal (and each `ApiError` of its status) is answered as the operation documents it:\n\
in the documented status (422 for a request that breaks the spec where the operation documents\n\
422 and no 400) with a body its schema accepts, as planned in `refusals.rs`, else in the error\n\
envelope; `RouterConfig::refusal_renderer` replaces how they are written.\n"
    }
}

fn lib_rs(names: &CrateNames) -> TokenStream {
    let types = ident(&lib_name(&names.types));
    let attributes = crate_attributes();
    quote! {
        #![doc = include_str!("../README.md")]
        #attributes

        mod api;
        pub mod operations;
        pub mod refusals;
        mod router;
        pub mod runtime;
        pub mod schemas;

        /// The API's types.
        pub use ::#types as types;
        pub use api::Api;
        #[allow(unused_imports)] // a spec may have no operations
        pub use operations::*;
        pub use router::{router, router_with, routes, serve, RouterConfig, ENVELOPE, SECURITY_SCHEMES, SERVERS};
        pub use runtime::app::ServeConfig;
        pub use runtime::auth::{Credential, Credentials, Secret};
        pub use runtime::envelope::ApiError;
    }
}

fn runtime_mod(api: &Api) -> TokenStream {
    let modules = runtime_modules(api).into_iter().map(|(module, _)| ident(module));
    quote! {
        //! Spec-independent runtime: extraction, validation, credentials, the error envelope and the standard layers.
        #( pub mod #modules; )*
    }
}

// ---------------------------------------------------------------------------------------
// Routes

/// Where one operation is mounted.
pub(super) struct Route {
    /// The declared server URL (variables at their defaults) whose base path prefixes it.
    server: String,
    /// The axum route template below the base path (`/notes/{id}`).
    template: String,
    /// Wire name of each path parameter → the name it has in `template`.
    keys: BTreeMap<String, String>,
    /// Path segments that hold a parameter beside literal text (`{name}.json`): the segment's
    /// name in `template` and the segment as the spec writes it.
    partial_segments: Vec<(String, String)>,
    /// Set when an earlier operation already answers the same method and route (paths that
    /// differ only in parameter names or a `#fragment`): the id of that operation. Such an
    /// operation is not routed; its trait method says so.
    pub(super) shadowed_by: Option<String>,
    /// Literal routes beside this template that lack its method: mounted there too.
    literal_mounts: Vec<LiteralMount>,
    /// Set on the first operation of a route and method that several operations share, told
    /// apart by fixed values: the router mounts a dispatcher among them there.
    dispatch: Option<Dispatch>,
    /// Whether the operation is one that a dispatcher calls (so it has no route of its own).
    dispatched: bool,
}

/// The operations sharing one route and method that fixed values tell apart.
#[derive(Debug, Clone, PartialEq)]
struct Dispatch {
    /// In path order: the operation's index and the values that select it.
    arms: Vec<(usize, Vec<FixedValue>)>,
    /// The operation without fixed values, which takes every other request.
    fallback: Option<usize>,
}

/// A value a request must carry for one operation of a shared route (see [`fixed_values`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct FixedValue {
    location: ParameterLocation,
    name: String,
    /// `None`: any value (the parameter is merely given).
    value: Option<String>,
}

/// The values that select `op` among operations of the same route: what its path key writes
/// after `?` or `#` (`/?Action=CreateBackup`, `/#X-Amz-Target=Budgets.CreateBudget`, `?acl`;
/// a `#` item only when a header or query parameter of that name is declared, since a
/// client sends no fragment), and its required header and query parameters that allow one
/// value.
fn fixed_values(api: &Api, op: &Operation) -> Vec<FixedValue> {
    let (before_fragment, fragment) = op.path.split_once('#').unwrap_or((&op.path, ""));
    let query = before_fragment.split_once('?').map_or("", |(_, query)| query);
    let written = query.split('&').map(|item| (item, true)).chain(fragment.split('&').map(|item| (item, false)));
    let mut fixed = Vec::new();
    for (item, in_query) in written.filter(|(item, _)| !item.is_empty()) {
        let (name, value) = item.split_once('=').map_or((item, None), |(name, value)| (name, Some(value.to_owned())));
        let declared = op.parameters.iter().find(|p| match p.location {
            ParameterLocation::Header => p.name.eq_ignore_ascii_case(name),
            ParameterLocation::Query => p.name == name,
            _ => false,
        });
        let location = match declared {
            Some(p) => p.location,
            None if in_query => ParameterLocation::Query,
            None => continue,
        };
        fixed.push(FixedValue { location, name: declared.map_or(name, |p| p.name.as_str()).to_owned(), value });
    }
    for p in op.parameters.iter().filter(|p| p.required && matches!(p.location, ParameterLocation::Header | ParameterLocation::Query)) {
        if let Some(value) = single_value(api, &p.ty) {
            fixed.push(FixedValue { location: p.location, name: p.name.clone(), value: Some(value) });
        }
    }
    fixed.sort();
    fixed.dedup();
    // A parameter with a fixed value is given: its bare mention adds nothing.
    let valued: Vec<(ParameterLocation, String)> =
        fixed.iter().filter(|f| f.value.is_some()).map(|f| (f.location, f.name.clone())).collect();
    fixed.retain(|f| f.value.is_some() || !valued.contains(&(f.location, f.name.clone())));
    fixed
}

/// The one value an enum with one variant allows, as text (through aliases).
fn single_value(api: &Api, ty: &TypeRef) -> Option<String> {
    let mut ty = ty;
    for _ in 0..16 {
        let TypeRef::Named(id) = ty else { return None };
        match &api.types.get(id)?.kind {
            TypeKind::Alias { ty: target, .. } => ty = target,
            TypeKind::Enum { variants, .. } if variants.len() == 1 => {
                return Some(match &variants[0].value {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                });
            }
            _ => return None,
        }
    }
    None
}

/// Turns groups of operations on one route and method into dispatches where fixed values
/// tell them apart: each operation with a set of values no earlier one has becomes an arm,
/// the first without any the fallback; the rest stay shadowed, by the operation that takes
/// their requests.
fn plan_dispatches(api: &Api, routes: &mut [Route]) {
    // The operations each routed one shadows.
    let mut shadowed: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (index, route) in routes.iter().enumerate() {
        if let Some(owner) = &route.shadowed_by {
            shadowed.entry(owner.clone()).or_default().push(index);
        }
    }
    for owner in 0..routes.len() {
        if routes[owner].shadowed_by.is_some() {
            continue;
        }
        let Some(mut group) = shadowed.remove(api.operations[owner].id.as_str()) else { continue };
        group.push(owner);
        group.sort_by(|a, b| (&api.operations[*a].path, api.operations[*a].method).cmp(&(&api.operations[*b].path, api.operations[*b].method)));
        let mut dispatch = Dispatch { arms: Vec::new(), fallback: None };
        let mut taken_by: Vec<(usize, Option<usize>)> = Vec::new();
        for &index in &group {
            let fixed = fixed_values(api, &api.operations[index]);
            let earlier = if fixed.is_empty() { dispatch.fallback } else { dispatch.arms.iter().find(|(_, f)| *f == fixed).map(|(i, _)| *i) };
            taken_by.push((index, earlier));
            match earlier {
                Some(_) => {}
                None if fixed.is_empty() => dispatch.fallback = Some(index),
                None => dispatch.arms.push((index, fixed)),
            }
        }
        if dispatch.arms.is_empty() {
            continue;
        }
        for (index, earlier) in taken_by {
            routes[index].shadowed_by = earlier.map(|earlier| api.operations[earlier].id.clone());
            routes[index].dispatched = earlier.is_none();
        }
        routes[owner].dispatch = Some(dispatch);
    }
}

/// A literal route (`/_inference/{task_type}/_all`) beside an operation's template
/// (`/_inference/{task_type}/{inference_id}`) that has no operation of that operation's
/// method: the router would answer 405 there, where without the literal route the template
/// would take the request. So the operation is mounted at the literal route too, with each
/// literal segment as the value of the parameter it stands in for.
/// A template that may take a literal route's missing methods: how specific its segments are
/// (a literal before a parameter), its operation, and the literal's value for each parameter.
type LiteralCandidate<'a> = (Vec<bool>, usize, Vec<(&'a str, &'a str)>);

#[derive(Debug, Clone, PartialEq)]
struct LiteralMount {
    /// The literal route's axum template.
    template: String,
    /// (route key, value) of each parameter a literal segment fills.
    values: Vec<(String, String)>,
}

/// Whether a path parameter of type `ty` can hold the literal segment `text`: strings within
/// their lengths, numbers and booleans that parse, enum values listed (through aliases).
fn literal_fits(api: &Api, ty: &TypeRef, constraints: &Constraints, text: &str) -> bool {
    let length = text.chars().count();
    match ty {
        TypeRef::String { .. } => {
            constraints.min_length.is_none_or(|min| length >= min) && constraints.max_length.is_none_or(|max| length <= max)
        }
        TypeRef::Integer { .. } => text.parse::<i64>().is_ok(),
        TypeRef::Number { .. } => text.parse::<f64>().is_ok_and(f64::is_finite),
        TypeRef::Boolean => matches!(text, "true" | "false"),
        TypeRef::Any => true,
        TypeRef::Named(id) => match api.types.get(id).map(|def| &def.kind) {
            Some(TypeKind::Alias { ty, constraints }) if !matches!(ty, TypeRef::Named(_)) => literal_fits(api, ty, constraints, text),
            Some(TypeKind::Enum { variants, .. }) => variants.iter().any(|variant| variant.value.as_str() == Some(text)),
            _ => false,
        },
        _ => false,
    }
}

/// One segment of a route, as routing sees it.
#[derive(Debug, Clone, PartialEq)]
enum RouteSegment<'a> {
    Literal(&'a str),
    /// A whole-segment parameter, by wire name.
    Parameter(&'a str),
    /// Parameters beside literal text (`{name}.json`).
    Partial,
}

fn route_segments(path: &str) -> Vec<RouteSegment<'_>> {
    let segments = route_path(path).split('/').filter(|s| !s.is_empty());
    segments
        .map(|segment| match whole_parameter(segment) {
            Some(name) => RouteSegment::Parameter(name),
            None if segment.contains('{') => RouteSegment::Partial,
            None => RouteSegment::Literal(segment),
        })
        .collect()
}

/// The parameters of a template's path that take the literal segments of another route
/// (`narrow`), when the template would take that route's requests (same literals elsewhere;
/// the caller compares only routes of one length); `None` otherwise, or for the same route.
fn literal_values<'a>(wide: &[RouteSegment<'a>], narrow: &[RouteSegment<'a>]) -> Option<Vec<(&'a str, &'a str)>> {
    let mut values = Vec::new();
    for (wide, narrow) in wide.iter().zip(narrow) {
        match (wide, narrow) {
            (RouteSegment::Parameter(name), RouteSegment::Literal(text)) => values.push((*name, *text)),
            (RouteSegment::Literal(a), RouteSegment::Literal(b)) if a == b => {}
            (RouteSegment::Parameter(_), RouteSegment::Parameter(_)) | (RouteSegment::Partial, RouteSegment::Partial) => {}
            _ => return None,
        }
    }
    (!values.is_empty() && wide.len() == narrow.len()).then_some(values)
}

/// The default base path of a server URL: its path (`https://host/v1` → `/v1`, root → ``).
pub fn base_path(url: &str) -> String {
    let without_scheme = match url.find("://") {
        Some(index) => &url[index + 3..],
        None => url,
    };
    let path = if url.contains("://") {
        match without_scheme.find('/') {
            Some(index) => &without_scheme[index..],
            None => "",
        }
    } else {
        without_scheme
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() || trimmed.starts_with('/') {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    }
}

pub(super) fn operation_server(api: &Api, op: &Operation) -> String {
    op.effective_servers(api).first().map(server_url).unwrap_or_else(|| "/".to_owned())
}

/// Routes of every operation. Path parameters keep their names unless another path names the
/// parameter at the same place differently (axum's router refuses that), in which case the
/// first name in path order is used for both. Of two operations that end up at the same route
/// and method, the first in path order is routed and the other is marked `shadowed_by` it.
/// A `#fragment` or `?query` written into a path template is not part of the route.
pub(super) fn plan_routes(api: &Api) -> Vec<Route> {
    let mut sorted: Vec<&Operation> = api.operations.iter().collect();
    sorted.sort_by(|a, b| (&a.path, a.method).cmp(&(&b.path, b.method)));
    let mut names = parameter_route_names(api, &sorted);
    let owners = route_owners(api, &sorted);
    let mut routes: Vec<Route> = api.operations.iter().map(|op| operation_route(api, op, &mut names, &owners)).collect();
    plan_dispatches(api, &mut routes);
    plan_literal_mounts(api, &mut routes);
    routes
}

/// Fills each routed operation's [`Route::literal_mounts`]: the literal routes beside its
/// template that lack its method, where no more specific template (a literal earlier in the
/// path, as the router prefers) has that method too.
fn plan_literal_mounts(api: &Api, routes: &mut [Route]) {
    let ops = &api.operations;
    let segments: Vec<Vec<RouteSegment>> = ops.iter().map(|op| route_segments(&op.path)).collect();
    // Routed operations by route, and by what a template taking a route's requests shares
    // with it (server, length, trailing slash), so that no pair of unrelated paths is compared.
    let mut by_route: BTreeMap<(&str, String), Vec<usize>> = BTreeMap::new();
    let mut by_shape: BTreeMap<(&str, usize, bool), Vec<usize>> = BTreeMap::new();
    for index in (0..routes.len()).filter(|index| routes[*index].shadowed_by.is_none()) {
        let server = routes[index].server.as_str();
        by_route.entry((server, normalized_route(&ops[index].path))).or_default().push(index);
        by_shape.entry((server, segments[index].len(), route_path(&ops[index].path).ends_with('/'))).or_default().push(index);
    }
    let mut mounts: Vec<(usize, LiteralMount)> = Vec::new();
    for ((server, _), members) in &by_route {
        let literal = members[0];
        let methods: Vec<Method> = members.iter().map(|index| ops[*index].method).collect();
        let shape = (*server, segments[literal].len(), route_path(&ops[literal].path).ends_with('/'));
        let mut candidates: Vec<LiteralCandidate> = by_shape[&shape]
            .iter()
            .filter(|index| !routes[**index].dispatched && !methods.contains(&ops[**index].method))
            .filter_map(|index| {
                let values = literal_values(&segments[*index], &segments[literal])?;
                // A literal the parameter cannot hold (`search` for an integer id) would only
                // trade the 405 for a 400.
                let param = |name: &str| ops[*index].parameters.iter().find(|p| p.location == ParameterLocation::Path && p.name == name);
                if !values.iter().all(|(name, text)| param(name).is_some_and(|p| literal_fits(api, &p.ty, &p.constraints, text))) {
                    return None;
                }
                // A literal sorts before a parameter, as the router prefers it.
                let specificity = segments[*index].iter().map(|s| !matches!(s, RouteSegment::Literal(_))).collect();
                Some((specificity, *index, values))
            })
            .collect();
        candidates.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut taken: Vec<Method> = Vec::new();
        for (_, index, values) in candidates {
            if taken.contains(&ops[index].method) {
                continue;
            }
            taken.push(ops[index].method);
            let keys = &routes[index].keys;
            let values = values.into_iter().map(|(name, text)| (keys.get(name).cloned().unwrap_or_else(|| name.to_owned()), text.to_owned())).collect();
            mounts.push((index, LiteralMount { template: routes[literal].template.clone(), values }));
        }
    }
    for (index, mount) in mounts {
        routes[index].literal_mounts.push(mount);
    }
}

/// (base path, normalized route prefix) → the route name of the parameter ending that prefix.
type RouteNames = BTreeMap<(String, String), String>;

/// (base path, normalized route, method) → the id of the operation routed there.
type RouteOwners<'a> = BTreeMap<(String, String, Method), &'a str>;

/// The route name of every whole-segment path parameter, per place in a route: the first name
/// met there in path order (`sorted`), made distinct from the route's earlier names.
fn parameter_route_names(api: &Api, sorted: &[&Operation]) -> RouteNames {
    let mut names_at = RouteNames::new();
    for op in sorted {
        let server = base_path(&operation_server(api, op));
        let mut prefix = String::new();
        // Route names of this path so far: a router needs them distinct within one route.
        let mut used: Vec<String> = Vec::new();
        for segment in route_path(&op.path).split('/').filter(|s| !s.is_empty()) {
            match whole_parameter(segment) {
                Some(name) => {
                    prefix.push_str("/{}");
                    let key = names_at
                        .entry((server.clone(), prefix.clone()))
                        .or_insert_with(|| distinct_name(route_name(name), &used, used.len()))
                        .clone();
                    used.push(key);
                }
                None if segment.contains('{') => prefix.push_str("/{}"),
                None => {
                    prefix.push('/');
                    prefix.push_str(segment);
                }
            }
        }
    }
    names_at
}

/// Which operation takes each (base path, route, method): the first in path order (`sorted`).
fn route_owners<'a>(api: &Api, sorted: &[&'a Operation]) -> RouteOwners<'a> {
    let mut owner = RouteOwners::new();
    for op in sorted {
        let base = base_path(&operation_server(api, op));
        owner.entry((base, normalized_route(&op.path), op.method)).or_insert(&op.id);
    }
    owner
}

/// The route of `op`: its template with the parameters under their planned names (a segment
/// holding parameters beside text gets a name of its own, added to `names`), and the operation
/// that shadows it, if another owns its route.
fn operation_route(api: &Api, op: &Operation, names: &mut RouteNames, owners: &RouteOwners) -> Route {
    let server = operation_server(api, op);
    let base = base_path(&server);
    let mut template = String::new();
    let mut normalized = String::new();
    let mut keys = BTreeMap::new();
    let mut partial_segments = Vec::new();
    for (index, segment) in route_path(&op.path).split('/').filter(|s| !s.is_empty()).enumerate() {
        template.push('/');
        match whole_parameter(segment) {
            Some(name) => {
                normalized.push_str("/{}");
                let key = names.get(&(base.clone(), normalized.clone())).cloned().unwrap_or_else(|| route_name(name));
                template.push_str(&format!("{{{key}}}"));
                keys.insert(name.to_owned(), key);
            }
            None if segment.contains('{') => {
                normalized.push_str("/{}");
                let key = names
                    .entry((base.clone(), normalized.clone()))
                    .or_insert_with(|| format!("segment_{index}"))
                    .clone();
                template.push_str(&format!("{{{key}}}"));
                // The parameters inside are stored under names of this segment, so that
                // they cannot overwrite a whole-segment parameter's route name.
                let segment = keyed_segment(segment, &key, &mut keys);
                partial_segments.push((key, segment));
            }
            None => {
                let segment = as_sent(segment);
                normalized.push('/');
                normalized.push_str(&segment);
                template.push_str(&segment);
            }
        }
    }
    // `/items/` and `/items` are different paths to a router.
    if template.is_empty() || route_path(&op.path).ends_with('/') {
        template.push('/');
        normalized.push('/');
    }
    let shadowed_by = owners
        .get(&(base.clone(), normalized.clone(), op.method))
        .filter(|first| **first != op.id)
        .map(|first| (*first).to_owned());
    Route { server, template, keys, partial_segments, shadowed_by, literal_mounts: Vec::new(), dispatch: None, dispatched: false }
}

/// `name`, or `name_{index}` when an earlier segment of the route already uses it.
fn distinct_name(name: String, used: &[String], index: usize) -> String {
    if used.contains(&name) {
        format!("{name}_{index}")
    } else {
        name
    }
}

/// `{a}.{b}` in the segment routed as `{key}` becomes `{key.a}.{key.b}`, recording each
/// parameter's key.
fn keyed_segment(segment: &str, key: &str, keys: &mut BTreeMap<String, String>) -> String {
    let mut keyed = String::with_capacity(segment.len());
    let mut rest = segment;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|offset| open + offset) else { break };
        let name = &rest[open + 1..close];
        let param_key = format!("{key}.{name}");
        keyed.push_str(&rest[..open]);
        keyed.push_str(&format!("{{{param_key}}}"));
        keys.insert(name.to_owned(), param_key);
        rest = &rest[close + 1..];
    }
    keyed.push_str(rest);
    keyed
}

/// A literal path segment as a client sends it and a router then sees it: the characters a
/// URL's path cannot hold (controls, space, `"`, `#`, `<`, `>`, `?`, `` ` ``, `{`, `}`, and
/// anything beyond ASCII) percent-encoded, as the WHATWG URL parser every HTTP client uses
/// writes them (`/<upload_url>` is requested as `/%3Cupload_url%3E`).
fn as_sent(segment: &str) -> std::borrow::Cow<'_, str> {
    let escaped = |byte: u8| byte <= b' ' || byte >= 0x7f || b"\"#<>?`{}".contains(&byte);
    if !segment.bytes().any(escaped) {
        return std::borrow::Cow::Borrowed(segment);
    }
    let mut sent = String::with_capacity(segment.len() * 3);
    for byte in segment.bytes() {
        if escaped(byte) {
            sent.push_str(&format!("%{byte:02X}"));
        } else {
            sent.push(char::from(byte));
        }
    }
    std::borrow::Cow::Owned(sent)
}

/// The part of a path template that routing sees (no `#fragment`, no `?query`).
fn route_path(path: &str) -> &str {
    path.split(['#', '?']).next().unwrap_or(path)
}

/// The route with every parameter segment as `{}`: two paths with the same one are the same
/// route to a server.
fn normalized_route(path: &str) -> String {
    let mut normalized = String::new();
    for segment in route_path(path).split('/').filter(|s| !s.is_empty()) {
        normalized.push('/');
        normalized.push_str(&if segment.contains('{') { std::borrow::Cow::Borrowed("{}") } else { as_sent(segment) });
    }
    if route_path(path).ends_with('/') {
        normalized.push('/');
    }
    normalized
}

/// `{name}` as a whole segment.
fn whole_parameter(segment: &str) -> Option<&str> {
    let name = segment.strip_prefix('{')?.strip_suffix('}')?;
    (!name.is_empty() && !name.contains(['{', '}'])).then_some(name)
}

/// A parameter name axum accepts in a route (`*` would make it a catch-all).
fn route_name(name: &str) -> String {
    let cleaned: String = name.chars().map(|c| if c == '*' || c == '/' { '_' } else { c }).collect();
    if cleaned.is_empty() {
        "param".to_owned()
    } else {
        cleaned
    }
}

/// `router.rs`: the envelope, security schemes and servers as statics, the router's
/// configuration, and the functions that build and serve the router.
fn router_rs(api: &Api, routes: &[Route], features: &Features) -> TokenStream {
    let envelope = envelope_tokens(api);
    let schemes = security_scheme_entries(api);
    let servers = server_entries(routes);
    let route_calls = routed_operations(api, routes).map(|(index, op, route)| match route.dispatch {
        Some(_) => dispatcher_route_call(op, route),
        None if route.dispatched => quote!(),
        None => route_call(op, route, &features.operation(index)),
    });
    let dispatchers = routes
        .iter()
        .zip(&api.operations)
        .filter_map(|(route, op)| Some(dispatcher_fn(api, op, route.dispatch.as_ref()?, features)))
        .collect::<Vec<_>>();
    let config = router_config();
    let builders = router_builders(route_calls);
    quote! {
        //! The router: every operation mounted under its server's base path, with the standard layers.

        use ::std::sync::Arc;

        /// The API's error envelope.
        pub static ENVELOPE: crate::runtime::envelope::EnvelopeShape = #envelope;

        /// The spec's security schemes.
        pub static SECURITY_SCHEMES: &[crate::runtime::auth::SecurityScheme] = &[ #( #schemes, )* ];

        /// Every server an operation declares, with the base path it is mounted at by default.
        pub static SERVERS: &[(&str, &str)] = &[ #( #servers, )* ];

        #config
        #builders
        #( #dispatchers )*
    }
}

/// The name of the dispatcher mounted where `op` and the others of its dispatch share a route.
fn dispatcher_name(op: &Operation) -> proc_macro2::Ident {
    format_ident!("dispatch_{}", op.rust_name)
}

/// Mounts the dispatcher of the operations sharing `op`'s route and method.
fn dispatcher_route_call(op: &Operation, route: &Route) -> TokenStream {
    let dispatcher = dispatcher_name(op);
    let method = method_router(op.method);
    let (server, template) = (&route.server, &route.template);
    quote! {
        let router = router.route(&config.route(#server, #template), ::axum::routing::#method(#dispatcher::<A>));
    }
}

/// The dispatcher of operations sharing one route and method: each operation (under its
/// features' `cfg`) with the fixed values that select it, and the fallback.
fn dispatcher_fn(api: &Api, owner: &Operation, dispatch: &Dispatch, features: &Features) -> TokenStream {
    let name = dispatcher_name(owner);
    let call = |index: usize| {
        let handler = format_ident!("{}", api.operations[index].rust_name);
        quote!(|request, api| ::std::boxed::Box::pin(crate::operations::handlers::#handler::<A>.call(request, api)))
    };
    let arms = dispatch.arms.iter().map(|(index, fixed)| {
        let cfg = features.operation(*index);
        let fixed = fixed.iter().map(|fixed| {
            let location = location_tokens(fixed.location);
            let name = &fixed.name;
            let value = match &fixed.value {
                Some(value) => quote!(Some(#value)),
                None => quote!(None),
            };
            quote!(crate::runtime::extract::Fixed { location: #location, name: #name, value: #value })
        });
        let call = call(*index);
        quote!(#cfg crate::runtime::extract::DispatchArm { fixed: &[ #( #fixed ),* ], call: #call },)
    });
    let fallback = dispatch.fallback.map(|index| {
        let cfg = features.operation(index);
        let call = call(index);
        quote!(#cfg #call,)
    });
    let doc = format!(" The operations of `{} {}` and the values that select each.", owner.method.as_str(), route_path(&owner.path));
    quote! {
        #[doc = #doc]
        async fn #name<A: crate::Api>(
            ::axum::extract::State(api): ::axum::extract::State<Arc<A>>,
            request: ::axum::extract::Request,
        ) -> ::axum::response::Response {
            // Unused when the features leave no arm.
            #[allow(unused_imports)]
            use ::axum::handler::Handler as _;
            let arms: &[crate::runtime::extract::DispatchArm<Arc<A>>] = &[ #( #arms )* ];
            let fallback: &[crate::runtime::extract::Dispatched<Arc<A>>] = &[ #fallback ];
            crate::runtime::extract::dispatch(request, api, arms, fallback.first().copied()).await
        }
    }
}

/// The entries of `SERVERS`: each server URL the routes use, once and sorted, with its base path.
fn server_entries(routes: &[Route]) -> Vec<TokenStream> {
    let mut servers: Vec<&str> = routes.iter().map(|route| route.server.as_str()).collect();
    servers.sort();
    servers.dedup();
    servers
        .into_iter()
        .map(|url| {
            let base = base_path(url);
            quote!((#url, #base))
        })
        .collect()
}

/// The operations the router mounts (those no earlier operation shadows), with their index
/// in `api.operations` and their routes.
fn routed_operations<'a>(api: &'a Api, routes: &'a [Route]) -> impl Iterator<Item = (usize, &'a Operation, &'a Route)> {
    api.operations
        .iter()
        .zip(routes)
        .enumerate()
        .filter(|(_, (_, route))| route.shadowed_by.is_none())
        .map(|(index, (op, route))| (index, op, route))
}

/// The statements mounting one operation's handler at its route, and at the literal routes
/// beside it that lack its method (with the values the literal segments give its
/// parameters), under its features' `cfg`.
fn route_call(op: &Operation, route: &Route, cfg: &TokenStream) -> TokenStream {
    let handler = format_ident!("{}", op.rust_name);
    let method = method_router(op.method);
    let server = &route.server;
    let template = &route.template;
    let mounts = route.literal_mounts.iter().map(|mount| {
        let template = &mount.template;
        let values = mount.values.iter().map(|(key, value)| quote!((#key, #value)));
        quote! {
            #cfg
            let router = router.route(
                &config.route(#server, #template),
                ::axum::routing::#method(crate::operations::handlers::#handler::<A>)
                    .layer(::axum::Extension(crate::runtime::extract::LiteralSegments(&[ #( #values ),* ]))),
            );
        }
    });
    quote! {
        #cfg
        let router = router.route(&config.route(#server, #template), ::axum::routing::#method(crate::operations::handlers::#handler::<A>));
        #( #mounts )*
    }
}

/// The `axum::routing` function that routes `method`.
fn method_router(method: Method) -> TokenStream {
    match method {
        Method::Get => quote!(get),
        Method::Put => quote!(put),
        Method::Post => quote!(post),
        Method::Delete => quote!(delete),
        Method::Options => quote!(options),
        Method::Head => quote!(head),
        Method::Patch => quote!(patch),
        Method::Trace => quote!(trace),
    }
}

/// `RouterConfig`: base paths per server, body limit and timeout, with its builder methods.
fn router_config() -> TokenStream {
    quote! {
        /// How the router is built: base paths per server, body limit, timeout, and how refusals
        /// are rendered.
        #[derive(Debug, Clone)]
        pub struct RouterConfig {
            /// The standard layers' settings.
            pub app: crate::runtime::app::AppConfig,
            base_paths: ::std::collections::BTreeMap<::std::string::String, ::std::string::String>,
        }

        impl Default for RouterConfig {
            fn default() -> Self {
                RouterConfig {
                    app: crate::runtime::app::AppConfig::new(&ENVELOPE).with_refusals(&crate::refusals::DOCUMENT),
                    base_paths: SERVERS.iter().map(|(server, base)| ((*server).to_owned(), (*base).to_owned())).collect(),
                }
            }
        }

        impl RouterConfig {
            /// Mounts the operations of `server` (a URL from [`SERVERS`]) under `base` (`/v1`,
            /// or `` for the root) instead of the path of the server URL.
            pub fn base_path(mut self, server: &str, base: &str) -> Self {
                let trimmed = base.trim().trim_end_matches('/');
                let base = if trimmed.is_empty() || trimmed.starts_with('/') { trimmed.to_owned() } else { format!("/{trimmed}") };
                self.base_paths.insert(server.to_owned(), base);
                self
            }

            /// Mounts every server's operations under `base`.
            pub fn base_path_for_all(mut self, base: &str) -> Self {
                for (server, _) in SERVERS {
                    self = self.base_path(server, base);
                }
                self
            }

            /// Largest accepted request body in bytes (default 1 MiB); larger ones answer 413.
            pub fn body_limit(mut self, bytes: usize) -> Self {
                self.app = self.app.with_body_limit(bytes);
                self
            }

            /// Longest time a handler may take (default 30 s; `None` for no limit); 503 after it.
            pub fn request_timeout(mut self, timeout: ::std::option::Option<::std::time::Duration>) -> Self {
                self.app = self.app.with_request_timeout(timeout);
                self
            }

            /// Builds the response to every refusal and error the server answers itself, instead of
            /// [`crate::runtime::refusals::render`] (the body the operation documents for it, as
            /// planned in [`crate::refusals`], else the error envelope). The refusal says the
            /// status refused and the one planned, the message, the detail and the plan's entry.
            pub fn refusal_renderer(mut self, render: crate::runtime::refusals::Renderer) -> Self {
                self.app = self.app.with_renderer(render);
                self
            }

            // With no operation routed (or none left by the features), `route` is unused.
            #[allow(dead_code)]
            fn route(&self, server: &str, template: &str) -> ::std::string::String {
                let base = self.base_paths.get(server).map(::std::string::String::as_str).unwrap_or("");
                format!("{base}{template}")
            }
        }
    }
}

/// `routes` (the operations mounted by `route_calls`), `router`, `router_with` (the standard
/// layers added) and `serve`.
fn router_builders(route_calls: impl Iterator<Item = TokenStream>) -> TokenStream {
    quote! {
        /// The routes of every operation with `api` as state, without the standard layers
        /// (see [`router_with`]); for embedding with layers of your own.
        ///
        /// Panics, as axum does, if base paths set in `config` make two operations' routes collide.
        pub fn routes<A: crate::Api>(api: Arc<A>, config: &RouterConfig) -> ::axum::Router {
            // With no operation routed (or none left by the features), `config` is unused.
            let _ = config;
            let router = ::axum::Router::new().without_v07_checks();
            #( #route_calls )*
            router.with_state(api)
        }

        /// The complete router with the default configuration.
        pub fn router<A: crate::Api>(api: A) -> ::axum::Router {
            router_with(Arc::new(api), &RouterConfig::default())
        }

        /// The complete router: routes, 404 fallback, body limit, timeout, panic catching,
        /// a tracing span per request and the error envelope.
        pub fn router_with<A: crate::Api>(api: Arc<A>, config: &RouterConfig) -> ::axum::Router {
            crate::runtime::app::finish(routes(api, config), &config.app)
        }

        /// Serves `api` with the default configuration on `listener` until `shutdown`
        /// completes, then finishes the requests in flight.
        pub async fn serve<A: crate::Api>(
            listener: ::tokio::net::TcpListener,
            api: A,
            shutdown: impl ::std::future::Future<Output = ()> + Send + 'static,
        ) -> ::std::io::Result<()> {
            crate::runtime::app::serve(listener, router(api), shutdown).await
        }
    }
}

fn envelope_tokens(api: &Api) -> TokenStream {
    match &api.error_envelope {
        None => quote!(crate::runtime::envelope::EnvelopeShape::DEFAULT),
        Some(envelope) => {
            let constants = envelope.constants.iter().map(|(name, value)| {
                let constant = match value {
                    serde_json::Value::Bool(flag) => quote!(crate::runtime::envelope::Constant::Bool(#flag)),
                    serde_json::Value::Number(number) => {
                        let number = number.as_i64().unwrap_or_default();
                        quote!(crate::runtime::envelope::Constant::Int(#number))
                    }
                    serde_json::Value::String(text) => quote!(crate::runtime::envelope::Constant::Str(#text)),
                    _ => quote!(crate::runtime::envelope::Constant::Null),
                };
                quote!((#name, #constant))
            });
            let message = &envelope.message;
            let detail = match &envelope.detail {
                Some(detail) => quote!(Some(#detail)),
                None => quote!(None),
            };
            quote! {
                crate::runtime::envelope::EnvelopeShape {
                    constants: &[ #( #constants ),* ],
                    message_key: #message,
                    detail_key: #detail,
                    default_detail: None,
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The trait

/// `api.rs`: the `Api` trait, with the principal and the authentication hook when an operation
/// has security requirements, and one method per operation.
fn api_rs(api: &Api, routes: &[Route], hook: &str, features: &Features) -> TokenStream {
    let auth_items = has_auth(api).then(|| auth_trait_items(hook));
    let methods = api
        .operations
        .iter()
        .zip(routes)
        .enumerate()
        .map(|(index, (op, route))| trait_method(api, op, route, &features.operation(index)));
    quote! {
        //! The trait the implementation provides.

        /// The API: one method per operation, each with a default that answers 501 in the
        /// API's error envelope, so an implementation writes only what it serves.
        ///
        /// Methods receive requests that already passed every check the spec states and return
        /// the operation's response enum, whose variants are its documented responses; an
        /// `Err(ApiError)` is answered as the server's own refusals are: in the status and shape
        /// the operation documents for the error's status (see [`crate::refusals`]), else in the
        /// error envelope with the error's status.
        pub trait Api: Send + Sync + 'static {
            #auth_items
            #( #methods )*
        }
    }
}

/// The trait's `Principal` type and its authentication hook, named `hook`.
fn auth_trait_items(hook: &str) -> TokenStream {
    let principal_doc = format!(" Who made a request, as [`Self::{hook}`] decides.");
    let hook = ident(hook);
    quote! {
        #[doc = #principal_doc]
        type Principal: Send + 'static;

        /// Checks the credentials presented for an operation with security requirements
        /// (`operation` is its operationId) and returns the principal the operation receives,
        /// or an error (usually [`ApiError::unauthorized`](crate::ApiError::unauthorized) or
        /// `forbidden`). Missing or malformed credentials are answered 401 before this runs,
        /// unless the operation also allows anonymous access, in which case `credentials` is empty.
        fn #hook(
            &self,
            credentials: crate::runtime::auth::Credentials,
            operation: &'static str,
        ) -> impl ::std::future::Future<Output = ::std::result::Result<Self::Principal, crate::ApiError>> + Send;
    }
}

/// The trait method of `op`, documented from the spec, whose default answers 501.
fn trait_method(api: &Api, op: &Operation, route: &Route, cfg: &TokenStream) -> TokenStream {
    let name = ident(&op.rust_name);
    let params = ident(op.type_names.params.as_str());
    let response = ident(op.type_names.response.as_str());
    let id = &op.id;
    let mut doc = docs(op.summary.as_deref());
    let line = format!(" `{} {}` (`{id}`).", op.method.as_str(), op.path);
    doc.extend(quote! { #[doc = ""] #[doc = #line] });
    if let Some(description) = op.description.as_deref().filter(|d| !d.trim().is_empty()) {
        let description = docs(Some(description));
        doc.extend(quote! { #[doc = ""] #description });
    }
    if let Some(first) = &route.shadowed_by {
        let note = format!(
            " **Not routed:** requests for this path and method reach `{first}`, whose path differs only in parameter names or a fragment."
        );
        doc.extend(quote! { #[doc = ""] #[doc = #note] });
    }
    let secured = !op.effective_security(api).is_empty();
    let (principal_param, unused) = if secured {
        (quote!(principal: Self::Principal,), quote!(let _ = (principal, request);))
    } else {
        (quote!(), quote!(let _ = request;))
    };
    quote! {
        #doc
        #cfg
        fn #name(
            &self,
            #principal_param
            request: crate::operations::#params,
        ) -> impl ::std::future::Future<Output = ::std::result::Result<crate::operations::#response, crate::ApiError>> + Send {
            #unused
            async { Err(crate::ApiError::not_implemented(#id)) }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Operations

fn operations_rs(
    api: &Api,
    types_root: &TokenStream,
    routes: &[Route],
    hook: &str,
    schemas: &mut Schemas,
    features: &Features,
    refusal_plans: &[Option<proc_macro2::Ident>],
) -> TokenStream {
    let mut items = Vec::new();
    let mut handlers = Vec::new();
    let mut checked = Vec::new();
    for (index, (op, route)) in api.operations.iter().zip(routes).enumerate() {
        let cfg = features.operation(index);
        items.push(gate(request_struct(api, op, types_root), &cfg));
        items.push(gate(response_enum(op, types_root), &cfg));
        if route.shadowed_by.is_none() {
            let (outer, inner) = handler(api, op, route, hook, types_root, schemas, refusal_plans[index].as_ref());
            handlers.push(gate(outer, &cfg));
            checked.push(gate(inner, &cfg));
        }
    }
    quote! {
        //! Per operation: the request it receives (`...Params`), the responses it may give
        //! (`...Response`), and its handler.
        #![allow(clippy::large_enum_variant)]

        #( #items )*

        /// The axum handlers: authenticate, extract, validate, call the implementation.
        pub(crate) mod handlers {
            #( #handlers )*

            /// Per operation: authenticate, extract, validate, call the implementation.
            mod checked {
                #( #checked )*
            }
        }
    }
}

/// The Rust type of a request body and how it is read.
pub(super) enum BodyPlan<'a> {
    /// JSON or form, decoded and checked against the schema.
    Decoded { ty: TokenStream, schema_ty: Option<&'a TypeRef>, media: Vec<(String, TokenStream)> },
    /// A multipart body of an object type: its text and JSON parts decoded and checked, its
    /// files put into the decoded body's file fields.
    Multipart { ty: TokenStream, schema_ty: &'a TypeRef, files: Vec<FileRead<'a>> },
    /// Any other media type: the bytes as sent.
    Raw { media: Vec<String> },
}

/// A file field of a typed multipart body.
pub(super) struct FileRead<'a> {
    wire: &'a str,
    rust_name: &'a str,
    list: bool,
    /// A union with a file variant: a part that is not a file is its value.
    or_value: bool,
    /// The media types its `encoding.contentType` allows (essences; empty for any).
    media: Vec<String>,
}

fn essence(media_type: &str) -> String {
    media_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

pub(super) fn body_plan<'a>(api: &'a Api, op: &'a Operation, types_root: &TokenStream) -> Option<(bool, BodyPlan<'a>)> {
    let body = op.request_body.as_ref()?;
    let first = body.contents.first()?;
    if let (Some(fields), Some(schema_ty)) = (api.multipart_fields(first), first.ty.as_ref()) {
        let files = fields
            .iter()
            .filter_map(|field| {
                Some(FileRead {
                    wire: &field.field.wire_name,
                    rust_name: &field.field.rust_name,
                    list: field.file? == FileShape::List,
                    or_value: field.file? == FileShape::OrValue,
                    media: field.content_type.map(|listed| listed.split(',').map(essence).filter(|media| !media.is_empty()).collect()).unwrap_or_default(),
                })
            })
            .collect();
        return Some((body.required, BodyPlan::Multipart { ty: type_tokens(schema_ty, types_root), schema_ty, files }));
    }
    let decodable = |content: &Content| matches!(content.kind, MediaKind::Json | MediaKind::FormUrlEncoded);
    let plan = if decodable(first) && (first.ty.is_some() || first.kind == MediaKind::Json) {
        let ty = match &first.ty {
            Some(ty) => type_tokens(ty, types_root),
            None => quote!(::serde_json::Value),
        };
        let media = body
            .contents
            .iter()
            .filter(|content| decodable(content) && content.ty == first.ty)
            .map(|content| {
                let kind = match content.kind {
                    MediaKind::Json => quote!(crate::runtime::schema::BodyKind::Json),
                    _ => {
                        let delimited = delimited_form_fields(content).map(|(field, delimiter)| quote!((#field, #delimiter)));
                        quote!(crate::runtime::schema::BodyKind::Form(&[#(#delimited),*]))
                    }
                };
                (essence(&content.media_type), kind)
            })
            .collect();
        BodyPlan::Decoded { ty, schema_ty: first.ty.as_ref(), media }
    } else {
        BodyPlan::Raw { media: body.contents.iter().map(|content| essence(&content.media_type)).collect() }
    };
    Some((body.required, plan))
}

/// The form fields whose `encoding` writes a list in one value, with its delimiter.
fn delimited_form_fields(content: &Content) -> impl Iterator<Item = (&str, char)> {
    content.encoding.iter().filter_map(|entry| {
        let delimiter = match entry.style? {
            ParameterStyle::Form if !entry.explode => ',',
            ParameterStyle::SpaceDelimited => ' ',
            ParameterStyle::PipeDelimited => '|',
            _ => return None,
        };
        Some((entry.property.as_str(), delimiter))
    })
}

fn param_type(p: &Parameter, types_root: &TokenStream) -> TokenStream {
    type_tokens(&p.ty, types_root)
}

fn request_struct(api: &Api, op: &Operation, types_root: &TokenStream) -> TokenStream {
    let name = ident(op.type_names.params.as_str());
    let fields = op.parameters.iter().map(|p| {
        let field = ident(&p.rust_name);
        let ty = param_type(p, types_root);
        let ty = if p.required { ty } else { quote!(::std::option::Option<#ty>) };
        let where_ = match p.location {
            ParameterLocation::Path => "Path parameter",
            ParameterLocation::Query => "Query parameter",
            ParameterLocation::Header => "Header",
            ParameterLocation::Cookie => "Cookie",
        };
        let line = format!(" {where_} `{}`.", p.name);
        let doc = docs(p.description.as_deref());
        quote! { #[doc = #line] #doc pub #field: #ty, }
    });
    let body = body_plan(api, op, types_root).map(|(required, plan)| {
        let ty = match plan {
            BodyPlan::Decoded { ty, .. } | BodyPlan::Multipart { ty, .. } => ty,
            BodyPlan::Raw { .. } => quote!(::axum::body::Bytes),
        };
        let ty = if required { ty } else { quote!(::std::option::Option<#ty>) };
        quote! { /// The request body. 
        pub body: #ty, }
    });
    let doc = format!(" The parsed and validated request of `{}`.", op.id);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub struct #name {
            #( #fields )*
            #body
        }
    }
}

/// One way to answer: a status with at most one media type.
pub(super) struct Answer<'a> {
    pub(super) variant: proc_macro2::Ident,
    pub(super) response: &'a Response,
    pub(super) content: Option<&'a Content>,
}

pub(super) fn answers(op: &Operation) -> Vec<Answer<'_>> {
    let mut out = Vec::new();
    let mut taken = BTreeSet::new();
    for response in &op.responses {
        let base = status_variant(response.status).to_string();
        if response.contents.len() <= 1 {
            taken.insert(base.clone());
            out.push(Answer { variant: ident(&base), response, content: response.contents.first() });
            continue;
        }
        for content in &response.contents {
            let suffix = content.kind.suffix();
            let mut name = format!("{base}{suffix}");
            let mut counter = 2;
            while taken.contains(&name) {
                name = format!("{base}{suffix}{counter}");
                counter += 1;
            }
            taken.insert(name.clone());
            out.push(Answer { variant: ident(&name), response, content: Some(content) });
        }
    }
    out
}

fn answer_body_type(content: Option<&Content>, types_root: &TokenStream) -> Option<TokenStream> {
    let content = content?;
    Some(match (content.kind, &content.ty) {
        (MediaKind::Json, Some(ty)) => type_tokens(ty, types_root),
        (MediaKind::Json, None) => quote!(::serde_json::Value),
        (MediaKind::Text, _) => quote!(::std::string::String),
        _ => quote!(::axum::body::Bytes),
    })
}

/// `{Operation}Response`: a variant per documented answer (and `WithHeaders`), answered by its
/// `IntoResponse`; followed by `{Operation}Headers` when responses document headers.
fn response_enum(op: &Operation, types_root: &TokenStream) -> TokenStream {
    let name = ident(op.type_names.response.as_str());
    let answers = answers(op);
    let doc = format!(" The documented responses of `{}`, one variant per status and media type.", op.id);
    if answers.is_empty() {
        return empty_response_enum(&name, &doc);
    }
    let variants = answers.iter().map(|answer| response_variant(answer, types_root));
    let arms = answers.iter().map(|answer| response_arm(&name, answer));
    let typed_headers_doc = op
        .type_names
        .headers
        .as_ref()
        .map(|headers| format!(" The documented ones are typed by [`{}`].", headers.as_str()))
        .unwrap_or_default();
    let headers_builder = headers_builder(op, types_root);
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        pub enum #name {
            #( #variants )*
            /// Another variant with these headers added: see [`Self::with_headers`].
            WithHeaders(::std::boxed::Box<#name>, ::axum::http::HeaderMap),
        }

        impl #name {
            /// This response with `headers` added (any header, documented or not).
            #[doc = #typed_headers_doc]
            pub fn with_headers(self, headers: impl ::std::convert::Into<::axum::http::HeaderMap>) -> Self {
                #name::WithHeaders(::std::boxed::Box::new(self), headers.into())
            }
        }

        impl ::axum::response::IntoResponse for #name {
            fn into_response(self) -> ::axum::response::Response {
                match self {
                    #( #arms )*
                    #name::WithHeaders(inner, headers) => {
                        crate::runtime::respond::with_headers(::axum::response::IntoResponse::into_response(*inner), headers)
                    }
                }
            }
        }

        #headers_builder
    }
}

/// The response enum of an operation that documents no response: no variant, so none to add
/// headers to.
fn empty_response_enum(name: &proc_macro2::Ident, doc: &str) -> TokenStream {
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone)]
        pub enum #name {}

        impl ::axum::response::IntoResponse for #name {
            fn into_response(self) -> ::axum::response::Response {
                match self {}
            }
        }
    }
}

/// The variant of one answer: its body, and its status when the spec gives a range or default.
fn response_variant(answer: &Answer, types_root: &TokenStream) -> TokenStream {
    let variant = &answer.variant;
    let media = answer.content.map(|c| format!(" ({})", c.media_type)).unwrap_or_default();
    let doc = format!(" {}{media}: {}", answer.response.status.label(), answer.response.description.trim());
    let body = answer_body_type(answer.content, types_root);
    match (answer.response.status, body) {
        (StatusSpec::Code(_), None) => quote!(#[doc = #doc] #variant,),
        (StatusSpec::Code(_), Some(ty)) => quote!(#[doc = #doc] #variant(#ty),),
        (_, None) => quote!(#[doc = #doc] #variant { status: ::axum::http::StatusCode },),
        (_, Some(ty)) => quote!(#[doc = #doc] #variant { status: ::axum::http::StatusCode, body: #ty },),
    }
}

/// The status of an answer's `into_response` arm.
struct AnswerStatus {
    /// The `StatusCode` answered.
    expr: TokenStream,
    /// `status,` binding the variant's status field (for a range or default), else nothing.
    bind: TokenStream,
    /// For a range: the statement answering an error for a status outside it.
    check: TokenStream,
}

/// The status of an answer documented as `status`: the code itself, or the one its variant holds.
fn answer_status(status: StatusSpec) -> AnswerStatus {
    match status {
        StatusSpec::Code(code) => AnswerStatus {
            expr: quote!(::axum::http::StatusCode::from_u16(#code).unwrap_or(::axum::http::StatusCode::INTERNAL_SERVER_ERROR)),
            bind: quote!(),
            check: quote!(),
        },
        StatusSpec::Range(digit) => {
            let digit = u16::from(digit);
            AnswerStatus {
                expr: quote!(status),
                bind: quote!(status,),
                check: quote! {
                    let status = match crate::runtime::respond::ranged_status(status, Some(#digit)) {
                        Ok(status) => status,
                        Err(error) => return ::axum::response::IntoResponse::into_response(error),
                    };
                },
            }
        }
        StatusSpec::Default => AnswerStatus { expr: quote!(status), bind: quote!(status,), check: quote!() },
    }
}

/// The `into_response` arm of one answer: its status, and its body in its media type.
fn response_arm(name: &proc_macro2::Ident, answer: &Answer) -> TokenStream {
    let variant = &answer.variant;
    let AnswerStatus { expr, bind, check } = answer_status(answer.response.status);
    let make = match (answer.content, &answer.response.head_media_type) {
        (None, Some(media)) => quote!(crate::runtime::respond::bodiless(#expr, #media, None)),
        (None, None) => quote!(crate::runtime::respond::empty(#expr, None)),
        (Some(content), _) => {
            let media = content.media_type.as_str();
            let json_media = content.sent_media_type();
            match content.kind {
                MediaKind::Json => quote!(crate::runtime::respond::json(#expr, #json_media, &body, None)),
                _ => quote!(crate::runtime::respond::raw(#expr, #media, body, None)),
            }
        }
    };
    match (answer.response.status, answer.content.is_some()) {
        (StatusSpec::Code(_), false) => quote!(#name::#variant => #make,),
        (StatusSpec::Code(_), true) => quote!(#name::#variant(body) => #make,),
        (_, false) => quote!(#name::#variant { #bind } => { #check #make }),
        (_, true) => quote!(#name::#variant { #bind body } => { #check #make }),
    }
}

/// `{Operation}Headers`: typed setters for the headers the operation's responses document,
/// collected into a `HeaderMap` for `with_headers`.
fn headers_builder(op: &Operation, types_root: &TokenStream) -> Option<TokenStream> {
    let name = ident(op.type_names.headers.as_ref()?.as_str());
    let mut setters = Vec::new();
    for header in op.documented_headers() {
        let lower = header.name.to_ascii_lowercase();
        let method = ident(&header.rust_name);
        let ty = type_tokens(&header.ty, types_root);
        let line = format!(" Sets `{}`.", header.name);
        let doc = docs(header.description.as_deref());
        setters.push(quote! {
            #[doc = #line]
            #doc
            pub fn #method(mut self, value: #ty) -> Self {
                crate::runtime::respond::set_header(&mut self.0, #lower, &value);
                self
            }
        });
    }
    let doc = format!(" The headers the responses of `{}` document, typed; pass it to `with_headers`.", op.id);
    Some(quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Default)]
        pub struct #name(::axum::http::HeaderMap);

        impl #name {
            pub fn new() -> Self {
                Self::default()
            }

            #( #setters )*
        }

        impl ::std::convert::From<#name> for ::axum::http::HeaderMap {
            fn from(headers: #name) -> Self {
                headers.0
            }
        }
    })
}

fn location_tokens(location: ParameterLocation) -> TokenStream {
    match location {
        ParameterLocation::Path => quote!(crate::runtime::extract::Location::Path),
        ParameterLocation::Query => quote!(crate::runtime::extract::Location::Query),
        ParameterLocation::Header => quote!(crate::runtime::extract::Location::Header),
        ParameterLocation::Cookie => quote!(crate::runtime::extract::Location::Cookie),
    }
}

fn style_tokens(p: &Parameter) -> TokenStream {
    if p.content_media_type.is_some() {
        return quote!(crate::runtime::schema::Style::Json);
    }
    match p.style {
        ParameterStyle::Form => quote!(crate::runtime::schema::Style::Form),
        ParameterStyle::SpaceDelimited => quote!(crate::runtime::schema::Style::SpaceDelimited),
        ParameterStyle::PipeDelimited => quote!(crate::runtime::schema::Style::PipeDelimited),
        ParameterStyle::DeepObject => quote!(crate::runtime::schema::Style::DeepObject),
        ParameterStyle::Label => quote!(crate::runtime::schema::Style::Label),
        ParameterStyle::Matrix => quote!(crate::runtime::schema::Style::Matrix),
        ParameterStyle::Simple => quote!(crate::runtime::schema::Style::Simple),
    }
}

/// Whether values of `ty` keep properties they do not name (a map, or a struct with
/// `additionalProperties`).
pub(super) fn holds_extra_properties(api: &Api, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Map(_) => true,
        TypeRef::Named(id) => match api.types.get(id).map(|def| &def.kind) {
            Some(TypeKind::Struct { additional, .. }) => additional.is_some(),
            Some(TypeKind::Alias { ty, .. }) => holds_extra_properties(api, ty),
            _ => false,
        },
        _ => false,
    }
}

/// The call that reads parameter `p` from `PARAM`: an exploded form-style query object holding
/// properties it does not name takes every query key the operation's other query parameters
/// (and API keys sent in the query) do not claim.
fn param_call(api: &Api, op: &Operation, p: &Parameter, ty: &TokenStream) -> TokenStream {
    let free = p.location == ParameterLocation::Query
        && p.style == ParameterStyle::Form
        && p.explode
        && p.content_media_type.is_none()
        && holds_extra_properties(api, &p.ty);
    if !free {
        return quote!(crate::runtime::schema::param::<#ty>(&PARAM, &input, &mut violations));
    }
    let others = op.parameters.iter().filter(|other| other.location == ParameterLocation::Query && other.name != p.name);
    let keys = api.security_schemes.values().filter_map(|scheme| match &scheme.kind {
        SecuritySchemeKind::ApiKey { location: ApiKeyLocation::Query, param_name } => Some(param_name),
        _ => None,
    });
    let mut claimed: Vec<&String> = others.map(|other| &other.name).chain(keys).collect();
    claimed.sort();
    claimed.dedup();
    quote!(crate::runtime::schema::free_param::<#ty>(&PARAM, &[ #( #claimed ),* ], &input, &mut violations))
}

/// The axum handler of an operation (records the span, answers errors) and the checked part it
/// calls (authenticate, extract, validate, call the implementation), kept in a module of its
/// own so the two share the operation's name.
fn handler(
    api: &Api,
    op: &Operation,
    route: &Route,
    hook: &str,
    types_root: &TokenStream,
    schemas: &mut Schemas,
    refusal_plan: Option<&proc_macro2::Ident>,
) -> (TokenStream, TokenStream) {
    let authenticate = authentication(api, op, hook);
    // Parameters in order, then the body: `schemas` numbers the patterns in the order it meets them.
    let mut reads: Vec<ValueRead> =
        op.parameters.iter().map(|p| parameter_read(api, op, route, p, types_root, schemas)).collect();
    reads.extend(body_read(api, op, types_root, schemas));
    (axum_handler(op, refusal_plan), checked_handler(op, route, authenticate, &reads))
}

/// How the checked handler reads one request value (a parameter or the body).
struct ValueRead {
    /// `let <field> = ...;`: the value read and checked, its violations recorded.
    read: TokenStream,
    /// The initialiser of the request struct's field for it.
    init: TokenStream,
    /// Whether the read can record violations (that of an optional raw body cannot).
    records_violations: bool,
}

/// The authentication prologue of the checked handler: the credentials presented for one of the
/// operation's security requirements, extracted and given to the hook, which returns the
/// principal. `None` for an operation without security requirements.
fn authentication(api: &Api, op: &Operation, hook: &str) -> Option<TokenStream> {
    let requirements = op.effective_security(api);
    if requirements.is_empty() {
        return None;
    }
    let id = &op.id;
    let hook = ident(hook);
    let alternatives = requirements.iter().map(|requirement| {
        let schemes = requirement.schemes.iter().map(|scheme| &scheme.scheme);
        quote!(&[ #( #schemes ),* ])
    });
    Some(quote! {
        let credentials = crate::runtime::auth::extract_credentials(
            &[ #( #alternatives ),* ],
            crate::SECURITY_SCHEMES,
            &input.headers,
            &input.query,
        )?;
        let principal = api.#hook(credentials, #id).await?;
    })
}

/// The read of parameter `p`: a `static PARAM` saying where and how it is sent (under its name in
/// the route) and its schema, and the call that reads it.
fn parameter_read(
    api: &Api,
    op: &Operation,
    route: &Route,
    p: &Parameter,
    types_root: &TokenStream,
    schemas: &mut Schemas,
) -> ValueRead {
    let field = ident(&p.rust_name);
    let wire = &p.name;
    let key = route.keys.get(&p.name).cloned().unwrap_or_else(|| p.name.clone());
    let location = location_tokens(p.location);
    let required = p.required;
    let style = style_tokens(p);
    let explode = p.explode;
    let schema = schemas.reference(&p.ty, p.nullable, &p.constraints);
    let ty = param_type(p, types_root);
    let call = param_call(api, op, p, &ty);
    let read = quote! {
        let #field = {
            static PARAM: crate::runtime::schema::Param = crate::runtime::schema::Param {
                name: #wire,
                key: #key,
                location: #location,
                required: #required,
                style: #style,
                explode: #explode,
                schema: #schema,
            };
            #call
        };
    };
    ValueRead { read, init: field_init(&field, wire, required), records_violations: true }
}

/// The read of the request body, as [`body_plan`] says it is read; `None` for an operation
/// without one.
fn body_read(api: &Api, op: &Operation, types_root: &TokenStream, schemas: &mut Schemas) -> Option<ValueRead> {
    let (required, plan) = body_plan(api, op, types_root)?;
    let (read, records_violations) = match plan {
        BodyPlan::Decoded { ty, schema_ty, media } => {
            (decoded_body_read(required, &ty, schema_ty, &media, schemas), true)
        }
        BodyPlan::Multipart { ty, schema_ty, files } => {
            (multipart_body_read(required, &ty, schema_ty, &files, types_root, schemas), true)
        }
        // Only the absence of a required raw body is a violation; its media type answers 415.
        BodyPlan::Raw { media } => (raw_body_read(required, &media), required),
    };
    Some(ValueRead { read, init: field_init(&format_ident!("body"), "body", required), records_violations })
}

/// The initialiser of the request struct's `field`: a required value still missing after the
/// checks is answered 400, naming it `name`.
fn field_init(field: &proc_macro2::Ident, name: &str, required: bool) -> TokenStream {
    if required {
        quote!(#field: crate::runtime::schema::present(#field, #name)?,)
    } else {
        quote!(#field,)
    }
}

/// `let body = ...;` for a JSON or form body: checked against its schema, then decoded.
fn decoded_body_read(
    required: bool,
    ty: &TokenStream,
    schema_ty: Option<&TypeRef>,
    media: &[(String, TokenStream)],
    schemas: &mut Schemas,
) -> TokenStream {
    let schema = match schema_ty {
        Some(ty) => schemas.reference(ty, false, &Constraints::default()),
        None => quote!(&crate::runtime::schema::Schema::ANY),
    };
    let media = media.iter().map(|(essence, kind)| quote!((#essence, #kind)));
    quote! {
        let body = {
            static BODY: crate::runtime::schema::Body = crate::runtime::schema::Body {
                required: #required,
                media: &[ #( #media ),* ],
                schema: #schema,
            };
            crate::runtime::schema::body::<#ty>(&BODY, &input, &mut violations)?
        };
    }
}

/// `let body = ...;` for a typed multipart body: its text and JSON parts checked against the
/// schema and decoded, then the files received put into its file fields.
fn multipart_body_read(
    required: bool,
    ty: &TokenStream,
    schema_ty: &TypeRef,
    files: &[FileRead],
    types_root: &TokenStream,
    schemas: &mut Schemas,
) -> TokenStream {
    let schema = schemas.reference(schema_ty, false, &Constraints::default());
    let fields = files.iter().map(|file| {
        let (wire, list, or_value, media) = (file.wire, file.list, file.or_value, &file.media);
        quote!(crate::runtime::multipart::FileField { name: #wire, list: #list, or_value: #or_value, media: &[ #( #media ),* ] })
    });
    let received = received_multipart_arm(files, types_root);
    quote! {
        let body = {
            static BODY: crate::runtime::multipart::Multipart = crate::runtime::multipart::Multipart {
                required: #required,
                schema: #schema,
                files: &[ #( #fields ),* ],
            };
            match crate::runtime::multipart::body::<#ty>(&BODY, &input, &mut violations).await? {
                #received
                None => None,
            }
        };
    }
}

/// The match arm from a received multipart body (the decoded body and, per file field in
/// order, the files sent for it) to the body with its file fields filled.
fn received_multipart_arm(files: &[FileRead], types_root: &TokenStream) -> TokenStream {
    if files.is_empty() {
        return quote!(Some((body, _)) => Some(body),);
    }
    let puts = files.iter().map(|file| {
        let field = ident(file.rust_name);
        quote!(#types_root::support::Files::put(&mut body.#field, files.next().unwrap_or_default());)
    });
    quote! {
        Some((mut body, files)) => {
            let mut files = files.into_iter().map(|received| {
                received
                    .into_iter()
                    .map(|file| #types_root::support::FilePart { bytes: file.bytes.into(), file_name: file.file_name, content_type: file.content_type })
                    .collect::<::std::vec::Vec<_>>()
            });
            #( #puts )*
            Some(body)
        }
    }
}

/// `let body = ...;` for a body of any other media type: the bytes as sent, once their media
/// type is one the operation accepts.
fn raw_body_read(required: bool, media: &[String]) -> TokenStream {
    let check_required = required.then(|| quote!(violations.push("body", "is required");));
    quote! {
        let body = if !crate::runtime::extract::body_sent(&input) {
            #check_required
            None
        } else {
            crate::runtime::extract::require_content_type(&input.headers, &[ #( #media ),* ])?;
            Some(input.body.clone())
        };
    }
}

/// The axum handler `handlers::<operation>`: records the operation on the request's span,
/// answers the extractor's rejection or the checked part's error, and marks its error
/// responses with the operation's refusal plan (when it plans any).
fn axum_handler(op: &Operation, refusal_plan: Option<&proc_macro2::Ident>) -> TokenStream {
    let name = format_ident!("{}", op.rust_name);
    let id = &op.id;
    let template = &op.path;
    let (extractor, input) = if op.request_body.is_some() {
        (quote!(crate::runtime::extract::RequestInput), quote!(input))
    } else {
        (quote!(crate::runtime::extract::RequestInputWithoutBody), quote!(crate::runtime::extract::RequestInputWithoutBody(input)))
    };
    let response = quote! {
        match input {
            Ok(#input) => checked::#name(&*api, input).await.unwrap_or_else(|error| error.into_response()),
            Err(error) => error.into_response(),
        }
    };
    let answer = match refusal_plan {
        Some(plan) => quote!(crate::runtime::refusals::mark(#response, &crate::refusals::#plan)),
        None => response,
    };
    quote! {
        pub(crate) async fn #name<A: crate::Api>(
            ::axum::extract::State(api): ::axum::extract::State<::std::sync::Arc<A>>,
            input: ::std::result::Result<#extractor, crate::ApiError>,
        ) -> ::axum::response::Response {
            use ::axum::response::IntoResponse as _;
            crate::runtime::app::record_operation(#id, #template);
            #answer
        }
    }
}

/// The checked part `handlers::checked::<operation>`: authenticates, splits the route's partial
/// segments, reads every value (all violations answered together), builds the request and
/// calls the implementation.
fn checked_handler(
    op: &Operation,
    route: &Route,
    authenticate: Option<TokenStream>,
    reads: &[ValueRead],
) -> TokenStream {
    let name = format_ident!("{}", op.rust_name);
    let params_ty = ident(op.type_names.params.as_str());
    let method = ident(&op.rust_name);
    let principal_arg = authenticate.is_some().then(|| quote!(principal,));
    let input_unused = (reads.is_empty() && authenticate.is_none()).then(|| quote!(let _ = &input;));
    let partial = route.partial_segments.iter().map(|(key, segment)| {
        quote! {
            crate::runtime::extract::split_segment(&mut input.path, #key, #segment);
        }
    });
    let partial_mut = (!route.partial_segments.is_empty()).then(|| quote!(mut));
    let violations_mut = reads.iter().any(|read| read.records_violations).then(|| quote!(mut));
    let statements = reads.iter().map(|read| &read.read);
    let inits = reads.iter().map(|read| &read.init);
    quote! {
        pub(super) async fn #name<A: crate::Api>(
            api: &A,
            #partial_mut input: crate::runtime::extract::RequestInput,
        ) -> ::std::result::Result<::axum::response::Response, crate::ApiError> {
            use ::axum::response::IntoResponse as _;
            #input_unused
            #authenticate
            #( #partial )*
            let #violations_mut violations = crate::runtime::validate::Violations::new();
            #( #statements )*
            violations.into_result()?;
            let request = crate::operations::#params_ty { #( #inits )* };
            Ok(api.#method(#principal_arg request).await?.into_response())
        }
    }
}

// ---------------------------------------------------------------------------------------
// Schemas as static data

/// The runtime's `Format` variant for a string format the IR keeps as text (those with a
/// type of their own, such as `date`, have their own `TypeRef`); `None` for a format that
/// is only an annotation (`password`, `url`, anything unknown).
fn text_format(format: Option<&str>) -> Option<TokenStream> {
    Some(match format? {
        "time" => quote!(Time),
        "duration" => quote!(Duration),
        "email" => quote!(Email),
        "hostname" => quote!(Hostname),
        "ipv4" => quote!(Ipv4),
        "ipv6" => quote!(Ipv6),
        "uri" => quote!(Uri),
        "uri-reference" => quote!(UriReference),
        _ => return None,
    })
}

/// Collects the static schemas of every named type a request reaches, and the patterns.
pub(super) struct Schemas<'a> {
    api: &'a Api,
    /// Properties are required exactly when the Rust type requires them (for generating
    /// values of the types), rather than as a request must send them (read-only ones not).
    exact_required: bool,
    /// Further statics of the module, as `(name, Schema expression)`.
    extra: Vec<(proc_macro2::Ident, TokenStream)>,
    /// Named types to emit; grows while emitting.
    wanted: BTreeSet<TypeId>,
    patterns: BTreeMap<String, usize>,
}

impl<'a> Schemas<'a> {
    pub(super) fn new(api: &'a Api) -> Self {
        Schemas { api, exact_required: false, extra: Vec::new(), wanted: BTreeSet::new(), patterns: BTreeMap::new() }
    }

    /// An expression of type `&'static Schema` for a value of type `ty`.
    fn reference(&mut self, ty: &TypeRef, nullable: bool, constraints: &Constraints) -> TokenStream {
        if let (TypeRef::Named(id), false, true) = (ty, nullable, constraints.is_empty()) {
            self.wanted.insert(id.clone());
            let name = ident(id.as_str());
            return quote!(&crate::schemas::#name);
        }
        let schema = self.schema(ty, nullable, constraints);
        quote!(&#schema)
    }

    /// A `Schema { .. }` expression.
    fn schema(&mut self, ty: &TypeRef, nullable: bool, constraints: &Constraints) -> TokenStream {
        let mut fields = Vec::new();
        if nullable {
            fields.push(quote!(nullable: true,));
        }
        let kind = match ty {
            TypeRef::Named(id) => {
                self.wanted.insert(id.clone());
                let name = ident(id.as_str());
                quote!(crate::runtime::schema::Kind::Ref(&crate::schemas::#name))
            }
            TypeRef::Nullable(inner) | TypeRef::Boxed(inner) => {
                let nullable = nullable || matches!(ty, TypeRef::Nullable(_));
                return self.schema(inner, nullable, constraints);
            }
            TypeRef::String { format } => {
                if let Some(format) = text_format(format.as_deref()) {
                    fields.push(quote!(format: crate::runtime::schema::Format::#format,));
                }
                quote!(crate::runtime::schema::Kind::String)
            }
            TypeRef::Date => {
                fields.push(quote!(format: crate::runtime::schema::Format::Date,));
                quote!(crate::runtime::schema::Kind::String)
            }
            TypeRef::DateTime => {
                fields.push(quote!(format: crate::runtime::schema::Format::DateTime,));
                quote!(crate::runtime::schema::Kind::String)
            }
            TypeRef::Uuid => {
                fields.push(quote!(format: crate::runtime::schema::Format::Uuid,));
                quote!(crate::runtime::schema::Kind::String)
            }
            TypeRef::Byte => {
                fields.push(quote!(format: crate::runtime::schema::Format::Byte,));
                quote!(crate::runtime::schema::Kind::String)
            }
            // Raw bytes inside JSON are what the Rust type (`Vec<u8>`) decodes: a list of bytes.
            TypeRef::Binary => quote!(crate::runtime::schema::Kind::Array(&crate::runtime::schema::Schema {
                kind: crate::runtime::schema::Kind::Integer,
                minimum: Some(crate::runtime::schema::Bound { value: 0.0, exclusive: false }),
                maximum: Some(crate::runtime::schema::Bound { value: 255.0, exclusive: false }),
                ..crate::runtime::schema::Schema::ANY
            })),
            TypeRef::Integer { format } => {
                let format = if format.as_deref() == Some("int32") { quote!(Int32) } else { quote!(Int64) };
                fields.push(quote!(format: crate::runtime::schema::Format::#format,));
                quote!(crate::runtime::schema::Kind::Integer)
            }
            TypeRef::Number { format } => {
                let format = match format.as_deref() {
                    Some("float") => Some(quote!(Float)),
                    Some("double") => Some(quote!(Double)),
                    _ => None,
                };
                if let Some(format) = format {
                    fields.push(quote!(format: crate::runtime::schema::Format::#format,));
                }
                quote!(crate::runtime::schema::Kind::Number)
            }
            TypeRef::Boolean => quote!(crate::runtime::schema::Kind::Boolean),
            TypeRef::Array(item) => {
                let item_constraints = constraints.items.as_deref().cloned().unwrap_or_default();
                let item = self.reference(item, false, &item_constraints);
                quote!(crate::runtime::schema::Kind::Array(#item))
            }
            TypeRef::Map(value) => {
                if **value != TypeRef::Any {
                    let value = self.reference(value, false, &Constraints::default());
                    fields.push(quote!(additional: crate::runtime::schema::Additional::Schema(#value),));
                }
                quote!(crate::runtime::schema::Kind::Object(&[]))
            }
            TypeRef::Any => quote!(crate::runtime::schema::Kind::Any),
        };
        fields.extend(self.constraint_fields(constraints));
        quote!(crate::runtime::schema::Schema { kind: #kind, #( #fields )* ..crate::runtime::schema::Schema::ANY })
    }

    fn constraint_fields(&mut self, c: &Constraints) -> Vec<TokenStream> {
        let mut fields = Vec::new();
        let bound = |number: &serde_json::Number, exclusive: bool| {
            let value = Literal::f64_suffixed(number.as_f64().unwrap_or_default());
            quote!(Some(crate::runtime::schema::Bound { value: #value, exclusive: #exclusive }))
        };
        if let Some(minimum) = &c.minimum {
            let value = bound(minimum, c.exclusive_minimum);
            fields.push(quote!(minimum: #value,));
        }
        if let Some(maximum) = &c.maximum {
            let value = bound(maximum, c.exclusive_maximum);
            fields.push(quote!(maximum: #value,));
        }
        if let Some(step) = c.multiple_of.as_ref().and_then(serde_json::Number::as_f64).filter(|step| *step > 0.0) {
            let step = Literal::f64_suffixed(step);
            fields.push(quote!(multiple_of: Some(#step),));
        }
        let sizes = [
            (c.min_length, quote!(min_length)),
            (c.max_length, quote!(max_length)),
            (c.min_items, quote!(min_items)),
            (c.max_items, quote!(max_items)),
            (c.min_properties, quote!(min_properties)),
            (c.max_properties, quote!(max_properties)),
        ];
        for (value, name) in sizes {
            if let Some(value) = value {
                fields.push(quote!(#name: Some(#value),));
            }
        }
        if c.unique_items {
            fields.push(quote!(unique_items: true,));
        }
        if let Some(pattern) = &c.pattern {
            let next = self.patterns.len();
            let index = *self.patterns.entry(pattern.clone()).or_insert(next);
            let name = format_ident!("PATTERN_{index}");
            fields.push(quote!(pattern: Some(&crate::schemas::#name),));
        }
        fields
    }

    /// The `Schema` expression of named type `def`.
    fn type_schema(&mut self, def: &TypeDef) -> TokenStream {
        match &def.kind {
            TypeKind::Struct { fields, additional, deny_unknown } => {
                self.struct_schema(fields, additional.as_ref(), *deny_unknown)
            }
            TypeKind::Enum { repr, variants } => Self::enum_schema(*repr, variants),
            TypeKind::OneOf { variants, rule } => self.union_schema(quote!(OneOf), variants, rule),
            TypeKind::AnyOf { variants, rule } => self.union_schema(quote!(AnyOf), variants, rule),
            TypeKind::Alias { ty, constraints } => self.schema(ty, false, constraints),
        }
    }

    /// An object's schema: its properties, and what it does with properties it does not name.
    fn struct_schema(&mut self, fields: &[Field], additional: Option<&TypeRef>, deny_unknown: bool) -> TokenStream {
        let properties: Vec<TokenStream> = fields
            .iter()
            .map(|field| {
                let name = &field.wire_name;
                let schema = self.reference(&field.ty, field.nullable, &field.constraints);
                // Read-only properties are only required in responses.
                let required = field.required && (self.exact_required || !field.read_only);
                quote!(crate::runtime::schema::Property { name: #name, schema: #schema, required: #required })
            })
            .collect();
        let additional = match (deny_unknown, additional) {
            (true, _) => quote!(crate::runtime::schema::Additional::Deny),
            (false, Some(ty)) if *ty != TypeRef::Any => {
                let schema = self.reference(ty, false, &Constraints::default());
                quote!(crate::runtime::schema::Additional::Schema(#schema))
            }
            _ => quote!(crate::runtime::schema::Additional::Allow),
        };
        quote! {
            crate::runtime::schema::Schema {
                kind: crate::runtime::schema::Kind::Object(&[ #( #properties ),* ]),
                additional: #additional,
                ..crate::runtime::schema::Schema::ANY
            }
        }
    }

    /// An enum's schema: the kind of its values and the values it allows.
    fn enum_schema(repr: EnumRepr, variants: &[EnumVariant]) -> TokenStream {
        let (kind, literals): (TokenStream, Vec<TokenStream>) = match repr {
            EnumRepr::String => (
                quote!(String),
                variants
                    .iter()
                    .map(|v| {
                        let text = v.value.as_str().unwrap_or_default();
                        quote!(crate::runtime::schema::Literal::Str(#text))
                    })
                    .collect(),
            ),
            EnumRepr::Integer => (
                quote!(Integer),
                variants
                    .iter()
                    .map(|v| {
                        let number = v.value.as_i64().unwrap_or_default();
                        quote!(crate::runtime::schema::Literal::Int(#number))
                    })
                    .collect(),
            ),
            EnumRepr::Number => (
                quote!(Number),
                variants
                    .iter()
                    .map(|v| match v.value.as_i64() {
                        Some(number) => quote!(crate::runtime::schema::Literal::Int(#number)),
                        None => {
                            let number = Literal::f64_suffixed(v.value.as_f64().unwrap_or_default());
                            quote!(crate::runtime::schema::Literal::Float(#number))
                        }
                    })
                    .collect(),
            ),
            EnumRepr::Boolean => (
                quote!(Boolean),
                variants
                    .iter()
                    .map(|v| {
                        let flag = v.value.as_bool().unwrap_or_default();
                        quote!(crate::runtime::schema::Literal::Bool(#flag))
                    })
                    .collect(),
            ),
        };
        quote! {
            crate::runtime::schema::Schema {
                kind: crate::runtime::schema::Kind::#kind,
                enumeration: &[ #( #literals ),* ],
                ..crate::runtime::schema::Schema::ANY
            }
        }
    }

    /// A union's schema (`kind` is `OneOf` or `AnyOf`): its alternatives, and the discriminator
    /// that picks one when its rule has one.
    fn union_schema(&mut self, kind: TokenStream, variants: &[Variant], rule: &UnionRule) -> TokenStream {
        let alternatives: Vec<TokenStream> =
            variants.iter().map(|variant| self.reference(&variant.ty, false, &Constraints::default())).collect();
        let discriminator = match rule {
            UnionRule::Discriminator(d) => {
                let property = &d.property;
                let mapping = d.mapping.iter().filter_map(|(value, variant)| {
                    let index = variants.iter().position(|v| v.rust_name == *variant)?;
                    Some(quote!((#value, #index)))
                });
                Some(quote! {
                    discriminator: Some(&crate::runtime::schema::Discriminator { property: #property, mapping: &[ #( #mapping ),* ] }),
                })
            }
            // Objects read by the keys they hold may match several alternatives (see `keyed`).
            UnionRule::Shape(groups)
                if groups
                    .iter()
                    .flat_map(|g| &g.candidates)
                    .any(|c| matches!(c.test, crate::ir::VariantTest::KeysWithin { .. })) =>
            {
                Some(quote!(keyed: true,))
            }
            UnionRule::Shape(_) => None,
        };
        quote! {
            crate::runtime::schema::Schema {
                kind: crate::runtime::schema::Kind::#kind(&[ #( #alternatives ),* ]),
                #discriminator
                ..crate::runtime::schema::Schema::ANY
            }
        }
    }

    /// Schemas for generating values: every named type, properties required as in Rust.
    pub(super) fn for_values(api: &'a Api) -> Self {
        let mut schemas = Schemas::new(api);
        schemas.exact_required = true;
        schemas.wanted.extend(api.types.keys().cloned());
        schemas
    }

    /// Adds a static `name` holding the schema of a value of type `ty`.
    pub(super) fn add_static(&mut self, name: proc_macro2::Ident, ty: &TypeRef, nullable: bool, constraints: &Constraints) {
        let schema = self.schema(ty, nullable, constraints);
        self.extra.push((name, schema));
    }

    /// The `schemas.rs` module: a static per wanted type (and those they reach), in name order.
    pub(super) fn finish(mut self) -> TokenStream {
        let mut emitted = BTreeMap::new();
        loop {
            let pending: Vec<TypeId> = self.wanted.iter().filter(|id| !emitted.contains_key(*id)).cloned().collect();
            if pending.is_empty() {
                break;
            }
            for id in pending {
                let tokens = match self.api.types.get(&id) {
                    Some(def) => self.type_schema(def),
                    None => quote!(crate::runtime::schema::Schema::ANY),
                };
                emitted.insert(id, tokens);
            }
        }
        let what = if self.exact_required { "schema" } else { "request schema" };
        let statics = emitted.iter().map(|(id, tokens)| {
            let name = ident(id.as_str());
            let doc = format!(" The {what} of `{id}`.");
            quote! { #[doc = #doc] pub static #name: crate::runtime::schema::Schema = #tokens; }
        });
        let extra = self.extra.iter().map(|(name, tokens)| quote! { pub static #name: crate::runtime::schema::Schema = #tokens; });
        let mut patterns: Vec<(&String, &usize)> = self.patterns.iter().collect();
        patterns.sort_by_key(|(_, index)| **index);
        let patterns = patterns.into_iter().map(|(pattern, index)| {
            let name = format_ident!("PATTERN_{index}");
            quote! { pub static #name: crate::runtime::validate::Pattern = crate::runtime::validate::Pattern::new(#pattern); }
        });
        quote! {
            //! The spec's request schemas as static data, checked by `runtime::schema::check`:
            //! one static per named type a request reaches (named as the type), and the patterns.
            #![allow(non_upper_case_globals)]

            #( #statics )*
            #( #extra )*
            #( #patterns )*
        }
    }
}

