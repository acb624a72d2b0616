//! An executor that enforces D1's documented limits over a real one (SQLite in D1's dialect):
//! 100 bound parameters per statement, 100,000 bytes of SQL per statement, 2,000,000 bytes per
//! bound value (D1's largest string or row), a cap on the statements of one batch, and a cap on
//! the queries of one Worker invocation (50 on Free, 1,000 on Paid; every statement of a batch
//! counts), counted since the last [`D1Limits::new_invocation`]. Like D1, it refuses what is
//! over a limit (the batch does not run) — and it records every refusal, so a test can require
//! that there was none.

use std::cell::{Cell, RefCell};

use asm_core::sql::{Dialect, ExecError, ExecErrorKind, Executor, ResultSet, Statement, Value};

/// D1's bound-parameter limit per statement.
pub const MAX_PARAMS: usize = 100;
/// D1's statement-length limit, in bytes of SQL text.
pub const MAX_SQL_BYTES: usize = 100_000;
/// D1's largest string, BLOB or row, in bytes.
pub const MAX_VALUE_BYTES: usize = 2_000_000;
/// Queries per Worker invocation on the Free plan.
pub const FREE_QUERIES: u64 = 50;
/// Queries per Worker invocation on the Paid plan.
pub const PAID_QUERIES: u64 = 1_000;

/// The limit-enforcing wrapper.
pub struct D1Limits<E> {
    /// The real executor.
    pub inner: E,
    /// Queries allowed per invocation (also the largest batch: a batch counts all its queries).
    pub cap: Cell<u64>,
    /// Queries of the current invocation.
    pub used: Cell<u64>,
    /// Invocations started (each [`D1Limits::new_invocation`]).
    pub invocations: Cell<u64>,
    /// Statements over all invocations.
    pub total: Cell<u64>,
    /// The most queries one invocation used.
    pub peak_queries: Cell<u64>,
    /// The longest statement seen, in bytes, and the most parameters of one statement.
    pub peak_sql: Cell<usize>,
    /// The most bound parameters of one statement.
    pub peak_params: Cell<usize>,
    /// The largest batch, in statements.
    pub peak_batch: Cell<usize>,
    /// Every refusal, with its reason.
    pub refused: RefCell<Vec<String>>,
}

impl<E: Executor> D1Limits<E> {
    /// A wrapper allowing `cap` queries per invocation.
    pub fn new(inner: E, cap: u64) -> D1Limits<E> {
        D1Limits {
            inner,
            cap: Cell::new(cap),
            used: Cell::new(0),
            invocations: Cell::new(0),
            total: Cell::new(0),
            peak_queries: Cell::new(0),
            peak_sql: Cell::new(0),
            peak_params: Cell::new(0),
            peak_batch: Cell::new(0),
            refused: RefCell::new(Vec::new()),
        }
    }

    /// Starts a new Worker invocation: the query count starts again at 0.
    pub fn new_invocation(&self) {
        self.used.set(0);
        self.invocations.set(self.invocations.get() + 1);
    }

    /// Why D1 would refuse this batch, if it would.
    fn violation(&self, statements: &[Statement]) -> Option<String> {
        let n = statements.len() as u64;
        if n > self.cap.get() {
            return Some(format!("batch of {n} statements over the cap of {}", self.cap.get()));
        }
        if self.used.get() + n > self.cap.get() {
            return Some(format!(
                "Too many API requests by single worker invocation: {} + {n} queries over {}",
                self.used.get(),
                self.cap.get()
            ));
        }
        for s in statements {
            if s.params.len() > MAX_PARAMS {
                return Some(format!("too many SQL variables: {}", s.params.len()));
            }
            if s.sql.len() > MAX_SQL_BYTES {
                return Some(format!("statement too long: {} bytes", s.sql.len()));
            }
            let largest = s.params.iter().map(|p| match p {
                Value::Text(t) => t.len(),
                _ => 0,
            });
            if let Some(len) = largest.max().filter(|len| *len > MAX_VALUE_BYTES) {
                return Some(format!("string or blob too big: {len} bytes"));
            }
        }
        None
    }
}

impl<E: Executor> Executor for D1Limits<E> {
    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        if let Some(why) = self.violation(&statements) {
            self.refused.borrow_mut().push(why.clone());
            return Err(ExecError::new(ExecErrorKind::Other, why));
        }
        let n = statements.len();
        self.used.set(self.used.get() + n as u64);
        self.total.set(self.total.get() + n as u64);
        self.peak_queries.set(self.peak_queries.get().max(self.used.get()));
        self.peak_batch.set(self.peak_batch.get().max(n));
        for s in &statements {
            self.peak_sql.set(self.peak_sql.get().max(s.sql.len()));
            self.peak_params.set(self.peak_params.get().max(s.params.len()));
        }
        self.inner.batch(statements).await
    }
}
