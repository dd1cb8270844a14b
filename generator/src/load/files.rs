//! Documents split over files: the root document and every file its `$ref`s reach
//! (`models/droplet.yml`, `../shared.yaml#/components/schemas/Error`) bundled into one JSON
//! value, which then takes the usual way through the loader (as JSON text, so YAML quirks of
//! the files are checked here, with the single-file rule).
//!
//! The walk follows the structure of OpenAPI (document, paths, operations, responses, media
//! types, schemas at any depth...), so it knows at each `$ref` what kind of object it stands
//! for. A reference where OpenAPI allows one is hoisted: its target is copied once into the
//! root's matching components section and the reference rewritten to name it; local
//! references inside another file are read in that file. A `$ref` where OpenAPI allows none (an
//! operation, a tag's description, a map of properties) is replaced by its target, with a
//! warning; a path item's `$ref` (allowed, but 3.0 has no section for path items) likewise,
//! without one. Extensions (`x-…`) and example values are data: nothing in them is followed.
//!
//! Each file is read and parsed once and only when reached; files are read only under the
//! root's folder (or the given ref root), checked on the canonical path so that neither `..`
//! nor a symbolic link leads out; URLs are refused, nothing is fetched. Files count against the
//! loader's limits together: their bytes, their values, the values copied out of them and the
//! nesting of the joined document.
//!
//! Hoisted components are named from their own name: the root component that is only a `$ref`
//! to them (`Owner: {$ref: owner.yml}`) or the entry of a section a file gives; else the
//! component name of `…#/components/{section}/{name}` (or `#/definitions/{name}`), the token
//! of a one-token pointer, or the file's stem. Names are given once every reference is known:
//! of several targets wanting one name, the one in the file nearest the root (fewest folders,
//! then path, then pointer) keeps it, the others get `_2`, `_3`… ([`Bundler::names`]), so that
//! names do not depend on the order in which the walk met them.
//!
//! [`Origins`] maps pointers of the bundled document back to `file#pointer`, for the errors and
//! warnings of the phases after it.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value};

use super::limits;
use super::v31::Unconvertible;
use super::LoadError;
use crate::ir::Warning;
use crate::pointer::escape_token;

/// How [`load_file`](super::load_file) reads a document split over files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileOptions {
    /// The folder references may read files under; the root document's own folder when `None`.
    pub ref_root: Option<PathBuf>,
}

/// Where the parts of a bundled document came from: a pointer into the bundled document (as
/// errors and warnings of later phases name them) back to `file#pointer` in the file that
/// holds the node. Pointers into the root document's own nodes stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origins {
    /// Bundled pointer of a copied subtree → `file#pointer` of its source.
    by_prefix: BTreeMap<String, String>,
}

impl Origins {
    /// `pointer` in the file that holds the node: the longest copied prefix replaced by its
    /// source, e.g. `/components/schemas/droplet/properties/id` →
    /// `resources/droplets/models/droplet.yml#/properties/id`.
    pub fn locate(&self, pointer: &str) -> String {
        let mut end = pointer.len();
        loop {
            let prefix = &pointer[..end];
            if let Some(origin) = self.by_prefix.get(prefix) {
                let located = format!("{origin}{}", &pointer[end..]);
                return located.strip_suffix('#').map_or(located.clone(), str::to_owned);
            }
            match prefix.rfind('/') {
                Some(at) => end = at,
                None => return pointer.to_owned(),
            }
        }
    }
}

/// The outcome of [`bundle`]: the text to load, where its parts came from, and the warnings
/// of the lenient readings (already naming their files).
pub(super) struct Bundled {
    /// The bundled document as JSON text; `None` when the root reaches no other file and has
    /// nothing to rewrite, and its own text is to be loaded unchanged (`root_text`).
    pub text: Option<String>,
    pub root_text: String,
    pub origins: Origins,
    pub warnings: Vec<Warning>,
}

/// Reads the document at `path` and every file it reaches, and bundles them (see the module
/// documentation). Every reference problem is collected; they are reported together.
pub(super) fn bundle(path: &Path, options: &FileOptions) -> Result<Bundled, LoadError> {
    let display = path.display().to_string();
    let unreadable = |message: String| LoadError::File { path: display.clone(), message };
    let root_text = std::fs::read_to_string(path).map_err(|e| unreadable(format!("cannot be read: {e}")))?;
    let canonical = path.canonicalize().map_err(|e| unreadable(format!("cannot be read: {e}")))?;
    let root_dir = canonical.parent().map(Path::to_path_buf).unwrap_or_default();
    let allowed = match &options.ref_root {
        None => root_dir.clone(),
        Some(dir) => dir
            .canonicalize()
            .map_err(|e| unreadable(format!("the ref root `{}` cannot be read: {e}", dir.display())))?,
    };
    if !canonical.starts_with(&allowed) {
        return Err(unreadable(format!("the document is not under the ref root `{}`", allowed.display())));
    }
    let unchanged =
        |root_text| Ok(Bundled { text: None, root_text, origins: Origins::default(), warnings: Vec::new() });
    // A root that cannot be read as a value is the usual load's to report, with its messages.
    let Ok(root) = read_value(&root_text) else { return unchanged(root_text) };
    // A document of a version this generator does not read (Swagger 2.0) is refused for that
    // by the usual load, before any of its references is followed.
    let readable_version = super::version_of(&root.value).is_none_or(|v| v.is_empty() || super::check_version("", &v).is_ok());
    if !readable_version {
        return unchanged(root_text);
    }
    let mut bundler = Bundler::new(display.clone(), root_dir, allowed);
    bundler.root(canonical, root_text.len(), &root);
    let mut value = root.value;
    bundler.walk_root(&mut value);
    bundler.drain();
    if let Some(limit) = bundler.limit.take() {
        return Err(limit);
    }
    if !bundler.problems.is_empty() {
        bundler.problems.dedup();
        return Err(LoadError::Unconvertible { path: display, problems: bundler.problems });
    }
    if !bundler.changed {
        // The single-file load checks the quirks itself, with the same rule.
        return unchanged(root_text);
    }
    bundler.quirks.sort();
    bundler.quirks.dedup();
    if !bundler.quirks.is_empty() {
        return Err(LoadError::Unconvertible { path: display, problems: bundler.quirks });
    }
    let (value, origins) = bundler.assemble(value)?;
    let text = serde_json::to_string(&value)
        .map_err(|e| unreadable(format!("the bundled document cannot be written: {e}")))?;
    Ok(Bundled { text: Some(text), root_text, origins, warnings: bundler.warnings })
}

