//! The two databases: fresh migrated databases for ours and for raw, and the W6 writers.

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use asm_core::ports::SessionStore;
use asm_core::sql::{Executor, SqlStore, migrations};
use asm_core::{Event, Session};
use asm_native::{PostgresExecutor, SqliteExecutor, system_env};

use crate::{raw_pg, raw_sqlite};

/// What the workloads need of a database.
#[allow(async_fn_in_trait)]
pub trait Backend {
    /// Our executor.
    type Exec: Executor;
    /// The raw baseline's connection.
    type Raw: RawOps;
    /// A database handle (file path, schema).
    type Db;
    /// `sqlite` or `postgres`.
    fn name(&self) -> &'static str;
    /// A new migrated empty database.
    async fn fresh(&self) -> Self::Db;
    /// Our store on `db`.
    async fn ours(&self, db: &Self::Db) -> SqlStore<Self::Exec>;
    /// A raw connection to `db`.
    async fn raw(&self, db: &Self::Db) -> Self::Raw;
    /// Removes `db`.
    async fn drop_db(&self, db: Self::Db);
    /// Stores `sessions` and `events` as the W5 template.
    async fn make_template(&self, sessions: &[Session], events: &[Event]);
    /// A copy of the template.
    async fn copy_template(&self) -> Self::Db;
    /// Removes the template.
    async fn drop_template(&self);
    /// W6: each writer appends its batches (one session per writer) concurrently; wall time.
    async fn concurrent(&self, db: &Self::Db, ours: bool, writers: &[Vec<Vec<Event>>]) -> Duration;
}

/// The raw baseline's operations (see raw_sqlite.rs / raw_pg.rs).
#[allow(async_fn_in_trait)]
pub trait RawOps {
    /// Counter upsert + event insert in one transaction.
    async fn append_one(&self, e: &Event);
    /// One session's batch in one transaction.
    async fn append_batch(&self, events: &[Event]);
    /// A session's events in order; the count.
    async fn read_session(&self, session_id: &str) -> usize;
    /// Total, page size and the last key of the page after `after`.
    async fn search(
        &self,
        after: Option<&(String, String)>,
        limit: i64,
    ) -> (i64, usize, Option<(String, String)>);
    /// The W5 maintenance.
    async fn maintenance(&self, now: &str, soft: &str, hard: &str, max: i64, batch: usize) -> u64;
    /// Setup bulk load.
    async fn load(&self, sessions: &[Session], events: &[Event]);
    /// Runs SQL text without parameters, one statement at a time outside a transaction (setup:
    /// bulk seeding, the optional indexes).
    async fn run_sql(&self, sql: &str);
}

impl RawOps for raw_sqlite::Raw {
    async fn append_one(&self, e: &Event) {
        raw_sqlite::Raw::append_one(self, e)
    }
    async fn append_batch(&self, events: &[Event]) {
        raw_sqlite::Raw::append_batch(self, events)
    }
    async fn read_session(&self, session_id: &str) -> usize {
        raw_sqlite::Raw::read_session(self, session_id).len()
    }
    async fn search(
        &self,
        after: Option<&(String, String)>,
        limit: i64,
    ) -> (i64, usize, Option<(String, String)>) {
        let (total, page, last) = raw_sqlite::Raw::search(self, after, limit);
        (total, page.len(), last)
    }
    async fn maintenance(&self, now: &str, soft: &str, hard: &str, max: i64, batch: usize) -> u64 {
        raw_sqlite::Raw::maintenance(self, now, soft, hard, max, batch)
    }
    async fn load(&self, sessions: &[Session], events: &[Event]) {
        raw_sqlite::Raw::load(self, sessions, events)
    }
    async fn run_sql(&self, sql: &str) {
        self.conn.execute_batch(sql).expect("setup SQL");
    }
}

impl RawOps for raw_pg::Raw {
    async fn append_one(&self, e: &Event) {
        raw_pg::Raw::append_one(self, e).await
    }
    async fn append_batch(&self, events: &[Event]) {
        raw_pg::Raw::append_batch(self, events).await
    }
    async fn read_session(&self, session_id: &str) -> usize {
        raw_pg::Raw::read_session(self, session_id).await.len()
    }
    async fn search(
        &self,
        after: Option<&(String, String)>,
        limit: i64,
    ) -> (i64, usize, Option<(String, String)>) {
        let (total, page, last) = raw_pg::Raw::search(self, after, limit).await;
        (total, page.len(), last)
    }
    async fn maintenance(&self, now: &str, soft: &str, hard: &str, max: i64, batch: usize) -> u64 {
        raw_pg::Raw::maintenance(self, now, soft, hard, max, batch).await
    }
    async fn load(&self, sessions: &[Session], events: &[Event]) {
        raw_pg::Raw::load(self, sessions, events).await
    }
    async fn run_sql(&self, sql: &str) {
        for statement in migrations::statements(sql) {
            self.client().batch_execute(&statement).await.expect("setup SQL");
        }
    }
}

