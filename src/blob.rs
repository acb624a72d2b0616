//! Artifact bytes: keys, byte ranges, what a writer declares, and the SHA-256 every backend
//! computes while it writes, so that a large object is checked without being held whole.
//!
//! The backends themselves live in the hosts (R2, S3, the filesystem, OPFS) and in
//! [`crate::memory::MemoryArtifactStore`]; the port is [`crate::ports::ArtifactStore`].

use std::pin::Pin;

use futures_core::Stream;
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorCode, Result};
use crate::time::Timestamp;

/// A body of bytes in chunks, as a backend reads or writes it: never the whole object at once.
pub type ByteStream<'a> = Pin<Box<dyn Stream<Item = Result<Vec<u8>>> + 'a>>;

/// Chunk size of the streams the core builds (64 KiB): large enough for throughput, small
/// enough that a transfer holds a bounded amount of memory.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// The longest key a backend must accept (S3 and R2 allow 1,024 bytes).
pub const MAX_KEY_BYTES: usize = 1024;

/// What a backend knows of a stored object.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BlobInfo {
    /// The object's key in its store.
    pub key: String,
    /// Its length in bytes.
    pub byte_size: u64,
    /// Lowercase hex SHA-256 of its bytes.
    pub sha256: String,
    /// MIME type given when it was written.
    pub content_type: Option<String>,
    /// When it was written, by the backend's clock (the sweeper's grace period counts from it).
    pub stored_at: Timestamp,
}

impl BlobInfo {
    /// The description of bytes just written under `key`: what was `received`, the content
    /// type the writer gave, and the backend's time of writing.
    pub fn written(
        key: &str,
        received: Received,
        options: &PutOptions,
        stored_at: Timestamp,
    ) -> BlobInfo {
        BlobInfo {
            key: key.to_owned(),
            byte_size: received.byte_size,
            sha256: received.sha256,
            content_type: options.content_type.clone(),
            stored_at,
        }
    }

    /// The HTTP entity tag of these bytes: their SHA-256, quoted.
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.sha256)
    }
}

/// What a writer declares about the bytes it sends; a backend refuses (and does not keep) bytes
/// that contradict it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutOptions {
    /// MIME type to store with the object.
    pub content_type: Option<String>,
    /// The exact length, when known in advance.
    pub byte_size: Option<u64>,
    /// Lowercase hex SHA-256, when known in advance.
    pub sha256: Option<String>,
}

impl PutOptions {
    /// Checks the declared values' form: a SHA-256 is 64 hex digits (any case, kept lowercase).
    pub fn validated(mut self) -> Result<PutOptions> {
        if let Some(sha) = &self.sha256 {
            if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Error::validation("checksum_sha256 must be 64 hexadecimal digits"));
            }
            self.sha256 = Some(sha.to_ascii_lowercase());
        }
        if let Some(ct) = &self.content_type {
            crate::validator::check_opt_text("content_type", Some(ct))?;
        }
        Ok(self)
    }

    /// Compares what was received with what was declared: `validation_error` naming the field
    /// and both values when they differ.
    pub fn check(&self, received: &Received) -> Result<()> {
        if let Some(size) = self.byte_size
            && size != received.byte_size
        {
            return Err(Error::validation(format!(
                "byte_size mismatch: declared {size}, received {}",
                received.byte_size
            )));
        }
        if let Some(sha) = &self.sha256
            && *sha != received.sha256
        {
            return Err(Error::validation(format!(
                "checksum_sha256 mismatch: declared {sha}, received {}",
                received.sha256
            )));
        }
        Ok(())
    }

    /// Whether `so_far` bytes already exceed the declared size (a backend stops reading then).
    pub fn exceeded(&self, so_far: u64) -> Result<()> {
        match self.byte_size {
            Some(size) if so_far > size => Err(Error::validation(format!(
                "byte_size mismatch: declared {size}, received more"
            ))),
            _ => Ok(()),
        }
    }
}

/// The length and SHA-256 of bytes as they were read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// Bytes read.
    pub byte_size: u64,
    /// Lowercase hex SHA-256 of them.
    pub sha256: String,
}

/// SHA-256 and length of a stream, fed chunk by chunk as a backend writes it.
#[derive(Debug, Clone, Default)]
pub struct BlobDigest {
    hasher: Sha256,
    len: u64,
}

impl BlobDigest {
    /// An empty digest.
    pub fn new() -> BlobDigest {
        BlobDigest::default()
    }

    /// Adds a chunk.
    pub fn update(&mut self, chunk: &[u8]) {
        self.hasher.update(chunk);
        self.len += chunk.len() as u64;
    }

    /// Bytes fed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was fed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The length and hex SHA-256 of everything fed.
    pub fn finish(self) -> Received {
        Received { byte_size: self.len, sha256: hex(&self.hasher.finalize()) }
    }
}