/// A file's text read within the loader's bounds (JSON or YAML, told apart by content).
fn read_value(text: &str) -> Result<limits::Bounded, limits::Refusal> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    limits::read(text, super::TextFormat::sniff(text) == super::TextFormat::Json)
}

/// One file read: its name relative to the root's folder (`/`-separated, `..` when a ref root
/// lets it lie outside), its value, and its YAML quirks sorted by pointer.
struct File {
    name: String,
    dir: PathBuf,
    value: Value,
    quirks: Vec<limits::Quirk>,
}

/// A reference target copied into `components/{section}`; its name is given at the end.
struct Target {
    section: &'static str,
    file: usize,
    pointer: String,
    base: String,
    /// The root component that is only `$ref` to this target (`Owner: {$ref: owner.yml}`):
    /// the target takes its name and its place.
    claim: Option<String>,
    value: Option<Value>,
}

/// Where the walk is: in which file (`src`: the file's own pointer) and in which unit of the
/// bundled document (0: the root; `i + 1`: target `i`) at which pointer (`out`).
struct Cursor {
    file: usize,
    src: String,
    unit: usize,
    out: String,
    depth: usize,
}

impl Cursor {
    fn push(&mut self, token: &str) -> (usize, usize) {
        let back = (self.src.len(), self.out.len());
        let token = escape_token(token);
        for pointer in [&mut self.src, &mut self.out] {
            pointer.push('/');
            pointer.push_str(&token);
        }
        self.depth += 1;
        back
    }

    fn pop(&mut self, (src, out): (usize, usize)) {
        self.src.truncate(src);
        self.out.truncate(out);
        self.depth -= 1;
    }
}

/// The state of one bundling.
struct Bundler {
    display: String,
    root_dir: PathBuf,
    allowed: PathBuf,
    files: Vec<File>,
    /// Canonical path → index in `files`, `None` for a file that could not be read (reported
    /// once). Never iterated.
    by_path: HashMap<PathBuf, Option<usize>>,
    targets: Vec<Target>,
    /// (section, file, pointer) → index in `targets`. Never iterated.
    by_target: HashMap<(&'static str, usize, String), usize>,
    /// Root components taken by a target's claim. Never iterated.
    claimed: std::collections::HashSet<(&'static str, String)>,
    queue: VecDeque<usize>,
    /// Copied subtrees other than targets: (unit, pointer in the unit, `file#pointer`).
    inlined: Vec<(usize, String, String)>,
    /// The targets being copied in place right now, to refuse a cycle of such copies.
    inlining: Vec<(usize, String)>,
    warnings: Vec<Warning>,
    problems: Vec<Unconvertible>,
    /// YAML quirks inside schemas and headers, refused only when the document is bundled.
    quirks: Vec<Unconvertible>,
    limit: Option<LoadError>,
    bytes: usize,
    values: usize,
    copied: usize,
    changed: bool,
}

/// Marks a rewritten reference until its target has a name (`\u{1}bundle:{index}`); only the
/// bundler writes it, into `$ref` and discriminator mapping values.
const PLACEHOLDER: &str = "\u{1}bundle:";

impl Bundler {
    fn new(display: String, root_dir: PathBuf, allowed: PathBuf) -> Self {
        Bundler {
            display,
            root_dir,
            allowed,
            files: Vec::new(),
            by_path: HashMap::new(),
            targets: Vec::new(),
            by_target: HashMap::new(),
            claimed: std::collections::HashSet::new(),
            queue: VecDeque::new(),
            inlined: Vec::new(),
            inlining: Vec::new(),
            warnings: Vec::new(),
            problems: Vec::new(),
            quirks: Vec::new(),
            limit: None,
            bytes: 0,
            values: 0,
            copied: 0,
            changed: false,
        }
    }

    /// Registers the root document as file 0. Its value is kept for references into it from
    /// places copied in place, which need the nodes as written.
    fn root(&mut self, canonical: PathBuf, bytes: usize, root: &limits::Bounded) {
        let name = canonical.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        self.bytes = bytes;
        self.values = limits::count_values(&root.value);
        let mut quirks = root.quirks.clone();
        quirks.sort();
        self.files.push(File { name, dir: self.root_dir.clone(), value: root.value.clone(), quirks });
        self.by_path.insert(canonical, Some(0));
    }

    fn walk_root(&mut self, value: &mut Value) {
        let mut at = Cursor { file: 0, src: String::new(), unit: 0, out: String::new(), depth: 0 };
        self.walk(value, Kind::Document, &mut at);
    }

    /// Copies and walks every target hoisted so far, and those their walks hoist in turn.
    fn drain(&mut self) {
        while let Some(index) = self.queue.pop_front() {
            if self.limit.is_some() {
                return;
            }
            let target = &self.targets[index];
            let (file, pointer, kind) = (target.file, target.pointer.clone(), section_kind(target.section));
            let Some(mut value) = self.files[file].value.pointer(&pointer).cloned() else { continue };
            if !self.count_copy(&value, &file_pointer(&self.files[file].name, &pointer)) {
                return;
            }
            let mut at = Cursor { file, src: pointer, unit: index + 1, out: String::new(), depth: 3 };
            if let Some(kind) = kind {
                self.check_quirks(kind, &at);
                self.walk(&mut value, kind, &mut at);
            }
            self.targets[index].value = Some(value);
        }
    }

    /// Where the cursor is, as a warning or error names it: the pointer for the root document,
    /// `file#pointer` for the others.
    fn here(&self, at: &Cursor) -> String {
        match (at.file, at.src.is_empty()) {
            (0, true) => "/".to_owned(),
            (0, false) => at.src.clone(),
            (file, _) => file_pointer(&self.files[file].name, &at.src),
        }
    }

    fn problem(&mut self, at: &Cursor, message: String) {
        let pointer = self.here(at);
        self.problems.push(Unconvertible { pointer, message });
    }

    fn warn(&mut self, at: &Cursor, message: String) {
        let pointer = self.here(at);
        self.warnings.push(Warning { pointer, message });
    }

    /// Counts `value`, about to be copied, against [`MAX_VALUES`](super::MAX_VALUES) copied
    /// values in all; false (and the limit noted) when it would cross it.
    fn count_copy(&mut self, value: &Value, from: &str) -> bool {
        self.copied += limits::count_values(value);
        if self.copied <= super::MAX_VALUES {
            return true;
        }
        self.limit.get_or_insert_with(|| LoadError::Limit {
            path: self.display.clone(),
            pointer: from.to_owned(),
            message: format!(
                "the files of the document hold more than {} values once their references are copied",
                super::MAX_VALUES
            ),
        });
        false
    }
}


/// What kind of OpenAPI object a position holds; decides what a `$ref` there means and where
/// the walk goes below it. `Plain` is everything with no references of its own (info, tags,
/// servers, descriptions, unknown keys): a `$ref` there is read leniently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Document,
    Paths,
    PathItem,
    Operation,
    Parameter,
    RequestBody,
    Responses,
    Response,
    MediaType,
    Encoding,
    Header,
    Example,
    Link,
    Callback,
    SecurityScheme,
    Schema,
    Discriminator,
    Components,
    Plain,
}

/// How the walk goes below a key of an object of some kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Child {
    One(Kind),
    /// An object of names to objects of the kind (every key is a name, `x-` ones too).
    Map(Kind),
    /// A discriminator's mapping: names to references (or to schema names).
    Mapping,
    /// Data or extensions: not walked.
    Skip,
}

