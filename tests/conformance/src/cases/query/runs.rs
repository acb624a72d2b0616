//! Stats, runs, usage and cost: `docs/asm-v0.8/sql.md` §8 items 78–88.

use std::collections::BTreeMap;

use asm_core::json::object;
use asm_core::ports::{CostQuery, RunOrder, RunSearch, UsageQuery};
use asm_core::pricing::{PricingTable, ProviderPricing, Rates};
use asm_core::{ErrorCode, EventType, Run, RunStatus, Timestamp};
use serde_json::json;

use crate::cases::helpers::{OrFail, event, ids, run_with_id, secs, session};
use crate::{Case, CaseResult, Ctx, Store, ensure_eq, expect_code};

/// The cases of this file, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        sql_8_78_session_stats_counts_and_tokens,
        sql_8_79_session_stats_status_counts,
        sql_8_80_stats_and_export_of_unknown_session,
        sql_8_81_search_runs_filters,
        sql_8_82_search_runs_min_tokens,
        sql_8_83_search_runs_token_usage_desc,
        sql_8_84_page_runs_by_started_at_desc,
        sql_8_85_search_runs_limit_too_large,
        sql_8_86_usage_summary,
        sql_8_87_usage_summary_filters,
        sql_8_88_cost_summary,
    ]
}

const BASE: Timestamp = Timestamp::from_micros(1_700_000_000_000_000);

/// Saves a run with a provider and a token usage.
async fn used<S: Store>(
    cx: &Ctx<S>,
    id: &str,
    sid: &str,
    provider: Option<&str>,
    usage: serde_json::Value,
) -> Result<Run, String> {
    let mut r = run_with_id(&cx.env, id, sid)?;
    r.provider = provider.map(str::to_owned);
    r.token_usage = object(usage);
    cx.store.save_run(&r).await.or_fail("save_run")?;
    Ok(r)
}

async fn claude_and_codex<S: Store>(cx: &Ctx<S>, sid: &str) -> CaseResult {
    used(
        cx,
        "run_claude",
        sid,
        Some("claude"),
        json!({"input_tokens": 100, "output_tokens": 50, "total_tokens": 150}),
    )
    .await?;
    used(
        cx,
        "run_codex",
        sid,
        Some("codex"),
        json!({"input_tokens": 200, "output_tokens": 80, "total_tokens": 280}),
    )
    .await?;
    Ok(())
}

async fn sql_8_78_session_stats_counts_and_tokens<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "test-agent")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    claude_and_codex(cx, &s.id).await?;
    for t in [EventType::RunStarted, EventType::MessageReceived, EventType::RunCompleted] {
        cx.store.append_event(&event(&cx.env, t, &s.id)?).await.or_fail("append")?;
    }
    let stats = cx.store.get_session_stats(&s.id).await.or_fail("get_session_stats")?;
    ensure_eq((stats.event_count, stats.run_count), (3, 2), "event and run counts")?;
    let t = stats.token_totals;
    ensure_eq(
        (t.input_tokens, t.output_tokens, t.total_tokens),
        (300.0, 130.0, 430.0),
        "token totals",
    )?;
    ensure_eq(
        stats.providers_used,
        vec!["claude".to_owned(), "codex".to_owned()],
        "providers, sorted",
    )
}

async fn sql_8_79_session_stats_status_counts<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "test-agent")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    let mut ok = run_with_id(&cx.env, "run_ok", &s.id)?;
    ok.update_status(RunStatus::Completed, &cx.env);
    ok.token_usage = object(json!({"input_tokens": 5, "output_tokens": 4, "total_tokens": 9}));
    let mut bad = run_with_id(&cx.env, "run_bad", &s.id)?;
    bad.update_status(RunStatus::Failed, &cx.env);
    bad.token_usage = object(json!({"input_tokens": 8, "output_tokens": 5, "total_tokens": 13}));
    cx.store.save_run(&ok).await.or_fail("save ok")?;
    cx.store.save_run(&bad).await.or_fail("save bad")?;
    let first = event(&cx.env, EventType::RunStarted, &s.id)?;
    let last = event(&cx.env, EventType::RunFailed, &s.id)?;
    cx.store.append_events(&[first.clone(), last.clone()]).await.or_fail("append_events")?;
    let stats = cx.store.get_session_stats(&s.id).await.or_fail("get_session_stats")?;
    let want = BTreeMap::from([(RunStatus::Completed, 1), (RunStatus::Failed, 1)]);
    ensure_eq(stats.status_counts, want, "status counts")?;
    let t = stats.token_totals;
    ensure_eq(
        (t.input_tokens, t.output_tokens, t.total_tokens),
        (13.0, 9.0, 22.0),
        "token totals",
    )?;
    ensure_eq(
        (stats.first_event_at, stats.last_event_at),
        (Some(first.timestamp), Some(last.timestamp)),
        "event times",
    )
}

