//! Fresh SQLite databases in temporary files.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use asm_core::sql::{Dialect, ExecError, Executor, ResultSet, Statement};
use asm_native::SqliteExecutor;

use super::Backend;

/// A SQLite database in a fresh temporary file, removed on drop.
pub struct TempDb {
    /// The executor.
    pub exec: SqliteExecutor,
    /// The database file.
    pub path: PathBuf,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn temp_path() -> PathBuf {
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    std::env::temp_dir().join(format!("asm-native-test-{}-{n}.db", std::process::id()))
}

impl TempDb {
    fn new(dialect: Dialect) -> TempDb {
        let path = temp_path();
        let exec = SqliteExecutor::open(&path).expect("open sqlite file").with_dialect(dialect);
        TempDb { exec, path }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

impl Executor for TempDb {
    fn dialect(&self) -> Dialect {
        self.exec.dialect()
    }
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        self.exec.batch(statements).await
    }
}

/// Fresh databases whose executor reports this dialect.
pub struct Sqlite(pub Dialect);

impl Backend for Sqlite {
    type Exec = TempDb;
    async fn migrated(&self) -> TempDb {
        let db = TempDb::new(self.0);
        db.exec.apply_migrations().expect("migrations");
        db
    }
    async fn empty(&self) -> TempDb {
        TempDb::new(self.0)
    }
    async fn up(&self, db: &TempDb) {
        db.exec.apply_migrations().expect("up");
    }
    async fn down(&self, db: &TempDb) {
        db.exec.revert_migrations().expect("down");
    }
}
