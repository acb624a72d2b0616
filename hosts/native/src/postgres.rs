//! [`PostgresExecutor`]: the executor contract over tokio-postgres with a deadpool pool.

use asm_core::sql::{migrations, Dialect, ExecError, ExecErrorKind, Executor, ResultSet, Statement};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::types::ToSql;
use tokio_postgres::NoTls;

use crate::convert::{pg_error, pool_error, PgCell, PgParam};

/// A pool of PostgreSQL connections (no TLS: a local server or a sidecar proxy).
///
/// Each [`Executor::batch`] takes one pooled connection and runs in one transaction (READ
/// COMMITTED), rolled back on the first error; concurrent batches use separate connections.
/// Prepared statements are cached per connection. Needs a Tokio runtime (any flavour).
#[derive(Clone)]
pub struct PostgresExecutor {
    pool: Pool,
}

impl std::fmt::Debug for PostgresExecutor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresExecutor").field("status", &self.pool.status()).finish()
    }
}

impl PostgresExecutor {
    /// A pool of up to `max_connections` connections to `url` (`postgres://user@host:port/db`).
    pub fn connect(url: &str, max_connections: usize) -> Result<PostgresExecutor, ExecError> {
        let config: tokio_postgres::Config =
            url.parse().map_err(|e: tokio_postgres::Error| ExecError::new(ExecErrorKind::Other, e.to_string()))?;
        PostgresExecutor::from_config(config, max_connections)
    }

    /// A pool over an explicit configuration (e.g. with `options("-c search_path=…")`).
    pub fn from_config(config: tokio_postgres::Config, max_connections: usize) -> Result<PostgresExecutor, ExecError> {
        let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(max_connections.max(1))
            .build()
            .map_err(|e| ExecError::new(ExecErrorKind::Other, e.to_string()))?;
        Ok(PostgresExecutor { pool })
    }

    /// An executor over a pool the host built itself.
    pub fn from_pool(pool: Pool) -> PostgresExecutor {
        PostgresExecutor { pool }
    }

    /// Creates the `asm_*` tables and indexes (`migrations/postgres/`); idempotent.
    pub async fn apply_migrations(&self) -> Result<(), ExecError> {
        self.simple(migrations::POSTGRES_UP).await
    }

    /// Drops them again (`migrations/postgres-down/`).
    pub async fn revert_migrations(&self) -> Result<(), ExecError> {
        self.simple(migrations::POSTGRES_DOWN).await
    }

    /// Runs SQL text without parameters over the simple protocol (several statements allowed),
    /// for host-side setup and checks.
    pub async fn simple(&self, sql: &str) -> Result<(), ExecError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        client.batch_execute(sql).await.map_err(pg_error)
    }
}

/// Runs one statement inside `tx`: rows for statements that return columns, else the count.
async fn run(tx: &deadpool_postgres::Transaction<'_>, statement: &Statement) -> Result<ResultSet, ExecError> {
    let prepared = tx.prepare_cached(&statement.sql).await.map_err(pg_error)?;
    let params: Vec<PgParam<'_>> = statement.params.iter().map(PgParam).collect();
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
    if prepared.columns().is_empty() {
        let changes = tx.execute(&prepared, &refs).await.map_err(pg_error)?;
        return Ok(ResultSet { columns: Vec::new(), rows: Vec::new(), changes });
    }
    let columns = prepared.columns().iter().map(|c| c.name().to_owned()).collect();
    let mut rows = Vec::new();
    for row in tx.query(&prepared, &refs).await.map_err(pg_error)? {
        let mut values = Vec::with_capacity(row.len());
        for i in 0..row.len() {
            let cell: PgCell = row.try_get(i).map_err(pg_error)?;
            values.push(cell.0);
        }
        rows.push(values);
    }
    Ok(ResultSet { columns, rows, changes: 0 })
}

impl Executor for PostgresExecutor {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        let mut client = self.pool.get().await.map_err(pool_error)?;
        let tx = client.transaction().await.map_err(pg_error)?;
        let mut results = Vec::with_capacity(statements.len());
        for statement in &statements {
            match run(&tx, statement).await {
                Ok(rs) => results.push(rs),
                Err(e) => {
                    let _ = tx.rollback().await;
                    return Err(e);
                }
            }
        }
        tx.commit().await.map_err(pg_error)?;
        Ok(results)
    }
}
