//! Any JSON object through the redactor with every pattern on; redacting twice changes nothing.
#![no_main]

use asm_core::redactor::{RedactionConfig, redact_map};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(data)
    else {
        return;
    };
    let config = RedactionConfig::enabled_default();
    let once = redact_map(&map, &config);
    assert_eq!(redact_map(&once, &config), once);
});
