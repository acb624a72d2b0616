//! [`SqliteExecutor`]: the executor contract over rusqlite (bundled SQLite).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use asm_core::sql::{
    Dialect, ExecError, ExecErrorKind, Executor, ResultSet, Statement, migrations,
};
use rusqlite::Connection;

use crate::convert::{SqliteParam, sqlite_error, sqlite_value};

/// How long a writer waits for another connection's write lock before giving up (`Transient`).
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// One SQLite connection behind a mutex. Open one per thread (or share one): writers on other
/// connections to the same file wait for each other through WAL and `busy_timeout`.
///
/// Each [`Executor::batch`] runs in `BEGIN IMMEDIATE … COMMIT` (plain `BEGIN` when every
/// statement is a `SELECT`), rolled back on the first error.
#[derive(Debug)]
pub struct SqliteExecutor {
    conn: Mutex<Connection>,
    dialect: Dialect,
}

impl SqliteExecutor {
    /// Opens (or creates) the database file at `path`, in WAL mode with a busy timeout and
    /// temporary tables in memory.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteExecutor, ExecError> {
        let conn = Connection::open(path).map_err(sqlite_error)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite_error)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(sqlite_error)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(sqlite_error)?;
        // The append's INSERT … SELECT reads its target table, so SQLite materialises the
        // selected rows in a temporary table first; keep those in memory, not in a temp file.
        conn.pragma_update(None, "temp_store", "MEMORY").map_err(sqlite_error)?;
        Ok(SqliteExecutor::from_connection(conn))
    }

    /// A private in-memory database (gone when the executor is dropped).
    pub fn open_in_memory() -> Result<SqliteExecutor, ExecError> {
        Ok(SqliteExecutor::from_connection(Connection::open_in_memory().map_err(sqlite_error)?))
    }

    fn from_connection(conn: Connection) -> SqliteExecutor {
        conn.set_prepared_statement_cache_capacity(256);
        // The bundled SQLite has STAT4: a statement comparing a bound value with an indexed
        // column (`session_id = ?1`) is marked to be re-planned whenever that binding changes,
        // and rusqlite's cache clears bindings, so the append's insert and raise were compiled
        // again on every call. The query planner stability guarantee keeps cached plans (the
        // store's statements have one good plan whatever the values).
        let _ = conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true);
        SqliteExecutor { conn: Mutex::new(conn), dialect: Dialect::Sqlite }
    }

    /// The same connection reporting another SQLite-syntax dialect: [`Dialect::D1`] makes the
    /// core write D1's statements (at most 100 bound values each) so tests can exercise them.
    pub fn with_dialect(mut self, dialect: Dialect) -> SqliteExecutor {
        assert!(dialect.is_sqlite(), "a SQLite connection cannot run {dialect:?} SQL");
        self.dialect = dialect;
        self
    }

    /// Creates the `asm_*` tables and indexes (`migrations/d1/`); idempotent.
    pub fn apply_migrations(&self) -> Result<(), ExecError> {
        self.lock().execute_batch(migrations::SQLITE_UP).map_err(sqlite_error)
    }

    /// Drops them again (`migrations/d1-down/`).
    pub fn revert_migrations(&self) -> Result<(), ExecError> {
        self.lock().execute_batch(migrations::SQLITE_DOWN).map_err(sqlite_error)
    }

    /// Creates the optional search indexes (`migrations/optional/d1/`, not Ecto's schema;
    /// docs/compatibility.md "Optional indexes"); idempotent.
    pub fn apply_search_indexes(&self) -> Result<(), ExecError> {
        self.lock().execute_batch(migrations::SQLITE_SEARCH_INDEXES).map_err(sqlite_error)
    }

    /// Runs `f` on the raw connection, for host-side checks (tests, diagnostics).
    pub fn with_connection<T>(&self, f: impl FnOnce(&Connection) -> T) -> T {
        f(&self.lock())
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic in another thread cannot leave a transaction open (every path below ends it),
        // so a poisoned lock still guards a usable connection.
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Runs one statement: rows for statements that return columns, else the change count.
///
/// A statement with more bound values than the dialect allows is refused, as D1 refuses it
/// ("too many SQL variables"), so running the D1 dialect here proves the core's chunking.
fn run(conn: &Connection, dialect: Dialect, statement: &Statement) -> Result<ResultSet, ExecError> {
    if statement.params.len() > dialect.max_params() {
        return Err(ExecError::new(
            ExecErrorKind::Other,
            format!(
                "too many SQL variables: {} > {} ({dialect:?})",
                statement.params.len(),
                dialect.max_params()
            ),
        ));
    }
    let mut stmt = conn.prepare_cached(&statement.sql).map_err(sqlite_error)?;
    for (i, value) in statement.params.iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, SqliteParam(value)).map_err(sqlite_error)?;
    }
    let width = stmt.column_count();
    if width == 0 {
        let changes = stmt.raw_execute().map_err(sqlite_error)?;
        return Ok(ResultSet { columns: Vec::new(), rows: Vec::new(), changes: changes as u64 });
    }
    let columns = stmt.column_names().map(str::to_owned).collect();
    let mut rows = Vec::new();
    let mut cursor = stmt.raw_query();
    while let Some(row) = cursor.next().map_err(sqlite_error)? {
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            values.push(sqlite_value(row.get_ref(i).map_err(sqlite_error)?));
        }
        rows.push(values);
    }
    Ok(ResultSet { columns, rows, changes: 0 })
}

