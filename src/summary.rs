//! How runs add up into stats, usage and cost summaries — one rule for every store, so the
//! in-memory store and the SQL store cannot drift apart.

use std::borrow::Cow;

use crate::json::{JsonMap, number_or_zero};
use crate::ports::{CostQuery, CostSummary, TokenTotals, UsageSummary};
use crate::pricing::PricingTable;

/// The key a run without a provider (or model) is grouped under.
pub const UNKNOWN: &str = "unknown";

/// What the summaries read of one run.
#[derive(Debug, Clone, Copy)]
pub struct RunFigures<'a> {
    /// The run's provider, if any.
    pub provider: Option<&'a str>,
    /// The run's `token_usage`.
    pub token_usage: &'a JsonMap,
    /// The run's `provider_metadata` (its `model` selects the price).
    pub provider_metadata: &'a JsonMap,
    /// A cost the provider reported; it wins over the pricing table, 0.0 included.
    pub cost_usd: Option<f64>,
}

impl TokenTotals {
    /// Adds one run's usage by ASM's token value rule (missing or non-numeric counts as 0;
    /// `total_tokens` is the stored key, never computed).
    pub fn add(&mut self, usage: &JsonMap) {
        self.input_tokens += number_or_zero(usage, "input_tokens");
        self.output_tokens += number_or_zero(usage, "output_tokens");
        self.total_tokens += number_or_zero(usage, "total_tokens");
    }
}

impl UsageSummary {
    /// Adds one run, overall and under its provider (or `"unknown"`).
    pub fn add_run(&mut self, provider: Option<&str>, usage: &JsonMap) {
        let mut totals = TokenTotals::default();
        totals.add(usage);
        self.total_input_tokens += totals.input_tokens;
        self.total_output_tokens += totals.output_tokens;
        self.total_tokens += totals.total_tokens;
        self.run_count += 1;
        let entry = self.by_provider.entry(provider.unwrap_or(UNKNOWN).to_owned()).or_default();
        entry.input_tokens += totals.input_tokens;
        entry.output_tokens += totals.output_tokens;
        entry.total_tokens += totals.total_tokens;
        entry.run_count += 1;
    }
}

impl CostSummary {
    /// Adds one run: its stored cost, else its usage priced by `table`; a run with neither is
    /// counted in `run_count` and `unmapped_runs` only.
    pub fn add_run(&mut self, run: RunFigures<'_>, table: &PricingTable) {
        self.run_count += 1;
        let model = run.provider_metadata.get("model").and_then(serde_json::Value::as_str);
        let Some(cost) = run.cost_usd.or_else(|| table.cost(run.token_usage, run.provider, model))
        else {
            self.unmapped_runs += 1;
            return;
        };
        self.total_cost_usd += cost;
        let by_provider =
            self.by_provider.entry(run.provider.unwrap_or(UNKNOWN).to_owned()).or_default();
        by_provider.cost_usd += cost;
        by_provider.run_count += 1;
        let by_model = self.by_model.entry(model.unwrap_or(UNKNOWN).to_owned()).or_default();
        by_model.cost_usd += cost;
        by_model.input_tokens += number_or_zero(run.token_usage, "input_tokens");
        by_model.output_tokens += number_or_zero(run.token_usage, "output_tokens");
    }
}

impl CostQuery {
    /// The query's pricing table, or the built-in one.
    pub fn pricing(&self) -> Cow<'_, PricingTable> {
        match &self.pricing_table {
            Some(table) => Cow::Borrowed(table),
            None => Cow::Owned(PricingTable::builtin()),
        }
    }
}
