//! `docs/asm-v0.8/domain.md` §7.6 items 59–75: sessions and runs through the SessionStore contract.

use asm_core::ports::{ListRuns, ListSessions};
use asm_core::{ErrorCode, RunStatus, SessionStatus};

use crate::cases::helpers::{OrFail, ids, run, session, sorted_ids};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

/// The cases of this file, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_6_59_save_session_ok,
        domain_7_6_60_get_session_after_save,
        domain_7_6_61_get_unknown_session_not_found,
        domain_7_6_62_save_session_upserts_status,
        domain_7_6_63_save_session_three_times,
        domain_7_6_64_list_sessions_two,
        domain_7_6_65_list_sessions_by_status,
        domain_7_6_66_delete_session_then_not_found,
        domain_7_6_67_delete_session_twice_ok,
        domain_7_6_68_save_and_get_run,
        domain_7_6_69_get_unknown_run_not_found,
        domain_7_6_70_save_run_upserts_status,
        domain_7_6_71_list_runs_two,
        domain_7_6_72_list_runs_empty,
        domain_7_6_73_get_active_run_running,
        domain_7_6_74_get_active_run_none_when_completed,
        domain_7_6_75_get_active_run_read_after_write,
    ]
}

async fn domain_7_6_59_save_session_ok<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-1")?;
    cx.store.save_session(&s).await.or_fail("save_session")
}

async fn domain_7_6_60_get_session_after_save<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-1")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    let got = cx.store.get_session(&s.id).await.or_fail("get_session")?;
    ensure_eq(&got.id, &s.id, "id")?;
    ensure_eq(&got.agent_id, &s.agent_id, "agent_id")?;
    ensure_eq(got.status, s.status, "status")
}

async fn domain_7_6_61_get_unknown_session_not_found<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let e = expect_code(cx.store.get_session("non-existent-id").await, ErrorCode::SessionNotFound)?;
    ensure_eq(e.message(), "Session not found: non-existent-id", "message")
}

async fn domain_7_6_62_save_session_upserts_status<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut s = session(&cx.env, "agent-1")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    s.update_status(SessionStatus::Active, &cx.env);
    cx.store.save_session(&s).await.or_fail("save_session again")?;
    let got = cx.store.get_session(&s.id).await.or_fail("get_session")?;
    ensure_eq(got.status, SessionStatus::Active, "status")
}

async fn domain_7_6_63_save_session_three_times<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-1")?;
    for i in 0..3 {
        cx.store.save_session(&s).await.or_fail(&format!("save_session #{i}"))?;
    }
    let got = cx.store.get_session(&s.id).await.or_fail("get_session")?;
    ensure_eq(got, s, "stored session")
}

async fn domain_7_6_64_list_sessions_two<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let (a, b) = (session(&cx.env, "agent-1")?, session(&cx.env, "agent-1")?);
    cx.store.save_session(&a).await.or_fail("save a")?;
    cx.store.save_session(&b).await.or_fail("save b")?;
    let list = cx.store.list_sessions(&ListSessions::default()).await.or_fail("list_sessions")?;
    let mut want = vec![a.id, b.id];
    want.sort();
    ensure_eq(sorted_ids(&list), want, "listed ids")
}

async fn domain_7_6_65_list_sessions_by_status<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let pending = session(&cx.env, "agent-1")?;
    let mut active = session(&cx.env, "agent-1")?;
    active.update_status(SessionStatus::Active, &cx.env);
    cx.store.save_session(&pending).await.or_fail("save pending")?;
    cx.store.save_session(&active).await.or_fail("save active")?;
    let by = |status| ListSessions { status: Some(status), ..ListSessions::default() };
    let p = cx.store.list_sessions(&by(SessionStatus::Pending)).await.or_fail("list pending")?;
    ensure_eq(ids(&p), vec![pending.id.clone()], "pending sessions")?;
    let a = cx.store.list_sessions(&by(SessionStatus::Active)).await.or_fail("list active")?;
    ensure_eq(ids(&a), vec![active.id.clone()], "active sessions")
}

