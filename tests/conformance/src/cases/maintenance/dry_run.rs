//! Maintenance safety (docs/reliability.md): `plan` reports exactly what the following `execute`
//! does and changes nothing; exempt statuses and tags are never touched; a second `execute`
//! changes nothing.

use asm_core::ports::{EventFilter, ListRuns, ListSessions, MaintenanceReport};
use asm_core::{ErrorCode, EventType, Limit, RetentionPolicy, Session, SessionStatus};

use crate::cases::helpers::{OrFail, artifact_attrs, event, run, session_with_id};
use crate::{Case, CaseResult, Ctx, START, Store, ensure_eq, expect_code};

/// The cases of this file, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        rel_8_5_plan_matches_execute,
        rel_8_5_execute_twice_changes_nothing,
        rel_8_5_exempt_status_and_tags_never_touched,
        rel_8_5_negative_limits_change_nothing,
    ]
}

/// Every session id the fixture writes (`ses_unsaved` and `ses_nowhere` have no row).
const IDS: &[&str] = &[
    "ses_active_old",
    "ses_gone",
    "ses_long",
    "ses_nowhere",
    "ses_old",
    "ses_pinned_old",
    "ses_unsaved",
];

fn policy() -> RetentionPolicy {
    RetentionPolicy { max_events_per_session: Limit::Finite(5), ..RetentionPolicy::default() }
}

async fn saved<S: Store>(
    cx: &Ctx<S>,
    id: &str,
    status: SessionStatus,
    tags: &[&str],
    age_days: i64,
) -> Result<Session, String> {
    let mut s = session_with_id(&cx.env, id, "test-agent")?;
    s.status = status;
    s.tags = tags.iter().map(|t| t.to_string()).collect();
    s.updated_at = START.add_days(-age_days);
    cx.store.save_session(&s).await.or_fail("save_session")?;
    Ok(s)
}

async fn log<S: Store>(cx: &Ctx<S>, sid: &str, types: &[EventType]) -> CaseResult {
    let events = types.iter().map(|t| event(&cx.env, *t, sid)).collect::<Result<Vec<_>, _>>()?;
    cx.store.append_events(&events).await.or_fail("append_events").map(drop)
}

/// 2 protected, 3 prune-first and 7 other events: pruning to 5 removes 3 then 4.
fn long_log() -> Vec<EventType> {
    let mut types = vec![EventType::SessionCreated, EventType::RunStarted];
    types.extend([EventType::MessageStreamed; 3]);
    types.extend([EventType::MessageSent; 7]);
    types
}

/// One candidate for every step, plus exempt sessions that must survive: soft delete 1, hard
/// delete 1 (whose 12 events are not pruned: hard delete runs first), prune 7, orphaned
/// artifacts 1, orphaned counters 1.
async fn fixture<S: Store>(cx: &Ctx<S>) -> CaseResult {
    saved(cx, "ses_old", SessionStatus::Completed, &[], 100).await?;
    log(cx, "ses_old", &[EventType::SessionCreated, EventType::MessageSent]).await?;
    saved(cx, "ses_active_old", SessionStatus::Active, &[], 400).await?;
    log(cx, "ses_active_old", &[EventType::MessageSent; 3]).await?;
    saved(cx, "ses_pinned_old", SessionStatus::Completed, &["x", "pinned"], 400).await?;
    let mut gone = saved(cx, "ses_gone", SessionStatus::Completed, &[], 400).await?;
    gone.deleted_at = Some(START.add_days(-40));
    cx.store.save_session(&gone).await.or_fail("soft-deleted session")?;
    log(cx, "ses_gone", &long_log()).await?;
    cx.store.save_run(&run(&cx.env, "ses_gone")?).await.or_fail("save_run")?;
    cx.store.register(artifact_attrs("gone.txt", Some("ses_gone"), 1)).await.or_fail("register")?;
    saved(cx, "ses_long", SessionStatus::Active, &[], 0).await?;
    log(cx, "ses_long", &long_log()).await?;
    cx.store
        .register(artifact_attrs("orphan.txt", Some("ses_nowhere"), 1))
        .await
        .or_fail("register orphan")?;
    cx.store.register(artifact_attrs("loose.txt", None, 1)).await.or_fail("register loose")?;
    log(cx, "ses_unsaved", &[EventType::MessageStreamed; 2]).await?;
    let zero =
        RetentionPolicy { max_events_per_session: Limit::Finite(0), ..RetentionPolicy::default() };
    cx.store.prune_session_events("ses_unsaved", &zero).await.or_fail("prune to 0").map(drop)
}

/// Everything the ports can read back about the fixture, as text.
async fn snapshot<S: Store>(cx: &Ctx<S>) -> Result<String, String> {
    let mut out = format!(
        "{:?}\n",
        cx.store.list_sessions(&ListSessions::default()).await.or_fail("list_sessions")?
    );
    for id in IDS {
        let events =
            cx.store.get_events(id, &EventFilter::default()).await.or_fail("get_events")?;
        let runs = cx.store.list_runs(id, &ListRuns::default()).await.or_fail("list_runs")?;
        let artifacts = cx.store.list_by_session(id).await.or_fail("list_by_session")?;
        let latest = cx.store.get_latest_sequence(id).await.or_fail("latest")?;
        out.push_str(&format!("{id}: {events:?}\n{runs:?}\n{artifacts:?}\nlatest {latest}\n"));
    }
    out.push_str(&format!("{:?}", cx.store.get_by_key("loose.txt").await.or_fail("get loose")?));
    Ok(out)
}

