//! [`FsArtifactStore`]: artifact bytes in a folder of the local filesystem.
//!
//! Layout (`docs/artifacts.md`): the key `a/b/c` is the file `<root>/@a/@b/c`. Every key
//! segment is percent-encoded (all but `A–Z a–z 0–9 - _ .`, and a leading `.`), a directory
//! gets an `@` in front, so the object `a` and the objects under `a/` never want the same
//! path, and temporary files (`.tmp-<random>`) never look like an object.
//!
//! An object file holds the bytes followed by a trailer — the JSON metadata (SHA-256, content
//! type, when it was stored), its length (u32, little-endian) and the magic `ASMB` — so one
//! atomic rename publishes the bytes and their metadata together (a sidecar file would need a
//! second rename, and a crash between the two would pair bytes with another object's
//! checksum), and `head`/`list` read a few hundred bytes at the end instead of hashing.
//!
//! The calls are blocking filesystem calls inside the `async fn`s: the native host runs them
//! on the caller's thread, one chunk at a time, as its SQLite executor does.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use asm_core::blob::{
    BlobInfo, BlobRead, ByteRange, ByteStream, CHUNK_BYTES, CheckedBody, PutOptions, check_key,
    not_found, store_failed,
};
use asm_core::ports::ArtifactStore;
use asm_core::{Env, Error, Result, Timestamp};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// The last bytes of every object file.
const MAGIC: &[u8; 4] = b"ASMB";
/// Length field and magic.
const FOOTER: u64 = 8;
/// The longest trailer accepted when reading (a content type is short).
const MAX_TRAILER: u64 = 64 * 1024;
/// The longest file name most filesystems allow.
const MAX_NAME: usize = 255;

/// A folder of artifact objects (backend name `file`).
#[derive(Debug, Clone)]
pub struct FsArtifactStore {
    root: PathBuf,
    env: Env,
}

impl FsArtifactStore {
    /// The store in folder `root` (created when missing), stamping objects with `env`'s clock.
    pub fn new(root: impl Into<PathBuf>, env: Env) -> Result<FsArtifactStore> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(|e| store_failed("open", io_reason(&root, &e)))?;
        Ok(FsArtifactStore { root, env })
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of `key` (checked with [`check_key`] first).
    fn path_of(&self, key: &str) -> Result<PathBuf> {
        check_key(key)?;
        let segments: Vec<&str> = key.split('/').collect();
        let mut path = self.root.clone();
        for (i, segment) in segments.iter().enumerate() {
            let name = encode(segment);
            let name = if i + 1 < segments.len() { format!("@{name}") } else { name };
            if name.len() > MAX_NAME {
                return Err(Error::validation(format!(
                    "invalid artifact key {key:?}: a segment is too long for the file backend"
                )));
            }
            path.push(name);
        }
        Ok(path)
    }

    /// Writes `body` to a temporary file beside `path`, checks it, and renames it into place.
    async fn write(
        &self,
        key: &str,
        path: &Path,
        body: ByteStream<'_>,
        options: &PutOptions,
    ) -> Result<BlobInfo> {
        let dir = path.parent().unwrap_or(&self.root);
        let (tmp_path, mut file) = temp_file(dir)?;
        let mut tmp = TempGuard(Some(tmp_path));
        let fail = |e: io::Error| store_failed("put", io_reason(path, &e));
        let mut body = CheckedBody::new(body, options);
        while let Some(chunk) = body.next_chunk().await? {
            file.write_all(&chunk).map_err(fail)?;
        }
        let received = body.finish()?;
        let info = BlobInfo::written(key, received, options, self.env.now());
        file.write_all(&trailer(&info)).map_err(fail)?;
        file.sync_all().map_err(fail)?;
        drop(file);
        let tmp_path = tmp.0.take().unwrap_or_default();
        if let Err(e) = fs::rename(&tmp_path, path) {
            tmp.0 = Some(tmp_path);
            return Err(fail(e));
        }
        // The rename is durable once the directory is.
        File::open(dir).and_then(|d| d.sync_all()).map_err(fail)?;
        Ok(info)
    }