/// SQLite files in a private temporary directory.
pub struct Sqlite {
    dir: PathBuf,
    next: Cell<usize>,
    /// `sqlite` (`synchronous = NORMAL`, the executor's setting) or `sqlite-full`.
    name: &'static str,
    /// The `synchronous` pragma of ours and raw.
    synchronous: &'static str,
}

impl Sqlite {
    /// A new directory under the system temp dir.
    pub fn new() -> Sqlite {
        let dir = std::env::temp_dir().join(format!("asm-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Sqlite { dir, next: Cell::new(0), name: "sqlite", synchronous: "NORMAL" }
    }

    /// The same with `synchronous = FULL` on both sides (an fsync per commit in WAL mode): the
    /// durability a user who cannot lose a committed append on power loss picks.
    pub fn full() -> Sqlite {
        let mut sqlite = Sqlite::new();
        (sqlite.name, sqlite.synchronous) = ("sqlite-full", "FULL");
        sqlite
    }
}

/// Our executor on `db` with the `synchronous` pragma `sync`.
fn sqlite_executor(db: &Path, sync: &str) -> SqliteExecutor {
    let exec = SqliteExecutor::open(db).expect("open");
    exec.with_connection(|c| c.pragma_update(None, "synchronous", sync)).expect("synchronous");
    exec
}

/// The raw baseline's connection to `db` with the `synchronous` pragma `sync`.
fn sqlite_raw(db: &Path, sync: &str) -> raw_sqlite::Raw {
    let raw = raw_sqlite::Raw::open(db);
    raw.conn.pragma_update(None, "synchronous", sync).expect("synchronous");
    raw
}

impl Sqlite {
    fn path(&self) -> PathBuf {
        let n = self.next.get();
        self.next.set(n + 1);
        self.dir.join(format!("db{n}.sqlite"))
    }

    fn template(&self) -> PathBuf {
        self.dir.join("template.sqlite")
    }
}

impl Drop for Sqlite {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Backend for Sqlite {
    type Exec = SqliteExecutor;
    type Raw = raw_sqlite::Raw;
    type Db = PathBuf;

    fn name(&self) -> &'static str {
        self.name
    }
    async fn fresh(&self) -> PathBuf {
        let path = self.path();
        raw_sqlite::Raw::open(&path).conn.execute_batch(migrations::SQLITE_UP).expect("migrations");
        path
    }
    async fn ours(&self, db: &PathBuf) -> SqlStore<SqliteExecutor> {
        SqlStore::new(sqlite_executor(db, self.synchronous), system_env())
    }
    async fn raw(&self, db: &PathBuf) -> raw_sqlite::Raw {
        sqlite_raw(db, self.synchronous)
    }
    async fn drop_db(&self, db: PathBuf) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
    async fn make_template(&self, sessions: &[Session], events: &[Event]) {
        let path = self.template();
        let raw = raw_sqlite::Raw::open(&path);
        raw.conn.execute_batch(migrations::SQLITE_UP).expect("migrations");
        raw.load(sessions, events);
        raw.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").expect("checkpoint");
    }
    async fn copy_template(&self) -> PathBuf {
        let path = self.path();
        std::fs::copy(self.template(), &path).expect("copy template");
        path
    }
    async fn drop_template(&self) {
        self.drop_db(self.template()).await;
    }
    async fn concurrent(&self, db: &PathBuf, ours: bool, writers: &[Vec<Vec<Event>>]) -> Duration {
        let sync = self.synchronous;
        let started = Instant::now();
        std::thread::scope(|scope| {
            for batches in writers {
                scope.spawn(move || {
                    if ours {
                        let store = SqlStore::new(sqlite_executor(db, sync), system_env());
                        for batch in batches {
                            futures::executor::block_on(store.append_events(batch))
                                .expect("append");
                        }
                    } else {
                        let raw = sqlite_raw(db, sync);
                        for batch in batches {
                            raw.append_batch(batch);
                        }
                    }
                });
            }
        });
        started.elapsed()
    }
}

/// Schemas on the server `DATABASE_URL` names.
pub struct Postgres {
    url: String,
    admin: PostgresExecutor,
    next: Cell<usize>,
    /// `postgres` or `postgres-fsync`.
    name: &'static str,
}

impl Postgres {
    /// Connects to `DATABASE_URL` (bench/run sets it).
    pub async fn new() -> Postgres {
        let url = std::env::var("DATABASE_URL")
            .expect("DATABASE_URL is not set: run bench/run, which starts a server");
        let admin = PostgresExecutor::connect(&url, 1).expect("pool");
        Postgres { url, admin, next: Cell::new(0), name: "postgres" }
    }

    /// The same server with `fsync = on` while it runs (bench/run's server has it off; `fsync`
    /// is reloadable, so `ALTER SYSTEM` and a reload switch it): commits wait for the disk.
    /// [`Postgres::restore_fsync`] switches it back.
    pub async fn with_fsync() -> Postgres {
        let pg = Postgres { name: "postgres-fsync", ..Postgres::new().await };
        // ALTER SYSTEM cannot run in the implicit transaction of a multi-statement query.
        pg.admin.simple("ALTER SYSTEM SET fsync = on").await.expect("fsync on");
        pg.admin.simple("SELECT pg_reload_conf()").await.expect("reload");
        pg
    }

    /// Back to the server's own `fsync` setting.
    pub async fn restore_fsync(&self) {
        self.admin.simple("ALTER SYSTEM RESET fsync").await.expect("fsync reset");
        self.admin.simple("SELECT pg_reload_conf()").await.expect("reload");
    }

    fn config(&self, schema: &str) -> tokio_postgres::Config {
        let mut config: tokio_postgres::Config = self.url.parse().expect("DATABASE_URL");
        config.options(format!("-c search_path={schema}"));
        config
    }

    async fn create(&self, schema: &str) {
        let sql = format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; SET search_path = {schema}; {}; RESET search_path",
            migrations::POSTGRES_UP
        );
        self.admin.simple(&sql).await.expect("create schema");
    }
}

const POOL: usize = 8;

impl Backend for Postgres {
    type Exec = PostgresExecutor;
    type Raw = raw_pg::Raw;
    type Db = String;

