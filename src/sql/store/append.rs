//! Appending events: one atomic batch per call, with no read before it, gap-free per-session
//! sequence numbers, and the event-id rules of [`crate::event_ids`] (an id belongs to one
//! session and one content; `event_ids.rs` here has the SQL and why a refusal writes nothing).
//!
//! Per session of the (id-deduplicated: a repeated id must repeat its first copy exactly) input,
//! in session-id order:
//!
//! 1. **insert**, chunked under the parameter limit — `INSERT INTO asm_events … SELECT` over a
//!    `VALUES` list filtered by `NOT EXISTS` (the same id, session and content already stored;
//!    any other stored id breaks the primary key and fails the batch), numbering the new rows
//!    `base + ROW_NUMBER()` where `base` is the larger of the counter (0 without a row) and the
//!    session's current `MAX(sequence_number)`. Numbering and filtering happen in one
//!    statement, so they agree. SQLite and D1 run a batch alone, so nothing moves in between.
//! 2. **raise** — an upsert: the counter row becomes `MAX(sequence_number)` when that is larger,
//!    and is created when missing.
//!
//! On PostgreSQL each insert is both in one statement ([`insert_counted_events`]): the filtered
//! rows, the counter bumped by their count (which takes the row lock, so concurrent appenders of
//! a session queue there), and the rows numbered below the bumped counter. One statement per
//! append, which is one round trip for a driver that sends statements one at a time
//! (node-postgres). A session with pinned rows ([`event_ids`]) first takes the counter's lock
//! ([`lock_counter`]) and then passes their guards.
//!
//! Calls that return events add `RETURNING id, sequence_number` to the inserts: a new event
//! comes back as given, with its number. Only ids the inserts skipped (stored before, in the
//! same session with the same content) are read afterwards with `SELECT … WHERE id IN (…)`, so
//! they come back as stored; a batch of new events needs no read at all. After a failed batch,
//! `event_ids::settle` answers a clash (`session_mismatch`, `already_exists`) or pins the stored
//! rows; a unique violation, a transient failure or new pins retry the whole batch.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::event_ids::{self, Pinned};
use super::guard::Guard;
use super::{SqlStore, failure, scope_sql};
use crate::error::{Error, ErrorCode, Result};
use crate::event::Event;
use crate::sql::decode::Cells;
use crate::sql::dialect::{Builder, Dialect, SqlType, chunk_size};
use crate::sql::executor::{ExecErrorKind, Executor, ResultSet, Statement, Value};
use crate::sql::{decode, encode, schema};
use crate::validator::validate_event;

/// How many times a batch is tried before its error is returned.
pub(crate) const MAX_ATTEMPTS: usize = 5;

/// Values bound per event in the insert's VALUES list (9 columns + the input position).
const VALUES_PER_EVENT: usize = 10;

/// Whether the caller wants the stored events back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AppendMode {
    /// `append_event`, `flush`: no read-back statements.
    Discard,
    /// `append_event_with_sequence`, `append_events`: one stored event per input element.
    ReadBack,
}

/// Creates the session's counter row or takes its row lock.
pub(crate) fn lock_counter(dialect: Dialect, session_id: &str) -> Statement {
    let mut b = Builder::write(dialect);
    b.sql("INSERT INTO asm_session_sequences (session_id, last_sequence) VALUES (");
    b.bind(Value::Text(session_id.to_owned()), SqlType::Text);
    b.sql(", 0) ON CONFLICT (session_id) DO UPDATE SET last_sequence = asm_session_sequences.last_sequence");
    b.build()
}