async fn sql_8_80_stats_and_export_of_unknown_session<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let e = expect_code(cx.store.get_session_stats("ses_nope").await, ErrorCode::SessionNotFound)?;
    ensure_eq(e.message(), "Session ses_nope not found", "stats message")?;
    expect_code(cx.store.export_session("ses_nope", false).await, ErrorCode::SessionNotFound)
        .map(drop)
}

async fn sql_8_81_search_runs_filters<S: Store>(cx: &Ctx<S>) -> CaseResult {
    claude_and_codex(cx, "ses_r1").await?;
    used(cx, "run_other", "ses_r2", Some("claude"), json!({})).await?;
    let all = cx.store.search_runs(&RunSearch::default()).await.or_fail("search all")?;
    ensure_eq(all.runs.len(), 3, "all runs")?;
    let q = RunSearch {
        provider: Some("claude".into()),
        order_by: RunOrder::StartedAtAsc,
        ..RunSearch::default()
    };
    let claude = cx.store.search_runs(&q).await.or_fail("search claude")?;
    ensure_eq(
        ids(&claude.runs),
        vec!["run_claude".to_owned(), "run_other".to_owned()],
        "claude runs",
    )?;
    let q = RunSearch {
        session_id: Some("ses_r1".into()),
        order_by: RunOrder::StartedAtAsc,
        ..RunSearch::default()
    };
    let r1 = cx.store.search_runs(&q).await.or_fail("search session")?;
    ensure_eq(ids(&r1.runs), vec!["run_claude".to_owned(), "run_codex".to_owned()], "ses_r1 runs")
}

async fn sql_8_82_search_runs_min_tokens<S: Store>(cx: &Ctx<S>) -> CaseResult {
    used(cx, "run_small", "ses_tok", Some("claude"), json!({"total_tokens": 75})).await?;
    used(cx, "run_big", "ses_tok", Some("claude"), json!({"total_tokens": 250})).await?;
    used(cx, "run_none", "ses_tok", Some("claude"), json!({})).await?;
    let q = RunSearch { min_tokens: Some(200), ..RunSearch::default() };
    ensure_eq(
        ids(&cx.store.search_runs(&q).await.or_fail("search")?.runs),
        vec!["run_big".to_owned()],
        "min 200",
    )?;
    let e = expect_code(
        cx.store.search_runs(&RunSearch { min_tokens: Some(-1), ..RunSearch::default() }).await,
        ErrorCode::QueryError,
    )?;
    ensure_eq(e.message(), "min_tokens must be a non-negative integer", "message")
}

async fn sql_8_83_search_runs_token_usage_desc<S: Store>(cx: &Ctx<S>) -> CaseResult {
    used(cx, "run_small", "ses_tok", None, json!({"total_tokens": 75})).await?;
    used(cx, "run_big", "ses_tok", None, json!({"total_tokens": 250})).await?;
    let q = RunSearch { order_by: RunOrder::TokenUsageDesc, ..RunSearch::default() };
    let page = cx.store.search_runs(&q).await.or_fail("search_runs")?;
    ensure_eq(ids(&page.runs), vec!["run_big".to_owned(), "run_small".to_owned()], "order")?;
    ensure_eq(page.cursor, None, "cursor")
}

async fn sql_8_84_page_runs_by_started_at_desc<S: Store>(cx: &Ctx<S>) -> CaseResult {
    for (id, at) in [("run_2", 20), ("run_3", 30), ("run_1", 10)] {
        let mut r = run_with_id(&cx.env, id, "ses_paged")?;
        r.started_at = secs(BASE, at);
        cx.store.save_run(&r).await.or_fail("save_run")?;
    }
    let q = RunSearch { limit: Some(1), ..RunSearch::default() };
    let first = cx.store.search_runs(&q).await.or_fail("page 1")?;
    ensure_eq(ids(&first.runs), vec!["run_3".to_owned()], "page 1")?;
    let second =
        cx.store.search_runs(&RunSearch { cursor: first.cursor, ..q }).await.or_fail("page 2")?;
    ensure_eq(ids(&second.runs), vec!["run_2".to_owned()], "page 2")
}

async fn sql_8_85_search_runs_limit_too_large<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let e = expect_code(
        cx.store.search_runs(&RunSearch { limit: Some(100_000), ..RunSearch::default() }).await,
        ErrorCode::ValidationError,
    )?;
    ensure_eq(e.message(), "limit must be <= 1000", "message")
}

async fn sql_8_86_usage_summary<S: Store>(cx: &Ctx<S>) -> CaseResult {
    claude_and_codex(cx, "ses_usage").await?;
    let u =
        cx.store.get_usage_summary(&UsageQuery::default()).await.or_fail("get_usage_summary")?;
    ensure_eq(
        (u.total_input_tokens, u.total_output_tokens, u.total_tokens, u.run_count),
        (300.0, 130.0, 430.0, 2),
        "totals",
    )?;
    let input = |p: &str| u.by_provider.get(p).map(|x| (x.input_tokens, x.run_count));
    ensure_eq(
        (input("claude"), input("codex")),
        (Some((100.0, 1)), Some((200.0, 1))),
        "by provider",
    )
}

