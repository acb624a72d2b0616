//! Fresh SQLite databases in temporary files.

use asm_core::sql::Dialect;

use super::Backend;

/// A SQLite database in a fresh temporary file, removed on drop.
pub type TempDb = asm_native::TempSqlite;

/// Fresh databases whose executor reports this dialect.
pub struct Sqlite(pub Dialect);

impl Backend for Sqlite {
    type Exec = TempDb;
    async fn migrated(&self) -> TempDb {
        TempDb::migrated(self.0).expect("migrated database")
    }
    async fn empty(&self) -> TempDb {
        TempDb::new(self.0).expect("database file")
    }
    async fn up(&self, db: &TempDb) {
        db.apply_migrations().expect("up");
    }
    async fn down(&self, db: &TempDb) {
        db.revert_migrations().expect("down");
    }
}
