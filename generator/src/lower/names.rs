//! Rust identifiers from wire names: case conversion, keywords, leading digits, collisions.
//!
//! The rules are documented on [`crate::ir`]; this module is their only implementation.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Strict and reserved keywords of Rust 2021 (weak keywords such as `union` are valid names).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self", "Self",
    "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Symbols that would otherwise vanish in case conversion, spelled out so `+1` and `-1` (or
/// `@id` and `id`) stay apart.
fn spell_symbols(wire: &str) -> String {
    let mut out = String::with_capacity(wire.len() + 8);
    for (index, c) in wire.char_indices() {
        let word = match c {
            '+' => "plus",
            // Inside a name `-` separates words; only a leading one is a sign.
            '-' if index == 0 => "minus",
            '@' => "at",
            '$' => "dollar",
            '#' => "hash",
            '%' => "percent",
            '*' => "star",
            '=' => "eq",
            '<' => "lt",
            '>' => "gt",
            '!' => "not",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push(' ');
        out.push_str(word);
        out.push(' ');
    }
    out
}

/// Keeps only characters valid in an identifier; heck leaves non-ASCII letters in place.
fn identifier_chars(name: String) -> String {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return name;
    }
    name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}

/// `snake_case` identifier for a field, parameter, operation or module.
pub fn snake(wire: &str, empty_fallback: &str) -> String {
    let mut name = identifier_chars(spell_symbols(wire).to_snake_case());
    if name.trim_matches('_').is_empty() {
        name = empty_fallback.to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// `UpperCamelCase` identifier; `digit_prefix` is put before a leading digit (`V` for enum
/// variants, `Type` for type names).
pub fn camel(wire: &str, empty_fallback: &str, digit_prefix: &str) -> String {
    let mut name = identifier_chars(spell_symbols(wire).to_upper_camel_case());
    if name.is_empty() {
        name = empty_fallback.to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, digit_prefix);
    }
    if KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// Hands out unique names within one namespace.
#[derive(Debug, Default)]
pub struct NameAllocator {
    taken: BTreeSet<String>,
    /// How suffixes are joined: `_` for snake case, nothing for camel case.
    separator: &'static str,
}

impl NameAllocator {
    pub fn snake_case() -> Self {
        NameAllocator { taken: BTreeSet::new(), separator: "_" }
    }

    pub fn camel_case() -> Self {
        NameAllocator { taken: BTreeSet::new(), separator: "" }
    }

    /// Marks a name as used without allocating it (e.g. `body` among parameters).
    pub fn reserve(&mut self, name: &str) {
        self.taken.insert(name.to_owned());
    }

    /// `wanted` if free, else `wanted` + the smallest free suffix from 2 on.
    pub fn allocate(&mut self, wanted: &str) -> String {
        if self.taken.insert(wanted.to_owned()) {
            return wanted.to_owned();
        }
        let mut n = 2usize;
        loop {
            let candidate = format!("{wanted}{}{n}", self.separator);
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
            n += 1;
        }
    }
}

/// Names for a group whose members all want names at once (fields of a struct, variants of an
/// enum): a member whose key already is its natural name is served first, then the others in
/// sorted order of their key; natural names are reserved first so that a suffixed name never
/// takes another member's natural name.
pub fn allocate_group(keys_and_wanted: &[(String, String)], allocator: &mut NameAllocator) -> Vec<String> {
    // Fast path, the common case: all wanted names distinct and free.
    let mut sorted_wanted: Vec<&str> = keys_and_wanted.iter().map(|(_, w)| w.as_str()).collect();
    sorted_wanted.sort_unstable();
    let distinct = sorted_wanted.windows(2).all(|pair| pair[0] != pair[1]);
    if distinct && sorted_wanted.iter().all(|w| !allocator.taken.contains(*w)) {
        for (_, wanted) in keys_and_wanted {
            allocator.reserve(wanted);
        }
        return keys_and_wanted.iter().map(|(_, w)| w.clone()).collect();
    }
    let mut order: Vec<usize> = (0..keys_and_wanted.len()).collect();
    let sort_key = |i: usize| (keys_and_wanted[i].0 != keys_and_wanted[i].1, &keys_and_wanted[i].0, i);
    order.sort_by(|&a, &b| sort_key(a).cmp(&sort_key(b)));
    let wanted: BTreeSet<&str> = keys_and_wanted.iter().map(|(_, w)| w.as_str()).collect();
    let mut names = vec![String::new(); keys_and_wanted.len()];
    let mut natural_taken = BTreeSet::new();
    for &index in &order {
        let want = &keys_and_wanted[index].1;
        if natural_taken.insert(want.clone()) && !allocator.taken.contains(want) {
            allocator.reserve(want);
            names[index] = want.clone();
        }
    }
    for &index in &order {
        if !names[index].is_empty() {
            continue;
        }
        let want = &keys_and_wanted[index].1;
        let mut n = 2usize;
        loop {
            let candidate = format!("{want}{}{n}", allocator.separator);
            if !wanted.contains(candidate.as_str()) && !allocator.taken.contains(&candidate) {
                allocator.reserve(&candidate);
                names[index] = candidate;
                break;
            }
            n += 1;
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(snake("fooBar", "field"), "foo_bar");
        assert_eq!(snake("type", "field"), "type_");
        assert_eq!(snake("self", "field"), "self_");
        assert_eq!(snake("+1", "field"), "plus_1");
        assert_eq!(snake("-1", "field"), "minus_1");
        assert_eq!(snake("1st", "field"), "_1st");
        assert_eq!(snake("", "field"), "field");
        assert_eq!(snake("@id", "field"), "at_id");
        assert_eq!(snake("café", "field"), "caf");
        assert_eq!(camel("self", "Type", "Type"), "Self_");
        assert_eq!(camel("2fa-config", "Type", "Type"), "Type2faConfig");
        assert_eq!(camel("0", "Variant", "V"), "V0");
        assert_eq!(camel("-1", "Variant", "V"), "Minus1");
    }

    #[test]
    fn groups_take_suffixes_in_sorted_order() {
        let mut names = NameAllocator::snake_case();
        let group = vec![
            ("foo_bar".to_owned(), "foo_bar".to_owned()),
            ("fooBar".to_owned(), "foo_bar".to_owned()),
            ("foo_bar_2".to_owned(), "foo_bar_2".to_owned()),
        ];
        assert_eq!(allocate_group(&group, &mut names), ["foo_bar", "foo_bar_3", "foo_bar_2"]);
    }
}