/// A put's body as a backend reads it: every chunk is hashed and the running length held
/// against the declared size before the backend sees it, and [`CheckedBody::finish`] compares
/// the whole with what was declared, so that every backend refuses the same puts at the same
/// byte without writing the loop again.
pub struct CheckedBody<'s, 'o> {
    body: ByteStream<'s>,
    options: &'o PutOptions,
    digest: BlobDigest,
}

impl<'s, 'o> CheckedBody<'s, 'o> {
    /// `body`, to be checked against `options` as it is read.
    pub fn new(body: ByteStream<'s>, options: &'o PutOptions) -> CheckedBody<'s, 'o> {
        CheckedBody { body, options, digest: BlobDigest::new() }
    }

    /// The next chunk, hashed and counted; `None` at the end of the body. Fails with the
    /// body's own error, or when the bytes read so far exceed the declared size.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>> {
        use futures_util::StreamExt;
        let Some(chunk) = self.body.next().await else { return Ok(None) };
        let chunk = chunk?;
        self.digest.update(&chunk);
        self.options.exceeded(self.digest.len())?;
        Ok(Some(chunk))
    }

    /// Bytes read so far.
    pub fn len(&self) -> u64 {
        self.digest.len()
    }

    /// Whether nothing was read.
    pub fn is_empty(&self) -> bool {
        self.digest.is_empty()
    }

    /// The length and SHA-256 of everything read, once the body has ended; a validation error
    /// when they contradict what was declared ([`PutOptions::check`]).
    pub fn finish(self) -> Result<Received> {
        let received = self.digest.finish();
        self.options.check(&received)?;
        Ok(received)
    }
}

/// Lowercase hex SHA-256 of `bytes` at once (small objects and tests).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex of `bytes`: digests as checksums and protocols write them.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// Checks a key every backend can store as given: 1 to [`MAX_KEY_BYTES`] bytes, segments
/// separated by `/`, none empty, `.` or `..`, and no control character or backslash, so that
/// a filesystem backend maps it to a path inside its folder and nowhere else.
pub fn check_key(key: &str) -> Result<()> {
    let bad = |why: &str| Error::validation(format!("invalid artifact key {key:?}: {why}"));
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(bad("it must have 1 to 1024 bytes"));
    }
    if key.chars().any(|c| c.is_control() || c == '\\') {
        return Err(bad("control characters and backslashes are not allowed"));
    }
    if key.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
        return Err(bad("no segment between slashes may be empty, '.' or '..'"));
    }
    Ok(())
}

/// A slice of an object, as an HTTP `Range: bytes=…` header asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// From this offset to the end, or to `end` inclusive.
    From {
        /// First byte.
        start: u64,
        /// Last byte, inclusive; the end of the object when `None`.
        end: Option<u64>,
    },
    /// The last `n` bytes.
    Suffix(u64),
}

impl ByteRange {
    /// Parses one range of an HTTP `Range` header (`bytes=0-99`, `bytes=100-`, `bytes=-50`);
    /// several ranges, other units and malformed text are `validation_error`.
    pub fn parse_header(value: &str) -> Result<ByteRange> {
        let bad = || Error::validation(format!("unsupported Range header {value:?}"));
        let spec = value.trim().strip_prefix("bytes=").ok_or_else(bad)?.trim();
        if spec.contains(',') {
            return Err(bad());
        }
        let (a, b) = spec.split_once('-').ok_or_else(bad)?;
        let num = |s: &str| s.trim().parse::<u64>().map_err(|_| bad());
        match (a.trim().is_empty(), b.trim().is_empty()) {
            (true, false) => Ok(ByteRange::Suffix(num(b)?)),
            (false, true) => Ok(ByteRange::From { start: num(a)?, end: None }),
            (false, false) => {
                let (start, end) = (num(a)?, num(b)?);
                if end < start {
                    return Err(bad());
                }
                Ok(ByteRange::From { start, end: Some(end) })
            }
            (true, true) => Err(bad()),
        }
    }

    /// The offset and length this range covers in an object of `size` bytes; a range that
    /// starts past the end (or an empty suffix) is `validation_error` with
    /// [`crate::Cause::RangeNotSatisfiable`] (HTTP 416).
    pub fn resolve(self, size: u64) -> Result<(u64, u64)> {
        let unsatisfiable = || {
            Error::validation(format!("range not satisfiable for {size} bytes"))
                .with_cause(crate::Cause::RangeNotSatisfiable)
        };
        match self {
            ByteRange::From { start, end } => {
                if start >= size {
                    return Err(unsatisfiable());
                }
                let last = end.unwrap_or(u64::MAX).min(size - 1);
                Ok((start, last - start + 1))
            }
            ByteRange::Suffix(n) => {
                if n == 0 || size == 0 {
                    return Err(unsatisfiable());
                }
                let n = n.min(size);
                Ok((size - n, n))
            }
        }
    }
}

/// One stored object opened for reading: what is known of it, the part being read, and its
/// bytes.
pub struct BlobRead<'a> {
    /// The whole object's description.
    pub info: BlobInfo,
    /// The offset and length of `body` within the object (all of it without a range).
    pub span: (u64, u64),
    /// The bytes of `span`.
    pub body: ByteStream<'a>,
}