    /// Removes the empty directories from `path`'s parent up to (not including) the root.
    fn prune_dirs(&self, path: &Path) {
        let mut dir = path.parent();
        while let Some(d) = dir {
            if d == self.root || fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }

    /// Appends to `out` the objects under `dir` (whose keys start with `base`), in key order.
    fn walk(
        &self,
        dir: &Path,
        base: &str,
        q: &ListQuery<'_>,
        out: &mut Vec<BlobInfo>,
    ) -> Result<()> {
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(store_failed("list", io_reason(dir, &e))),
        };
        let mut children: Vec<(String, bool, PathBuf)> = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| store_failed("list", io_reason(dir, &e)))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let (segment, is_dir) = match name.strip_prefix('@') {
                Some(rest) => (decode(rest), true),
                None if name.starts_with('.') => continue,
                None => (decode(name), false),
            };
            let Some(segment) = segment else { continue };
            // A directory's keys all start with `<segment>/`: sorting by that puts them
            // exactly where byte order of the keys does.
            let sort =
                if is_dir { format!("{base}{segment}/") } else { format!("{base}{segment}") };
            children.push((sort, is_dir, entry.path()));
        }
        children.sort_by(|a, b| a.0.cmp(&b.0));
        for (key, is_dir, path) in children {
            if out.len() >= q.limit {
                break;
            }
            if is_dir {
                let overlaps = key.starts_with(q.prefix) || q.prefix.starts_with(&key);
                // Every key under `key` sorts before `after` when `after` is past them all.
                let passed = q.after.is_some_and(|a| a > key.as_str() && !a.starts_with(&key));
                if overlaps && !passed {
                    self.walk(&path, &key, q, out)?;
                }
            } else if key.starts_with(q.prefix) && q.after.is_none_or(|a| key.as_str() > a) {
                match read_info(&path, &key) {
                    Ok(Some(info)) => out.push(info),
                    // Deleted since the directory was read.
                    Ok(None) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }
}

/// What `list` asks for.
struct ListQuery<'a> {
    prefix: &'a str,
    after: Option<&'a str>,
    limit: usize,
}

impl ArtifactStore for FsArtifactStore {
    fn backend(&self) -> &str {
        "file"
    }

    async fn put(&self, key: &str, body: ByteStream<'_>, options: &PutOptions) -> Result<BlobInfo> {
        let path = self.path_of(key)?;
        self.write(key, &path, body, options).await
    }

    async fn get(&self, key: &str, range: Option<ByteRange>) -> Result<BlobRead<'_>> {
        let path = self.path_of(key)?;
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if gone(&e) => return Err(not_found(key)),
            Err(e) => return Err(store_failed("get", io_reason(&path, &e))),
        };
        let info = read_trailer(&mut file, key).map_err(|e| store_failed("get", e))?;
        let span = match range {
            Some(range) => range.resolve(info.byte_size)?,
            None => (0, info.byte_size),
        };
        file.seek(SeekFrom::Start(span.0))
            .map_err(|e| store_failed("get", io_reason(&path, &e)))?;
        let body =
            futures::stream::unfold((file, span.1, path), |(mut file, left, path)| async move {
                if left == 0 {
                    return None;
                }
                let mut chunk = vec![0; left.min(CHUNK_BYTES as u64) as usize];
                match file.read_exact(&mut chunk) {
                    Ok(()) => {
                        let left = left - chunk.len() as u64;
                        Some((Ok(chunk), (file, left, path)))
                    }
                    Err(e) => {
                        Some((Err(store_failed("get", io_reason(&path, &e))), (file, 0, path)))
                    }
                }
            });
        Ok(BlobRead { info, span, body: Box::pin(body) })
    }

    async fn head(&self, key: &str) -> Result<Option<BlobInfo>> {
        match self.path_of(key) {
            Ok(path) => read_info(&path, key),
            // A key no backend can store is not stored.
            Err(_) => Ok(None),
        }
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let path = self.path_of(key)?;
        match fs::remove_file(&path) {
            Ok(()) => {
                self.prune_dirs(&path);
                Ok(())
            }
            Err(e) if gone(&e) => Ok(()),
            Err(e) => Err(store_failed("delete", io_reason(&path, &e))),
        }
    }

    async fn list(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<BlobInfo>> {
        let mut out = Vec::new();
        if limit > 0 {
            self.walk(&self.root, "", &ListQuery { prefix, after, limit }, &mut out)?;
        }
        Ok(out)
    }
}

/// Deletes the temporary file it holds when dropped (a failed or refused put keeps nothing).
struct TempGuard(Option<PathBuf>);

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = fs::remove_file(path);
        }
    }
}

