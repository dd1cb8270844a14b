//! The IR of each fixture spec, snapshotted; the error messages of each error fixture,
//! snapshotted; determinism; and the IR of the project's real spec.

use std::path::Path;

use generator::lower::load_and_lower;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
}

fn display_name(path: &Path) -> String {
    format!("fixtures/{}", path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
}

#[test]
fn fixture_ir() {
    insta::glob!("fixtures/openapi/*.{yaml,json}", |path| {
        let text = read(path);
        match load_and_lower(&display_name(path), &text) {
            Ok(api) => insta::assert_debug_snapshot!(api),
            Err(error) => panic!("{} should lower:\n{error}", path.display()),
        }
    });
}

#[test]
fn error_fixture_messages() {
    insta::glob!("fixtures/openapi-errors/*.{yaml,json}", |path| {
        let text = read(path);
        match load_and_lower(&display_name(path), &text) {
            Ok(api) => panic!("{} should fail, lowered to {} operations", path.display(), api.operations.len()),
            Err(error) => insta::assert_snapshot!(error.to_string()),
        }
    });
}

#[test]
fn lowering_is_deterministic() {
    insta::glob!("fixtures/openapi/*.{yaml,json}", |path| {
        let text = read(path);
        let first = load_and_lower("first", &text).map_err(|e| e.to_string());
        let second = load_and_lower("first", &text).map_err(|e| e.to_string());
        assert_eq!(first, second, "{}", path.display());
        assert_eq!(format!("{first:#?}"), format!("{second:#?}"), "{}", path.display());
    });
}

/// What emitters rely on, checked over every fixture and the real spec: references resolve,
/// nullability of fields and parameters is in the flag, and names are unique identifiers.
#[test]
fn ir_invariants_hold() {
    use std::collections::BTreeSet;

    use generator::ir::{Api, TypeKind, TypeRef};

    fn is_identifier(name: &str) -> bool {
        const KEYWORDS: &[&str] = &["type", "self", "Self", "crate", "super", "fn", "match", "ref", "mod", "enum", "struct"];
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !KEYWORDS.contains(&name)
    }

    fn check_ref(api: &Api, ty: &TypeRef, at: &str) {
        match ty {
            TypeRef::Named(id) => assert!(api.types.contains_key(id), "{at}: {id} is not in the arena"),
            TypeRef::Array(inner) | TypeRef::Map(inner) | TypeRef::Nullable(inner) | TypeRef::Boxed(inner) => {
                check_ref(api, inner, at)
            }
            _ => {}
        }
    }

    fn unique<'a>(names: impl IntoIterator<Item = &'a str>, at: &str) {
        let mut seen = BTreeSet::new();
        for name in names {
            assert!(is_identifier(name), "{at}: `{name}` is not a plain identifier");
            assert!(seen.insert(name), "{at}: `{name}` is used twice");
        }
    }

    fn check(api: &Api, file: &str) {
        unique(api.operations.iter().map(|o| o.rust_name.as_str()), file);
        for op in &api.operations {
            let at = format!("{file} {}", op.id);
            unique(op.parameters.iter().map(|p| p.rust_name.as_str()).chain(["body"]), &at);
            for p in &op.parameters {
                assert!(!matches!(p.ty, TypeRef::Nullable(_)), "{at}: parameter {} is wrapped in Nullable", p.name);
                check_ref(api, &p.ty, &at);
            }
            for content in op.request_body.iter().flat_map(|b| &b.contents).chain(op.responses.iter().flat_map(|r| &r.contents)) {
                content.ty.iter().for_each(|ty| check_ref(api, ty, &at));
            }
            for names in [&op.type_names.params, &op.type_names.response, &op.type_names.error] {
                assert!(!api.types.contains_key(names), "{at}: reserved name {names} is also a type");
            }
        }
        for (id, def) in &api.types {
            let at = format!("{file} {id}");
            assert_eq!(&def.id, id);
            assert!(is_identifier(id.as_str()), "{at}: not an identifier");
            match &def.kind {
                TypeKind::Struct { fields, additional, .. } => {
                    unique(fields.iter().map(|f| f.rust_name.as_str()), &at);
                    for f in fields {
                        assert!(!matches!(f.ty, TypeRef::Nullable(_)), "{at}: field {} is wrapped in Nullable", f.wire_name);
                        check_ref(api, &f.ty, &at);
                    }
                    additional.iter().for_each(|ty| check_ref(api, ty, &at));
                }
                TypeKind::Enum { variants, .. } => unique(variants.iter().map(|v| v.rust_name.as_str()), &at),
                TypeKind::OneOf { variants, .. } | TypeKind::AnyOf { variants, .. } => {
                    unique(variants.iter().map(|v| v.rust_name.as_str()), &at);
                    variants.iter().for_each(|v| check_ref(api, &v.ty, &at));
                }
                TypeKind::Alias { ty, .. } => check_ref(api, ty, &at),
            }
        }
    }

    let mut checked = 0;
    insta::glob!("fixtures/openapi/*.{yaml,json}", |path| {
        if let Ok(api) = load_and_lower(&display_name(path), &read(path)) {
            check(&api, &display_name(path));
            checked += 1;
        }
    });
    // The real spec, and GitHub's when the benchmark has fetched it (it is not committed).
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for real in ["spec/pipedrive-v1.yaml", "target/bench-data/api.github.com.json"] {
        if let Ok(text) = std::fs::read_to_string(root.join(real)) {
            match load_and_lower(real, &text) {
                Ok(api) => check(&api, real),
                Err(error) => panic!("{error}"),
            }
        }
    }
    assert!(checked > 10, "only {checked} fixtures lowered");
}

