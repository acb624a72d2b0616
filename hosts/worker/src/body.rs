//! The request body, counted while it is read: a body without a `Content-Length` (chunked
//! transfer encoding) is refused with 413 as soon as it passes the limit, so the Worker never
//! holds more than the limit in memory, whatever the client sends.

use asm_core::Error;
use futures_util::{Stream, StreamExt};

use crate::errors::too_large_unsized;

/// Collects `chunks` into one body of at most `limit` bytes. The chunk that would pass the limit
/// is not kept and nothing after it is read: the answer is 413 (`validation_error`, reason
/// `payload_too_large`). A chunk that fails to arrive is a 400.
pub async fn read_limited<S, E>(chunks: S, limit: usize) -> Result<Vec<u8>, Error>
where
    S: Stream<Item = Result<Vec<u8>, E>>,
    E: std::fmt::Display,
{
    let mut chunks = std::pin::pin!(chunks);
    let mut body = Vec::new();
    while let Some(chunk) = chunks.next().await {
        let chunk =
            chunk.map_err(|e| Error::validation(format!("request body could not be read: {e}")))?;
        if chunk.len() > limit - body.len() {
            return Err(too_large_unsized(limit, "the request body limit"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The body of a Workers request, read as a stream through [`read_limited`]; a request without a
/// body stream (no body at all) is the empty body.
#[cfg(target_arch = "wasm32")]
pub async fn read_request(req: &mut worker::Request, limit: usize) -> Result<Vec<u8>, Error> {
    if req.inner().body().is_none() {
        return Ok(Vec::new());
    }
    let stream = req
        .stream()
        .map_err(|e| Error::validation(format!("request body could not be read: {e}")))?;
    read_limited(stream, limit).await
}

/// Runs a future that never waits (in-memory chunks, the in-memory store) to its end: the
/// native tests need no executor.
#[cfg(test)]
pub(crate) fn ready<T>(future: impl std::future::Future<Output = T>) -> T {
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(future);
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("the future waited: only futures that never wait run here"),
    }
}

#[cfg(test)]
mod tests {
    use asm_core::ErrorCode;
    use futures_util::stream;

    use super::*;
    use crate::errors::status_of;

    fn read(chunks: &[&[u8]], limit: usize) -> Result<Vec<u8>, Error> {
        let items = chunks.iter().map(|c| Ok::<_, String>(c.to_vec())).collect::<Vec<_>>();
        ready(read_limited(stream::iter(items), limit))
    }

    #[test]
    fn a_body_up_to_the_limit_is_read_whole() {
        assert_eq!(read(&[b"ab", b"", b"cd"], 4).unwrap(), b"abcd");
        assert_eq!(read(&[], 0).unwrap(), b"");
        assert_eq!(read(&[b"abc"], 10).unwrap(), b"abc");
    }

    #[test]
    fn one_byte_past_the_limit_is_413_and_the_rest_is_not_read() {
        let e = read(&[b"ab", b"cd", b"e"], 4).unwrap_err();
        assert_eq!((e.code(), status_of(&e)), (ErrorCode::ValidationError, 413));
        assert_eq!(e.details()["reason"], "payload_too_large");
        assert_eq!(e.details()["limit_bytes"], 4);
        let mut pulled = 0;
        let chunks = stream::iter((0..1_000).map(|_| Ok::<_, String>(vec![0u8; 100])))
            .inspect(|_| pulled += 1);
        assert!(ready(read_limited(chunks, 250)).is_err());
        assert_eq!(pulled, 3, "reading stops at the chunk that passes the limit");
    }

    #[test]
    fn a_chunk_that_fails_is_a_validation_error() {
        let chunks = stream::iter([Ok(b"ab".to_vec()), Err("connection reset")]);
        let e = ready(read_limited(chunks, 10)).unwrap_err();
        assert_eq!((e.code(), status_of(&e)), (ErrorCode::ValidationError, 400));
    }
}
