//! EventRedactor (`persistence/event_redactor.ex`, docs/asm-v0.8/domain.md §6.3): replaces secrets in event
//! payloads before they are stored.
//!
//! Patterns run in order, each over the output of the previous one; every match counts, so a
//! replacement can be matched again by a later pattern (`DATABASE_URL=postgres://…` counts 2).
//! Unlike ASM, the patterns then run again until nothing changes, so that redacting a redacted
//! text changes nothing.

mod config_json;
mod patterns;
mod policy;

use std::borrow::Cow;

use serde_json::Value;

pub use patterns::{CompiledPattern, DEFAULT_PATTERN_SOURCES, default_patterns};
pub use policy::{
    EventRedaction, RedactionHook, RedactionLog, RedactionPolicy, SessionRedaction, by_session,
};

use crate::event::{Event, EventType};
use crate::json::JsonMap;

/// Maps nested deeper than this below `data` (which is depth 0) are left untouched.
pub const MAX_DEPTH: usize = 10;

/// Which patterns run.
#[derive(Debug, Clone, Default)]
pub enum Patterns {
    /// The 22 defaults.
    #[default]
    Default,
    /// The defaults, then these.
    Extend(Vec<CompiledPattern>),
    /// Only these.
    Replace(Vec<CompiledPattern>),
}

/// What a match is replaced with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replacement {
    /// This text, inserted literally (no `$1` expansion).
    Text(String),
    /// `[REDACTED:<category>]`.
    Categorized,
}

impl Default for Replacement {
    fn default() -> Self {
        Replacement::Text("[REDACTED]".to_owned())
    }
}

/// The redaction settings; `Default` is ASM's `redact/2` defaults, which redact nothing.
#[derive(Debug, Clone)]
pub struct RedactionConfig {
    /// Master switch; when off the event comes back unchanged.
    pub enabled: bool,
    /// Which patterns run.
    pub patterns: Patterns,
    /// What a match becomes.
    pub replacement: Replacement,
    /// Scan all of `data` (true) or only the per-type fields (false).
    pub deep_scan: bool,
    /// Also scan `metadata` (always deeply).
    pub scan_metadata: bool,
}

impl Default for RedactionConfig {
    fn default() -> Self {
        RedactionConfig {
            enabled: false,
            patterns: Patterns::Default,
            replacement: Replacement::default(),
            deep_scan: true,
            scan_metadata: false,
        }
    }
}

impl RedactionConfig {
    /// The defaults with `enabled` on: what ASM's EventBuilder uses when a context carries a
    /// redaction map that does not mention `enabled`.
    pub fn enabled_default() -> RedactionConfig {
        RedactionConfig { enabled: true, ..RedactionConfig::default() }
    }
}

/// What [`redact`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Redaction {
    /// The event with secrets replaced.
    pub event: Event,
    /// How many matches were replaced, over all patterns and fields.
    pub redaction_count: usize,
    /// Top-level keys of `data` (and `metadata`) whose value changed, sorted, without duplicates.
    pub fields_redacted: Vec<String>,
}

/// Types whose payloads are never scanned.
const SKIPPED: [EventType; 14] = [
    EventType::SessionCreated,
    EventType::SessionStarted,
    EventType::SessionPaused,
    EventType::SessionResumed,
    EventType::SessionCompleted,
    EventType::SessionCancelled,
    EventType::RunStarted,
    EventType::RunCancelled,
    EventType::RunTimeout,
    EventType::TokenUsageUpdated,
    EventType::TurnCompleted,
    EventType::WorkspaceSnapshotTaken,
    EventType::WorkspaceDiffComputed,
    EventType::ErrorRecovered,
];

/// The `data` fields scanned when `deep_scan` is off; a type not listed has none.
fn scanned_fields(event_type: EventType) -> &'static [&'static str] {
    use EventType as T;
    match event_type {
        T::MessageSent | T::MessageReceived => &["content"],
        T::MessageStreamed => &["content", "delta"],
        T::ToolCallStarted => &["tool_input"],
        T::ToolCallCompleted | T::ToolCallFailed => &["tool_input", "tool_output"],
        T::ErrorOccurred | T::RunFailed | T::SessionFailed => &["error_message", "provider_error"],
        T::PolicyViolation => &["details"],
        _ => &[],
    }
}

/// ASM's `redact/2`: disabled or a skipped type gives the event back with count 0.
pub fn redact(event: &Event, config: &RedactionConfig) -> Redaction {
    if !config.enabled || SKIPPED.contains(&event.event_type) {
        return Redaction { event: event.clone(), redaction_count: 0, fields_redacted: Vec::new() };
    }
    let mut scanner = Scanner::new(config);
    let mut out = event.clone();
    let mut fields = Vec::new();
    if config.deep_scan {
        out.data = scanner.map(&event.data, 0, &mut fields);
    } else {
        for field in scanned_fields(event.event_type) {
            if let Some(value) = event.data.get(*field) {
                let new = scanner.value(value, 1);
                if &new != value {
                    fields.push((*field).to_owned());
                    out.data.insert((*field).to_owned(), new);
                }
            }
        }
    }
    if config.scan_metadata {
        out.metadata = scanner.map(&event.metadata, 0, &mut fields);
    }
    let fields_redacted = crate::sorted::set_of(fields).into_iter().collect();
    Redaction { event: out, redaction_count: scanner.count, fields_redacted }
}

