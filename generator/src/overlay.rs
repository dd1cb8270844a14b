//! Merges `spec/overlay.yaml` (facts the docs leave out) onto the imported document.
//!
//! STUB: the real merge replaces this file.

use crate::source::SourceFile;

/// One problem in the overlay, located by file and the overlay key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlayError {
    pub file: String,
    /// Where in the overlay, as a key path such as `operations."GET /notes".parameters.start`.
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for OverlayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: at {}: {}", self.file, self.at, self.message)
    }
}

/// Every problem found while merging the overlay.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct OverlayErrors(pub Vec<OverlayError>);

/// Applies the overlay to `doc`. On error `doc` is left exactly as it was.
pub fn apply(_doc: &mut serde_json::Value, _overlay: &SourceFile) -> Result<(), OverlayErrors> {
    unimplemented!("overlay merge")
}
