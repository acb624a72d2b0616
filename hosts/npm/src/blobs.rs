//! Artifact bytes for the npm package: [`JsArtifactStore`], the core's `ArtifactStore` over a
//! backend written in JavaScript (the Node folder, OPFS, an R2 binding, or one's own). The
//! bodies the artifact methods take and answer are in `bodies.rs`.
//!
//! The backend only moves bytes: the key check, the length and SHA-256 computed while writing,
//! the comparison with what the caller declared and the range arithmetic happen here, with the
//! core's [`CheckedBody`] and [`PutOptions`], so that every backend refuses the same puts. A
//! refused put calls the writer's `abort()`, which keeps nothing (the old object stays).

use asm_core::blob::{
    BlobInfo, BlobRead, ByteRange, ByteStream, CheckedBody, PutOptions, check_key, not_found,
};
use asm_core::memory::MemoryArtifactStore;
use asm_core::ports::ArtifactStore;
use asm_core::{Env, Error, ErrorCode, Result, Timestamp};
use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[path = "../../js-shared/byte_streams.rs"]
pub(crate) mod byte_streams;

use crate::convert::{from_js, message_of, to_js};

/// The artifact backend of a `Store`: none (artifact-byte calls fail), the core's memory store,
/// or a JavaScript backend.
#[derive(Debug)]
pub enum Blobs {
    /// No `options.artifacts`: the byte calls answer `storage_error`, and `list` nothing (so
    /// `execute` and `healthCheck` have no bytes to look at).
    None,
    /// `options.artifacts: "memory"`.
    Memory(MemoryArtifactStore),
    /// A backend object.
    Js(JsArtifactStore),
}

impl Blobs {
    /// The backend named by `options.artifacts`: absent, `"memory"` or a backend object.
    pub fn from_option(value: JsValue, env: Env) -> Result<Blobs> {
        if value.is_undefined() || value.is_null() {
            return Ok(Blobs::None);
        }
        if value.as_string().as_deref() == Some("memory") {
            return Ok(Blobs::Memory(MemoryArtifactStore::new(env)));
        }
        Ok(Blobs::Js(JsArtifactStore::new(value, env)?))
    }

    /// Whether the store was opened without a backend.
    pub fn is_none(&self) -> bool {
        matches!(self, Blobs::None)
    }
}

fn no_backend() -> Error {
    Error::new(
        ErrorCode::StorageError,
        "no artifact backend: open the store with options.artifacts (fsBlobs, opfsBlobs, r2Blobs or \"memory\")",
    )
}

impl ArtifactStore for Blobs {
    fn backend(&self) -> &str {
        match self {
            Blobs::None => "none",
            Blobs::Memory(m) => m.backend(),
            Blobs::Js(j) => j.backend(),
        }
    }
    async fn put(&self, key: &str, body: ByteStream<'_>, options: &PutOptions) -> Result<BlobInfo> {
        match self {
            Blobs::None => Err(no_backend()),
            Blobs::Memory(m) => m.put(key, body, options).await,
            Blobs::Js(j) => j.put(key, body, options).await,
        }
    }
    async fn get(&self, key: &str, range: Option<ByteRange>) -> Result<BlobRead<'_>> {
        match self {
            Blobs::None => Err(no_backend()),
            Blobs::Memory(m) => m.get(key, range).await,
            Blobs::Js(j) => j.get(key, range).await,
        }
    }
    async fn head(&self, key: &str) -> Result<Option<BlobInfo>> {
        match self {
            Blobs::None => Err(no_backend()),
            Blobs::Memory(m) => m.head(key).await,
            Blobs::Js(j) => j.head(key).await,
        }
    }
    async fn delete(&self, key: &str) -> Result<()> {
        match self {
            Blobs::None => Err(no_backend()),
            Blobs::Memory(m) => m.delete(key).await,
            Blobs::Js(j) => j.delete(key).await,
        }
    }
    async fn list(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<BlobInfo>> {
        match self {
            // Nothing is stored without a backend: the sweeper and the health check find nothing.
            Blobs::None => Ok(Vec::new()),
            Blobs::Memory(m) => m.list(prefix, after, limit).await,
            Blobs::Js(j) => j.list(prefix, after, limit).await,
        }
    }
}

/// The core's `ArtifactStore` over a JavaScript backend object (`types/index.d.ts`,
/// `BlobBackend`): `{ backend, put(key, meta) → writer, get(key, offset, length), head(key),
/// delete(key), list(prefix, after, limit) }`, each answering a `Promise`.
#[derive(Debug)]
pub struct JsArtifactStore {
    object: JsValue,
    name: String,
    env: Env,
}

/// A backend's own failure, as the core expects it (the composite adds "Artifact store <op>
/// failed: ").
pub(crate) fn backend_error(thrown: &JsValue) -> Error {
    Error::new(ErrorCode::StorageError, message_of(thrown))
}

/// Calls `target[method](...args)` and awaits its answer.
async fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue> {
    let f: Function =
        Reflect::get(target, &method.into()).ok().and_then(|f| f.dyn_into().ok()).ok_or_else(
            || Error::new(ErrorCode::StorageError, format!("the backend has no {method}()")),
        )?;
    let args: Array = args.iter().collect();
    let returned = f.apply(target, &args).map_err(|e| backend_error(&e))?;
    JsFuture::from(Promise::resolve(&returned)).await.map_err(|e| backend_error(&e))
}

