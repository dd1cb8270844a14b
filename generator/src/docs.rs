//! Importer for the endpoint-documentation text format (see `spec/docs/`): blocks of a path line,
//! description lines, optional parameter and request-body tables, response lines and a closing
//! `METHOD /path` line, parsed into an OpenAPI 3.0.3 document.
//!
//! STUB: the real importer replaces this file.

use crate::source::SourceFile;

/// One problem in a docs file, located by file, line and block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub file: String,
    pub line: usize,
    /// The block the problem is in, as its path line (or `METHOD /path` once known).
    pub block: String,
    pub message: String,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: in block `{}`: {}", self.file, self.line, self.block, self.message)
    }
}

/// Every problem found in the docs, in file and line order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct ImportErrors(pub Vec<ImportError>);

/// Parses the docs files into one OpenAPI document (as JSON, keys in insertion order).
pub fn import(_files: &[SourceFile]) -> Result<serde_json::Value, ImportErrors> {
    unimplemented!("docs importer")
}
