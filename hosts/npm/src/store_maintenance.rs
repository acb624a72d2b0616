//! The `Store`'s maintenance: ASM's `Maintenance` (retention steps, their plan, the prunes and
//! deletions of expired sessions) and the health check. Part of the full module only (the `full`
//! feature), like the reports and the artifacts.

use asm_core::RetentionPolicy;
use asm_core::ports::Maintenance;
use js_sys::Promise;
use wasm_bindgen::prelude::*;

use crate::convert::{text_arg, to_js};
use crate::store::{Store, options, promise};

/// The retention policy every maintenance method takes, from its JavaScript options object.
fn policy_arg(policy: &JsValue) -> asm_core::Result<RetentionPolicy> {
    RetentionPolicy::from_json(&options(policy)?)
}

#[wasm_bindgen]
impl Store {
    /// Runs every retention step of `policy`; the report lists step errors.
    pub fn execute(&self, policy: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            // The composite also sweeps the bytes the deletions left without a row.
            to_js(&s.execute(&policy_arg(&policy)?).await?)
        })
    }

    /// What `execute(policy)` would do now, changing nothing.
    pub fn plan(&self, policy: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move { to_js(&s.store().plan(&policy_arg(&policy)?).await?) })
    }

    /// Prunes one session's events down to the policy's limit; answers how many went.
    #[wasm_bindgen(js_name = pruneSessionEvents)]
    pub fn prune_session_events(&self, session_id: JsValue, policy: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            let session_id = text_arg(&session_id, "session_id")?;
            to_js(&s.store().prune_session_events(&session_id, &policy_arg(&policy)?).await?)
        })
    }

    /// Soft-deletes sessions past the policy's ages; answers how many.
    #[wasm_bindgen(js_name = softDeleteExpiredSessions)]
    pub fn soft_delete_expired_sessions(&self, policy: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            to_js(&s.store().soft_delete_expired_sessions(&policy_arg(&policy)?).await?)
        })
    }

    /// Hard-deletes sessions soft-deleted longer than the policy allows; answers how many.
    #[wasm_bindgen(js_name = hardDeleteExpiredSessions)]
    pub fn hard_delete_expired_sessions(&self, policy: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            to_js(&s.store().hard_delete_expired_sessions(&policy_arg(&policy)?).await?)
        })
    }

    /// Deletes artifacts whose session is gone; answers how many.
    #[wasm_bindgen(js_name = cleanOrphanedArtifacts)]
    pub fn clean_orphaned_artifacts(&self) -> Promise {
        let s = self.inner.clone();
        promise(async move { to_js(&s.store().clean_orphaned_artifacts().await?) })
    }

    /// The store's consistency problems (empty when healthy).
    #[wasm_bindgen(js_name = healthCheck)]
    pub fn health_check(&self) -> Promise {
        let s = self.inner.clone();
        promise(async move { to_js(&s.health_check().await?) })
    }
}
