//! This project's own rule for texts (docs/compatibility.md "Texts fit every backend",
//! `asm_core::validator::check_text`): every stored text column holds at most 255 characters
//! (PostgreSQL's `varchar(255)`, counted in characters) and no text, JSON key or JSON string holds
//! a NUL character (PostgreSQL stores none), on every store alike. Each refusal is
//! `validation_error` naming the field and the limit, and writes nothing. Ids that travel in an
//! HTTP path are kept ASCII and free of NUL here, so that every host sends them alike.

use asm_core::artifact::NewArtifact;
use asm_core::json::object;
use asm_core::ports::{FlushPayload, ListRuns, ListSessions};
use asm_core::{ErrorCode, Event, EventType, Run, Session};
use serde_json::json;

use crate::cases::helpers::{OrFail, all_events, artifact_attrs, event, run, session};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

/// The cases of this file, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        rel_texts_of_255_characters_round_trip,
        rel_texts_over_255_characters_refused,
        rel_texts_with_nul_refused,
    ]
}

/// Expects `validation_error` whose message names `field` and `limit` ("255" or "NUL").
fn refused<T: std::fmt::Debug>(
    result: asm_core::Result<T>,
    field: &str,
    limit: &str,
    what: &str,
) -> CaseResult {
    let e = expect_code(result, ErrorCode::ValidationError).map_err(|m| format!("{what}: {m}"))?;
    let named = e.message().contains(field) && e.message().contains(limit);
    ensure(named, format!("{what}: message {:?} should name {field} and {limit}", e.message()))
}

/// Nothing of the case's writes is stored: no session, no run of `sid`, no event in `sid`.
async fn nothing_stored<S: Store>(cx: &Ctx<S>, sid: &str, what: &str) -> CaseResult {
    let sessions = cx.store.list_sessions(&ListSessions::default()).await.or_fail("list")?;
    ensure(sessions.is_empty(), format!("{what}: a session was stored"))?;
    let runs = cx.store.list_runs(sid, &ListRuns::default()).await.or_fail("list_runs")?;
    ensure(runs.is_empty(), format!("{what}: a run was stored"))?;
    ensure(all_events(&cx.store, sid).await?.is_empty(), format!("{what}: an event was stored"))?;
    ensure_eq(cx.store.get_latest_sequence(sid).await.or_fail("latest")?, 0, what)
}

async fn rel_texts_of_255_characters_round_trip<S: Store>(cx: &Ctx<S>) -> CaseResult {
    // 255 two-byte characters (510 bytes): PostgreSQL counts characters, so they fit.
    let (ascii, wide) = ("x".repeat(255), "é".repeat(255));
    let mut s = session(&cx.env, &wide)?;
    s.id = ascii.clone();
    s.tags = vec![wide.clone()];
    s.parent_session_id = Some(wide.clone());
    cx.store.save_session(&s).await.or_fail("save_session")?;
    ensure_eq(cx.store.get_session(&s.id).await.or_fail("get_session")?, s.clone(), "session")?;
    let mut r = run(&cx.env, &s.id)?;
    r.id = "r".repeat(255);
    r.provider = Some(wide.clone());
    cx.store.save_run(&r).await.or_fail("save_run")?;
    ensure_eq(cx.store.get_run(&r.id).await.or_fail("get_run")?, r.clone(), "run")?;
    let mut e = event(&cx.env, EventType::MessageReceived, &s.id)?;
    e.id = "e".repeat(255);
    e.run_id = Some(r.id.clone());
    e.provider = Some(wide.clone());
    e.correlation_id = Some(wide.clone());
    let stored = cx.store.append_event_with_sequence(&e).await.or_fail("append")?;
    ensure_eq(all_events(&cx.store, &s.id).await?, vec![stored], "events")?;
    let attrs = NewArtifact {
        id: Some("a".repeat(255)),
        content_type: Some(wide.clone()),
        storage_backend: Some(wide),
        storage_ref: Some("s".repeat(255)),
        ..artifact_attrs(&"k".repeat(255), Some(&s.id), 1)
    };
    let artifact = cx.store.register(attrs).await.or_fail("register")?;
    let back = cx.store.get_by_key(&artifact.key).await.or_fail("get_by_key")?;
    ensure_eq(back, Some(artifact), "artifact")
}

