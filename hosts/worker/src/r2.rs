//! [`R2ArtifactStore`]: artifact bytes in an R2 bucket (binding `ASM_ARTIFACTS`).
//!
//! A body up to one part ([`PART_BYTES`]) is read, hashed and written in one `put`, with its
//! SHA-256 for R2 to check as well. A larger body goes up as a multipart upload, a part at a
//! time, hashed on the way, and is completed only when its length and SHA-256 match what was
//! declared (else aborted): the object appears whole or not at all, and the Worker holds at most
//! one part in memory. R2 takes custom metadata when an upload starts, before the last byte is
//! hashed, so a body larger than one part must declare its SHA-256.

use std::collections::HashMap;

use asm_core::blob::{
    BlobInfo, BlobRead, ByteRange, ByteStream, CheckedBody, PutOptions, check_key, not_found,
};
use asm_core::ports::ArtifactStore;
use asm_core::{Error, ErrorCode, Result, Timestamp};
use futures_util::StreamExt;
use worker::{Bucket, Data, HttpMetadata, Include, Object, Range};

/// The R2 binding of the artifact bytes in `wrangler.toml`.
pub const R2_BINDING: &str = "ASM_ARTIFACTS";

/// Bytes per multipart part (R2 wants at least 5 MiB for every part but the last).
pub const PART_BYTES: usize = 8 * 1024 * 1024;

/// Custom metadata key of the object's SHA-256.
const SHA256_META: &str = "sha256";

/// Objects of one R2 bucket.
pub struct R2ArtifactStore {
    bucket: Bucket,
}

impl R2ArtifactStore {
    /// The bucket bound as [`R2_BINDING`].
    pub fn from_env(env: &worker::Env) -> Result<R2ArtifactStore> {
        let bucket = env.bucket(R2_BINDING).map_err(|e| {
            Error::new(
                ErrorCode::DependencyNotAvailable,
                format!("binding {R2_BINDING} (an R2 bucket for artifact bytes) is not configured"),
            )
            .detail("reason", e.to_string())
        })?;
        Ok(R2ArtifactStore { bucket })
    }
}

fn failed(op: &str, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::StorageError, format!("R2 {op}: {e}"))
}

fn info_of(object: &Object) -> BlobInfo {
    let meta = object.custom_metadata().unwrap_or_default();
    BlobInfo {
        key: object.key(),
        byte_size: object.size(),
        sha256: meta.get(SHA256_META).cloned().unwrap_or_default(),
        content_type: object.http_metadata().content_type,
        stored_at: Timestamp::from_millis(object.uploaded().as_millis() as i64),
    }
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2).filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()).collect()
}

fn metadata(content_type: &Option<String>) -> HttpMetadata {
    HttpMetadata {
        content_type: content_type.clone(),
        content_language: None,
        content_disposition: None,
        content_encoding: None,
        cache_control: None,
        cache_expiry: None,
    }
}

impl R2ArtifactStore {
    /// The multipart path: `first` is the first full part; the rest comes from `body`.
    async fn put_parts(
        &self,
        key: &str,
        first: Vec<u8>,
        mut body: CheckedBody<'_, '_>,
        options: &PutOptions,
    ) -> Result<BlobInfo> {
        let Some(sha256) = options.sha256.clone() else {
            return Err(Error::validation(format!(
                "checksum_sha256 is required for bodies over {} MiB (declare it up front: \
                 R2 keeps it as metadata when the upload starts)",
                PART_BYTES / (1024 * 1024)
            )));
        };
        let upload = self
            .bucket
            .create_multipart_upload(key)
            .http_metadata(metadata(&options.content_type))
            .custom_metadata(HashMap::from([(SHA256_META.to_owned(), sha256)]))
            .execute()
            .await
            .map_err(|e| failed("create multipart upload", e))?;
        let outcome = async {
            // R2 wants every part but the last of one size: parts are cut at exactly
            // PART_BYTES, the rest of a chunk carried into the next part.
            let mut parts = Vec::new();
            let mut part = first;
            let mut number: u16 = 1;
            loop {
                while part.len() < PART_BYTES {
                    let Some(chunk) = body.next_chunk().await? else { break };
                    part.extend_from_slice(&chunk);
                }
                let carry =
                    if part.len() > PART_BYTES { part.split_off(PART_BYTES) } else { Vec::new() };
                let last = part.len() < PART_BYTES;
                if !part.is_empty() {
                    let uploaded = upload.upload_part(number, Data::Bytes(part)).await;
                    parts.push(uploaded.map_err(|e| failed("upload part", e))?);
                    number += 1;
                }
                if last {
                    break;
                }
                part = carry;
                part.reserve(PART_BYTES);
            }
            body.finish()?;
            Ok(parts)
        }
        .await;
        match outcome {
            Ok(parts) => {
                upload.complete(parts).await.map_err(|e| failed("complete multipart upload", e))?;
                self.head(key).await?.ok_or_else(|| failed("put", "object missing after upload"))
            }
            // Nothing of an aborted upload becomes visible; the old object (if any) stays.
            Err(e) => {
                let _ = upload.abort().await;
                Err(e)
            }
        }
    }
}

