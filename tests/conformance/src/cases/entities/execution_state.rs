//! §7.16 ExecutionState (persistence/execution_state_test.exs).

use asm_core::pipeline::ExecutionState;
use asm_core::{Event, EventType, NewEvent, NewRun, NewSession, Run, Session};
use serde_json::json;

use super::{obj, ok};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq};

pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_16_182_new_state_is_empty,
        domain_7_16_183_append_counts_without_sequencing,
        domain_7_16_184_provider_metadata_merges,
        domain_7_16_185_to_result_is_the_flush_payload,
    ]
}

fn state<S>(cx: &Ctx<S>) -> Result<ExecutionState, String> {
    let session = ok(Session::new(NewSession::for_agent("agent-1"), &cx.env), "Session::new")?;
    let run = ok(Run::new(NewRun::for_session(session.id.clone()), &cx.env), "Run::new")?;
    Ok(ExecutionState::new(session, run))
}

async fn domain_7_16_182_new_state_is_empty<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = state(cx)?;
    ensure(s.events.is_empty(), "events []")?;
    ensure(s.provider_metadata.is_empty(), "provider_metadata {}")?;
    ensure_eq(s.sequence_counter, 0, "sequence_counter")
}

async fn domain_7_16_183_append_counts_without_sequencing<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut s = state(cx)?;
    for t in [EventType::RunStarted, EventType::MessageReceived] {
        s.append_event(ok(
            Event::new(NewEvent::of(t, s.session.id.clone()), &cx.env),
            "Event::new",
        )?);
    }
    ensure_eq(s.sequence_counter, 2, "counter")?;
    let types: Vec<EventType> = s.finalized_events().iter().map(|e| e.event_type).collect();
    ensure_eq(types, vec![EventType::RunStarted, EventType::MessageReceived], "types in order")?;
    let seqs: Vec<Option<i64>> = s.finalized_events().iter().map(|e| e.sequence_number).collect();
    ensure_eq(seqs, vec![None, None], "sequence numbers untouched")
}

async fn domain_7_16_184_provider_metadata_merges<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut s = state(cx)?;
    s.cache_provider_metadata(&obj(json!({"model": "claude-sonnet-4"})));
    s.cache_provider_metadata(&obj(json!({"provider_session_id": "ps_1"})));
    ensure_eq(
        s.provider_metadata,
        obj(json!({"model": "claude-sonnet-4", "provider_session_id": "ps_1"})),
        "merged",
    )
}

async fn domain_7_16_185_to_result_is_the_flush_payload<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = state(cx)?;
    let result = s.to_result();
    ensure_eq(&result.session, &s.session, "session")?;
    ensure_eq(&result.run, &s.run, "run")?;
    ensure(result.events.is_empty(), "events []")?;
    ensure_eq(result.provider_metadata, Some(asm_core::JsonMap::new()), "provider_metadata {}")
}