/// SQLite's insert of the events of `chunk` (all of one session) that are not stored yet with
/// the same session and content, numbered after the counter (0 without a row) and the current
/// maximum; an id stored otherwise makes the insert break the primary key.
/// With `returning`, the statement returns `id, sequence_number` of every row it inserted.
pub(crate) fn insert_new_events(
    dialect: Dialect,
    session_id: &str,
    chunk: &[&Event],
    returning: bool,
) -> Statement {
    let mut b = Builder::write(dialect);
    b.sql("INSERT INTO asm_events (")
        .sql(schema::EVENT_COLUMNS)
        .sql(") SELECT n.column1, n.column2, n.column3, ");
    b.bind(Value::Text(session_id.to_owned()), SqlType::Text);
    b.sql(
        ", n.column4, (CASE WHEN m.mx > s.last_sequence THEN m.mx ELSE s.last_sequence END) + n.rn, \
         n.column5, n.column6, n.column7, n.column8, n.column9 FROM ",
    );
    new_rows(&mut b, chunk, |b| {
        b.rebind(1, SqlType::Text);
    });
    b.sql(" AS n CROSS JOIN (SELECT COALESCE((SELECT c.last_sequence FROM asm_session_sequences c WHERE c.session_id = ");
    b.rebind(1, SqlType::Text).sql("), 0) AS last_sequence) AS s CROSS JOIN (SELECT COALESCE(");
    last_stored_sequence(&mut b, |b| {
        b.rebind(1, SqlType::Text);
    });
    b.sql(", 0) AS mx) AS m");
    if returning {
        b.sql(" RETURNING id, sequence_number");
    }
    b.build()
}

/// PostgreSQL's lock, insert and raise of `chunk` in one statement, as the raw appender's
/// `last_sequence + n RETURNING`: the new rows (as [`insert_new_events`] filters them), the
/// counter bumped by their count from the larger of itself and the stored maximum, and the rows
/// numbered just below it. The bump waits for a concurrent appender of the session and reads the
/// counter as it committed it, while the filter reads the snapshot taken before the wait; but
/// both count and insert the very same rows, so a row the filter missed breaks a unique key and
/// the batch is retried: never a gap (docs/compatibility.md "Append").
pub(crate) fn insert_counted_events(
    dialect: Dialect,
    session_id: &str,
    chunk: &[&Event],
    returning: bool,
) -> Statement {
    let mut b = Builder::write(dialect);
    b.sql("WITH n AS ");
    let mut sid = 0;
    new_rows(&mut b, chunk, |b| {
        b.bind(Value::Text(session_id.to_owned()), SqlType::Text);
        sid = b.param_count();
    });
    b.sql(", c AS (INSERT INTO asm_session_sequences (session_id, last_sequence) SELECT ");
    b.rebind(sid, SqlType::Text).sql(", COALESCE(");
    last_stored_sequence(&mut b, |b| {
        b.rebind(sid, SqlType::Text);
    });
    b.sql(
        ", 0) + (SELECT COUNT(*) FROM n) ON CONFLICT (session_id) DO UPDATE SET last_sequence = \
         GREATEST(asm_session_sequences.last_sequence + (SELECT COUNT(*) FROM n), \
         EXCLUDED.last_sequence) RETURNING last_sequence AS top), ins AS (INSERT INTO asm_events (",
    )
    .sql(schema::EVENT_COLUMNS)
    .sql(") SELECT n.column1, n.column2, n.column3, ");
    b.rebind(sid, SqlType::Text);
    b.sql(
        ", n.column4, c.top - (SELECT COUNT(*) FROM n) + n.rn, n.column5, n.column6, n.column7, \
         n.column8, n.column9 FROM n CROSS JOIN c RETURNING id, sequence_number) SELECT ",
    );
    b.sql(if returning { "id, sequence_number" } else { "COUNT(*)" }).sql(" FROM ins");
    b.build()
}

