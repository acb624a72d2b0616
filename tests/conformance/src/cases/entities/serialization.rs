//! §7.4 Serialization (core/serialization_test.exs). JSON maps have string keys only, so the
//! atom/string duality of `atomize_keys`/`stringify_keys` shows up as what `from_map` keeps and
//! what `to_map` writes.

use asm_core::{Event, EventType, NewEvent, NewRun, Run, RunStatus, Session};
use serde_json::json;

use super::{obj, ok};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq};

pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_4_43_from_map_keeps_unknown_keys_and_nesting,
        domain_7_4_44_to_map_writes_string_keys_and_names,
        domain_7_4_45_has_key_finds_string_keys,
    ]
}

async fn domain_7_4_43_from_map_keeps_unknown_keys_and_nesting<S: Store>(
    cx: &Ctx<S>,
) -> CaseResult {
    let metadata = json!({
        "status": "running",
        "totally_new_key_12345": "value",
        "nested": {"metadata": {"another_unknown": true}},
    });
    let mut m =
        ok(Session::new(asm_core::NewSession::for_agent("a"), &cx.env), "Session::new")?.to_map();
    m["metadata"] = metadata.clone();
    let s = ok(Session::from_map(&m), "from_map")?;
    ensure_eq(s.metadata, obj(metadata), "metadata keys and nesting preserved")
}

async fn domain_7_4_44_to_map_writes_string_keys_and_names<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let data = obj(json!({"status": "running", "nested": {"count": 1}}));
    let attrs = NewEvent { data, ..NewEvent::of(EventType::RunStarted, "s") };
    let e = ok(Event::new(attrs, &cx.env), "Event::new")?;
    ensure_eq(&e.to_map()["data"], &json!({"status": "running", "nested": {"count": 1}}), "data")?;
    let mut r = ok(Run::new(NewRun::for_session("s"), &cx.env), "Run::new")?;
    r.update_status(RunStatus::Running, &cx.env);
    ensure_eq(&r.to_map()["status"], &json!("running"), "enum value written as its name")
}

async fn domain_7_4_45_has_key_finds_string_keys<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let m =
        ok(Session::new(asm_core::NewSession::for_agent("a"), &cx.env), "Session::new")?.to_map();
    let o = m.as_object().ok_or("to_map is an object")?;
    ensure(o.contains_key("status"), "has status")?;
    ensure(!o.contains_key("missing"), "has no missing")
}