impl Executor for SqliteExecutor {
    fn dialect(&self) -> Dialect {
        self.dialect
    }

    async fn sleep(&self, ms: u64) -> bool {
        crate::pause(ms).await;
        true
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        let conn = self.lock();
        let begin =
            if statements.iter().all(Statement::is_read) { "BEGIN" } else { "BEGIN IMMEDIATE" };
        conn.execute_batch(begin).map_err(sqlite_error)?;
        let outcome =
            statements.iter().map(|s| run(&conn, self.dialect, s)).collect::<Result<Vec<_>, _>>();
        let committed = outcome.and_then(|results| {
            conn.execute_batch("COMMIT").map(|()| results).map_err(sqlite_error)
        });
        if committed.is_err() && !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        committed
    }

    async fn query(&self, statement: Statement) -> Result<ResultSet, ExecError> {
        // One statement in autocommit mode is atomic on its own.
        run(&self.lock(), self.dialect, &statement)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn batch_futures_are_send() {
        let exec = SqliteExecutor::open_in_memory().expect("in-memory database");
        let future = exec.batch(Vec::new());
        assert_send(&future);
    }
}

/// An SQLite database in a fresh file of the OS temp folder, removed (with its WAL files) when
/// dropped: a throwaway store for tests, examples and scratch work.
#[derive(Debug)]
pub struct TempSqlite {
    exec: SqliteExecutor,
    path: PathBuf,
}

impl TempSqlite {
    /// A new, empty database whose executor writes `dialect`'s SQL (SQLite or D1).
    pub fn new(dialect: Dialect) -> Result<TempSqlite, ExecError> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("asm-{}-{n}.db", std::process::id()));
        let exec = SqliteExecutor::open(&path)?.with_dialect(dialect);
        Ok(TempSqlite { exec, path })
    }

    /// A new database with the `asm_*` tables.
    pub fn migrated(dialect: Dialect) -> Result<TempSqlite, ExecError> {
        let db = TempSqlite::new(dialect)?;
        db.exec.apply_migrations()?;
        Ok(db)
    }

    /// The database file, for opening more connections to it.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl std::ops::Deref for TempSqlite {
    type Target = SqliteExecutor;
    fn deref(&self) -> &SqliteExecutor {
        &self.exec
    }
}

impl Drop for TempSqlite {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Executor for TempSqlite {
    fn dialect(&self) -> Dialect {
        self.exec.dialect()
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        self.exec.batch(statements).await
    }

    async fn sleep(&self, ms: u64) -> bool {
        crate::pause(ms).await;
        true
    }
}
