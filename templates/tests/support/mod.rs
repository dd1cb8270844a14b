//! A `tracing` subscriber that writes every span and event with all its fields into a
//! string, so tests can check what would be logged (and that no secret is).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_core::span::Current as CurrentSpan;
use tracing::{Event, Metadata, Subscriber};

#[derive(Clone, Default)]
pub struct Capture {
    log: Arc<Mutex<String>>,
    next_id: Arc<AtomicU64>,
    /// Metadata of every span by id, and the entered spans, so `Span::current()` works
    /// (the tests run on one thread).
    spans: Arc<Mutex<HashMap<u64, &'static Metadata<'static>>>>,
    entered: Arc<Mutex<Vec<u64>>>,
}

impl Capture {
    pub fn text(&self) -> String {
        self.log.lock().map(|log| log.clone()).unwrap_or_default()
    }

    fn append(&self, line: String) {
        if let Ok(mut log) = self.log.lock() {
            log.push_str(&line);
            log.push('\n');
        }
    }
}

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _metadata: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let mut line = Line(format!("span {}", attributes.metadata().name()));
        attributes.record(&mut line);
        self.append(line.0);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        if let Ok(mut spans) = self.spans.lock() {
            spans.insert(id, attributes.metadata());
        }
        Id::from_u64(id)
    }

    fn record(&self, _span: &Id, values: &Record<'_>) {
        let mut line = Line("record".to_owned());
        values.record(&mut line);
        self.append(line.0);
    }

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut line = Line(format!("event {}", event.metadata().target()));
        event.record(&mut line);
        self.append(line.0);
    }

    fn enter(&self, span: &Id) {
        if let Ok(mut entered) = self.entered.lock() {
            entered.push(span.into_u64());
        }
    }

    fn exit(&self, span: &Id) {
        if let Ok(mut entered) = self.entered.lock() {
            if let Some(position) = entered.iter().rposition(|id| *id == span.into_u64()) {
                entered.remove(position);
            }
        }
    }

    fn current_span(&self) -> CurrentSpan {
        let current = self.entered.lock().ok().and_then(|entered| entered.last().copied());
        let metadata = current.and_then(|id| self.spans.lock().ok().and_then(|spans| spans.get(&id).copied()));
        match (current, metadata) {
            (Some(id), Some(metadata)) => CurrentSpan::new(Id::from_u64(id), metadata),
            _ => CurrentSpan::none(),
        }
    }
}
