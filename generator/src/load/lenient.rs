//! Lenient readings of schema keywords that `openapiv3` would refuse, each with a warning that
//! names the pointer:
//!
//! - Numbers JSON allows but the keyword's Rust type does not hold: an integer schema's
//!   `minimum: -9223372036854776000` (-2^63 printed from a float), a `maximum` past `i64`, a
//!   `maxLength: 1e20`. A bound outside the type's range adds nothing and is dropped; an
//!   integral float inside it is read as the integer, a fractional bound of an integer schema
//!   as the nearest integer inside it.
//! - Swagger 2.0 leftovers in a 3.x document: `required: true|false` on a schema (ignored:
//!   OpenAPI 3 lists required properties on the parent), `type: file` (a binary string), and
//!   `discriminator: name` (the property name, as an OpenAPI 3 discriminator object).
//!
//! [`needs_rewrite`] is the cheap scan that sends a 3.0 document through the value path only
//! when it has one of these.

use serde_json::{Map, Number, Value};

use super::walk;
use crate::ir::Warning;
use crate::pointer::child;

/// Bounds an integer schema holds as `i64` in `openapiv3` (3.1's numeric `exclusiveMinimum`
/// and `exclusiveMaximum` are 3.0's `minimum`/`maximum` by the time this runs).
const INTEGER_BOUNDS: &[&str] = &["minimum", "maximum", "multipleOf"];
/// Sizes `openapiv3` holds as `usize`, in any schema.
const SIZES: &[&str] = &["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"];

