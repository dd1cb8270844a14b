//! Lower: a loaded `openapiv3::OpenAPI` document to the plain-data [`crate::ir::Api`].
//!
//! One pass over the document, in a fixed order (component schemas by name, then operations by
//! path and method) so that names handed out on the way are the same on every run. Every
//! problem is collected as a [`LowerError`] with the JSON pointer of its node; lowering goes on
//! after an error so that one run reports all of them.

mod analysis;
mod dedupe;
mod names;
mod operations;
mod refs;
mod schema;
mod unions;

use std::collections::{BTreeMap, HashMap};

use crate::ir::{Api, TypeDef, TypeId, Warning};
use names::NameAllocator;

/// One problem with the document, located by JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LowerError {
    /// JSON pointer of the offending node, e.g. `/paths/~1notes/get/parameters/0`.
    pub pointer: String,
    /// One sentence on what is wrong.
    pub message: String,
}

impl std::fmt::Display for LowerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at {}: {}", self.pointer, self.message)
    }
}

/// Every problem found in one document, sorted by pointer; `Display` prints one per line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LowerErrors(pub Vec<LowerError>);

impl std::fmt::Display for LowerErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LowerErrors {}

/// Either phase's failure, for callers that go from text to IR in one step.
#[derive(Debug, thiserror::Error)]
pub enum LoadAndLowerError {
    #[error("{0}")]
    Load(#[from] crate::load::LoadError),
    #[error("{path}: {errors}", errors = .errors.to_string().replace('\n', &format!("\n{path}: ")))]
    Lower { path: String, errors: LowerErrors },
}

/// Lowers a loaded document, or reports every problem in it.
pub fn lower(doc: &openapiv3::OpenAPI) -> Result<Api, LowerErrors> {
    let mut lowerer = Lowerer::new(doc);
    let api = lowerer.lower_api();
    if lowerer.errors.is_empty() {
        Ok(api)
    } else {
        let mut errors = lowerer.errors;
        errors.sort();
        errors.dedup();
        Err(LowerErrors(errors))
    }
}

/// Load + lower; `path` is only used in messages.
pub fn load_and_lower(path: &str, text: &str) -> Result<Api, LoadAndLowerError> {
    let loaded = crate::load::load_with_warnings(path, text)?;
    let mut api = lower(&loaded.doc).map_err(|errors| LoadAndLowerError::Lower { path: path.to_owned(), errors })?;
    if !loaded.warnings.is_empty() {
        api.warnings.extend(loaded.warnings);
        api.warnings.sort();
        api.warnings.dedup();
    }
    Ok(api)
}

/// [`load_and_lower`] for a document on disk whose `$ref`s may name other files
/// ([`crate::load::load_file`]); errors and warnings inside other files name them.
pub fn load_and_lower_file(
    path: &std::path::Path,
    options: &crate::load::FileOptions,
) -> Result<Api, LoadAndLowerError> {
    let display = path.display().to_string();
    let (loaded, origins) = crate::load::load_file_located(path, options)?;
    let mut api = lower(&loaded.doc).map_err(|LowerErrors(mut errors)| {
        errors.iter_mut().for_each(|error| error.pointer = origins.locate(&error.pointer));
        errors.sort();
        LoadAndLowerError::Lower { path: display, errors: LowerErrors(errors) }
    })?;
    api.warnings.iter_mut().for_each(|warning| warning.pointer = origins.locate(&warning.pointer));
    api.warnings.extend(loaded.warnings);
    api.warnings.sort();
    api.warnings.dedup();
    Ok(api)
}

/// The state of one lowering run.
struct Lowerer<'d> {
    doc: &'d openapiv3::OpenAPI,
    errors: Vec<LowerError>,
    warnings: Vec<Warning>,
    /// The one namespace of type names.
    type_names: NameAllocator,
    types: BTreeMap<TypeId, TypeDef>,
    /// Component schema name → its type id (assigned before anything else is lowered).
    schema_ids: BTreeMap<&'d str, TypeId>,
    /// Inline schemas already lowered, by address in the document: a schema reached twice (a
    /// property of a component merged into an `allOf`) becomes one type. Never iterated.
    inline_types: HashMap<usize, refs::TypeRefResult>,
    /// Memoized `snake_case` field names by wire name. Never iterated.
    field_names: HashMap<String, String>,
    /// Component parameters, bodies, responses and headers already lowered, by component name.
    /// Never iterated.
    component_cache: refs::ComponentCache,
    /// How many `allOf` merges are being lowered inside each other: a schema whose `allOf`
    /// reaches itself through inline members is refused at [`schema::MAX_ALL_OF_NESTING`].
    all_of_depth: usize,
}

