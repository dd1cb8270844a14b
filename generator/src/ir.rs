//! The plain-data model between lowering and emitting: operations and types of one API.
//!
//! Everything here is resolved: every `$ref` followed, every name already a valid, unique Rust
//! identifier, every list in a stable order. Emitters read only this, never the OpenAPI document.
//!
//! Naming rules (applied by `lower`, relied on by emitters):
//! * Type names and enum variants are `UpperCamelCase`; fields, parameters and operations are
//!   `snake_case` (via `heck`).
//! * A name that would be a Rust keyword gets a trailing underscore (`type` → `type_`,
//!   `Self` → `Self_`), so every name works with `format_ident!` without raw identifiers.
//! * A name that would start with a digit gets a prefix (`_` for snake case, `V` for variants,
//!   `Type` for types); symbols that carry meaning are spelled out (`+1` → `plus_1`, `-1` →
//!   `minus_1`, `@id` → `at_id`).
//! * Collisions are resolved by numeric suffixes (`foo_2`, `Foo2`) handed out in sorted order
//!   of the original names, so the result does not depend on document order.
//! * Type names share one namespace: component schemas first, then each operation's reserved
//!   names ([`OperationTypeNames`]), then inline schemas, named from where they stand.

use std::collections::BTreeMap;

/// One API: everything the emitters need.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    /// The document's servers; never empty (OpenAPI's default is one server at `/`).
    pub servers: Vec<Server>,
    /// By scheme name (the key under `components/securitySchemes`).
    pub security_schemes: BTreeMap<String, SecurityScheme>,
    /// The document-wide requirements (alternatives; an empty requirement means "no auth").
    pub security: Vec<SecurityRequirement>,
    /// Sorted by path template, then method.
    pub operations: Vec<Operation>,
    /// Every named type, by id (ids are the Rust type names, so this is sorted by name).
    pub types: BTreeMap<TypeId, TypeDef>,
    /// The API's error body (`x-error-envelope`); `None` when the document does not say.
    pub error_envelope: Option<ErrorEnvelope>,
    /// Information that was dropped because it does not affect code.
    pub warnings: Vec<Warning>,
}

/// The shape of the API's error bodies, from the `x-error-envelope` extension:
///
/// ```yaml
/// x-error-envelope:
///   constants: {success: false}   # fields with a fixed value (null, boolean, integer, string)
///   message: error                # the field holding the one-sentence message
///   detail: error_info            # optional: the field holding details
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorEnvelope {
    /// In document order.
    pub constants: Vec<(String, serde_json::Value)>,
    pub message: String,
    pub detail: Option<String>,
}

/// The id of a named type: its Rust type name, unique within an [`Api`].
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub String);

/// On one line even in `{:#?}`, to keep snapshots short.
impl std::fmt::Debug for TypeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TypeId({:?})", self.0)
    }
}