/// A UTF-8 byte order mark (as some tools write it) is not part of the document.
#[test]
fn byte_order_mark_is_ignored() {
    for text in [
        "\u{feff}{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, \"paths\": {}}",
        "\u{feff}openapi: 3.1.0\ninfo: {title: t, version: '1'}\n",
    ] {
        if let Err(error) = load_and_lower("bom", text) {
            panic!("{error}");
        }
    }
}

/// `fixtures/openapi/dedupe.yaml`: inline duplicates (also nested ones, also differing only
/// in descriptions) become aliases of one survivor; an inline copy of a component becomes the
/// component; components and types that differ in a rule are kept.
#[test]
fn structurally_identical_types_are_merged() {
    use generator::ir::{TypeId, TypeKind, TypeRef};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/openapi/dedupe.yaml");
    let api = load_and_lower("dedupe.yaml", &read(&path)).expect("lowers");
    let alias_of = |name: &str| match &api.types[&TypeId(name.to_owned())].kind {
        TypeKind::Alias { ty: TypeRef::Named(target), .. } => Some(target.0.clone()),
        _ => None,
    };
    let body = |op: usize| match &api.operations[op].request_body.as_ref().expect("a body").contents[0].ty {
        Some(TypeRef::Named(id)) => id.0.clone(),
        other => panic!("{other:?}"),
    };
    let response = |op: usize| match &api.operations[op].responses[0].contents[0].ty {
        Some(TypeRef::Named(id)) => id.0.clone(),
        other => panic!("{other:?}"),
    };
    // postA and postB send one type; the merged name stays as an alias.
    assert_eq!(body(0), body(1));
    let merged = if body(0) == "PostARequest" { "PostBRequest" } else { "PostARequest" };
    assert_eq!(alias_of(merged).as_deref(), Some(body(0).as_str()));
    // postA's answer is a component (of Point and Spot, the shorter name); postB's differs
    // by `maxLength` and is kept.
    assert_eq!(response(0), "Spot");
    assert!(alias_of(&response(1)).is_none());
    assert_ne!(response(1), body(0));
    // Equal components are both kept, and fields typed by them keep their own.
    assert!(alias_of("Point").is_none() && alias_of("Spot").is_none());
    let TypeKind::Struct { fields, .. } = &api.types[&TypeId(response(2))].kind else { panic!("a struct") };
    let targets: Vec<String> = fields.iter().map(|f| format!("{:?}", f.ty)).collect();
    assert_eq!(targets, [r#"Named(TypeId("Point"))"#, r#"Named(TypeId("Spot"))"#]);
}