/// The components section of a kind that may be given by a Reference Object.
fn section_of(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Schema => "schemas",
        Kind::Response => "responses",
        Kind::Parameter => "parameters",
        Kind::RequestBody => "requestBodies",
        Kind::Header => "headers",
        Kind::Example => "examples",
        Kind::Link => "links",
        Kind::Callback => "callbacks",
        Kind::SecurityScheme => "securitySchemes",
        _ => return None,
    })
}

fn section_kind(section: &str) -> Option<Kind> {
    Some(match section {
        "schemas" => Kind::Schema,
        "responses" => Kind::Response,
        "parameters" => Kind::Parameter,
        "requestBodies" => Kind::RequestBody,
        "headers" => Kind::Header,
        "examples" => Kind::Example,
        "links" => Kind::Link,
        "callbacks" => Kind::Callback,
        "securitySchemes" => Kind::SecurityScheme,
        "pathItems" => Kind::PathItem,
        _ => return None,
    })
}

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The kind below `key` in an object of `kind` (OpenAPI 3.0 and 3.1, JSON Schema keywords).
fn child(kind: Kind, key: &str) -> Child {
    use Child::{Map as Named, Mapping, One, Skip};
    use Kind::*;
    if key.starts_with("x-") {
        return Skip;
    }
    match (kind, key) {
        (Document, "paths") => One(Paths),
        (Document, "webhooks") => Named(PathItem),
        (Document, "components") => One(Components),
        (Paths | Callback, _) => One(PathItem),
        (Responses, _) => One(Response),
        (Components, section) => section_kind(section).map_or(One(Plain), Named),
        (PathItem, method) if METHODS.contains(&method) => One(Operation),
        (PathItem | Operation, "parameters") => One(Parameter),
        (Operation, "requestBody") => One(RequestBody),
        (Operation, "responses") => One(Responses),
        (Operation, "callbacks") => Named(Callback),
        (Parameter | Header | MediaType, "schema") => One(Schema),
        (Parameter | Header | RequestBody | Response, "content") => Named(MediaType),
        (Parameter | Header | MediaType, "examples") => Named(Example),
        (Response | Encoding, "headers") => Named(Header),
        (Response, "links") => Named(Link),
        (MediaType, "encoding") => Named(Encoding),
        (Link, "parameters" | "requestBody") => Skip,
        (Schema, "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas") => Named(Schema),
        (
            Schema,
            "items"
            | "additionalProperties"
            | "not"
            | "allOf"
            | "anyOf"
            | "oneOf"
            | "prefixItems"
            | "contains"
            | "if"
            | "then"
            | "else"
            | "propertyNames"
            | "unevaluatedItems"
            | "unevaluatedProperties"
            | "additionalItems"
            | "contentSchema",
        ) => One(Schema),
        (Schema, "discriminator") => One(Discriminator),
        (Discriminator, "mapping") => Mapping,
        (_, "example" | "examples" | "default" | "enum" | "const" | "value" | "security" | "required") => Skip,
        _ => One(Plain),
    }
}

