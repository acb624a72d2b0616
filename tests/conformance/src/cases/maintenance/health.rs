//! Health, orphans and counters: `docs/asm-v0.8/sql.md` §8 items 108–109, 111–112 (with the orphaned-counter
//! fix of docs/compatibility.md).

use asm_core::{EventType, Limit, RetentionPolicy};

use crate::cases::helpers::{OrFail, all_events, artifact_attrs, event, run, session};
use crate::{Case, CaseResult, Ctx, Store, ensure_eq};

/// The cases of this file, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        sql_8_108_health_check_healthy,
        sql_8_109_health_check_after_prune,
        sql_8_109_health_mismatch_when_newest_pruned,
        sql_8_111_clean_orphaned_artifacts,
        sql_8_112_health_reports_orphaned_events_and_runs,
        sql_8_112_counter_kept_while_events_remain,
        sql_8_112_counter_removed_without_session_or_events,
    ]
}

async fn append_types<S: Store>(cx: &Ctx<S>, sid: &str, order: &[EventType]) -> CaseResult {
    let events = order.iter().map(|t| event(&cx.env, *t, sid)).collect::<Result<Vec<_>, _>>()?;
    cx.store.append_events(&events).await.or_fail("append_events").map(drop)
}

fn max_events(n: i64) -> RetentionPolicy {
    RetentionPolicy { max_events_per_session: Limit::Finite(n), ..RetentionPolicy::default() }
}

async fn sql_8_108_health_check_healthy<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "test-agent")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    append_types(cx, &s.id, &[EventType::SessionCreated]).await?;
    ensure_eq(
        cx.store.health_check().await.or_fail("health_check")?,
        Vec::<String>::new(),
        "issues",
    )
}

async fn sql_8_109_health_check_after_prune<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "test-agent")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    append_types(cx, &s.id, &[EventType::MessageStreamed; 8]).await?;
    ensure_eq(
        cx.store.prune_session_events(&s.id, &max_events(3)).await.or_fail("prune")?,
        5,
        "pruned",
    )?;
    ensure_eq(
        cx.store.health_check().await.or_fail("health_check")?,
        Vec::<String>::new(),
        "issues",
    )
}

async fn sql_8_109_health_mismatch_when_newest_pruned<S: Store>(cx: &Ctx<S>) -> CaseResult {
    for sid in ["ses_mm_b", "ses_mm_a"] {
        cx.store
            .save_session(&crate::cases::helpers::session_with_id(&cx.env, sid, "a")?)
            .await
            .or_fail("save")?;
        append_types(
            cx,
            sid,
            &[EventType::SessionCreated, EventType::RunStarted, EventType::MessageStreamed],
        )
        .await?;
        ensure_eq(
            cx.store.prune_session_events(sid, &max_events(2)).await.or_fail("prune")?,
            1,
            "pruned",
        )?;
    }
    let want = vec![
        "Sequence mismatch for ses_mm_a: counter=3, max_sequence=2".to_owned(),
        "Sequence mismatch for ses_mm_b: counter=3, max_sequence=2".to_owned(),
    ];
    ensure_eq(cx.store.health_check().await.or_fail("health_check")?, want, "issues, by session id")
}

async fn sql_8_111_clean_orphaned_artifacts<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut soft = session(&cx.env, "test-agent")?;
    soft.deleted_at = Some(cx.env.now());
    cx.store.save_session(&soft).await.or_fail("save soft-deleted session")?;
    cx.store
        .register(artifact_attrs("orphan.txt", Some("ses_gone"), 1))
        .await
        .or_fail("register orphan")?;
    let loose =
        cx.store.register(artifact_attrs("loose.txt", None, 1)).await.or_fail("register loose")?;
    let kept = cx
        .store
        .register(artifact_attrs("kept.txt", Some(&soft.id), 1))
        .await
        .or_fail("register kept")?;
    ensure_eq(cx.store.clean_orphaned_artifacts().await.or_fail("clean")?, 1, "cleaned")?;
    ensure_eq(cx.store.get_by_key("orphan.txt").await.or_fail("get orphan")?, None, "orphan")?;
    ensure_eq(
        cx.store.get_by_key("loose.txt").await.or_fail("get loose")?,
        Some(loose),
        "NULL session kept",
    )?;
    ensure_eq(
        cx.store.get_by_key("kept.txt").await.or_fail("get kept")?,
        Some(kept),
        "soft-deleted session's kept",
    )?;
    cx.store
        .register(artifact_attrs("orphan.txt", None, 1))
        .await
        .or_fail("the orphan's key is free")
        .map(drop)
}

async fn sql_8_112_health_reports_orphaned_events_and_runs<S: Store>(cx: &Ctx<S>) -> CaseResult {
    append_types(cx, "ses_unsaved", &[EventType::SessionCreated, EventType::RunStarted]).await?;
    cx.store.save_run(&run(&cx.env, "ses_unsaved")?).await.or_fail("save_run")?;
    let want = vec![
        "2 events reference non-existent sessions".to_owned(),
        "1 runs reference non-existent sessions".to_owned(),
    ];
    ensure_eq(cx.store.health_check().await.or_fail("health_check")?, want, "issues")
}

async fn sql_8_112_counter_kept_while_events_remain<S: Store>(cx: &Ctx<S>) -> CaseResult {
    append_types(cx, "ses_unsaved", &[EventType::SessionCreated, EventType::RunStarted]).await?;
    let report = cx.store.execute(&RetentionPolicy::default()).await.or_fail("execute")?;
    ensure_eq(report.orphaned_sequences_cleaned, 0, "orphaned counters cleaned")?;
    ensure_eq(cx.store.get_latest_sequence("ses_unsaved").await.or_fail("latest")?, 2, "latest")?;
    let next = cx
        .store
        .append_event_with_sequence(&event(&cx.env, EventType::MessageSent, "ses_unsaved")?)
        .await;
    ensure_eq(next.or_fail("append")?.sequence_number, Some(3), "next sequence")
}

async fn sql_8_112_counter_removed_without_session_or_events<S: Store>(cx: &Ctx<S>) -> CaseResult {
    append_types(cx, "ses_unsaved", &[EventType::MessageStreamed, EventType::MessageSent]).await?;
    // Only `execute` validates a policy, so a callback may prune with a bound of 0.
    let pruned =
        cx.store.prune_session_events("ses_unsaved", &max_events(0)).await.or_fail("prune to 0")?;
    ensure_eq(pruned, 2, "pruned")?;
    ensure_eq(all_events(&cx.store, "ses_unsaved").await?.len(), 0, "events left")?;
    let report = cx.store.execute(&RetentionPolicy::default()).await.or_fail("execute")?;
    ensure_eq(report.orphaned_sequences_cleaned, 1, "orphaned counters cleaned")?;
    ensure_eq(cx.store.get_latest_sequence("ses_unsaved").await.or_fail("latest")?, 0, "latest")
}
