//! [`S3ArtifactStore`]: artifact bytes in a bucket of any S3-compatible object store.
//!
//! Requests are signed by `rusty-s3` (presigned URLs, no IO of its own) and sent by `ureq`.
//! The calls are blocking HTTP calls inside the `async fn`s: the native host runs them on the
//! caller's thread, as its SQLite executor runs SQLite; a multi-threaded caller gives each
//! task its own store or wraps calls in `tokio::task::spawn_blocking`.
//!
//! Objects (`docs/artifacts.md`):
//! - metadata: `x-amz-meta-sha256`, `x-amz-meta-stored-at` (µs since the epoch, from the
//!   store's [`Env`]) and, when given, `x-amz-meta-content-type` (and `Content-Type`);
//! - a body of up to one part (5 MiB) is read whole, hashed, checked and sent as one `PUT`, so
//!   a refused body never reaches the bucket;
//! - a larger body goes up as a multipart upload to a temporary key under
//!   [`UPLOAD_PREFIX`], hashed part by part; it is aborted (nothing kept) on any error or when
//!   the length or SHA-256 contradicts what was declared, and otherwise completed and copied
//!   onto the key with its metadata (`CopyObject`, metadata directive `REPLACE`: the only way
//!   to attach a checksum known at the end, and atomic for readers), then the temporary key is
//!   deleted. Server-side copies are limited to 5 GB, so that is this backend's largest object;
//! - `list` is `ListObjectsV2` plus one `HEAD` per key (its metadata is not in the listing).

use std::io::Read;
use std::time::Duration;

use asm_core::blob::{
    BlobInfo, BlobRead, ByteRange, ByteStream, CHUNK_BYTES, CheckedBody, PutOptions, Received,
    check_key, not_found, store_failed,
};
use asm_core::ports::ArtifactStore;
use asm_core::{Env, Error, Result, Timestamp};
use rusty_s3::actions::{
    AbortMultipartUpload, CompleteMultipartUpload, CreateBucket, CreateMultipartUpload,
    DeleteObject, GetObject, HeadObject, ListObjectsV2, PutObject, UploadPart,
};
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};
use ureq::http::{Method, Request, Response};

/// Size of the parts of a multipart upload (S3's smallest allowed part but the last).
pub const PART_BYTES: usize = 5 * 1024 * 1024;

/// Where multipart uploads are assembled before they are copied onto their key; keys under it
/// are refused by `put` and never listed.
pub const UPLOAD_PREFIX: &str = ".asm-uploads/";

/// How long a signed request stays valid.
const SIGNED_FOR: Duration = Duration::from_secs(3600);

/// Keys per `ListObjectsV2` page (S3's maximum).
const LIST_PAGE: usize = 1000;

/// Where and as whom to reach the bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Config {
    /// The endpoint, as `http://127.0.0.1:9000` or `https://s3.eu-west-1.amazonaws.com`
    /// (https needs the `tls` feature).
    pub endpoint: String,
    /// The bucket's name.
    pub bucket: String,
    /// The region requests are signed for.
    pub region: String,
    /// Access key id.
    pub access_key: String,
    /// Secret access key.
    pub secret_key: String,
    /// Path-style URLs (`<endpoint>/<bucket>/<key>`, what local servers need) instead of
    /// virtual-hosted ones (`<bucket>.<endpoint host>/<key>`).
    pub path_style: bool,
}

/// A bucket of artifact objects (backend name `s3`).
#[derive(Debug)]
pub struct S3ArtifactStore {
    bucket: Bucket,
    credentials: Credentials,
    agent: ureq::Agent,
    env: Env,
}

/// A request's signed URL and the headers it must carry.
struct Signed {
    method: Method,
    url: String,
    headers: Vec<(String, String)>,
}