impl Bundler {
    /// Walks `value`, an object of `kind` at `at`, rewriting the references in it.
    fn walk(&mut self, value: &mut Value, kind: Kind, at: &mut Cursor) {
        if at.depth > super::MAX_NESTING {
            let pointer = self.here(at);
            let message =
                format!("the document nests deeper than {} levels once its files are joined", super::MAX_NESTING);
            self.limit.get_or_insert_with(|| LoadError::Limit { path: self.display.clone(), pointer, message });
            return;
        }
        if self.limit.is_some() {
            return;
        }
        if let Some(reference) = value.get("$ref").and_then(Value::as_str).map(str::to_owned) {
            if self.reference(value, &reference, kind, at) {
                return;
            }
        }
        match value {
            Value::Object(map) => {
                for (key, child_value) in map.iter_mut() {
                    if key == "$ref" {
                        continue;
                    }
                    let back = at.push(key);
                    self.walk_child(child_value, kind, child(kind, key), at);
                    at.pop(back);
                }
                if kind == Kind::Schema && at.file != 0 {
                    // Definitions of another file only hold what its references name, and each
                    // of those is hoisted; left in the copy, they would become types twice.
                    map.remove("$defs");
                    map.remove("definitions");
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter_mut().enumerate() {
                    let back = at.push(&index.to_string());
                    self.walk(item, kind, at);
                    at.pop(back);
                }
            }
            _ => {}
        }
    }

    fn walk_child(&mut self, value: &mut Value, parent: Kind, child: Child, at: &mut Cursor) {
        match child {
            Child::Skip => {}
            Child::One(kind) => {
                if parent != kind {
                    self.check_quirks(kind, at);
                }
                self.walk(value, kind, at);
            }
            Child::Map(kind) => {
                if let Some(reference) = value.get("$ref").and_then(Value::as_str).map(str::to_owned) {
                    return self.map_reference(value, &reference, kind, parent, at);
                }
                let Value::Object(map) = value else { return };
                for (name, entry) in map.iter_mut() {
                    let back = at.push(name);
                    if parent != kind {
                        self.check_quirks(kind, at);
                    }
                    self.walk(entry, kind, at);
                    at.pop(back);
                }
            }
            Child::Mapping => {
                let Value::Object(map) = value else { return };
                for (name, entry) in map.iter_mut() {
                    let Value::String(reference) = entry else { continue };
                    let back = at.push(name);
                    if let Some(rewritten) = self.mapping(name, reference, at) {
                        *reference = rewritten;
                    }
                    at.pop(back);
                }
            }
        }
    }

    /// `properties: {$ref: attributes.yml#/x}`: a whole map given by reference, where OpenAPI
    /// allows none; read as the map it points to (a root components section: each entry
    /// hoisted under its name).
    fn map_reference(&mut self, value: &mut Value, reference: &str, kind: Kind, parent: Kind, at: &mut Cursor) {
        let Some((file, pointer)) = self.resolve(reference, at) else { return };
        let message = format!(
            "`$ref` in place of a map of {}, where OpenAPI allows no Reference Object; read as the map it points to",
            section_of(kind).unwrap_or("named objects")
        );
        self.warn(at, message);
        match section_of(kind).filter(|_| parent == Kind::Components && at.unit == 0) {
            Some(section) => self.hoist_section(value, section, file, &pointer, at),
            None => self.inline(value, file, pointer, Child::Map(kind), parent, at),
        }
    }

    /// The `$ref` of an object of `kind`: hoisted where OpenAPI allows a Reference Object,
    /// copied in place elsewhere. True when the walk of `value` is done (copied and walked, or
    /// left alone).
    fn reference(&mut self, value: &mut Value, reference: &str, kind: Kind, at: &mut Cursor) -> bool {
        if kind == Kind::Plain && value.as_object().is_some_and(|map| map.len() > 1) {
            // Data that happens to hold a `$ref` key beside others (a descriptive object) is
            // not a reference; only `{$ref: …}` alone is read as one in such places.
            return false;
        }
        let local = reference.starts_with('#');
        if at.file == 0 && local && (section_of(kind).is_some() || kind == Kind::PathItem) {
            // The root's own references are the usual load's and lowering's to follow.
            return false;
        }
        let Some((file, pointer)) = self.resolve(reference, at) else { return true };
        if let Some(section) = section_of(kind) {
            let alone = value.as_object().is_some_and(|map| map.len() == 1);
            let rewritten = self.hoist(section, file, &pointer, reference, alone, at);
            if let (Some(rewritten), Some(slot)) = (rewritten, value.get_mut("$ref")) {
                self.changed |= rewritten != reference;
                *slot = Value::String(rewritten);
            }
            return false;
        }
        if kind == Kind::PathItem && file == 0 {
            // A path item's reference into the root is lowering's to follow (it names the
            // operations after the path that refers).
            if let Some(slot) = value.get_mut("$ref") {
                self.changed |= reference != format!("#{pointer}");
                *slot = Value::String(format!("#{pointer}"));
            }
            return false;
        }
        if kind != Kind::PathItem {
            let target = if file == 0 { pointer.clone() } else { file_pointer(&self.files[file].name, &pointer) };
            let what = match describe(kind) {
                "" => String::new(),
                what => format!(" ({what})"),
            };
            self.warn(
                at,
                format!(
                    "`$ref` where OpenAPI allows no Reference Object{what}; read as the value it points to, `{target}`"
                ),
            );
        }
        self.inline(value, file, pointer, Child::One(kind), kind, at);
        true
    }

    /// The rewritten reference to (`file`, `pointer`) as a `kind` in `section`: the root's own
    /// node for a target in the root, else a placeholder for the hoisted copy. `None` when the
    /// target does not exist (reported).
    fn hoist(
        &mut self,
        section: &'static str,
        file: usize,
        pointer: &str,
        reference: &str,
        alone: bool,
        at: &Cursor,
    ) -> Option<String> {
        if self.files[file].value.pointer(pointer).is_none() {
            let name = &self.files[file].name;
            let message = format!("`$ref: {reference}` points to nothing: `{name}` has no `{pointer}`");
            self.problem(at, message);
            return None;
        }
        if file == 0 {
            return Some(format!("#{pointer}"));
        }
        let key = (section, file, pointer.to_owned());
        let index = match self.by_target.get(&key) {
            Some(&index) => index,
            None => {
                let base = base_name(section, &self.files[file].name, pointer);
                let index = self.targets.len();
                self.targets.push(Target {
                    section,
                    file,
                    pointer: pointer.to_owned(),
                    base,
                    claim: None,
                    value: None,
                });
                self.by_target.insert(key, index);
                self.queue.push_back(index);
                index
            }
        };
        if let Some(name) = root_component_slot(section, at).filter(|_| alone) {
            if self.targets[index].claim.is_none() && !self.claimed.contains(&(section, name.to_owned())) {
                self.claimed.insert((section, name.to_owned()));
                self.targets[index].claim = Some(name.to_owned());
            }
        }
        Some(format!("{PLACEHOLDER}{index}"))
    }

    /// A root components section given by `$ref` (`schemas: {$ref: schemas.yml}`): each of the
    /// target's entries hoisted under its own name, so that references to the entries from
    /// elsewhere (`schemas.yml#/Pet`) name the same component.
    fn hoist_section(&mut self, value: &mut Value, section: &'static str, file: usize, pointer: &str, at: &mut Cursor) {
        let Some(Value::Object(entries)) = self.files[file].value.pointer(pointer) else {
            let name = &self.files[file].name;
            let message =
                format!("`$ref` in place of `{section}` points to no object: `{name}` has no map at `{pointer}`");
            return self.problem(at, message);
        };
        let names: Vec<String> = entries.keys().cloned().collect();
        let mut section_map = Map::new();
        for name in names {
            let entry = format!("{pointer}/{}", escape_token(&name));
            let back = at.push(&name);
            let reference = file_pointer(&self.files[file].name, &entry);
            if let Some(rewritten) = self.hoist(section, file, &entry, &reference, true, at) {
                section_map
                    .insert(name, Value::Object(Map::from_iter([("$ref".to_owned(), Value::String(rewritten))])));
            }
            at.pop(back);
        }
        *value = Value::Object(section_map);
        self.changed = true;
    }

    /// Replaces `value` by a copy of (`file`, `pointer`) with `value`'s other keys over it,
    /// and walks the copy as `child` of a `parent` in the file it came from.
    fn inline(&mut self, value: &mut Value, file: usize, pointer: String, child: Child, parent: Kind, at: &mut Cursor) {
        let name = self.files[file].name.clone();
        let Some(mut copy) = self.files[file].value.pointer(&pointer).cloned() else {
            let message = format!("`$ref` points to nothing: `{name}` has no `{pointer}`");
            return self.problem(at, message);
        };
        if self.inlining.contains(&(file, pointer.clone())) {
            let message = format!(
                "`$ref` to `{}` leads back to itself through places that cannot be components",
                file_pointer(&name, &pointer)
            );
            return self.problem(at, message);
        }
        if !self.count_copy(&copy, &file_pointer(&name, &pointer)) {
            return;
        }
        if self.inlining.len() >= super::MAX_NESTING {
            // Each copy in place of a copy is one more level of the walk's recursion.
            let pointer = self.here(at);
            let message = format!("more than {} references in a row are copied in place here", super::MAX_NESTING);
            self.limit.get_or_insert_with(|| LoadError::Limit { path: self.display.clone(), pointer, message });
            return;
        }
        let mut siblings = match value {
            Value::Object(map) => std::mem::take(map),
            _ => Map::new(),
        };
        siblings.remove("$ref");
        self.changed = true;
        self.inlined.push((at.unit, at.out.clone(), format!("{name}#{pointer}")));
        self.inlining.push((file, pointer.clone()));
        let mut inner = Cursor { file, src: pointer, unit: at.unit, out: std::mem::take(&mut at.out), depth: at.depth };
        if let Child::One(kind) | Child::Map(kind) = child {
            self.check_quirks(kind, &inner);
        }
        self.walk_child(&mut copy, parent, child, &mut inner);
        at.out = inner.out;
        self.inlining.pop();
        // The keys beside `$ref` are read in the file that wrote them, then win over the copy's.
        if !siblings.is_empty() {
            let mut siblings = Value::Object(siblings);
            self.walk_child(&mut siblings, parent, child, at);
            if let (Value::Object(into), Value::Object(siblings)) = (&mut copy, siblings) {
                into.extend(siblings);
            }
        }
        *value = copy;
    }

    /// A discriminator mapping value that is a reference (holds `#` or `/`, or names a file):
    /// rewritten like a schema's `$ref`. Plain schema names are left alone.
    fn mapping(&mut self, name: &str, reference: &str, at: &Cursor) -> Option<String> {
        let is_reference =
            reference.contains(['#', '/']) || [".yml", ".yaml", ".json"].iter().any(|e| reference.ends_with(e));
        if !is_reference || (at.file == 0 && reference.starts_with('#')) {
            return None;
        }
        let (file, pointer) = match self.resolve_reference(reference, at) {
            Ok(target) => target,
            Err(message) => {
                let message = format!("discriminator value `{name}` maps to `{reference}`, which {message}");
                self.problem(at, message);
                return None;
            }
        };
        self.hoist("schemas", file, &pointer, reference, false, at)
    }

    /// The file and pointer `reference` names, read relative to the file at `at`; `None` (and
    /// the problem reported) when it cannot be followed.
    fn resolve(&mut self, reference: &str, at: &Cursor) -> Option<(usize, String)> {
        match self.resolve_reference(reference, at) {
            Ok(target) => Some(target),
            Err(message) => {
                self.problem(at, format!("`$ref: {reference}` {message}"));
                None
            }
        }
    }

    fn resolve_reference(&mut self, reference: &str, at: &Cursor) -> Result<(usize, String), String> {
        let (file_part, pointer) = split_reference(reference)?;
        if file_part.is_empty() {
            return Ok((at.file, pointer));
        }
        let path = resolve_path(&self.allowed, &self.files[at.file].dir, &file_part, self.allowed != self.root_dir)?;
        match self.by_path.get(&path) {
            Some(Some(index)) => Ok((*index, pointer)),
            Some(None) => Err(format!("names `{}`, which could not be read (see above)", self.relative(&path))),
            None => {
                let read = self.read_file(&path);
                self.by_path.insert(path, read.as_ref().ok().copied());
                read.map(|index| (index, pointer))
            }
        }
    }

    /// Reads and parses one more file, counting it against the limits.
    fn read_file(&mut self, path: &Path) -> Result<usize, String> {
        let name = self.relative(path);
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("names `{name}`, a file that cannot be read: {e}"))?;
        self.bytes += text.len();
        if self.bytes > super::MAX_DOCUMENT_BYTES {
            self.limit.get_or_insert_with(|| LoadError::Limit {
                path: self.display.clone(),
                pointer: name.clone(),
                message: format!(
                    "the files of the document hold more than {} bytes (64 MiB)",
                    super::MAX_DOCUMENT_BYTES
                ),
            });
            return Err(format!("names `{name}`, which is beyond the limits"));
        }
        let bounded = read_value(&text)
            .map_err(|refusal| format!("names `{name}`, which cannot be read: {}", refusal_text(&refusal)))?;
        self.values += limits::count_values(&bounded.value);
        if self.values > super::MAX_VALUES {
            self.limit.get_or_insert_with(|| LoadError::Limit {
                path: self.display.clone(),
                pointer: name.clone(),
                message: format!("the files of the document hold more than {} values", super::MAX_VALUES),
            });
            return Err(format!("names `{name}`, which is beyond the limits"));
        }
        let mut quirks = bounded.quirks;
        quirks.sort();
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        self.files.push(File { name, dir, value: bounded.value, quirks });
        Ok(self.files.len() - 1)
    }

