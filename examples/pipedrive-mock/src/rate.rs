//! Pipedrive's rate-limit headers on every answer of the API host (not the OAuth host), as the
//! real API sends them (`../shared/reference/pipedrive-v1-rate-limits.txt`): requests per
//! credential in 2-second windows, and POST/PUT requests left today for API tokens. The mock
//! counts but never refuses: it reports the budget, it does not enforce it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;

/// Requests per 2-second window the mock reports for every credential.
pub const WINDOW_LIMIT: u32 = 80;
/// POST/PUT requests per day the mock reports for every API token.
pub const DAILY_LIMIT: u32 = 10_000;
const WINDOW: Duration = Duration::from_secs(2);

/// Per credential: the current window's start and count, and POST/PUT requests so far.
#[derive(Debug, Default)]
pub struct Counters {
    by_credential: Mutex<BTreeMap<String, (Instant, u32, u32)>>,
}

/// The middleware: counts the request and adds the headers to its answer.
pub async fn headers(State(counters): State<Arc<Counters>>, request: Request, next: Next) -> Response {
    let api_token = request
        .uri()
        .query()
        .into_iter()
        .flat_map(|query| query.split('&'))
        .find_map(|pair| pair.strip_prefix("api_token="))
        .map(str::to_owned);
    let credential = api_token.clone().or_else(|| {
        request.headers().get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned)
    });
    let writes = matches!(*request.method(), Method::POST | Method::PUT);
    let counted = credential.map(|credential| counters.count(credential, writes));
    let mut response = next.run(request).await;
    if let Some((remaining, reset, daily_left)) = counted {
        let headers = response.headers_mut();
        headers.insert("x-ratelimit-limit", HeaderValue::from(WINDOW_LIMIT));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
        headers.insert("x-ratelimit-reset", HeaderValue::from(reset));
        if api_token.is_some() {
            headers.insert("x-daily-requests-left", HeaderValue::from(daily_left));
        }
    }
    response
}

impl Counters {
    /// Counts one request: (remaining in the window, seconds until it resets, writes left today).
    fn count(&self, credential: String, writes: bool) -> (u32, u64, u32) {
        let now = Instant::now();
        let mut by_credential = self.by_credential.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = by_credential.entry(credential).or_insert((now, 0, 0));
        if now.duration_since(entry.0) >= WINDOW {
            entry.0 = now;
            entry.1 = 0;
        }
        entry.1 = entry.1.saturating_add(1);
        entry.2 = entry.2.saturating_add(u32::from(writes));
        let reset = (WINDOW.saturating_sub(now.duration_since(entry.0))).as_secs_f64().ceil() as u64;
        (WINDOW_LIMIT.saturating_sub(entry.1), reset, DAILY_LIMIT.saturating_sub(entry.2))
    }
}
