//! `execute`, soft and hard delete, pruning: `docs/asm-v0.8/domain.md` §7.13 item 161 and `docs/asm-v0.8/sql.md` §8 items
//! 96–102 and 104–107, and pruning in statements of `batch_size` rows.

use asm_core::ports::MaintenanceReport;
use asm_core::{ErrorCode, EventType, Limit, NewSession, RetentionPolicy, Session, SessionStatus};

use crate::cases::helpers::{OrFail, all_events, event, run, session, types};
use crate::{Case, CaseResult, Ctx, START, Store, ensure, ensure_eq, expect_code};

/// The cases of this file, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_13_161_execute_on_empty_store,
        sql_8_96_execute_default_policy_report,
        sql_8_97_execute_rejects_invalid_policy,
        sql_8_98_soft_delete_old_sessions,
        sql_8_99_soft_delete_spares_exempt_status_and_tags,
        sql_8_100_infinity_disables_deletes,
        sql_8_101_soft_delete_uses_updated_at,
        sql_8_102_hard_delete_cascades,
        sql_8_104_prune_message_streamed,
        sql_8_105_prune_under_limit_or_infinity,
        sql_8_106_prune_first_types_then_oldest,
        sql_8_107_prune_keeps_protected_types,
        rel_prune_in_batches_keeps_the_pass_order,
    ]
}

/// Saves a session with the given status and tags, last updated `age_days` before the start.
async fn aged<S: Store>(
    cx: &Ctx<S>,
    status: SessionStatus,
    tags: &[&str],
    age_days: i64,
) -> Result<Session, String> {
    let attrs = NewSession {
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..NewSession::for_agent("test-agent")
    };
    let mut s = Session::new(attrs, &cx.env).or_fail("Session::new")?;
    s.status = status;
    s.updated_at = START.add_days(-age_days);
    cx.store.save_session(&s).await.or_fail("save_session")?;
    Ok(s)
}

/// Appends events of these types, in order, to one session.
async fn log<S: Store>(cx: &Ctx<S>, sid: &str, order: &[EventType]) -> CaseResult {
    let events = order.iter().map(|t| event(&cx.env, *t, sid)).collect::<Result<Vec<_>, _>>()?;
    cx.store.append_events(&events).await.or_fail("append_events").map(drop)
}

fn max_events(n: i64) -> RetentionPolicy {
    RetentionPolicy { max_events_per_session: Limit::Finite(n), ..RetentionPolicy::default() }
}

fn zero_counts(r: &MaintenanceReport) -> MaintenanceReport {
    MaintenanceReport { duration_ms: r.duration_ms, ..MaintenanceReport::default() }
}

async fn domain_7_13_161_execute_on_empty_store<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let report = cx.store.execute(&RetentionPolicy::default()).await.or_fail("execute")?;
    ensure_eq(report.clone(), zero_counts(&report), "report")
}

async fn sql_8_96_execute_default_policy_report<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "test-agent")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    cx.store
        .append_event(&event(&cx.env, EventType::SessionCreated, &s.id)?)
        .await
        .or_fail("append")?;
    let report = cx.store.execute(&RetentionPolicy::default()).await.or_fail("execute")?;
    ensure_eq(report.clone(), zero_counts(&report), "report on fresh data")?;
    ensure(report.duration_ms < 60_000, format!("duration_ms {}", report.duration_ms))
}

async fn sql_8_97_execute_rejects_invalid_policy<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let policy = RetentionPolicy { batch_size: 0, ..RetentionPolicy::default() };
    let e = expect_code(cx.store.execute(&policy).await, ErrorCode::ValidationError)?;
    ensure_eq(e.message(), "batch_size must be a positive integer", "message")
}

async fn sql_8_98_soft_delete_old_sessions<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let old = aged(cx, SessionStatus::Completed, &[], 100).await?;
    let fresh = aged(cx, SessionStatus::Completed, &[], 0).await?;
    let n = cx
        .store
        .soft_delete_expired_sessions(&RetentionPolicy::default())
        .await
        .or_fail("soft delete")?;
    ensure_eq(n, 1, "soft-deleted")?;
    let old = cx.store.get_session(&old.id).await.or_fail("get old")?;
    ensure(
        old.deleted_at.is_some_and(|d| d >= START),
        format!("old deleted_at {:?}", old.deleted_at),
    )?;
    ensure_eq(old.updated_at, START.add_days(-100), "updated_at untouched")?;
    ensure_eq(
        cx.store.get_session(&fresh.id).await.or_fail("get fresh")?.deleted_at,
        None,
        "fresh deleted_at",
    )
}

