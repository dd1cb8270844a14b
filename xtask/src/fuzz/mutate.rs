//! Structural mutations of an OpenAPI document held as a JSON value: keys deleted or renamed,
//! values replaced by values of other types, subtrees grafted elsewhere, nodes nested deeply,
//! entries copied many times under names that clash once made identifiers, odd strings
//! (keywords, unicode, empty, very long). Every choice comes from the given `Rng`,
//! so a seed gives the same document on every machine.

use fastrand::Rng;
use serde_json::{json, Map, Value};

/// One step of the way from a node to a child.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Applies `count` random mutations to `doc`; returns a one-line description of each.
pub fn mutate(doc: &mut Value, count: usize, rng: &mut Rng) -> Vec<String> {
    (0..count).map(|_| mutate_once(doc, rng)).collect()
}

fn mutate_once(doc: &mut Value, rng: &mut Rng) -> String {
    let paths = all_paths(doc);
    let target = paths[rng.usize(..paths.len())].clone();
    let at = pointer(&target);
    match rng.u8(..11) {
        0 => delete(doc, &target).map_or_else(|| format!("delete (nothing at {at})"), |key| format!("delete {at} ({key})")),
        1 | 2 => {
            let key = odd_key(rng);
            let renamed = rename(doc, &target, &key);
            renamed.map_or_else(|| format!("rename (nothing at {at})"), |old| format!("rename {at} ({old} -> {})", short(&key)))
        }
        3 => {
            let value = other_value(rng);
            let text = short(&value.to_string());
            *node_mut(doc, &target) = value;
            format!("replace {at} with {text}")
        }
        4 => {
            let source = paths[rng.usize(..paths.len())].clone();
            let copy = node(doc, &source).clone();
            *node_mut(doc, &target) = copy;
            format!("graft {} onto {at}", pointer(&source))
        }
        5 => {
            let levels = if rng.bool() { rng.usize(1..20) } else { rng.usize(20..90) };
            let node = node_mut(doc, &target);
            *node = nest(node.take(), levels, rng);
            format!("nest {at} {levels} levels deep")
        }
        6 => {
            let objects: Vec<&Vec<Step>> = paths.iter().filter(|path| node(doc, path).is_object()).collect();
            match objects.len() {
                0 => "widen (the document has no object)".to_owned(),
                count => {
                    let target = objects[rng.usize(..count)].clone();
                    widen(doc, &target, rng)
                }
            }
        }
        _ => odd_string_leaf(doc, &paths, rng),
    }
}

/// At most about this many bytes (as JSON) are added by one widening.
const WIDEN_BUDGET: usize = 2 << 20;

/// Copies one entry of an object many times, under keys that differ only in case and
/// punctuation (so that the identifiers made of them clash).
fn widen(doc: &mut Value, path: &[Step], rng: &mut Rng) -> String {
    let at = pointer(path);
    let Value::Object(map) = node_mut(doc, path) else { return format!("widen (no object at {at})") };
    if map.is_empty() {
        return format!("widen (empty object at {at})");
    }
    let Some((key, value)) = map.iter().nth(rng.usize(..map.len())).map(|(k, v)| (k.clone(), v.clone())) else {
        return format!("widen (empty object at {at})");
    };
    // Copies of a large entry are fewer: the point is clashing names, not a bigger document.
    let bytes = value.to_string().len() + key.len();
    let copies = rng.usize(10..400).min(WIDEN_BUDGET / bytes.max(1)).max(2);
    let separators = ["-", "_", " ", ".", "", "__", "-_-"];
    for index in 0..copies {
        let separator = separators[index % separators.len()];
        let stem = if index % 2 == 0 { key.to_uppercase() } else { key.to_lowercase() };
        map.insert(format!("{stem}{separator}{}", index / separators.len()), value.clone());
    }
    format!("widen {at}: {copies} copies of {}", short(&key))
}

