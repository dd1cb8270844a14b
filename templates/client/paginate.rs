//! A `futures::Stream` of items that walks every page of a paginated operation. The
//! generator emits a [`Paging`] description (JSON pointers from the spec's pagination
//! extension) and a closure that fetches one page as JSON; this module decides what to ask
//! for next and when to stop.

use ::futures::stream::{self, Stream, TryStreamExt as _};
use ::serde_json::Value;

use super::error::Error;

/// How an operation pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagingStyle {
    /// `start`/`limit` style. The next offset is read at `next_offset` when given (absent
    /// or null there ends the walk), else it is the offset plus the items received. A
    /// `has_more` pointer that reads `false` ends the walk; without either pointer a
    /// short page ends it.
    Offset { next_offset: Option<&'static str>, has_more: Option<&'static str> },
    /// `cursor`/`limit` style: the next cursor is read at `next_cursor`; null, absent or
    /// empty ends the walk.
    Cursor { next_cursor: &'static str },
}

/// Static description of a paginated operation, emitted by the generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub style: PagingStyle,
    /// Where the page's items are: `/data`. A null or absent value is an empty page.
    pub items: &'static str,
}

/// What to ask for: the closure puts these into the operation's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// Offset of the first item (offset style; 0 for cursor style).
    pub offset: u64,
    /// Cursor from the previous page (cursor style; `None` on the first page).
    pub cursor: Option<String>,
    /// Page size, when the caller set one.
    pub limit: Option<u64>,
}

/// What one page told us about the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Offset(u64),
    Cursor(String),
    Done,
}

/// One fetched page: its items and what comes next.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Next,
}

struct Walk<F> {
    fetch: F,
    request: Option<PageRequest>,
    /// Cursors seen so far, so that a server repeating one cannot make the walk endless.
    seen_cursors: Vec<String>,
}

/// Walks pages from `first`, with a fetch that returns typed pages and decides `next`
/// itself; yields every item. Stops on [`Next::Done`], an offset that does not advance or
/// a cursor seen before.
pub fn paginate_pages<T, E, F, Fut>(first: PageRequest, fetch: F) -> impl Stream<Item = Result<T, Error<E>>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: ::std::future::Future<Output = Result<Page<T>, Error<E>>>,
{
    let walk = Walk { fetch, request: Some(first), seen_cursors: Vec::new() };
    stream::try_unfold(walk, |mut walk| async move {
        let Some(request) = walk.request.take() else {
            return Ok(None);
        };
        let page = (walk.fetch)(request.clone()).await?;
        walk.request = match page.next {
            Next::Done => None,
            Next::Offset(offset) if offset <= request.offset => None,
            Next::Offset(offset) => Some(PageRequest { offset, cursor: None, limit: request.limit }),
            Next::Cursor(cursor) if walk.seen_cursors.contains(&cursor) => None,
            Next::Cursor(cursor) => {
                walk.seen_cursors.push(cursor.clone());
                Some(PageRequest { offset: 0, cursor: Some(cursor), limit: request.limit })
            }
        };
        Ok(Some((page.items, walk)))
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
}

/// Walks all pages, starting at `start_offset` with page size `limit`, with a fetch that
/// returns each page body as JSON; items are found and the next page decided by the
/// pointers in `paging`. Each item is decoded as `T` (a decode error names the path in the
/// page, e.g. `data[3].id`).
pub fn paginate<T, E, F, Fut>(
    operation: &'static str,
    paging: Paging,
    start_offset: u64,
    limit: Option<u64>,
    mut fetch: F,
) -> impl Stream<Item = Result<T, Error<E>>>
where
    T: ::serde::de::DeserializeOwned,
    F: FnMut(PageRequest) -> Fut,
    Fut: ::std::future::Future<Output = Result<Value, Error<E>>>,
{
    let first = PageRequest { offset: start_offset, cursor: None, limit };
    paginate_pages(first, move |request: PageRequest| {
        let body = fetch(request.clone());
        async move {
            let body = body.await?;
            let items = page_items::<T, E>(operation, paging.items, &body)?;
            let next = next_page(&paging, &request, &body, items.len());
            Ok(Page { items, next })
        }
    })
}

/// Decides the next page from the current one.
pub fn next_page(paging: &Paging, request: &PageRequest, page: &Value, received: usize) -> Next {
    match paging.style {
        PagingStyle::Offset { next_offset, has_more } => {
            if received == 0 {
                return Next::Done;
            }
            if let Some(pointer) = has_more {
                if page.pointer(pointer).and_then(Value::as_bool) != Some(true) {
                    return Next::Done;
                }
            }
            if let Some(pointer) = next_offset {
                return match page.pointer(pointer).and_then(as_offset) {
                    Some(offset) => Next::Offset(offset),
                    None => Next::Done,
                };
            }
            let short = request.limit.is_some_and(|limit| (received as u64) < limit);
            if has_more.is_none() && short {
                return Next::Done;
            }
            Next::Offset(request.offset.saturating_add(received as u64))
        }
        PagingStyle::Cursor { next_cursor } => match page.pointer(next_cursor) {
            Some(Value::String(cursor)) if !cursor.is_empty() => Next::Cursor(cursor.clone()),
            Some(Value::Number(number)) => Next::Cursor(number.to_string()),
            _ => Next::Done,
        },
    }
}

fn as_offset(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

fn page_items<T: ::serde::de::DeserializeOwned, E>(
    operation: &'static str,
    pointer: &str,
    page: &Value,
) -> Result<Vec<T>, Error<E>> {
    match page.pointer(pointer) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                ::serde_path_to_error::deserialize(item).map_err(|error| {
                    let inner = error.path().to_string();
                    let mut path = pointer.trim_start_matches('/').replace('/', ".");
                    path.push_str(&format!("[{index}]"));
                    if inner != "." {
                        path.push('.');
                        path.push_str(&inner);
                    }
                    Error::Decode { operation, path, message: error.into_inner().to_string() }
                })
            })
            .collect(),
        Some(_) => Err(Error::Decode {
            operation,
            path: pointer.to_owned(),
            message: "expected an array of items".to_owned(),
        }),
    }
}
