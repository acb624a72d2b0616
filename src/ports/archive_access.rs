//! What archiving before pruning needs from a session store beyond ASM's ports: the candidates
//! of prune and hard delete, a session read whole, deletes of exactly what was archived, and
//! restores that keep sequence numbers. Not an ASM port; the memory and SQL stores implement it.

use crate::error::Result;
use crate::event::Event;
use crate::retention::RetentionPolicy;
use crate::run::Run;
use crate::session::Session;
use crate::time::Timestamp;

/// One session as archiving reads it: its row (soft-deleted or not, if there is one), its runs
/// and its events in ascending sequence order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionSnapshot {
    /// The session row; `None` for events of a session that was never saved.
    pub session: Option<Session>,
    /// Its runs, by `started_at` then id.
    pub runs: Vec<Run>,
    /// Its events, ascending sequence number.
    pub events: Vec<Event>,
}

/// What [`ArchiveAccess::remove_archived`] removes from one session, in one atomic batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal<'a> {
    /// Pruning: exactly these events, nothing else.
    Events(&'a [String]),
    /// Hard delete: these events and runs (only while the session is still soft-deleted), then,
    /// when none of its events or runs is left, its artifact rows, sequence counter and row.
    /// An event or run written after the archive was read keeps the session for the next run.
    Session {
        /// The archived events.
        events: &'a [String],
        /// The archived runs.
        runs: &'a [String],
    },
}

/// What [`ArchiveAccess::remove_archived`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    /// Events deleted.
    pub events: u64,
    /// Whether the session row went too (hard delete only).
    pub session: bool,
}

/// What [`ArchiveAccess::restore_archived`] wrote back: only rows whose id was not stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Restored {
    /// Session rows inserted.
    pub sessions: u64,
    /// Runs inserted.
    pub runs: u64,
    /// Events inserted, with their original sequence numbers.
    pub events: u64,
}

/// The store half of archiving before pruning (`crate::archive`, docs/artifacts.md "Archive
/// before prune"). Every method keeps to the store's scope as the maintenance statements do.
#[allow(async_fn_in_trait)]
pub trait ArchiveAccess {
    /// Up to `limit` ids of sessions soft-deleted before `cutoff`, in id order after `after`:
    /// the sessions hard delete removes.
    async fn hard_delete_candidates(
        &self,
        cutoff: Timestamp,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<String>>;
    /// Up to `limit` ids of sessions (saved or not) that pruning under `policy` shrinks, in id
    /// order after `after`.
    async fn prune_candidates(
        &self,
        policy: &RetentionPolicy,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<String>>;
    /// The session's row, runs and events as stored now.
    async fn snapshot(&self, session_id: &str) -> Result<SessionSnapshot>;
    /// Deletes exactly `removal` from session `session_id`, all or nothing; ids no longer
    /// stored are skipped.
    async fn remove_archived(&self, session_id: &str, removal: Removal<'_>) -> Result<Removed>;
    /// Writes back an archived session, all or nothing: the row (`session`, when given) and the
    /// runs unless their ids are stored, then the events with their own sequence numbers unless
    /// their ids are stored, and raises the session's counter to at least the highest restored
    /// number. An event id stored in another session or under another number, or a number
    /// another event holds, is refused (`already_exists`) and nothing is written.
    async fn restore_archived(
        &self,
        session_id: &str,
        session: Option<&Session>,
        runs: &[Run],
        events: &[Event],
    ) -> Result<Restored>;
}

/// The refusal of a restore that would contradict what is stored.
pub fn restore_conflict(message: impl Into<String>) -> crate::Error {
    crate::Error::new(crate::ErrorCode::AlreadyExists, message)
}

/// Whether `event`, of an archive of session `session_id`, is stored already, given the
/// session and number its id is `stored` under: `false` when the id is not stored, `true` when
/// it is stored as the archive has it (the archive was restored before), and the refusal when
/// it is stored in another session or under another number. Every store decides the same way,
/// with the same message, before it writes anything.
pub fn stored_as_archived(
    session_id: &str,
    event: &Event,
    stored: Option<(&str, i64)>,
) -> Result<bool> {
    let seq = event.sequence_number.unwrap_or(0);
    match stored {
        None => Ok(false),
        Some((s, n)) if s == session_id && n == seq => Ok(true),
        Some((s, n)) => Err(restore_conflict(format!(
            "event {} is stored in session {s} as number {n}, the archive has session \
             {session_id} number {seq}",
            event.id
        ))),
    }
}
