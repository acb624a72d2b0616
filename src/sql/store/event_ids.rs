//! The event-id rules of [`crate::event_ids`] in SQL, with the guarantee that a refused append
//! writes nothing and an idempotent repeat writes nothing new.
//!
//! **Happy path, no extra statement.** The insert of `append.rs` skips an input only when a row
//! with its id is stored *in the same session with the same content*, compared column by column
//! in SQL ([`stored_copy`]: `type`, `"timestamp"`, `run_id`, `data`, `metadata`,
//! `schema_version`, `provider`, `correlation_id`; null-safe; JSON as `jsonb` equality on
//! PostgreSQL, as stored text on SQLite/D1). Every other input is inserted, so an id stored in
//! another session, or with content the SQL cannot show to be equal, breaks the primary key:
//! the batch fails and rolls back, whole. A call of new events (or of exact repeats) therefore
//! costs the statements it cost before.
//!
//! **After a failed batch** ([`settle`]), the stored rows of the call's ids are read and
//! compared in Rust with [`crate::event_ids`]'s definition: another session →
//! `session_mismatch`, different content → `already_exists` (nothing was written: the batch
//! rolled back). When every stored row has the same content after all (the SQL comparison is
//! stricter: SQLite compares JSON and timestamp *text*, so a row written by ASM's Elixir writer,
//! with its own key order, float spelling or timestamp format, differs there; PostgreSQL's
//! `numeric` is stricter than `f64`), those rows are **pinned**: the retry leaves their inputs out
//! of the insert and adds, after the session's counter lock, a guard ([`pin_guard`]) that trips
//! unless each pinned row is still stored exactly as read (every compared column equal to the
//! text or value that was read, so the comparison is exact whatever the writer). A row deleted
//! or replaced in between trips it, and the next attempt reads again (at most
//! `append::MAX_ATTEMPTS` attempts).
//!
//! Why this is sound under concurrency (PostgreSQL READ COMMITTED): a row the insert skips was
//! committed before the insert's snapshot, in the input's session, with the input's content. A
//! row committed later under the same id either makes the insert wait on the primary key and
//! fail (the retry then sees it) or, for a pinned id, was written by an appender of the same
//! session, which queued on the counter lock before the pin guard ran, so the guard sees it.
//! SQLite and D1 run batches one at a time.

use std::collections::{BTreeMap, HashMap};

use super::SqlStore;
use super::append::read_stored;
use super::guard::Guard;
use crate::error::{Error, ErrorCode, Result};
use crate::event::Event;
use crate::sql::decode;
use crate::sql::dialect::{Builder, Dialect, SqlType, chunk_size};
use crate::sql::encode::{self, Bound};
use crate::sql::executor::{Executor, Value};

/// Stored rows an append has compared and found equal in content, by event id: the values of
/// the row as read, in the order of `encode::event_row` (the session is the input's).
pub(crate) type Pinned = BTreeMap<String, Vec<Bound>>;

/// Values bound per pinned row (the 9 columns of `encode::event_row`).
const VALUES_PER_PIN: usize = 9;

/// Writes `SELECT 1 FROM asm_events e WHERE …`, true when `e` holds `v`'s event in the session
/// that `session` writes: the same id and content (`v` has the columns of `encode::event_row`,
/// `column1` = id … `column9` = correlation id).
///
/// The row is found by its primary key whatever the planner believes of the table. On
/// PostgreSQL only `e.id` is comparable by an index (the rest is one null-safe row comparison)
/// and `OFFSET 0` keeps the probe a per-row subquery: with the statistics of a young table, a
/// cached generic plan otherwise hashed or scanned every stored row of the session on each
/// append, which made batches slower as the session grew.
pub(crate) fn stored_copy(b: &mut Builder, session: impl FnOnce(&mut Builder)) {
    b.sql("SELECT 1 FROM asm_events e WHERE e.id = v.column1 AND ");
    if b.dialect().is_sqlite() {
        b.sql("e.session_id = ");
        session(b);
        b.sql(
            " AND e.type = v.column2 AND e.\"timestamp\" = v.column3 AND e.run_id IS v.column4 \
             AND e.data IS v.column5 AND e.metadata IS v.column6 AND e.schema_version = v.column7 \
             AND e.provider IS v.column8 AND e.correlation_id IS v.column9",
        );
    } else {
        b.sql(
            "(e.session_id, e.type, e.\"timestamp\", e.run_id, e.data, e.metadata, \
             e.schema_version, e.provider, e.correlation_id) IS NOT DISTINCT FROM (",
        );
        session(b);
        b.sql(
            ", v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, v.column8, \
             v.column9) OFFSET 0",
        );
    }
}

