//! The tests in `tests/` drive the generated client against a mock server on loopback.
//!
//! The workspace README is included here so that its Rust examples compile as doctests: a
//! README that shows an API the generated crates do not have fails `cargo test`.
#![doc = include_str!("../../../README.md")]