async fn domain_7_6_66_delete_session_then_not_found<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-1")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    cx.store.delete_session(&s.id).await.or_fail("delete_session")?;
    expect_code(cx.store.get_session(&s.id).await, ErrorCode::SessionNotFound).map(drop)
}

async fn domain_7_6_67_delete_session_twice_ok<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-1")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    cx.store.delete_session(&s.id).await.or_fail("first delete_session")?;
    cx.store.delete_session(&s.id).await.or_fail("second delete_session")
}

async fn domain_7_6_68_save_and_get_run<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-1")?;
    let r = run(&cx.env, &s.id)?;
    cx.store.save_run(&r).await.or_fail("save_run")?;
    let got = cx.store.get_run(&r.id).await.or_fail("get_run")?;
    ensure_eq(&got.id, &r.id, "id")?;
    ensure_eq(&got.session_id, &s.id, "session_id")?;
    ensure_eq(got.status, RunStatus::Pending, "status")
}

async fn domain_7_6_69_get_unknown_run_not_found<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let e = expect_code(cx.store.get_run("non-existent-id").await, ErrorCode::RunNotFound)?;
    ensure_eq(e.message(), "Run not found: non-existent-id", "message")
}

async fn domain_7_6_70_save_run_upserts_status<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut r = run(&cx.env, "ses_runs")?;
    cx.store.save_run(&r).await.or_fail("save_run")?;
    r.update_status(RunStatus::Running, &cx.env);
    cx.store.save_run(&r).await.or_fail("save_run again")?;
    let got = cx.store.get_run(&r.id).await.or_fail("get_run")?;
    ensure_eq(got.status, RunStatus::Running, "status")
}

async fn domain_7_6_71_list_runs_two<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-1")?;
    let (a, b) = (run(&cx.env, &s.id)?, run(&cx.env, &s.id)?);
    cx.store.save_run(&a).await.or_fail("save a")?;
    cx.store.save_run(&b).await.or_fail("save b")?;
    let list = cx.store.list_runs(&s.id, &ListRuns::default()).await.or_fail("list_runs")?;
    let mut want = vec![a.id, b.id];
    want.sort();
    ensure_eq(sorted_ids(&list), want, "listed run ids")
}

async fn domain_7_6_72_list_runs_empty<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-1")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    let list = cx.store.list_runs(&s.id, &ListRuns::default()).await.or_fail("list_runs")?;
    ensure(list.is_empty(), format!("expected no runs, got {}", list.len()))
}

async fn domain_7_6_73_get_active_run_running<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-1")?;
    let mut r = run(&cx.env, &s.id)?;
    r.update_status(RunStatus::Running, &cx.env);
    cx.store.save_run(&r).await.or_fail("save_run")?;
    let active = cx.store.get_active_run(&s.id).await.or_fail("get_active_run")?;
    let active = active.ok_or("expected an active run, got None")?;
    ensure_eq(&active.id, &r.id, "active run id")?;
    ensure_eq(active.status, RunStatus::Running, "status")
}

async fn domain_7_6_74_get_active_run_none_when_completed<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-1")?;
    let mut r = run(&cx.env, &s.id)?;
    r.update_status(RunStatus::Completed, &cx.env);
    cx.store.save_run(&r).await.or_fail("save_run")?;
    let active = cx.store.get_active_run(&s.id).await.or_fail("get_active_run")?;
    ensure_eq(active, None, "active run")
}

async fn domain_7_6_75_get_active_run_read_after_write<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-1")?;
    let mut r = run(&cx.env, &s.id)?;
    cx.store.save_run(&r).await.or_fail("save_run pending")?;
    r.update_status(RunStatus::Running, &cx.env);
    cx.store.save_run(&r).await.or_fail("save_run running")?;
    let active = cx.store.get_active_run(&s.id).await.or_fail("get_active_run")?;
    ensure_eq(active.map(|a| (a.id, a.status)), Some((r.id, RunStatus::Running)), "active run")
}
