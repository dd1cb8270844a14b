//! Test harness for the runtime templates: every file under `client/` and `server/` is
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
        #[path = "auth.rs"]
        pub mod auth;
        #[path = "client.rs"]
        pub mod client;
        #[path = "error.rs"]
        pub mod error;
        #[path = "paginate.rs"]
        pub mod paginate;
        #[path = "params.rs"]
        pub mod params;
        #[path = "retry.rs"]
        pub mod retry;
    }
}