/// Replaces a string of the document (where strings belong) by an odd one.
fn odd_string_leaf(doc: &mut Value, paths: &[Vec<Step>], rng: &mut Rng) -> String {
    let strings: Vec<&Vec<Step>> = paths.iter().filter(|path| node(doc, path).is_string()).collect();
    let Some(target) = (!strings.is_empty()).then(|| strings[rng.usize(..strings.len())].clone()) else {
        return "string (the document has none)".to_owned();
    };
    let text = odd_string(rng);
    let description = format!("string {} = {}", pointer(&target), short(&text));
    *node_mut(doc, &target) = Value::String(text);
    description
}

/// A change to YAML text that JSON cannot express: quotes dropped from one line (so that `'200'`
/// becomes the number 200, `'true'` a boolean) or a `!tag` before one value.
pub fn yaml_quirk(text: &str, rng: &mut Rng) -> (String, String) {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let at = rng.usize(..lines.len().max(1));
    let Some(line) = lines.get_mut(at) else { return (text.to_owned(), "yaml (no lines)".to_owned()) };
    let what = if rng.bool() && line.contains('\'') {
        *line = line.replace('\'', "");
        format!("yaml: quotes dropped on line {}", at + 1)
    } else if let Some(colon) = line.find(": ") {
        line.insert_str(colon + 2, "!custom ");
        format!("yaml: tag on line {}", at + 1)
    } else {
        format!("yaml: line {} unchanged", at + 1)
    };
    let mut out = lines.join("\n");
    out.push('\n');
    (out, what)
}

/// Every node's path, the root first, in document order.
fn all_paths(doc: &Value) -> Vec<Vec<Step>> {
    let mut paths = Vec::new();
    let mut stack = vec![(doc, Vec::new())];
    while let Some((node, path)) = stack.pop() {
        match node {
            Value::Object(map) => {
                for (key, child) in map.iter().rev() {
                    let mut child_path = path.clone();
                    child_path.push(Step::Key(key.clone()));
                    stack.push((child, child_path));
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate().rev() {
                    let mut child_path = path.clone();
                    child_path.push(Step::Index(index));
                    stack.push((child, child_path));
                }
            }
            _ => {}
        }
        paths.push(path);
    }
    paths
}

fn node<'v>(doc: &'v Value, path: &[Step]) -> &'v Value {
    path.iter().fold(doc, |node, step| match step {
        Step::Key(key) => &node[key.as_str()],
        Step::Index(index) => &node[*index],
    })
}

fn node_mut<'v>(doc: &'v mut Value, path: &[Step]) -> &'v mut Value {
    path.iter().fold(doc, |node, step| match step {
        Step::Key(key) => &mut node[key.as_str()],
        Step::Index(index) => &mut node[*index],
    })
}

/// Removes the node from its parent object or array; returns what it was called.
fn delete(doc: &mut Value, path: &[Step]) -> Option<String> {
    let (last, parent) = path.split_last()?;
    match (node_mut(doc, parent), last) {
        (Value::Object(map), Step::Key(key)) => map.shift_remove(key).map(|_| key.clone()),
        (Value::Array(items), Step::Index(index)) if *index < items.len() => {
            items.remove(*index);
            Some(format!("item {index}"))
        }
        _ => None,
    }
}

/// Gives the node's key a new name, keeping its place among its siblings.
fn rename(doc: &mut Value, path: &[Step], new_key: &str) -> Option<String> {
    let (Step::Key(old), parent) = path.split_last()? else { return None };
    let Value::Object(map) = node_mut(doc, parent) else { return None };
    let renamed: Map<String, Value> =
        std::mem::take(map).into_iter().map(|(k, v)| if k == *old { (new_key.to_owned(), v) } else { (k, v) }).collect();
    *map = renamed;
    Some(old.clone())
}

