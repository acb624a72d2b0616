//! Concurrent callers: `docs/asm-v0.8/domain.md` §7.7 (items 98–108, N = 100) and `docs/asm-v0.8/sql.md` §8 items 60–62.
//! The N operations are started together with `join_all`, so a store with a real pool or a
//! threaded executor sees them interleave.

use asm_core::ports::{ListRuns, ListSessions};
use asm_core::{Error, Event, EventType, NewEvent, RunStatus, SessionStatus};
use futures::future::join_all;

use crate::cases::helpers::{
    OrFail, all_events, event, ids, run, run_event, seqs, session, sorted_ids,
};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq};

/// `docs/asm-v0.8/domain.md` §7.7, in manifest order.
pub(super) fn domain_cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        domain_7_7_98_concurrent_session_saves,
        domain_7_7_99_concurrent_reads_and_updates_of_one_session,
        domain_7_7_100_concurrent_deletes,
        domain_7_7_101_concurrent_run_saves,
        domain_7_7_102_concurrent_saves_of_one_run,
        domain_7_7_103_concurrent_get_active_run,
        domain_7_7_104_concurrent_appends,
        domain_7_7_105_concurrent_reads_of_events,
        domain_7_7_106_concurrent_reads_and_appends,
        domain_7_7_107_stress_iterations,
        domain_7_7_108_mixed_operations,
    ]
}

/// `docs/asm-v0.8/sql.md` §8 items 60–62, in manifest order.
pub(super) fn sql_cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        sql_8_60_concurrent_single_appends_sequence_1_to_50,
        sql_8_61_concurrent_batches_sequence_1_to_50,
        sql_8_62_counter_single_increments,
        sql_8_62_counter_batch_reservations,
        sql_8_62_counter_concurrent_increments,
    ]
}

/// Fails with the first error among `results`, naming how many failed.
fn all_ok<T>(results: Vec<Result<T, Error>>, what: &str) -> Result<Vec<T>, String> {
    let failed = results.iter().filter(|r| r.is_err()).count();
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        out.push(r.map_err(|e| format!("{what}: {failed} of the calls failed, e.g. {e}"))?);
    }
    Ok(out)
}

async fn domain_7_7_98_concurrent_session_saves<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sessions = (0..100).map(|_| session(&cx.env, "agent-1")).collect::<Result<Vec<_>, _>>()?;
    all_ok(join_all(sessions.iter().map(|s| cx.store.save_session(s))).await, "save_session")?;
    let list = cx.store.list_sessions(&ListSessions::default()).await.or_fail("list_sessions")?;
    let mut want = ids(&sessions);
    want.sort();
    ensure_eq(sorted_ids(&list), want, "listed ids")
}

async fn domain_7_7_99_concurrent_reads_and_updates_of_one_session<S: Store>(
    cx: &Ctx<S>,
) -> CaseResult {
    let s = session(&cx.env, "agent-1")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    let (store, env) = (&cx.store, &cx.env);
    let tasks = (0..100).map(|i| {
        let mut s = s.clone();
        async move {
            if i % 2 == 0 {
                store.get_session(&s.id).await.map(drop)
            } else {
                s.update_status(SessionStatus::Active, env);
                store.save_session(&s).await
            }
        }
    });
    all_ok(join_all(tasks).await, "get/save")?;
    ensure_eq(cx.store.get_session(&s.id).await.or_fail("final get_session")?.id, s.id, "id")
}

async fn domain_7_7_100_concurrent_deletes<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sessions = (0..100).map(|_| session(&cx.env, "agent-1")).collect::<Result<Vec<_>, _>>()?;
    for s in &sessions {
        cx.store.save_session(s).await.or_fail("save_session")?;
    }
    all_ok(
        join_all(sessions.iter().map(|s| cx.store.delete_session(&s.id))).await,
        "delete_session",
    )?;
    let list = cx.store.list_sessions(&ListSessions::default()).await.or_fail("list_sessions")?;
    ensure(list.is_empty(), format!("expected no sessions, got {}", list.len()))
}

async fn domain_7_7_101_concurrent_run_saves<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sessions = (0..100).map(|_| session(&cx.env, "agent-1")).collect::<Result<Vec<_>, _>>()?;
    for s in &sessions {
        cx.store.save_session(s).await.or_fail("save_session")?;
    }
    let runs = sessions.iter().map(|s| run(&cx.env, &s.id)).collect::<Result<Vec<_>, _>>()?;
    all_ok(join_all(runs.iter().map(|r| cx.store.save_run(r))).await, "save_run")?;
    for r in &runs {
        let list =
            cx.store.list_runs(&r.session_id, &ListRuns::default()).await.or_fail("list_runs")?;
        ensure_eq(ids(&list), vec![r.id.clone()], "runs of the session")?;
    }
    Ok(())
}

