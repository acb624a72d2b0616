//! Any JSON value into every option parser (`from_json` of the port option structs).
#![no_main]

use asm_core::RetentionPolicy;
use asm_core::ports::{
    CostQuery, EventFilter, EventOrder, EventSearch, FlushPayload, ListRuns, ListSessions,
    RunOrder, RunSearch, SessionOrder, SessionSearch, UsageQuery,
};
use asm_core::redactor::RedactionConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let _ = (ListSessions::from_json(&v), ListRuns::from_json(&v), EventFilter::from_json(&v));
    let _ = (FlushPayload::from_json(&v), SessionSearch::from_json(&v), RunSearch::from_json(&v));
    let _ = (EventSearch::from_json(&v), UsageQuery::from_json(&v), CostQuery::from_json(&v));
    let _ = (RetentionPolicy::from_json(&v), RedactionConfig::from_json(&v, true));
    let _ = (SessionOrder::from_json(&v), RunOrder::from_json(&v), EventOrder::from_json(&v));
});
