//! The sweeper and the consistency check: artifact rows against the bytes they point at,
//! both read in id order and matched in one pass.

use super::CompositeStore;
use super::content::{BLOB_PREFIX, blob_key, parse_blob_key};
use super::forward::guarded;
use crate::artifact::Artifact;
use crate::blob::BlobInfo;
use crate::error::Result;
use crate::ports::{ArtifactScan, ArtifactStore};

/// Objects and rows read per page.
const PAGE: usize = 500;

/// What one sweep found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    /// Objects under the composite's prefix looked at.
    pub blobs_examined: u64,
    /// Objects no live row describes, older than the grace period, removed.
    pub blobs_removed: u64,
    /// Objects no live row describes yet, younger than the grace period (an upload between its
    /// two steps), left alone.
    pub blobs_in_grace: u64,
}

/// What the merge of objects and rows found.
#[derive(Debug, Default)]
struct Findings {
    /// Objects no live row describes: (key, still in the grace period).
    orphans: Vec<(String, bool)>,
    /// Live rows of this backend whose object is missing, or differs in size or checksum.
    broken_rows: Vec<String>,
    examined: u64,
}

impl<S: ArtifactScan, A: ArtifactStore> CompositeStore<S, A> {
    /// Removes the bytes that no live artifact row points at and that are older than the
    /// grace period: what a failed upload, a delete cut short, hard delete and the
    /// orphaned-artifact step leave behind.
    pub async fn sweep(&self) -> Result<SweepReport> {
        let findings = self.match_rows_and_blobs().await?;
        let mut report = SweepReport { blobs_examined: findings.examined, ..Default::default() };
        for (key, young) in findings.orphans {
            if young {
                report.blobs_in_grace += 1;
            } else {
                guarded("delete", self.blobs.delete(&key).await)?;
                report.blobs_removed += 1;
            }
        }
        Ok(report)
    }

    /// The artifact half of `health_check`: live rows without their bytes (or with other
    /// bytes), and bytes past the grace period without a row.
    pub async fn blob_health(&self) -> Result<Vec<String>> {
        let findings = self.match_rows_and_blobs().await?;
        let mut issues = Vec::new();
        if !findings.broken_rows.is_empty() {
            issues.push(format!(
                "{} artifacts have missing or different bytes: {}",
                findings.broken_rows.len(),
                findings.broken_rows.join(", ")
            ));
        }
        let old = findings.orphans.iter().filter(|(_, young)| !young).count();
        if old > 0 {
            issues.push(format!("{old} artifact blobs have no artifact row"));
        }
        Ok(issues)
    }

    /// Objects under [`BLOB_PREFIX`] and rows, both in id order (byte order), merged.
    async fn match_rows_and_blobs(&self) -> Result<Findings> {
        let cutoff = self.env.now().as_micros() - self.grace_ms * 1000;
        let backend = self.blobs.backend().to_owned();
        let mut findings = Findings::default();
        let mut rows = Rows { store: &self.store, buffer: Vec::new(), after: None, done: false };
        let mut after: Option<String> = None;
        loop {
            let page = guarded("list", self.blobs.list(BLOB_PREFIX, after.as_deref(), PAGE).await)?;
            for blob in &page {
                findings.examined += 1;
                let Some(id) = parse_blob_key(&blob.key) else { continue };
                // Rows before this object's id have no object: check them.
                while let Some(row) = rows.next_before(id).await? {
                    if ours(&row, &backend) {
                        findings.broken_rows.push(row.key);
                    }
                }
                match rows.take_if(id).await? {
                    Some(row) if row.deleted_at.is_none() => {
                        if !describes(&row, blob) {
                            findings.broken_rows.push(row.key);
                        }
                    }
                    _ => findings
                        .orphans
                        .push((blob.key.clone(), blob.stored_at.as_micros() > cutoff)),
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE => after = Some(last.key.clone()),
                _ => break,
            }
        }
        while let Some(row) = rows.next_before("\u{10FFFF}").await? {
            if ours(&row, &backend) {
                findings.broken_rows.push(row.key);
            }
        }
        Ok(findings)
    }
}

/// Whether `row` is a live artifact whose bytes this composite stored.
fn ours(row: &Artifact, backend: &str) -> bool {
    row.deleted_at.is_none()
        && row.storage_backend == backend
        && row.storage_ref == blob_key(&row.id)
}

/// Whether `row` is the artifact whose bytes `blob` holds, unchanged.
fn describes(row: &Artifact, blob: &BlobInfo) -> bool {
    row.storage_ref == blob_key(&row.id)
        && u64::try_from(row.byte_size) == Ok(blob.byte_size)
        && row.checksum_sha256.eq_ignore_ascii_case(&blob.sha256)
}

/// Artifact rows in id order, a page at a time, for the merge.
struct Rows<'a, S> {
    store: &'a S,
    buffer: Vec<Artifact>,
    after: Option<String>,
    done: bool,
}

impl<S: ArtifactScan> Rows<'_, S> {
    async fn peek(&mut self) -> Result<Option<&Artifact>> {
        if self.buffer.is_empty() && !self.done {
            let mut page = self.store.scan_artifacts(self.after.as_deref(), PAGE as u32).await?;
            self.done = page.len() < PAGE;
            self.after = page.last().map(|a| a.id.clone());
            page.reverse();
            self.buffer = page;
        }
        Ok(self.buffer.last())
    }

    /// The next row if its id sorts before `id`.
    async fn next_before(&mut self, id: &str) -> Result<Option<Artifact>> {
        match self.peek().await? {
            Some(row) if row.id.as_str() < id => Ok(self.buffer.pop()),
            _ => Ok(None),
        }
    }

    /// The next row if its id is `id`.
    async fn take_if(&mut self, id: &str) -> Result<Option<Artifact>> {
        match self.peek().await? {
            Some(row) if row.id == id => Ok(self.buffer.pop()),
            _ => Ok(None),
        }
    }
}