async fn domain_7_7_102_concurrent_saves_of_one_run<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let base = run(&cx.env, "ses_shared_run")?;
    let variants: Vec<_> = (0..100i64)
        .map(|i| {
            let mut r = base.clone();
            r.increment_turn();
            r.update_token_usage(&asm_core::json::object(
                serde_json::json!({"input": i, "output": 2 * i}),
            ));
            r
        })
        .collect();
    all_ok(join_all(variants.iter().map(|r| cx.store.save_run(r))).await, "save_run")?;
    let got = cx.store.get_run(&base.id).await.or_fail("get_run")?;
    ensure_eq((&got.id, &got.session_id), (&base.id, &base.session_id), "id and session")?;
    ensure(variants.contains(&got), format!("final run is none of the writes: {got:?}"))
}

async fn domain_7_7_103_concurrent_get_active_run<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut r = run(&cx.env, "ses_active")?;
    r.update_status(RunStatus::Running, &cx.env);
    cx.store.save_run(&r).await.or_fail("save_run")?;
    let got = all_ok(
        join_all((0..100).map(|_| cx.store.get_active_run("ses_active"))).await,
        "get_active_run",
    )?;
    ensure(
        got.iter().all(|a| a.as_ref().is_some_and(|a| a.id == r.id)),
        "some call did not return the running run",
    )
}

async fn domain_7_7_104_concurrent_appends<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_concurrent";
    let events = (0..100i64)
        .map(|i| {
            let attrs = NewEvent {
                sequence_number: Some(i),
                ..NewEvent::of(EventType::MessageReceived, sid)
            };
            Event::new(attrs, &cx.env).or_fail("Event::new")
        })
        .collect::<Result<Vec<_>, _>>()?;
    all_ok(join_all(events.iter().map(|e| cx.store.append_event(e))).await, "append_event")?;
    let stored = all_events(&cx.store, sid).await?;
    let mut want = ids(&events);
    want.sort();
    ensure_eq(sorted_ids(&stored), want, "stored ids")
}

async fn domain_7_7_105_concurrent_reads_of_events<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_reads";
    for _ in 0..50 {
        cx.store
            .append_event(&event(&cx.env, EventType::MessageReceived, sid)?)
            .await
            .or_fail("append")?;
    }
    let reads =
        all_ok(join_all((0..100).map(|_| all_events_raw(&cx.store, sid))).await, "get_events")?;
    ensure(reads.iter().all(|r| r.len() == 50), "some read did not return 50 events")
}

async fn all_events_raw<S: Store>(store: &S, sid: &str) -> Result<Vec<Event>, Error> {
    store.get_events(sid, &Default::default()).await
}

async fn domain_7_7_106_concurrent_reads_and_appends<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_mixed";
    for _ in 0..10 {
        cx.store
            .append_event(&event(&cx.env, EventType::MessageReceived, sid)?)
            .await
            .or_fail("append")?;
    }
    let (store, env) = (&cx.store, &cx.env);
    let tasks = (0..100).map(|i| async move {
        if i % 3 == 0 {
            all_events_raw(store, sid).await.map(drop)
        } else {
            let ev = Event::new(NewEvent::of(EventType::MessageSent, sid), env)?;
            store.append_event(&ev).await
        }
    });
    all_ok(join_all(tasks).await, "read/append")?;
    ensure_eq(all_events(&cx.store, sid).await?.len(), 10 + 66, "events after the appends")
}

async fn domain_7_7_107_stress_iterations<S: Store>(cx: &Ctx<S>) -> CaseResult {
    for round in 0..10 {
        let sessions =
            (0..10).map(|_| session(&cx.env, "agent-1")).collect::<Result<Vec<_>, _>>()?;
        all_ok(
            join_all(sessions.iter().map(|s| cx.store.save_session(s))).await,
            &format!("round {round} sessions"),
        )?;
        let runs = sessions.iter().map(|s| run(&cx.env, &s.id)).collect::<Result<Vec<_>, _>>()?;
        all_ok(
            join_all(runs.iter().map(|r| cx.store.save_run(r))).await,
            &format!("round {round} runs"),
        )?;
        let events = runs
            .iter()
            .map(|r| run_event(&cx.env, EventType::RunStarted, &r.session_id, &r.id))
            .collect::<Result<Vec<_>, _>>()?;
        all_ok(
            join_all(events.iter().map(|e| cx.store.append_event(e))).await,
            &format!("round {round} events"),
        )?;
    }
    let list = cx.store.list_sessions(&ListSessions::default()).await.or_fail("list_sessions")?;
    ensure_eq(list.len(), 100, "sessions after 10 rounds")
}

