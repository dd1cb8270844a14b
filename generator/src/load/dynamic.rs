//! `$recursiveRef` (JSON Schema 2019-09) and `$dynamicRef` (2020-12) read as plain `$ref`s,
//! with a warning: in a document they refer to the schema resource that holds them (in
//! practice the component schema they sit in), which makes a recursive type; the dynamic
//! scope that could redirect them to an extending schema is not followed.
//!
//! `$dynamicRef: "#name"` goes to the schema declaring `$dynamicAnchor: name`: the outermost
//! one above the reference, else a component schema declaring it, else the enclosing
//! resource. The anchors themselves (`$recursiveAnchor`, `$dynamicAnchor`) only mark targets
//! and are removed. A target that is not a component schema becomes one when deep references
//! are hoisted (`inline`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::v31::Unconvertible;
use super::walk;
use crate::ir::Warning;
use crate::pointer::child;

/// True when some object of `doc` holds a dynamic reference (a cheap scan, no pointers built).
pub fn has_dynamic_refs(doc: &Value) -> bool {
    let mut pending = vec![doc];
    while let Some(node) = pending.pop() {
        match node {
            Value::Object(map) => {
                if map.contains_key("$recursiveRef") || map.contains_key("$dynamicRef") {
                    return true;
                }
                pending.extend(map.iter().filter(|(key, _)| !key.starts_with("x-")).map(|(_, value)| value));
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    false
}

/// Rewrites every `$recursiveRef` and `$dynamicRef` of `doc` to a `$ref`; returns a warning
/// for each, and the references that have no reading in the document (removed, so that they
/// are reported once).
pub fn resolve(doc: &mut Value) -> (Vec<Warning>, Vec<Unconvertible>) {
    let anchors = dynamic_anchors(doc);
    let mut warnings = Vec::new();
    let mut problems = Vec::new();
    walk::schemas(doc, &mut |map, scope| {
        map.shift_remove("$recursiveAnchor");
        for keyword in ["$recursiveRef", "$dynamicRef"] {
            let Some(reference) = map.shift_remove(keyword) else { continue };
            let at = child(scope.at, keyword);
            match target_of(keyword, &reference, scope, &anchors) {
                Err(message) => problems.push(Unconvertible { pointer: at, message }),
                Ok(_) if map.contains_key("$ref") => problems.push(Unconvertible {
                    pointer: at,
                    message: format!("`{keyword}` beside `$ref` has no reading; keep one of them"),
                }),
                Ok(target) => {
                    let message = format!(
                        "`{keyword}: {reference}` is read as `$ref: '#{target}'` (the schema it refers to within this document; dynamic scope is not followed)"
                    );
                    map.insert("$ref".to_owned(), Value::String(format!("#{target}")));
                    warnings.push(Warning { pointer: at, message });
                }
            }
        }
    });
    // Anchors go last: a reference above may have needed one below it.
    walk::schemas(doc, &mut |map, _| {
        map.shift_remove("$dynamicAnchor");
    });
    (warnings, problems)
}

/// `$dynamicAnchor` name → pointers of the schemas declaring it, in document order.
fn dynamic_anchors(doc: &mut Value) -> BTreeMap<String, Vec<String>> {
    let mut anchors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    walk::schemas(doc, &mut |map, scope| {
        if let Some(Value::String(name)) = map.get("$dynamicAnchor") {
            anchors.entry(name.clone()).or_default().push(scope.at.to_owned());
        }
    });
    anchors
}

/// The pointer a dynamic reference is read as.
fn target_of(
    keyword: &str,
    reference: &Value,
    scope: &walk::Scope,
    anchors: &BTreeMap<String, Vec<String>>,
) -> Result<String, String> {
    let Value::String(reference) = reference else {
        return Err(format!("`{keyword}` must be a string"));
    };
    match reference.as_str() {
        "#" => Ok(scope.resource.to_owned()),
        _ if keyword == "$recursiveRef" => Err(format!(
            "`$recursiveRef: {reference}` is not supported: JSON Schema 2019-09 only allows `$recursiveRef: \"#\"`"
        )),
        pointer if pointer.starts_with("#/") => Ok(pointer[1..].to_owned()),
        anchor if anchor.starts_with('#') => Ok(anchor_target(&anchor[1..], scope, anchors)),
        _ => Err(format!(
            "`$dynamicRef: {reference}` refers outside this document; only references within it (`#...`) are read"
        )),
    }
}

/// The schema declaring `$dynamicAnchor: name` that a reference at `scope` goes to.
fn anchor_target(name: &str, scope: &walk::Scope, anchors: &BTreeMap<String, Vec<String>>) -> String {
    let declared = anchors.get(name).map(Vec::as_slice).unwrap_or_default();
    let above = |pointer: &&String| scope.at == pointer.as_str() || scope.at.starts_with(&format!("{pointer}/"));
    let is_component =
        |pointer: &&String| pointer.strip_prefix("/components/schemas/").is_some_and(|n| !n.contains('/'));
    let outermost_above = declared.iter().filter(above).min_by_key(|pointer| pointer.len());
    let component = declared.iter().find(is_component);
    outermost_above.or(component).map_or_else(|| scope.resource.to_owned(), String::clone)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn recursive_and_dynamic_references_go_to_their_resource_or_anchor() {
        let mut doc = json!({"components": {"schemas": {
            "Tree": {"$recursiveAnchor": true, "properties": {"kids": {"items": {"$recursiveRef": "#"}}}},
            "Meta": {"$dynamicAnchor": "meta", "properties": {"x": {"type": "string"}}},
            "User": {"properties": {"m": {"$dynamicRef": "#meta"}, "n": {"$dynamicRef": "#none"},
                                    "p": {"$dynamicRef": "#/components/schemas/Meta/properties/x"}}}
        }}});
        assert!(has_dynamic_refs(&doc));
        let (warnings, problems) = resolve(&mut doc);
        assert_eq!(problems, []);
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["Tree"], json!({"properties": {"kids": {"items": {"$ref": "#/components/schemas/Tree"}}}}));
        assert_eq!(schemas["User"]["properties"]["m"], json!({"$ref": "#/components/schemas/Meta"}));
        assert_eq!(schemas["User"]["properties"]["n"], json!({"$ref": "#/components/schemas/User"}));
        assert_eq!(schemas["User"]["properties"]["p"], json!({"$ref": "#/components/schemas/Meta/properties/x"}));
        assert_eq!(schemas["Meta"], json!({"properties": {"x": {"type": "string"}}}));
        assert_eq!(warnings.len(), 4);
        assert_eq!(warnings[0].pointer, "/components/schemas/Tree/properties/kids/items/$recursiveRef");
        assert!(!has_dynamic_refs(&doc));
    }

    #[test]
    fn unreadable_dynamic_references_are_refused_with_their_pointer() {
        let mut doc = json!({"components": {"schemas": {"A": {"properties": {
            "a": {"$recursiveRef": "#/x"}, "b": {"$dynamicRef": "https://example.com/s#meta"},
            "c": {"$dynamicRef": "#", "$ref": "#/components/schemas/A"}}}}}});
        let (_, problems) = resolve(&mut doc);
        let pointers: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/components/schemas/A/properties/a/$recursiveRef",
                "/components/schemas/A/properties/b/$dynamicRef",
                "/components/schemas/A/properties/c/$dynamicRef"
            ]
        );
    }
}
