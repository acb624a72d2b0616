//! The package's artifact bytes as the core's ports, for the blob, composite and artifact
//! suites: [`JsBlobs`] is ASM's `ArtifactStore` over a `Store`'s `putBlob`/`getBlob`/…, and
//! [`JsStore`] gets `ArtifactScan` and `ArtifactContent` over `scanArtifacts`,
//! `storeArtifact`, `openArtifact` and `removeArtifact`. Bodies cross as the package's users
//! pass them: an async iterable of `Uint8Array`s in, a `ReadableStream` out.

use std::cell::RefCell;
use std::rc::Rc;

use asm_core::blob::{BlobInfo, BlobRead, ByteRange, ByteStream, PutOptions};
use asm_core::ports::{ArtifactContent, ArtifactScan, ArtifactStore};
use asm_core::wire::client as c;
use asm_core::{Artifact, Error, NewArtifact, Result, Timestamp};
use futures_channel::mpsc;
use futures_util::StreamExt;
use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;

use crate::js_store::{Hooks, JsStore, asm_error, js, text, wrong};

#[path = "../../../js-shared/byte_streams.rs"]
mod byte_streams;

/// A `Store` opened with an artifact backend, as ASM's `ArtifactStore`.
pub struct JsBlobs {
    store: JsStore,
    name: String,
}

impl JsBlobs {
    /// Wraps a `Store` made with `options.artifacts`.
    pub fn new(store: JsValue, hooks: Hooks) -> std::result::Result<JsBlobs, String> {
        let name = Reflect::get(&store, &"artifactBackend".into())
            .ok()
            .and_then(|n| n.as_string())
            .ok_or("the store has no artifact backend (artifactBackend is null)")?;
        Ok(JsBlobs { store: JsStore::new(store, hooks), name })
    }
}

fn thrown(e: &JsValue) -> Error {
    asm_error(e.clone())
}

/// A blob info as the package answers it.
fn info(v: &Value) -> Result<BlobInfo> {
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    Ok(BlobInfo {
        key: text("key").ok_or_else(|| wrong("info.key"))?,
        byte_size: v
            .get("byte_size")
            .and_then(Value::as_u64)
            .ok_or_else(|| wrong("info.byte_size"))?,
        sha256: text("sha256").ok_or_else(|| wrong("info.sha256"))?,
        content_type: text("content_type"),
        stored_at: text("stored_at")
            .and_then(|t| Timestamp::parse_iso8601(&t))
            .ok_or_else(|| wrong("info.stored_at"))?,
    })
}

fn range_js(range: Option<ByteRange>) -> JsValue {
    match range {
        None => JsValue::UNDEFINED,
        Some(ByteRange::From { start, end }) => js(&json!({ "start": start, "end": end })),
        Some(ByteRange::Suffix(n)) => js(&json!({ "suffix": n })),
    }
}

fn put_options(o: &PutOptions) -> JsValue {
    js(&json!({ "content_type": o.content_type, "byte_size": o.byte_size, "sha256": o.sha256 }))
}

/// `{ info, span, body }` (and `artifact`) as the core's read.
fn opened(answer: &JsValue) -> Result<(Value, BlobRead<'static>)> {
    let body = Reflect::get(answer, &"body".into()).map_err(|e| thrown(&e))?;
    let described = Object::new();
    for k in ["info", "span", "artifact"] {
        let v = Reflect::get(answer, &k.into()).unwrap_or(JsValue::UNDEFINED);
        let _ = Reflect::set(&described, &k.into(), &v);
    }
    let described = crate::js_store::json_of(&described.into())?;
    let span = c::member(&described, "span")?;
    let span = (
        span.get("offset").and_then(Value::as_u64).ok_or_else(|| wrong("span.offset"))?,
        span.get("length").and_then(Value::as_u64).ok_or_else(|| wrong("span.length"))?,
    );
    let read = BlobRead {
        info: info(c::member(&described, "info")?)?,
        span,
        body: byte_streams::readable_to_stream(&body, thrown)?,
    };
    Ok((described, read))
}

