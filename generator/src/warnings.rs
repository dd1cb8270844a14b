//! What a command does with the warnings of a generation run ([`crate::ir::Api::warnings`]): one
//! summary line with the count and the first few, the whole list for a file (`--warnings FILE`),
//! and `--strict`, under which any warning refuses the document.
//!
//! Warnings are lenient readings (a construct taken with one sensible meaning the letter of the
//! spec does not give it); each names the JSON pointer of the node it is about.

use crate::ir::Warning;

/// How many warnings the summary line shows before "and N more".
pub const SUMMARY_SHOWN: usize = 3;

/// What to do with warnings: print them (the default), or refuse the document (`strict`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// Every warning is an error: for those who want the letter of the spec.
    pub strict: bool,
}

/// `--strict` refused a document because it has warnings; lists every one of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: refused under --strict: {count} warning(s)\n{list}", count = warnings.len(), list = list(path, warnings))]
pub struct StrictRefusal {
    pub path: String,
    pub warnings: Vec<Warning>,
}

impl Policy {
    /// `Err` with every warning when the policy is strict and there are any.
    pub fn enforce(self, path: &str, warnings: &[Warning]) -> Result<(), StrictRefusal> {
        if self.strict && !warnings.is_empty() {
            Err(StrictRefusal { path: path.to_owned(), warnings: warnings.to_vec() })
        } else {
            Ok(())
        }
    }
}

/// One line: `PATH: 5 warnings (the first: POINTER: MESSAGE; ...; and 2 more)`, or `None` when
/// there are none. Messages are cut to one line each.
pub fn summary(path: &str, warnings: &[Warning]) -> Option<String> {
    if warnings.is_empty() {
        return None;
    }
    let shown: Vec<String> = warnings.iter().take(SUMMARY_SHOWN).map(one_line).collect();
    let more = warnings.len().saturating_sub(SUMMARY_SHOWN);
    let more = if more > 0 { format!("; and {more} more") } else { String::new() };
    let noun = if warnings.len() == 1 { "warning" } else { "warnings" };
    Some(format!("{path}: {} {noun} ({}{more})", warnings.len(), shown.join("; ")))
}

/// Every warning, one line each: `PATH: at POINTER: MESSAGE`.
pub fn list(path: &str, warnings: &[Warning]) -> String {
    warnings.iter().map(|warning| format!("{path}: at {}\n", one_line(warning))).collect()
}

fn one_line(warning: &Warning) -> String {
    let message = warning.message.lines().next().unwrap_or_default();
    let pointer = if warning.pointer.is_empty() { "/" } else { &warning.pointer };
    format!("{pointer}: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warning(pointer: &str, message: &str) -> Warning {
        Warning { pointer: pointer.to_owned(), message: message.to_owned() }
    }

    #[test]
    fn no_warnings_no_summary_and_strict_passes() {
        assert_eq!(summary("a.yaml", &[]), None);
        assert_eq!(Policy { strict: true }.enforce("a.yaml", &[]), Ok(()));
    }

    #[test]
    fn summary_counts_all_and_shows_the_first_few() {
        let warnings: Vec<Warning> = (0..5).map(|i| warning(&format!("/p/{i}"), &format!("m{i}\nsecond line"))).collect();
        assert_eq!(
            summary("a.yaml", &warnings).as_deref(),
            Some("a.yaml: 5 warnings (/p/0: m0; /p/1: m1; /p/2: m2; and 2 more)")
        );
        assert_eq!(summary("a.yaml", &warnings[..1]).as_deref(), Some("a.yaml: 1 warning (/p/0: m0)"));
    }

    #[test]
    fn strict_refuses_with_every_warning_and_lenient_does_not() {
        let warnings = vec![warning("/a", "first"), warning("", "whole document")];
        assert_eq!(Policy::default().enforce("a.yaml", &warnings), Ok(()));
        let refusal = Policy { strict: true }.enforce("a.yaml", &warnings).unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "a.yaml: refused under --strict: 2 warning(s)\na.yaml: at /a: first\na.yaml: at /: whole document\n"
        );
    }
}
