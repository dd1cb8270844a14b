//! Operations: parameters, bodies, responses, security, servers and the pagination extension.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use openapiv3::{ParameterSchemaOrContent, ReferenceOr, StatusCode};
use serde_json::Value;

use super::names::{self, NameAllocator};
use super::schema::{constraints_of, may_create_type, Naming, SchemaSite};
use super::Lowerer;
use crate::pointer::child;
use crate::ir::{
    self, ApiKeyLocation, Constraints, Content, MediaKind, Method, OAuth2Flow, OAuth2FlowKind, Operation, OperationTypeNames,
    Pagination, PaginationStyle, Parameter, ParameterLocation, ParameterStyle, PropertyEncoding, RequestBody, Response, ResponseHeader,
    SchemeUse, SecurityRequirement, SecurityScheme, SecuritySchemeKind, Server, ServerVariable, StatusSpec, TypeId,
};

/// One operation found in `paths`, before lowering.
pub(super) struct OperationSite<'d> {
    path: &'d str,
    method: Method,
    operation: &'d openapiv3::Operation,
    item: &'d openapiv3::PathItem,
    /// JSON pointer of the operation object.
    at: String,
    id: String,
    rust_name: String,
    type_names: Option<OperationTypeNames>,
}

/// A response without its status: what a `components/responses` entry lowers to.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct LoweredResponse {
    description: String,
    contents: Vec<Content>,
    headers: Vec<ResponseHeader>,
}

fn method_name(method: Method) -> &'static str {
    match method {
        Method::Get => "get",
        Method::Put => "put",
        Method::Post => "post",
        Method::Delete => "delete",
        Method::Options => "options",
        Method::Head => "head",
        Method::Patch => "patch",
        Method::Trace => "trace",
    }
}

/// The essence of a media type (before any `;` parameters), lower case.
fn essence(media_type: &str) -> String {
    media_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// Classifies a media type by its essence, case-insensitively.
pub(super) fn media_kind(media_type: &str) -> MediaKind {
    let essence = essence(media_type);
    if essence == "application/json" || essence.ends_with("+json") {
        MediaKind::Json
    } else if essence == "application/x-www-form-urlencoded" {
        MediaKind::FormUrlEncoded
    } else if essence.starts_with("multipart/") {
        MediaKind::Multipart
    } else if essence == "application/octet-stream" {
        MediaKind::OctetStream
    } else if essence.starts_with("text/") {
        MediaKind::Text
    } else {
        MediaKind::Other
    }
}

/// Media types that say nothing against JSON (`*/*`, `application/*`) or name it in an old
/// spelling (`text/json`): their bodies are JSON when the schema is not binary.
fn may_be_json(media_type: &str) -> bool {
    matches!(essence(media_type).as_str(), "*/*" | "application/*" | "text/json")
}

/// The `{name}` variables of a path template, in order.
fn template_variables(path: &str) -> Result<Vec<&str>, String> {
    let mut variables = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(format!("path template `{path}` has a `{{` without its `}}`"));
        };
        let name = &after[..close];
        if name.is_empty() || name.contains('{') {
            return Err(format!("path template `{path}` has an empty or nested `{{}}`"));
        }
        variables.push(name);
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err(format!("path template `{path}` has a `}}` without its `{{`"));
    }
    Ok(variables)
}