async fn sql_8_87_usage_summary_filters<S: Store>(cx: &Ctx<S>) -> CaseResult {
    claude_and_codex(cx, "ses_u1").await?;
    let mut old = run_with_id(&cx.env, "run_old", "ses_u2")?;
    old.started_at = BASE;
    old.provider = Some("claude".into());
    old.token_usage = object(json!({"input_tokens": 1}));
    cx.store.save_run(&old).await.or_fail("save old run")?;
    let by = |q: UsageQuery| async move {
        cx.store.get_usage_summary(&q).await.or_fail("get_usage_summary")
    };
    let claude =
        by(UsageQuery { provider: Some("claude".into()), ..UsageQuery::default() }).await?;
    ensure_eq((claude.run_count, claude.total_input_tokens), (2, 101.0), "provider claude")?;
    let u1 = by(UsageQuery {
        session_id: Some("ses_u1".into()),
        provider: Some("claude".into()),
        ..UsageQuery::default()
    })
    .await?;
    ensure_eq((u1.run_count, u1.total_input_tokens), (1, 100.0), "session and provider")?;
    let recent = by(UsageQuery { since: Some(secs(BASE, 1)), ..UsageQuery::default() }).await?;
    ensure_eq(recent.run_count, 2, "since")?;
    let until = by(UsageQuery { until: Some(BASE), ..UsageQuery::default() }).await?;
    ensure_eq(until.run_count, 1, "until (inclusive)")
}

async fn sql_8_88_cost_summary<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let s = session(&cx.env, "agent-cost")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    let mut stored =
        used(cx, "run_stored", &s.id, Some("codex"), json!({"input_tokens": 10})).await?;
    stored.cost_usd = Some(0.5);
    cx.store.save_run(&stored).await.or_fail("save stored-cost run")?;
    let mut priced = used(
        cx,
        "run_priced",
        &s.id,
        Some("claude"),
        json!({"input_tokens": 1_048_576, "output_tokens": 524_288}),
    )
    .await?;
    priced.provider_metadata = object(json!({"model": "claude-x"}));
    cx.store.save_run(&priced).await.or_fail("save priced run")?;
    let mut no_provider = used(cx, "run_noprov", &s.id, None, json!({})).await?;
    no_provider.cost_usd = Some(0.25);
    cx.store.save_run(&no_provider).await.or_fail("save no-provider run")?;
    used(cx, "run_unmapped", &s.id, Some("mystery"), json!({"input_tokens": 5})).await?;
    used(cx, "run_elsewhere", "ses_other_agent", Some("claude"), json!({"input_tokens": 5}))
        .await?;
    // Dollars per token; powers of two keep the sums exact.
    let rates = Rates {
        input: 0.5f64.powi(20),
        output: 0.5f64.powi(19),
        cache_read: None,
        cache_creation: None,
    };
    let pricing =
        ProviderPricing { default: None, models: BTreeMap::from([("claude-x".to_owned(), rates)]) };
    let table = PricingTable { providers: BTreeMap::from([("claude".to_owned(), pricing)]) };
    let q = CostQuery {
        agent_id: Some("agent-cost".into()),
        pricing_table: Some(table),
        ..CostQuery::default()
    };
    let c = cx.store.get_cost_summary(&q).await.or_fail("get_cost_summary")?;
    ensure_eq((c.total_cost_usd, c.run_count, c.unmapped_runs), (2.75, 4, 1), "totals")?;
    let provider = |p: &str| c.by_provider.get(p).map(|x| (x.cost_usd, x.run_count));
    ensure_eq(c.by_provider.len(), 3, "provider groups")?;
    ensure_eq(
        (provider("codex"), provider("claude"), provider("unknown")),
        (Some((0.5, 1)), Some((2.0, 1)), Some((0.25, 1))),
        "by provider",
    )?;
    let model = |m: &str| c.by_model.get(m).map(|x| (x.cost_usd, x.input_tokens, x.output_tokens));
    ensure_eq(c.by_model.len(), 2, "model groups")?;
    ensure_eq(model("claude-x"), Some((2.0, 1_048_576.0, 524_288.0)), "claude-x")?;
    ensure_eq(model("unknown"), Some((0.75, 10.0, 0.0)), "unknown model")?;
    let builtin = cx
        .store
        .get_cost_summary(&CostQuery {
            session_id: Some("ses_other_agent".into()),
            ..CostQuery::default()
        })
        .await;
    let want =
        PricingTable::builtin().cost(&object(json!({"input_tokens": 5})), Some("claude"), None);
    ensure_eq(
        Some(builtin.or_fail("builtin pricing")?.total_cost_usd),
        want,
        "built-in table by default",
    )
}