impl S3ArtifactStore {
    /// A store over `config`'s bucket, stamping objects with `env`'s clock. Makes no request.
    pub fn new(config: &S3Config, env: Env) -> Result<S3ArtifactStore> {
        let endpoint = config.endpoint.parse().map_err(|e| {
            Error::validation(format!("invalid S3 endpoint {:?}: {e}", config.endpoint))
        })?;
        let style = if config.path_style { UrlStyle::Path } else { UrlStyle::VirtualHost };
        let bucket = Bucket::new(endpoint, style, config.bucket.clone(), config.region.clone())
            .map_err(|e| Error::validation(format!("invalid S3 bucket: {e}")))?;
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Idle limits, not a whole-call budget: a large object may stream for long.
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_per_read(Some(Duration::from_secs(60)))
            .timeout_per_write(Some(Duration::from_secs(60)))
            .build()
            .into();
        Ok(S3ArtifactStore {
            bucket,
            credentials: Credentials::new(config.access_key.clone(), config.secret_key.clone()),
            agent,
            env,
        })
    }

    /// Creates the bucket (one that exists already and is ours is fine).
    pub fn create_bucket(&self) -> Result<()> {
        let mut action = CreateBucket::new(&self.bucket, &self.credentials);
        let body = action.body();
        let signed = sign(&mut action, &[]);
        let mut resp = self.send("create bucket", &signed, body.as_bytes())?;
        match resp.status().as_u16() {
            200..=299 => Ok(()),
            409 if read_text(&mut resp).contains("BucketAlreadyOwnedByYou") => Ok(()),
            _ => Err(unexpected("create bucket", &mut resp)),
        }
    }

    /// Sends a signed request with `body`.
    fn send(&self, op: &str, signed: &Signed, body: &[u8]) -> Result<Response<ureq::Body>> {
        let mut request = Request::builder().method(signed.method.clone()).uri(&signed.url);
        for (name, value) in &signed.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let request = request.body(body).map_err(|e| store_failed(op, e))?;
        self.agent.run(request).map_err(|e| store_failed(op, e))
    }

