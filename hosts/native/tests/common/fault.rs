//! Fault injection (docs/reliability.md): an executor wrapper that fails one statement of a batch
//! (inside the real transaction, so the statements before it really run and are rolled back) or
//! commits a batch and then loses the answer; it dumps every `asm_*` table around each batch.

use std::cell::{Cell, RefCell};

use asm_core::sql::{
    Dialect, ExecError, ExecErrorKind, Executor, ResultSet, Statement, Value, migrations,
};

/// What the wrapper does to the batches it sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Pass everything through.
    Off,
    /// Pass through, dumping the tables before and after every batch (into `Faulty::log`).
    Record,
    /// Replace the statement with this index (counted over all batches, from 0) by one that
    /// fails; the real executor runs the earlier statements of its batch, then rolls back.
    FailAt(usize),
    /// The broken executor the harness must catch: runs the statements before this index as
    /// their own committed batch, then fails (only the self-check uses it).
    NonAtomicFailAt(usize),
    /// Run the batch with this index (from 0) for real, then return a transient error.
    LoseAnswer(usize),
    /// Fail the statement with this index (counted as for `FailAt`) with a chosen failure; the
    /// batch is rolled back by the real executor.
    FailWith(usize, Injected),
}

/// The failure [`Fault::FailWith`] injects mid-batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// A syntax error (kind `Other`).
    Syntax,
    /// SQLite's "database is locked" (`SQLITE_BUSY`, what D1 and a shared file answer under
    /// contention): the batch rolls back, and the error is the SQLite text, which
    /// `ExecErrorKind::from_sqlite_message` classifies as `Transient`.
    Busy,
    /// A real unique violation raised by the database: the statement inserts a copy of an
    /// existing sequence counter (the table must not be empty).
    Unique,
}

/// A statement that violates `asm_session_sequences`' primary key when it holds a row.
pub const UNIQUE_VIOLATION_SQL: &str = "INSERT INTO asm_session_sequences (session_id, last_sequence) \
     SELECT session_id, last_sequence FROM asm_session_sequences ORDER BY session_id LIMIT 1";

/// One batch seen in [`Fault::Record`] mode.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Statements in the batch.
    pub statements: usize,
    /// The dump before it ran.
    pub before: String,
    /// The dump after it ran.
    pub after: String,
}

/// The fault-injecting wrapper.
pub struct Faulty<E> {
    /// The real executor.
    pub inner: E,
    /// The current mode (set it before an operation; [`Faulty::arm`] also resets the counters).
    pub mode: Cell<Fault>,
    /// Batches seen since the last arm.
    pub batches: Cell<usize>,
    /// Statements seen since the last arm.
    pub statements: Cell<usize>,
    /// The batches of the last `Record` run.
    pub log: RefCell<Vec<Recorded>>,
    /// The dump taken right after the injected fault (None until it fires).
    pub at_fault: RefCell<Option<String>>,
}

/// The statement that replaces the failing one: a syntax error, kind `Other` on every driver.
pub const FAILING_SQL: &str = "THIS IS NOT SQL (fault injection)";

impl<E: Executor> Faulty<E> {
    /// A wrapper in `Off` mode.
    pub fn new(inner: E) -> Faulty<E> {
        Faulty {
            inner,
            mode: Cell::new(Fault::Off),
            batches: Cell::new(0),
            statements: Cell::new(0),
            log: RefCell::new(Vec::new()),
            at_fault: RefCell::new(None),
        }
    }

    /// Sets the mode and clears the counters, the log and the fault dump.
    pub fn arm(&self, mode: Fault) {
        self.mode.set(mode);
        self.batches.set(0);
        self.statements.set(0);
        self.log.borrow_mut().clear();
        *self.at_fault.borrow_mut() = None;
    }
}

