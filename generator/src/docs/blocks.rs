//! First pass of the importer: cut one docs file into blocks, each running from its path line to
//! its closing `METHOD /path` line. Nothing inside a block is interpreted here.

use super::ImportError;

/// HTTP methods a closing line may name, as written in the docs (upper case).
pub(super) const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// One line of a docs file: its 1-based number and its text without the line ending.
#[derive(Debug, Clone, Copy)]
pub(super) struct Line<'a> {
    pub number: usize,
    pub text: &'a str,
}

/// A block whose closing line was found; its body lines lie strictly between the two.
#[derive(Debug)]
pub(super) struct Block<'a> {
    pub path_line: Line<'a>,
    /// The path line, trimmed: the path the operation lives under.
    pub path: &'a str,
    pub closing_line: Line<'a>,
    pub method: &'a str,
    pub body: Vec<Line<'a>>,
}

impl Block<'_> {
    /// How errors inside a closed block name it.
    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// Splits a file's text into lines. CRLF and LF endings are both accepted, so a file saved on
/// Windows imports the same as one saved elsewhere.
fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    text.split('\n')
        .enumerate()
        .map(|(index, raw)| Line { number: index + 1, text: raw.strip_suffix('\r').unwrap_or(raw) })
}

/// Parses `METHOD /path` (a known upper-case method, one space, a path without spaces).
pub(super) fn parse_closing_line(text: &str) -> Option<(&str, &str)> {
    let (method, path) = text.trim().split_once(' ')?;
    let is_path = path.starts_with('/') && !path.contains(char::is_whitespace);
    (METHODS.contains(&method) && is_path).then_some((method, path))
}

/// A block between its path line and the line that opened the next block or ended the file.
struct OpenBlock<'a> {
    path_line: Line<'a>,
    path: &'a str,
    body: Vec<Line<'a>>,
}

/// Cuts `text` into closed blocks. Blank (or whitespace-only) lines carry no meaning in the
/// format and are skipped everywhere, so they may be used freely to space blocks out.
pub(super) fn split_blocks<'a>(file: &str, text: &'a str, errors: &mut Vec<ImportError>) -> Vec<Block<'a>> {
    let mut blocks = Vec::new();
    let mut open: Option<OpenBlock<'a>> = None;
    for line in lines(text) {
        let trimmed = line.text.trim();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with('/') {
            if let Some(unclosed) = open.take() {
                errors.push(unclosed_error(file, &unclosed, &format!("the next path line (line {})", line.number)));
            }
            if trimmed.contains(char::is_whitespace) {
                errors.push(ImportError {
                    file: file.to_owned(),
                    line: line.number,
                    block: trimmed.to_owned(),
                    message: "a path line must hold only the path, without spaces".to_owned(),
                });
            }
            open = Some(OpenBlock { path_line: line, path: trimmed, body: Vec::new() });
        } else if let Some((method, closing_path)) = parse_closing_line(trimmed) {
            match open.take() {
                Some(block) if block.path == closing_path => blocks.push(Block {
                    path_line: block.path_line,
                    path: block.path,
                    closing_line: line,
                    method,
                    body: block.body,
                }),
                Some(block) => errors.push(ImportError {
                    file: file.to_owned(),
                    line: line.number,
                    block: block.path.to_owned(),
                    message: format!(
                        "closing line `{trimmed}` names path `{closing_path}`, but the block's path line (line {}) is `{}`",
                        block.path_line.number, block.path
                    ),
                }),
                None => errors.push(ImportError {
                    file: file.to_owned(),
                    line: line.number,
                    block: trimmed.to_owned(),
                    message: "closing line outside any block; a block starts with a path line".to_owned(),
                }),
            }
        } else {
            match open.as_mut() {
                Some(block) => block.body.push(line),
                None => errors.push(ImportError {
                    file: file.to_owned(),
                    line: line.number,
                    block: "(none)".to_owned(),
                    message: format!("line `{trimmed}` is outside any block; a block starts with a path line"),
                }),
            }
        }
    }
    if let Some(unclosed) = open {
        errors.push(unclosed_error(file, &unclosed, "the end of the file"));
    }
    blocks
}

fn unclosed_error(file: &str, block: &OpenBlock<'_>, reached: &str) -> ImportError {
    ImportError {
        file: file.to_owned(),
        line: block.path_line.number,
        block: block.path.to_owned(),
        message: format!("block has no closing `METHOD {}` line before {reached}", block.path),
    }
}