    /// `HEAD` of `key`: its description and ETag, `None` when it is missing.
    fn head_object(&self, key: &str) -> Result<Option<(BlobInfo, String)>> {
        let signed = sign(&mut HeadObject::new(&self.bucket, Some(&self.credentials), key), &[]);
        let mut resp = self.send("head", &signed, &[])?;
        match resp.status().as_u16() {
            404 => Ok(None),
            200 => {
                let header = |name: &str| {
                    resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
                };
                let missing = |what: &str| {
                    store_failed(
                        "head",
                        format!("object {key} has no {what} (not written by this backend)"),
                    )
                };
                let byte_size = header("content-length")
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| missing("content-length"))?;
                let sha256 =
                    header("x-amz-meta-sha256").ok_or_else(|| missing("x-amz-meta-sha256"))?;
                let stored_at = header("x-amz-meta-stored-at")
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| missing("x-amz-meta-stored-at"))?;
                let etag = header("etag").unwrap_or_default();
                let info = BlobInfo {
                    key: key.to_owned(),
                    byte_size,
                    sha256,
                    content_type: header("x-amz-meta-content-type"),
                    stored_at: Timestamp::from_micros(stored_at),
                };
                Ok(Some((info, etag)))
            }
            _ => Err(unexpected("head", &mut resp)),
        }
    }

    /// The metadata headers of an object written now.
    fn metadata(
        &self,
        key: &str,
        received: &Received,
        options: &PutOptions,
    ) -> (BlobInfo, Vec<(String, String)>) {
        let stored_at = self.env.now();
        let mut headers = vec![
            ("x-amz-meta-sha256".to_owned(), received.sha256.clone()),
            ("x-amz-meta-stored-at".to_owned(), stored_at.as_micros().to_string()),
        ];
        if let Some(ct) = &options.content_type {
            headers.push(("x-amz-meta-content-type".to_owned(), ct.clone()));
        }
        (BlobInfo::written(key, received.clone(), options, stored_at), headers)
    }

    /// One `PUT` of a body read whole.
    fn put_small(
        &self,
        key: &str,
        bytes: &[u8],
        received: &Received,
        options: &PutOptions,
    ) -> Result<BlobInfo> {
        let (info, meta) = self.metadata(key, received, options);
        let signed = sign(&mut PutObject::new(&self.bucket, Some(&self.credentials), key), &meta);
        let signed = with_content_type(signed, options);
        let mut resp = self.send("put", &signed, bytes)?;
        if !resp.status().is_success() {
            return Err(unexpected("put", &mut resp));
        }
        Ok(info)
    }

    /// A multipart upload to a temporary key, then a copy onto `key` with the metadata.
    async fn put_large(
        &self,
        key: &str,
        first: Vec<u8>,
        mut parts: PartReader<'_, '_>,
        options: &PutOptions,
    ) -> Result<BlobInfo> {
        let temp = format!("{UPLOAD_PREFIX}{}", random_hex()?);
        let mut create = CreateMultipartUpload::new(&self.bucket, Some(&self.credentials), &temp);
        let mut resp = self.send("put", &sign(&mut create, &[]), &[])?;
        if !resp.status().is_success() {
            return Err(unexpected("put", &mut resp));
        }
        let text = read_text(&mut resp);
        let created = CreateMultipartUpload::parse_response(&text).map_err(|e| {
            store_failed("put", format!("CreateMultipartUpload answered {e}: {text}"))
        })?;
        let upload_id = created.upload_id().to_owned();
        let uploaded = self.upload_parts(&temp, &upload_id, first, &mut parts).await;
        let received = uploaded.and_then(|etags| Ok((etags, parts.body.finish()?)));
        let (etags, received) = match received {
            Ok(done) => done,
            Err(e) => {
                // Nothing of a failed or refused upload is kept.
                let mut abort = AbortMultipartUpload::new(
                    &self.bucket,
                    Some(&self.credentials),
                    &temp,
                    &upload_id,
                );
                let _ = self.send("put", &sign(&mut abort, &[]), &[]);
                return Err(e);
            }
        };
        let mut complete = CompleteMultipartUpload::new(
            &self.bucket,
            Some(&self.credentials),
            &temp,
            &upload_id,
            etags.iter().map(String::as_str),
        );
        let signed = sign(&mut complete, &[]);
        let mut resp = self.send("put", &signed, complete.body().as_bytes())?;
        let text = read_text(&mut resp);
        if !resp.status().is_success() || !text.contains("CompleteMultipartUploadResult") {
            return Err(store_failed(
                "put",
                format!("CompleteMultipartUpload answered {}: {text}", resp.status()),
            ));
        }
        let copied = self.copy_onto(&temp, key, &received, options);
        let _ = self.delete_object(&temp);
        copied
    }

    /// Sends the parts: `first`, then the rest of `parts`; their ETags in order.
    async fn upload_parts(
        &self,
        temp: &str,
        upload_id: &str,
        first: Vec<u8>,
        parts: &mut PartReader<'_, '_>,
    ) -> Result<Vec<String>> {
        let mut etags = Vec::new();
        let mut part = Some(first);
        while let Some(bytes) = part {
            let number = u16::try_from(etags.len() + 1)
                .map_err(|_| store_failed("put", "more than 65,535 parts"))?;
            let mut action =
                UploadPart::new(&self.bucket, Some(&self.credentials), temp, number, upload_id);
            let mut resp = self.send("put", &sign(&mut action, &[]), &bytes)?;
            if !resp.status().is_success() {
                return Err(unexpected("put", &mut resp));
            }
            let etag = resp.headers().get("etag").and_then(|v| v.to_str().ok());
            etags.push(
                etag.ok_or_else(|| store_failed("put", "UploadPart answered no ETag"))?.to_owned(),
            );
            part = parts.next_part().await?;
        }
        Ok(etags)
    }

    /// `CopyObject` of `temp` onto `key`, replacing the metadata.
    fn copy_onto(
        &self,
        temp: &str,
        key: &str,
        received: &Received,
        options: &PutOptions,
    ) -> Result<BlobInfo> {
        let (info, mut meta) = self.metadata(key, received, options);
        meta.push(("x-amz-copy-source".to_owned(), format!("/{}/{temp}", self.bucket.name())));
        meta.push(("x-amz-metadata-directive".to_owned(), "REPLACE".to_owned()));
        let signed = sign(&mut PutObject::new(&self.bucket, Some(&self.credentials), key), &meta);
        let signed = with_content_type(signed, options);
        let mut resp = self.send("put", &signed, &[])?;
        let text = read_text(&mut resp);
        // S3 may answer 200 and report the failure in the body.
        if !resp.status().is_success() || !text.contains("CopyObjectResult") {
            return Err(store_failed(
                "put",
                format!("CopyObject answered {}: {text}", resp.status()),
            ));
        }
        Ok(info)
    }

    fn delete_object(&self, key: &str) -> Result<()> {
        let signed = sign(&mut DeleteObject::new(&self.bucket, Some(&self.credentials), key), &[]);
        let mut resp = self.send("delete", &signed, &[])?;
        match resp.status().as_u16() {
            200..=299 | 404 => Ok(()),
            _ => Err(unexpected("delete", &mut resp)),
        }
    }
}