/// Writes `(SELECT v.*, ROW_NUMBER() … AS rn FROM (VALUES …) AS v WHERE NOT EXISTS (…))`: the
/// events of `chunk` not stored yet in the session that `session` writes, numbered from 1 in
/// input order.
fn new_rows(b: &mut Builder, chunk: &[&Event], session: impl FnOnce(&mut Builder)) {
    b.sql("(SELECT v.*, ROW_NUMBER() OVER (ORDER BY v.column10) AS rn FROM (VALUES ");
    for (position, event) in chunk.iter().enumerate() {
        if position > 0 {
            b.sql(", ");
        }
        let mut row = encode::event_row(event);
        row.push(encode::int(position as i64));
        encode::bind_tuple(b, row);
    }
    b.sql(") AS v WHERE NOT EXISTS (");
    event_ids::stored_copy(b, session);
    b.sql("))");
}

/// Raises the counter row to the session's highest stored sequence number, creating it when
/// missing (SQLite's append, which takes no lock before its inserts).
pub(crate) fn raise_or_create_counter(dialect: Dialect, session_id: &str) -> Statement {
    let mut b = Builder::write(dialect);
    b.sql("INSERT INTO asm_session_sequences (session_id, last_sequence) SELECT ");
    b.bind(Value::Text(session_id.to_owned()), SqlType::Text);
    b.sql(", t.top FROM (SELECT ");
    last_stored_sequence(&mut b, |b| {
        b.rebind(1, SqlType::Text);
    });
    // The WHERE also tells SQLite's parser that ON CONFLICT is the upsert's, not a join's.
    b.sql(
        " AS top) AS t WHERE t.top IS NOT NULL ON CONFLICT (session_id) DO UPDATE SET \
         last_sequence = excluded.last_sequence \
         WHERE excluded.last_sequence > asm_session_sequences.last_sequence",
    );
    b.build()
}

/// Raises the counter to the session's highest stored sequence number.
pub(crate) fn raise_counter(dialect: Dialect, session_id: &str) -> Statement {
    let mut b = Builder::write(dialect);
    b.sql("UPDATE asm_session_sequences SET last_sequence = ");
    last_stored_sequence(&mut b, |b| {
        b.bind(Value::Text(session_id.to_owned()), SqlType::Text);
    });
    b.sql(" WHERE session_id = ").rebind(1, SqlType::Text).sql(" AND last_sequence < ");
    last_stored_sequence(&mut b, |b| {
        b.rebind(1, SqlType::Text);
    });
    b.build()
}

/// Writes the highest stored sequence number of the session that `session` writes (`NULL` for
/// none) as a scalar subquery that reads the `(session_id, sequence_number)` index backwards.
/// Spelled as `ORDER BY … DESC LIMIT 1` rather than `MAX`: with the statistics of a young
/// table, PostgreSQL's cached generic plan for `MAX` aggregated every row of the session.
fn last_stored_sequence(b: &mut Builder, session: impl FnOnce(&mut Builder)) {
    b.sql("(SELECT e.sequence_number FROM asm_events e WHERE e.session_id = ");
    session(b);
    b.sql(" ORDER BY e.sequence_number DESC LIMIT 1)");
}

/// Reads stored events by id (the caller keeps `ids` under the parameter limit).
pub(crate) fn select_events_by_id(dialect: Dialect, ids: &[&str]) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT ").sql(schema::event_select(dialect)).sql(" FROM asm_events WHERE id IN ");
    encode::bind_text_list(&mut b, ids.iter().copied());
    b.build()
}

/// The stored rows (`schema::event_select`) of `ids`, read in chunks under the parameter limit.
pub(crate) async fn read_stored<E: Executor>(
    store: &SqlStore<E>,
    op: &str,
    ids: &[&str],
) -> Result<Vec<Vec<Value>>> {
    let dialect = store.dialect();
    let mut rows = Vec::new();
    for chunk in ids.chunks(chunk_size(dialect, 0, 1)) {
        let rs = store
            .executor
            .query(select_events_by_id(dialect, chunk))
            .await
            .map_err(|e| failure(ErrorCode::StorageError, op, &e))?;
        rows.extend(rs.rows);
    }
    Ok(rows)
}

