//! OpenAPI 3.1 → 3.0: a 3.1 document, as a JSON value, rewritten in place to the 3.0 document
//! that means the same, so the rest of the pipeline reads one version.
//!
//! What has a 3.0 equivalent is rewritten: `type` arrays (`[T, "null"]` → `nullable`, several
//! types → `anyOf`), `{type: "null"}` members of `anyOf`/`oneOf` → `nullable`, `const` →
//! single-value `enum`, `examples` → `example`, numeric `exclusiveMinimum`/`exclusiveMaximum`,
//! `$ref` with sibling keywords (`allOf: [{$ref}]` plus the siblings; pure annotations beside a
//! `$ref` are dropped), `contentEncoding`/`contentMediaType` → `format: byte`/`binary`, boolean
//! schemas, `$defs` (hoisted into `components/schemas`, references rewritten),
//! `components/pathItems` (inlined where referenced), optional `paths`.
//!
//! What only annotates or validates is dropped with a warning (`webhooks`, `propertyNames`,
//! `contains`, `dependentRequired`, conditionals that only add constraints, `mutualTLS` security
//! schemes, ...). What changes
//! the shape of data and has no 3.0 equivalent (`prefixItems`, conditionals or
//! `dependentSchemas` that declare properties, `unevaluatedProperties` schemas beside
//! composition) is refused with the JSON pointer of the construct. (`$recursiveRef` and
//! `$dynamicRef` are read as `$ref`s before this runs, by `dynamic`.)

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::ir::Warning;
use crate::pointer::{child, escape_token};

/// One construct of a 3.1 document that has no 3.0 equivalent.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unconvertible {
    /// JSON pointer of the construct in the 3.1 document.
    pub pointer: String,
    /// What it is and why it cannot be converted.
    pub message: String,
}

/// The dialect every 3.1 document uses unless it says otherwise.
const DEFAULT_DIALECT: &str = "https://spec.openapis.org/oas/3.1/dialect/base";

/// Rewrites `doc` (a 3.1 document) to 3.0.3. Returns the warnings for what was dropped, or every
/// construct that could not be converted.
pub fn convert(doc: &mut Value) -> Result<Vec<Warning>, Vec<Unconvertible>> {
    let mut converter = Converter::default();
    match doc {
        Value::Object(root) => converter.convert_root(root),
        _ => converter.refuse("/", "the document is not an object"),
    }
    if converter.problems.is_empty() {
        converter.warnings.sort();
        converter.warnings.dedup();
        Ok(converter.warnings)
    } else {
        converter.problems.sort();
        converter.problems.dedup();
        Err(converter.problems)
    }
}

#[derive(Default)]
struct Converter {
    warnings: Vec<Warning>,
    problems: Vec<Unconvertible>,
    /// Component schema names in use (existing and hoisted).
    taken_names: BTreeSet<String>,
    /// `$defs` entries moved to `components/schemas`: new name and schema, in document order.
    hoisted: Vec<(String, Value)>,
    /// Old reference (`#/components/schemas/A/$defs/B`) → new component name.
    renamed_refs: BTreeMap<String, String>,
}


/// Object keys that name things (paths, media types, status codes), whose values are walked
/// without looking at the key.
const NAME_MAPS: &[&str] = &["paths", "content", "headers", "responses", "encoding", "variables"];

/// Keys of non-schema objects whose values are example data or otherwise never hold schemas.
const DATA_KEYS: &[&str] = &["example", "examples", "links", "default", "enum", "const", "value"];

