//! The artifact registry: metadata of blobs kept in an artifact store (`asm_artifacts`).

use crate::artifact::{Artifact, ArtifactStats, NewArtifact};
use crate::error::Result;

/// ASM's `ArtifactRegistry`.
#[allow(async_fn_in_trait)]
pub trait ArtifactRegistry {
    /// Records an artifact; a key already used (even by a deleted artifact) is `persistence_error`.
    async fn register(&self, attrs: NewArtifact) -> Result<Artifact>;
    /// The live artifact with this key, if any.
    async fn get_by_key(&self, key: &str) -> Result<Option<Artifact>>;
    /// Live artifacts of a session, oldest first.
    async fn list_by_session(&self, session_id: &str) -> Result<Vec<Artifact>>;
    /// Count and total size of a session's live artifacts.
    async fn session_stats(&self, session_id: &str) -> Result<ArtifactStats>;
    /// Soft-deletes the artifact with this key; idempotent.
    async fn delete(&self, key: &str) -> Result<()>;

    /// Refuses `key` when a live artifact holds it (`persistence_error` "key has already been
    /// taken", a conflict). Whoever stores bytes asks first, so a body bound to be refused is
    /// never sent; the row's insert still decides a race.
    async fn ensure_key_free(&self, key: &str) -> Result<()> {
        match self.get_by_key(key).await? {
            Some(_) => Err(crate::artifact::taken("key")),
            None => Ok(()),
        }
    }
}

/// Every artifact row, a page at a time: what a consistency check of rows against bytes reads.
/// Not an ASM port; the memory and SQL stores implement it.
#[allow(async_fn_in_trait)]
pub trait ArtifactScan {
    /// Up to `limit` rows (soft-deleted ones included) in `id` order, after `after`.
    async fn scan_artifacts(&self, after: Option<&str>, limit: u32) -> Result<Vec<Artifact>>;
}