/// The write statements of an append: per session in id order, the lock and guards of its
/// `pinned` rows if it has any, insert chunks of the other events, and on SQLite the raise
/// (the inserts `RETURNING id, sequence_number` when `returning`); on PostgreSQL each insert
/// locks and raises itself ([`insert_counted_events`]).
pub(crate) fn plan_writes(
    dialect: Dialect,
    unique: &[&Event],
    pinned: &Pinned,
    returning: bool,
) -> Vec<Statement> {
    let mut groups: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for event in unique {
        groups.entry(event.session_id.as_str()).or_default().push(event);
    }
    let per_chunk = chunk_size(dialect, 1, VALUES_PER_EVENT);
    let counted = !dialect.is_sqlite();
    let mut statements = Vec::new();
    for (session_id, events) in groups {
        let (pins, events): (Vec<&Event>, Vec<&Event>) =
            events.into_iter().partition(|e| pinned.contains_key(&e.id));
        let pins: Vec<&Vec<encode::Bound>> =
            pins.iter().filter_map(|e| pinned.get(&e.id)).collect();
        if !pins.is_empty() {
            statements.push(lock_counter(dialect, session_id));
        }
        statements
            .extend(event_ids::pin_guards(dialect, session_id, &pins).iter().map(Guard::statement));
        for chunk in events.chunks(per_chunk) {
            statements.push(if counted {
                insert_counted_events(dialect, session_id, chunk, returning)
            } else {
                insert_new_events(dialect, session_id, chunk, returning)
            });
        }
        if !counted {
            statements.push(raise_or_create_counter(dialect, session_id));
        } else if events.is_empty() {
            statements.push(raise_counter(dialect, session_id));
        }
    }
    statements
}

/// What an append writes before its events, in the same batch: the guards it must pass (beyond
/// the scope of the events' sessions, which `append` adds) and its own upserts.
#[derive(Debug, Default)]
pub(crate) struct Prefix {
    /// Conditions that refuse the whole batch.
    pub guards: Vec<Guard>,
    /// Statements that run before the events (flush's session and run upserts).
    pub statements: Vec<Statement>,
    /// Sessions the prefix itself writes inside the scope (flush's session), whose events need
    /// no guard of their own.
    pub own_session: Option<String>,
}

