//! The artifact-bytes routes: `PUT`, `GET` and `DELETE /v1/artifacts/{key}/content`, streamed
//! between the client and R2 through the core's [`CompositeStore`] protocol (bytes first, then
//! the row), so the Worker holds at most one R2 part of a body in memory.

use asm_core::blob::{ByteRange, PutOptions, not_found};
use asm_core::composite::CompositeStore;
use asm_core::ports::{ArtifactContent, ArtifactRegistry, SessionStore};
use asm_core::sql::SqlStore;
use asm_core::{Env, Error, NewArtifact, Result};
use futures_util::{StreamExt, TryStreamExt};
use worker::{Request, Response};

use crate::backend::Backend;
use crate::errors::{too_large, too_large_unsized};
use crate::r2::R2ArtifactStore;

/// Default largest artifact body (`ASM_MAX_ARTIFACT_BYTES` overrides it): 1 GiB.
pub const DEFAULT_MAX_ARTIFACT_BYTES: u64 = 1 << 30;

/// Header declaring the body's SHA-256 (hex).
pub const SHA256_HEADER: &str = "x-asm-sha256";

/// What a content route answers: a JSON reply, or bytes streamed from R2.
pub enum Content {
    /// The stored artifact (201) or nothing (204).
    Json(crate::api::Reply),
    /// The bytes (200, 206 or 304).
    Bytes(Response),
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// `PUT`: the request body streams into R2 (counted against `limit`), then the row is
/// registered; 201 with the row.
pub async fn put(
    req: &mut Request,
    store: SqlStore<Backend>,
    blobs: R2ArtifactStore,
    env: &Env,
    mut attrs: NewArtifact,
    limit: u64,
) -> Result<Content> {
    let declared = header(req, "content-length").and_then(|v| v.parse::<u64>().ok());
    if let Some(size) = declared.filter(|s| *s > limit) {
        return Err(too_large(size as usize, limit as usize, "the artifact size limit"));
    }
    attrs.content_type = header(req, "content-type");
    if let Some(json) = header(req, "x-asm-metadata") {
        match serde_json::from_str(&json) {
            Ok(serde_json::Value::Object(map)) => attrs.metadata = map,
            _ => return Err(Error::validation("x-asm-metadata must be a JSON object")),
        }
    }
    let options = PutOptions {
        content_type: attrs.content_type.clone(),
        byte_size: declared,
        sha256: header(req, SHA256_HEADER),
    }
    .validated()?;
    // Refusals that need no byte come before the body is touched: a session outside the key's
    // scope (one row read) here, a key already taken in the composite store, which takes the
    // body on its first read. (A body taken and then dropped unread holds `wrangler dev`'s next
    // request: docs/toolchain.md §4.)
    if let Some(session_id) = &attrs.session_id {
        store.get_latest_sequence(session_id).await?;
    }
    let unread =
        |e: worker::Error| Error::validation(format!("request body could not be read: {e}"));
    let stream = futures_util::stream::once(async move {
        req.stream().map(|body| body.map_err(unread)).map_err(unread)
    })
    .try_flatten();
    let mut seen: u64 = 0;
    let body = stream.map(move |chunk| {
        let chunk = chunk?;
        seen += chunk.len() as u64;
        if seen > limit {
            return Err(too_large_unsized(limit as usize, "the artifact size limit"));
        }
        Ok(chunk)
    });
    let composite = CompositeStore::new(store, blobs, env.clone());
    let artifact = composite.store_artifact(attrs, Box::pin(body), &options).await?;
    Ok(Content::Json(crate::api::Reply::created(artifact)?))
}

/// `GET`: the live row, then its bytes (or the `Range` asked for) streamed from R2, with the
/// SHA-256 as `ETag`; `If-None-Match` with that tag is 304.
pub async fn get(
    req: &Request,
    store: SqlStore<Backend>,
    blobs: R2ArtifactStore,
    key: &str,
) -> Result<Content> {
    let artifact = store.get_by_key(key).await?.ok_or_else(|| not_found(key))?;
    let etag = format!("\"{}\"", artifact.checksum_sha256);
    let content_type =
        artifact.content_type.clone().unwrap_or_else(|| "application/octet-stream".to_owned());
    if header(req, "if-none-match")
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        let mut response = Response::empty().map_err(worker_error)?.with_status(304);
        let _ = response.headers_mut().set("etag", &etag);
        return Ok(Content::Bytes(response));
    }
    let range = header(req, "range").map(|r| ByteRange::parse_header(&r)).transpose()?;
    let Some((info, (start, len), body)) =
        blobs.response_body(&artifact.storage_ref, range).await.map_err(|e| match e.code() {
            asm_core::ErrorCode::StorageError => asm_core::blob::store_failed("get", e.message()),
            _ => e,
        })?
    else {
        // Deleted between the two reads: the artifact is gone.
        return Err(not_found(key));
    };
    let whole = info.byte_size;
    let mut response = Response::from_body(body).map_err(worker_error)?;
    let status = if range.is_some() { 206 } else { 200 };
    let headers = response.headers_mut();
    let _ = headers.set("etag", &etag);
    let _ = headers.set("content-type", &content_type);
    let _ = headers.set("content-length", &len.to_string());
    let _ = headers.set("accept-ranges", "bytes");
    if let Some(row) = asm_core::wire::artifact_header(&artifact) {
        let _ = headers.set(asm_core::wire::ARTIFACT_HEADER, &row);
    }
    if range.is_some() {
        let last = (start + len).saturating_sub(1);
        let _ = headers.set("content-range", &format!("bytes {start}-{last}/{whole}"));
    }
    Ok(Content::Bytes(response.with_status(status)))
}

/// `DELETE`: the row (soft delete), then the bytes; 204, also for a key that is not there.
pub async fn delete(
    store: SqlStore<Backend>,
    blobs: R2ArtifactStore,
    env: &Env,
    key: &str,
) -> Result<Content> {
    CompositeStore::new(store, blobs, env.clone()).remove_artifact(key).await?;
    Ok(Content::Json(crate::api::Reply::no_content()?))
}

/// A content answer as the reply the audit line records; streamed bytes go to `stash`, for the
/// entry point to send as they are.
pub fn split(content: Result<Content>, stash: &mut Option<Response>) -> Result<crate::api::Reply> {
    match content? {
        Content::Json(reply) => Ok(reply),
        Content::Bytes(response) => {
            let status = response.status_code();
            *stash = Some(response);
            Ok(crate::api::Reply { status, body: None })
        }
    }
}

fn worker_error(e: worker::Error) -> Error {
    Error::new(asm_core::ErrorCode::InternalError, e.to_string())
}
