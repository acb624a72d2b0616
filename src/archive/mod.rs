//! Archives of pruned and hard-deleted events: RetentionPolicy's `archive_before_prune` and
//! `archive_store`, which ASM validates but never uses (docs/artifacts.md "Archive before
//! prune").
//!
//! An archive is two objects in an [`ArtifactStore`], under the policy's `archive_store` as a
//! key prefix: the events of one session and one maintenance step as gzip-compressed JSON lines
//! (`Event::to_map`, ascending sequence number), then a small JSON [`ArchiveManifest`] naming
//! the body, its SHA-256, the session, the sequence range, the count and why the events went;
//! a hard delete's manifest also holds the session row and its runs. The manifest is written
//! after the body, so a manifest always describes a complete body; [`import`] reads only
//! archives that have one.

mod gzip;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::blob::{PutOptions, bytes_stream, check_key, sha256_hex};
use crate::error::{Error, ErrorCode, Result};
use crate::event::Event;
use crate::ports::{ArchiveAccess, ArtifactStore, Restored};
use crate::run::Run;
use crate::session::Session;
use crate::time::Timestamp;

/// The `format` of every manifest this version writes.
pub const FORMAT: &str = "asm-archive/1";

/// The ending of a manifest's key; its body's key ends in [`BODY_SUFFIX`] instead.
pub const MANIFEST_SUFFIX: &str = ".manifest.json";

/// The ending of a body's key.
pub const BODY_SUFFIX: &str = ".jsonl.gz";

/// Objects listed per page while importing.
const LIST_PAGE: usize = 500;

/// Which maintenance step removed the archived events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArchiveReason {
    /// `max_events_per_session` pruning.
    Prune,
    /// Hard delete of a session soft-deleted long enough ago.
    HardDelete,
}

impl ArchiveReason {
    /// The name used in keys and manifests.
    pub fn as_str(self) -> &'static str {
        match self {
            ArchiveReason::Prune => "prune",
            ArchiveReason::HardDelete => "hard_delete",
        }
    }
}

/// What an archive holds, written after its body; an import checks the body against it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArchiveManifest {
    /// [`FORMAT`].
    pub format: String,
    /// The session whose events these are.
    pub session_id: String,
    /// Why they were removed.
    pub reason: ArchiveReason,
    /// Lowest sequence number in the body (0 for a hard delete of a session without events).
    pub first_sequence: i64,
    /// Highest sequence number in the body.
    pub last_sequence: i64,
    /// Events in the body (lines).
    pub count: u64,
    /// The body's key in the same store.
    pub body_key: String,
    /// The compressed body's length in bytes.
    pub byte_size: u64,
    /// Lowercase hex SHA-256 of the compressed body.
    pub sha256: String,
    /// When the archive was written, from the host's clock (ISO-8601).
    pub created_at: String,
    /// A hard delete's session row (`Session::to_map`), restored before its events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Value>,
    /// A hard delete's runs (`Run::to_map`), restored before its events.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<Value>,
}

/// Where one archive's objects go: `<prefix>/<session>/<first>-<last>-<reason>` plus
/// [`BODY_SUFFIX`] or [`MANIFEST_SUFFIX`], numbers zero-padded to 20 digits so that key order
/// is sequence order, and the session id percent-encoded into one safe key segment.
pub fn archive_keys(
    prefix: &str,
    session_id: &str,
    first: i64,
    last: i64,
    reason: ArchiveReason,
) -> (String, String) {
    let base =
        format!("{}{first:020}-{last:020}-{}", session_prefix(prefix, session_id), reason.as_str());
    (format!("{base}{BODY_SUFFIX}"), format!("{base}{MANIFEST_SUFFIX}"))
}

/// The key prefix of one session's archives: `<prefix>/<encoded session id>/`.
pub fn session_prefix(prefix: &str, session_id: &str) -> String {
    format!("{}{}/", folder(prefix), encode_segment(session_id))
}