impl<'d> Lowerer<'d> {
    fn new(doc: &'d openapiv3::OpenAPI) -> Self {
        Lowerer {
            doc,
            errors: Vec::new(),
            warnings: Vec::new(),
            type_names: NameAllocator::camel_case(),
            types: BTreeMap::new(),
            schema_ids: BTreeMap::new(),
            inline_types: HashMap::new(),
            field_names: HashMap::new(),
            component_cache: refs::ComponentCache::default(),
            all_of_depth: 0,
        }
    }

    fn error(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.errors.push(LowerError { pointer: pointer.into(), message: message.into() });
    }

    fn warn(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Warning { pointer: pointer.into(), message: message.into() });
    }

    fn lower_api(&mut self) -> Api {
        let doc = self.doc;
        self.assign_component_schema_ids();
        let mut operation_sites = self.collect_operations();
        self.reserve_operation_type_names(&mut operation_sites);
        let security_schemes = self.lower_security_schemes();
        let security = match &doc.security {
            Some(requirements) => self.lower_security(requirements, "/security", &security_schemes),
            None => Vec::new(),
        };
        let servers = if doc.servers.is_empty() {
            vec![crate::ir::Server { url: "/".to_owned(), description: None, variables: Vec::new() }]
        } else {
            self.lower_servers(&doc.servers)
        };
        self.lower_component_schemas();
        let mut operations = self.lower_operations(operation_sites, &security_schemes);
        self.warn_unused_components();
        let mut types = std::mem::take(&mut self.types);
        dedupe::dedupe(&mut types, &mut operations);
        analysis::box_cycles(&mut types);
        analysis::mark_usage(&mut types, &operations);
        unions::decide(&mut types, &mut self.warnings);
        let error_envelope = self.lower_error_envelope();
        let mut warnings = std::mem::take(&mut self.warnings);
        warnings.sort();
        warnings.dedup();
        Api {
            title: doc.info.title.clone(),
            version: doc.info.version.clone(),
            description: doc.info.description.clone(),
            servers,
            security_schemes,
            security,
            operations,
            types,
            error_envelope,
            warnings,
        }
    }

    /// Reads `x-error-envelope` (see [`crate::ir::ErrorEnvelope`]).
    fn lower_error_envelope(&mut self) -> Option<crate::ir::ErrorEnvelope> {
        const AT: &str = "/x-error-envelope";
        let value = self.doc.extensions.get("x-error-envelope")?;
        let Some(map) = value.as_object() else {
            self.error(AT, format!("`x-error-envelope` must be a map with `message`, found {value}"));
            return None;
        };
        let mut constants = Vec::new();
        let mut message = None;
        let mut detail = None;
        for (key, entry) in map {
            let at = format!("{AT}/{key}");
            match key.as_str() {
                "message" | "detail" => match entry.as_str().filter(|name| !name.is_empty()) {
                    Some(name) if key == "message" => message = Some(name.to_owned()),
                    Some(name) => detail = Some(name.to_owned()),
                    None => self.error(at, format!("`{key}` must be a property name, found {entry}")),
                },
                "constants" => match entry.as_object() {
                    Some(fields) => {
                        for (name, constant) in fields {
                            let fits = match constant {
                                serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::String(_) => true,
                                serde_json::Value::Number(number) => number.is_i64(),
                                _ => false,
                            };
                            if fits {
                                constants.push((name.clone(), constant.clone()));
                            } else {
                                self.error(
                                    format!("{at}/{name}"),
                                    format!("a constant must be null, a boolean, an integer or a string, found {constant}"),
                                );
                            }
                        }
                    }
                    None => self.error(at, format!("`constants` must be a map of field to value, found {entry}")),
                },
                other => self.error(at, format!("unknown key `{other}`; expected constants, message or detail")),
            }
        }
        let Some(message) = message else {
            self.error(AT, "`x-error-envelope` needs `message`: the property that holds the error message");
            return None;
        };
        if constants.iter().any(|(name, _)| *name == message || Some(name) == detail.as_ref()) || detail.as_ref() == Some(&message) {
            self.error(AT, "`x-error-envelope` names one property twice");
            return None;
        }
        Some(crate::ir::ErrorEnvelope { constants, message, detail })
    }

    /// Callbacks and links in components are never lowered; say so once each.
    fn warn_unused_components(&mut self) {
        let Some(components) = &self.doc.components else { return };
        if !components.callbacks.is_empty() {
            self.warn("/components/callbacks", "callbacks are not generated");
        }
        if !components.links.is_empty() {
            self.warn("/components/links", "links are not generated");
        }
    }
}
