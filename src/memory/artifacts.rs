//! [`ArtifactRegistry`] for [`MemoryStore`].

use crate::artifact::{Artifact, ArtifactStats, NewArtifact, taken};
use crate::error::Result;
use crate::ports::ArtifactRegistry;

use super::MemoryStore;

impl ArtifactRegistry for MemoryStore {
    async fn register(&self, attrs: NewArtifact) -> Result<Artifact> {
        let artifact = Artifact::new(attrs, &self.env)?;
        let mut state = self.state();
        if state.artifacts.values().any(|a| a.key == artifact.key) {
            return Err(taken("key"));
        }
        if state.artifacts.contains_key(&artifact.id) {
            return Err(taken("id"));
        }
        state.artifacts.insert(artifact.id.clone(), artifact.clone());
        Ok(artifact)
    }

    async fn get_by_key(&self, key: &str) -> Result<Option<Artifact>> {
        Ok(self
            .state()
            .artifacts
            .values()
            .find(|a| a.key == key && a.deleted_at.is_none())
            .cloned())
    }

    async fn list_by_session(&self, session_id: &str) -> Result<Vec<Artifact>> {
        let mut rows: Vec<Artifact> = self
            .state()
            .artifacts
            .values()
            .filter(|a| a.session_id.as_deref() == Some(session_id) && a.deleted_at.is_none())
            .cloned()
            .collect();
        rows.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(rows)
    }

    async fn session_stats(&self, session_id: &str) -> Result<ArtifactStats> {
        let state = self.state();
        let live = state
            .artifacts
            .values()
            .filter(|a| a.session_id.as_deref() == Some(session_id) && a.deleted_at.is_none());
        let mut stats = ArtifactStats { artifact_count: 0, total_bytes: 0 };
        for a in live {
            stats.artifact_count += 1;
            stats.total_bytes += a.byte_size;
        }
        Ok(stats)
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let now = self.env.now();
        for a in
            self.state().artifacts.values_mut().filter(|a| a.key == key && a.deleted_at.is_none())
        {
            a.deleted_at = Some(now);
        }
        Ok(())
    }
}

impl crate::ports::ArtifactScan for MemoryStore {
    async fn scan_artifacts(&self, after: Option<&str>, limit: u32) -> Result<Vec<Artifact>> {
        let state = self.state();
        let mut rows: Vec<&Artifact> = state
            .artifacts
            .values()
            .filter(|a| after.is_none_or(|after| a.id.as_str() > after))
            .collect();
        rows.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(rows.into_iter().take(limit.max(1) as usize).cloned().collect())
    }
}