    /// `path` relative to the root's folder, `/`-separated.
    fn relative(&self, path: &Path) -> String {
        relative_name(&self.root_dir, path)
    }

    /// A YAML quirk inside a schema or header is refused, as the single-file load refuses it
    /// (the bundled JSON text no longer carries it).
    fn check_quirks(&mut self, kind: Kind, at: &Cursor) {
        if !matches!(kind, Kind::Schema | Kind::Header) {
            return;
        }
        let quirks = &self.files[at.file].quirks;
        let first = quirks.partition_point(|q| q.pointer.as_str() < at.src.as_str());
        let inside = quirks[first..]
            .iter()
            .take_while(|q| q.pointer.starts_with(&at.src))
            .find(|q| q.pointer.len() == at.src.len() || q.pointer.as_bytes().get(at.src.len()) == Some(&b'/'));
        if let Some(quirk) = inside.cloned() {
            let pointer =
                if at.file == 0 { quirk.pointer } else { file_pointer(&self.files[at.file].name, &quirk.pointer) };
            self.quirks.push(Unconvertible { pointer, message: quirk.message });
        }
    }
}

/// The name of the root component the cursor is at (`/components/{section}/{name}` of the
/// bundled root, also when a file gave the whole section), if it is one.
fn root_component_slot<'a>(section: &str, at: &'a Cursor) -> Option<&'a str> {
    if at.unit != 0 {
        return None;
    }
    let rest = at.out.strip_prefix("/components/")?.strip_prefix(section)?.strip_prefix('/')?;
    // Names are single tokens; an escaped one (`~1`) is left as an alias rather than unescaped.
    (!rest.contains(['/', '~'])).then_some(rest)
}