/// Sends `body` to JavaScript as an async iterable while `send` runs: the chunks go through a
/// one-slot channel, so the body is read only as fast as the package consumes it.
async fn streaming<T>(
    body: ByteStream<'_>,
    send: impl AsyncFnOnce(JsValue) -> Result<T>,
) -> Result<T> {
    let (mut tx, rx) = mpsc::channel::<Result<Vec<u8>>>(0);
    let slot = Rc::new(RefCell::new(Some(rx)));
    let reader = slot.clone();
    let next = Closure::<dyn Fn() -> Promise>::new(move || {
        let slot = slot.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let Some(mut rx) = slot.borrow_mut().take() else {
                return Ok(js(&json!({ "done": true })));
            };
            let out = Object::new();
            match rx.next().await {
                None => {
                    let _ = Reflect::set(&out, &"done".into(), &true.into());
                }
                Some(Ok(chunk)) => {
                    *slot.borrow_mut() = Some(rx);
                    let _ = Reflect::set(&out, &"done".into(), &false.into());
                    let _ =
                        Reflect::set(&out, &"value".into(), &Uint8Array::from(chunk.as_slice()));
                }
                Some(Err(e)) => return Err(js_sys::Error::new(e.message()).into()),
            }
            Ok(out.into())
        })
    });
    let iterable = Object::new();
    let _ = Reflect::set(&iterable, &"next".into(), next.as_ref());
    let this = Function::new_no_args("return this");
    let _ = Reflect::set(&iterable, &js_sys::Symbol::async_iterator(), &this);
    let pump = async move {
        let mut body = body;
        while let Some(chunk) = body.next().await {
            let failed = chunk.is_err();
            let ready = futures_util::future::poll_fn(|cx| tx.poll_ready(cx)).await;
            if ready.is_err() || tx.start_send(chunk).is_err() || failed {
                break;
            }
        }
    };
    let sent = async {
        let out = send(iterable.into()).await;
        // The package stopped reading (it refused the body, or failed): end the pump.
        reader.borrow_mut().take();
        out
    };
    let (_, out) = futures_util::future::join(pump, sent).await;
    drop(next);
    out
}

impl ArtifactStore for JsBlobs {
    fn backend(&self) -> &str {
        &self.name
    }

    async fn put(&self, key: &str, body: ByteStream<'_>, options: &PutOptions) -> Result<BlobInfo> {
        let answer = streaming(body, async |iterable| {
            self.store.call("putBlob", &[text(key), iterable, put_options(options)]).await
        })
        .await?;
        info(&answer)
    }

    async fn get(&self, key: &str, range: Option<ByteRange>) -> Result<BlobRead<'_>> {
        let answer = self.store.call_raw("getBlob", &[text(key), range_js(range)]).await?;
        Ok(opened(&answer)?.1)
    }

    async fn head(&self, key: &str) -> Result<Option<BlobInfo>> {
        match self.store.call("headBlob", &[text(key)]).await? {
            Value::Null => Ok(None),
            v => info(&v).map(Some),
        }
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.store.call("deleteBlob", &[text(key)]).await.map(drop)
    }

    async fn list(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<BlobInfo>> {
        let opts = json!({ "after": after, "limit": limit });
        let answer = self.store.call("listBlobs", &[text(prefix), js(&opts)]).await?;
        answer.as_array().ok_or_else(|| wrong("not a list"))?.iter().map(info).collect()
    }
}

impl ArtifactScan for JsStore {
    async fn scan_artifacts(&self, after: Option<&str>, limit: u32) -> Result<Vec<Artifact>> {
        let after = after.map_or(JsValue::NULL, text);
        let answer = self.call("scanArtifacts", &[after, (limit as f64).into()]).await?;
        answer
            .as_array()
            .ok_or_else(|| wrong("not a list"))?
            .iter()
            .map(Artifact::from_map)
            .collect()
    }
}

impl ArtifactContent for JsStore {
    async fn store_artifact(
        &self,
        attrs: NewArtifact,
        body: ByteStream<'_>,
        options: &PutOptions,
    ) -> Result<Artifact> {
        let answer = streaming(body, async |iterable| {
            let attrs = js(&c::new_artifact(&attrs));
            self.call("storeArtifact", &[attrs, iterable, put_options(options)]).await
        })
        .await?;
        Artifact::from_map(&answer)
    }

    async fn open_artifact(
        &self,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<(Artifact, BlobRead<'_>)> {
        let answer = self.call_raw("openArtifact", &[text(key), range_js(range)]).await?;
        let (described, read) = opened(&answer)?;
        Ok((Artifact::from_map(c::member(&described, "artifact")?)?, read))
    }

    async fn remove_artifact(&self, key: &str) -> Result<()> {
        self.call("removeArtifact", &[text(key)]).await.map(drop)
    }
}
