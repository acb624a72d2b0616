//! An artifact as its row and its bytes: [`ArtifactContent`] for [`CompositeStore`].

use super::CompositeStore;
use super::forward::guarded;
use crate::artifact::{Artifact, NewArtifact};
use crate::blob::{BlobRead, ByteRange, ByteStream, PutOptions, check_key, not_found};
use crate::error::{Error, Result};
use crate::id::IdKind;
use crate::ports::{ArtifactContent, ArtifactRegistry, ArtifactStore};

/// Where the composite keeps artifact bytes in its artifact store.
pub const BLOB_PREFIX: &str = "blobs/";

/// The key of an artifact's bytes: `blobs/<artifact id>`. The id is unique per row, so two
/// uploads racing for one artifact key never write the same object, and the sweeper matches
/// bytes to rows by id in one ordered pass.
pub fn blob_key(artifact_id: &str) -> String {
    format!("{BLOB_PREFIX}{artifact_id}")
}

/// The artifact id of a key [`blob_key`] made, if it is one.
pub fn parse_blob_key(key: &str) -> Option<&str> {
    key.strip_prefix(BLOB_PREFIX).filter(|id| !id.is_empty() && !id.contains('/'))
}

impl<S: ArtifactRegistry, A: ArtifactStore> ArtifactContent for CompositeStore<S, A> {
    async fn store_artifact(
        &self,
        mut attrs: NewArtifact,
        body: ByteStream<'_>,
        options: &PutOptions,
    ) -> Result<Artifact> {
        let options = PutOptions {
            byte_size: options.byte_size.or(attrs.byte_size.and_then(|n| u64::try_from(n).ok())),
            sha256: options.sha256.clone().or(attrs.checksum_sha256.take()),
            content_type: options.content_type.clone().or(attrs.content_type.clone()),
        }
        .validated()?;
        let key = attrs.key.clone().unwrap_or_default();
        if key.is_empty() {
            return Err(Error::validation("key cannot be empty"));
        }
        self.store.ensure_key_free(&key).await?;
        let id = self.env.chosen_or_new_id(attrs.id.take(), IdKind::Artifact)?;
        let storage_ref = blob_key(&id);
        check_key(&storage_ref)?;
        let info = guarded("put", self.blobs.put(&storage_ref, body, &options).await)?;
        let row = NewArtifact {
            id: Some(id.clone()),
            byte_size: Some(info.byte_size as i64),
            checksum_sha256: Some(info.sha256),
            content_type: options.content_type,
            storage_backend: Some(self.blobs.backend().to_owned()),
            storage_ref: Some(storage_ref.clone()),
            ..attrs
        };
        match self.store.register(row).await {
            Ok(artifact) => Ok(artifact),
            // The insert may have committed and only its answer been lost: the bytes go only
            // once no row is known to point at them (else the sweeper decides, by the rows).
            Err(e) => match self.store.get_by_key(&key).await {
                Ok(Some(row)) if row.id == id => Ok(row),
                Ok(_) => {
                    // Best effort: the sweeper removes these bytes if this delete fails too.
                    let _ = self.blobs.delete(&storage_ref).await;
                    Err(e)
                }
                Err(_) => Err(e),
            },
        }
    }

    async fn open_artifact(
        &self,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<(Artifact, BlobRead<'_>)> {
        let artifact = self.store.get_by_key(key).await?.ok_or_else(|| not_found(key))?;
        match guarded("get", self.blobs.get(&artifact.storage_ref, range).await) {
            Ok(read) => Ok((artifact, read)),
            // The row may have gone (a delete) between the two reads: then so has the artifact.
            Err(e) if e.code() == crate::ErrorCode::NotFound => {
                match self.store.get_by_key(key).await? {
                    None => Err(not_found(key)),
                    Some(_) => Err(crate::blob::store_failed(
                        "get",
                        format!("the bytes of artifact {key} are missing"),
                    )),
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn remove_artifact(&self, key: &str) -> Result<()> {
        let Some(artifact) = self.store.get_by_key(key).await? else { return Ok(()) };
        self.store.delete(key).await?;
        if parse_blob_key(&artifact.storage_ref).is_some() {
            guarded("delete", self.blobs.delete(&artifact.storage_ref).await)?;
        }
        Ok(())
    }
}