impl Converter {
    fn warn(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Warning { pointer: pointer.into(), message: message.into() });
    }

    fn refuse(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Unconvertible { pointer: pointer.into(), message: message.into() });
    }

    fn convert_root(&mut self, root: &mut Map<String, Value>) {
        root.insert("openapi".to_owned(), Value::String("3.0.3".to_owned()));
        if let Some(dialect) = root.remove("jsonSchemaDialect") {
            if dialect.as_str() != Some(DEFAULT_DIALECT) {
                self.warn(
                    "/jsonSchemaDialect",
                    format!(
                        "the schema dialect {dialect} is ignored; schemas are read as the OpenAPI 3.1 base dialect"
                    ),
                );
            }
        }
        if let Some(webhooks) = root.remove("webhooks") {
            if webhooks.as_object().is_some_and(|w| !w.is_empty()) {
                self.warn("/webhooks", "webhooks are not generated (OpenAPI 3.0 has no webhooks)");
            }
        }
        if let Some(Value::Object(info)) = root.get_mut("info") {
            info.remove("summary");
            if let Some(Value::Object(license)) = info.get_mut("license") {
                license.remove("identifier");
            }
        }
        if !root.contains_key("paths") {
            root.insert("paths".to_owned(), Value::Object(Map::new()));
        }
        self.inline_path_items(root);
        self.drop_mutual_tls(root);
        if let Some(Value::Object(paths)) = root.get_mut("paths") {
            paths.values_mut().for_each(fill_missing_responses);
        }
        if let Some(Value::Object(schemas)) = root.get("components").and_then(|c| c.get("schemas")) {
            self.taken_names.extend(schemas.keys().cloned());
        }
        for (key, value) in root.iter_mut() {
            let at = child("", key);
            match key.as_str() {
                "components" => self.walk_components(value, &at),
                "paths" => self.walk_name_map(value, &at),
                _ if key.starts_with("x-") => {}
                "info" | "servers" | "tags" | "externalDocs" | "security" | "openapi" => {}
                _ => self.walk_node(value, &at),
            }
        }
        self.hoist_defs(root);
    }

    /// `paths: {/a: {$ref: '#/components/pathItems/A'}}`: 3.0 has no `pathItems` component, so
    /// each reference is replaced by the item it names.
    fn inline_path_items(&mut self, root: &mut Map<String, Value>) {
        let items = match root.get_mut("components").and_then(Value::as_object_mut) {
            Some(components) => match components.remove("pathItems") {
                Some(Value::Object(items)) => items,
                _ => return,
            },
            None => return,
        };
        let Some(Value::Object(paths)) = root.get_mut("paths") else { return };
        for (path, item) in paths.iter_mut() {
            let Some(reference) = item.get("$ref").and_then(Value::as_str) else { continue };
            let at = format!("{}/$ref", child("/paths", path));
            match reference.strip_prefix("#/components/pathItems/") {
                Some(name) => match items.get(&name.replace("~1", "/").replace("~0", "~")) {
                    Some(target) => *item = target.clone(),
                    None => {
                        self.refuse(at, format!("`$ref: {reference}` points to nothing: there is no such path item"))
                    }
                },
                None => self.refuse(
                    at,
                    format!(
                        "`$ref: {reference}` is not supported: a path item may only reference `#/components/pathItems`"
                    ),
                ),
            }
        }
    }

    /// `mutualTLS` schemes are removed, and their names from every security requirement: the
    /// certificate is configured on the TLS connection, outside what the spec generates.
    fn drop_mutual_tls(&mut self, root: &mut Map<String, Value>) {
        let Some(Value::Object(schemes)) = root.get_mut("components").and_then(|c| c.get_mut("securitySchemes")) else {
            return;
        };
        let dropped: Vec<String> = schemes
            .iter()
            .filter(|(_, scheme)| scheme.get("type").and_then(Value::as_str) == Some("mutualTLS"))
            .map(|(name, _)| name.clone())
            .collect();
        for name in &dropped {
            schemes.remove(name);
            self.warn(
                child("/components/securitySchemes", name),
                "`type: mutualTLS` has no OpenAPI 3.0 equivalent; the scheme is dropped (configure the client certificate on the HTTP client)",
            );
        }
        if !dropped.is_empty() {
            strip_requirements_in(root, &dropped);
        }
    }

    fn walk_components(&mut self, components: &mut Value, at: &str) {
        let Value::Object(components) = components else { return };
        for (kind, entries) in components.iter_mut() {
            let kind_at = child(at, kind);
            let Value::Object(entries) = entries else { continue };
            for (name, entry) in entries.iter_mut() {
                let entry_at = child(&kind_at, name);
                match kind.as_str() {
                    "schemas" => self.walk_schema(entry, &entry_at),
                    "securitySchemes" => {}
                    "callbacks" => self.walk_name_map(entry, &entry_at),
                    "examples" | "links" => {}
                    _ if kind.starts_with("x-") => {}
                    _ => self.walk_node(entry, &entry_at),
                }
            }
        }
    }

    /// A map whose keys are names (paths, status codes, media types): each value is walked.
    fn walk_name_map(&mut self, node: &mut Value, at: &str) {
        if let Value::Object(map) = node {
            for (key, value) in map.iter_mut() {
                if !key.starts_with("x-") {
                    self.walk_node(value, &child(at, key));
                }
            }
        }
    }

    /// Any non-schema node: finds the schemas below it.
    fn walk_node(&mut self, node: &mut Value, at: &str) {
        match node {
            Value::Object(map) => {
                for (key, value) in map.iter_mut() {
                    let key_at = child(at, key);
                    match key.as_str() {
                        "schema" => self.walk_schema(value, &key_at),
                        "callbacks" => {
                            if let Value::Object(callbacks) = value {
                                for (name, callback) in callbacks.iter_mut() {
                                    if let Value::Object(expressions) = callback {
                                        expressions.values_mut().for_each(fill_missing_responses);
                                    }
                                    self.walk_name_map(callback, &child(&key_at, name));
                                }
                            }
                        }
                        _ if NAME_MAPS.contains(&key.as_str()) => self.walk_name_map(value, &key_at),
                        _ if DATA_KEYS.contains(&key.as_str()) || key.starts_with("x-") => {}
                        _ => self.walk_node(value, &key_at),
                    }
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter_mut().enumerate() {
                    self.walk_node(item, &format!("{at}/{index}"));
                }
            }
            _ => {}
        }
    }

    /// One schema: its subschemas first, then its own keywords.
    fn walk_schema(&mut self, node: &mut Value, at: &str) {
        let map = match node {
            Value::Bool(true) => {
                *node = Value::Object(Map::new());
                return;
            }
            Value::Bool(false) => {
                let mut never = Map::new();
                never.insert("not".to_owned(), Value::Object(Map::new()));
                *node = Value::Object(never);
                return;
            }
            Value::Object(map) => map,
            _ => {
                self.refuse(at, "a schema must be an object or a boolean");
                return;
            }
        };
        for (key, value) in map.iter_mut() {
            let key_at = child(at, key);
            match key.as_str() {
                "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                    if let Value::Object(members) = value {
                        for (name, member) in members.iter_mut() {
                            self.walk_schema(member, &child(&key_at, name));
                        }
                    }
                }
                "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                    if let Value::Array(members) = value {
                        for (index, member) in members.iter_mut().enumerate() {
                            self.walk_schema(member, &format!("{key_at}/{index}"));
                        }
                    }
                }
                "additionalProperties" | "unevaluatedProperties" | "unevaluatedItems" if value.is_boolean() => {}
                "items" if value.is_array() => {}
                "items"
                | "additionalProperties"
                | "not"
                | "contains"
                | "propertyNames"
                | "if"
                | "then"
                | "else"
                | "unevaluatedItems"
                | "unevaluatedProperties"
                | "contentSchema"
                | "additionalItems" => self.walk_schema(value, &key_at),
                _ => {}
            }
        }
        self.convert_keywords(map, at);
    }

    fn convert_keywords(&mut self, map: &mut Map<String, Value>, at: &str) {
        self.drop_or_refuse(map, at);
        self.hoist_local_defs(map, at);
        if let Some(value) = map.remove("const") {
            map.insert("enum".to_owned(), Value::Array(vec![value]));
        }
        if let Some(examples) = map.remove("examples") {
            match examples {
                Value::Array(mut values) => {
                    if !map.contains_key("example") && !values.is_empty() {
                        map.insert("example".to_owned(), values.swap_remove(0));
                    }
                }
                _ => self.warn(child(at, "examples"), "`examples` in a schema must be an array; it is ignored"),
            }
        }
        convert_exclusive_bound(map, "exclusiveMinimum", "minimum", |bound, inclusive| bound >= inclusive);
        convert_exclusive_bound(map, "exclusiveMaximum", "maximum", |bound, inclusive| bound <= inclusive);
        self.convert_content_keywords(map, at);
        self.convert_null_members(map);
        self.convert_type(map, at);
        convert_ref_siblings(map);
    }

    /// Keywords with no 3.0 equivalent: dropped with a warning when they only validate or
    /// annotate, refused when dropping them would change the shape of the data.
    fn drop_or_refuse(&mut self, map: &mut Map<String, Value>, at: &str) {
        for silent in ["$schema", "$comment", "$anchor", "$dynamicAnchor", "$recursiveAnchor", "$vocabulary"] {
            map.remove(silent);
        }
        if map.remove("$id").is_some() {
            self.warn(child(at, "$id"), "`$id` is ignored; references are resolved within the document");
        }
        for keyword in ["$dynamicRef", "$recursiveRef"] {
            if map.contains_key(keyword) {
                self.refuse(
                    child(at, keyword),
                    format!("`{keyword}` (dynamic reference) has no OpenAPI 3.0 equivalent"),
                );
            }
        }
        if map.contains_key("prefixItems") {
            self.refuse(child(at, "prefixItems"), "`prefixItems` (a tuple) has no OpenAPI 3.0 equivalent");
        }
        if map.get("items").is_some_and(Value::is_array) {
            self.refuse(child(at, "items"), "`items` as an array (a tuple) has no OpenAPI 3.0 equivalent");
        }
        for keyword in [
            "propertyNames",
            "contains",
            "minContains",
            "maxContains",
            "dependentRequired",
            "contentSchema",
            "additionalItems",
        ] {
            if map.remove(keyword).is_some() {
                self.warn(child(at, keyword), format!("`{keyword}` has no OpenAPI 3.0 equivalent; it is not enforced"));
            }
        }
        // Conditionals: harmless to drop when they only add constraints; refused when a
        // branch declares properties the type would then lack.
        if map.contains_key("if") || map.contains_key("then") || map.contains_key("else") {
            let declares = ["then", "else"].iter().any(|branch| map.get(*branch).is_some_and(declares_properties));
            if declares {
                self.refuse(
                    child(at, if map.contains_key("if") { "if" } else { "then" }),
                    "`if`/`then`/`else` that declares properties has no OpenAPI 3.0 equivalent",
                );
            } else {
                for keyword in ["if", "then", "else"] {
                    map.remove(keyword);
                }
                self.warn(
                    child(at, "if"),
                    "`if`/`then`/`else` has no OpenAPI 3.0 equivalent; its constraints are not enforced",
                );
            }
        }
        if let Some(dependent) = map.get("dependentSchemas") {
            let declares = dependent.as_object().is_some_and(|d| d.values().any(declares_properties));
            if declares {
                self.refuse(
                    child(at, "dependentSchemas"),
                    "`dependentSchemas` that declares properties has no OpenAPI 3.0 equivalent",
                );
            } else {
                map.remove("dependentSchemas");
                self.warn(
                    child(at, "dependentSchemas"),
                    "`dependentSchemas` has no OpenAPI 3.0 equivalent; it is not enforced",
                );
            }
        }
        let composed = ["allOf", "anyOf", "oneOf"].iter().any(|k| map.contains_key(*k));
        match map.remove("unevaluatedProperties") {
            None | Some(Value::Bool(true)) => {}
            Some(value) if !composed && !map.contains_key("additionalProperties") => {
                map.insert("additionalProperties".to_owned(), value);
            }
            Some(Value::Bool(false)) => self.warn(
                child(at, "unevaluatedProperties"),
                "`unevaluatedProperties: false` beside composition has no OpenAPI 3.0 equivalent; unknown properties are accepted",
            ),
            Some(_) => self.refuse(
                child(at, "unevaluatedProperties"),
                "`unevaluatedProperties` with a schema beside `allOf`/`anyOf`/`oneOf` or `additionalProperties` has no OpenAPI 3.0 equivalent",
            ),
        }
        match map.remove("unevaluatedItems") {
            None | Some(Value::Bool(_)) => {}
            Some(value) if !map.contains_key("items") => {
                map.insert("items".to_owned(), value);
            }
            Some(_) => self
                .warn(child(at, "unevaluatedItems"), "`unevaluatedItems` beside `items` has no effect; it is ignored"),
        }
        if let Some(patterns) = map.remove("patternProperties") {
            let at = child(at, "patternProperties");
            let mut schemas: Vec<Value> = match patterns {
                Value::Object(patterns) => patterns.into_iter().map(|(_, schema)| schema).collect(),
                _ => Vec::new(),
            };
            if map.contains_key("additionalProperties") || schemas.is_empty() {
                self.warn(at, "`patternProperties` has no OpenAPI 3.0 equivalent; it is ignored");
            } else {
                let values = if schemas.len() == 1 { schemas.swap_remove(0) } else { Value::Object(Map::new()) };
                map.insert("additionalProperties".to_owned(), values);
                self.warn(
                    at,
                    "`patternProperties` is read as `additionalProperties`; the key patterns are not enforced",
                );
            }
        }
    }

    /// `$defs` (or draft-04 `definitions`) of a schema become component schemas; references to
    /// them are rewritten once the whole document has been walked.
    fn hoist_local_defs(&mut self, map: &mut Map<String, Value>, at: &str) {
        for keyword in ["$defs", "definitions"] {
            let Some(Value::Object(defs)) = map.remove(keyword) else { continue };
            for (name, schema) in defs {
                let mut new_name = name.clone();
                let mut counter = 2;
                while self.taken_names.contains(&new_name) {
                    new_name = format!("{name}{counter}");
                    counter += 1;
                }
                self.taken_names.insert(new_name.clone());
                self.renamed_refs.insert(format!("#{}", child(&child(at, keyword), &name)), new_name.clone());
                self.hoisted.push((new_name, schema));
            }
        }
    }

    fn hoist_defs(&mut self, root: &mut Map<String, Value>) {
        if self.hoisted.is_empty() {
            return;
        }
        let components = root.entry("components").or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(components) = components {
            let schemas = components.entry("schemas").or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(schemas) = schemas {
                for (name, schema) in std::mem::take(&mut self.hoisted) {
                    schemas.insert(name, schema);
                }
            }
        }
        let renamed = std::mem::take(&mut self.renamed_refs);
        for value in root.values_mut() {
            rewrite_refs(value, &renamed);
        }
    }

    /// `contentEncoding: base64` → `format: byte`; a binary `contentMediaType` → `format: binary`.
    fn convert_content_keywords(&mut self, map: &mut Map<String, Value>, at: &str) {
        let encoding = map.remove("contentEncoding");
        let media_type = map.remove("contentMediaType");
        if map.contains_key("format") {
            return;
        }
        let format = match (&encoding, &media_type) {
            (Some(Value::String(encoding)), _) if encoding.starts_with("base64") => Some("byte"),
            (Some(other), _) => {
                self.warn(
                    child(at, "contentEncoding"),
                    format!("`contentEncoding: {other}` is not understood; the value is a string"),
                );
                None
            }
            (None, Some(Value::String(media_type))) => {
                let textual =
                    media_type.starts_with("text/") || media_type.contains("json") || media_type.contains("xml");
                (!textual).then_some("binary")
            }
            _ => None,
        };
        if let Some(format) = format {
            map.insert("format".to_owned(), Value::String(format.to_owned()));
            map.entry("type").or_insert_with(|| Value::String("string".to_owned()));
        }
    }

    /// `anyOf`/`oneOf` members that are `{type: "null"}` become `nullable: true`; a single
    /// member left is a plain `allOf: [member]`.
    fn convert_null_members(&mut self, map: &mut Map<String, Value>) {
        for keyword in ["anyOf", "oneOf"] {
            let Some(Value::Array(members)) = map.get_mut(keyword) else { continue };
            let before = members.len();
            members.retain(|member| !is_null_schema(member));
            if members.len() == before {
                continue;
            }
            map.insert("nullable".to_owned(), Value::Bool(true));
            if let Some(Value::Array(members)) = map.get(keyword) {
                if members.len() == 1 && !map.contains_key("allOf") && !map.contains_key("discriminator") {
                    if let Some(members) = map.remove(keyword) {
                        map.insert("allOf".to_owned(), members);
                    }
                } else if members.is_empty() {
                    map.remove(keyword);
                }
            }
        }
    }

    fn convert_type(&mut self, map: &mut Map<String, Value>, at: &str) {
        let types: Vec<String> = match map.get("type") {
            Some(Value::Array(types)) => types.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect(),
            Some(Value::String(single)) if single == "null" => vec!["null".to_owned()],
            _ => return,
        };
        map.remove("type");
        let nullable = types.iter().any(|t| t == "null");
        let mut others: Vec<String> = Vec::new();
        for ty in types {
            if ty != "null" && !others.contains(&ty) {
                others.push(ty);
            }
        }
        if nullable {
            map.insert("nullable".to_owned(), Value::Bool(true));
        }
        match others.len() {
            0 => {
                // Only null: any value that is null; the enum (if any) says nothing more.
                map.remove("enum");
            }
            1 => {
                map.insert("type".to_owned(), Value::String(others.swap_remove(0)));
            }
            _ => {
                let mut branches = Vec::new();
                let enumeration = map.remove("enum");
                for ty in &others {
                    let mut branch = Map::new();
                    branch.insert("type".to_owned(), Value::String(ty.clone()));
                    for keyword in keywords_of(ty) {
                        if let Some(value) = map.get(*keyword) {
                            if *keyword != "format" || format_fits(ty, value) {
                                branch.insert((*keyword).to_owned(), value.clone());
                            }
                        }
                    }
                    if let Some(Value::Array(values)) = &enumeration {
                        let fitting: Vec<Value> = values.iter().filter(|v| value_fits(ty, v)).cloned().collect();
                        if fitting.is_empty() {
                            continue;
                        }
                        branch.insert("enum".to_owned(), Value::Array(fitting));
                    }
                    branches.push(Value::Object(branch));
                }
                for ty in &others {
                    for keyword in keywords_of(ty) {
                        map.remove(*keyword);
                    }
                }
                let union = Value::Array(branches);
                match map.remove("anyOf") {
                    None => {
                        map.insert("anyOf".to_owned(), union);
                    }
                    Some(existing) => {
                        self.warn(child(at, "type"), "several types beside `anyOf` are read as `allOf` of two unions");
                        let all_of = map.entry("allOf").or_insert_with(|| Value::Array(Vec::new()));
                        if let Value::Array(all_of) = all_of {
                            for any_of in [existing, union] {
                                let mut member = Map::new();
                                member.insert("anyOf".to_owned(), any_of);
                                all_of.push(Value::Object(member));
                            }
                        }
                    }
                }
            }
        }
    }
}

