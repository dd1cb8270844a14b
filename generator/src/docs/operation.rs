//! Second pass of the importer: read one closed block's body (description lines, parameter
//! table, request body, response lines) into an [`Operation`], reporting every problem found.

use serde_json::{json, Map, Value};

use super::blocks::{Block, Line};
use super::ImportError;

const PARAMETER_HEADER: [&str; 5] = ["Name", "In", "Required", "Type", "Description"];
const PROPERTY_HEADER: [&str; 3] = ["Property", "Type", "Required"];
const PARAMETER_LOCATIONS: [&str; 4] = ["path", "query", "header", "cookie"];
const TYPES: [&str; 6] = ["string", "integer", "number", "boolean", "array", "object"];
/// Top-level media types a request-body line may start with (RFC 6838 registries).
const MEDIA_TOP_LEVEL_TYPES: [&str; 9] =
    ["application", "text", "multipart", "image", "audio", "video", "font", "model", "message"];

/// What one block says about its operation, ready to be written into the document.
#[derive(Debug)]
pub(super) struct Operation {
    pub description: String,
    /// OpenAPI parameter objects, in table order.
    pub parameters: Vec<Value>,
    pub request_body: Option<RequestBody>,
    pub responses: Vec<String>,
}

/// A request body: its media type and the component schema the docs name it by.
#[derive(Debug)]
pub(super) struct RequestBody {
    pub media_type: String,
    pub schema_name: String,
    /// Line of the schema-name line, for conflicting-definition errors.
    pub schema_name_line: usize,
    pub schema: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TableKind {
    Parameters,
    Properties,
}

/// A run of `|` lines whose header was recognised.
#[derive(Debug)]
struct Table<'a> {
    kind: TableKind,
    header_line: usize,
    rows: Vec<(Line<'a>, Vec<&'a str>)>,
}

/// The body of a block, cut into the pieces the format is made of.
#[derive(Debug)]
enum Element<'a> {
    Text(Line<'a>),
    MediaType(Line<'a>),
    Table(Table<'a>),
}

impl Element<'_> {
    fn line_number(&self) -> usize {
        match self {
            Element::Text(line) | Element::MediaType(line) => line.number,
            Element::Table(table) => table.header_line,
        }
    }

    fn what(&self) -> &'static str {
        match self {
            Element::Text(_) => "text line",
            Element::MediaType(_) => "media type line",
            Element::Table(Table { kind: TableKind::Parameters, .. }) => "parameter table",
            Element::Table(Table { kind: TableKind::Properties, .. }) => "property table",
        }
    }
}

/// Collects errors for one block, each naming the file and the block.
struct Reporter<'e> {
    file: &'e str,
    block: String,
    errors: &'e mut Vec<ImportError>,
}

impl Reporter<'_> {
    fn error(&mut self, line: usize, message: impl Into<String>) {
        self.errors.push(ImportError {
            file: self.file.to_owned(),
            line,
            block: self.block.clone(),
            message: message.into(),
        });
    }
}

/// Reads a closed block. Returns `None` when the block has errors (they are pushed to `errors`).
pub(super) fn read_operation(file: &str, block: &Block<'_>, errors: &mut Vec<ImportError>) -> Option<Operation> {
    let errors_before = errors.len();
    let mut reporter = Reporter { file, block: block.name(), errors };
    let elements = cut_elements(&block.body, &mut reporter);
    let operation = read_elements(block, elements, &mut reporter);
    (reporter.errors.len() == errors_before).then_some(operation)
}

/// Groups consecutive `|` lines into tables and recognises media-type lines.
fn cut_elements<'a>(body: &[Line<'a>], reporter: &mut Reporter<'_>) -> Vec<Element<'a>> {
    let mut elements = Vec::new();
    let mut index = 0;
    while let Some(line) = body.get(index) {
        if is_table_line(line) {
            // A table runs until the first line that is not a table line or is another header.
            let start = index;
            index += 1;
            while body.get(index).is_some_and(|line| is_table_line(line) && table_kind(line).is_none()) {
                index += 1;
            }
            if let Some(table) = read_table(body.get(start..index).unwrap_or_default(), reporter) {
                elements.push(Element::Table(table));
            }
            continue;
        }
        if is_media_type(line.text.trim()) {
            elements.push(Element::MediaType(*line));
        } else {
            elements.push(Element::Text(*line));
        }
        index += 1;
    }
    elements
}