async fn domain_7_7_108_mixed_operations<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-1")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    let (store, env) = (&cx.store, &cx.env);
    let tasks = (0..200).map(|i| {
        let mut s = s.clone();
        async move {
            match i % 4 {
                0 => store.get_session(&s.id).await.map(drop),
                1 => {
                    s.update_status(SessionStatus::Active, env);
                    store.save_session(&s).await
                }
                2 => {
                    store
                        .save_run(&asm_core::Run::new(asm_core::NewRun::for_session(&s.id), env)?)
                        .await
                }
                _ => {
                    store
                        .append_event(&Event::new(
                            NewEvent::of(EventType::MessageSent, &s.id),
                            env,
                        )?)
                        .await
                }
            }
        }
    });
    all_ok(join_all(tasks).await, "mixed operation")?;
    ensure_eq(
        cx.store.get_session(&s.id).await.or_fail("get_session")?.id,
        s.id,
        "session still readable",
    )
}

async fn sql_8_60_concurrent_single_appends_sequence_1_to_50<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_conc_single";
    let events = (0..50)
        .map(|_| event(&cx.env, EventType::MessageReceived, sid))
        .collect::<Result<Vec<_>, _>>()?;
    let stored = all_ok(
        join_all(events.iter().map(|e| cx.store.append_event_with_sequence(e))).await,
        "append",
    )?;
    let mut got = seqs(&stored);
    got.sort();
    ensure_eq(got, (1..=50).collect(), "returned sequences")?;
    ensure_eq(cx.store.get_latest_sequence(sid).await.or_fail("latest")?, 50, "latest sequence")
}

async fn sql_8_61_concurrent_batches_sequence_1_to_50<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_conc_batch";
    let batches = (0..10)
        .map(|_| {
            (0..5)
                .map(|_| event(&cx.env, EventType::MessageReceived, sid))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    all_ok(join_all(batches.iter().map(|b| cx.store.append_events(b))).await, "append_events")?;
    ensure_eq(seqs(&all_events(&cx.store, sid).await?), (1..=50).collect(), "stored sequences")?;
    ensure_eq(cx.store.get_latest_sequence(sid).await.or_fail("latest")?, 50, "latest sequence")
}

async fn sql_8_62_counter_single_increments<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_counter_single";
    let mut got = Vec::new();
    for _ in 0..3 {
        let e = event(&cx.env, EventType::MessageReceived, sid)?;
        got.push(cx.store.append_event_with_sequence(&e).await.or_fail("append")?.sequence_number);
    }
    ensure_eq(got, vec![Some(1), Some(2), Some(3)], "sequences of three appends on a new session")
}

async fn sql_8_62_counter_batch_reservations<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_counter_batch";
    let three = (0..3)
        .map(|_| event(&cx.env, EventType::MessageReceived, sid))
        .collect::<Result<Vec<_>, _>>()?;
    let two = (0..2)
        .map(|_| event(&cx.env, EventType::MessageReceived, sid))
        .collect::<Result<Vec<_>, _>>()?;
    let a = cx.store.append_events(&three).await.or_fail("batch of 3")?;
    let b = cx.store.append_events(&two).await.or_fail("batch of 2")?;
    ensure_eq((seqs(&a), seqs(&b)), (vec![1, 2, 3], vec![4, 5]), "batch sequences")
}

async fn sql_8_62_counter_concurrent_increments<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_counter_conc";
    let events = (0..20)
        .map(|_| event(&cx.env, EventType::MessageReceived, sid))
        .collect::<Result<Vec<_>, _>>()?;
    let stored = all_ok(
        join_all(events.iter().map(|e| cx.store.append_event_with_sequence(e))).await,
        "append",
    )?;
    let mut got = seqs(&stored);
    got.sort();
    got.dedup();
    ensure_eq(got, (1..=20).collect(), "distinct sequences")
}
