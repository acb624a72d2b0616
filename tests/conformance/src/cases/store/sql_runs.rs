//! `docs/asm-v0.8/sql.md` §8 items 23–34: runs.

use asm_core::json::object;
use asm_core::ports::ListRuns;
use asm_core::{ErrorCode, NewRun, Run, RunStatus};
use serde_json::json;

use crate::cases::helpers::{OrFail, ids, run, run_with_id};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq, expect_code};

/// The cases of this file, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        sql_8_23_save_run_twice_one_row,
        sql_8_24_resave_run_running,
        sql_8_25_run_input_round_trip,
        sql_8_26_get_unknown_run,
        sql_8_27_token_usage_and_metadata_round_trip,
        sql_8_28_full_run_round_trip,
        sql_8_29_list_runs_two_and_unknown,
        sql_8_30_list_runs_by_status,
        sql_8_31_list_runs_per_session,
        sql_8_32_get_active_run,
        sql_8_33_pending_then_running_is_active,
        sql_8_34_whole_cost_reads_back_as_float,
    ]
}

async fn sql_8_23_save_run_twice_one_row<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let r = run(&cx.env, "ses_test_000001")?;
    cx.store.save_run(&r).await.or_fail("first save_run")?;
    cx.store.save_run(&r).await.or_fail("second save_run")?;
    let list =
        cx.store.list_runs(&r.session_id, &ListRuns::default()).await.or_fail("list_runs")?;
    ensure_eq(ids(&list), vec![r.id], "rows")
}

async fn sql_8_24_resave_run_running<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut r = run(&cx.env, "ses_test_000001")?;
    cx.store.save_run(&r).await.or_fail("save pending")?;
    r.update_status(RunStatus::Running, &cx.env);
    cx.store.save_run(&r).await.or_fail("save running")?;
    ensure_eq(
        cx.store.get_run(&r.id).await.or_fail("get_run")?.status,
        RunStatus::Running,
        "status",
    )
}

async fn sql_8_25_run_input_round_trip<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let attrs = NewRun {
        input: Some(json!({"prompt": "hello"})),
        ..NewRun::for_session("ses_test_000001")
    };
    let r = Run::new(attrs, &cx.env).or_fail("Run::new")?;
    cx.store.save_run(&r).await.or_fail("save_run")?;
    let got = cx.store.get_run(&r.id).await.or_fail("get_run")?;
    ensure_eq(
        (got.id, got.session_id, got.input),
        (r.id, r.session_id, r.input),
        "id, session_id, input",
    )
}

async fn sql_8_26_get_unknown_run<S: Store>(cx: &Ctx<S>) -> CaseResult {
    expect_code(cx.store.get_run("run_missing").await, ErrorCode::RunNotFound).map(drop)
}

async fn sql_8_27_token_usage_and_metadata_round_trip<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let attrs = NewRun {
        metadata: object(json!({"provider": "claude"})),
        ..NewRun::for_session("ses_test_000001")
    };
    let mut r = Run::new(attrs, &cx.env).or_fail("Run::new")?;
    r.update_token_usage(&object(json!({"input_tokens": 100, "output_tokens": 50})));
    cx.store.save_run(&r).await.or_fail("save_run")?;
    let got = cx.store.get_run(&r.id).await.or_fail("get_run")?;
    ensure_eq(
        (got.token_usage, got.metadata),
        (r.token_usage, r.metadata),
        "token_usage and metadata",
    )
}

async fn sql_8_28_full_run_round_trip<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let attrs = NewRun {
        input: Some(
            json!({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}),
        ),
        metadata: object(json!({"model": "claude-sonnet-4", "temperature": 0.5})),
        ..NewRun::for_session("ses_test_000001")
    };
    let mut r = Run::new(attrs, &cx.env).or_fail("Run::new")?;
    for _ in 0..3 {
        r.increment_turn();
    }
    r.update_token_usage(&object(
        json!({"input_tokens": 10, "output_tokens": 20, "total_tokens": 30}),
    ));
    r.set_output(object(json!({"response": "done", "parts": [1, 2]})), &cx.env);
    r.provider = Some("claude".into());
    r.provider_metadata = object(json!({"model": "claude-sonnet-4"}));
    cx.store.save_run(&r).await.or_fail("save_run")?;
    let got = cx.store.get_run(&r.id).await.or_fail("get_run")?;
    ensure_eq(got.error.clone(), None, "error")?;
    ensure_eq(got, r, "run")
}

