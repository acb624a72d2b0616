//! The `Store`'s artifact methods: ASM's `ArtifactRegistry` (rows), artifacts with their bytes
//! (the core composite's protocol) and ASM's `ArtifactStore` (bytes by key), with the argument
//! readers only they use.

use asm_core::blob::{ByteRange, PutOptions};
use asm_core::ports::{ArtifactContent, ArtifactRegistry, ArtifactScan, ArtifactStore};
use asm_core::{Error, NewArtifact, Result};
use js_sys::Promise;
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::bodies::{open_in_task, source_to_stream};
use crate::convert::{from_js, text_arg, to_js};
use crate::errors::to_js_error;
use crate::store::{Inner, Store, options, promise};

#[wasm_bindgen]
impl Store {
    // ---- ArtifactRegistry ----

    /// Registers artifact metadata and answers the stored artifact.
    #[wasm_bindgen(js_name = registerArtifact)]
    pub fn register_artifact(&self, attrs: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            to_js(
                &s.store().register(NewArtifact::from_json(&from_js(&attrs, "artifact")?)?).await?,
            )
        })
    }

    /// An artifact by key, or `null`.
    #[wasm_bindgen(js_name = getArtifact)]
    pub fn get_artifact(&self, key: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move { to_js(&s.store().get_by_key(&text_arg(&key, "key")?).await?) })
    }

    /// A session's artifacts.
    #[wasm_bindgen(js_name = listArtifacts)]
    pub fn list_artifacts(&self, session_id: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            to_js(&s.store().list_by_session(&text_arg(&session_id, "session_id")?).await?)
        })
    }

    /// A session's artifact count and total bytes.
    #[wasm_bindgen(js_name = artifactStats)]
    pub fn artifact_stats(&self, session_id: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            to_js(
                &ArtifactRegistry::session_stats(s.store(), &text_arg(&session_id, "session_id")?)
                    .await?,
            )
        })
    }

    /// Deletes an artifact's metadata.
    #[wasm_bindgen(js_name = deleteArtifact)]
    pub fn delete_artifact(&self, key: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            ArtifactRegistry::delete(s.store(), &text_arg(&key, "key")?).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Every artifact row (soft-deleted ones too) in id order, `limit` after the id `after`:
    /// what a check of rows against bytes reads.
    #[wasm_bindgen(js_name = scanArtifacts)]
    pub fn scan_artifacts(&self, after: JsValue, limit: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            let after = match after.is_null() || after.is_undefined() {
                true => None,
                false => Some(text_arg(&after, "after")?),
            };
            let limit = limit
                .as_f64()
                .filter(|n| n.fract() == 0.0 && *n >= 1.0 && *n <= 10_000.0)
                .ok_or_else(|| Error::validation("limit must be an integer from 1 to 10000"))?;
            to_js(&s.store().scan_artifacts(after.as_deref(), limit as u32).await?)
        })
    }

    // ---- Artifacts with their bytes (the composite's protocol) ----

    /// Stores an artifact's bytes, then its row (`api.js` hands the body over as a source).
    #[wasm_bindgen(js_name = __storeArtifact)]
    pub fn store_artifact(&self, attrs: JsValue, source: JsValue, opts: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            let attrs = NewArtifact::from_json(&from_js(&attrs, "artifact")?)?;
            let opts = put_options(&opts)?;
            to_js(&s.store_artifact(attrs, source_to_stream(source), &opts).await?)
        })
    }

    /// Opens a live artifact's row and bytes: `{ artifact, info, span, body }`.
    #[wasm_bindgen(js_name = __openArtifact)]
    pub fn open_artifact(&self, key: JsValue, range: JsValue) -> Promise {
        let args = text_arg(&key, "key").and_then(|k| Ok((k, byte_range(&range)?)));
        let (key, range) = match args {
            Ok(args) => args,
            Err(e) => return Promise::reject(&to_js_error(&e)),
        };
        open_in_task(self.inner.clone(), move |s: &Inner| {
            Box::pin(async move {
                let (artifact, read) = s.open_artifact(&key, range).await?;
                let described = serde_json::json!({
                    "artifact": artifact,
                    "info": read.info,
                    "span": span_json(read.span),
                });
                Ok((described, read))
            })
        })
    }

    /// Deletes an artifact: its row, then its bytes; idempotent.
    #[wasm_bindgen(js_name = removeArtifact)]
    pub fn remove_artifact(&self, key: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            s.remove_artifact(&text_arg(&key, "key")?).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Removes bytes no live row describes, older than the grace period; answers the report.
    #[wasm_bindgen(js_name = sweepArtifacts)]
    pub fn sweep_artifacts(&self) -> Promise {
        let s = self.inner.clone();
        promise(async move { to_js(&s.sweep().await?) })
    }

    // ---- ArtifactStore (ASM's, through the composite's guard) ----

    /// Stores bytes under `key`, replacing what was there once all were read and checked.
    #[wasm_bindgen(js_name = __putBlob)]
    pub fn put_blob(&self, key: JsValue, source: JsValue, opts: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            let key = text_arg(&key, "key")?;
            let opts = put_options(&opts)?;
            to_js(&ArtifactStore::put(&*s, &key, source_to_stream(source), &opts).await?)
        })
    }

    /// Opens the bytes under `key`: `{ info, span, body }`.
    #[wasm_bindgen(js_name = __getBlob)]
    pub fn get_blob(&self, key: JsValue, range: JsValue) -> Promise {
        let args = text_arg(&key, "key").and_then(|k| Ok((k, byte_range(&range)?)));
        let (key, range) = match args {
            Ok(args) => args,
            Err(e) => return Promise::reject(&to_js_error(&e)),
        };
        open_in_task(self.inner.clone(), move |s: &Inner| {
            Box::pin(async move {
                let read = ArtifactStore::get(&**s, &key, range).await?;
                let described =
                    serde_json::json!({ "info": read.info, "span": span_json(read.span) });
                Ok((described, read))
            })
        })
    }

    /// What is known of the object under `key`, or `null`.
    #[wasm_bindgen(js_name = headBlob)]
    pub fn head_blob(&self, key: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move { to_js(&ArtifactStore::head(&*s, &text_arg(&key, "key")?).await?) })
    }

    /// Removes the object under `key`; a missing key is not an error.
    #[wasm_bindgen(js_name = deleteBlob)]
    pub fn delete_blob(&self, key: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            ArtifactStore::delete(&*s, &text_arg(&key, "key")?).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Objects whose keys start with `prefix`, in key order: `{ after?, limit? }` (100 by
    /// default, at most 1000).
    #[wasm_bindgen(js_name = listBlobs)]
    pub fn list_blobs(&self, prefix: JsValue, opts: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            let prefix =
                if prefix.is_undefined() { String::new() } else { text_arg(&prefix, "prefix")? };
            let opts = options(&opts)?;
            let after = match opts.get("after") {
                None | Some(Value::Null) => None,
                Some(v) => Some(
                    v.as_str()
                        .ok_or_else(|| Error::validation("after must be a string"))?
                        .to_owned(),
                ),
            };
            let limit = match opts.get("limit") {
                None | Some(Value::Null) => 100,
                Some(v) => v
                    .as_u64()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| Error::validation("limit must be an integer from 1 to 1000"))?,
            };
            to_js(&ArtifactStore::list(&*s, &prefix, after.as_deref(), limit as usize).await?)
        })
    }
}