/// `prefix` with exactly one trailing slash.
fn folder(prefix: &str) -> String {
    format!("{}/", prefix.trim_end_matches('/'))
}

/// A session id as one key segment: letters, digits, `_` and `-` as they are, every other
/// byte as `%XX`, so no id can add a segment or be `.`/`..`.
fn encode_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::InternalError, format!("archive encoding failed: {e}"))
}

/// The body of an archive: one `Event::to_map` JSON object per line, gzip-compressed.
pub fn encode_body(events: &[Event]) -> Result<Vec<u8>> {
    let mut lines = Vec::new();
    for event in events {
        serde_json::to_writer(&mut lines, &event.to_map()).map_err(internal)?;
        lines.push(b'\n');
    }
    Ok(gzip::compress(&lines))
}

/// The events of a body [`encode_body`] wrote; anything else is `validation_error`.
pub fn decode_body(body: &[u8]) -> Result<Vec<Event>> {
    let text = gzip::decompress(body)
        .and_then(|bytes| String::from_utf8(bytes).map_err(|_| "the data is not UTF-8".into()))
        .map_err(|e| Error::validation(format!("archive body is not gzip-compressed text: {e}")))?;
    text.lines()
        .filter(|line| !line.is_empty())
        .map(|line| {
            let value: Value = serde_json::from_str(line)
                .map_err(|e| Error::validation(format!("archive line is not JSON: {e}")))?;
            Event::from_map(&value)
        })
        .collect()
}

/// What [`write_archive`] stores: one session's removed events (and, for a hard delete, its row
/// and runs).
#[derive(Debug, Clone, Copy)]
pub struct ArchiveContent<'a> {
    /// The session.
    pub session_id: &'a str,
    /// Why the events go.
    pub reason: ArchiveReason,
    /// The events, ascending sequence number.
    pub events: &'a [Event],
    /// A hard delete's session row.
    pub session: Option<&'a Session>,
    /// A hard delete's runs.
    pub runs: &'a [Run],
}

/// Writes one archive under `prefix`: the body (its length and SHA-256 declared, so the store
/// keeps nothing that differs), then the manifest. Returns the manifest once both are stored;
/// an error means the events must not be deleted.
pub async fn write_archive<A: ArtifactStore>(
    blobs: &A,
    prefix: &str,
    content: ArchiveContent<'_>,
    now: Timestamp,
) -> Result<ArchiveManifest> {
    let seqs = content.events.iter().filter_map(|e| e.sequence_number);
    let first = seqs.clone().min().unwrap_or(0);
    let last = seqs.max().unwrap_or(0);
    let (body_key, manifest_key) =
        archive_keys(prefix, content.session_id, first, last, content.reason);
    check_key(&manifest_key)?;
    let body = encode_body(content.events)?;
    let manifest = ArchiveManifest {
        format: FORMAT.to_owned(),
        session_id: content.session_id.to_owned(),
        reason: content.reason,
        first_sequence: first,
        last_sequence: last,
        count: content.events.len() as u64,
        body_key: body_key.clone(),
        byte_size: body.len() as u64,
        sha256: sha256_hex(&body),
        created_at: now.to_iso8601(),
        session: content.session.map(Session::to_map),
        runs: content.runs.iter().map(Run::to_map).collect(),
    };
    let declared = PutOptions {
        content_type: Some("application/gzip".to_owned()),
        byte_size: Some(manifest.byte_size),
        sha256: Some(manifest.sha256.clone()),
    };
    blobs.put(&body_key, bytes_stream(body), &declared).await?;
    let text = serde_json::to_vec(&manifest).map_err(internal)?;
    let declared = PutOptions {
        content_type: Some("application/json".to_owned()),
        byte_size: Some(text.len() as u64),
        sha256: Some(sha256_hex(&text)),
    };
    blobs.put(&manifest_key, bytes_stream(text), &declared).await?;
    Ok(manifest)
}

