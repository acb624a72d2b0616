//! [`MemoryArtifactStore`]: artifact bytes in memory, for browsers without storage, tests, and
//! as the reference the other backends are compared with.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::blob::{
    BlobInfo, BlobRead, ByteRange, ByteStream, CHUNK_BYTES, CheckedBody, PutOptions, check_key,
    not_found,
};
use crate::error::Result;
use crate::id::Env;
use crate::ports::ArtifactStore;

/// Each object by key: its description and its bytes (shared, so a read holds no lock).
type Objects = BTreeMap<String, (BlobInfo, Arc<Vec<u8>>)>;

/// Objects in a map behind a mutex; each one is kept whole.
#[derive(Debug)]
pub struct MemoryArtifactStore {
    env: Env,
    objects: Mutex<Objects>,
}

impl MemoryArtifactStore {
    /// An empty store stamping objects with `env`'s clock.
    pub fn new(env: Env) -> MemoryArtifactStore {
        MemoryArtifactStore { env, objects: Mutex::default() }
    }

    fn objects(&self) -> std::sync::MutexGuard<'_, Objects> {
        self.objects.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ArtifactStore for MemoryArtifactStore {
    fn backend(&self) -> &str {
        "memory"
    }

    async fn put(&self, key: &str, body: ByteStream<'_>, options: &PutOptions) -> Result<BlobInfo> {
        check_key(key)?;
        let mut body = CheckedBody::new(body, options);
        let mut bytes = Vec::new();
        while let Some(chunk) = body.next_chunk().await? {
            bytes.extend_from_slice(&chunk);
        }
        let received = body.finish()?;
        let info = BlobInfo::written(key, received, options, self.env.now());
        self.objects().insert(key.to_owned(), (info.clone(), Arc::new(bytes)));
        Ok(info)
    }

    async fn get(&self, key: &str, range: Option<ByteRange>) -> Result<BlobRead<'_>> {
        let Some((info, bytes)) = self.objects().get(key).cloned() else {
            return Err(not_found(key));
        };
        let span = match range {
            Some(range) => range.resolve(info.byte_size)?,
            None => (0, info.byte_size),
        };
        let (start, len) = (span.0 as usize, span.1 as usize);
        let chunks: Vec<Result<Vec<u8>>> =
            bytes[start..start + len].chunks(CHUNK_BYTES).map(|c| Ok(c.to_vec())).collect();
        Ok(BlobRead { info, span, body: Box::pin(futures_util::stream::iter(chunks)) })
    }

    async fn head(&self, key: &str) -> Result<Option<BlobInfo>> {
        Ok(self.objects().get(key).map(|(info, _)| info.clone()))
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.objects().remove(key);
        Ok(())
    }

    async fn list(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<BlobInfo>> {
        let objects = self.objects();
        Ok(objects
            .range(after.unwrap_or("").to_owned()..)
            .filter(|(k, _)| after.is_none_or(|a| k.as_str() > a) && k.starts_with(prefix))
            .take(limit)
            .map(|(_, (info, _))| info.clone())
            .collect())
    }
}
