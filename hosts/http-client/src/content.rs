//! [`ArtifactContent`] over the Worker's `…/artifacts/{key}/content` routes: bytes streamed up
//! from the caller's stream and down into one, a chunk at a time.
//!
//! The requests block (ureq), as every call of this client does. The upload reads the caller's
//! [`ByteStream`] from ureq's writer thread-side: a chunk that is not ready yet is polled again
//! after a short pause, since this client runs under any executor (or none).

use std::io::Read;
use std::task::{Context, Poll, Waker};

use asm_core::blob::{BlobInfo, BlobRead, ByteRange, ByteStream, CHUNK_BYTES, PutOptions};
use asm_core::ports::ArtifactContent;
use asm_core::{Artifact, Error, ErrorCode, NewArtifact, Result, Timestamp};

use crate::{HttpStore, api_error, encode, query_string};

/// The caller's stream as a blocking reader for ureq.
struct StreamReader<'a> {
    stream: ByteStream<'a>,
    chunk: Vec<u8>,
    at: usize,
}

impl Read for StreamReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.chunk.len() {
            let mut cx = Context::from_waker(Waker::noop());
            match self.stream.as_mut().poll_next(&mut cx) {
                Poll::Ready(Some(Ok(chunk))) => (self.chunk, self.at) = (chunk, 0),
                Poll::Ready(Some(Err(e))) => return Err(std::io::Error::other(e.to_string())),
                Poll::Ready(None) => return Ok(0),
                Poll::Pending => std::thread::sleep(std::time::Duration::from_millis(1)),
            }
        }
        let n = out.len().min(self.chunk.len() - self.at);
        out[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn transport(url: &str, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::StorageConnectionFailed, format!("{url}: {e}"))
}

fn header(response: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    response.headers().get(name)?.to_str().ok().map(str::to_owned)
}

impl HttpStore {
    fn content_url(&self, key: &str) -> String {
        format!("{}/v1/artifacts/{}/content", self.base, encode(key))
    }

    fn auth(&self) -> String {
        format!("Bearer {}", self.token)
    }
}

/// Reads an error answer's body (small) into the API's error.
fn failed(mut response: ureq::http::Response<ureq::Body>, url: &str) -> Error {
    let status = response.status().as_u16();
    match response.body_mut().read_to_string() {
        Ok(text) => api_error(status, &text),
        Err(e) => transport(url, e),
    }
}

impl ArtifactContent for HttpStore {
    async fn store_artifact(
        &self,
        attrs: NewArtifact,
        body: ByteStream<'_>,
        options: &PutOptions,
    ) -> Result<Artifact> {
        let key = attrs.key.clone().ok_or_else(|| Error::validation("key is required"))?;
        // Before any byte is sent: a Worker that answers before reading a streamed body can hold
        // `wrangler dev`'s next request (docs/toolchain.md §4).
        asm_core::ports::ArtifactRegistry::ensure_key_free(self, &key).await?;
        let mut q = Vec::new();
        if let Some(s) = &attrs.session_id {
            q.push(("session_id", s.clone()));
        }
        if let Some(r) = &attrs.run_id {
            q.push(("run_id", r.clone()));
        }
        let url = format!("{}{}", self.content_url(&key), query_string(&q));
        let mut request = self.agent.put(&url).header("authorization", &self.auth());
        let content_type = options.content_type.clone().or(attrs.content_type.clone());
        request = request
            .header("content-type", content_type.as_deref().unwrap_or("application/octet-stream"));
        if let Some(sha) = options.sha256.clone().or(attrs.checksum_sha256.clone()) {
            request = request.header("x-asm-sha256", &sha);
        }
        if let Some(size) = options.byte_size.or(attrs.byte_size.map(|n| n as u64)) {
            request = request.header("content-length", &size.to_string());
        }
        if !attrs.metadata.is_empty() {
            let json = serde_json::Value::Object(attrs.metadata.clone()).to_string();
            request = request.header("x-asm-metadata", &json);
        }
        let mut reader = StreamReader { stream: body, chunk: Vec::new(), at: 0 };
        let mut response = request
            .send(ureq::SendBody::from_reader(&mut reader))
            .map_err(|e| transport(&url, e))?;
        if !response.status().is_success() {
            return Err(failed(response, &url));
        }
        let text = response.body_mut().read_to_string().map_err(|e| transport(&url, e))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| crate::bad_answer(&url, &e.to_string()))?;
        Artifact::from_map(&value)
    }

    async fn open_artifact(
        &self,
        key: &str,
        range: Option<ByteRange>,
    ) -> Result<(Artifact, BlobRead<'_>)> {
        let url = self.content_url(key);
        let mut request = self.agent.get(&url).header("authorization", &self.auth());
        if let Some(range) = range {
            let value = match range {
                ByteRange::From { start, end: Some(end) } => format!("bytes={start}-{end}"),
                ByteRange::From { start, end: None } => format!("bytes={start}-"),
                ByteRange::Suffix(n) => format!("bytes=-{n}"),
            };
            request = request.header("range", &value);
        }
        let response = request.call().map_err(|e| transport(&url, e))?;
        if !response.status().is_success() {
            return Err(failed(response, &url));
        }
        // The row comes with the bytes; one too large for a header is read on its own.
        let artifact = match header(&response, asm_core::wire::ARTIFACT_HEADER) {
            Some(row) => asm_core::wire::artifact_from_header(&row)?,
            None => asm_core::ports::ArtifactRegistry::get_by_key(self, key)
                .await?
                .ok_or_else(|| asm_core::blob::not_found(key))?,
        };
        let len: u64 =
            header(&response, "content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        // `bytes start-end/size` on a 206; the whole object otherwise.
        let (start, whole) = match header(&response, "content-range") {
            Some(cr) => {
                let spec = cr.trim_start_matches("bytes ");
                let (span, size) = spec.split_once('/').unwrap_or((spec, "0"));
                let start = span.split('-').next().and_then(|s| s.parse().ok()).unwrap_or(0);
                (start, size.parse().unwrap_or(len))
            }
            None => (0, len),
        };
        let info = BlobInfo {
            key: artifact.storage_ref.clone(),
            byte_size: whole,
            sha256: header(&response, "etag").unwrap_or_default().trim_matches('"').to_owned(),
            content_type: header(&response, "content-type"),
            stored_at: Timestamp::from_micros(0),
        };
        let mut reader = response.into_body().into_reader();
        let body = futures_util::stream::poll_fn(move |_| {
            let mut chunk = vec![0u8; CHUNK_BYTES];
            Poll::Ready(match reader.read(&mut chunk) {
                Ok(0) => None,
                Ok(n) => {
                    chunk.truncate(n);
                    Some(Ok(chunk))
                }
                Err(e) => Some(Err(transport("artifact body", e))),
            })
        });
        Ok((artifact, BlobRead { info, span: (start, len), body: Box::pin(body) }))
    }

    async fn remove_artifact(&self, key: &str) -> Result<()> {
        let url = self.content_url(key);
        let response = self
            .agent
            .delete(&url)
            .header("authorization", &self.auth())
            .call()
            .map_err(|e| transport(&url, e))?;
        if !response.status().is_success() {
            return Err(failed(response, &url));
        }
        Ok(())
    }
}