async fn sql_8_99_soft_delete_spares_exempt_status_and_tags<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let active = aged(cx, SessionStatus::Active, &[], 100).await?;
    let pinned = aged(cx, SessionStatus::Completed, &["keep", "pinned"], 100).await?;
    let failed = aged(cx, SessionStatus::Failed, &["other"], 100).await?;
    let n = cx
        .store
        .soft_delete_expired_sessions(&RetentionPolicy::default())
        .await
        .or_fail("soft delete")?;
    ensure_eq(n, 1, "soft-deleted (only the failed one)")?;
    for (s, deleted) in [(&active, false), (&pinned, false), (&failed, true)] {
        let got = cx.store.get_session(&s.id).await.or_fail("get_session")?;
        ensure_eq(
            got.deleted_at.is_some(),
            deleted,
            &format!("{:?} {:?} deleted", s.status, s.tags),
        )?;
    }
    Ok(())
}

async fn sql_8_100_infinity_disables_deletes<S: Store>(cx: &Ctx<S>) -> CaseResult {
    aged(cx, SessionStatus::Completed, &[], 400).await?;
    let mut gone = aged(cx, SessionStatus::Completed, &[], 400).await?;
    gone.deleted_at = Some(START.add_days(-300));
    cx.store.save_session(&gone).await.or_fail("save soft-deleted")?;
    let policy = RetentionPolicy {
        max_completed_session_age_days: Limit::Infinity,
        hard_delete_after_days: Limit::Infinity,
        ..RetentionPolicy::default()
    };
    ensure_eq(
        cx.store.soft_delete_expired_sessions(&policy).await.or_fail("soft")?,
        0,
        "soft-deleted",
    )?;
    ensure_eq(
        cx.store.hard_delete_expired_sessions(&policy).await.or_fail("hard")?,
        0,
        "hard-deleted",
    )?;
    cx.store.get_session(&gone.id).await.or_fail("soft-deleted session still there").map(drop)
}

async fn sql_8_101_soft_delete_uses_updated_at<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut s = aged(cx, SessionStatus::Completed, &[], 0).await?;
    s.created_at = START.add_days(-120);
    cx.store.save_session(&s).await.or_fail("save_session")?;
    let n = cx
        .store
        .soft_delete_expired_sessions(&RetentionPolicy::default())
        .await
        .or_fail("soft delete")?;
    ensure_eq(n, 0, "soft-deleted")?;
    ensure_eq(
        cx.store.get_session(&s.id).await.or_fail("get_session")?.deleted_at,
        None,
        "deleted_at",
    )
}

async fn sql_8_102_hard_delete_cascades<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut old = aged(cx, SessionStatus::Completed, &[], 100).await?;
    old.deleted_at = Some(START.add_days(-60));
    cx.store.save_session(&old).await.or_fail("save soft-deleted")?;
    let r = run(&cx.env, &old.id)?;
    cx.store.save_run(&r).await.or_fail("save_run")?;
    cx.store
        .append_event(&event(&cx.env, EventType::SessionCreated, &old.id)?)
        .await
        .or_fail("append")?;
    let mut recent = aged(cx, SessionStatus::Completed, &[], 100).await?;
    recent.deleted_at = Some(START.add_days(-10));
    cx.store.save_session(&recent).await.or_fail("save recently deleted")?;
    let n = cx
        .store
        .hard_delete_expired_sessions(&RetentionPolicy::default())
        .await
        .or_fail("hard delete")?;
    ensure_eq(n, 1, "hard-deleted")?;
    expect_code(cx.store.get_session(&old.id).await, ErrorCode::SessionNotFound)?;
    expect_code(cx.store.get_run(&r.id).await, ErrorCode::RunNotFound)?;
    ensure(all_events(&cx.store, &old.id).await?.is_empty(), "events left")?;
    ensure_eq(cx.store.get_latest_sequence(&old.id).await.or_fail("latest")?, 0, "counter")?;
    cx.store.get_session(&recent.id).await.or_fail("recently deleted session").map(drop)
}

