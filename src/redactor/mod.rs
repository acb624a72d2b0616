//! EventRedactor (`persistence/event_redactor.ex`, docs/asm-v0.8/domain.md §6.3): replaces secrets in event
//! payloads before they are stored.
//!
//! Patterns run in order, each over the output of the previous one; every match counts, so a
//! replacement can be matched again by a later pattern (`DATABASE_URL=postgres://…` counts 2).

mod config_json;
mod patterns;
mod policy;

use std::borrow::Cow;

use regex::Regex;
use serde_json::Value;

pub use patterns::{DEFAULT_PATTERN_SOURCES, DefaultPattern, default_patterns};
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
    /// The defaults, then these `(category, regex)` pairs.
    Extend(Vec<(String, Regex)>),
    /// Only these `(category, regex)` pairs.
    Replace(Vec<(String, Regex)>),
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
    fields.sort();
    fields.dedup();
    Redaction { event: out, redaction_count: scanner.count, fields_redacted: fields }
}

/// ASM's `redact_map/2`: when enabled, scans the whole map deeply (no skip list, no field map)
/// and returns it; when disabled (the default) returns it unchanged.
pub fn redact_map(map: &JsonMap, config: &RedactionConfig) -> JsonMap {
    if !config.enabled {
        return map.clone();
    }
    Scanner::new(config).map(map, 0, &mut Vec::new())
}

/// One compiled pattern, default (bytes, ASCII semantics) or caller-supplied.
enum Pattern<'a> {
    Default(&'static DefaultPattern),
    Custom(&'a str, &'a Regex),
}

/// Walks values, replacing matches and counting them.
struct Scanner<'a> {
    patterns: Vec<Pattern<'a>>,
    replacement: &'a Replacement,
    count: usize,
}

impl<'a> Scanner<'a> {
    fn new(config: &'a RedactionConfig) -> Scanner<'a> {
        let defaults = || default_patterns().iter().map(Pattern::Default);
        let custom =
            |list: &'a [(String, Regex)]| list.iter().map(|(c, r)| Pattern::Custom(c.as_str(), r));
        let patterns = match &config.patterns {
            Patterns::Default => defaults().collect(),
            Patterns::Extend(list) => defaults().chain(custom(list)).collect(),
            Patterns::Replace(list) => custom(list).collect(),
        };
        Scanner { patterns, replacement: &config.replacement, count: 0 }
    }

    /// A map at `depth`, listing the keys whose value changed in `changed`.
    fn map(&mut self, map: &JsonMap, depth: usize, changed: &mut Vec<String>) -> JsonMap {
        if depth > MAX_DEPTH {
            return map.clone();
        }
        map.iter()
            .map(|(k, v)| {
                let new = self.value(v, depth + 1);
                if &new != v {
                    changed.push(k.clone());
                }
                (k.clone(), new)
            })
            .collect()
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

    fn text(&mut self, text: &str) -> String {
        let mut current = Cow::Borrowed(text);
        for pattern in &self.patterns {
            let mut hits = 0usize;
            let replaced = match pattern {
                Pattern::Default(p) => {
                    let with = replacement_text(self.replacement, p.category);
                    let out = p.regex.replace_all(
                        current.as_bytes(),
                        |_: &regex::bytes::Captures<'_>| {
                            hits += 1;
                            with.as_bytes().to_vec()
                        },
                    );
                    match out {
                        Cow::Borrowed(_) => None,
                        // Default matches start and end at ASCII bytes or at the end of a run of
                        // non-space bytes, so the text stays UTF-8; the fallback never loses it.
                        Cow::Owned(bytes) => Some(String::from_utf8(bytes).unwrap_or_else(|e| {
                            String::from_utf8_lossy(e.as_bytes()).into_owned()
                        })),
                    }
                }
                Pattern::Custom(category, regex) => {
                    let with = replacement_text(self.replacement, category);
                    match regex.replace_all(&current, |_: &regex::Captures<'_>| {
                        hits += 1;
                        with.to_string()
                    }) {
                        Cow::Borrowed(_) => None,
                        Cow::Owned(s) => Some(s),
                    }
                }
            };
            self.count += hits;
            if let Some(s) = replaced {
                current = Cow::Owned(s);
            }
        }
        current.into_owned()
    }
}

fn replacement_text<'r>(replacement: &'r Replacement, category: &str) -> Cow<'r, str> {
    match replacement {
        Replacement::Text(t) => Cow::Borrowed(t.as_str()),
        Replacement::Categorized => Cow::Owned(format!("[REDACTED:{category}]")),
    }
}