/// Appends `events` (after `prefix`, in the same batch) and, in [`AppendMode::ReadBack`],
/// returns the stored event of every input element in input order.
pub(crate) async fn append<E: Executor>(
    store: &SqlStore<E>,
    op: &str,
    prefix: Option<Prefix>,
    events: &[Event],
    mode: AppendMode,
) -> Result<Vec<Event>> {
    for event in events {
        validate_event(event)?;
    }
    store.limits.check_events(events.len())?;
    // Secrets are replaced before anything is encoded, so they never reach the batch.
    let (events, redacted) = store.redaction.apply(events);
    let events: &[Event] = &events;
    crate::event_ids::check_repeats(events)?;
    if events.is_empty() && prefix.is_none() {
        return Ok(Vec::new());
    }
    let dialect = store.dialect();
    let mut seen = HashSet::new();
    let unique: Vec<&Event> = events.iter().filter(|e| seen.insert(e.id.as_str())).collect();
    let Prefix { mut guards, statements: mut batch, own_session } = prefix.unwrap_or_default();
    let sessions = crate::sorted::set_of(unique.iter().map(|e| e.session_id.as_str()));
    for &session_id in sessions.iter().filter(|s| own_session.as_deref() != Some(**s)) {
        guards.extend(scope_sql::session_inside(dialect, store.scope(), session_id));
    }
    let mut head: Vec<Statement> = guards.iter().map(Guard::statement).collect();
    head.append(&mut batch);
    let read_back = mode == AppendMode::ReadBack;
    let plan = |pinned: &Pinned| {
        let mut statements = head.clone();
        statements.extend(plan_writes(dialect, &unique, pinned, read_back));
        statements
    };
    let first = plan(&Pinned::new());
    store.limits.check_statements(first.len())?;
    let results = run_with_retry(store, op, &guards, &unique, first, plan).await?;
    // Committed: the long-polls of these sessions in this process read again now.
    for session_id in sessions {
        store.append_signal().notify(session_id);
    }
    store.redaction.report(&redacted);
    if !read_back {
        return Ok(Vec::new());
    }
    // Only the inserts return rows: the numbers of the events this call stored.
    let mut numbered: HashMap<String, i64> = HashMap::new();
    for rs in &results {
        for row in &rs.rows {
            let mut c = Cells::new("asm_events", row);
            let id = c.text()?;
            numbered.insert(id, c.int()?);
        }
    }
    let mut stored: HashMap<String, Event> = HashMap::new();
    let skipped: Vec<&str> =
        unique.iter().map(|e| e.id.as_str()).filter(|id| !numbered.contains_key(*id)).collect();
    for row in read_stored(store, op, &skipped).await? {
        let event = decode::event(&row)?;
        stored.insert(event.id.clone(), event);
    }
    // A repeated input id maps to its first copy, the one the insert stored.
    let first: HashMap<&str, &Event> = unique.iter().map(|e| (e.id.as_str(), *e)).collect();
    // A stored event of another session (deleted and written again since the batch) is never
    // an answer: the input then reads as not stored.
    stored.retain(|id, s| first.get(id.as_str()).is_some_and(|e| e.session_id == s.session_id));
    events
        .iter()
        .map(|e| match (numbered.get(&e.id), first.get(e.id.as_str())) {
            (Some(&n), Some(&original)) => {
                Ok(Event { sequence_number: Some(n), ..original.clone() })
            }
            _ => stored.get(&e.id).cloned().ok_or_else(|| {
                Error::new(
                    ErrorCode::StorageError,
                    format!("{op} failed: event {} was not stored", e.id),
                )
            }),
        })
        .collect()
}

/// Runs the batch `statements` (which starts with the statements of `guards`), retrying it
/// whole, as `plan` builds it for the current pins, after a unique violation, a transient
/// failure or new pins; a tripped guard answers its own error at once, an event-id clash its
/// `event_ids` error.
async fn run_with_retry<E: Executor>(
    store: &SqlStore<E>,
    op: &str,
    guards: &[Guard],
    unique: &[&Event],
    mut statements: Vec<Statement>,
    plan: impl Fn(&Pinned) -> Vec<Statement>,
) -> Result<Vec<ResultSet>> {
    let mut attempt = 1;
    let mut pinned = Pinned::new();
    loop {
        // The batch is handed over, not cloned (a copy of every bound value on every call); a
        // retry plans it again, which gives the same statements while the pins stay put.
        let e = match store.executor.batch(std::mem::take(&mut statements)).await {
            Ok(results) => return Ok(results),
            Err(e) => e,
        };
        if let Some(refusal) = store.tripped(guards).await? {
            return Err(refusal);
        }
        // A clash breaks the primary key; a moved pin trips its guard (any other failure is
        // answered as it is).
        let clash = match e.kind {
            ExecErrorKind::UniqueViolation => true,
            ExecErrorKind::Other if !pinned.is_empty() => {
                event_ids::pins_moved(store, unique, &pinned).await?
            }
            _ => false,
        };
        let repinned = clash && event_ids::settle(store, op, unique, &mut pinned).await?;
        let retryable =
            repinned || matches!(e.kind, ExecErrorKind::UniqueViolation | ExecErrorKind::Transient);
        if attempt >= MAX_ATTEMPTS || !retryable {
            return Err(failure(ErrorCode::StorageError, op, &e).detail("attempts", attempt));
        }
        statements = plan(&pinned);
        store.limits.check_statements(statements.len())?;
        attempt += 1;
    }
}