/// True when some object of `doc` may hold a keyword [`rewrite`] reads leniently. It may say so
/// of objects that are not schemas (the rewrite then finds nothing); it never misses one.
pub fn needs_rewrite(doc: &Value) -> bool {
    let mut pending = vec![doc];
    while let Some(node) = pending.pop() {
        match node {
            Value::Object(map) => {
                if object_needs_rewrite(map) {
                    return true;
                }
                let walked =
                    map.iter().filter(|(key, _)| !key.starts_with("x-") && *key != "example" && *key != "examples");
                pending.extend(walked.map(|(_, value)| value));
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    false
}

fn object_needs_rewrite(map: &Map<String, Value>) -> bool {
    // Parameters, headers and request bodies have a boolean `required` of their own.
    let not_schema_required = ["in", "content", "schema"].iter().any(|k| map.contains_key(*k));
    let integer = is_integer_schema(map);
    (map.get("required").is_some_and(Value::is_boolean) && !not_schema_required)
        || map.get("type").and_then(Value::as_str) == Some("file")
        || map.get("discriminator").is_some_and(Value::is_string)
        || (integer
            && INTEGER_BOUNDS.iter().any(|k| map.get(*k).is_some_and(|v| v.is_number() && v.as_i64().is_none())))
        || SIZES.iter().any(|k| map.get(*k).is_some_and(|v| v.is_number() && v.as_u64().is_none()))
}

fn is_integer_schema(map: &Map<String, Value>) -> bool {
    match map.get("type") {
        Some(Value::String(ty)) => ty == "integer",
        Some(Value::Array(types)) => types.iter().any(|t| t == "integer"),
        _ => false,
    }
}

/// Rewrites what [`needs_rewrite`] looks for, in every schema of `doc`; one warning each.
pub fn rewrite(doc: &mut Value) -> Vec<Warning> {
    let mut warnings = Vec::new();
    walk::schemas(doc, &mut |map, scope| {
        let mut warn =
            |keyword: &str, message: String| warnings.push(Warning { pointer: child(scope.at, keyword), message });
        swagger2_leftovers(map, &mut warn);
        if is_integer_schema(map) {
            for keyword in INTEGER_BOUNDS {
                integer_bound(map, keyword, &mut warn);
            }
        }
        for keyword in SIZES {
            size(map, keyword, &mut warn);
        }
    });
    warnings
}

type Warn<'w> = dyn FnMut(&str, String) + 'w;

fn swagger2_leftovers(map: &mut Map<String, Value>, warn: &mut Warn) {
    if let Some(Value::Bool(required)) = map.get("required") {
        let message = format!(
            "`required: {required}` on a schema is a Swagger 2.0 leftover; it is ignored (OpenAPI 3 lists required properties in the parent's `required`)"
        );
        map.shift_remove("required");
        warn("required", message);
    }
    if map.get("type").and_then(Value::as_str) == Some("file") {
        map.insert("type".to_owned(), Value::String("string".to_owned()));
        map.insert("format".to_owned(), Value::String("binary".to_owned()));
        warn("type", "`type: file` is a Swagger 2.0 leftover; it is read as `type: string, format: binary`".to_owned());
    }
    if let Some(Value::String(property)) = map.get("discriminator") {
        let mut discriminator = Map::new();
        discriminator.insert("propertyName".to_owned(), Value::String(property.clone()));
        let message =
            format!("`discriminator: {property}` is a Swagger 2.0 leftover; it is read as `discriminator: {{propertyName: {property}}}`");
        map.insert("discriminator".to_owned(), Value::Object(discriminator));
        warn("discriminator", message);
    }
}

/// An integer schema's bound that is a number but not an `i64`.
fn integer_bound(map: &mut Map<String, Value>, keyword: &str, warn: &mut Warn) {
    let Some(Value::Number(number)) = map.get(keyword).cloned() else { return };
    if number.is_i64() {
        return;
    }
    // 2^63 as a float: the first value past `i64::MAX`; -2^63 is `i64::MIN` itself.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    let value = number.as_f64().unwrap_or(f64::NAN);
    let rounded = match keyword {
        "minimum" => value.ceil(),
        "maximum" => value.floor(),
        _ => value,
    };
    let inside = rounded > -LIMIT && rounded < LIMIT && rounded.fract() == 0.0;
    let no_bound = keyword == "minimum" && value <= -LIMIT
        || keyword == "maximum" && value >= LIMIT
        || keyword == "multipleOf" && value.abs() >= LIMIT;
    if inside && (keyword != "multipleOf" || rounded != 0.0) {
        map.insert(keyword.to_owned(), Value::Number(Number::from(rounded as i64)));
        // `x < 10.5` is `x <= 10`: the rounded bound is inclusive.
        if rounded != value {
            let flag = if keyword == "minimum" { "exclusiveMinimum" } else { "exclusiveMaximum" };
            map.shift_remove(flag);
        }
        warn(keyword, format!("`{keyword}: {number}` of an integer schema is read as `{keyword}: {}`", rounded as i64));
    } else if no_bound {
        map.shift_remove(keyword);
        let message = format!(
            "`{keyword}: {number}` is outside the range of a 64-bit integer, so it bounds nothing the generated type can hold; it is dropped"
        );
        warn(keyword, message);
    }
    // Anything else (`minimum: 1e19` on an integer) has no integer reading: openapiv3 refuses it.
}

/// A length or count that is a number but not a `u64`: a maximum past it, or a minimum below
/// zero, bounds nothing; an integral float is the integer.
fn size(map: &mut Map<String, Value>, keyword: &str, warn: &mut Warn) {
    let Some(Value::Number(number)) = map.get(keyword).cloned() else { return };
    if number.is_u64() {
        return;
    }
    const LIMIT: f64 = 18_446_744_073_709_551_616.0;
    let value = number.as_f64().unwrap_or(f64::NAN);
    let is_max = keyword.starts_with("max");
    if (0.0..LIMIT).contains(&value) && value.fract() == 0.0 {
        map.insert(keyword.to_owned(), Value::Number(Number::from(value as u64)));
        warn(keyword, format!("`{keyword}: {number}` is read as `{keyword}: {}`", value as u64));
    } else if (is_max && value >= LIMIT) || (!is_max && value <= 0.0) {
        map.shift_remove(keyword);
        warn(keyword, format!("`{keyword}: {number}` bounds nothing a length or count can be; it is dropped"));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rewritten(schema: Value) -> (Value, Vec<String>) {
        let mut doc = json!({"components": {"schemas": {"S": schema}}});
        assert!(needs_rewrite(&doc), "{doc}");
        let warnings = rewrite(&mut doc);
        (doc["components"]["schemas"]["S"].take(), warnings.into_iter().map(|w| w.pointer).collect())
    }

    #[test]
    fn integer_bounds_past_i64_are_dropped_and_floats_read_as_integers() {
        let (schema, warnings) = rewritten(json!({"type": "integer", "minimum": -9223372036854776000.0_f64,
            "maximum": 18446744073709551615_u64, "multipleOf": 2.0}));
        assert_eq!(schema, json!({"type": "integer", "multipleOf": 2}));
        assert_eq!(warnings.len(), 3);
        let (schema, _) = rewritten(
            json!({"type": "integer", "maximum": 10.5, "exclusiveMaximum": true, "minimum": 1.0, "exclusiveMinimum": true}),
        );
        assert_eq!(schema, json!({"type": "integer", "maximum": 10, "minimum": 1, "exclusiveMinimum": true}));
        assert!(warnings.contains(&"/components/schemas/S/minimum".to_owned()), "{warnings:?}");
        let (schema, _) = rewritten(json!({"type": ["integer", "null"], "maximum": 1e300}));
        assert_eq!(schema, json!({"type": ["integer", "null"]}));
        let (schema, _) = rewritten(json!({"type": "string", "maxLength": 1e30, "minLength": 2.0}));
        assert_eq!(schema, json!({"type": "string", "minLength": 2}));
    }

    #[test]
    fn number_schemas_and_valid_documents_are_left_alone() {
        let doc = json!({"components": {"schemas": {"S": {"type": "number", "minimum": -1e300, "maximum": 0.5}},
            "parameters": {"P": {"in": "query", "name": "p", "required": true, "schema": {"type": "integer", "maximum": 5}}}}});
        assert!(!needs_rewrite(&doc));
    }

    /// The same document in YAML and JSON loads with the same warnings; without the bounds it
    /// takes the fast path, with no warnings.
    #[test]
    fn yaml_and_json_documents_load_with_the_same_warnings() {
        let yaml = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    S: {type: integer, minimum: -9223372036854776000, maximum: 18446744073709551616}\n";
        let json = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
            "components": {"schemas": {"S": {"type": "integer", "minimum": -9223372036854776000, "maximum": 18446744073709551616}}}}"#;
        let pointers = |text: &str| -> Vec<String> {
            let loaded = crate::load::load_with_warnings("t", text).expect("loads");
            loaded.warnings.into_iter().map(|w| w.pointer).collect()
        };
        assert_eq!(pointers(yaml), ["/components/schemas/S/maximum", "/components/schemas/S/minimum"]);
        assert_eq!(pointers(json), pointers(yaml));
        assert_eq!(pointers(&yaml.replace(", minimum: -9223372036854776000, maximum: 18446744073709551616", "")), [""; 0]);
    }

    #[test]
    fn swagger2_leftovers_are_read_with_warnings() {
        let (schema, warnings) = rewritten(json!({"properties": {
            "f": {"type": "file", "required": true}, "d": {"discriminator": "kind", "properties": {"kind": {"type": "string"}}}}}));
        assert_eq!(schema["properties"]["f"], json!({"type": "string", "format": "binary"}));
        assert_eq!(schema["properties"]["d"]["discriminator"], json!({"propertyName": "kind"}));
        assert_eq!(
            warnings,
            [
                "/components/schemas/S/properties/f/required",
                "/components/schemas/S/properties/f/type",
                "/components/schemas/S/properties/d/discriminator"
            ]
        );
    }
}