/// ASM's `redact_map/2`: when enabled, scans the whole map deeply (no skip list, no field map)
/// and returns it; when disabled (the default) returns it unchanged.
pub fn redact_map(map: &JsonMap, config: &RedactionConfig) -> JsonMap {
    if !config.enabled {
        return map.clone();
    }
    Scanner::new(config).map(map, 0, &mut Vec::new())
}

/// Walks values, replacing matches and counting them.
struct Scanner<'a> {
    patterns: Vec<&'a CompiledPattern>,
    replacement: &'a Replacement,
    count: usize,
}

impl<'a> Scanner<'a> {
    fn new(config: &'a RedactionConfig) -> Scanner<'a> {
        let patterns = match &config.patterns {
            Patterns::Default => default_patterns().iter().collect(),
            Patterns::Extend(list) => default_patterns().iter().chain(list).collect(),
            Patterns::Replace(list) => list.iter().collect(),
        };
        Scanner { patterns, replacement: &config.replacement, count: 0 }
    }

    /// A map at `depth`, listing the keys whose value changed in `changed`.
    fn map(&mut self, map: &JsonMap, depth: usize, changed: &mut Vec<String>) -> JsonMap {
        if depth > MAX_DEPTH {
            return map.clone();
        }
        crate::json::object_of(map.iter().map(|(k, v)| {
            let new = self.value(v, depth + 1);
            if &new != v {
                changed.push(k.clone());
            }
            (k.clone(), new)
        }))
    }

    fn value(&mut self, value: &Value, depth: usize) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Object(m) => Value::Object(self.map(m, depth, &mut Vec::new())),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.value(v, depth + 1)).collect())
            }
            other => other.clone(),
        }
    }

    /// ASM's ordered pass, then passes again until one changes nothing: a replacement can
    /// complete a secret for an earlier pattern (`sk-ant-api…` followed by a bearer token), and
    /// redacting what was stored must change nothing. Those later passes skip a match lying
    /// wholly inside replacement text, so a pattern that matches its own replacement still ends.
    fn text(&mut self, text: &str) -> String {
        let mut current = Marked { text: Cow::Borrowed(text), replaced: Vec::new() };
        let mut first_pass = true;
        loop {
            let mut changed = false;
            // The ASCII lower-cased text for the patterns' needles, made again after a replacement.
            let mut lowered: Option<String> = None;
            for pattern in &self.patterns {
                let lower = lowered.get_or_insert_with(|| current.text.to_ascii_lowercase());
                if !pattern.may_match(lower) {
                    continue;
                }
                let with = replacement_text(self.replacement, &pattern.category);
                if let Some((next, hits)) = current.replace(pattern, &with, first_pass) {
                    self.count += hits;
                    current = next;
                    lowered = None;
                    changed = true;
                }
            }
            if !changed {
                return current.text.into_owned();
            }
            first_pass = false;
        }
    }
}

/// A text being redacted and which of its bytes are replacement text (empty: none yet).
struct Marked<'t> {
    text: Cow<'t, str>,
    replaced: Vec<bool>,
}

impl Marked<'_> {
    fn is_replaced(&self, at: usize) -> bool {
        self.replaced.get(at).copied().unwrap_or(false)
    }

    /// Every match of `pattern` replaced with `with`, and how many; `None` when there was none.
    /// Outside the first pass a match of replacement text alone is left as it is.
    fn replace(
        &self,
        pattern: &CompiledPattern,
        with: &str,
        first_pass: bool,
    ) -> Option<(Self, usize)> {
        let (mut text, mut replaced) = (String::new(), Vec::new());
        let (mut hits, mut last) = (0usize, 0usize);
        for found in pattern.regex.find_iter(&self.text) {
            let range = found.range();
            if range.len() < pattern.min_bytes
                || (!first_pass && range.clone().all(|at| self.is_replaced(at)))
            {
                continue;
            }
            text.push_str(&self.text[last..range.start]);
            replaced.extend((last..range.start).map(|at| self.is_replaced(at)));
            text.push_str(with);
            replaced.resize(replaced.len() + with.len(), true);
            last = range.end;
            hits += 1;
        }
        if hits == 0 {
            return None;
        }
        text.push_str(&self.text[last..]);
        replaced.extend((last..self.text.len()).map(|at| self.is_replaced(at)));
        Some((Marked { text: Cow::Owned(text), replaced }, hits))
    }
}

fn replacement_text<'r>(replacement: &'r Replacement, category: &str) -> Cow<'r, str> {
    match replacement {
        Replacement::Text(t) => Cow::Borrowed(t.as_str()),
        Replacement::Categorized => Cow::Owned(format!("[REDACTED:{category}]")),
    }
}