/// A new file `.tmp-<random>` in `dir` (created when missing; again if a delete removed it
/// as it became empty).
fn temp_file(dir: &Path) -> Result<(PathBuf, File)> {
    let mut last = None;
    for _ in 0..3 {
        fs::create_dir_all(dir).map_err(|e| store_failed("put", io_reason(dir, &e)))?;
        let mut random = [0u8; 12];
        getrandom::fill(&mut random).map_err(|e| store_failed("put", e))?;
        let name: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let path = dir.join(format!(".tmp-{name}"));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) => last = Some(io_reason(&path, &e)),
        }
    }
    Err(store_failed("put", last.unwrap_or_default()))
}

/// The trailer written after the bytes.
fn trailer(info: &BlobInfo) -> Vec<u8> {
    let meta = serde_json::json!({
        "sha256": info.sha256,
        "content_type": info.content_type,
        "stored_at_us": info.stored_at.as_micros(),
    });
    let mut out = serde_json::to_vec(&meta).unwrap_or_default();
    let len = out.len() as u32;
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(MAGIC);
    out
}

/// The metadata of the object file at `path`, `None` when there is none.
fn read_info(path: &Path, key: &str) -> Result<Option<BlobInfo>> {
    match File::open(path) {
        Ok(mut file) => read_trailer(&mut file, key).map(Some).map_err(|e| store_failed("head", e)),
        Err(e) if gone(&e) => Ok(None),
        Err(e) => Err(store_failed("head", io_reason(path, &e))),
    }
}

/// Reads and checks an object file's trailer.
fn read_trailer(file: &mut File, key: &str) -> std::result::Result<BlobInfo, String> {
    let corrupt = |why: &str| format!("object {key} is not an artifact file ({why})");
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    if len < FOOTER {
        return Err(corrupt("too short"));
    }
    let mut footer = [0u8; FOOTER as usize];
    file.seek(SeekFrom::Start(len - FOOTER)).map_err(|e| e.to_string())?;
    file.read_exact(&mut footer).map_err(|e| e.to_string())?;
    if &footer[4..] != MAGIC {
        return Err(corrupt("no trailer"));
    }
    let meta_len = u64::from(u32::from_le_bytes([footer[0], footer[1], footer[2], footer[3]]));
    if meta_len > MAX_TRAILER || meta_len + FOOTER > len {
        return Err(corrupt("bad trailer length"));
    }
    let mut meta = vec![0u8; meta_len as usize];
    file.seek(SeekFrom::Start(len - FOOTER - meta_len)).map_err(|e| e.to_string())?;
    file.read_exact(&mut meta).map_err(|e| e.to_string())?;
    let meta: serde_json::Value = serde_json::from_slice(&meta).map_err(|_| corrupt("bad JSON"))?;
    let sha256 = meta["sha256"].as_str().ok_or_else(|| corrupt("no sha256"))?.to_owned();
    let stored_at = meta["stored_at_us"].as_i64().ok_or_else(|| corrupt("no stored_at_us"))?;
    Ok(BlobInfo {
        key: key.to_owned(),
        byte_size: len - FOOTER - meta_len,
        sha256,
        content_type: meta["content_type"].as_str().map(str::to_owned),
        stored_at: Timestamp::from_micros(stored_at),
    })
}

/// Whether an IO error means the object (or a directory on its way) is not there.
fn gone(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory)
}

fn io_reason(path: &Path, e: &io::Error) -> String {
    format!("{}: {e}", path.display())
}

/// What [`encode`] escapes: all but `A–Z a–z 0–9 - _ .`.
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');

/// A segment as a file name: `A–Z a–z 0–9 - _ .` kept (but a leading `.`), the rest `%XX`.
fn encode(segment: &str) -> String {
    match segment.strip_prefix('.') {
        Some(rest) => format!("%2E{}", utf8_percent_encode(rest, ESCAPED)),
        None => utf8_percent_encode(segment, ESCAPED).to_string(),
    }
}

/// The segment of a name [`encode`] made; `None` for any other name (a file someone else put
/// in the folder is not an object).
fn decode(name: &str) -> Option<String> {
    let segment = percent_decode_str(name).decode_utf8().ok()?.into_owned();
    (encode(&segment) == name).then_some(segment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_never_look_like_directories_or_temporaries() {
        for segment in ["a", "out.txt", ".hidden", "@x", "%41", "é ü", "a~b", "tmp-1"] {
            let name = encode(segment);
            assert!(!name.starts_with('@') && !name.starts_with('.'), "{segment} → {name}");
            assert_eq!(decode(&name).as_deref(), Some(segment));
        }
        for foreign in ["%2e", "a%zz", "%41", "a b"] {
            assert_eq!(decode(foreign), None, "{foreign}");
        }
    }
}