async fn sql_8_104_prune_message_streamed<S: Store>(cx: &Ctx<S>) -> CaseResult {
    log(cx, "ses_p10", &[EventType::MessageStreamed; 10]).await?;
    ensure_eq(
        cx.store.prune_session_events("ses_p10", &max_events(5)).await.or_fail("prune")?,
        5,
        "pruned",
    )?;
    let left: Vec<i64> =
        all_events(&cx.store, "ses_p10").await?.iter().filter_map(|e| e.sequence_number).collect();
    ensure_eq(left, (6..=10).collect(), "the newest five remain")
}

async fn sql_8_105_prune_under_limit_or_infinity<S: Store>(cx: &Ctx<S>) -> CaseResult {
    log(cx, "ses_p1", &[EventType::MessageStreamed]).await?;
    ensure_eq(
        cx.store.prune_session_events("ses_p1", &max_events(100)).await.or_fail("prune 100")?,
        0,
        "max 100",
    )?;
    log(cx, "ses_pinf", &[EventType::MessageStreamed; 3]).await?;
    let infinite = RetentionPolicy::default();
    ensure_eq(
        cx.store.prune_session_events("ses_pinf", &infinite).await.or_fail("prune inf")?,
        0,
        "infinity",
    )?;
    ensure_eq(all_events(&cx.store, "ses_pinf").await?.len(), 3, "events kept")
}

async fn sql_8_106_prune_first_types_then_oldest<S: Store>(cx: &Ctx<S>) -> CaseResult {
    use EventType::*;
    log(
        cx,
        "ses_p5",
        &[RunStarted, MessageReceived, ToolCallStarted, MessageStreamed, RunCompleted],
    )
    .await?;
    ensure_eq(
        cx.store.prune_session_events("ses_p5", &max_events(2)).await.or_fail("prune")?,
        3,
        "pruned",
    )?;
    ensure_eq(
        types(&all_events(&cx.store, "ses_p5").await?),
        vec![RunStarted, RunCompleted],
        "remaining",
    )
}

async fn sql_8_107_prune_keeps_protected_types<S: Store>(cx: &Ctx<S>) -> CaseResult {
    use EventType::*;
    let order = [
        SessionCreated,
        MessageStreamed,
        MessageStreamed,
        RunStarted,
        MessageReceived,
        MessageReceived,
        RunCompleted,
    ];
    log(cx, "ses_p7", &order).await?;
    ensure_eq(
        cx.store.prune_session_events("ses_p7", &max_events(3)).await.or_fail("prune")?,
        4,
        "pruned",
    )?;
    ensure_eq(
        types(&all_events(&cx.store, "ses_p7").await?),
        vec![SessionCreated, RunStarted, RunCompleted],
        "kept",
    )?;
    let more = cx.store.execute(&max_events(1)).await.or_fail("execute with max 1")?;
    ensure_eq(more.events_pruned, 0, "protected events are never pruned")
}

/// Pruning in statements of `batch_size` rows deletes what one unbounded pass 1 and pass 2
/// would: every `message_streamed` event before any other type, whatever the batch size.
async fn rel_prune_in_batches_keeps_the_pass_order<S: Store>(cx: &Ctx<S>) -> CaseResult {
    use EventType::*;
    let order = [
        MessageStreamed,
        MessageStreamed,
        MessageStreamed,
        MessageReceived,
        MessageReceived,
        MessageStreamed,
        MessageStreamed,
        MessageStreamed,
        MessageReceived,
        RunCompleted,
    ];
    let policy = RetentionPolicy { batch_size: 2, ..max_events(3) };
    for sid in ["ses_pb1", "ses_pb2"] {
        log(cx, sid, &order).await?;
    }
    ensure_eq(
        cx.store.prune_session_events("ses_pb1", &policy).await.or_fail("prune")?,
        7,
        "pruned",
    )?;
    let report = cx.store.execute(&policy).await.or_fail("execute")?;
    ensure_eq(report.events_pruned, 7, "pruned by execute")?;
    for sid in ["ses_pb1", "ses_pb2"] {
        let left: Vec<(i64, EventType)> = all_events(&cx.store, sid)
            .await?
            .iter()
            .map(|e| (e.sequence_number.unwrap_or(0), e.event_type))
            .collect();
        ensure_eq(
            left,
            vec![(5, MessageReceived), (9, MessageReceived), (10, RunCompleted)],
            "the newest message_received events and the protected one remain",
        )?;
    }
    Ok(())
}
