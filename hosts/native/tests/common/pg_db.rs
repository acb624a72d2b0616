//! Fresh PostgreSQL schemas on the server `DATABASE_URL` names.

use std::sync::atomic::{AtomicUsize, Ordering};

use asm_core::sql::{Dialect, ExecError, Executor, ResultSet, Statement};
use asm_native::PostgresExecutor;

use super::{Backend, block_on};

/// `DATABASE_URL`, or a panic that says how to start a server.
pub fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "DATABASE_URL is not set. Start a throwaway PostgreSQL with `eval \"$(scripts/postgres-up)\"` \
             (from the repository root) and run the tests again."
        )
    })
}

/// A fresh schema on the test server, dropped (with everything in it) on drop.
pub struct PgDb {
    /// The executor (its connections use the schema as search_path).
    pub exec: PostgresExecutor,
    schema: String,
    config: tokio_postgres::Config,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

impl PgDb {
    /// A new empty schema.
    pub async fn new() -> PgDb {
        let url = database_url();
        let schema =
            format!("asm_test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
        let admin = PostgresExecutor::connect(&url, 1).expect("pool");
        admin
            .simple(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
            .await
            .unwrap_or_else(|e| panic!("cannot reach DATABASE_URL={url}: {e}"));
        let mut config: tokio_postgres::Config = url.parse().expect("DATABASE_URL");
        config.options(format!("-c search_path={schema}"));
        PgDb {
            exec: PostgresExecutor::from_config(config.clone(), 16).expect("pool"),
            schema,
            config,
        }
    }

    /// A new connection of its own to the schema (for a writer that is not the store), whose
    /// connection task runs on the current Tokio runtime.
    pub async fn client(&self) -> tokio_postgres::Client {
        let (client, connection) =
            self.config.connect(tokio_postgres::NoTls).await.expect("connect to DATABASE_URL");
        tokio::spawn(async move {
            let _ = connection.await;
        });
        client
    }

    /// The schema's name, for raw SQL that reads the tables without the store.
    pub fn schema(&self) -> &str {
        &self.schema
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let (url, schema) = (database_url(), self.schema.clone());
        let _ = std::thread::spawn(move || {
            block_on(async move {
                if let Ok(admin) = PostgresExecutor::connect(&url, 1) {
                    let _ = admin.simple(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await;
                }
            })
        })
        .join();
    }
}

impl Executor for PgDb {
    fn dialect(&self) -> Dialect {
        self.exec.dialect()
    }
    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        self.exec.batch(statements).await
    }
    async fn sleep(&self, ms: u64) -> bool {
        self.exec.sleep(ms).await
    }
}

/// Fresh schemas on the test server.
pub struct Postgres;

impl Backend for Postgres {
    type Exec = PgDb;
    async fn migrated(&self) -> PgDb {
        let db = PgDb::new().await;
        db.exec.apply_migrations().await.expect("migrations");
        db
    }
    async fn empty(&self) -> PgDb {
        PgDb::new().await
    }
    async fn up(&self, db: &PgDb) {
        db.exec.apply_migrations().await.expect("up");
    }
    async fn down(&self, db: &PgDb) {
        db.exec.revert_migrations().await.expect("down");
    }
}