/// `levels` wrappers of the shapes that nest in OpenAPI documents, around `inner`.
fn nest(inner: Value, levels: usize, rng: &mut Rng) -> Value {
    let shape = rng.u8(..5);
    (0..levels).fold(inner, |inner, _| match shape {
        0 => json!({"type": "array", "items": inner}),
        1 => json!({"items": inner}),
        2 => json!({"type": "object", "properties": {"p": inner}}),
        3 => json!({"allOf": [inner]}),
        _ => json!([inner]),
    })
}

/// A value of a random type (often not the type the place expects).
fn other_value(rng: &mut Rng) -> Value {
    match rng.u8(..9) {
        0 => Value::Null,
        1 => Value::Bool(rng.bool()),
        2 => json!(rng.i64(-3..1_000)),
        3 => json!(f64::from(rng.u32(..u32::MAX)) / 7.0),
        4 => json!(u64::MAX),
        5 => json!([]),
        6 => json!({}),
        7 => {
            let targets = ["#/components/schemas/Missing", "#/paths", "#/", "#", "other.yaml#/x"];
            json!({"$ref": targets[rng.usize(..targets.len())]})
        }
        _ => Value::String(odd_string(rng)),
    }
}

/// Strings that have broken code generators: Rust and OpenAPI keywords, unicode, nothing,
/// punctuation, very long text.
fn odd_string(rng: &mut Rng) -> String {
    const ODD: &[&str] = &[
        "", " ", "type", "self", "Self", "crate", "super", "r#type", "fn", "async", "await", "dyn", "_", "__", "0",
        "123abc", "-", "a-b", "a b", "a.b", "Ünïcödé", "名前", "🦀", "\u{200b}", "\\", "\"", "'", "{id}", "/", "~1", "%",
        "$ref", "#/components/schemas/A", "null", "true", "object", "array", "string", "integer", "application/json",
        "*/*", "3.1.0", "3.0.3", "2.0", "\n", "\t", "a\u{0}b",
    ];
    if rng.u8(..8) == 0 {
        let unit = ODD[rng.usize(..ODD.len())];
        let unit = if unit.is_empty() { "x" } else { unit };
        return unit.repeat(rng.usize(1_000..20_000));
    }
    ODD[rng.usize(..ODD.len())].to_owned()
}

/// A key: usually an odd string, sometimes another OpenAPI keyword.
fn odd_key(rng: &mut Rng) -> String {
    const KEYWORDS: &[&str] = &[
        "items", "properties", "allOf", "oneOf", "anyOf", "not", "additionalProperties", "required", "enum", "$ref",
        "schema", "content", "responses", "parameters", "requestBody", "get", "post", "x-pagination", "x-error-envelope",
        "discriminator", "nullable", "format", "default", "example",
    ];
    if rng.bool() {
        KEYWORDS[rng.usize(..KEYWORDS.len())].to_owned()
    } else {
        odd_string(rng)
    }
}

fn pointer(path: &[Step]) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    path.iter().fold(String::new(), |mut out, step| {
        out.push('/');
        match step {
            Step::Key(key) => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
            Step::Index(index) => out.push_str(&index.to_string()),
        }
        out
    })
}

/// At most 60 characters of `text`, for descriptions.
fn short(text: &str) -> String {
    let mut out: String = text.chars().take(60).collect();
    if out.len() < text.len() {
        out.push_str(&format!("… ({} chars)", text.chars().count()));
    }
    out.escape_debug().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_document() {
        let base = json!({"openapi": "3.0.3", "paths": {"/a": {"get": {"responses": {"200": {"description": "d"}}}}}});
        let run = |seed| {
            let mut doc = base.clone();
            let steps = mutate(&mut doc, 6, &mut Rng::with_seed(seed));
            (doc, steps)
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7).0, run(8).0);
    }

    #[test]
    fn rename_keeps_the_order_of_keys() {
        let mut doc = json!({"a": 1, "b": 2, "c": 3});
        rename(&mut doc, &[Step::Key("b".to_owned())], "z");
        assert_eq!(doc.as_object().unwrap().keys().collect::<Vec<_>>(), ["a", "z", "c"]);
    }
}