impl TypeId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for TypeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Something the document said that the IR does not keep.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    /// JSON pointer of the node, e.g. `/paths/~1notes/get/callbacks`.
    pub pointer: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    /// The URL as written, with `{variable}` placeholders.
    pub url: String,
    pub description: Option<String>,
    /// Sorted by name.
    pub variables: Vec<ServerVariable>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerVariable {
    pub name: String,
    pub default: String,
    /// The allowed values, empty when any value is allowed.
    pub allowed: Vec<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SecurityScheme {
    /// The key under `components/securitySchemes`.
    pub name: String,
    /// `snake_case` name for a credentials field or builder method.
    pub rust_name: String,
    pub description: Option<String>,
    pub kind: SecuritySchemeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SecuritySchemeKind {
    /// A key sent as query parameter, header or cookie named `param_name`.
    ApiKey { location: ApiKeyLocation, param_name: String },
    /// HTTP `Authorization` header; `scheme` is lower-cased (`basic`, `bearer`, ...).
    Http { scheme: String, bearer_format: Option<String> },
    OAuth2 { flows: Vec<OAuth2Flow> },
    OpenIdConnect { url: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ApiKeyLocation {
    Query,
    Header,
    Cookie,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OAuth2Flow {
    pub kind: OAuth2FlowKind,
    pub authorization_url: Option<String>,
    pub token_url: Option<String>,
    pub refresh_url: Option<String>,
    /// (scope, description), sorted by scope.
    pub scopes: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OAuth2FlowKind {
    AuthorizationCode,
    ClientCredentials,
    Implicit,
    Password,
}

/// Schemes that must all be satisfied together. An empty requirement means "no credentials".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SecurityRequirement {
    /// Sorted by scheme name; every scheme exists in [`Api::security_schemes`].
    pub schemes: Vec<SchemeUse>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SchemeUse {
    pub scheme: String,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    /// The upper-case HTTP name (`GET`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }

    /// Safe to retry without changing the outcome (RFC 9110 §9.2.2).
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post | Method::Patch)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// The `operationId` as written, or one made from method and path when it is missing.
    pub id: String,
    /// `snake_case` method name, unique among operations.
    pub rust_name: String,
    /// Type names reserved for this operation's generated types; unique among all types.
    pub type_names: OperationTypeNames,
    pub method: Method,
    /// The path template as written (`/notes/{id}`).
    pub path: String,
    /// Path parameters in template order, then query, header and cookie parameters in
    /// document order. Names are unique within the operation (and never `body`).
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBody>,
    /// Sorted: explicit codes ascending, then ranges, then `default`.
    pub responses: Vec<Response>,
    /// `None` inherits [`Api::security`]; `Some(vec![])` means no auth at all.
    pub security: Option<Vec<SecurityRequirement>>,
    /// The operation's own servers (from the operation or its path item); empty inherits
    /// [`Api::servers`].
    pub servers: Vec<Server>,
    pub deprecated: bool,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub pagination: Option<Pagination>,
}

impl Operation {
    /// The headers its responses document, each name once (compared case-insensitively, and
    /// by Rust name): the first documentation of a name wins.
    pub fn documented_headers(&self) -> Vec<&ResponseHeader> {
        let mut unique: Vec<&ResponseHeader> = Vec::new();
        for header in self.responses.iter().flat_map(|response| &response.headers) {
            if !unique.iter().any(|seen| seen.name.eq_ignore_ascii_case(&header.name) || seen.rust_name == header.rust_name) {
                unique.push(header);
            }
        }
        unique
    }

    /// The requirements that apply: the operation's own or the document's. Empty means no auth;
    /// an empty requirement among others means auth is optional.
    pub fn effective_security<'a>(&'a self, api: &'a Api) -> &'a [SecurityRequirement] {
        self.security.as_deref().unwrap_or(&api.security)
    }

    /// The servers that apply: the operation's own or the document's.
    pub fn effective_servers<'a>(&'a self, api: &'a Api) -> &'a [Server] {
        if self.servers.is_empty() {
            &api.servers
        } else {
            &self.servers
        }
    }
}

impl Api {
    /// The fields of a `multipart/*` body whose schema is an object type without extra
    /// properties, each with whether it is a file (`format: binary`, or a list of them) and
    /// its `encoding.contentType`. `None` for any other body (the client then takes a list
    /// of parts and the server the raw bytes).
    pub fn multipart_fields<'a>(&'a self, content: &'a Content) -> Option<Vec<MultipartField<'a>>> {
        if content.kind != MediaKind::Multipart {
            return None;
        }
        let def = self.types.get(self.named(content.ty.as_ref()?)?)?;
        let TypeKind::Struct { fields, additional: None, .. } = &def.kind else {
            return None;
        };
        let fields = fields.iter().map(|field| {
            let file = match self.unaliased(&field.ty) {
                TypeRef::Binary => Some(FileShape::One),
                TypeRef::Array(item) if *self.unaliased(item) == TypeRef::Binary => Some(FileShape::List),
                ty if !self.file_variants(ty).is_empty() => Some(FileShape::OrValue),
                _ => None,
            };
            let content_type = content.encoding.iter().find(|entry| entry.property == field.wire_name);
            MultipartField { field, required: field.required_in_rust(def.usage), file, content_type: content_type.and_then(|entry| entry.content_type.as_deref()) }
        });
        Some(fields.collect())
    }

    /// The variants of a union that hold files (`format: binary`, or lists of them), each
    /// with its shape; empty for anything else.
    pub fn file_variants<'a>(&'a self, ty: &'a TypeRef) -> Vec<(&'a Variant, FileShape)> {
        let Some(TypeKind::OneOf { variants, .. } | TypeKind::AnyOf { variants, .. }) = self.named(ty).and_then(|id| self.types.get(id)).map(|def| &def.kind) else {
            return Vec::new();
        };
        variants
            .iter()
            .filter_map(|variant| match self.unaliased(&variant.ty) {
                TypeRef::Binary => Some((variant, FileShape::One)),
                TypeRef::Array(item) if *self.unaliased(item) == TypeRef::Binary => Some((variant, FileShape::List)),
                _ => None,
            })
            .collect()
    }

    /// The named type a reference ends at, through aliases, nullability and boxes.
    fn named<'a>(&'a self, ty: &'a TypeRef) -> Option<&'a TypeId> {
        match self.unaliased(ty) {
            TypeRef::Named(id) => Some(id),
            _ => None,
        }
    }

    /// A reference with aliases, nullability and boxes followed (bounded, so an alias
    /// cycle ends).
    fn unaliased<'a>(&'a self, mut ty: &'a TypeRef) -> &'a TypeRef {
        for _ in 0..64 {
            ty = match ty {
                TypeRef::Nullable(inner) | TypeRef::Boxed(inner) => inner,
                TypeRef::Named(id) => match self.types.get(id).map(|def| &def.kind) {
                    Some(TypeKind::Alias { ty, .. }) => ty,
                    _ => return ty,
                },
                _ => return ty,
            };
        }
        ty
    }
}

/// A field of a typed multipart body (see [`Api::multipart_fields`]).
#[derive(Debug, Clone, Copy)]
pub struct MultipartField<'a> {
    pub field: &'a Field,
    /// Whether its Rust field is required ([`Field::required_in_rust`]).
    pub required: bool,
    /// `Some` for a file field.
    pub file: Option<FileShape>,
    /// Its `encoding.contentType`, as written.
    pub content_type: Option<&'a str>,
}

/// Whether a file field holds one file, a list of them, or either a file or a value (a union
/// with a file variant: a part with a file name, or of a media type other than JSON or text,
/// is the file; any other part the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileShape {
    One,
    List,
    OrValue,
}

/// Names an emitter may use for per-operation types; reserved so no schema takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationTypeNames {
    /// For the parameters + body of one call (`GetNotesParams`).
    pub params: TypeId,
    /// For the success / per-status response enum (`GetNotesResponse`).
    pub response: TypeId,
    /// For the error enum (`GetNotesError`).
    pub error: TypeId,
    /// For the typed view of the documented response headers (`GetNotesHeaders`), when any
    /// response documents headers.
    pub headers: Option<TypeId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ParameterLocation {
    Path,
    Query,
    Header,
    Cookie,
}

/// Serialization style of a parameter (OpenAPI `style`, defaults applied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterStyle {
    Simple,
    Label,
    Matrix,
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// The name on the wire.
    pub name: String,
    /// `snake_case`, unique within the operation.
    pub rust_name: String,
    pub location: ParameterLocation,
    /// The value type, never [`TypeRef::Nullable`] at the top (see `nullable`).
    pub ty: TypeRef,
    pub required: bool,
    pub nullable: bool,
    pub style: ParameterStyle,
    /// `explode`, with OpenAPI's default applied (true for `form`, false otherwise).
    pub explode: bool,
    /// Set when the parameter uses `content` instead of `schema`: the value is serialized in
    /// this media type (e.g. `application/json`) and `style`/`explode` do not apply.
    pub content_media_type: Option<String>,
    pub allow_reserved: bool,
    pub default: Option<serde_json::Value>,
    pub constraints: Constraints,
    pub description: Option<String>,
    pub deprecated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequestBody {
    pub required: bool,
    pub description: Option<String>,
    /// In document order (the first is the preferred one).
    pub contents: Vec<Content>,
}

/// One media type of a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    /// As written, e.g. `application/json; charset=utf-8`.
    pub media_type: String,
    pub kind: MediaKind,
    /// `None` when the media type has no schema (the body is then raw bytes or free JSON).
    pub ty: Option<TypeRef>,
    /// The media type's `encoding` entries, in document order: how a form or multipart
    /// body writes the properties they name.
    pub encoding: Vec<PropertyEncoding>,
    /// For a body that is not JSON (text or raw bytes), the rules its schema states about the
    /// body as a whole, which `ty` (`String`, `Binary`) does not carry: `minLength` and
    /// `maxLength` count characters of text and bytes of binary. Empty for JSON bodies, whose
    /// rules are their type's.
    pub constraints: Constraints,
}

impl Content {
    /// The media type a JSON body is sent with: as written, except that a range (`*/*`,
    /// `application/*`) names no one type, so its JSON is sent as `application/json`.
    pub fn sent_media_type(&self) -> &str {
        let essence = self.media_type.split(';').next().unwrap_or("").trim();
        if self.kind == MediaKind::Json && essence.ends_with("/*") {
            "application/json"
        } else {
            &self.media_type
        }
    }
}

/// One `encoding` entry of a form or multipart body.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyEncoding {
    /// The property it applies to, as the schema names it.
    pub property: String,
    /// Multipart: the part's media type(s), as written (`image/png, image/jpeg`).
    pub content_type: Option<String>,
    /// Forms: the field's `style` (`None` when not given: `form`, exploded).
    pub style: Option<ParameterStyle>,
    /// Forms: `explode` as given (meaningful only with `style`).
    pub explode: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MediaKind {
    /// `application/json` (with any parameters) and any `+json` suffix; also `*/*`,
    /// `application/*` and `text/json` when the schema is not binary.
    Json,
    /// `application/x-www-form-urlencoded`.
    FormUrlEncoded,
    /// `multipart/*`.
    Multipart,
    /// `application/octet-stream`.
    OctetStream,
    /// `text/*`.
    Text,
    /// Anything else; treat as bytes.
    Other,
}

impl MediaKind {
    /// `Json`, `Form`, `Multipart`, `Bytes`, `Text`, `Other`: for names of per-media-type items.
    pub fn suffix(self) -> &'static str {
        match self {
            MediaKind::Json => "Json",
            MediaKind::FormUrlEncoded => "Form",
            MediaKind::Multipart => "Multipart",
            MediaKind::OctetStream => "Bytes",
            MediaKind::Text => "Text",
            MediaKind::Other => "Other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StatusSpec {
    /// An explicit status code.
    Code(u16),
    /// `1XX`..`5XX`, holding the first digit.
    Range(u8),
    Default,
}

impl StatusSpec {
    /// True for 2xx codes and the `2XX` range.
    pub fn is_success(self) -> bool {
        match self {
            StatusSpec::Code(code) => (200..300).contains(&code),
            StatusSpec::Range(digit) => digit == 2,
            StatusSpec::Default => false,
        }
    }

    /// `200`, `4XX` or `default`, for names and docs.
    pub fn label(self) -> String {
        match self {
            StatusSpec::Code(code) => code.to_string(),
            StatusSpec::Range(digit) => format!("{digit}XX"),
            StatusSpec::Default => "default".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: StatusSpec,
    pub description: String,
    /// In document order; empty when the response has no body.
    pub contents: Vec<Content>,
    /// Sorted by lower-cased name.
    pub headers: Vec<ResponseHeader>,
    /// An answer to HEAD has no body, but carries the header fields GET's would (RFC 9110
    /// §9.3.2): the `Content-Type` the documented content would be sent with, if any.
    pub head_media_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResponseHeader {
    /// The header name as written.
    pub name: String,
    /// `snake_case`, unique within the response.
    pub rust_name: String,
    pub ty: TypeRef,
    pub required: bool,
    pub description: Option<String>,
    pub deprecated: bool,
}

/// The `x-pagination` extension: how to walk a list operation page by page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pagination {
    pub style: PaginationStyle,
    /// JSON pointer to the item array in the success body (`/data`).
    pub items: String,
    /// Wire name of the query parameter carrying the offset or cursor.
    pub position_param: String,
    /// Wire name of the query parameter carrying the page size, if any.
    pub limit_param: Option<String>,
    /// JSON pointer to the next offset or cursor in the body, if the body states it.
    pub next: Option<String>,
    /// JSON pointer to a boolean "more items" flag in the body, if any.
    pub has_more: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaginationStyle {
    Offset,
    Cursor,
}

/// A reference to a type, as used by fields, parameters, bodies and other types.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeRef {
    Named(TypeId),
    /// `format` is kept for formats without a variant of their own (`email`, `uri`, `password`).
    String { format: Option<String> },
    /// `format` as written (`int32`, `int64`, ...), `None` when absent.
    Integer { format: Option<String> },
    /// `format` as written (`float`, `double`), `None` when absent.
    Number { format: Option<String> },
    Boolean,
    /// `format: date`.
    Date,
    /// `format: date-time`.
    DateTime,
    /// `format: uuid`.
    Uuid,
    /// `format: byte`: base64 text.
    Byte,
    /// `format: binary`: raw bytes.
    Binary,
    Array(Box<TypeRef>),
    /// An object with string keys and values of this type (`additionalProperties`), also used
    /// for free-form objects (`Map(Any)`).
    Map(Box<TypeRef>),
    /// Any JSON value.
    Any,
    /// The value may be `null`.
    Nullable(Box<TypeRef>),
    /// Indirection that breaks a cycle of types containing each other by value.
    Boxed(Box<TypeRef>),
}

/// A named type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    pub id: TypeId,
    /// JSON pointer of the schema it was made from.
    pub origin: String,
    pub description: Option<String>,
    pub deprecated: bool,
    /// Where the type is used; an emitter may make received enums tolerant of unknown values.
    pub usage: Usage,
    pub kind: TypeKind,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Reachable from a parameter or request body.
    pub request: bool,
    /// Reachable from a response body or header.
    pub response: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// An object; `allOf` members are merged into one of these.
    Struct {
        /// In document order.
        fields: Vec<Field>,
        /// The type of extra properties (`additionalProperties`) beside the named ones, to be
        /// flattened into the struct as a map. `None` when extra properties are not described.
        additional: Option<TypeRef>,
        /// `additionalProperties: false`: a validating server rejects unknown properties.
        /// (Decoders of received data may still want to ignore them.)
        deny_unknown: bool,
    },
    Enum { repr: EnumRepr, variants: Vec<EnumVariant> },
    /// Exactly one of `variants` (`oneOf`), told apart by `rule`.
    OneOf { variants: Vec<Variant>, rule: UnionRule },
    /// One or more of `variants` (`anyOf`); decoders pick one by `rule`.
    AnyOf { variants: Vec<Variant>, rule: UnionRule },
    /// Another name for a type (a component that is a primitive, an array or a `$ref`).
    Alias { ty: TypeRef, constraints: Constraints },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The property name on the wire (for `#[serde(rename)]`).
    pub wire_name: String,
    /// `snake_case`, unique within the struct.
    pub rust_name: String,
    /// The value type, never [`TypeRef::Nullable`] at the top (see `nullable`).
    pub ty: TypeRef,
    pub required: bool,
    /// May be `null`. With `required == false` the field is three-state: absent, null, value.
    pub nullable: bool,
    pub read_only: bool,
    pub write_only: bool,
    pub deprecated: bool,
    pub default: Option<serde_json::Value>,
    pub description: Option<String>,
    pub constraints: Constraints,
}

impl Field {
    /// Whether the Rust field is required (neither `Option` nor `Nullable`) in a type used as
    /// `usage` says: `required` binds a `readOnly` property in responses only and a `writeOnly`
    /// one in requests only (OpenAPI), so where the type travels the other way too the
    /// property may be absent.
    pub fn required_in_rust(&self, usage: Usage) -> bool {
        self.required && !((self.read_only && usage.request) || (self.write_only && usage.response))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumRepr {
    String,
    Integer,
    Number,
    Boolean,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnumVariant {
    /// `UpperCamelCase`, unique within the enum.
    pub rust_name: String,
    /// The value on the wire (a string, number or boolean per [`EnumRepr`]).
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// `UpperCamelCase`, unique within the type.
    pub rust_name: String,
    pub ty: TypeRef,
}

/// How a decoder tells the variants of a union apart, decided once at generation time.
#[derive(Debug, Clone, PartialEq)]
pub enum UnionRule {
    /// The value of one property names the variant (the union's own `discriminator`, or one
    /// that every variant inherits through `allOf`).
    Discriminator(Discriminator),
    /// By the value's JSON type first, then by a test within each group of variants that
    /// share a JSON type. Groups are in [`JsonType`] order and cover disjoint types; a JSON
    /// type no group covers is a decoding error.
    Shape(Vec<ShapeGroup>),
}

/// The JSON types of values, in the order shape groups are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JsonType {
    Null,
    Boolean,
    /// A number without a fraction or exponent.
    Integer,
    /// Any other number.
    Number,
    String,
    Array,
    Object,
}

/// The variants that accept values of some JSON types, with the tests that pick one.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeGroup {
    /// Sorted, never empty.
    pub json_types: Vec<JsonType>,
    /// Tried in order: the first candidate whose test holds decodes the value.
    pub candidates: Vec<Candidate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The variant's `rust_name`.
    pub variant: String,
    pub test: VariantTest,
}

/// What tells a candidate from the others of its group.
#[derive(Debug, Clone, PartialEq)]
pub enum VariantTest {
    /// Nothing else is left: the JSON type (or the failure of every test before) decides.
    Always,
    /// The object's `property` has this value (a required `const` or one-value `enum` that
    /// differs from the value every other candidate allows there).
    PropertyIs { property: String, value: serde_json::Value },
    /// The object's `property` is one of these values (a required, non-null `enum` sharing no
    /// value with what every other candidate allows there).
    PropertyIn { property: String, values: Vec<serde_json::Value> },
    /// The object has `property`, which this candidate requires and no other declares.
    HasProperty { property: String },
    /// The value is one of these (an `enum` sharing no value with another candidate's).
    ValueIn { values: Vec<serde_json::Value> },
    /// Nothing tells it from the candidates after it: decoded if it fits, preferring the
    /// first of such a run whose decoding keeps every property of the value. Lowering warns.
    Fits,
    /// Every key of the object is one of `properties`, the ones this candidate declares.
    /// Objects whose properties are all optional overlap (a value may match several, which a
    /// strict `oneOf` refuses); the value is read as the first whose properties hold all its
    /// keys and that decodes it (one missing a required property does not), and when none
    /// does, as the first of the run that fits. Servers accept a value
    /// that matches several such alternatives when one holds all its keys. Lowering warns.
    KeysWithin { properties: Vec<String> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Discriminator {
    /// The property (wire name) whose value selects the variant.
    pub property: String,
    /// Discriminator value → variant `rust_name`; explicit `mapping` entries plus, for `$ref`
    /// variants not mapped, the component schema name. Sorted by value.
    pub mapping: Vec<(String, String)>,
}

/// Validation rules stated by a schema, for servers to enforce. `Debug` shows only the rules
/// that are set, to keep snapshots readable.
#[derive(Clone, Default, PartialEq)]
pub struct Constraints {
    pub minimum: Option<serde_json::Number>,
    pub exclusive_minimum: bool,
    pub maximum: Option<serde_json::Number>,
    pub exclusive_maximum: bool,
    pub multiple_of: Option<serde_json::Number>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<String>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    pub unique_items: bool,
    pub min_properties: Option<usize>,
    pub max_properties: Option<usize>,
    /// Rules on each item of an array.
    pub items: Option<Box<Constraints>>,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }
}

impl std::fmt::Debug for Constraints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("Constraints");
        macro_rules! show {
            ($($name:ident),*) => {$(
                if self.$name != Constraints::default().$name {
                    out.field(stringify!($name), &self.$name);
                }
            )*};
        }
        show!(
            minimum, exclusive_minimum, maximum, exclusive_maximum, multiple_of, min_length, max_length,
            pattern, min_items, max_items, unique_items, min_properties, max_properties, items
        );
        out.finish()
    }
}
