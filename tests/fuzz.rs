//! Fuzz targets (docs/reliability.md, fuzzing), run with proptest on stable Rust: random JSON values (keys
//! drawn mostly from the wire format's own field names, so the parsers get past their first
//! checks) into every `from_map` and `from_json`, random text and crafted payloads into cursor
//! decoding, random maps through the redactor. A target fails on a panic.
//!
//! `ASM_FUZZ_CASES` (default 3000) inputs per target, seeded from `ASM_TEST_SEED` (printed).
//! Prints `fuzz proptest/<target>: N executions, M crashes` per target. `cargo fuzz` (libFuzzer) was
//! not used: see docs/reliability.md.

#[path = "support/fuzz_input.rs"]
mod fuzz_input;

use asm_core::ports::{
    CostQuery, EventFilter, EventOrder, EventSearch, FlushPayload, ListRuns, ListSessions,
    RunOrder, RunSearch, SessionOrder, SessionSearch, UsageQuery,
};
use asm_core::redactor::{RedactionConfig, redact_map};
use asm_core::{Artifact, Error, Event, RetentionPolicy, Run, Session};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fuzz_input::{cases, fuzz, json, object, seed};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Cursor texts: random text, random base64 bytes, and base64 of crafted cursor payloads.
fn cursor_text() -> impl Strategy<Value = String> {
    let payload =
        (prop::sample::select(&["session", "run", "event", "x"][..]), json(), json(), json())
            .prop_map(|(k, o, v, id)| {
                let mut m = Map::new();
                m.insert("k".into(), Value::from(k));
                m.insert("o".into(), o);
                m.insert("v".into(), v);
                m.insert("id".into(), id);
                URL_SAFE_NO_PAD.encode(Value::Object(m).to_string())
            });
    prop_oneof![
        ".{0,60}",
        prop::collection::vec(any::<u8>(), 0..80).prop_map(|b| URL_SAFE_NO_PAD.encode(b)),
        payload
    ]
}

fn main() {
    let n = cases();
    println!(
        "fuzz: seed {} (set ASM_TEST_SEED to change), {n} inputs per target (ASM_FUZZ_CASES)",
        seed()
    );
    let mut crashes = 0;
    crashes += fuzz("entity_from_map", prop_oneof![object(), json()], n, |v| {
        let _ = (
            Session::from_map(v),
            Run::from_map(v),
            Event::from_map(v),
            Artifact::from_map(v),
            Error::from_map(v),
        );
        if let Ok(s) = Session::from_map(v) {
            assert_eq!(Session::from_map(&s.to_map()).as_ref(), Ok(&s), "session round trip");
        }
        if let Ok(e) = Event::from_map(v) {
            assert_eq!(Event::from_map(&e.to_map()).as_ref(), Ok(&e), "event round trip");
        }
    });
    crashes += fuzz("options_from_json", prop_oneof![object(), json()], n, |v| {
        let _ = (ListSessions::from_json(v), ListRuns::from_json(v), EventFilter::from_json(v));
        let _ = (FlushPayload::from_json(v), SessionSearch::from_json(v), RunSearch::from_json(v));
        let _ = (EventSearch::from_json(v), UsageQuery::from_json(v), CostQuery::from_json(v));
        let _ = (RetentionPolicy::from_json(v), RedactionConfig::from_json(v, true));
        let _ = (SessionOrder::from_json(v), RunOrder::from_json(v), EventOrder::from_json(v));
    });
    crashes += fuzz("cursor_decode", cursor_text(), n, |text| {
        let _ = asm_core::cursor::decode(text, SessionOrder::CreatedAtDesc);
        let _ = asm_core::cursor::decode(text, RunOrder::TokenUsageDesc);
        let _ = asm_core::cursor::decode(text, EventOrder::TimestampDesc);
    });
    let config = RedactionConfig::enabled_default();
    crashes += fuzz("redactor", object(), n, |v| {
        let map = v.as_object().cloned().unwrap_or_default();
        let once = redact_map(&map, &config);
        // Redacting twice changes nothing more.
        assert_eq!(redact_map(&once, &config), once, "redaction is idempotent");
    });
    assert_eq!(crashes, 0, "fuzz targets crashed (seed {})", seed());
}
