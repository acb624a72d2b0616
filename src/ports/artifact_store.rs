//! The artifact store: the bytes of artifacts, by key (ASM's `ArtifactStore`), and an artifact
//! as its registry row and its bytes together (ours; [`crate::composite::CompositeStore`]).

use crate::artifact::{Artifact, NewArtifact};
use crate::blob::{BlobInfo, BlobRead, ByteRange, ByteStream, PutOptions, bytes_stream};
use crate::error::Result;

/// ASM's `ArtifactStore` (domain §5.5): opaque keys to bytes. `put` overwrites, `get` of a
/// missing key is `not_found` "Artifact not found: <key>", `delete` is idempotent, and a
/// backend failure is `storage_error`.
///
/// Beyond ASM, for large objects: bodies stream in chunks, and `put` computes the length and
/// SHA-256 while writing and keeps nothing when they contradict [`PutOptions`] (the old object,
/// if any, stays). `head` and `list` let the sweeper find bytes no row describes.
#[allow(async_fn_in_trait)]
pub trait ArtifactStore {
    /// The name recorded as an artifact row's `storage_backend` (`r2`, `s3`, `file`, …).
    fn backend(&self) -> &str;
    /// Stores `body` under `key`, replacing what was there only once all of it was read and
    /// checked.
    async fn put(&self, key: &str, body: ByteStream<'_>, options: &PutOptions) -> Result<BlobInfo>;
    /// Opens the object under `key`, all of it or `range`.
    async fn get(&self, key: &str, range: Option<ByteRange>) -> Result<BlobRead<'_>>;
    /// What is known of the object under `key`, if there is one.
    async fn head(&self, key: &str) -> Result<Option<BlobInfo>>;
    /// Removes the object under `key`; a missing key is not an error.
    async fn delete(&self, key: &str) -> Result<()>;
    /// Up to `limit` objects whose keys start with `prefix`, in key order, after `after`.
    async fn list(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<BlobInfo>>;

    /// ASM's `put` of bytes held in memory.
    async fn put_bytes(&self, key: &str, bytes: Vec<u8>) -> Result<BlobInfo> {
        self.put(key, bytes_stream(bytes), &PutOptions::default()).await
    }

    /// ASM's `get`: the whole object in memory.
    async fn get_bytes(&self, key: &str) -> Result<Vec<u8>> {
        self.get(key, None).await?.into_bytes().await
    }
}

/// An artifact with its bytes: the registry row and the object, kept consistent by the protocol
/// of [`crate::composite`] (bytes first, then the row; a row never points at missing bytes).
#[allow(async_fn_in_trait)]
pub trait ArtifactContent {
    /// Stores the bytes, then registers the row describing them (`byte_size`,
    /// `checksum_sha256`, `storage_backend` and `storage_ref` are filled in from what was
    /// written; declared ones must match). A key already registered is `persistence_error`
    /// "key has already been taken", and its bytes are not kept.
    async fn store_artifact(
        &self,
        attrs: NewArtifact,
        body: ByteStream<'_>,
        options: &PutOptions,
    ) -> Result<Artifact>;
    /// The live artifact with `key` and its bytes (or `range` of them); `not_found`
    /// "Artifact not found: <key>" when there is none.
    async fn open_artifact(
        &self,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<(Artifact, BlobRead<'_>)>;
    /// Deletes the artifact: the row first (a soft delete, as ASM's registry does), then its
    /// bytes; idempotent.
    async fn remove_artifact(&self, key: &str) -> Result<()>;
}
