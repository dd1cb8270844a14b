//! When and how long to wait before repeating a request: exponential backoff with jitter,
//! bounded by attempts and total time, honouring `Retry-After`. Only idempotent methods are
//! retried unless the policy says otherwise, because repeating a POST may repeat its effect.

use ::std::time::{Duration, SystemTime};

/// Retry settings of a client; `RetryPolicy::default()` retries 429/502/503/504 up to three
/// attempts in total, `RetryPolicy::none()` never retries.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in total, the first one included; 1 means no retries.
    pub max_attempts: u32,
    /// Backoff before the first retry; doubled for every further retry.
    pub base_backoff: Duration,
    /// Upper bound of a single computed backoff.
    pub max_backoff: Duration,
    /// No retry is started if waiting for it would end later than this after the first
    /// attempt started.
    pub max_elapsed: Duration,
    /// A `Retry-After` longer than this is not waited for: the response is returned as is.
    pub max_retry_after: Duration,
    /// Response statuses that are retried.
    pub retry_statuses: Vec<u16>,
    /// Also retry POST and PATCH (off by default: they may not be idempotent).
    pub retry_non_idempotent: bool,
    /// Also retry connection failures (the request never reached the server).
    pub retry_connect_errors: bool,
    /// Randomise each backoff within its upper half (off gives the exact exponential value).
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            retry_statuses: vec![429, 502, 503, 504],
            retry_non_idempotent: false,
            retry_connect_errors: true,
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    pub fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_backoff = base;
        self.max_backoff = max;
        self
    }

    pub fn with_max_elapsed(mut self, max_elapsed: Duration) -> Self {
        self.max_elapsed = max_elapsed;
        self
    }

    pub fn with_max_retry_after(mut self, max_retry_after: Duration) -> Self {
        self.max_retry_after = max_retry_after;
        self
    }

    pub fn with_retry_statuses(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.retry_statuses = statuses.into_iter().collect();
        self
    }

    pub fn with_retry_non_idempotent(mut self, enabled: bool) -> Self {
        self.retry_non_idempotent = enabled;
        self
    }

    pub fn with_jitter(mut self, enabled: bool) -> Self {
        self.jitter = enabled;
        self
    }

    /// Whether requests with this method may be repeated under this policy.
    pub fn allows_method(&self, method: &::reqwest::Method) -> bool {
        self.retry_non_idempotent || is_idempotent(method)
    }

    /// Whether a response with this status is worth repeating.
    pub fn retries_status(&self, status: ::reqwest::StatusCode) -> bool {
        self.retry_statuses.contains(&status.as_u16())
    }

    /// The computed wait before retry number `retry` (1 for the first retry):
    /// `base * 2^(retry-1)`, capped at `max_backoff`, and with jitter somewhere in
    /// `[half, full]` of that so that many clients do not retry in lockstep.
    pub fn backoff(&self, retry: u32, rng: &mut ::fastrand::Rng) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        let full = self.base_backoff.saturating_mul(1u32 << exponent).min(self.max_backoff);
        if !self.jitter || full.is_zero() {
            return full;
        }
        let half = full / 2;
        let spread = u64::try_from((full - half).as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(rng.u64(0..=spread))
    }

    /// Decides the wait before the next attempt, or `None` to stop and hand the last
    /// outcome to the caller. `attempts_made` counts the attempts so far, `elapsed` is the
    /// time since the first one started, `retry_after` is the server's hint, if any.
    pub fn next_delay(
        &self,
        attempts_made: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
        rng: &mut ::fastrand::Rng,
    ) -> Option<Duration> {
        if attempts_made >= self.max_attempts {
            return None;
        }
        let delay = match retry_after {
            Some(hint) if hint > self.max_retry_after => return None,
            Some(hint) => hint,
            None => self.backoff(attempts_made, rng),
        };
        if elapsed.saturating_add(delay) > self.max_elapsed {
            return None;
        }
        Some(delay)
    }
}

/// Methods whose repetition has no further effect (RFC 9110, section 9.2.2).
pub fn is_idempotent(method: &::reqwest::Method) -> bool {
    use ::reqwest::Method;
    [Method::GET, Method::HEAD, Method::PUT, Method::DELETE, Method::OPTIONS, Method::TRACE]
        .contains(method)
}

/// Reads a `Retry-After` header: either delay-seconds or an HTTP-date (a date in the past
/// means "now"). Unreadable values are ignored.
pub fn parse_retry_after(headers: &::reqwest::header::HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(::reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = ::httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}