/// Which table a line is the header of, if it is a header.
fn table_kind(line: &Line<'_>) -> Option<TableKind> {
    let header = cells(line.text)?;
    let matches = |expected: &[&str]| {
        header.len() == expected.len()
            && header.iter().zip(expected).all(|(cell, name)| cell.eq_ignore_ascii_case(name))
    };
    if matches(&PARAMETER_HEADER) {
        Some(TableKind::Parameters)
    } else if matches(&PROPERTY_HEADER) {
        Some(TableKind::Properties)
    } else {
        None
    }
}

fn is_table_line(line: &Line<'_>) -> bool {
    line.text.trim_start().starts_with('|')
}

/// `type/subtype` with a registered top-level type and no spaces or parameters.
fn is_media_type(text: &str) -> bool {
    let Some((top, sub)) = text.split_once('/') else { return false };
    let is_token_char = |c: char| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c);
    MEDIA_TOP_LEVEL_TYPES.contains(&top) && !sub.is_empty() && sub.chars().all(is_token_char)
}

/// Splits `| a | b |` into trimmed cells; `None` if the line does not end with `|`.
fn cells(text: &str) -> Option<Vec<&str>> {
    let inner = text.trim().strip_prefix('|')?.strip_suffix('|')?;
    Some(inner.split('|').map(str::trim).collect())
}

fn is_separator(cells: &[&str]) -> bool {
    cells.iter().all(|cell| {
        let dashes = cell.trim_start_matches(':').trim_end_matches(':');
        !dashes.is_empty() && dashes.chars().all(|c| c == '-')
    })
}

/// Reads a header, a `|---|` separator and rows. Returns `None` if the header is not one the
/// format knows (the rows cannot be read without it).
fn read_table<'a>(lines: &[Line<'a>], reporter: &mut Reporter<'_>) -> Option<Table<'a>> {
    let (header_line, rest) = lines.split_first()?;
    let Some(kind) = table_kind(header_line) else {
        reporter.error(
            header_line.number,
            format!(
                "table starts with `{}`, which is not a table header; expected `| {} |` or `| {} |`",
                header_line.text.trim(),
                PARAMETER_HEADER.join(" | "),
                PROPERTY_HEADER.join(" | ")
            ),
        );
        return None;
    };
    let rows = match rest.split_first() {
        Some((separator, rows)) if cells(separator.text).is_some_and(|cells| is_separator(&cells)) => rows,
        _ => {
            reporter.error(header_line.number, "table header is not followed by a `|---|` separator line");
            rest
        }
    };
    let header_len = match kind {
        TableKind::Parameters => PARAMETER_HEADER.len(),
        TableKind::Properties => PROPERTY_HEADER.len(),
    };
    let mut table = Table { kind, header_line: header_line.number, rows: Vec::new() };
    for row in rows {
        match cells(row.text) {
            Some(row_cells) if row_cells.len() == header_len => table.rows.push((*row, row_cells)),
            Some(row_cells) => reporter.error(
                row.number,
                format!("table row has {} cells, but the table header has {header_len}", row_cells.len()),
            ),
            None => reporter.error(row.number, "table row does not end with `|`"),
        }
    }
    Some(table)
}

/// Checks the order of the pieces (description, parameters, body, responses) and reads them.
fn read_elements(block: &Block<'_>, elements: Vec<Element<'_>>, reporter: &mut Reporter<'_>) -> Operation {
    let has_structure = elements.iter().any(|element| !matches!(element, Element::Text(_)));
    let mut elements = elements.into_iter().peekable();

    // Without tables the format cannot tell a second description line from a response line,
    // so only the first line is the description.
    let mut description_lines = Vec::new();
    while let Some(Element::Text(line)) = elements.peek() {
        description_lines.push(line.text);
        elements.next();
        if !has_structure {
            break;
        }
    }
    if description_lines.is_empty() {
        reporter.error(block.path_line.number, "block has no description line after its path line");
    }

    let mut parameters = Vec::new();
    if let Some(Element::Table(table)) = elements.peek() {
        if table.kind == TableKind::Parameters {
            parameters = read_parameters(table, reporter);
            elements.next();
        }
    }

    let mut request_body = None;
    if let Some(Element::MediaType(media_line)) = elements.peek() {
        let media_line = *media_line;
        elements.next();
        request_body = read_request_body(media_line, &mut elements, reporter);
    }

    let mut responses = Vec::new();
    for element in elements {
        match element {
            Element::Text(line) => responses.push(line.text.to_owned()),
            other => reporter.error(
                other.line_number(),
                format!(
                    "unexpected {} here; a block is description lines, an optional parameter table, an optional request body (media type line, schema name line, property table), then response lines",
                    other.what()
                ),
            ),
        }
    }
    if responses.is_empty() {
        reporter.error(block.closing_line.number, "block has no response line before its closing line");
    }

    Operation { description: description_lines.join("\n"), parameters, request_body, responses }
}