impl<E: Executor> Executor for Faulty<E> {
    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }

    async fn batch(&self, mut statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        let (batch, first) = (self.batches.get(), self.statements.get());
        self.batches.set(batch + 1);
        self.statements.set(first + statements.len());
        match self.mode.get() {
            Fault::Off => self.inner.batch(statements).await,
            Fault::Record => {
                let before = dump(&self.inner).await;
                let n = statements.len();
                let result = self.inner.batch(statements).await;
                let after = dump(&self.inner).await;
                self.log.borrow_mut().push(Recorded { statements: n, before, after });
                result
            }
            Fault::FailAt(k) if (first..first + statements.len()).contains(&k) => {
                self.mode.set(Fault::Off);
                statements[k - first] = Statement::write(FAILING_SQL);
                let result = self.inner.batch(statements).await;
                *self.at_fault.borrow_mut() = Some(dump(&self.inner).await);
                match result {
                    Ok(_) => panic!("the injected statement did not fail"),
                    Err(e) => Err(e),
                }
            }
            Fault::NonAtomicFailAt(k) if (first..first + statements.len()).contains(&k) => {
                self.mode.set(Fault::Off);
                statements.truncate(k - first);
                if !statements.is_empty() {
                    self.inner.batch(statements).await?;
                }
                *self.at_fault.borrow_mut() = Some(dump(&self.inner).await);
                Err(ExecError::new(ExecErrorKind::Other, "non-atomic failure (self-check)"))
            }
            Fault::LoseAnswer(b) if b == batch => {
                self.mode.set(Fault::Off);
                let result = self.inner.batch(statements).await;
                *self.at_fault.borrow_mut() = Some(dump(&self.inner).await);
                result?;
                Err(ExecError::new(
                    ExecErrorKind::Transient,
                    "connection lost after commit (fault injection)",
                ))
            }
            Fault::FailWith(k, injected) if (first..first + statements.len()).contains(&k) => {
                self.mode.set(Fault::Off);
                statements[k - first] = Statement::write(match injected {
                    Injected::Unique => UNIQUE_VIOLATION_SQL,
                    Injected::Syntax | Injected::Busy => FAILING_SQL,
                });
                let result = self.inner.batch(statements).await;
                *self.at_fault.borrow_mut() = Some(dump(&self.inner).await);
                match (result, injected) {
                    (Ok(_), _) => panic!("the injected statement did not fail"),
                    (Err(_), Injected::Busy) => {
                        let message = "database is locked (SQLITE_BUSY, fault injection)";
                        Err(ExecError::new(ExecErrorKind::from_sqlite_message(message), message))
                    }
                    (Err(e), _) => Err(e),
                }
            }
            Fault::FailAt(_)
            | Fault::NonAtomicFailAt(_)
            | Fault::LoseAnswer(_)
            | Fault::FailWith(..) => self.inner.batch(statements).await,
        }
    }
}

/// A full dump of every `asm_*` table: every row, every column, ordered by primary key.
pub async fn dump<E: Executor>(exec: &E) -> String {
    let mut out = String::new();
    for table in migrations::TABLES {
        let key = if table == "asm_session_sequences" { "session_id" } else { "id" };
        let sql = if exec.dialect() == Dialect::Postgres {
            format!("SELECT row_to_json(t)::text FROM {table} t ORDER BY {key}")
        } else {
            format!("SELECT * FROM {table} ORDER BY {key}")
        };
        let rs =
            exec.query(Statement::read(sql)).await.unwrap_or_else(|e| panic!("dump {table}: {e}"));
        out.push_str(table);
        out.push('\n');
        for row in rs.rows {
            out.push_str(&format!("  {row:?}\n"));
        }
    }
    out
}

/// Removes every row of every `asm_*` table.
pub async fn wipe<E: Executor>(exec: &E) {
    exec.batch(migrations::delete_all_rows()).await.expect("wipe");
}

/// Per session, the stored sequence numbers in order.
pub async fn sequences<E: Executor>(exec: &E) -> Vec<(String, Vec<i64>)> {
    let sql =
        "SELECT session_id, sequence_number FROM asm_events ORDER BY session_id, sequence_number";
    let rs = exec.query(Statement::read(sql)).await.expect("sequences");
    let mut out: Vec<(String, Vec<i64>)> = Vec::new();
    for row in rs.rows {
        let (Value::Text(sid), Value::Integer(seq)) = (&row[0], &row[1]) else {
            panic!("row {row:?}")
        };
        match out.last_mut() {
            Some((last, seqs)) if last == sid => seqs.push(*seq),
            _ => out.push((sid.clone(), vec![*seq])),
        }
    }
    out
}