    fn name(&self) -> &'static str {
        self.name
    }
    async fn fresh(&self) -> String {
        let n = self.next.get();
        self.next.set(n + 1);
        let schema = format!("asm_bench_{}_{n}", std::process::id());
        self.create(&schema).await;
        schema
    }
    async fn ours(&self, db: &String) -> SqlStore<PostgresExecutor> {
        SqlStore::new(
            PostgresExecutor::from_config(self.config(db), POOL).expect("pool"),
            system_env(),
        )
    }
    async fn raw(&self, db: &String) -> raw_pg::Raw {
        raw_pg::Raw::connect(&self.config(db)).await
    }
    async fn drop_db(&self, db: String) {
        self.admin
            .simple(&format!("DROP SCHEMA IF EXISTS {db} CASCADE"))
            .await
            .expect("drop schema");
    }
    async fn make_template(&self, sessions: &[Session], events: &[Event]) {
        let schema = format!("asm_bench_{}_template", std::process::id());
        self.create(&schema).await;
        raw_pg::Raw::connect(&self.config(&schema)).await.load(sessions, events).await;
        self.admin
            .simple(&format!("ANALYZE {schema}.asm_events; ANALYZE {schema}.asm_sessions"))
            .await
            .expect("analyze");
    }
    async fn copy_template(&self) -> String {
        let db = self.fresh().await;
        let t = format!("asm_bench_{}_template", std::process::id());
        let mut sql = String::new();
        for table in ["asm_sessions", "asm_events", "asm_session_sequences"] {
            sql.push_str(&format!(
                "INSERT INTO {db}.{table} SELECT * FROM {t}.{table}; ANALYZE {db}.{table}; "
            ));
        }
        self.admin.simple(&sql).await.expect("copy template");
        db
    }
    async fn drop_template(&self) {
        self.drop_db(format!("asm_bench_{}_template", std::process::id())).await;
    }
    async fn concurrent(&self, db: &String, ours: bool, writers: &[Vec<Vec<Event>>]) -> Duration {
        if ours {
            let executor = PostgresExecutor::from_config(self.config(db), POOL).expect("pool");
            let stores: Vec<_> =
                writers.iter().map(|_| SqlStore::new(executor.clone(), system_env())).collect();
            // Open the pool's connections before the clock starts, as the raw side does.
            futures::future::join_all(stores.iter().map(|s| s.get_latest_sequence("warm-up")))
                .await;
            let started = Instant::now();
            futures::future::join_all(stores.iter().zip(writers).map(
                |(store, batches)| async move {
                    for batch in batches {
                        store.append_events(batch).await.expect("append");
                    }
                },
            ))
            .await;
            started.elapsed()
        } else {
            let mut raws = Vec::new();
            for _ in writers {
                raws.push(raw_pg::Raw::connect(&self.config(db)).await);
            }
            let started = Instant::now();
            futures::future::join_all(raws.iter().zip(writers).map(|(raw, batches)| async move {
                for batch in batches {
                    raw.append_batch(batch).await;
                }
            }))
            .await;
            started.elapsed()
        }
    }
}