/// A guard that trips unless every pinned row of `chunk` is still stored in `session_id`
/// exactly as it was read.
pub(crate) fn pin_guard(dialect: Dialect, session_id: &str, chunk: &[&Vec<Bound>]) -> Guard {
    Guard::new(
        dialect,
        |b| {
            b.sql("EXISTS (SELECT 1 FROM (VALUES ");
            for (i, row) in chunk.iter().enumerate() {
                if i > 0 {
                    b.sql(", ");
                }
                encode::bind_tuple(b, row.to_vec());
            }
            b.sql(") AS v WHERE NOT EXISTS (");
            stored_copy(b, |b| {
                b.bind(Value::Text(session_id.to_owned()), SqlType::Text);
            });
            b.sql("))");
        },
        Error::new(ErrorCode::StorageError, "a stored event changed during the append"),
    )
}

/// The pin guards of one session's pinned rows, chunked under the parameter limit.
pub(crate) fn pin_guards(dialect: Dialect, session_id: &str, rows: &[&Vec<Bound>]) -> Vec<Guard> {
    let per_chunk = chunk_size(dialect, 1, VALUES_PER_PIN);
    rows.chunks(per_chunk).map(|chunk| pin_guard(dialect, session_id, chunk)).collect()
}

/// Whether a pinned row of the call is no longer stored as it was read (a pin guard of the
/// failed batch tripped), so a retry with fresh pins can succeed.
pub(crate) async fn pins_moved<E: Executor>(
    store: &SqlStore<E>,
    unique: &[&Event],
    pinned: &Pinned,
) -> Result<bool> {
    let mut by_session: BTreeMap<&str, Vec<&Vec<Bound>>> = BTreeMap::new();
    for event in unique {
        if let Some(pin) = pinned.get(&event.id) {
            by_session.entry(event.session_id.as_str()).or_default().push(pin);
        }
    }
    let dialect = store.dialect();
    let guards: Vec<Guard> =
        by_session.iter().flat_map(|(sid, rows)| pin_guards(dialect, sid, rows)).collect();
    Ok(store.tripped(&guards).await?.is_some())
}

/// A row of `schema::event_select` as the values the pin compares: the cells as read (so the
/// comparison is exact for any writer's text), the schema version as decoded.
fn pin_row(row: &[Value], event: &Event) -> Vec<Bound> {
    let cell = |i: usize, ty: SqlType| (row.get(i).cloned().unwrap_or(Value::Null), ty);
    vec![
        cell(0, SqlType::Text),
        cell(1, SqlType::Text),
        cell(2, SqlType::Timestamp),
        cell(4, SqlType::Text),
        cell(6, SqlType::Json),
        cell(7, SqlType::Json),
        encode::int(event.schema_version),
        cell(9, SqlType::Text),
        cell(10, SqlType::Text),
    ]
}

/// After a failed append batch: reads the stored rows of the call's ids, answers
/// `session_mismatch` / `already_exists` when one clashes, and otherwise pins them all.
/// Returns whether the pins changed (then a retry can succeed where the batch failed).
pub(crate) async fn settle<E: Executor>(
    store: &SqlStore<E>,
    op: &str,
    unique: &[&Event],
    pinned: &mut Pinned,
) -> Result<bool> {
    let ids: Vec<&str> = unique.iter().map(|e| e.id.as_str()).collect();
    let mut found: HashMap<String, (Event, Vec<Bound>)> = HashMap::new();
    for row in read_stored(store, op, &ids).await? {
        let event = decode::event(&row)?;
        let pin = pin_row(&row, &event);
        found.insert(event.id.clone(), (event, pin));
    }
    let clashes = unique.iter().filter_map(|e| found.get(&e.id).map(|(stored, _)| (*e, stored)));
    crate::event_ids::refuse_clashes(clashes, false)?;
    let next: Pinned = crate::sorted::map_of(found.into_iter().map(|(id, (_, pin))| (id, pin)));
    let changed = next != *pinned;
    *pinned = next;
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_row_comparison_is_null_safe_in_both_dialects() {
        let mut b = Builder::read(Dialect::Postgres);
        b.sql("SELECT 1 WHERE EXISTS (");
        stored_copy(&mut b, |b| {
            b.bind(Value::Text("s".into()), SqlType::Text);
        });
        let sql = b.build().sql;
        assert!(sql.contains("WHERE e.id = v.column1 AND (e.session_id, e.type,"));
        assert!(sql.contains("IS NOT DISTINCT FROM ($1::text, v.column2,"));
        assert!(sql.ends_with("v.column9) OFFSET 0"));
        let pin = vec![encode::text("evt"); VALUES_PER_PIN];
        let guard = pin_guard(Dialect::D1, "s", &[&pin]);
        let probe = guard.probe();
        assert!(
            probe.sql.contains("e.id = v.column1 AND e.session_id = ?10 AND e.type = v.column2")
        );
        assert!(probe.sql.contains("e.data IS v.column5"));
        assert_eq!(probe.params.len(), 1 + VALUES_PER_PIN);
        assert_eq!(pin_guards(Dialect::D1, "s", &[&pin; 12]).len(), 2);
    }
}