impl std::fmt::Debug for BlobRead<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobRead").field("info", &self.info).field("span", &self.span).finish()
    }
}

impl<'a> BlobRead<'a> {
    /// Reads the whole body into memory (small objects, tests, ASM's `get`).
    pub async fn into_bytes(self) -> Result<Vec<u8>> {
        use futures_util::StreamExt;
        let mut body = self.body;
        let mut out = Vec::with_capacity(self.span.1.min(1 << 24) as usize);
        while let Some(chunk) = body.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }
}

/// A body of bytes held in memory, as a stream of [`CHUNK_BYTES`] chunks.
pub fn bytes_stream<'a>(bytes: Vec<u8>) -> ByteStream<'a> {
    let chunks: Vec<Result<Vec<u8>>> = bytes.chunks(CHUNK_BYTES).map(|c| Ok(c.to_vec())).collect();
    Box::pin(futures_util::stream::iter(chunks))
}

/// `storage_error` "Artifact store <op> failed: <reason>", ASM's message for a backend failure.
pub fn store_failed(op: &str, reason: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::StorageError, format!("Artifact store {op} failed: {reason}"))
}

/// `not_found` "Artifact not found: <key>", ASM's answer to `get` of a missing key.
pub fn not_found(key: &str) -> Error {
    Error::new(ErrorCode::NotFound, format!("Artifact not found: {key}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_resolve_like_http() {
        let r = |s| ByteRange::parse_header(s).unwrap();
        assert_eq!(r("bytes=0-99").resolve(1000).unwrap(), (0, 100));
        assert_eq!(r("bytes=990-2000").resolve(1000).unwrap(), (990, 10));
        assert_eq!(r("bytes=100-").resolve(1000).unwrap(), (100, 900));
        assert_eq!(r("bytes=-50").resolve(1000).unwrap(), (950, 50));
        assert_eq!(r("bytes=-5000").resolve(1000).unwrap(), (0, 1000));
        let err = r("bytes=1000-").resolve(1000).unwrap_err();
        assert_eq!(err.cause(), Some(crate::Cause::RangeNotSatisfiable));
        for bad in ["bytes=5-1", "items=0-1", "bytes=0-1,3-4", "bytes=-", "bytes=a-b"] {
            assert!(ByteRange::parse_header(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_cannot_escape_a_folder() {
        for good in ["a", "blobs/x%2Fy/art_1", "ses_1/out.txt"] {
            check_key(good).unwrap();
        }
        for bad in ["", "/a", "a/", "a//b", "../a", "a/./b", "a\\b", "a\0b"] {
            assert!(check_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn digests_match_the_known_value() {
        let mut d = BlobDigest::new();
        d.update(b"ab");
        d.update(b"c");
        let got = d.finish();
        assert_eq!(got.byte_size, 3);
        assert_eq!(got.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(got.sha256, sha256_hex(b"abc"));
        let declared = PutOptions { sha256: Some("00".repeat(32)), ..Default::default() };
        assert!(declared.check(&got).unwrap_err().message().contains("checksum_sha256 mismatch"));
    }

    /// Runs a future that never waits (the bodies here are in memory) to its end.
    fn ready<T>(future: impl std::future::Future<Output = T>) -> T {
        use std::task::{Context, Poll, Waker};
        match std::pin::pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(value) => value,
            Poll::Pending => panic!("the future waited"),
        }
    }

    #[test]
    fn checked_bodies_stop_past_the_declared_size_and_compare_at_the_end() {
        let bytes = vec![7u8; CHUNK_BYTES + 10];
        let declared = PutOptions { byte_size: Some(CHUNK_BYTES as u64), ..Default::default() };
        let mut body = CheckedBody::new(bytes_stream(bytes.clone()), &declared);
        assert_eq!(ready(body.next_chunk()).unwrap().map(|c| c.len()), Some(CHUNK_BYTES));
        let err = ready(body.next_chunk()).unwrap_err();
        assert_eq!(
            err.message(),
            format!("byte_size mismatch: declared {CHUNK_BYTES}, received more")
        );

        let declared = PutOptions { sha256: Some(sha256_hex(&bytes)), ..Default::default() };
        let mut body = CheckedBody::new(bytes_stream(bytes.clone()), &declared);
        let mut read = Vec::new();
        while let Some(chunk) = ready(body.next_chunk()).unwrap() {
            read.extend_from_slice(&chunk);
        }
        assert_eq!((read.len() as u64, body.len()), (bytes.len() as u64, bytes.len() as u64));
        assert_eq!(body.finish().unwrap().sha256, sha256_hex(&bytes));

        let declared = PutOptions { byte_size: Some(5), ..Default::default() };
        let body = CheckedBody::new(bytes_stream(b"abc".to_vec()), &declared);
        assert!(body.is_empty());
        let err = body.finish().unwrap_err();
        assert_eq!(err.message(), "byte_size mismatch: declared 5, received 0");
    }
}