/// `{ content_type?, byte_size?, sha256? }`: what the caller declares about the bytes.
fn put_options(value: &JsValue) -> Result<PutOptions> {
    let json = options(value)?;
    let text = |k: &str| -> Result<Option<String>> {
        match json.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Error::validation(format!("{k} must be a string"))),
        }
    };
    let byte_size = match json.get("byte_size") {
        None | Some(Value::Null) => None,
        Some(v) => {
            Some(v.as_u64().ok_or_else(|| Error::validation("byte_size must be an integer >= 0"))?)
        }
    };
    PutOptions { content_type: text("content_type")?, byte_size, sha256: text("sha256")? }
        .validated()
}

/// A range: `undefined`, an HTTP `Range` value (`"bytes=0-99"`), `{ start, end? }` (`end`
/// inclusive) or `{ suffix }` (the last bytes).
fn byte_range(value: &JsValue) -> Result<Option<ByteRange>> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if let Some(header) = value.as_string() {
        return ByteRange::parse_header(&header).map(Some);
    }
    let json = from_js(value, "range")?;
    let num = |k: &str| -> Result<Option<u64>> {
        match json.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| Error::validation(format!("range.{k} must be an integer >= 0"))),
        }
    };
    match (num("start")?, num("end")?, num("suffix")?) {
        (Some(start), end, None) if end.is_none_or(|e| e >= start) => {
            Ok(Some(ByteRange::From { start, end }))
        }
        (None, None, Some(n)) => Ok(Some(ByteRange::Suffix(n))),
        _ => Err(Error::validation(
            "range must be \"bytes=a-b\", { start, end? } with end >= start, or { suffix }",
        )),
    }
}

/// A read's `(offset, length)` as `{ offset, length }`.
fn span_json((offset, length): (u64, u64)) -> Value {
    serde_json::json!({ "offset": offset, "length": length })
}