/// `file#pointer`, or `file` alone for the whole file.
fn file_pointer(file: &str, pointer: &str) -> String {
    if pointer.is_empty() {
        file.to_owned()
    } else {
        format!("{file}#{pointer}")
    }
}

/// What OpenAPI calls an object of `kind`, for warnings.
fn describe(kind: Kind) -> &'static str {
    match kind {
        Kind::Operation => "an Operation Object",
        Kind::Document => "the document itself",
        Kind::Paths => "the Paths Object",
        Kind::Responses => "a Responses Object",
        Kind::MediaType => "a Media Type Object",
        Kind::Encoding => "an Encoding Object",
        Kind::Components => "the Components Object",
        Kind::Discriminator => "a Discriminator Object",
        _ => "",
    }
}

/// A limits refusal of a referenced file, as one line.
fn refusal_text(refusal: &limits::Refusal) -> String {
    match refusal {
        limits::Refusal::Syntax { location, message } => format!("{location}: {message}"),
        limits::Refusal::Limit { pointer, message } => format!("at {pointer}: {message}"),
        limits::Refusal::DuplicateKey { pointer, key } => {
            format!("at {pointer}: the key `{key}` appears twice in one object; keys must be unique")
        }
    }
}

/// A reference split into its file part and its JSON pointer, both percent-decoded. URLs and
/// anchors (`#name`) are refused: nothing is fetched, and only JSON pointers are read.
fn split_reference(reference: &str) -> Result<(String, String), String> {
    if let Some(scheme) = scheme_of(reference) {
        return Err(if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
            "is a URL; remote references are not fetched, only files under the document's folder are read".to_owned()
        } else {
            "is not a relative file reference; only files under the document's folder are read".to_owned()
        });
    }
    let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let fragment = percent_decode(fragment);
    if !fragment.is_empty() && !fragment.starts_with('/') {
        return Err(format!("ends in `#{fragment}`, which is not a JSON pointer (anchors are not read)"));
    }
    let file = file.split_once('?').map_or(file, |(file, _)| file);
    Ok((percent_decode(file), fragment))
}

/// The URI scheme of `reference` (`https` of `https://…`), if it has one.
fn scheme_of(reference: &str) -> Option<&str> {
    let (scheme, _) = reference.split_once(':')?;
    let mut chars = scheme.chars();
    let first_is_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    // One letter is a Windows drive (`C:`), not a scheme.
    (first_is_letter && rest_ok && scheme.len() > 1).then_some(scheme)
}

