//! A batch as one pipeline: `BEGIN`, every statement, `COMMIT` and one `Sync` go out in a single
//! write, and the answers are read in order. One round trip per batch where a prepare-then-run
//! driver takes two per statement.
//!
//! The explicit transaction matters beyond atomicity: Hyperdrive caches the answers of reads
//! outside a transaction, and a batch must see the writes before it. After a failed batch the
//! transaction stays aborted until the connection closes, which the executor does after every
//! batch (closing rolls it back).

use asm_core::sql::{ExecError, ExecErrorKind, ResultSet, Statement, Value};
use asm_postgres_types::{binary, changed};

use super::message::{Backend, Outgoing};
use super::protocol_error;

/// The bytes of the whole batch: parameters as text, result columns in binary
/// ([`Outgoing::bind`]).
pub fn request(statements: &[Statement]) -> Vec<u8> {
    let mut out = Outgoing::default();
    let command = |out: &mut Outgoing, sql: &str| {
        out.parse(sql);
        out.bind(&[]);
        out.execute();
    };
    command(&mut out, "BEGIN");
    for statement in statements {
        out.parse(&statement.sql);
        out.bind(&statement.params);
        out.describe_portal();
        out.execute();
    }
    command(&mut out, "COMMIT");
    out.sync();
    out.0
}

/// The answers of one [`request`], read message by message.
pub struct Replies {
    statements: usize,
    /// Commands completed so far, `BEGIN` included.
    completed: usize,
    /// The current statement's column names and type OIDs, once described.
    columns: Option<(Vec<String>, Vec<u32>)>,
    rows: Vec<Vec<Value>>,
    results: Vec<ResultSet>,
    error: Option<ExecError>,
}

impl Replies {
    /// Expects the answers to a request of `statements` statements.
    pub fn new(statements: usize) -> Replies {
        Replies {
            statements,
            completed: 0,
            columns: None,
            rows: Vec::new(),
            results: Vec::with_capacity(statements),
            error: None,
        }
    }

    /// Acts on one backend message; the batch's outcome once the server is ready again.
    pub fn receive(
        &mut self,
        message: Backend<'_>,
    ) -> Result<Option<Result<Vec<ResultSet>, ExecError>>, ExecError> {
        match message {
            Backend::RowDescription(columns) => {
                self.columns = Some(columns.iter().map(|&(n, t)| (n.to_owned(), t)).unzip());
            }
            Backend::DataRow(mut row) => {
                let types = self.columns.as_ref().map(|c| &c.1[..]).unwrap_or_default();
                if row.len != types.len() {
                    return Err(protocol_error("a row whose width differs from its description"));
                }
                let mut values = Vec::with_capacity(row.len);
                for &type_oid in types {
                    values.push(match row.next_cell()? {
                        None => Value::Null,
                        Some(raw) => binary::cell(type_oid, raw)
                            .map_err(|e| ExecError::new(ExecErrorKind::Other, e))?,
                    });
                }
                self.rows.push(values);
            }
            Backend::CommandComplete(tag) => self.complete(tag),
            Backend::EmptyQuery => self.complete(""),
            Backend::Error(error) => {
                self.error.get_or_insert(error.into());
            }
            Backend::ReadyForQuery(_) => {
                return Ok(Some(match self.error.take() {
                    Some(error) => Err(error),
                    None if self.completed == self.statements + 2 => {
                        Ok(std::mem::take(&mut self.results))
                    }
                    None => Err(protocol_error("the server was ready before the batch ended")),
                }));
            }
            _ => {}
        }
        Ok(None)
    }

    /// What to report when the connection breaks before the batch's end: the server's own
    /// error when it sent one first (a `FATAL` error, such as a shutdown, closes the
    /// connection without `ReadyForQuery`), else `broken`.
    pub fn broken(&mut self, broken: ExecError) -> ExecError {
        self.error.take().unwrap_or(broken)
    }

    /// A command ended: a statement's result unless it was `BEGIN` or `COMMIT`.
    fn complete(&mut self, tag: &str) {
        let index = self.completed;
        self.completed += 1;
        if index == 0 || index > self.statements {
            return;
        }
        let rows = std::mem::take(&mut self.rows);
        self.results.push(match self.columns.take() {
            Some((columns, _)) => ResultSet { columns, rows, changes: 0 },
            // `INSERT 0 3`, `UPDATE 2`, `DELETE 1`: the count is the last word.
            None => changed(tag.rsplit(' ').next().and_then(|n| n.parse().ok()).unwrap_or(0)),
        });
    }
}
