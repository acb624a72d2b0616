//! ASM's post-hoc pricing of a run's token usage, for runs that carry no `cost_usd`.
//!
//! Rates are US dollars per token, as in ASM's configuration, so a table copied from an Elixir
//! deployment prices the same rows to the same totals. A model's rates are found by exact name,
//! else by the longest model key that prefixes the model, else the provider's default; no rate
//! means the run is "unmapped".

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::json::JsonMap;
use crate::sorted::map_of;

/// US dollars per token.
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
    /// Rates for models not listed, and for runs without a model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Rates>,
    /// Rates by model name (or name prefix).
    #[serde(default)]
    pub models: BTreeMap<String, Rates>,
}

/// Rates by provider name.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PricingTable {
    /// Keyed by provider (`claude`, `codex`, `amp`, …).
    pub providers: BTreeMap<String, ProviderPricing>,
}

const fn rates(input: f64, output: f64) -> Rates {
    Rates { input, output, cache_read: None, cache_creation: None }
}

const fn cached(input: f64, output: f64, cache_read: f64, cache_creation: f64) -> Rates {
    Rates { input, output, cache_read: Some(cache_read), cache_creation: Some(cache_creation) }
}

impl PricingTable {
    /// ASM v0.8's default table, rate for rate: an Elixir deployment and this project price the
    /// same runs alike when neither is configured.
    pub fn builtin() -> PricingTable {
        let provider = |default: Rates, models: &[(&str, Rates)]| ProviderPricing {
            default: Some(default),
            models: map_of(models.iter().map(|(name, r)| ((*name).to_owned(), *r))),
        };
        let claude = provider(
            rates(0.000003, 0.000015),
            &[
                ("claude-opus-4-6", cached(0.000015, 0.000075, 0.0000015, 0.00001875)),
                ("claude-sonnet-4-5", cached(0.000003, 0.000015, 0.0000003, 0.00000375)),
                ("claude-haiku-4-5", cached(0.0000008, 0.000004, 0.00000008, 0.000001)),
            ],
        );
        let codex = provider(
            rates(0.000003, 0.000015),
            &[
                ("o3", rates(0.000010, 0.000040)),
                ("o3-mini", rates(0.0000011, 0.0000044)),
                ("gpt-4o", rates(0.0000025, 0.000010)),
                ("gpt-4o-mini", rates(0.00000015, 0.0000006)),
            ],
        );
        let amp = provider(rates(0.000003, 0.000015), &[]);
        let providers = map_of([
            ("amp".to_owned(), amp),
            ("claude".to_owned(), claude),
            ("codex".to_owned(), codex),
        ]);
        PricingTable { providers }
    }

    /// Reads a table as ASM's configuration writes it (`provider → {default, models}`), ASM's
    /// legacy flat form (`provider → {input, output}`, used when no entry has `default`), or this
    /// project's `{"providers": …}` wrapper.
    ///
    /// Where ASM quietly leaves a malformed entry without rates (so its runs turn "unmapped"),
    /// this refuses the table with `validation_error`: a typo in a price list should be seen.
    pub fn from_json(value: &Value) -> Result<PricingTable> {
        let invalid = |why: String| Error::validation(format!("pricing_table is invalid: {why}"));
        let outer = value.as_object().ok_or_else(|| invalid("not an object".into()))?;
        let entries = match outer.get("providers") {
            Some(Value::Object(inner)) if !outer.values().any(has_rate_keys) => inner,
            _ => outer,
        };
        let legacy = !entries.values().any(|e| e.get("default").is_some());
        let mut providers = BTreeMap::new();
        for (name, entry) in entries {
            let at = |why: &str| invalid(format!("provider {name}: {why}"));
            let entry = entry.as_object().ok_or_else(|| at("not an object"))?;
            let pricing = if legacy && !entry.contains_key("models") {
                ProviderPricing {
                    default: Some(read_rates(entry).map_err(|e| at(&e))?),
                    ..Default::default()
                }
            } else {
                if entry.contains_key("input") || entry.contains_key("output") {
                    return Err(at(
                        "flat input/output rates beside providers with `default`; put them under `default`",
                    ));
                }
                let default = match entry.get("default") {
                    None | Some(Value::Null) => None,
                    Some(Value::Object(d)) => {
                        Some(read_rates(d).map_err(|e| at(&format!("default: {e}")))?)
                    }
                    Some(_) => return Err(at("default is not an object")),
                };
                let mut models = BTreeMap::new();
                match entry.get("models") {
                    None | Some(Value::Null) => {}
                    Some(Value::Object(m)) => {
                        for (model, r) in m {
                            let r = r
                                .as_object()
                                .ok_or_else(|| at(&format!("model {model} is not an object")))?;
                            models.insert(
                                model.clone(),
                                read_rates(r).map_err(|e| at(&format!("model {model}: {e}")))?,
                            );
                        }
                    }
                    Some(_) => return Err(at("models is not an object")),
                }
                ProviderPricing { default, models }
            };
            providers.insert(name.clone(), pricing);
        }
        Ok(PricingTable { providers })
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

    /// The cost of one run's usage in US dollars, or `None` when no rate applies.
    pub fn cost(
        &self,
        usage: &JsonMap,
        provider: Option<&str>,
        model: Option<&str>,
    ) -> Option<f64> {
        let r = self.rates_for(provider?, model)?;
        Some(
            token_count(usage, "input_tokens") * r.input
                + token_count(usage, "output_tokens") * r.output
                + token_count(usage, "cache_read_tokens") * r.cache_read.unwrap_or(r.input)
                + token_count(usage, "cache_creation_tokens") * r.cache_creation.unwrap_or(r.input),
        )
    }
}

/// Whether a JSON value looks like a rate entry, which tells a provider named `providers` in a
/// flat table from this project's `{"providers": …}` wrapper.
fn has_rate_keys(value: &Value) -> bool {
    value.get("input").is_some() || value.get("default").is_some()
}

/// One rate entry: `input` and `output` numbers, optional numeric `cache_read` and
/// `cache_creation`; other keys are ignored, as ASM ignores them.
fn read_rates(entry: &JsonMap) -> std::result::Result<Rates, String> {
    let required = |key: &str| {
        entry.get(key).and_then(Value::as_f64).ok_or_else(|| format!("{key} must be a number"))
    };
    let optional = |key: &str| match entry.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_f64().map(Some).ok_or_else(|| format!("{key} must be a number")),
    };
    Ok(Rates {
        input: required("input")?,
        output: required("output")?,
        cache_read: optional("cache_read")?,
        cache_creation: optional("cache_creation")?,
    })
}