/// `%XX` escapes decoded (as UTF-8; an invalid escape is kept as written).
fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_owned();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes.get(index + 1..index + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[index], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                index += 3;
            }
            (byte, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// The canonical path of `file` (a reference's file part) read relative to `dir`, refused when
/// it lies outside `allowed`: first as written (`..` resolved), then canonical (symbolic links
/// resolved), so that neither leads out.
fn resolve_path(allowed: &Path, dir: &Path, file: &str, widened: bool) -> Result<PathBuf, String> {
    let outside = || {
        match widened {
        false => "leads outside the folder of the root document; references are read only from files under it (`--ref-root DIR` names a wider folder)",
        true => "leads outside the ref root; references are read only from files under it",
    }
    .to_owned()
    };
    let joined = dir.join(file);
    let mut normal = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    if !normal.starts_with(allowed) {
        return Err(outside());
    }
    let canonical = normal.canonicalize().map_err(|e| format!("names `{file}`, a file that cannot be read: {e}"))?;
    if !canonical.starts_with(allowed) {
        return Err(outside());
    }
    if !canonical.is_file() {
        return Err(format!("names `{file}`, which is not a file"));
    }
    Ok(canonical)
}

/// `path` relative to `base` (both canonical), `/`-separated, with `..` where it lies outside.
fn relative_name(base: &Path, path: &Path) -> String {
    let base: Vec<_> = base.components().collect();
    let path: Vec<_> = path.components().collect();
    let common = base.iter().zip(&path).take_while(|(a, b)| a == b).count();
    let ups = std::iter::repeat_n("..".to_owned(), base.len() - common);
    let downs = path[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned());
    ups.chain(downs).collect::<Vec<_>>().join("/")
}

/// The name a target asks for in its section: the component name of
/// `…#/components/{section}/{name}` or `…#/definitions/{name}`, the token of a one-token
/// pointer, else the file's stem (followed by the pointer's tokens when there are any).
fn base_name(_section: &str, file: &str, pointer: &str) -> String {
    let tokens: Vec<String> = pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~")).collect();
    let stem = file.rsplit('/').next().unwrap_or(file);
    let stem = stem.split_once('.').map_or(stem, |(stem, _)| stem);
    let name = match tokens.as_slice() {
        [] => stem.to_owned(),
        [name] => name.clone(),
        [first, _, name] if first == "components" => name.clone(),
        [first, name] if first == "definitions" || first == "$defs" => name.clone(),
        more => format!("{stem}_{}", more.join("_")),
    };
    let clean: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    if clean.is_empty() {
        "component".to_owned()
    } else {
        clean
    }
}

impl Bundler {
    /// The name of each target (see the module documentation for the tie-breaks).
    fn names(&self, root: &Value) -> Vec<String> {
        let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
        let mut names = vec![String::new(); self.targets.len()];
        for (index, target) in self.targets.iter().enumerate() {
            match &target.claim {
                Some(claim) => names[index] = claim.clone(),
                None => groups.entry((target.section, target.base.as_str())).or_default().push(index),
            }
        }
        let in_root = |section: &str, name: &str| {
            root.get("components").and_then(|c| c.get(section)).and_then(|s| s.get(name)).is_some()
        };
        let mut taken: BTreeSet<(&str, String)> =
            groups.keys().map(|&(section, base)| (section, base.to_owned())).collect();
        taken.extend(self.targets.iter().filter_map(|t| Some((t.section, t.claim.clone()?))));
        if let Some(Value::Object(components)) = root.get("components") {
            for (section, names) in components.iter().filter_map(|(s, v)| Some((s.as_str(), v.as_object()?))) {
                taken.extend(names.keys().map(|name| (section, name.clone())));
            }
        }
        for ((section, base), mut members) in groups {
            // The file nearest the root first, then by path and pointer.
            members.sort_by_cached_key(|&i| {
                let name = &self.files[self.targets[i].file].name;
                (name.matches('/').count(), name.clone(), self.targets[i].pointer.clone())
            });
            let mut suffix = 1;
            for (position, &member) in members.iter().enumerate() {
                if position == 0 && !in_root(section, base) {
                    names[member] = base.to_owned();
                    continue;
                }
                loop {
                    suffix += 1;
                    let candidate = format!("{base}_{suffix}");
                    if taken.insert((section, candidate.clone())) {
                        names[member] = candidate;
                        break;
                    }
                }
            }
        }
        names
    }

    /// The bundled document: the walked root with every target in its components section and
    /// every placeholder replaced by the target's reference; and where its parts came from.
    fn assemble(&mut self, mut root: Value) -> Result<(Value, Origins), LoadError> {
        let names = self.names(&root);
        let pointers: Vec<String> = self
            .targets
            .iter()
            .zip(&names)
            .map(|(target, name)| format!("/components/{}/{}", target.section, escape_token(name)))
            .collect();
        let mut origins = Origins::default();
        for (unit, out, origin) in &self.inlined {
            let base = if *unit == 0 { "" } else { pointers[unit - 1].as_str() };
            origins.by_prefix.insert(format!("{base}{out}"), origin.clone());
        }
        replace_placeholders(&mut root, &pointers);
        let shape = |message: &str| LoadError::Shape {
            path: self.display.clone(),
            pointer: "/components".to_owned(),
            message: message.to_owned(),
        };
        let Value::Object(document) = &mut root else { return Err(shape("the document is not an object")) };
        let components = document.entry("components").or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(components) = components else { return Err(shape("`components` is not an object")) };
        for ((target, name), pointer) in self.targets.iter_mut().zip(names).zip(&pointers) {
            let Some(mut value) = target.value.take() else { continue };
            replace_placeholders(&mut value, &pointers);
            let section = components.entry(target.section).or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(section) = section else { return Err(shape("a components section is not an object")) };
            section.insert(name, value);
            origins.by_prefix.insert(pointer.clone(), format!("{}#{}", self.files[target.file].name, target.pointer));
        }
        Ok((root, origins))
    }
}

/// Every placeholder in a `$ref` or a discriminator mapping replaced by `#` and the pointer of
/// its target.
fn replace_placeholders(value: &mut Value, pointers: &[String]) {
    let replace = |text: &mut String| {
        let Some(index) = text.strip_prefix(PLACEHOLDER).and_then(|i| i.parse::<usize>().ok()) else { return };
        if let Some(pointer) = pointers.get(index) {
            *text = format!("#{pointer}");
        }
    };
    let mut pending = vec![value];
    while let Some(node) = pending.pop() {
        match node {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    match (key.as_str(), &mut *child) {
                        ("$ref", Value::String(text)) => replace(text),
                        ("mapping", Value::Object(mapping)) => mapping
                            .values_mut()
                            .filter_map(|v| if let Value::String(t) = v { Some(t) } else { None })
                            .for_each(replace),
                        _ => {}
                    }
                    pending.push(child);
                }
            }
            Value::Array(items) => pending.extend(items.iter_mut()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder `root/` with `root/models/a.yml` and `outside.yml` beside `root/`.
    fn scratch(name: &str) -> (PathBuf, PathBuf) {
        let base = std::env::temp_dir().join(format!("generator-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("root/models")).expect("scratch folder");
        std::fs::write(base.join("root/models/a.yml"), "type: string\n").expect("file");
        std::fs::write(base.join("outside.yml"), "type: string\n").expect("file");
        let base = base.canonicalize().expect("canonical");
        (base.join("root"), base)
    }

    #[test]
    fn dot_dot_under_the_root_is_followed() {
        let (root, _) = scratch("dotdot");
        let found = resolve_path(&root, &root.join("models"), "../models/./a.yml", false);
        assert_eq!(found, Ok(root.join("models/a.yml")));
    }

    #[test]
    fn leaving_the_root_is_refused_unless_the_ref_root_holds_it() {
        let (root, base) = scratch("leave");
        let refused = resolve_path(&root, &root, "../outside.yml", false).expect_err("outside");
        assert!(refused.starts_with("leads outside the folder of the root document"), "{refused}");
        assert!(resolve_path(&root, &root, "/etc/hostname", false).is_err());
        assert_eq!(resolve_path(&base, &root, "../outside.yml", true), Ok(base.join("outside.yml")));
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_out_of_the_root_is_refused() {
        let (root, base) = scratch("symlink");
        std::os::unix::fs::symlink(base.join("outside.yml"), root.join("models/link.yml")).expect("symlink");
        std::os::unix::fs::symlink(&base, root.join("up")).expect("symlink");
        for file in ["models/link.yml", "up/outside.yml"] {
            let refused = resolve_path(&root, &root, file, false).expect_err(file);
            assert!(refused.starts_with("leads outside"), "{file}: {refused}");
        }
    }

    #[test]
    fn a_missing_file_is_named() {
        let (root, _) = scratch("missing");
        let refused = resolve_path(&root, &root, "models/b.yml", false).expect_err("missing");
        assert!(refused.starts_with("names `models/b.yml`, a file that cannot be read"), "{refused}");
    }

    #[test]
    fn references_split_into_file_and_pointer() {
        let split = |r: &str| split_reference(r);
        assert_eq!(split("models/a.yml"), Ok(("models/a.yml".to_owned(), String::new())));
        assert_eq!(split("a%20b.yml#/x~1y/%7Bid%7D"), Ok(("a b.yml".to_owned(), "/x~1y/{id}".to_owned())));
        assert_eq!(split("#/components/schemas/A"), Ok((String::new(), "/components/schemas/A".to_owned())));
        assert!(split("https://example.com/a.yml").expect_err("url").starts_with("is a URL"));
        assert!(split("HTTP://example.com/a.yml").expect_err("url").starts_with("is a URL"));
        assert!(split("file:///etc/passwd").expect_err("scheme").starts_with("is not a relative file reference"));
        assert!(split("a.yml#anchor").expect_err("anchor").contains("not a JSON pointer"));
    }

    #[test]
    fn names_come_from_the_component_else_the_stem() {
        assert_eq!(base_name("schemas", "shared.yaml", "/components/schemas/Error"), "Error");
        assert_eq!(base_name("schemas", "models/droplet.yml", ""), "droplet");
        assert_eq!(base_name("parameters", "parameters.yml", "/droplet_id"), "droplet_id");
        assert_eq!(base_name("schemas", "models/a.yml", "/definitions/Tag"), "Tag");
        assert_eq!(base_name("schemas", "models/a.v2.yml", "/properties/b c"), "a_properties_b_c");
    }

    #[test]
    fn origins_replace_the_longest_copied_prefix() {
        let mut origins = Origins::default();
        origins.by_prefix.insert("/components/schemas/pet".to_owned(), "models/pet.yml#".to_owned());
        origins.by_prefix.insert("/paths/~1a/get".to_owned(), "ops/a.yml#".to_owned());
        origins.by_prefix.insert("/paths/~1a/get/responses/200".to_owned(), "r.yml#/ok".to_owned());
        assert_eq!(origins.locate("/components/schemas/pet/properties/id"), "models/pet.yml#/properties/id");
        assert_eq!(origins.locate("/components/schemas/pet"), "models/pet.yml");
        assert_eq!(origins.locate("/components/schemas/pets"), "/components/schemas/pets");
        assert_eq!(origins.locate("/paths/~1a/get/responses/200/content"), "r.yml#/ok/content");
        assert_eq!(origins.locate("/paths/~1a/get/parameters/0"), "ops/a.yml#/parameters/0");
        assert_eq!(origins.locate("/"), "/");
    }

    #[test]
    fn relative_names_climb_with_dot_dot() {
        let base = Path::new("/a/b");
        assert_eq!(relative_name(base, Path::new("/a/b/c/d.yml")), "c/d.yml");
        assert_eq!(relative_name(base, Path::new("/a/x.yml")), "../x.yml");
    }
}