/// What [`import`] did.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Manifests found under the prefix.
    pub archives: u64,
    /// Archives whose body matched its manifest and whose rows were written (or already there).
    pub imported: u64,
    /// Rows written back (rows already stored are not counted: a second import adds nothing).
    pub restored: Restored,
    /// Events of the imported archives already stored with the same id, session and number.
    pub already_present: u64,
    /// Each archive that could not be imported, by its manifest key, and why: nothing of it was
    /// written (a body that does not match its manifest's SHA-256 is `storage_error`).
    pub failed: Vec<(String, Error)>,
}

/// The archive of one manifest, read and checked.
struct Loaded {
    manifest: ArchiveManifest,
    session: Option<Session>,
    runs: Vec<Run>,
    events: Vec<Event>,
}

/// Reads the manifest at `key` and its body, and checks the body against it: its SHA-256 and
/// length, then its events' count, session and sequence range.
async fn load<A: ArtifactStore>(blobs: &A, key: &str) -> Result<Loaded> {
    let bad = |why: String| Error::new(ErrorCode::StorageError, format!("archive {key}: {why}"));
    let text = blobs.get_bytes(key).await?;
    let manifest: ArchiveManifest = crate::json::from_bytes(&text)
        .map_err(|e| bad(format!("the manifest is not an archive manifest: {e}")))?;
    if manifest.format != FORMAT {
        return Err(bad(format!("unknown format {:?} (expected {FORMAT})", manifest.format)));
    }
    let body = blobs.get_bytes(&manifest.body_key).await?;
    let sha = sha256_hex(&body);
    if sha != manifest.sha256 || body.len() as u64 != manifest.byte_size {
        return Err(bad(format!(
            "SHA-256 mismatch: the manifest says {} ({} bytes), the body {} is {sha} ({} bytes)",
            manifest.sha256,
            manifest.byte_size,
            manifest.body_key,
            body.len()
        )));
    }
    let events = decode_body(&body).map_err(|e| bad(e.message().to_owned()))?;
    let seqs: Vec<i64> = events.iter().filter_map(|e| e.sequence_number).collect();
    let range = (seqs.iter().copied().min().unwrap_or(0), seqs.iter().copied().max().unwrap_or(0));
    if events.len() as u64 != manifest.count
        || range != (manifest.first_sequence, manifest.last_sequence)
    {
        return Err(bad(format!(
            "the body holds {} events numbered {}..{}, the manifest says {} numbered {}..{}",
            events.len(),
            range.0,
            range.1,
            manifest.count,
            manifest.first_sequence,
            manifest.last_sequence
        )));
    }
    let session = manifest.session.as_ref().map(Session::from_map).transpose()?;
    let runs = manifest.runs.iter().map(Run::from_map).collect::<Result<Vec<_>>>()?;
    Ok(Loaded { manifest, session, runs, events })
}

/// The checks every restore makes before writing: the rows belong to `session_id`, every
/// event has a sequence number ≥ 1, and no id or number repeats.
pub fn check_restore_input(
    session_id: &str,
    session: Option<&Session>,
    runs: &[Run],
    events: &[Event],
) -> Result<()> {
    let other = |what: &str, id: &str, of: &str| {
        Error::validation(format!("{what} {id} belongs to session {of}, not {session_id}"))
    };
    if let Some(s) = session.filter(|s| s.id != session_id) {
        return Err(other("session row", &s.id, &s.id));
    }
    if let Some(s) = session {
        crate::validator::validate_session(s)?;
    }
    for run in runs {
        if run.session_id != session_id {
            return Err(other("run", &run.id, &run.session_id));
        }
        crate::validator::validate_run(run)?;
    }
    let (mut ids, mut seqs) = (std::collections::HashSet::new(), std::collections::HashSet::new());
    for event in events {
        if event.session_id != session_id {
            return Err(other("event", &event.id, &event.session_id));
        }
        crate::validator::validate_event(event)?;
        let seq = event.sequence_number.filter(|n| *n >= 1).ok_or_else(|| {
            Error::validation(format!("event {} has no sequence number", event.id))
        })?;
        if !ids.insert(event.id.as_str()) || !seqs.insert(seq) {
            return Err(Error::validation(format!(
                "event {} (number {seq}) repeats an id or a number of the archive",
                event.id
            )));
        }
    }
    Ok(())
}