/// ASM's token count for pricing: a non-negative integer as is, a non-negative float truncated
/// toward zero, anything else (missing, negative, text, null) 0.
pub fn token_count(usage: &JsonMap, key: &str) -> f64 {
    match usage.get(key).and_then(Value::as_f64) {
        Some(n) if n >= 0.0 => n.trunc(),
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::error::ErrorCode;

    fn usage(v: Value) -> JsonMap {
        crate::json::object(v)
    }

    #[test]
    fn the_three_shapes_read_alike() {
        let asm = json!({"claude": {"default": {"input": 1, "output": 2}, "models": {}}});
        let wrapped = json!({"providers": asm.clone()});
        let legacy = json!({"claude": {"input": 1, "output": 2}});
        let want = PricingTable::from_json(&asm).unwrap();
        assert_eq!(PricingTable::from_json(&wrapped).unwrap(), want);
        assert_eq!(PricingTable::from_json(&legacy).unwrap(), want);
        assert_eq!(want.rates_for("claude", Some("x")), Some(rates(1.0, 2.0)));
    }

    #[test]
    fn a_table_with_one_default_is_not_legacy() {
        // ASM keeps such a table as given; a flat entry in it would silently have no rates.
        let mixed = json!({"claude": {"default": {"input": 1, "output": 2}},
                           "codex": {"input": 1, "output": 2}});
        let e = PricingTable::from_json(&mixed).unwrap_err();
        assert_eq!(e.code(), ErrorCode::ValidationError);
        assert!(e.to_string().contains("provider codex"), "{e}");
    }

    #[test]
    fn malformed_rates_are_refused_with_their_place() {
        for (table, place) in [
            (json!({"claude": {"input": "3", "output": 1}}), "input must be a number"),
            (json!({"claude": {"default": {"input": 1}}}), "default: output must be a number"),
            (
                json!({"claude": {"models": {"m": {"input": 1, "output": 1, "cache_read": "x"}}}}),
                "model m: cache_read must be a number",
            ),
            (json!([1]), "not an object"),
        ] {
            let e = PricingTable::from_json(&table).unwrap_err();
            assert!(e.to_string().contains(place), "{e} should mention {place}");
        }
    }

    #[test]
    fn exact_then_longest_prefix_then_default() {
        let t = PricingTable::builtin();
        assert_eq!(t.rates_for("codex", Some("o3-mini")).unwrap().input, 0.0000011);
        assert_eq!(t.rates_for("codex", Some("o3-mini-high")).unwrap().input, 0.0000011);
        assert_eq!(t.rates_for("codex", Some("o3-pro")).unwrap().input, 0.000010);
        assert_eq!(t.rates_for("codex", Some("gpt-5")).unwrap().input, 0.000003);
        assert_eq!(t.rates_for("gemini", None), None);
    }

    #[test]
    fn token_counts_follow_asm() {
        let u = usage(json!({"a": 3, "b": 2.9, "c": -1, "d": "7", "e": null}));
        let counts: Vec<f64> =
            ["a", "b", "c", "d", "e", "f"].iter().map(|k| token_count(&u, k)).collect();
        assert_eq!(counts, [3.0, 2.0, 0.0, 0.0, 0.0, 0.0]);
    }
}
