//! Test harness for the runtime templates: every file under `client/`, `server/` and `types/` is
//! compiled here as `runtime::<file>` exactly as the generator writes it into a generated
//! crate (`src/runtime/<file>.rs`), so `super::<sibling>` paths resolve the same way.
#![forbid(unsafe_code)]

// Inline modules take their directory from `#[path]`; pointing `client` at `../client`
// and `runtime` at `.` makes the files resolve without directories that do not exist.

/// The modules written into a generated client crate.
#[path = "../client"]
pub mod client {
    #[path = "."]
    pub mod runtime {
        pub mod auth;
        pub mod client;
        pub mod error;
        pub mod headers;
        pub mod paginate;
        pub mod params;
        pub mod retry;
    }
}

/// The modules written into a generated server crate.
#[path = "../server"]
pub mod server {
    #[path = "."]
    pub mod runtime {
        pub mod app;
        pub mod auth;
        pub mod envelope;
        pub mod extract;
        pub mod formats;
        /// Written into servers whose document has typed multipart bodies.
        pub mod multipart;
        pub mod refusals;
        pub mod respond;
        /// Written into round-trip crates only (beside `schema` and `validate`).
        pub mod sample;
        pub mod schema;
        pub mod validate;
    }
}

/// The modules written into a round-trip crate (`generator::emit::generate_roundtrip`), where
/// `auth`, `schema`, `validate` and `sample` sit beside the harness as they do here.
#[path = "../roundtrip"]
pub mod roundtrip {
    #[path = "."]
    pub mod runtime {
        pub use crate::server::runtime::{auth, sample, schema, validate};
        pub mod harness;
    }
}

/// The module written into a generated types crate as `src/support.rs`.
#[path = "../types"]
pub mod types {
    pub mod support;
}