impl<'d> Lowerer<'d> {
    /// Every operation under `paths`, sorted by path then method, with ids and Rust names.
    pub(super) fn collect_operations(&mut self) -> Vec<OperationSite<'d>> {
        let doc = self.doc;
        let mut sites = Vec::new();
        for (path, item) in &doc.paths.paths {
            let item_at = child("/paths", path);
            // An item reached through `$ref` repeats another path's operations; their
            // operationIds belong to that path, so these are named after method and path.
            let aliased = matches!(item, ReferenceOr::Reference { .. });
            let item = match item {
                ReferenceOr::Item(item) => item,
                // `$ref: '#/paths/~1other'`: the same operations under this path too.
                ReferenceOr::Reference { reference } => {
                    let target = reference
                        .strip_prefix("#/paths/")
                        .filter(|token| !token.contains('/'))
                        .map(|token| token.replace("~1", "/").replace("~0", "~"))
                        .and_then(|other| doc.paths.paths.get(&other));
                    match target {
                        Some(ReferenceOr::Item(item)) => item,
                        _ => {
                            self.error(
                                item_at,
                                format!("path item `$ref: {reference}` is not supported; only a reference to another path item in `#/paths` is, or write the path item in place"),
                            );
                            continue;
                        }
                    }
                }
            };
            let methods = [
                (Method::Get, &item.get),
                (Method::Put, &item.put),
                (Method::Post, &item.post),
                (Method::Delete, &item.delete),
                (Method::Options, &item.options),
                (Method::Head, &item.head),
                (Method::Patch, &item.patch),
                (Method::Trace, &item.trace),
            ];
            for (method, operation) in methods {
                let Some(operation) = operation else { continue };
                let at = child(&item_at, method_name(method));
                let id = match &operation.operation_id {
                    Some(id) if !aliased => id.clone(),
                    _ => format!("{} {path}", method_name(method)),
                };
                sites.push(OperationSite {
                    path,
                    method,
                    operation,
                    item,
                    at,
                    id,
                    rust_name: String::new(),
                    type_names: None,
                });
            }
        }
        sites.sort_by(|a, b| (a.path, a.method).cmp(&(b.path, b.method)));
        let mut first_use: BTreeMap<&str, usize> = BTreeMap::new();
        for (index, site) in sites.iter().enumerate() {
            if site.operation.operation_id.as_deref() != Some(site.id.as_str()) {
                continue;
            }
            if let Some(&first) = first_use.get(site.id.as_str()) {
                let other = &sites[first];
                self.errors.push(super::LowerError {
                    pointer: child(&site.at, "operationId"),
                    message: format!(
                        "operationId `{}` is also used by {} {}; operationIds must be unique",
                        site.id,
                        other.method.as_str(),
                        other.path
                    ),
                });
            } else {
                first_use.insert(site.id.as_str(), index);
            }
        }
        let group: Vec<(String, String)> =
            sites.iter().map(|s| (s.id.clone(), names::snake(&s.id, "operation"))).collect();
        let rust_names = names::allocate_group(&group, &mut NameAllocator::snake_case());
        for (site, rust_name) in sites.iter_mut().zip(rust_names) {
            site.rust_name = rust_name;
        }
        sites
    }

    /// Reserves each operation's `Params`/`Response`/`Error` type names, after the component
    /// schemas and before any inline schema.
    pub(super) fn reserve_operation_type_names(&mut self, sites: &mut [OperationSite<'d>]) {
        for site in sites.iter_mut() {
            let base = names::camel(&site.rust_name, "Operation", "Op");
            let documents_headers = self.documents_headers(&site.operation.responses);
            site.type_names = Some(OperationTypeNames {
                params: TypeId(self.type_names.allocate(&format!("{base}Params"))),
                response: TypeId(self.type_names.allocate(&format!("{base}Response"))),
                error: TypeId(self.type_names.allocate(&format!("{base}Error"))),
                headers: documents_headers.then(|| TypeId(self.type_names.allocate(&format!("{base}Headers")))),
            });
        }
    }

    /// Whether any response documents a header (following a `$ref` to a component response
    /// quietly: lowering the response reports a bad one).
    fn documents_headers(&self, responses: &openapiv3::Responses) -> bool {
        let components = self.doc.components.as_ref();
        responses.default.iter().chain(responses.responses.values()).any(|response| match response {
            ReferenceOr::Item(response) => !response.headers.is_empty(),
            ReferenceOr::Reference { reference } => reference
                .strip_prefix("#/components/responses/")
                .and_then(|name| components.and_then(|c| c.responses.get(name)))
                .is_some_and(|target| matches!(target, ReferenceOr::Item(response) if !response.headers.is_empty())),
        })
    }

    pub(super) fn lower_operations(
        &mut self,
        sites: Vec<OperationSite<'d>>,
        schemes: &BTreeMap<String, SecurityScheme>,
    ) -> Vec<Operation> {
        sites.into_iter().filter_map(|site| self.lower_operation(site, schemes)).collect()
    }

    fn lower_operation(
        &mut self,
        site: OperationSite<'d>,
        schemes: &BTreeMap<String, SecurityScheme>,
    ) -> Option<Operation> {
        let op = site.operation;
        let at = site.at.as_str();
        let type_base = names::camel(&site.rust_name, "Operation", "Op");
        let parameters = self.lower_operation_parameters(&site, &type_base);
        let request_body = op.request_body.as_ref().and_then(|body| {
            self.lower_request_body_site(body, &child(at, "requestBody"), &format!("{type_base}Request"))
        });
        let responses = self.lower_responses(&op.responses, &child(at, "responses"), &type_base, site.method);
        let security = op.security.as_ref().map(|requirements| self.lower_security(requirements, &child(at, "security"), schemes));
        let servers = if !op.servers.is_empty() {
            self.lower_servers(&op.servers)
        } else {
            self.lower_servers(&site.item.servers)
        };
        if !op.callbacks.is_empty() {
            self.warn(child(at, "callbacks"), "callbacks are not generated");
        }
        let pagination = op.extensions.get("x-pagination").and_then(|value| {
            self.lower_pagination(value, &child(at, "x-pagination"), &parameters)
        });
        Some(Operation {
            id: site.id,
            rust_name: site.rust_name,
            type_names: site.type_names?,
            method: site.method,
            path: site.path.to_owned(),
            parameters,
            request_body,
            responses,
            security,
            servers,
            deprecated: op.deprecated,
            summary: op.summary.clone().or_else(|| site.item.summary.clone()),
            description: op.description.clone().or_else(|| site.item.description.clone()),
            tags: op.tags.clone(),
            pagination,
        })
    }

    /// Path-item and operation parameters merged (the operation's win), checked against the
    /// path template, ordered path (template order), query, header, cookie, and named.
    fn lower_operation_parameters(&mut self, site: &OperationSite<'d>, type_base: &str) -> Vec<Parameter> {
        let item_at = child("/paths", site.path);
        let mut merged: IndexMap<(ParameterLocation, String), (Parameter, String)> = IndexMap::new();
        let lists = [(&site.item.parameters, child(&item_at, "parameters")), (&site.operation.parameters, child(&site.at, "parameters"))];
        for (list, list_at) in lists {
            let mut seen_here = Vec::new();
            for (index, parameter) in list.iter().enumerate() {
                let parameter_at = child(&list_at, &index.to_string());
                let Some(lowered) = self.lower_parameter_site(parameter, &parameter_at, type_base) else { continue };
                let key = (lowered.location, lowered.name.clone());
                if seen_here.contains(&key) {
                    self.error(
                        parameter_at,
                        format!("parameter `{}` in {:?} is declared twice", lowered.name, lowered.location).to_lowercase(),
                    );
                    continue;
                }
                seen_here.push(key.clone());
                merged.insert(key, (lowered, parameter_at));
            }
        }
        match template_variables(site.path) {
            Err(message) => self.error(item_at.clone(), message),
            Ok(variables) => {
                for variable in &variables {
                    if !merged.contains_key(&(ParameterLocation::Path, (*variable).to_owned())) {
                        self.error(
                            site.at.clone(),
                            format!("path template `{}` has `{{{variable}}}` but no path parameter `{variable}` is declared", site.path),
                        );
                    }
                }
                for ((location, name), (_, parameter_at)) in &merged {
                    if *location == ParameterLocation::Path && !variables.contains(&name.as_str()) {
                        self.error(
                            parameter_at.clone(),
                            format!("path parameter `{name}` does not appear in the path template `{}`", site.path),
                        );
                    }
                }
                let position = |name: &str| variables.iter().position(|v| *v == name).unwrap_or(usize::MAX);
                let mut ordered: Vec<Parameter> = merged.into_values().map(|(p, _)| p).collect();
                ordered.sort_by_key(|p| (p.location, if p.location == ParameterLocation::Path { position(&p.name) } else { 0 }));
                let mut allocator = NameAllocator::snake_case();
                // The generated request builder's own fields and methods.
                for taken in ["body", "client", "call", "call_options", "send", "send_with_response", "stream", "with_options"] {
                    allocator.reserve(taken);
                }
                let group: Vec<(String, String)> =
                    ordered.iter().map(|p| (format!("{:?}:{}", p.location, p.name), names::snake(&p.name, "param"))).collect();
                for (parameter, rust_name) in ordered.iter_mut().zip(names::allocate_group(&group, &mut allocator)) {
                    parameter.rust_name = rust_name;
                }
                return ordered;
            }
        }
        merged.into_values().map(|(p, _)| p).collect()
    }

    fn lower_parameter_site(
        &mut self,
        parameter: &'d ReferenceOr<openapiv3::Parameter>,
        at: &str,
        type_base: &str,
    ) -> Option<Parameter> {
        match parameter {
            ReferenceOr::Item(parameter) => {
                let data = parameter.parameter_data_ref();
                let may_create_type = match &data.format {
                    ParameterSchemaOrContent::Schema(schema) => may_create_type(SchemaSite::of(schema)),
                    ParameterSchemaOrContent::Content(_) => true,
                };
                let wanted = if may_create_type {
                    format!("{type_base}{}", names::camel(&data.name, "Param", "Param"))
                } else {
                    String::new()
                };
                self.lower_parameter(parameter, at, wanted)
            }
            ReferenceOr::Reference { reference } => {
                let (name, parameter) = self.resolve(reference, at, "parameters", |c| &c.parameters)?;
                if let Some(cached) = self.component_cache.parameters.get(name) {
                    return cached.clone();
                }
                let component_at = child("/components/parameters", name);
                let lowered = self.lower_parameter(parameter, &component_at, names::camel(name, "Param", "Param"));
                self.component_cache.parameters.insert(name.to_owned(), lowered.clone());
                lowered
            }
        }
    }

    fn lower_parameter(&mut self, parameter: &'d openapiv3::Parameter, at: &str, wanted_type: String) -> Option<Parameter> {
        use openapiv3::Parameter as P;
        let (data, location, style, allow_reserved) = match parameter {
            P::Query { parameter_data, allow_reserved, style, .. } => {
                let style = query_style(style);
                (parameter_data, ParameterLocation::Query, style, *allow_reserved)
            }
            P::Header { parameter_data, .. } => {
                // OpenAPI: such a header parameter "SHALL be ignored"; the media types and the
                // security schemes say what these headers carry.
                let name = &parameter_data.name;
                if ["accept", "content-type", "authorization"].iter().any(|reserved| name.eq_ignore_ascii_case(reserved)) {
                    self.warn(child(at, "name"), format!("header parameter `{name}` is ignored, as OpenAPI says (the media types and security schemes set it)"));
                    return None;
                }
                if !is_header_token(name) {
                    self.warn(child(at, "name"), format!("`{name}` is not a valid HTTP header name (a token, RFC 9110 §5.1), so no request can carry it; the parameter is ignored"));
                    return None;
                }
                (parameter_data, ParameterLocation::Header, ParameterStyle::Simple, false)
            }
            P::Path { parameter_data, style } => {
                let style = match style {
                    openapiv3::PathStyle::Simple => ParameterStyle::Simple,
                    openapiv3::PathStyle::Label => ParameterStyle::Label,
                    openapiv3::PathStyle::Matrix => ParameterStyle::Matrix,
                };
                (parameter_data, ParameterLocation::Path, style, false)
            }
            P::Cookie { parameter_data, .. } => (parameter_data, ParameterLocation::Cookie, ParameterStyle::Form, false),
        };
        let (site, schema_at, content_media_type) = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => (Some(SchemaSite::of(schema)), child(at, "schema"), None),
            ParameterSchemaOrContent::Content(content) => {
                let content_at = child(at, "content");
                if content.len() != 1 {
                    self.error(content_at, "a parameter's `content` must have exactly one media type");
                    return None;
                }
                let (media_type, media) = content.first()?;
                let media_at = child(&content_at, media_type);
                (media.schema.as_ref().map(SchemaSite::of), child(&media_at, "schema"), Some(media_type.clone()))
            }
        };
        let lowered = match site {
            Some(site) => self.lower_site(site, &schema_at, Naming::Fresh(wanted_type)),
            None => super::refs::TypeRefResult::any(),
        };
        let default = match site {
            Some(SchemaSite::Inline(schema)) => schema.schema_data.default.clone(),
            _ => None,
        };
        let mut required = data.required;
        if location == ParameterLocation::Path && !required {
            self.warn(child(at, "required"), format!("path parameter `{}` is always required; `required: true` is assumed", data.name));
            required = true;
        }
        Some(Parameter {
            name: data.name.clone(),
            rust_name: String::new(),
            location,
            ty: lowered.ty,
            required,
            nullable: lowered.nullable,
            style,
            explode: data.explode.unwrap_or(style == ParameterStyle::Form),
            content_media_type,
            allow_reserved,
            default,
            constraints: site.map(constraints_of).unwrap_or_default(),
            description: data.description.clone(),
            deprecated: data.deprecated.unwrap_or(false),
        })
    }

    fn lower_request_body_site(
        &mut self,
        body: &'d ReferenceOr<openapiv3::RequestBody>,
        at: &str,
        wanted_type: &str,
    ) -> Option<RequestBody> {
        match body {
            ReferenceOr::Item(body) => Some(self.lower_request_body(body, at, wanted_type)),
            ReferenceOr::Reference { reference } => {
                let (name, body) = self.resolve(reference, at, "requestBodies", |c| &c.request_bodies)?;
                if let Some(cached) = self.component_cache.request_bodies.get(name) {
                    return cached.clone();
                }
                let component_at = child("/components/requestBodies", name);
                let lowered = Some(self.lower_request_body(body, &component_at, &names::camel(name, "Body", "Body")));
                self.component_cache.request_bodies.insert(name.to_owned(), lowered.clone());
                lowered
            }
        }
    }

    fn lower_request_body(&mut self, body: &'d openapiv3::RequestBody, at: &str, wanted_type: &str) -> RequestBody {
        RequestBody {
            required: body.required,
            description: body.description.clone(),
            contents: self.lower_contents(&body.content, &child(at, "content"), wanted_type),
        }
    }

    fn lower_contents(&mut self, content: &'d IndexMap<String, openapiv3::MediaType>, at: &str, wanted_type: &str) -> Vec<Content> {
        let several = content.len() > 1;
        content
            .iter()
            .map(|(media_type, media)| {
                let kind = media_kind(media_type);
                let media_at = child(at, media_type);
                let wanted = if several { format!("{wanted_type}{}", kind.suffix()) } else { wanted_type.to_owned() };
                let site = media.schema.as_ref().map(SchemaSite::of);
                let ty = site.map(|site| self.lower_site(site, &child(&media_at, "schema"), Naming::Fresh(wanted)).folded());
                let kind = match &ty {
                    Some(ty) if may_be_json(media_type) && !self.is_binary(ty) => MediaKind::Json,
                    _ => kind,
                };
                let constraints = match (kind, site) {
                    (MediaKind::Json, _) | (_, None) => Constraints::default(),
                    (_, Some(site)) => self.body_constraints(site, ty.as_ref()),
                };
                Content { media_type: media_type.clone(), kind, ty, encoding: lower_encoding(&media.encoding), constraints }
            })
            .collect()
    }

    /// The rules a text or raw body's schema states about the body itself: its own inline ones,
    /// else those of the alias it names (`$ref` to `{type: string, maxLength: 64}`).
    fn body_constraints(&self, site: SchemaSite<'_>, ty: Option<&ir::TypeRef>) -> Constraints {
        let inline = constraints_of(site);
        match ty {
            Some(ir::TypeRef::Named(id)) if inline.is_empty() => match self.types.get(id).map(|def| &def.kind) {
                Some(ir::TypeKind::Alias { constraints, .. }) => constraints.clone(),
                _ => inline,
            },
            _ => inline,
        }
    }

    /// Whether values of `ty` are bytes (`format: binary`), through aliases and nullability
    /// (bounded, so an alias cycle ends).
    fn is_binary<'a>(&'a self, mut ty: &'a ir::TypeRef) -> bool {
        for _ in 0..64 {
            ty = match ty {
                ir::TypeRef::Nullable(inner) | ir::TypeRef::Boxed(inner) => inner,
                ir::TypeRef::Named(id) => match self.types.get(id).map(|def| &def.kind) {
                    Some(ir::TypeKind::Alias { ty, .. }) => ty,
                    _ => return false,
                },
                ty => return *ty == ir::TypeRef::Binary,
            };
        }
        false
    }

    fn lower_responses(&mut self, responses: &'d openapiv3::Responses, at: &str, type_base: &str, method: Method) -> Vec<Response> {
        let mut lowered = Vec::new();
        let entries = responses
            .responses
            .iter()
            .map(|(code, response)| (Some(code), response))
            .chain(responses.default.as_ref().map(|response| (None, response)));
        for (code, response) in entries {
            let (status, token) = match code {
                Some(StatusCode::Code(code)) => (StatusSpec::Code(*code), code.to_string()),
                Some(StatusCode::Range(digit)) => {
                    let token = format!("{digit}XX");
                    if !(1..=5).contains(digit) {
                        self.error(child(at, &token), format!("`{token}` is not a status range; use 1XX to 5XX"));
                        continue;
                    }
                    (StatusSpec::Range(*digit as u8), token)
                }
                None => (StatusSpec::Default, "default".to_owned()),
            };
            if let StatusSpec::Code(code) = status {
                if !(100..=599).contains(&code) {
                    self.error(child(at, &token), format!("`{code}` is not an HTTP status code"));
                    continue;
                }
            }
            let response_at = child(at, &token);
            let label = if status == StatusSpec::Default { "Default".to_owned() } else { token.clone() };
            let wanted = format!("{type_base}{label}Response");
            let Some(body) = self.lower_response_site(response, &response_at, &wanted) else { continue };
            let mut contents = body.contents;
            let mut head_media_type = None;
            // HTTP gives these statuses no body (RFC 9110 §6.4.1), whatever the document says.
            let bodiless = matches!(status, StatusSpec::Code(100..=199 | 204 | 205 | 304) | StatusSpec::Range(1));
            if bodiless && !contents.is_empty() {
                self.warn(child(&response_at, "content"), format!("a {token} response has no body in HTTP; its `content` is ignored"));
                contents.clear();
            } else if method == Method::Head && !contents.is_empty() {
                // Nor has any answer to HEAD (RFC 9110 §9.3.2): its content describes GET's.
                // The response's pointer, not its `content`'s: the response may be a `$ref`.
                // Its `Content-Type` is still GET's.
                self.warn(response_at.clone(), "a response to HEAD has no body in HTTP; its `content` is ignored");
                head_media_type = contents.first().map(|content| content.sent_media_type().to_owned());
                contents.clear();
            }
            lowered.push(Response { status, description: body.description, contents, headers: body.headers, head_media_type });
        }
        lowered.sort_by_key(|r| r.status);
        lowered
    }

    fn lower_response_site(
        &mut self,
        response: &'d ReferenceOr<openapiv3::Response>,
        at: &str,
        wanted_type: &str,
    ) -> Option<LoweredResponse> {
        match response {
            ReferenceOr::Item(response) => Some(self.lower_response(response, at, wanted_type)),
            ReferenceOr::Reference { reference } => {
                let (name, response) = self.resolve(reference, at, "responses", |c| &c.responses)?;
                if let Some(cached) = self.component_cache.responses.get(name) {
                    return cached.clone();
                }
                let component_at = child("/components/responses", name);
                let lowered = Some(self.lower_response(response, &component_at, &names::camel(name, "Response", "Response")));
                self.component_cache.responses.insert(name.to_owned(), lowered.clone());
                lowered
            }
        }
    }

    fn lower_response(&mut self, response: &'d openapiv3::Response, at: &str, wanted_type: &str) -> LoweredResponse {
        if !response.links.is_empty() {
            self.warn(child(at, "links"), "links are not generated");
        }
        let contents = self.lower_contents(&response.content, &child(at, "content"), wanted_type);
        let headers_at = child(at, "headers");
        let mut headers = Vec::with_capacity(response.headers.len());
        for (name, header) in &response.headers {
            let header_at = child(&headers_at, name);
            let wanted = format!("{wanted_type}{}", names::camel(name, "Header", "Header"));
            if let Some(header) = self.lower_header_site(name, header, &header_at, &wanted) {
                headers.push(header);
            }
        }
        headers.sort_by_key(|h| h.name.to_ascii_lowercase());
        let group: Vec<(String, String)> = headers.iter().map(|h| (h.name.clone(), names::snake(&h.name, "header"))).collect();
        for (header, rust_name) in headers.iter_mut().zip(names::allocate_group(&group, &mut NameAllocator::snake_case())) {
            header.rust_name = rust_name;
        }
        LoweredResponse { description: response.description.clone(), contents, headers }
    }

    fn lower_header_site(
        &mut self,
        name: &str,
        header: &'d ReferenceOr<openapiv3::Header>,
        at: &str,
        wanted_type: &str,
    ) -> Option<ResponseHeader> {
        let lowered = match header {
            ReferenceOr::Item(header) => self.lower_header(header, at, wanted_type),
            ReferenceOr::Reference { reference } => {
                let (component, header) = self.resolve(reference, at, "headers", |c| &c.headers)?;
                if let Some(cached) = self.component_cache.headers.get(component) {
                    cached.clone()
                } else {
                    let component_at = child("/components/headers", component);
                    let lowered = self.lower_header(header, &component_at, &names::camel(component, "Header", "Header"));
                    self.component_cache.headers.insert(component.to_owned(), lowered.clone());
                    lowered
                }
            }
        };
        lowered.map(|header| ResponseHeader { name: name.to_owned(), ..header })
    }

    fn lower_header(&mut self, header: &'d openapiv3::Header, at: &str, wanted_type: &str) -> Option<ResponseHeader> {
        let (site, schema_at) = match &header.format {
            ParameterSchemaOrContent::Schema(schema) => (Some(SchemaSite::of(schema)), child(at, "schema")),
            ParameterSchemaOrContent::Content(content) => {
                let content_at = child(at, "content");
                match content.first() {
                    Some((media_type, media)) if content.len() == 1 => {
                        (media.schema.as_ref().map(SchemaSite::of), child(&child(&content_at, media_type), "schema"))
                    }
                    _ => {
                        self.error(content_at, "a header's `content` must have exactly one media type");
                        return None;
                    }
                }
            }
        };
        let ty = match site {
            Some(site) => self.lower_site(site, &schema_at, Naming::Fresh(wanted_type.to_owned())).folded(),
            None => ir::TypeRef::String { format: None },
        };
        Some(ResponseHeader {
            name: String::new(),
            rust_name: String::new(),
            ty,
            required: header.required,
            description: header.description.clone(),
            deprecated: header.deprecated.unwrap_or(false),
        })
    }

    pub(super) fn lower_security_schemes(&mut self) -> BTreeMap<String, SecurityScheme> {
        let mut schemes = BTreeMap::new();
        let Some(components) = &self.doc.components else { return schemes };
        for (name, scheme) in &components.security_schemes {
            let at = child("/components/securitySchemes", name);
            let scheme = match scheme {
                ReferenceOr::Item(scheme) => scheme,
                ReferenceOr::Reference { reference } => {
                    match self.resolve(reference, &at, "securitySchemes", |c| &c.security_schemes) {
                        Some((_, scheme)) => scheme,
                        None => continue,
                    }
                }
            };
            use openapiv3::SecurityScheme as S;
            let (kind, description) = match scheme {
                S::APIKey { location, name: param_name, description, .. } => {
                    let location = match location {
                        openapiv3::APIKeyLocation::Query => ApiKeyLocation::Query,
                        openapiv3::APIKeyLocation::Header => ApiKeyLocation::Header,
                        openapiv3::APIKeyLocation::Cookie => ApiKeyLocation::Cookie,
                    };
                    (SecuritySchemeKind::ApiKey { location, param_name: param_name.clone() }, description)
                }
                S::HTTP { scheme, bearer_format, description, .. } => (
                    SecuritySchemeKind::Http { scheme: scheme.to_ascii_lowercase(), bearer_format: bearer_format.clone() },
                    description,
                ),
                S::OAuth2 { flows, description, .. } => {
                    let mut lowered = Vec::new();
                    let scopes = |s: &IndexMap<String, String>| {
                        let mut scopes: Vec<(String, String)> = s.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                        scopes.sort();
                        scopes
                    };
                    if let Some(f) = &flows.authorization_code {
                        lowered.push(OAuth2Flow {
                            kind: OAuth2FlowKind::AuthorizationCode,
                            authorization_url: Some(f.authorization_url.clone()),
                            token_url: Some(f.token_url.clone()),
                            refresh_url: f.refresh_url.clone(),
                            scopes: scopes(&f.scopes),
                        });
                    }
                    if let Some(f) = &flows.client_credentials {
                        lowered.push(OAuth2Flow {
                            kind: OAuth2FlowKind::ClientCredentials,
                            authorization_url: None,
                            token_url: Some(f.token_url.clone()),
                            refresh_url: f.refresh_url.clone(),
                            scopes: scopes(&f.scopes),
                        });
                    }
                    if let Some(f) = &flows.implicit {
                        lowered.push(OAuth2Flow {
                            kind: OAuth2FlowKind::Implicit,
                            authorization_url: Some(f.authorization_url.clone()),
                            token_url: None,
                            refresh_url: f.refresh_url.clone(),
                            scopes: scopes(&f.scopes),
                        });
                    }
                    if let Some(f) = &flows.password {
                        lowered.push(OAuth2Flow {
                            kind: OAuth2FlowKind::Password,
                            authorization_url: None,
                            token_url: Some(f.token_url.clone()),
                            refresh_url: f.refresh_url.clone(),
                            scopes: scopes(&f.scopes),
                        });
                    }
                    (SecuritySchemeKind::OAuth2 { flows: lowered }, description)
                }
                S::OpenIDConnect { open_id_connect_url, description, .. } => {
                    (SecuritySchemeKind::OpenIdConnect { url: open_id_connect_url.clone() }, description)
                }
            };
            schemes.insert(
                name.clone(),
                SecurityScheme { name: name.clone(), rust_name: String::new(), description: description.clone(), kind },
            );
        }
        let group: Vec<(String, String)> = schemes.keys().map(|k| (k.clone(), names::snake(k, "scheme"))).collect();
        let rust_names = names::allocate_group(&group, &mut NameAllocator::snake_case());
        for (scheme, rust_name) in schemes.values_mut().zip(rust_names) {
            scheme.rust_name = rust_name;
        }
        schemes
    }

    pub(super) fn lower_security(
        &mut self,
        requirements: &[openapiv3::SecurityRequirement],
        at: &str,
        schemes: &BTreeMap<String, SecurityScheme>,
    ) -> Vec<SecurityRequirement> {
        let mut lowered = Vec::with_capacity(requirements.len());
        for (index, requirement) in requirements.iter().enumerate() {
            let requirement_at = child(at, &index.to_string());
            let mut uses = Vec::with_capacity(requirement.len());
            for (scheme, scopes) in requirement {
                if !schemes.contains_key(scheme) {
                    self.error(
                        child(&requirement_at, scheme),
                        format!("security requirement names `{scheme}`, which is not under `components/securitySchemes`"),
                    );
                    continue;
                }
                uses.push(SchemeUse { scheme: scheme.clone(), scopes: scopes.clone() });
            }
            uses.sort();
            lowered.push(SecurityRequirement { schemes: uses });
        }
        lowered
    }

    pub(super) fn lower_servers(&mut self, servers: &[openapiv3::Server]) -> Vec<Server> {
        servers
            .iter()
            .map(|server| {
                let mut variables: Vec<ServerVariable> = server
                    .variables
                    .iter()
                    .flatten()
                    .map(|(name, variable)| ServerVariable {
                        name: name.clone(),
                        default: variable.default.clone(),
                        allowed: variable.enumeration.clone(),
                        description: variable.description.clone(),
                    })
                    .collect();
                variables.sort_by(|a, b| a.name.cmp(&b.name));
                Server { url: server.url.clone(), description: server.description.clone(), variables }
            })
            .collect()
    }

    /// Reads `x-pagination`: `{style: offset|cursor, items: /pointer, params: {offset|cursor: name,
    /// limit: name}, next: /pointer, has_more: /pointer}`.
    fn lower_pagination(&mut self, value: &Value, at: &str, parameters: &[Parameter]) -> Option<Pagination> {
        let errors_before = self.errors.len();
        let Some(map) = value.as_object() else {
            self.error(at, format!("`x-pagination` must be an object, found {value}"));
            return None;
        };
        let style = match map.get("style").and_then(Value::as_str) {
            Some("offset") => Some(PaginationStyle::Offset),
            Some("cursor") => Some(PaginationStyle::Cursor),
            other => {
                let found = other.map_or_else(|| "nothing".to_owned(), |s| format!("`{s}`"));
                self.error(child(at, "style"), format!("pagination style must be `offset` or `cursor`, found {found}"));
                None
            }
        };
        let pointer = |key: &str, required: bool, this: &mut Self| -> Option<String> {
            match map.get(key) {
                Some(Value::String(p)) if p.is_empty() || p.starts_with('/') => Some(p.clone()),
                Some(other) => {
                    this.error(child(at, key), format!("`{key}` must be a JSON pointer such as `/data`, found {other}"));
                    None
                }
                None => {
                    if required {
                        this.error(at.to_owned(), format!("`x-pagination` is missing `{key}`"));
                    }
                    None
                }
            }
        };
        let items = pointer("items", true, self);
        let next = pointer("next", style == Some(PaginationStyle::Cursor), self);
        let has_more = pointer("has_more", false, self);
        for key in map.keys() {
            if !["style", "items", "params", "next", "has_more"].contains(&key.as_str()) {
                self.error(child(at, key), format!("unknown pagination key `{key}`; expected style, items, params, next or has_more"));
            }
        }
        let position_role = match style {
            Some(PaginationStyle::Cursor) => "cursor",
            _ => "offset",
        };
        let params_at = child(at, "params");
        let mut position_param = None;
        let mut limit_param = None;
        match map.get("params").and_then(Value::as_object) {
            None => self.error(params_at.clone(), "`params` must be an object naming the query parameters, e.g. `{offset: start, limit: limit}`"),
            Some(params) => {
                for (role, name) in params {
                    let role_at = child(&params_at, role);
                    let Some(name) = name.as_str() else {
                        self.error(role_at, format!("expected a query parameter name, found {name}"));
                        continue;
                    };
                    if !parameters.iter().any(|p| p.location == ParameterLocation::Query && p.name == name) {
                        self.error(role_at.clone(), format!("`{name}` is not a query parameter of this operation"));
                    }
                    if role == position_role {
                        position_param = Some(name.to_owned());
                    } else if role == "limit" {
                        limit_param = Some(name.to_owned());
                    } else {
                        self.error(role_at, format!("unknown parameter role `{role}`; expected `{position_role}` or `limit`"));
                    }
                }
                if position_param.is_none() {
                    self.error(params_at, format!("`params` is missing the `{position_role}` parameter"));
                }
            }
        }
        if self.errors.len() != errors_before {
            return None;
        }
        Some(Pagination { style: style?, items: items?, position_param: position_param?, limit_param, next, has_more })
    }
}

/// A header field name: one or more token characters (RFC 9110 §5.6.2).
fn is_header_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn query_style(style: &openapiv3::QueryStyle) -> ParameterStyle {
    match style {
        openapiv3::QueryStyle::Form => ParameterStyle::Form,
        openapiv3::QueryStyle::SpaceDelimited => ParameterStyle::SpaceDelimited,
        openapiv3::QueryStyle::PipeDelimited => ParameterStyle::PipeDelimited,
        openapiv3::QueryStyle::DeepObject => ParameterStyle::DeepObject,
    }
}

/// A media type's `encoding` map, in document order.
fn lower_encoding(encoding: &IndexMap<String, openapiv3::Encoding>) -> Vec<PropertyEncoding> {
    encoding
        .iter()
        .map(|(property, entry)| PropertyEncoding {
            property: property.clone(),
            content_type: entry.content_type.clone(),
            style: entry.style.as_ref().map(query_style),
            explode: entry.explode,
        })
        .collect()
}
