//! The bodies of the artifact methods (the full module only): a caller's source as the core's
//! [`ByteStream`], and an opened object's bytes as a [`BlobBody`] that `api.js` reads as a
//! `ReadableStream`.

use std::cell::RefCell;
use std::rc::Rc;

use asm_core::blob::{BlobRead, ByteStream};
use asm_core::{Error, ErrorCode, Result};
use futures_channel::{mpsc, oneshot};
use futures_util::StreamExt;
use js_sys::{Object, Promise, Reflect, Uint8Array};
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::blobs::{backend_error, byte_streams};
use crate::convert::to_js;
use crate::store::promise;

/// A source `{ read() }` answering `Uint8Array`s and `undefined` at the end (how `api.js` hands
/// over a caller's body) as a [`ByteStream`].
pub fn source_to_stream(source: JsValue) -> ByteStream<'static> {
    byte_streams::pull_stream(source, "read", false, backend_error)
}

/// The bytes of an opened object, pulled by `api.js`'s `ReadableStream` with `next()`.
///
/// A task owning the store reads the core's stream into a one-slot channel, so the body can
/// outlive the call that opened it; `cancel()` (or dropping this) ends the task.
#[wasm_bindgen]
pub struct BlobBody {
    chunks: Rc<RefCell<Option<Chunks>>>,
}

/// The receiving end of an opened body's chunks.
type Chunks = mpsc::Receiver<Result<Vec<u8>>>;

#[wasm_bindgen]
impl BlobBody {
    /// The next chunk, or `undefined` at the end; rejects with an `AsmError` when reading
    /// failed.
    pub fn next(&self) -> Promise {
        let slot = self.chunks.clone();
        promise(async move {
            let Some(mut rx) = slot.borrow_mut().take() else { return Ok(JsValue::UNDEFINED) };
            let next = rx.next().await;
            match next {
                None => Ok(JsValue::UNDEFINED),
                Some(Ok(chunk)) => {
                    *slot.borrow_mut() = Some(rx);
                    Ok(Uint8Array::from(chunk.as_slice()).into())
                }
                Some(Err(e)) => Err(e),
            }
        })
    }

    /// Stops reading; the rest of the object is not read.
    pub fn cancel(&self) {
        self.chunks.borrow_mut().take();
    }
}

/// Opens a read in a task that keeps `owner` alive: `open` answers a value describing what was
/// opened and its body; the answer is `{ ...described, body: BlobBody }`.
pub fn open_in_task<O: 'static>(
    owner: O,
    open: impl for<'a> FnOnce(
        &'a O,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<(Value, BlobRead<'a>)>> + 'a>,
    > + 'static,
) -> Promise {
    let (meta_tx, meta_rx) = oneshot::channel::<Result<Value>>();
    let (mut tx, rx) = mpsc::channel::<Result<Vec<u8>>>(0);
    wasm_bindgen_futures::spawn_local(async move {
        let owner = owner;
        let opened = open(&owner).await;
        let mut body = match opened {
            Ok((described, read)) => {
                let _ = meta_tx.send(Ok(described));
                read.body
            }
            Err(e) => {
                let _ = meta_tx.send(Err(e));
                return;
            }
        };
        while let Some(chunk) = body.next().await {
            let failed = chunk.is_err();
            let ready = futures_util::future::poll_fn(|cx| tx.poll_ready(cx)).await;
            if ready.is_err() || tx.start_send(chunk).is_err() || failed {
                break;
            }
        }
    });
    promise(async move {
        let described = meta_rx
            .await
            .unwrap_or_else(|_| Err(Error::new(ErrorCode::InternalError, "the read ended")))?;
        let out: Object = to_js(&described)?.unchecked_into();
        let body = BlobBody { chunks: Rc::new(RefCell::new(Some(rx))) };
        let _ = Reflect::set(&out, &"body".into(), &JsValue::from(body));
        Ok(out.into())
    })
}