async fn rel_texts_over_255_characters_refused<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let (long, wide) = ("x".repeat(256), "é".repeat(256));
    let base = session(&cx.env, "agent-limits")?;
    let sid = base.id.clone();
    let sessions = [
        ("id", Session { id: long.clone(), ..base.clone() }),
        ("agent_id", Session { agent_id: wide.clone(), ..base.clone() }),
        ("parent_session_id", Session { parent_session_id: Some(long.clone()), ..base.clone() }),
        ("tags", Session { tags: vec!["ok".into(), wide.clone()], ..base.clone() }),
    ];
    for (field, s) in sessions {
        refused(cx.store.save_session(&s).await, field, "255", "save_session")?;
    }
    let r = run(&cx.env, &sid)?;
    let runs = [
        ("id", Run { id: long.clone(), ..r.clone() }),
        ("session_id", Run { session_id: long.clone(), ..r.clone() }),
        ("provider", Run { provider: Some(wide.clone()), ..r.clone() }),
    ];
    for (field, bad) in runs {
        refused(cx.store.save_run(&bad).await, field, "255", "save_run")?;
    }
    let e = event(&cx.env, EventType::MessageReceived, &sid)?;
    let events = [
        ("id", Event { id: long.clone(), ..e.clone() }),
        ("session_id", Event { session_id: long.clone(), ..e.clone() }),
        ("run_id", Event { run_id: Some(long.clone()), ..e.clone() }),
        ("provider", Event { provider: Some(wide.clone()), ..e.clone() }),
        ("correlation_id", Event { correlation_id: Some(wide.clone()), ..e.clone() }),
    ];
    for (field, bad) in events {
        // A valid event first: the whole batch is refused.
        let res = cx.store.append_events(&[e.clone(), bad.clone()]).await;
        refused(res, field, "255", "append_events")?;
        refused(cx.store.append_event(&bad).await, field, "255", "append_event")?;
        let payload = FlushPayload {
            session: base.clone(),
            run: run(&cx.env, &sid)?,
            events: vec![e.clone(), bad],
            provider_metadata: None,
        };
        refused(cx.store.flush(&payload).await, field, "255", "flush")?;
    }
    let artifacts = [
        ("key", artifact_attrs(&long, Some(&sid), 1)),
        (
            "storage_ref",
            NewArtifact { storage_ref: Some(wide.clone()), ..artifact_attrs("k1", None, 1) },
        ),
        ("session_id", artifact_attrs("k2", Some(&long), 1)),
        (
            "checksum_sha256",
            NewArtifact { checksum_sha256: Some(long), ..artifact_attrs("k3", None, 1) },
        ),
    ];
    for (field, attrs) in artifacts {
        refused(cx.store.register(attrs).await, field, "255", "register")?;
    }
    for key in ["k1", "k2", "k3"] {
        ensure(cx.store.get_by_key(key).await.or_fail("get_by_key")?.is_none(), "artifact stored")?;
    }
    nothing_stored(cx, &sid, "after the refusals").await
}

async fn rel_texts_with_nul_refused<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let nul = "a\u{0}b".to_owned();
    let base = session(&cx.env, "agent-nul")?;
    let sid = base.id.clone();
    let sessions = [
        ("agent_id", Session { agent_id: nul.clone(), ..base.clone() }),
        ("tags", Session { tags: vec![nul.clone()], ..base.clone() }),
        ("metadata", Session { metadata: object(json!({"k\u{0}": 1})), ..base.clone() }),
        ("context", Session { context: object(json!({"k": [{"deep": nul}]})), ..base.clone() }),
    ];
    for (field, s) in sessions {
        refused(cx.store.save_session(&s).await, field, "NUL", "save_session")?;
    }
    let r = run(&cx.env, &sid)?;
    let runs = [
        ("provider", Run { provider: Some(nul.clone()), ..r.clone() }),
        ("input", Run { input: Some(json!({"text": nul})), ..r.clone() }),
        ("token_usage", Run { token_usage: object(json!({"\u{0}": 1})), ..r.clone() }),
    ];
    for (field, bad) in runs {
        refused(cx.store.save_run(&bad).await, field, "NUL", "save_run")?;
    }
    let e = event(&cx.env, EventType::MessageReceived, &sid)?;
    let events = [
        ("id", Event { id: nul.clone(), ..e.clone() }),
        ("data", Event { data: object(json!({"content": nul})), ..e.clone() }),
        ("metadata", Event { metadata: object(json!({"\u{0}": true})), ..e.clone() }),
        ("correlation_id", Event { correlation_id: Some(nul.clone()), ..e.clone() }),
    ];
    for (field, bad) in events {
        let res = cx.store.append_events(&[e.clone(), bad.clone()]).await;
        refused(res, field, "NUL", "append_events")?;
        refused(cx.store.append_event_with_sequence(&bad).await, field, "NUL", "append")?;
        let payload = FlushPayload {
            session: base.clone(),
            run: run(&cx.env, &sid)?,
            events: vec![e.clone(), bad],
            provider_metadata: None,
        };
        refused(cx.store.flush(&payload).await, field, "NUL", "flush")?;
    }
    let artifacts = [
        ("key", artifact_attrs(&nul, Some(&sid), 1)),
        (
            "metadata",
            NewArtifact { metadata: object(json!({"k": nul})), ..artifact_attrs("k1", None, 1) },
        ),
    ];
    for (field, attrs) in artifacts {
        refused(cx.store.register(attrs).await, field, "NUL", "register")?;
    }
    ensure(cx.store.get_by_key("k1").await.or_fail("get_by_key")?.is_none(), "artifact stored")?;
    nothing_stored(cx, &sid, "after the refusals").await
}
