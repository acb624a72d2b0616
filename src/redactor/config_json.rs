//! [`RedactionConfig`] from JSON, for hosts that receive the redaction map as JSON.

use serde_json::Value;

use super::{CompiledPattern, Patterns, RedactionConfig, Replacement};
use crate::error::{Error, Result};

impl RedactionConfig {
    /// Parses ASM's redaction map: `{enabled, patterns, replacement, deep_scan, scan_metadata}`,
    /// all optional. `enabled` defaults to `enabled_default` (ASM's `redact/2` defaults it to
    /// false, EventBuilder's context map to true).
    ///
    /// - `patterns`: `"default"` or absent → the defaults; a list → the defaults followed by the
    ///   list; `{"replace": list}` → only the list; anything else → the defaults. A list entry is
    ///   a regex source (category `custom`) or `{"category", "pattern"}`; other entries are
    ///   dropped, as ASM drops them. A source that does not compile is `validation_error`.
    /// - `replacement`: a string, where `"categorized"` / `":categorized"` mean
    ///   `[REDACTED:<category>]`.
    pub fn from_json(value: &Value, enabled_default: bool) -> Result<RedactionConfig> {
        let map = match value {
            Value::Null => {
                return Ok(RedactionConfig {
                    enabled: enabled_default,
                    ..RedactionConfig::default()
                });
            }
            Value::Object(m) => m,
            other => {
                return Err(Error::validation(format!("redaction must be a map, got: {other}")));
            }
        };
        let flag = |key: &str, default: bool| match map.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(Error::validation(format!("{key} must be a boolean"))),
        };
        let patterns = match map.get("patterns") {
            Some(Value::Array(list)) => Patterns::Extend(entries(list)?),
            Some(Value::Object(m)) => match m.get("replace") {
                Some(Value::Array(list)) => Patterns::Replace(entries(list)?),
                _ => Patterns::Default,
            },
            _ => Patterns::Default,
        };
        let replacement = match map.get("replacement") {
            Some(Value::String(s)) if s == "categorized" || s == ":categorized" => {
                Replacement::Categorized
            }
            Some(Value::String(s)) => Replacement::Text(s.clone()),
            None | Some(Value::Null) => Replacement::default(),
            Some(_) => return Err(Error::validation("replacement must be a string")),
        };
        Ok(RedactionConfig {
            enabled: flag("enabled", enabled_default)?,
            patterns,
            replacement,
            deep_scan: flag("deep_scan", true)?,
            scan_metadata: flag("scan_metadata", false)?,
        })
    }
}

fn entries(list: &[Value]) -> Result<Vec<CompiledPattern>> {
    let mut out = Vec::new();
    for entry in list {
        let (category, source) = match entry {
            Value::String(source) => ("custom", source.as_str()),
            Value::Object(m) => match (m.get("category"), m.get("pattern")) {
                (Some(Value::String(c)), Some(Value::String(p))) => (c.as_str(), p.as_str()),
                (None | Some(Value::Null), Some(Value::String(p))) => ("custom", p.as_str()),
                _ => continue,
            },
            _ => continue,
        };
        out.push(CompiledPattern::custom(category, source)?);
    }
    Ok(out)
}
