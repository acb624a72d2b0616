//! Post-hoc pricing of a run's token usage, for runs that carry no `cost_usd`.
//!
//! Rates are US dollars per million tokens. A model's rates are found by exact name, else by the
//! longest model-name prefix, else the provider's default; no rate means the run is "unmapped".

use std::collections::BTreeMap;

use crate::json::{JsonMap, number_or_zero};

/// Dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rates {
    /// Input tokens.
    pub input: f64,
    /// Output tokens.
    pub output: f64,
    /// Cache reads; the input rate when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read: Option<f64>,
    /// Cache writes; the input rate when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_creation: Option<f64>,
}

/// One provider's rates.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProviderPricing {
    /// Rates for models not listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Rates>,
    /// Rates by model name (or name prefix).
    #[serde(default)]
    pub models: BTreeMap<String, Rates>,
}

/// Rates by provider name.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PricingTable {
    /// Keyed by provider (`claude`, `codex`, `gemini`, …).
    pub providers: BTreeMap<String, ProviderPricing>,
}

fn rates(input: f64, output: f64, cache_read: f64, cache_creation: Option<f64>) -> Rates {
    Rates { input, output, cache_read: Some(cache_read), cache_creation }
}

impl PricingTable {
    /// The built-in table: public list prices of the providers ASM ships adapters for.
    pub fn builtin() -> PricingTable {
        let mut providers = BTreeMap::new();
        let claude_default = rates(3.0, 15.0, 0.30, Some(3.75));
        providers.insert(
            "claude".to_owned(),
            ProviderPricing {
                default: Some(claude_default),
                models: BTreeMap::from([
                    ("claude-opus-4".to_owned(), rates(15.0, 75.0, 1.50, Some(18.75))),
                    ("claude-sonnet-4".to_owned(), claude_default),
                    ("claude-3-5-haiku".to_owned(), rates(0.80, 4.0, 0.08, Some(1.0))),
                    ("claude-haiku-4".to_owned(), rates(1.0, 5.0, 0.10, Some(1.25))),
                ]),
            },
        );
        let codex_default = rates(1.25, 10.0, 0.125, None);
        providers.insert(
            "codex".to_owned(),
            ProviderPricing {
                default: Some(codex_default),
                models: BTreeMap::from([
                    ("gpt-5".to_owned(), codex_default),
                    ("gpt-5-mini".to_owned(), rates(0.25, 2.0, 0.025, None)),
                    ("o3".to_owned(), rates(2.0, 8.0, 0.50, None)),
                    ("gpt-4o".to_owned(), rates(2.50, 10.0, 1.25, None)),
                ]),
            },
        );
        providers.insert(
            "gemini".to_owned(),
            ProviderPricing {
                default: Some(rates(1.25, 10.0, 0.31, None)),
                models: BTreeMap::from([(
                    "gemini-2.5-flash".to_owned(),
                    rates(0.30, 2.50, 0.075, None),
                )]),
            },
        );
        PricingTable { providers }
    }

    /// The rates for a provider and model: exact model, longest prefix, provider default.
    pub fn rates_for(&self, provider: &str, model: Option<&str>) -> Option<Rates> {
        let pricing = self.providers.get(provider)?;
        if let Some(model) = model {
            if let Some(r) = pricing.models.get(model) {
                return Some(*r);
            }
            let prefix = pricing
                .models
                .iter()
                .filter(|(name, _)| model.starts_with(name.as_str()))
                .max_by_key(|(name, _)| name.len());
            if let Some((_, r)) = prefix {
                return Some(*r);
            }
        }
        pricing.default
    }

    /// The cost of one run's usage, or `None` when no rate applies.
    pub fn cost(
        &self,
        usage: &JsonMap,
        provider: Option<&str>,
        model: Option<&str>,
    ) -> Option<f64> {
        let r = self.rates_for(provider?, model)?;
        let per_token = |rate: f64| rate / 1_000_000.0;
        Some(
            number_or_zero(usage, "input_tokens") * per_token(r.input)
                + number_or_zero(usage, "output_tokens") * per_token(r.output)
                + number_or_zero(usage, "cache_read_input_tokens")
                    * per_token(r.cache_read.unwrap_or(r.input))
                + number_or_zero(usage, "cache_creation_input_tokens")
                    * per_token(r.cache_creation.unwrap_or(r.input)),
        )
    }
}