/// A backend's description of an object: `{ key, byte_size, sha256, content_type, stored_at }`
/// (`stored_at` ISO-8601 text).
fn info_of(value: &JsValue) -> Result<BlobInfo> {
    let json = from_js(value, "blob info")?;
    let bad = || {
        Error::new(
            ErrorCode::StorageError,
            format!("the backend answered a malformed blob info: {json}"),
        )
    };
    let text = |k: &str| json.get(k).and_then(Value::as_str).map(str::to_owned);
    Ok(BlobInfo {
        key: text("key").ok_or_else(bad)?,
        byte_size: json.get("byte_size").and_then(Value::as_u64).ok_or_else(bad)?,
        sha256: text("sha256").ok_or_else(bad)?,
        content_type: text("content_type"),
        stored_at: text("stored_at").and_then(|t| Timestamp::parse_iso8601(&t)).ok_or_else(bad)?,
    })
}

fn js(value: &Value) -> JsValue {
    to_js(value).unwrap_or(JsValue::NULL)
}

impl JsArtifactStore {
    /// Wraps a backend object; its `backend` member names it (`file`, `opfs`, `r2`, …).
    pub fn new(object: JsValue, env: Env) -> Result<JsArtifactStore> {
        let name = Reflect::get(&object, &"backend".into())
            .ok()
            .and_then(|n| n.as_string())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                Error::validation("options.artifacts must be \"memory\" or a backend object with a `backend` name")
            })?;
        for method in ["put", "get", "head", "delete", "list"] {
            let f = Reflect::get(&object, &method.into()).unwrap_or(JsValue::UNDEFINED);
            if !f.is_function() {
                return Err(Error::validation(format!(
                    "options.artifacts has no {method}() method"
                )));
            }
        }
        Ok(JsArtifactStore { object, name, env })
    }

    async fn write_all(
        &self,
        writer: &JsValue,
        body: ByteStream<'_>,
        options: &PutOptions,
    ) -> Result<BlobInfo> {
        let mut body = CheckedBody::new(body, options);
        while let Some(chunk) = body.next_chunk().await? {
            if !chunk.is_empty() {
                call(writer, "write", &[Uint8Array::from(chunk.as_slice()).into()]).await?;
            }
        }
        let received = body.finish()?;
        let done = json!({ "byte_size": received.byte_size, "sha256": received.sha256 });
        info_of(&call(writer, "close", &[js(&done)]).await?)
    }
}

impl ArtifactStore for JsArtifactStore {
    fn backend(&self) -> &str {
        &self.name
    }

    async fn put(&self, key: &str, body: ByteStream<'_>, options: &PutOptions) -> Result<BlobInfo> {
        check_key(key)?;
        let meta = json!({
            "content_type": options.content_type,
            "byte_size": options.byte_size,
            "sha256": options.sha256,
            "stored_at": self.env.now().to_iso8601(),
        });
        let writer = call(&self.object, "put", &[key.into(), js(&meta)]).await?;
        match self.write_all(&writer, body, options).await {
            Ok(info) => Ok(info),
            Err(e) => {
                // The refusal is the answer; a failing abort leaves a temporary the backend
                // discards on its own (a temp file, an uncommitted OPFS swap file).
                let _ = call(&writer, "abort", &[]).await;
                Err(e)
            }
        }
    }

    async fn get(&self, key: &str, range: Option<ByteRange>) -> Result<BlobRead<'_>> {
        let info = self.head(key).await?.ok_or_else(|| not_found(key))?;
        let span = match range {
            Some(range) => range.resolve(info.byte_size)?,
            None => (0, info.byte_size),
        };
        let found = call(
            &self.object,
            "get",
            &[key.into(), (span.0 as f64).into(), (span.1 as f64).into()],
        )
        .await?;
        // Replaced or deleted between the two calls: the backend answers what it opened.
        if found.is_null() || found.is_undefined() {
            return Err(not_found(key));
        }
        let info = info_of(&Reflect::get(&found, &"info".into()).unwrap_or(JsValue::NULL))?;
        if span.0 + span.1 > info.byte_size {
            return Err(backend_error(&"the object changed while it was opened".into()));
        }
        let body = Reflect::get(&found, &"body".into()).unwrap_or(JsValue::NULL);
        Ok(BlobRead { info, span, body: readable_to_stream(&body)? })
    }

    async fn head(&self, key: &str) -> Result<Option<BlobInfo>> {
        check_key(key)?;
        let found = call(&self.object, "head", &[key.into()]).await?;
        if found.is_null() || found.is_undefined() { Ok(None) } else { info_of(&found).map(Some) }
    }

    async fn delete(&self, key: &str) -> Result<()> {
        check_key(key)?;
        call(&self.object, "delete", &[key.into()]).await.map(drop)
    }

    async fn list(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<BlobInfo>> {
        let after = after.map_or(JsValue::NULL, JsValue::from);
        let found =
            call(&self.object, "list", &[prefix.into(), after, (limit as f64).into()]).await?;
        let found: Array = found.dyn_into().map_err(|_| {
            Error::new(ErrorCode::StorageError, "the backend's list() answered no array")
        })?;
        found.iter().map(|v| info_of(&v)).collect()
    }
}

/// A `ReadableStream` of `Uint8Array`s as a [`ByteStream`].
pub fn readable_to_stream(body: &JsValue) -> Result<ByteStream<'static>> {
    byte_streams::readable_to_stream(body, backend_error)
}
