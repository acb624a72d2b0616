//! [`PostgresExecutor`]: the executor contract over tokio-postgres with a deadpool pool.

use asm_core::sql::{
    Dialect, ExecError, ExecErrorKind, Executor, ResultSet, Statement, migrations,
};
use std::future::Future;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use futures::future::maybe_done;
use futures::poll;
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

use crate::convert::{PgParam, as_sql, changed, params, pg_error, pool_error, rows_result};

/// A pool of PostgreSQL connections (no TLS: a local server or a sidecar proxy).
///
/// Each [`Executor::batch`] takes one pooled connection and runs in one transaction (READ
/// COMMITTED), rolled back on the first error; concurrent batches use separate connections.
/// Prepared statements are cached per connection, and a batch's statements are pipelined
/// between `BEGIN` and `COMMIT`: one round trip per batch once they are prepared. Needs a Tokio runtime (any flavour).
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
        let config: tokio_postgres::Config = url.parse().map_err(|e: tokio_postgres::Error| {
            ExecError::new(ExecErrorKind::Other, e.to_string())
        })?;
        PostgresExecutor::from_config(config, max_connections)
    }

    /// A pool over an explicit configuration (e.g. with `options("-c search_path=…")`).
    pub fn from_config(
        config: tokio_postgres::Config,
        max_connections: usize,
    ) -> Result<PostgresExecutor, ExecError> {
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
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

    /// Creates the optional search indexes (`migrations/optional/postgres/`, not Ecto's schema;
    /// docs/compatibility.md "Optional indexes"): one `CREATE INDEX CONCURRENTLY` at a time,
    /// each outside a transaction as `CONCURRENTLY` requires; idempotent.
    pub async fn apply_search_indexes(&self) -> Result<(), ExecError> {
        for statement in migrations::statements(migrations::POSTGRES_SEARCH_INDEXES) {
            self.simple(&statement).await?;
        }
        Ok(())
    }

    /// Runs SQL text without parameters over the simple protocol (several statements allowed),
    /// for host-side setup and checks.
    pub async fn simple(&self, sql: &str) -> Result<(), ExecError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        client.batch_execute(sql).await.map_err(pg_error)
    }
}

/// Runs one prepared statement: rows for statements that return columns, else the count.
async fn run(
    client: &tokio_postgres::Client,
    prepared: &tokio_postgres::Statement,
    params: &[&(dyn ToSql + Sync)],
) -> Result<ResultSet, ExecError> {
    if prepared.columns().is_empty() {
        return Ok(changed(client.execute(prepared, params).await.map_err(pg_error)?));
    }
    rows_result(prepared, client.query(prepared, params).await.map_err(pg_error)?)
}

impl Executor for PostgresExecutor {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn sleep(&self, ms: u64) -> bool {
        crate::pause(ms).await;
        true
    }

    /// One round trip per batch once its statements are prepared: `BEGIN`, every statement and
    /// `COMMIT` are pipelined (sent before any answer is awaited; the server runs them in
    /// order). A statement the server rejects aborts the transaction, so the pipelined `COMMIT`
    /// becomes a rollback; a statement the client cannot encode is never sent, and then
    /// `ROLLBACK` is sent instead of `COMMIT`. The first error in statement order is returned.
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        let client = self.pool.get().await.map_err(pool_error)?;
        let prepared =
            pipelined(statements.iter().map(|s| client.prepare_cached(&s.sql)).collect())
                .await
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
                .map_err(pg_error)?;
        let params: Vec<Vec<PgParam<'_>>> = statements.iter().map(|s| params(&s.params)).collect();
        let refs: Vec<Vec<&(dyn ToSql + Sync)>> = params.iter().map(|ps| as_sql(ps)).collect();

        let mut begin = Box::pin(maybe_done(client.batch_execute("BEGIN")));
        let _ = poll!(begin.as_mut());
        let mut runs: Vec<_> = prepared
            .iter()
            .zip(&refs)
            .map(|(p, r)| Box::pin(maybe_done(run(&client, p, r))))
            .collect();
        for f in &mut runs {
            let _ = poll!(f.as_mut());
        }
        // A statement that already failed on the client was never sent: the others must not commit.
        let failed_early = runs.iter_mut().any(|f| matches!(f.as_mut().output_mut(), Some(Err(_))));
        let mut end = Box::pin(maybe_done(client.batch_execute(if failed_early {
            "ROLLBACK"
        } else {
            "COMMIT"
        })));
        let _ = poll!(end.as_mut());

        begin.as_mut().await;
        let begun = begin.as_mut().take_output().expect("awaited");
        let mut results = Vec::with_capacity(runs.len());
        let mut first_error = None;
        for f in &mut runs {
            f.as_mut().await;
            match f.as_mut().take_output().expect("awaited") {
                Ok(rs) => results.push(rs),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        end.as_mut().await;
        let ended = end.as_mut().take_output().expect("awaited");
        begun.map_err(pg_error)?;
        if let Some(e) = first_error {
            return Err(e);
        }
        ended.map_err(pg_error)?;
        Ok(results)
    }
}

/// Polls every future once in order (which sends its request), then awaits them all.
async fn pipelined<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<_> = futures.into_iter().map(|f| Box::pin(maybe_done(f))).collect();
    for f in &mut futures {
        let _ = poll!(f.as_mut());
    }
    let mut out = Vec::with_capacity(futures.len());
    for f in &mut futures {
        f.as_mut().await;
        out.push(f.as_mut().take_output().expect("awaited"));
    }
    out
}
