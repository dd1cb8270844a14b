//! The generator library behind `cargo xtask`.
//!
//! Two pipelines live here, each a chain of plain functions:
//!
//! * **spec**: endpoint documentation text ([`docs`]) plus an overlay of facts the docs leave
//!   out ([`overlay`]) become one OpenAPI 3.0.3 document ([`spec`]).
//! * **codegen**: any OpenAPI document is loaded, lowered to a plain-data IR and emitted as Rust
//!   crates (added by the generator-core and emitter modules).
//!
//! Nothing in this crate names or special-cases one API: everything API-specific lives in the
//! files under `spec/` that these functions read.

pub mod docs;
pub mod emit;
pub mod ir;
pub mod load;
pub mod lower;
pub mod overlay;
pub mod pointer;
pub mod source;
pub mod spec;
pub mod warnings;
