//! Pagination as the spec's `x-pagination` says (offset: `start`/`limit`; cursor: an opaque
//! `cursor`), and sorting by `sort=field ASC, other DESC`.

use std::cmp::Ordering;

use base64::Engine as _;
use pipedrive_server::types::{AdditionalDataFlatPagination, AdditionalDataWithCursor, PaginationDetails};
use pipedrive_server::ApiError;
use serde_json::Value;

/// Page size when `limit` is not given.
pub const DEFAULT_LIMIT: i64 = 100;
/// The largest page.
pub const MAX_LIMIT: i64 = 500;

/// One offset page of `items` and where it sits.
pub struct OffsetPage<T> {
    pub items: Vec<T>,
    pub start: i64,
    pub limit: i64,
    pub more: bool,
}

impl<T> OffsetPage<T> {
    /// `additional_data.pagination` (with `next_start` only when there is more).
    pub fn details(&self) -> PaginationDetails {
        PaginationDetails {
            start: Some(self.start),
            limit: Some(self.limit),
            more_items_in_collection: Some(self.more),
            next_start: self.more.then(|| self.start.saturating_add(self.limit)),
        }
    }

    /// `additional_data` of the flat style.
    pub fn flat(&self) -> AdditionalDataFlatPagination {
        AdditionalDataFlatPagination {
            start: Some(self.start),
            limit: Some(self.limit),
            more_items_in_collection: Some(self.more),
        }
    }
}

/// The page of `items` at `start` (default 0) of `limit` items (default 100, at most `max`).
pub fn offset<T>(items: Vec<T>, start: Option<i64>, limit: Option<i64>, max: i64) -> OffsetPage<T> {
    let start = start.unwrap_or(0).max(0);
    let limit = limit.unwrap_or(DEFAULT_LIMIT.min(max)).clamp(1, max);
    let skip = usize::try_from(start).unwrap_or(usize::MAX);
    let take = usize::try_from(limit).unwrap_or(usize::MAX);
    let total = items.len();
    let items: Vec<T> = items.into_iter().skip(skip).take(take).collect();
    let more = skip.saturating_add(take) < total;
    OffsetPage { items, start, limit, more }
}

/// One cursor page and the cursor of the next one.
pub struct CursorPage<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> CursorPage<T> {
    pub fn additional(&self) -> AdditionalDataWithCursor {
        AdditionalDataWithCursor { next_cursor: self.next.clone().into() }
    }
}

/// Cursor pages over `items`, ordered by their `key` (ascending, unique); the cursor names the
/// key of the first item of the next page.
pub fn cursor<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> i64,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> Result<CursorPage<T>, ApiError> {
    let from = match cursor {
        None => i64::MIN,
        Some(text) => decode_cursor(text)?,
    };
    let limit = usize::try_from(limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)).unwrap_or(100);
    let mut rest: Vec<T> = items.into_iter().filter(|item| key(item) >= from).collect();
    let next = rest.get(limit).map(|item| encode_cursor(key(item)));
    rest.truncate(limit);
    Ok(CursorPage { items: rest, next })
}

pub fn encode_cursor(key: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("key:{key}"))
}

fn decode_cursor(text: &str) -> Result<i64, ApiError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|decoded| decoded.strip_prefix("key:").and_then(|key| key.parse().ok()))
        .ok_or_else(|| {
            ApiError::bad_request("the cursor is not valid")
                .with_detail("pass a next_cursor returned by a previous page")
        })
}

/// Sorts `items` by `sort` (`field [ASC|DESC]`, comma-separated), comparing their JSON values;
/// `allowed` lists the sortable fields.
pub fn sort<T: serde::Serialize>(items: Vec<T>, sort: Option<&str>, allowed: &[&str]) -> Result<Vec<T>, ApiError> {
    let Some(sort) = sort.map(str::trim).filter(|sort| !sort.is_empty()) else {
        return Ok(items);
    };
    let mut keys = Vec::new();
    for part in sort.split(',') {
        let mut words = part.split_whitespace();
        let Some(field) = words.next() else {
            return Err(ApiError::bad_request(format!("the sort `{sort}` has an empty field")));
        };
        if !allowed.contains(&field) {
            return Err(ApiError::bad_request(format!("cannot sort by `{field}`"))
                .with_detail(format!("sortable fields: {}", allowed.join(", "))));
        }
        let descending = match words.next().map(str::to_ascii_uppercase).as_deref() {
            None | Some("ASC") => false,
            Some("DESC") => true,
            Some(other) => return Err(ApiError::bad_request(format!("unknown sort direction `{other}`"))),
        };
        if words.next().is_some() {
            return Err(ApiError::bad_request(format!("the sort `{part}` has extra words")));
        }
        keys.push((field.to_owned(), descending));
    }
    let mut keyed: Vec<(Value, T)> =
        items.into_iter().map(|item| (serde_json::to_value(&item).unwrap_or(Value::Null), item)).collect();
    keyed.sort_by(|(left, _), (right, _)| {
        for (field, descending) in &keys {
            let order = compare(left.get(field), right.get(field));
            let order = if *descending { order.reverse() } else { order };
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    });
    Ok(keyed.into_iter().map(|(_, item)| item).collect())
}

fn compare(left: Option<&Value>, right: Option<&Value>) -> Ordering {
    match (left, right) {
        (Some(Value::Number(left)), Some(Value::Number(right))) => {
            left.as_f64().unwrap_or(0.0).total_cmp(&right.as_f64().unwrap_or(0.0))
        }
        (Some(Value::String(left)), Some(Value::String(right))) => left.to_lowercase().cmp(&right.to_lowercase()),
        (Some(Value::Bool(left)), Some(Value::Bool(right))) => left.cmp(right),
        (None | Some(Value::Null), None | Some(Value::Null)) => Ordering::Equal,
        (None | Some(Value::Null), _) => Ordering::Less,
        (_, None | Some(Value::Null)) => Ordering::Greater,
        (Some(left), Some(right)) => left.to_string().cmp(&right.to_string()),
    }
}

/// Parses comma-separated integer ids (`ids=1,2,3`); ids too large for any record are left out
/// (they name nothing), anything that is not a number is refused.
pub fn ids(text: &str) -> Result<Vec<i64>, ApiError> {
    let mut ids = Vec::new();
    let mut any = false;
    for part in text.split(',').map(str::trim).filter(|part| !part.is_empty()) {
        let digits = part.strip_prefix('-').unwrap_or(part);
        if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(
                ApiError::bad_request("ids must be comma-separated integers").with_detail(format!("got `{text}`"))
            );
        }
        any = true;
        if let Ok(id) = part.parse::<i64>() {
            ids.push(id);
        }
    }
    if any {
        Ok(ids)
    } else {
        Err(ApiError::bad_request("ids must be comma-separated integers").with_detail(format!("got `{text}`")))
    }
}