async fn sql_8_29_list_runs_two_and_unknown<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let a = run(&cx.env, "ses_two_runs")?;
    let b = run(&cx.env, "ses_two_runs")?;
    cx.store.save_run(&b).await.or_fail("save b")?;
    cx.store.save_run(&a).await.or_fail("save a")?;
    let list =
        cx.store.list_runs("ses_two_runs", &ListRuns::default()).await.or_fail("list_runs")?;
    ensure_eq(ids(&list), vec![a.id, b.id], "runs, by started_at")?;
    let none =
        cx.store.list_runs("ses_unknown", &ListRuns::default()).await.or_fail("list unknown")?;
    ensure(none.is_empty(), "expected no runs for an unknown session")
}

async fn sql_8_30_list_runs_by_status<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let pending = run(&cx.env, "ses_status_runs")?;
    let mut running = run(&cx.env, "ses_status_runs")?;
    running.update_status(RunStatus::Running, &cx.env);
    cx.store.save_run(&pending).await.or_fail("save pending")?;
    cx.store.save_run(&running).await.or_fail("save running")?;
    let filter = ListRuns { status: Some(RunStatus::Running), ..ListRuns::default() };
    let list = cx.store.list_runs("ses_status_runs", &filter).await.or_fail("list_runs")?;
    ensure_eq(ids(&list), vec![running.id], "running runs")
}

async fn sql_8_31_list_runs_per_session<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mine = run(&cx.env, "ses_s1")?;
    let theirs = run(&cx.env, "ses_s2")?;
    cx.store.save_run(&mine).await.or_fail("save s1 run")?;
    cx.store.save_run(&theirs).await.or_fail("save s2 run")?;
    let list = cx.store.list_runs("ses_s1", &ListRuns::default()).await.or_fail("list_runs")?;
    ensure_eq(ids(&list), vec![mine.id], "runs of s1")
}

async fn sql_8_32_get_active_run<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let sid = "ses_active_runs";
    ensure_eq(
        cx.store.get_active_run(sid).await.or_fail("no runs")?,
        None,
        "active run without runs",
    )?;
    let mut done = run(&cx.env, sid)?;
    done.update_status(RunStatus::Completed, &cx.env);
    cx.store.save_run(&done).await.or_fail("save completed")?;
    ensure_eq(
        cx.store.get_active_run(sid).await.or_fail("only completed")?,
        None,
        "active run, only completed",
    )?;
    let mut first = run_with_id(&cx.env, "run_b_first", sid)?;
    first.update_status(RunStatus::Running, &cx.env);
    cx.store.save_run(&first).await.or_fail("save running")?;
    let active = cx.store.get_active_run(sid).await.or_fail("one running")?;
    ensure_eq(active.as_ref().map(|a| a.id.as_str()), Some("run_b_first"), "active run")?;
    let mut later = run_with_id(&cx.env, "run_a_later", sid)?;
    later.update_status(RunStatus::Running, &cx.env);
    cx.store.save_run(&later).await.or_fail("save second running")?;
    let active = cx.store.get_active_run(sid).await.or_fail("two running")?;
    ensure_eq(active.map(|a| a.id), Some("run_a_later".to_owned()), "latest started running run")
}

async fn sql_8_33_pending_then_running_is_active<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut r = run(&cx.env, "ses_pending_running")?;
    cx.store.save_run(&r).await.or_fail("save pending")?;
    r.update_status(RunStatus::Running, &cx.env);
    cx.store.save_run(&r).await.or_fail("save running")?;
    ensure_eq(
        cx.store.get_run(&r.id).await.or_fail("get_run")?.status,
        RunStatus::Running,
        "status",
    )?;
    let active = cx.store.get_active_run(&r.session_id).await.or_fail("get_active_run")?;
    ensure_eq(active.map(|a| a.id), Some(r.id), "active run")
}

async fn sql_8_34_whole_cost_reads_back_as_float<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let mut r = run(&cx.env, "ses_cost")?;
    r.cost_usd = Some(2.0);
    cx.store.save_run(&r).await.or_fail("save_run")?;
    ensure_eq(cx.store.get_run(&r.id).await.or_fail("get_run")?.cost_usd, Some(2.0), "cost_usd")
}