/// Reads the schema-name line and property table that follow a media type line.
fn read_request_body<'a>(
    media_line: Line<'_>,
    elements: &mut std::iter::Peekable<impl Iterator<Item = Element<'a>>>,
    reporter: &mut Reporter<'_>,
) -> Option<RequestBody> {
    let media_type = media_line.text.trim();
    let Some(Element::Text(name_line)) = elements.peek() else {
        reporter.error(
            media_line.number,
            format!(
                "empty request body schema name: media type line `{media_type}` must be followed by a schema name line"
            ),
        );
        // The property table belongs to this body; reading on would only report it again.
        if let Some(Element::Table(Table { kind: TableKind::Properties, .. })) = elements.peek() {
            elements.next();
        }
        return None;
    };
    let name_line = *name_line;
    elements.next();
    let schema_name = name_line.text.trim();
    let is_component_name = schema_name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !is_component_name {
        reporter.error(
            name_line.number,
            format!("request body schema name `{schema_name}` may hold only letters, digits, `.`, `_` and `-`"),
        );
    }
    let Some(Element::Table(table @ Table { kind: TableKind::Properties, .. })) = elements.peek() else {
        reporter.error(
            name_line.number,
            format!(
                "request body schema `{schema_name}` is not followed by a `| {} |` table",
                PROPERTY_HEADER.join(" | ")
            ),
        );
        return None;
    };
    let schema = read_properties(table, reporter);
    elements.next();
    Some(RequestBody {
        media_type: media_type.to_owned(),
        schema_name: schema_name.to_owned(),
        schema_name_line: name_line.number,
        schema,
    })
}

fn read_parameters(table: &Table<'_>, reporter: &mut Reporter<'_>) -> Vec<Value> {
    let mut parameters = Vec::new();
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (line, row) in &table.rows {
        let [name, location, required, type_name, description] = row.as_slice() else { continue };
        if name.is_empty() {
            reporter.error(line.number, "parameter name is empty");
        }
        if seen.contains(&(name, location)) {
            reporter.error(line.number, format!("parameter `{name}` in `{location}` is listed twice"));
        }
        seen.push((name, location));
        if !PARAMETER_LOCATIONS.contains(location) {
            reporter.error(
                line.number,
                format!(
                    "parameter `{name}` has unknown In value `{location}`; expected one of {}",
                    PARAMETER_LOCATIONS.join(", ")
                ),
            );
        }
        let what = format!("parameter `{name}`");
        let required = read_required(line, &what, required, reporter);
        let schema = read_type(line, &what, type_name, reporter);
        parameters.push(json!({
            "name": name,
            "in": location,
            "required": required,
            "description": description,
            "schema": schema,
        }));
    }
    parameters
}

/// The component schema of a request body: an object with the table's properties.
fn read_properties(table: &Table<'_>, reporter: &mut Reporter<'_>) -> Value {
    let mut required_names = Vec::new();
    let mut properties = Map::new();
    for (line, row) in &table.rows {
        let [name, type_name, required] = row.as_slice() else { continue };
        if name.is_empty() {
            reporter.error(line.number, "property name is empty");
        }
        if properties.contains_key(*name) {
            reporter.error(line.number, format!("property `{name}` is listed twice"));
        }
        let what = format!("property `{name}`");
        let schema = read_type(line, &what, type_name, reporter);
        if read_required(line, &what, required, reporter) {
            required_names.push(Value::from(*name));
        }
        properties.insert((*name).to_owned(), schema);
    }
    let mut schema = Map::new();
    schema.insert("type".to_owned(), "object".into());
    if !required_names.is_empty() {
        schema.insert("required".to_owned(), Value::Array(required_names));
    }
    schema.insert("properties".to_owned(), Value::Object(properties));
    Value::Object(schema)
}

fn read_required(line: &Line<'_>, what: &str, value: &str, reporter: &mut Reporter<'_>) -> bool {
    match value {
        "required" => true,
        "optional" => false,
        other => {
            reporter.error(
                line.number,
                format!("{what} has unknown Required value `{other}`; expected required or optional"),
            );
            false
        }
    }
}

/// The schema for a docs type. The docs never say what an array holds, so `items` is left open.
fn read_type(line: &Line<'_>, what: &str, type_name: &str, reporter: &mut Reporter<'_>) -> Value {
    match type_name {
        "array" => json!({"type": "array", "items": {}}),
        known if TYPES.contains(&known) => json!({ "type": known }),
        other => {
            reporter.error(
                line.number,
                format!("{what} has unknown Type value `{other}`; expected one of {}", TYPES.join(", ")),
            );
            Value::Null
        }
    }
}