/// 3.1 makes an operation's `responses` optional; 3.0 requires the key.
fn fill_missing_responses(path_item: &mut Value) {
    let Value::Object(item) = path_item else { return };
    for method in ["get", "put", "post", "delete", "options", "head", "patch", "trace"] {
        if let Some(Value::Object(operation)) = item.get_mut(method) {
            operation.entry("responses").or_insert_with(|| Value::Object(Map::new()));
        }
    }
}

/// Removes `names` from every security requirement (`security: [{name: [scopes]}]`) below.
fn strip_requirements_in(map: &mut Map<String, Value>, names: &[String]) {
    for (key, value) in map.iter_mut() {
        match value {
            Value::Array(requirements) if key == "security" => {
                for requirement in requirements.iter_mut() {
                    if let Value::Object(requirement) = requirement {
                        names.iter().for_each(|name| {
                            requirement.remove(name);
                        });
                    }
                }
            }
            _ => strip_requirements(value, names),
        }
    }
}

fn strip_requirements(node: &mut Value, names: &[String]) {
    match node {
        Value::Object(map) => strip_requirements_in(map, names),
        Value::Array(items) => items.iter_mut().for_each(|item| strip_requirements(item, names)),
        _ => {}
    }
}

/// A `then`/`else`/dependent schema that adds properties (or composes others that might).
fn declares_properties(schema: &Value) -> bool {
    ["properties", "patternProperties", "additionalProperties", "allOf", "anyOf", "oneOf", "$ref"]
        .iter()
        .any(|k| schema.get(*k).is_some())
}

