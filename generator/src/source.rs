//! Input files as the pipelines see them: a display path (used in every error message) and text.

/// One input file. `path` is what error messages print, normally relative to the workspace root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        Self { path: path.into(), text: text.into() }
    }
}