impl R2ArtifactStore {
    /// `get`, with a body that borrows nothing: a response streams it after the request's
    /// handler (and this store) are gone.
    pub async fn get_owned(
        &self,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<BlobRead<'static>> {
        let Some(head) = self.head(key).await? else { return Err(not_found(key)) };
        let span = match range {
            Some(range) => range.resolve(head.byte_size)?,
            None => (0, head.byte_size),
        };
        if span.1 == 0 {
            return Ok(BlobRead {
                info: head,
                span,
                body: Box::pin(futures_util::stream::empty()),
            });
        }
        let mut get = self.bucket.get(key);
        if range.is_some() {
            get = get.range(Range::OffsetWithLength { offset: span.0, length: span.1 });
        }
        let object =
            get.execute().await.map_err(|e| failed("get", e))?.ok_or_else(|| not_found(key))?;
        let info = info_of(&object);
        let stream = object
            .body()
            .ok_or_else(|| failed("get", "object without a body"))?
            .stream()
            .map_err(|e| failed("get", e))?;
        let body = stream.map(|chunk| chunk.map_err(|e| failed("read", e)));
        Ok(BlobRead { info, span, body: Box::pin(body) })
    }
}

impl R2ArtifactStore {
    /// Test mode only: deletes every object under `prefix`, a listing page at a time.
    pub async fn clear(&self, prefix: &str) -> Result<()> {
        loop {
            let page = self.list(prefix, None, 1000).await?;
            if page.is_empty() {
                return Ok(());
            }
            for object in page {
                self.delete(&object.key).await?;
            }
        }
    }
}

impl R2ArtifactStore {
    /// The object's bytes (or `range` of them) as R2's own body stream, for a response: the
    /// bytes go from R2 to the client without passing through the Worker's wasm memory, and the
    /// runtime knows their length. `None` when there is no object under `key`.
    pub async fn response_body(
        &self,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<Option<(BlobInfo, (u64, u64), worker::ResponseBody)>> {
        let Some(head) = self.head(key).await? else { return Ok(None) };
        let span = match range {
            Some(range) => range.resolve(head.byte_size)?,
            None => (0, head.byte_size),
        };
        let mut get = self.bucket.get(key);
        if range.is_some() {
            get = get.range(Range::OffsetWithLength { offset: span.0, length: span.1 });
        }
        let Some(object) = get.execute().await.map_err(|e| failed("get", e))? else {
            return Ok(None);
        };
        let body = match object.body() {
            Some(body) => body.response_body().map_err(|e| failed("get", e))?,
            None => worker::ResponseBody::Empty,
        };
        Ok(Some((info_of(&object), span, body)))
    }
}

impl ArtifactStore for R2ArtifactStore {
    fn backend(&self) -> &str {
        "r2"
    }

    async fn put(&self, key: &str, body: ByteStream<'_>, options: &PutOptions) -> Result<BlobInfo> {
        check_key(key)?;
        let mut body = CheckedBody::new(body, options);
        let mut first = Vec::new();
        // Read up to one part: a body that ends within it is one put.
        while first.len() < PART_BYTES {
            match body.next_chunk().await? {
                Some(chunk) => first.extend_from_slice(&chunk),
                None => {
                    // The whole body fits one part: one put, checked by R2 as well.
                    let received = body.finish()?;
                    let object = self
                        .bucket
                        .put(key, Data::Bytes(first))
                        .http_metadata(metadata(&options.content_type))
                        .custom_metadata(HashMap::from([(
                            SHA256_META.to_owned(),
                            received.sha256.clone(),
                        )]))
                        .sha256(hex_bytes(&received.sha256))
                        .execute()
                        .await
                        .map_err(|e| failed("put", e))?
                        .ok_or_else(|| failed("put", "no object returned"))?;
                    return Ok(info_of(&object));
                }
            }
        }
        self.put_parts(key, first, body, options).await
    }

    async fn get(&self, key: &str, range: Option<ByteRange>) -> Result<BlobRead<'_>> {
        self.get_owned(key, range).await
    }

    async fn head(&self, key: &str) -> Result<Option<BlobInfo>> {
        let object = self.bucket.head(key).await.map_err(|e| failed("head", e))?;
        Ok(object.as_ref().map(info_of))
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.bucket.delete(key).await.map_err(|e| failed("delete", e))
    }

    async fn list(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<BlobInfo>> {
        let mut list = self
            .bucket
            .list()
            .prefix(prefix)
            .limit(limit.clamp(1, 1000) as u32)
            .include(vec![Include::HttpMetadata, Include::CustomMetadata]);
        if let Some(after) = after {
            list = list.start_after(after);
        }
        let objects = list.execute().await.map_err(|e| failed("list", e))?;
        Ok(objects.objects().iter().map(info_of).collect())
    }
}
