//! [`HyperdriveExecutor`]: the executor contract over PostgreSQL reached through a Hyperdrive
//! binding. Each batch opens a connection, runs in one transaction and closes the connection
//! cleanly before returning (no socket outlives the batch; docs/toolchain.md §4).

use asm_core::sql::{Dialect, ExecError, ExecErrorKind, Executor, ResultSet, Statement};
use futures_util::future::join;
use worker::{Hyperdrive, SecureTransport, Socket};

use asm_postgres_types::{as_sql, changed, params, pg_error, rows_result};

/// Runs the core's statements on the PostgreSQL database behind a Hyperdrive binding.
pub struct HyperdriveExecutor {
    hyperdrive: Hyperdrive,
}

impl HyperdriveExecutor {
    /// An executor over the Hyperdrive binding.
    pub fn new(hyperdrive: Hyperdrive) -> HyperdriveExecutor {
        HyperdriveExecutor { hyperdrive }
    }
}

fn connect_error(message: String) -> ExecError {
    ExecError::new(ExecErrorKind::Transient, message)
}

/// Runs one statement: rows for statements that return columns, else the row count.
async fn run(
    tx: &tokio_postgres::Transaction<'_>,
    statement: &Statement,
) -> Result<ResultSet, ExecError> {
    let prepared = tx.prepare(&statement.sql).await.map_err(pg_error)?;
    let params = params(&statement.params);
    let refs = as_sql(&params);
    if prepared.columns().is_empty() {
        return Ok(changed(tx.execute(&prepared, &refs).await.map_err(pg_error)?));
    }
    rows_result(&prepared, tx.query(&prepared, &refs).await.map_err(pg_error)?)
}

/// The statements in one transaction, rolled back (by dropping it) on the first error.
async fn transaction(
    client: &mut tokio_postgres::Client,
    statements: &[Statement],
) -> Result<Vec<ResultSet>, ExecError> {
    let tx = client.transaction().await.map_err(pg_error)?;
    let mut results = Vec::with_capacity(statements.len());
    for statement in statements {
        results.push(run(&tx, statement).await?);
    }
    tx.commit().await.map_err(pg_error)?;
    Ok(results)
}

impl Executor for HyperdriveExecutor {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        let config: tokio_postgres::Config = self
            .hyperdrive
            .connection_string()
            .parse()
            .map_err(|e: tokio_postgres::Error| connect_error(e.to_string()))?;
        let socket = Socket::builder()
            .secure_transport(SecureTransport::StartTls)
            .connect(self.hyperdrive.host(), self.hyperdrive.port())
            .map_err(|e| connect_error(e.to_string()))?;
        let (mut client, connection) = config
            .connect_raw(socket, worker::postgres_tls::PassthroughTls)
            .await
            .map_err(pg_error)?;
        let work = async move {
            let result = transaction(&mut client, &statements).await;
            drop(client); // ends the connection future with a Terminate message
            result
        };
        // A connection error after the work finished changes nothing: the commit happened.
        let (result, _closed) = join(work, connection).await;
        result
    }
}
