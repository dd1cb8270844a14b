//! The scaffold's text: entries rendered as YAML in the overlay's layout (quoted keys, flow
//! lists, a `# ===` banner per tag), and inserted at the end of the overlay's `operations`
//! block so that every other byte of the file stays as it was.

use serde_json::Value;

use super::{Entry, PaginationProposal, PLACEHOLDER};

/// Width of the `# ===` banner that opens each tag's entries, as in hand-written overlays.
const BANNER_WIDTH: usize = 72;

/// Plain scalars YAML would read as something other than a string.
const RESERVED_SCALARS: &[&str] = &["true", "false", "null", "yes", "no", "on", "off", "y", "n"];

/// Where the entries go in an overlay text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct InsertionPoint {
    /// Byte offset of the insertion: the end of the `operations` block's last indented line.
    pub offset: usize,
    /// One level of indentation: that of the entries already under `operations:`.
    pub indent: String,
    /// The file has no `operations:` line yet; the entries go at its end, under a new one.
    pub needs_key: bool,
}

/// Finds the end of the top-level `operations:` block. Blank lines and column-0 comments after
/// its last indented line stay where they are (they introduce what follows).
pub(super) fn insertion_point(text: &str) -> Result<InsertionPoint, String> {
    let lines = lines(text);
    let Some(key_line) = lines.iter().position(|(line, _)| line.starts_with("operations:")) else {
        return Ok(InsertionPoint { offset: text.len(), indent: "  ".to_owned(), needs_key: true });
    };
    let (line, key_end) = lines[key_line];
    let rest = line["operations:".len()..].trim();
    if !rest.is_empty() && !rest.starts_with('#') {
        return Err(format!(
            "`operations:` is followed by `{rest}` on its line; the scaffold appends block entries, so write \
             the map as a block (`operations:` alone on its line, the entries indented below it)"
        ));
    }
    let mut point = InsertionPoint { offset: key_end, indent: String::new(), needs_key: false };
    for (line, end) in lines[key_line + 1..].iter().take_while(|(line, _)| !is_top_level(line)) {
        let content = line.trim_start();
        if content.is_empty() || content.len() == line.len() {
            continue;
        }
        point.offset = *end;
        if point.indent.is_empty() && !content.starts_with('#') {
            point.indent = line[..line.len() - content.len()].to_owned();
        }
    }
    if point.indent.is_empty() || point.indent.contains('\t') {
        point.indent = "  ".to_owned();
    }
    Ok(point)
}

/// The text with `entries` inserted at `point`, in the file's own line endings.
pub(super) fn insert(text: &str, point: &InsertionPoint, entries: &str) -> String {
    let (before, after) = text.split_at(point.offset.min(text.len()));
    let mut added = String::new();
    if !before.is_empty() && !before.ends_with('\n') {
        added.push('\n');
    }
    if point.needs_key {
        added.push_str(if before.is_empty() { "operations:\n" } else { "\noperations:\n" });
    }
    added.push_str(entries);
    if text.contains("\r\n") {
        added = added.replace('\n', "\r\n");
    }
    format!("{before}{added}{after}")
}

/// The entries, each tag's run opened by a banner (and a note when the tag is not listed).
pub(super) fn render_entries(entries: &[Entry], indent: &str) -> String {
    let mut out = String::new();
    let mut section = None;
    for entry in entries {
        if entry.tag.is_some() && entry.tag != section {
            let tag = comment(entry.tag.as_deref().unwrap_or_default());
            out.push_str(&format!("\n{indent}# {} {tag}\n", "=".repeat(BANNER_WIDTH)));
            if !entry.tag_listed {
                out.push_str(&format!("{indent}# `{tag}` is not in the top-level `tags` list yet; add it there.\n"));
            }
            section = entry.tag.clone();
        }
        out.push_str(&render_entry(entry, indent));
    }
    out
}

/// One entry: key, operationId, tags, security, x-pagination and responses, in the order the
/// hand-written entries use.
fn render_entry(entry: &Entry, unit: &str) -> String {
    let (field, item) = (unit.repeat(2), unit.repeat(3));
    let mut lines = vec![format!("{unit}{}:", quoted(&entry.key))];
    if let Some((wanted, owner)) = &entry.renamed_from {
        let owner = comment(owner);
        lines.push(format!("{field}# `{wanted}` is already the operationId of `{owner}`; numbered to stay unique"));
    }
    lines.push(format!("{field}operationId: {}", scalar(&entry.operation_id)));
    if let Some(tag) = &entry.tag {
        lines.push(format!("{field}tags: [{}]", scalar(tag)));
    }
    if let Some(security) = &entry.security {
        lines.push(format!("{field}security: {}", flow(security)));
    }
    if let Some(pagination) = &entry.pagination {
        lines.extend(pagination_lines(pagination, &field, &item));
    }
    if !entry.responses.is_empty() {
        lines.push(format!("{field}responses:"));
        for line in &entry.responses {
            lines.push(format!("{item}- status: {PLACEHOLDER}   # {}", comment(line)));
        }
    }
    lines.join("\n") + "\n"
}

