//! ASM's cost pricing: the worked examples of `docs/asm-v0.8/pricing.md` §6, and its rules on the
//! default table, legacy flat tables and cache-rate fallbacks, priced by every store.

use asm_core::json::object;
use asm_core::ports::{CostQuery, CostSummary};
use asm_core::pricing::PricingTable;
use serde_json::{Value, json};

use crate::cases::helpers::{OrFail, run_with_id, session};
use crate::{Case, CaseResult, Ctx, Store, ensure, ensure_eq};

/// The cases of this file, in manifest order.
pub(super) fn cases<S: Store>() -> Vec<Case<S>> {
    crate::case_list![
        pricing_6_1_longest_model_prefix_and_cache_reads,
        pricing_6_2_prefix_match_takes_the_longest_key_that_fits,
        pricing_6_3_no_model_uses_default_and_floats_truncate,
        pricing_6_4_provider_without_rates_is_unmapped,
        pricing_6_5_legacy_flat_table,
        pricing_6_6_per_token_table_from_an_asm_configuration,
        pricing_6_7_cache_tokens_fall_back_to_the_input_rate,
    ]
}

/// Prices one run of a fresh session: `provider`, `model` (in `provider_metadata`) and `usage`,
/// with `table` or the built-in one.
async fn price_one<S: Store>(
    cx: &Ctx<S>,
    provider: &str,
    model: Option<&str>,
    usage: Value,
    table: Option<PricingTable>,
) -> Result<CostSummary, String> {
    let s = session(&cx.env, "agent-pricing")?;
    cx.store.save_session(&s).await.or_fail("save_session")?;
    let mut r = run_with_id(&cx.env, &format!("run_{}", s.id), &s.id)?;
    r.provider = Some(provider.to_owned());
    r.token_usage = object(usage);
    if let Some(model) = model {
        r.provider_metadata = object(json!({ "model": model }));
    }
    cx.store.save_run(&r).await.or_fail("save_run")?;
    let q =
        CostQuery { session_id: Some(s.id.clone()), pricing_table: table, ..CostQuery::default() };
    cx.store.get_cost_summary(&q).await.or_fail("get_cost_summary")
}

/// Fails unless the summary priced its one run at `want` dollars (to 1e-12 of it: the sum is a
/// float, as in ASM).
fn ensure_cost(c: &CostSummary, want: f64) -> CaseResult {
    ensure_eq((c.run_count, c.unmapped_runs), (1, 0), "one priced run")?;
    ensure(
        (c.total_cost_usd - want).abs() <= want.abs() * 1e-12,
        format!("total_cost_usd: expected {want}, got {}", c.total_cost_usd),
    )
}

async fn pricing_6_1_longest_model_prefix_and_cache_reads<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let usage = json!({"input_tokens": 1000, "output_tokens": 500, "cache_read_tokens": 2000});
    let c = price_one(cx, "claude", Some("claude-sonnet-4-5-20250929"), usage, None).await?;
    ensure_cost(&c, 0.0111)?;
    ensure_eq(
        c.by_model.keys().map(String::as_str).collect::<Vec<_>>(),
        vec!["claude-sonnet-4-5-20250929"],
        "model group",
    )
}

async fn pricing_6_2_prefix_match_takes_the_longest_key_that_fits<S: Store>(
    cx: &Ctx<S>,
) -> CaseResult {
    let usage = json!({"input_tokens": 100, "output_tokens": 10});
    let c = price_one(cx, "codex", Some("o3-pro"), usage, None).await?;
    ensure_cost(&c, 0.0014)
}

async fn pricing_6_3_no_model_uses_default_and_floats_truncate<S: Store>(
    cx: &Ctx<S>,
) -> CaseResult {
    let usage = json!({"input_tokens": 10.9, "output_tokens": 1});
    let c = price_one(cx, "amp", None, usage, None).await?;
    ensure_cost(&c, 0.000045)?;
    ensure_eq(
        c.by_model.keys().map(String::as_str).collect::<Vec<_>>(),
        vec!["unknown"],
        "no model groups as unknown",
    )
}

async fn pricing_6_4_provider_without_rates_is_unmapped<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let usage = json!({"input_tokens": 1000, "output_tokens": 1000});
    let c = price_one(cx, "gemini", Some("gemini-2.5-pro"), usage, None).await?;
    ensure_eq((c.run_count, c.unmapped_runs, c.total_cost_usd), (1, 1, 0.0), "unmapped")?;
    ensure(c.by_provider.is_empty() && c.by_model.is_empty(), "an unmapped run is in no group")
}

async fn pricing_6_5_legacy_flat_table<S: Store>(cx: &Ctx<S>) -> CaseResult {
    let table = PricingTable::from_json(&json!({"claude": {"input": 0.001, "output": 0.002}}))
        .or_fail("a legacy flat table parses")?;
    let usage = json!({"input_tokens": 1, "output_tokens": 1});
    let c = price_one(cx, "claude", Some("claude-anything"), usage, Some(table)).await?;
    ensure_cost(&c, 0.003)
}

async fn pricing_6_6_per_token_table_from_an_asm_configuration<S: Store>(
    cx: &Ctx<S>,
) -> CaseResult {
    // The shape of ASM's `config :agent_session_manager, pricing_table:`, as JSON.
    let table = PricingTable::from_json(&json!({
        "claude": {
            "default": {"input": 0.000003, "output": 0.000015},
            "models": {
                "claude-opus-4-6": {"input": 0.000015, "output": 0.000075,
                                    "cache_read": 0.0000015, "cache_creation": 0.00001875}
            }
        }
    }))
    .or_fail("an ASM-shaped table parses")?;
    let usage = json!({"input_tokens": 2000, "output_tokens": 300, "cache_read_tokens": 10000,
                       "cache_creation_tokens": 400});
    let c = price_one(cx, "claude", Some("claude-opus-4-6"), usage, Some(table)).await?;
    ensure_cost(&c, 2000.0 * 0.000015 + 300.0 * 0.000075 + 10000.0 * 0.0000015 + 400.0 * 0.00001875)
}

async fn pricing_6_7_cache_tokens_fall_back_to_the_input_rate<S: Store>(cx: &Ctx<S>) -> CaseResult {
    // o3 has no cache rates: both cache counts are priced at its input rate.
    let usage = json!({"input_tokens": 10, "cache_read_tokens": 20, "cache_creation_tokens": 30,
                       "output_tokens": -5});
    let c = price_one(cx, "codex", Some("o3"), usage, None).await?;
    ensure_cost(&c, 60.0 * 0.000010)
}