impl ArtifactStore for S3ArtifactStore {
    fn backend(&self) -> &str {
        "s3"
    }

    async fn put(&self, key: &str, body: ByteStream<'_>, options: &PutOptions) -> Result<BlobInfo> {
        check_key(key)?;
        if key.starts_with(UPLOAD_PREFIX) {
            return Err(Error::validation(format!(
                "invalid artifact key {key:?}: {UPLOAD_PREFIX} is reserved for uploads in progress"
            )));
        }
        if let Some(ct) = &options.content_type
            && !ct.bytes().all(|b| (0x20..0x7f).contains(&b))
        {
            return Err(Error::validation("content_type must be printable ASCII for S3"));
        }
        let mut parts =
            PartReader { body: CheckedBody::new(body, options), pending: Vec::new(), done: false };
        let first = parts.next_part().await?.unwrap_or_default();
        if parts.done && parts.pending.is_empty() {
            let received = parts.body.finish()?;
            return self.put_small(key, &first, &received, options);
        }
        self.put_large(key, first, parts, options).await
    }

    async fn get(&self, key: &str, range: Option<ByteRange>) -> Result<BlobRead<'_>> {
        check_key(key)?;
        // The object may be replaced between HEAD and GET: `If-Match` notices, and we look again.
        for _ in 0..3 {
            let Some((info, etag)) = self.head_object(key)? else { return Err(not_found(key)) };
            let span = match range {
                Some(range) => range.resolve(info.byte_size)?,
                None => (0, info.byte_size),
            };
            if span.1 == 0 {
                return Ok(BlobRead { info, span, body: Box::pin(futures::stream::empty()) });
            }
            let mut headers = vec![("if-match".to_owned(), etag)];
            if range.is_some() {
                headers.push((
                    "range".to_owned(),
                    format!("bytes={}-{}", span.0, span.0 + span.1 - 1),
                ));
            }
            let mut signed =
                sign(&mut GetObject::new(&self.bucket, Some(&self.credentials), key), &[]);
            signed.headers.extend(headers);
            let mut resp = self.send("get", &signed, &[])?;
            match resp.status().as_u16() {
                200 | 206 => {
                    let reader = resp.into_body().into_reader();
                    return Ok(BlobRead { info, span, body: chunks(reader, span.1) });
                }
                412 => continue,
                404 => return Err(not_found(key)),
                _ => return Err(unexpected("get", &mut resp)),
            }
        }
        Err(store_failed("get", format!("object {key} kept changing while it was read")))
    }

    async fn head(&self, key: &str) -> Result<Option<BlobInfo>> {
        if check_key(key).is_err() {
            return Ok(None);
        }
        Ok(self.head_object(key)?.map(|(info, _)| info))
    }

    async fn delete(&self, key: &str) -> Result<()> {
        check_key(key)?;
        self.delete_object(key)
    }

    async fn list(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<BlobInfo>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        while out.len() < limit {
            let mut action = ListObjectsV2::new(&self.bucket, Some(&self.credentials));
            if !prefix.is_empty() {
                action.with_prefix(prefix);
            }
            if let Some(after) = after {
                action.with_start_after(after);
            }
            if let Some(token) = &token {
                action.with_continuation_token(token.clone());
            }
            action.with_max_keys((limit - out.len()).min(LIST_PAGE));
            let mut resp = self.send("list", &sign(&mut action, &[]), &[])?;
            if !resp.status().is_success() {
                return Err(unexpected("list", &mut resp));
            }
            let text = read_text(&mut resp);
            let page = ListObjectsV2::parse_response(&text)
                .map_err(|e| store_failed("list", format!("ListObjectsV2 answered {e}: {text}")))?;
            for object in page.contents {
                if object.key.starts_with(UPLOAD_PREFIX) || out.len() >= limit {
                    continue;
                }
                // Deleted since it was listed: skipped.
                if let Some((info, _)) = self.head_object(&object.key)? {
                    out.push(info);
                }
            }
            match page.next_continuation_token {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        Ok(out)
    }
}

/// The body of a put, in parts of [`PART_BYTES`], hashed and checked against the declared
/// size as it is read.
struct PartReader<'s, 'o> {
    body: CheckedBody<'s, 'o>,
    /// Bytes read but not yet handed out.
    pending: Vec<u8>,
    /// Whether the body has ended.
    done: bool,
}

impl PartReader<'_, '_> {
    /// The next part (the last one may be shorter), `None` when there is no more.
    async fn next_part(&mut self) -> Result<Option<Vec<u8>>> {
        while !self.done && self.pending.len() <= PART_BYTES {
            match self.body.next_chunk().await? {
                Some(chunk) => self.pending.extend_from_slice(&chunk),
                None => self.done = true,
            }
        }
        if self.pending.is_empty() {
            return Ok(if self.done && self.body.is_empty() { Some(Vec::new()) } else { None });
        }
        let rest = self.pending.split_off(self.pending.len().min(PART_BYTES));
        Ok(Some(std::mem::replace(&mut self.pending, rest)))
    }
}

/// Signs `action` with the `x-amz-*` headers it will carry.
fn sign<'a, A: S3Action<'a>>(action: &mut A, headers: &'a [(String, String)]) -> Signed {
    for (name, value) in headers {
        action.headers_mut().insert(name.as_str(), value.as_str());
    }
    Signed {
        method: method(A::METHOD),
        url: action.sign(SIGNED_FOR).to_string(),
        headers: headers.to_vec(),
    }
}

fn method(m: rusty_s3::Method) -> Method {
    match m {
        rusty_s3::Method::Head => Method::HEAD,
        rusty_s3::Method::Get => Method::GET,
        rusty_s3::Method::Post => Method::POST,
        rusty_s3::Method::Put => Method::PUT,
        rusty_s3::Method::Delete => Method::DELETE,
    }
}

/// Adds `Content-Type` (not an `x-amz-*` header, so not signed) when one is given.
fn with_content_type(mut signed: Signed, options: &PutOptions) -> Signed {
    if let Some(ct) = &options.content_type {
        signed.headers.push(("content-type".to_owned(), ct.clone()));
    }
    signed
}

/// A response body as text (error bodies and XML answers are small).
fn read_text(resp: &mut Response<ureq::Body>) -> String {
    resp.body_mut().read_to_string().unwrap_or_default()
}

/// `storage_error` for an answer the operation did not expect.
fn unexpected(op: &str, resp: &mut Response<ureq::Body>) -> Error {
    let status = resp.status();
    let text = read_text(resp);
    store_failed(op, format!("HTTP {status}: {}", text.chars().take(300).collect::<String>()))
}

/// A streamed response body as chunks of up to [`CHUNK_BYTES`].
fn chunks<'a>(reader: ureq::BodyReader<'static>, len: u64) -> ByteStream<'a> {
    Box::pin(futures::stream::unfold((reader, len), |(mut reader, left)| async move {
        if left == 0 {
            return None;
        }
        let mut chunk = vec![0; left.min(CHUNK_BYTES as u64) as usize];
        let mut filled = 0;
        while filled < chunk.len() {
            match reader.read(&mut chunk[filled..]) {
                Ok(0) => {
                    let e = store_failed("get", format!("the body ended {left} bytes early"));
                    return Some((Err(e), (reader, 0)));
                }
                Ok(n) => filled += n,
                Err(e) => return Some((Err(store_failed("get", e)), (reader, 0))),
            }
        }
        Some((Ok(chunk), (reader, left - filled as u64)))
    }))
}

fn random_hex() -> Result<String> {
    let mut random = [0u8; 12];
    getrandom::fill(&mut random).map_err(|e| store_failed("put", e))?;
    Ok(random.iter().map(|b| format!("{b:02x}")).collect())
}