/// `{type: "null"}` (or `{type: ["null"]}`, `{const: null}`, or its conversion
/// `{nullable: true}`), annotations aside.
fn is_null_schema(schema: &Value) -> bool {
    let Value::Object(map) = schema else { return false };
    let null_type = match map.get("type") {
        Some(Value::String(t)) => t == "null",
        Some(Value::Array(types)) => types.len() == 1 && types[0] == "null",
        _ => false,
    };
    let null_enum = map.get("enum").is_some_and(|e| e.as_array().is_some_and(|v| v.len() == 1 && v[0].is_null()));
    // Members are converted before their parent: `{type: "null"}` is `{nullable: true}` by now.
    let only_nullable = map.get("nullable") == Some(&Value::Bool(true)) && !map.contains_key("type");
    (null_type || null_enum || only_nullable)
        && map.keys().all(|k| matches!(k.as_str(), "type" | "enum" | "nullable" | "description" | "title"))
}

/// The keywords that apply to one JSON type, moved into that type's `anyOf` member.
fn keywords_of(ty: &str) -> &'static [&'static str] {
    match ty {
        "string" => &["minLength", "maxLength", "pattern", "format"],
        "integer" | "number" => &["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "format"],
        "array" => &["items", "minItems", "maxItems", "uniqueItems"],
        "object" => &["properties", "required", "additionalProperties", "minProperties", "maxProperties"],
        _ => &[],
    }
}

fn format_fits(ty: &str, format: &Value) -> bool {
    let numeric = matches!(format.as_str(), Some("int32" | "int64" | "float" | "double"));
    match ty {
        "integer" | "number" => numeric,
        _ => !numeric,
    }
}

fn value_fits(ty: &str, value: &Value) -> bool {
    match ty {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

/// 3.1 `exclusiveMinimum: 5` is 3.0 `minimum: 5, exclusiveMinimum: true` (unless `minimum` is
/// already the stricter bound).
fn convert_exclusive_bound(
    map: &mut Map<String, Value>,
    exclusive: &str,
    inclusive: &str,
    exclusive_is_stricter: impl Fn(f64, f64) -> bool,
) {
    let Some(bound) = map.get(exclusive).filter(|v| v.is_number()).cloned() else { return };
    map.remove(exclusive);
    let stricter = match (bound.as_f64(), map.get(inclusive).and_then(Value::as_f64)) {
        (Some(bound), Some(inclusive)) => exclusive_is_stricter(bound, inclusive),
        _ => true,
    };
    if stricter {
        map.insert(inclusive.to_owned(), bound);
        map.insert(exclusive.to_owned(), Value::Bool(true));
    }
}

/// `$ref` beside other keywords: 3.0 ignores the siblings, so they are kept by wrapping the
/// reference in `allOf`. Siblings that only annotate are dropped, as 3.0 tools would.
fn convert_ref_siblings(map: &mut Map<String, Value>) {
    if !map.contains_key("$ref") || map.len() == 1 {
        return;
    }
    const ANNOTATIONS: &[&str] =
        &["description", "summary", "title", "example", "deprecated", "readOnly", "writeOnly", "externalDocs", "xml"];
    map.retain(|key, _| key == "$ref" || !(ANNOTATIONS.contains(&key.as_str()) || key.starts_with("x-")));
    if map.len() == 1 {
        return;
    }
    if let Some(reference) = map.remove("$ref") {
        let mut member = Map::new();
        member.insert("$ref".to_owned(), reference);
        match map.get_mut("allOf") {
            Some(Value::Array(all_of)) => all_of.insert(0, Value::Object(member)),
            _ => {
                map.insert("allOf".to_owned(), Value::Array(vec![Value::Object(member)]));
            }
        }
    }
}

/// Rewrites every `$ref` that names a hoisted `$defs` entry (or a node inside one).
fn rewrite_refs(node: &mut Value, renamed: &BTreeMap<String, String>) {
    match node {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "$ref" {
                    if let Value::String(reference) = value {
                        if let Some(new) = renamed_ref(reference, renamed) {
                            *reference = new;
                        }
                    }
                } else {
                    rewrite_refs(value, renamed);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rewrite_refs(item, renamed)),
        _ => {}
    }
}

fn renamed_ref(reference: &str, renamed: &BTreeMap<String, String>) -> Option<String> {
    // The longest old reference that is the whole reference or a prefix of it at a `/`.
    renamed
        .iter()
        .filter(|(old, _)| {
            reference == old.as_str() || reference.strip_prefix(old.as_str()).is_some_and(|rest| rest.starts_with('/'))
        })
        .max_by_key(|(old, _)| old.len())
        .map(|(old, new)| format!("#/components/schemas/{}{}", escape_token(new), &reference[old.len()..]))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn converted(schema: Value) -> Value {
        let mut doc = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "components": {"schemas": {"S": schema}}});
        convert(&mut doc).expect("converts");
        doc["components"]["schemas"]["S"].clone()
    }

    #[test]
    fn type_arrays() {
        assert_eq!(converted(json!({"type": ["string", "null"]})), json!({"nullable": true, "type": "string"}));
        assert_eq!(
            converted(json!({"type": ["string", "integer"], "minLength": 1, "minimum": 0, "description": "d"})),
            json!({"description": "d", "anyOf": [{"type": "string", "minLength": 1}, {"type": "integer", "minimum": 0}]})
        );
        assert_eq!(converted(json!({"type": "null"})), json!({"nullable": true}));
    }

    #[test]
    fn keywords() {
        assert_eq!(converted(json!({"const": "a"})), json!({"enum": ["a"]}));
        assert_eq!(
            converted(json!({"type": "integer", "exclusiveMinimum": 0})),
            json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true})
        );
        assert_eq!(
            converted(json!({"type": "integer", "minimum": 5, "exclusiveMinimum": 0})),
            json!({"type": "integer", "minimum": 5})
        );
        assert_eq!(converted(json!({"examples": [1, 2]})), json!({"example": 1}));
        assert_eq!(
            converted(json!({"type": "string", "contentEncoding": "base64"})),
            json!({"type": "string", "format": "byte"})
        );
        assert_eq!(
            converted(json!({"$ref": "#/components/schemas/T", "description": "d"})),
            json!({"$ref": "#/components/schemas/T"})
        );
        assert_eq!(
            converted(json!({"$ref": "#/components/schemas/T", "default": 1})),
            json!({"default": 1, "allOf": [{"$ref": "#/components/schemas/T"}]})
        );
        assert_eq!(
            converted(json!({"anyOf": [{"$ref": "#/components/schemas/T"}, {"type": "null"}]})),
            json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/T"}]})
        );
    }

    #[test]
    fn defs_are_hoisted_and_references_rewritten() {
        let mut doc = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "components": {"schemas": {"S": {"type": "object",
                "properties": {"a": {"$ref": "#/components/schemas/S/$defs/A"}},
                "$defs": {"A": {"type": "string"}}}}}});
        convert(&mut doc).expect("converts");
        assert_eq!(doc["components"]["schemas"]["S"]["properties"]["a"], json!({"$ref": "#/components/schemas/A"}));
        assert_eq!(doc["components"]["schemas"]["A"], json!({"type": "string"}));
    }

    #[test]
    fn refusals_name_the_pointer() {
        let mut doc = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "components": {"schemas": {"S": {"type": "array", "prefixItems": [{"type": "string"}]}}}});
        let problems = convert(&mut doc).expect_err("refused");
        assert_eq!(problems[0].pointer, "/components/schemas/S/prefixItems");
    }
}
