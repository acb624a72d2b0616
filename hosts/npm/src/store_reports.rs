//! The `Store`'s reports: ASM's `QueryAPI` beyond search (a session's stats, usage and cost
//! summaries) and `export_session`. Part of the full module only (the `full` feature): an agent's
//! own loop never calls them, so the first module the package loads leaves them out.

use asm_core::ports::{CostQuery, ExportOptions, QueryApi, UsageQuery};
use js_sys::Promise;
use wasm_bindgen::prelude::*;

use crate::convert::{text_arg, to_js};
use crate::store::{Store, options, promise};

#[wasm_bindgen]
impl Store {
    /// Event and run counts, token totals and providers of one session.
    #[wasm_bindgen(js_name = getSessionStats)]
    pub fn get_session_stats(&self, session_id: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            to_js(&s.store().get_session_stats(&text_arg(&session_id, "session_id")?).await?)
        })
    }

    /// Token usage totals, overall and per provider.
    #[wasm_bindgen(js_name = getUsageSummary)]
    pub fn get_usage_summary(&self, query: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            to_js(&s.store().get_usage_summary(&UsageQuery::from_json(&options(&query)?)?).await?)
        })
    }

    /// Costs from a pricing table, overall, per provider and per model.
    #[wasm_bindgen(js_name = getCostSummary)]
    pub fn get_cost_summary(&self, query: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            to_js(&s.store().get_cost_summary(&CostQuery::from_json(&options(&query)?)?).await?)
        })
    }

    /// A session with its runs, events and (with `{ include_artifacts: true }`) artifacts.
    #[wasm_bindgen(js_name = exportSession)]
    pub fn export_session(&self, session_id: JsValue, opts: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            let session_id = text_arg(&session_id, "session_id")?;
            to_js(
                &s.store()
                    .export_session(
                        &session_id,
                        ExportOptions::from_json(&options(&opts)?)?.include_artifacts,
                    )
                    .await?,
            )
        })
    }
}
