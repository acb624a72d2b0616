//! The schema, embedded so every host can apply it without reading files at run time.
//!
//! The same files are what `wrangler d1 migrations apply` reads (`migrations/d1/`).

use super::dialect::Dialect;
use super::executor::Statement;

/// Creates the five `asm_*` tables and their indexes on SQLite / D1.
pub const SQLITE_UP: &str = include_str!("../../migrations/d1/0001_create_asm_tables.sql");
/// Drops them on SQLite / D1.
pub const SQLITE_DOWN: &str = include_str!("../../migrations/d1-down/0001_create_asm_tables.sql");
/// Creates the five `asm_*` tables and their indexes on PostgreSQL.
pub const POSTGRES_UP: &str = include_str!("../../migrations/postgres/0001_create_asm_tables.sql");
/// Drops them on PostgreSQL.
pub const POSTGRES_DOWN: &str =
    include_str!("../../migrations/postgres-down/0001_create_asm_tables.sql");

/// Optional (not Ecto's schema): the `(updated_at, id)` and `(created_at, id)` indexes on
/// `asm_sessions` that make every `search_sessions` page a range scan, on SQLite / D1.
pub const SQLITE_SEARCH_INDEXES: &str =
    include_str!("../../migrations/optional/d1/0001_asm_sessions_order_indexes.sql");
/// Drops them on SQLite / D1.
pub const SQLITE_SEARCH_INDEXES_DOWN: &str =
    include_str!("../../migrations/optional/d1-down/0001_asm_sessions_order_indexes.sql");
/// The same optional indexes on PostgreSQL, built `CONCURRENTLY` (one statement at a time,
/// outside a transaction) so that a deployment sharing the database keeps writing.
pub const POSTGRES_SEARCH_INDEXES: &str =
    include_str!("../../migrations/optional/postgres/0001_asm_sessions_order_indexes.sql");
/// Drops them on PostgreSQL.
pub const POSTGRES_SEARCH_INDEXES_DOWN: &str =
    include_str!("../../migrations/optional/postgres-down/0001_asm_sessions_order_indexes.sql");

/// The five `asm_*` tables ASM's migration creates, children first: the order in which deleting
/// every row never leaves a row pointing at a deleted one.
pub const TABLES: [&str; 5] =
    ["asm_artifacts", "asm_events", "asm_runs", "asm_session_sequences", "asm_sessions"];

/// One `DELETE FROM` per table, in [`TABLES`] order: empties the store (tests, resets) while
/// keeping the schema.
pub fn delete_all_rows() -> Vec<Statement> {
    TABLES.iter().map(|table| Statement::write(format!("DELETE FROM {table}"))).collect()
}

/// The up migration of a dialect.
pub fn up(dialect: Dialect) -> &'static str {
    if dialect.is_sqlite() { SQLITE_UP } else { POSTGRES_UP }
}

/// The down migration of a dialect.
pub fn down(dialect: Dialect) -> &'static str {
    if dialect.is_sqlite() { SQLITE_DOWN } else { POSTGRES_DOWN }
}

/// The optional search indexes of a dialect (docs/compatibility.md "Optional indexes").
pub fn search_indexes(dialect: Dialect) -> &'static str {
    if dialect.is_sqlite() { SQLITE_SEARCH_INDEXES } else { POSTGRES_SEARCH_INDEXES }
}

/// The statements of a migration, one per entry, for executors that run one statement at a time
/// (D1's `batch()`, tokio-postgres' extended protocol). Comments and blank lines are dropped.
pub fn statements(sql: &str) -> Vec<String> {
    let without_comments: String = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .map(|l| format!("{l}\n"))
        .collect();
    without_comments
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}