/// The proposed `x-pagination`, its pointers left as placeholders with what each one is.
fn pagination_lines(pagination: &PaginationProposal, field: &str, item: &str) -> Vec<String> {
    let params: Vec<String> =
        pagination.params.iter().map(|(role, name)| format!("{role}: {}", scalar(name))).collect();
    let next = match pagination.style {
        "cursor" => "JSON pointer to the next cursor in the success body",
        _ => "JSON pointer to the next offset in the success body; delete the line if there is none",
    };
    vec![
        format!("{field}x-pagination:"),
        format!("{item}style: {}", pagination.style),
        format!("{item}items: {PLACEHOLDER}   # JSON pointer to the list of items in the success body, such as /data"),
        format!("{item}params: {{{}}}", params.join(", ")),
        format!("{item}next: {PLACEHOLDER}   # {next}"),
        format!(
            "{item}has_more: {PLACEHOLDER}   # JSON pointer to the more-items flag; delete the line if there is none"
        ),
    ]
}

/// Each line of `text` without its ending, with the byte offset just past its ending.
fn lines(text: &str) -> Vec<(&str, usize)> {
    let mut end = 0;
    text.split_inclusive('\n')
        .map(|raw| {
            end += raw.len();
            (raw.trim_end_matches(['\n', '\r']), end)
        })
        .collect()
}

/// A line that starts a top-level key (or a document marker): not indented, not a comment.
fn is_top_level(line: &str) -> bool {
    line.chars().next().is_some_and(|c| !c.is_whitespace() && c != '#')
}

/// A string as a YAML scalar: plain when YAML reads it back as the same string, else quoted.
fn scalar(text: &str) -> String {
    let plain = text.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || "_-./".contains(c))
        && !RESERVED_SCALARS.contains(&text.to_ascii_lowercase().as_str());
    if plain {
        text.to_owned()
    } else {
        quoted(text)
    }
}

/// A double-quoted YAML scalar (JSON's string syntax is a subset of it).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// A JSON value in YAML flow style, as the overlay writes security requirements.
fn flow(value: &Value) -> String {
    match value {
        Value::Array(items) => format!("[{}]", items.iter().map(flow).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => {
            let pairs: Vec<String> =
                map.iter().map(|(key, value)| format!("{}: {}", scalar(key), flow(value))).collect();
            format!("{{{}}}", pairs.join(", "))
        }
        Value::String(text) => scalar(text),
        other => other.to_string(),
    }
}

/// Text for a YAML comment: on one line whatever it holds.
fn comment(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(offset: usize, indent: &str) -> InsertionPoint {
        InsertionPoint { offset, indent: indent.to_owned(), needs_key: false }
    }

    #[test]
    fn the_block_ends_at_its_last_indented_line() {
        let text = "a: 1\noperations:\n    \"GET /x\":\n        operationId: x\n\n# about b\nb: 2\n";
        let end = text.find("\n\n# about").unwrap() + 1;
        assert_eq!(insertion_point(text), Ok(point(end, "    ")));
        assert_eq!(insert(text, &point(end, "    "), "NEW\n"), text.replacen("x\n\n", "x\nNEW\n\n", 1));
    }

    #[test]
    fn a_last_block_ends_at_the_end_of_the_file() {
        let text = "operations:  # the entries\n  \"GET /x\":\n    operationId: x";
        let end = insertion_point(text).unwrap();
        assert_eq!(end, point(text.len(), "  "));
        assert_eq!(insert(text, &end, "NEW\n"), format!("{text}\nNEW\n"));
        let empty = "operations:\n# nothing yet\n";
        assert_eq!(insertion_point(empty), Ok(point("operations:\n".len(), "  ")));
    }

    #[test]
    fn a_file_without_operations_gains_the_key() {
        let text = "info: {title: t}";
        let point = insertion_point(text).unwrap();
        assert!(point.needs_key);
        assert_eq!(insert(text, &point, "  NEW\n"), "info: {title: t}\n\noperations:\n  NEW\n");
        assert_eq!(insert("", &insertion_point("").unwrap(), "  NEW\n"), "operations:\n  NEW\n");
    }

    #[test]
    fn inline_operations_are_refused() {
        let error = insertion_point("operations: {}\n").unwrap_err();
        assert!(error.contains("`operations:` is followed by `{}`"), "{error}");
    }

    #[test]
    fn crlf_files_stay_crlf() {
        let text = "operations:\r\n  \"GET /x\":\r\n    operationId: x\r\n";
        let point = insertion_point(text).unwrap();
        assert_eq!(point.offset, text.len());
        assert_eq!(insert(text, &point, "\n  NEW\n"), format!("{text}\r\n  NEW\r\n"));
    }

    #[test]
    fn scalars_are_quoted_when_yaml_would_misread_them() {
        assert_eq!(scalar("getPersons"), "getPersons");
        assert_eq!(scalar("api_key"), "api_key");
        assert_eq!(scalar("deals:read"), "\"deals:read\"");
        assert_eq!(scalar("Null"), "\"Null\"");
        assert_eq!(scalar("123"), "\"123\"");
        assert_eq!(scalar(""), "\"\"");
        let security = serde_json::json!([{"api_key": []}, {"oauth2": ["deals:read", "admin"]}]);
        assert_eq!(flow(&security), "[{api_key: []}, {oauth2: [\"deals:read\", admin]}]");
    }

    #[test]
    fn comments_stay_on_their_line() {
        assert_eq!(comment("one\rtwo\u{85}three"), "one two three");
    }
}