/// Restores the archives under `prefix` (all sessions, or only `session_id`) into `store`:
/// every hard delete's session row and runs first, then the events with their original
/// sequence numbers. Idempotent by id: rows already stored are left as they are, so a second
/// import changes nothing. Each archive is checked whole before anything of it is written; one
/// that fails (its body's SHA-256 differs from its manifest, say) is listed in
/// [`ImportReport::failed`] and the others still import. Fails only when the store of archives
/// cannot be listed.
pub async fn import<S: ArchiveAccess, A: ArtifactStore>(
    store: &S,
    blobs: &A,
    prefix: &str,
    session_id: Option<&str>,
) -> Result<ImportReport> {
    let scan = match session_id {
        Some(id) => session_prefix(prefix, id),
        None => folder(prefix),
    };
    let mut manifests = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = blobs.list(&scan, after.as_deref(), LIST_PAGE).await?;
        let full = page.len() == LIST_PAGE;
        after = page.last().map(|info| info.key.clone());
        manifests
            .extend(page.into_iter().map(|info| info.key).filter(|k| k.ends_with(MANIFEST_SUFFIX)));
        if !full {
            break;
        }
    }
    // Hard deletes first (they bring the session row back), then in key order.
    let hard = format!("-{}{MANIFEST_SUFFIX}", ArchiveReason::HardDelete.as_str());
    manifests.sort_by_key(|k| (!k.ends_with(&hard), k.clone()));
    let mut report = ImportReport { archives: manifests.len() as u64, ..Default::default() };
    for key in manifests {
        let outcome = async {
            let a = load(blobs, &key).await?;
            let session_id = a.manifest.session_id.as_str();
            store
                .restore_archived(session_id, a.session.as_ref(), &a.runs, &a.events)
                .await
                .map(|r| (r, a.events.len() as u64))
        }
        .await;
        match outcome {
            Ok((r, count)) => {
                report.imported += 1;
                report.restored.sessions += r.sessions;
                report.restored.runs += r.runs;
                report.restored.events += r.events;
                report.already_present += count - r.events;
            }
            Err(e) => report.failed.push((key, e)),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::NewEvent;
    use crate::id::{Env, SeededIds};
    use crate::time::SteppingClock;
    use std::sync::Arc;

    #[test]
    fn keys_are_one_segment_per_session_in_sequence_order() {
        let (body, manifest) = archive_keys("arch/", "ses/../x y", 7, 12, ArchiveReason::Prune);
        assert_eq!(
            body,
            "arch/ses%2F%2E%2E%2Fx%20y/00000000000000000007-00000000000000000012-prune.jsonl.gz"
        );
        assert!(manifest.ends_with("-prune.manifest.json"));
        check_key(&body).unwrap();
        let (a, _) = archive_keys("p", "s", 9, 9, ArchiveReason::HardDelete);
        let (b, _) = archive_keys("p", "s", 10, 10, ArchiveReason::HardDelete);
        assert!(a < b);
    }

    #[test]
    fn bodies_round_trip_and_refuse_other_bytes() {
        let env = Env::new(
            Arc::new(SteppingClock::new(Timestamp::from_micros(1_737_979_200_123_456), 1)),
            Arc::new(SeededIds::new(1)),
        );
        let mut event = Event::new(
            NewEvent { id: Some("e1".into()), ..NewEvent::of(crate::EventType::MessageSent, "s") },
            &env,
        )
        .unwrap();
        event.sequence_number = Some(4);
        event.data.insert("text".into(), Value::from("line one\nline two"));
        let body = encode_body(std::slice::from_ref(&event)).unwrap();
        assert_eq!(decode_body(&body).unwrap(), vec![event]);
        assert!(decode_body(b"not gzip").is_err());
    }
}