fn counts(r: &MaintenanceReport) -> MaintenanceReport {
    MaintenanceReport { duration_ms: 0, ..r.clone() }
}

async fn rel_8_5_plan_matches_execute<S: Store>(cx: &Ctx<S>) -> CaseResult {
    fixture(cx).await?;
    let before = snapshot(cx).await?;
    let plan = cx.store.plan(&policy()).await.or_fail("plan")?;
    ensure_eq(snapshot(cx).await?, before.clone(), "stored data after plan")?;
    let want = MaintenanceReport {
        sessions_soft_deleted: 1,
        sessions_hard_deleted: 1,
        events_pruned: 7,
        artifacts_cleaned: 1,
        orphaned_sequences_cleaned: 1,
        ..MaintenanceReport::default()
    };
    ensure_eq(counts(&plan), want, "plan")?;
    let executed = cx.store.execute(&policy()).await.or_fail("execute")?;
    ensure_eq(counts(&executed), counts(&plan), "execute's counts against plan's")?;
    let invalid = RetentionPolicy { batch_size: 0, ..policy() };
    crate::expect_code(cx.store.plan(&invalid).await, asm_core::ErrorCode::ValidationError)
        .map(drop)
}

async fn rel_8_5_execute_twice_changes_nothing<S: Store>(cx: &Ctx<S>) -> CaseResult {
    fixture(cx).await?;
    cx.store.execute(&policy()).await.or_fail("first execute")?;
    let after_first = snapshot(cx).await?;
    let second = cx.store.execute(&policy()).await.or_fail("second execute")?;
    ensure_eq(counts(&second), MaintenanceReport::default(), "second execute")?;
    ensure_eq(snapshot(cx).await?, after_first, "stored data after the second execute")?;
    ensure_eq(
        counts(&cx.store.plan(&policy()).await.or_fail("plan")?),
        MaintenanceReport::default(),
        "plan",
    )?;
    ensure_eq(cx.store.health_check().await.or_fail("health")?, Vec::<String>::new(), "health")
}

async fn rel_8_5_exempt_status_and_tags_never_touched<S: Store>(cx: &Ctx<S>) -> CaseResult {
    fixture(cx).await?;
    let active = cx.store.get_session("ses_active_old").await.or_fail("get active")?;
    let pinned = cx.store.get_session("ses_pinned_old").await.or_fail("get pinned")?;
    let active_log =
        cx.store.get_events("ses_active_old", &EventFilter::default()).await.or_fail("events")?;
    // The harshest valid policy, run at three clock readings up to two years on.
    let harsh = RetentionPolicy {
        max_completed_session_age_days: Limit::Finite(1),
        hard_delete_after_days: Limit::Finite(1),
        ..policy()
    };
    for days in [0, 2, 730] {
        cx.clock.set(START.add_days(days));
        cx.store.execute(&harsh).await.or_fail("execute")?;
        ensure_eq(
            cx.store.get_session("ses_active_old").await.or_fail("get active")?,
            active.clone(),
            "exempt status",
        )?;
        ensure_eq(
            cx.store.get_session("ses_pinned_old").await.or_fail("get pinned")?,
            pinned.clone(),
            "exempt tag",
        )?;
        let log_now = cx
            .store
            .get_events("ses_active_old", &EventFilter::default())
            .await
            .or_fail("events")?;
        ensure_eq(log_now, active_log.clone(), "exempt session's events")?;
    }
    Ok(())
}

/// The single steps run without `RetentionPolicy::validate` (as in ASM), but a negative limit
/// would prune a whole log or put the deletion cutoff in the future: each is `validation_error`
/// and nothing changes (docs/compatibility.md, "Maintenance").
async fn rel_8_5_negative_limits_change_nothing<S: Store>(cx: &Ctx<S>) -> CaseResult {
    fixture(cx).await?;
    let before = snapshot(cx).await?;
    let prune = RetentionPolicy { max_events_per_session: Limit::Finite(-3), ..policy() };
    expect_code(
        cx.store.prune_session_events("ses_long", &prune).await,
        ErrorCode::ValidationError,
    )?;
    let soft = RetentionPolicy { max_session_age_days: Limit::Finite(-3), ..policy() };
    expect_code(cx.store.soft_delete_expired_sessions(&soft).await, ErrorCode::ValidationError)?;
    let hard = RetentionPolicy { hard_delete_after_days: Limit::Finite(-1), ..policy() };
    expect_code(cx.store.hard_delete_expired_sessions(&hard).await, ErrorCode::ValidationError)?;
    ensure_eq(snapshot(cx).await?, before, "the store")
}
