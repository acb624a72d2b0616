//! [`ExportChunks`]: `export_session` as a sequence of JSON text chunks, read in keyset pages,
//! so that a session of any size exports in bounded memory (a Worker streams the chunks as its
//! response body; an isolate has 128 MB).
//!
//! The concatenated chunks are exactly the JSON object `export_session` answers (the keys in
//! the order `session`, `runs`, `artifacts`, `events`). Memory holds one page: at most
//! [`EXPORT_PAGE`] rows, so the bound is that many times the largest row. The pages are separate
//! reads: rows appended while an export runs may or may not appear, and never twice.

use super::query_sql::{Order, keyset, of_session, session_row};
use super::{SqlStore, Where, limit};
use crate::cursor::{Cursor, SortValue};
use crate::error::{Error, ErrorCode, Result};
use crate::sql::decode;
use crate::sql::dialect::{Builder, SqlType};
use crate::sql::executor::{Executor, Statement, Value};
use crate::sql::schema;
use crate::wire::results::export_artifact_row;

/// Rows read per page of runs, events or artifacts.
pub const EXPORT_PAGE: u64 = 100;

const QUERY: ErrorCode = ErrorCode::QueryError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Head,
    Runs,
    Artifacts,
    Events,
    Done,
}

/// One session's export, chunk by chunk; see the module documentation.
#[derive(Debug)]
pub struct ExportChunks<E: Executor> {
    store: SqlStore<E>,
    session_id: String,
    include_artifacts: bool,
    part: Part,
    /// Keyset of the last row of the runs or artifacts page read.
    after: Option<Cursor>,
    /// Sequence number of the last event read.
    after_sequence: Option<i64>,
    first_in_part: bool,
}

impl<E: Executor> SqlStore<E> {
    /// The export of `session_id` as chunks of JSON text (consumes the store, so that a host can
    /// hand the chunks to a response body that outlives the request handler).
    pub fn export_chunks(self, session_id: &str, include_artifacts: bool) -> ExportChunks<E> {
        ExportChunks {
            store: self,
            session_id: session_id.to_owned(),
            include_artifacts,
            part: Part::Head,
            after: None,
            after_sequence: None,
            first_in_part: true,
        }
    }
}

impl<E: Executor> ExportChunks<E> {
    /// The next chunk, `None` after the last. The first call fails as `export_session` does for
    /// an unknown session (or one outside the store's scope); later failures end the export.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>> {
        match self.part {
            Part::Head => self.head().await.map(Some),
            Part::Done => Ok(None),
            part => self.page(part).await.map(Some),
        }
    }

    async fn head(&mut self) -> Result<Vec<u8>> {
        let store = &self.store;
        let d = store.dialect();
        let statement = session_row(d, store.scope(), schema::session_select(d), &self.session_id);
        let rs = store.read(QUERY, "export_session", statement).await?;
        let session = match rs.rows.first() {
            Some(row) => decode::session(row)?,
            None => return Err(store.session_not_found(&self.session_id).await),
        };
        self.part = Part::Runs;
        Ok(format!("{{\"session\":{},\"runs\":[", session.to_map()).into_bytes())
    }

    /// One page of `part`, with the separators that close it and open the next part.
    async fn page(&mut self, part: Part) -> Result<Vec<u8>> {
        let store = &self.store;
        let rs = store.read(QUERY, "export_session", self.statement(part)).await?;
        let mut out = Vec::new();
        for row in &rs.rows {
            let (value, cursor) = match part {
                Part::Runs => {
                    let run = decode::run(row)?;
                    let cursor =
                        Cursor { value: SortValue::Time(run.started_at), id: run.id.clone() };
                    (run.to_map(), Some(cursor))
                }
                Part::Artifacts => {
                    let artifact = decode::artifact(row)?;
                    let at = SortValue::Time(artifact.created_at);
                    let cursor = Cursor { value: at, id: artifact.id.clone() };
                    (export_artifact_row(&artifact), Some(cursor))
                }
                _ => {
                    let event = decode::event(row)?;
                    self.after_sequence = event.sequence_number;
                    (event.to_map(), None)
                }
            };
            if !self.first_in_part {
                out.push(b',');
            }
            self.first_in_part = false;
            serde_json::to_writer(&mut out, &value)
                .map_err(|e| Error::new(ErrorCode::InternalError, e.to_string()))?;
            if cursor.is_some() {
                self.after = cursor;
            }
        }
        if (rs.rows.len() as u64) < EXPORT_PAGE {
            let (closing, next) = match part {
                Part::Runs if self.include_artifacts => ("],\"artifacts\":[", Part::Artifacts),
                Part::Runs | Part::Artifacts => ("],\"events\":[", Part::Events),
                _ => ("]}", Part::Done),
            };
            out.extend_from_slice(closing.as_bytes());
            (self.part, self.after, self.first_in_part) = (next, None, true);
        }
        Ok(out)
    }

    fn statement(&self, part: Part) -> Statement {
        let store = &self.store;
        let (d, scope) = (store.dialect(), store.scope());
        let (select, table, order) = match part {
            Part::Runs => (schema::run_select(d), "asm_runs", "started_at"),
            Part::Artifacts => (schema::artifact_select(d), "asm_artifacts", "created_at"),
            _ => (schema::event_select(d), "asm_events", "sequence_number"),
        };
        let order = Order { column: order, ascending: true };
        let mut b = Builder::read(d);
        b.sql("SELECT ").sql(select).sql(" FROM ").sql(table);
        let mut w: Where<'_> = of_session(&mut b, scope, &self.session_id);
        match (part, self.after_sequence) {
            (Part::Events, Some(n)) => {
                w.and().sql("sequence_number > ").bind(Value::Integer(n), SqlType::Int);
            }
            (Part::Events, None) => {}
            _ => keyset(&mut w, order, self.after.as_ref()),
        }
        if part == Part::Events {
            b.sql(" ORDER BY sequence_number");
        } else {
            order.write(&mut b);
        }
        limit(&mut b, Some(EXPORT_PAGE));
        b.build()
    }
}
