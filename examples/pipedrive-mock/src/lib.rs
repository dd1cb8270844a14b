//! A stateful, in-memory Pipedrive API v1 built on the generated `pipedrive-server` crate: all 50
//! operations of `spec/pipedrive-v1.yaml`, behaving as the endpoint documentation in
//! `spec/docs/pipedrive-v1.txt` describes, for testing clients without the network.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! let mock = pipedrive_mock::Mock::new().with_seed_data();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let base = format!("http://{}", listener.local_addr()?);
//! // API operations answer under `{base}/v1`, OAuth under `{base}/oauth/...`.
//! pipedrive_mock::serve(listener, mock, async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```
//!
//! # Fixed credentials
//!
//! | credential | how to send it | who it is |
//! |---|---|---|
//! | [`ADMIN_API_TOKEN`] `mock-admin-token` | query `api_token=` | user 1, a global admin |
//! | [`USER_API_TOKEN`] `mock-user-token` | query `api_token=` | user 2, a regular user |
//! | [`ADMIN_BEARER`] `mock-admin-bearer` | `Authorization: Bearer` | user 1, a global admin |
//! | [`USER_BEARER`] `mock-user-bearer` | `Authorization: Bearer` | user 2, a regular user |
//! | [`CLIENT_ID`] / [`CLIENT_SECRET`] `mock-client-id` / `mock-client-secret` | `Authorization: Basic` on `POST /oauth/token` | the OAuth app |
//!
//! Access tokens issued by `POST /oauth/token` are bearer tokens of user 1 (who "approved" the
//! app on `GET /oauth/authorize`) and last [`TOKEN_LIFETIME_SECONDS`]; refresh tokens do not expire.
//! User 3 (`Third User`) exists to be followed and assigned.

#![forbid(unsafe_code)]

mod api;
mod pages;
pub mod rate;
mod seed;
mod state;

use std::sync::{Arc, Mutex, MutexGuard};

pub use pipedrive_server::RouterConfig;

/// API token of user 1, a global admin.
pub const ADMIN_API_TOKEN: &str = "mock-admin-token";
/// API token of user 2, a regular user (the collection endpoint answers 403 for it).
pub const USER_API_TOKEN: &str = "mock-user-token";
/// Bearer token of user 1, a global admin.
pub const ADMIN_BEARER: &str = "mock-admin-bearer";
/// Bearer token of user 2, a regular user.
pub const USER_BEARER: &str = "mock-user-bearer";
/// The OAuth app's client id (also the only `marketplace_client_id` allowed to link video-call users).
pub const CLIENT_ID: &str = "mock-client-id";
/// The OAuth app's client secret.
pub const CLIENT_SECRET: &str = "mock-client-secret";
/// Lifetime of issued access tokens.
pub const TOKEN_LIFETIME_SECONDS: i64 = 3599;
/// User id of the admin.
pub const ADMIN_USER_ID: i64 = 1;
/// User id of the regular user.
pub const REGULAR_USER_ID: i64 = 2;
/// User id of a third, regular user with no credentials (to follow and assign).
pub const THIRD_USER_ID: i64 = 3;

/// Who made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A user, by API token or bearer token.
    User(i64),
    /// The OAuth app, by its client credentials (token endpoint only).
    App(String),
}

/// The in-memory Pipedrive; cheap to share behind an `Arc`. All state is behind one mutex.
#[derive(Debug)]
pub struct Mock {
    state: Mutex<state::State>,
}

impl Default for Mock {
    fn default() -> Self {
        Mock::new()
    }
}

impl Mock {
    /// Users, fields, permission sets and their assignments only: no organizations or notes.
    pub fn new() -> Self {
        Mock { state: Mutex::new(state::State::new()) }
    }

    /// Adds demo organizations with persons, deals, activities, files, mail messages, notes,
    /// comments, followers, a relationship and a custom field value (`--seed-data`).
    pub fn with_seed_data(self) -> Self {
        seed::demo(&mut self.lock());
        self
    }

    /// The `api_domain` reported with issued OAuth tokens (default `http://127.0.0.1`).
    pub fn with_api_domain(self, api_domain: impl Into<String>) -> Self {
        self.lock().api_domain = api_domain.into();
        self
    }

    /// Adds `count` activities to organization `org_id` (there is no documented operation that
    /// creates activities); returns false when the organization does not exist.
    pub fn seed_activities(&self, org_id: i64, count: usize) -> bool {
        seed::activities(&mut self.lock(), org_id, count)
    }

    fn lock(&self) -> MutexGuard<'_, state::State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The generated router serving `mock` with `config` (OAuth at the root, the rest under `/v1`
/// by default). Answers of the API host carry Pipedrive's rate-limit headers ([`rate`]).
pub fn router_with(mock: Arc<Mock>, config: &RouterConfig) -> axum::Router {
    let counters = Arc::new(rate::Counters::default());
    pipedrive_server::router_with(mock, config).layer(axum::middleware::from_fn_with_state(counters, rate_headers_outside_oauth))
}

/// [`rate::headers`] for every request but the OAuth host's (`/oauth/...`).
async fn rate_headers_outside_oauth(
    counters: axum::extract::State<Arc<rate::Counters>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if request.uri().path().starts_with("/oauth/") {
        return next.run(request).await;
    }
    rate::headers(counters, request, next).await
}

/// The generated router serving `mock` with the default configuration.
pub fn router(mock: Arc<Mock>) -> axum::Router {
    router_with(mock, &RouterConfig::default())
}

/// Serves `mock` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    mock: Mock,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    pipedrive_server::runtime::app::serve(listener, router(Arc::new(mock)), shutdown).await
}

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
