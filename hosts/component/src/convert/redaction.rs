//! Redaction records: the config goes through the core's own reader of ASM's redaction map
//! (`RedactionConfig::from_json`), so patterns compile and fail exactly as on every other host.

use asm_core::redactor::{EventRedaction, RedactionConfig};
use serde_json::{Value, json};

use super::{Result, wit};

fn patterns(list: Vec<wit::RedactionPattern>) -> Value {
    list.into_iter().map(|p| json!({"category": p.category, "pattern": p.pattern})).collect()
}

/// The core's config of a WIT `redaction-config`.
pub fn redaction_config(config: wit::RedactionConfig) -> Result<RedactionConfig> {
    let patterns = match config.patterns {
        wit::RedactionPatterns::Defaults => json!("default"),
        wit::RedactionPatterns::Extend(list) => patterns(list),
        wit::RedactionPatterns::Replace(list) => json!({ "replace": patterns(list) }),
    };
    let replacement = match config.replacement {
        wit::RedactionReplacement::Text(text) => json!(text),
        wit::RedactionReplacement::Categorized => json!("categorized"),
    };
    let map = json!({
        "enabled": config.enabled,
        "patterns": patterns,
        "replacement": replacement,
        "deep_scan": config.deep_scan,
        "scan_metadata": config.scan_metadata,
    });
    RedactionConfig::from_json(&map, true)
}

impl From<&EventRedaction> for wit::EventRedaction {
    fn from(r: &EventRedaction) -> Self {
        wit::EventRedaction {
            event_id: r.event_id.clone(),
            session_id: r.session_id.clone(),
            redaction_count: u32::try_from(r.redaction_count).unwrap_or(u32::MAX),
            fields_redacted: r.fields_redacted.clone(),
        }
    }
}
