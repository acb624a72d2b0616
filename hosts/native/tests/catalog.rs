//! The catalog test: our migrations must produce exactly the catalog ASM's Ecto migration
//! produces (docs/asm-v0.8/sql.md §1), on SQLite and on PostgreSQL, so both can share one database.
//!
//! The Ecto DDL is written out in `fixtures/`; each side is created in its own database (SQLite)
//! or schema (PostgreSQL) and the catalogs are compared column by column and index by index.

use asm_core::sql::migrations;

const ECTO_SQLITE: &str = include_str!("fixtures/ecto_sqlite.sql");
const ECTO_POSTGRES: &str = include_str!("fixtures/ecto_postgres.sql");

type Catalog = Vec<String>;

fn sqlite_catalog(ddl: &str) -> Catalog {
    let conn = rusqlite::Connection::open_in_memory().expect("open in-memory SQLite");
    conn.execute_batch(ddl).expect("apply DDL");
    let mut out = Vec::new();
    let mut tables = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .expect("list tables");
    let names: Vec<String> = tables
        .query_map([], |r| r.get(0))
        .expect("query tables")
        .map(|r| r.expect("table name"))
        .collect();
    for table in names {
        let mut info =
            conn.prepare(&format!("PRAGMA table_info(\"{table}\")")).expect("table_info");
        let cols = info
            .query_map([], |r| {
                Ok(format!(
                    "{table} column #{} {} type={} notnull={} default={:?} pk={}",
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, i64>(5)?
                ))
            })
            .expect("columns");
        out.extend(cols.map(|c| c.expect("column row")));
        let mut list =
            conn.prepare(&format!("PRAGMA index_list(\"{table}\")")).expect("index_list");
        let mut indexes: Vec<(String, i64, String, i64)> = list
            .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .expect("indexes")
            .map(|r| r.expect("index row"))
            .collect();
        indexes.sort();
        for (name, unique, origin, partial) in indexes {
            // Auto-indexes are named after their table's position, not by the DDL; compare their
            // shape only.
            let shown = if name.starts_with("sqlite_autoindex") {
                "<autoindex>".to_owned()
            } else {
                name.clone()
            };
            let mut info =
                conn.prepare(&format!("PRAGMA index_info(\"{name}\")")).expect("index_info");
            let cols: Vec<String> = info
                .query_map([], |r| r.get::<_, String>(2))
                .expect("index columns")
                .map(|c| c.expect("index column"))
                .collect();
            out.push(format!(
                "{table} index {shown} unique={unique} origin={origin} partial={partial} columns={cols:?}"
            ));
        }
    }
    out
}

fn diff(ecto: &Catalog, ours: &Catalog) -> Vec<String> {
    let mut d: Vec<String> =
        ecto.iter().filter(|l| !ours.contains(l)).map(|l| format!("- ecto only: {l}")).collect();
    d.extend(ours.iter().filter(|l| !ecto.contains(l)).map(|l| format!("+ ours only: {l}")));
    d
}

#[test]
fn sqlite_catalog_equals_ecto() {
    let ecto = sqlite_catalog(ECTO_SQLITE);
    let ours = sqlite_catalog(migrations::SQLITE_UP);
    assert!(ecto.len() > 60, "the Ecto catalog looks incomplete: {ecto:#?}");
    let d = diff(&ecto, &ours);
    assert!(d.is_empty(), "SQLite catalog differs from Ecto's:\n{}", d.join("\n"));
    assert_eq!(ecto, ours, "same entries but in another order");
}

#[test]
fn sqlite_down_migration_drops_everything() {
    let conn = rusqlite::Connection::open_in_memory().expect("open");
    conn.execute_batch(migrations::SQLITE_UP).expect("up");
    conn.execute_batch(migrations::SQLITE_DOWN).expect("down");
    let left: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master WHERE name LIKE 'asm_%'", [], |r| r.get(0))
        .expect("count");
    assert_eq!(left, 0);
}

fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "DATABASE_URL is not set: the PostgreSQL tests need a server. Run `eval \"$(scripts/postgres-up)\"` \
             (or use scripts/test, which does it for you)"
        )
    })
}

async fn pg_catalog(client: &tokio_postgres::Client, schema: &str) -> Catalog {
    let mut out = Vec::new();
    let columns = client
        .query(
            "SELECT table_name::text, column_name::text, ordinal_position::int4, coalesce(column_default, '<none>')::text,
                    is_nullable::text, data_type::text, coalesce(character_maximum_length, -1)::int4,
                    coalesce(numeric_precision, -1)::int4, coalesce(datetime_precision, -1)::int4, udt_name::text
             FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position",
            &[&schema],
        )
        .await
        .expect("columns");
    for r in columns {
        out.push(format!(
            "{} column #{} {} default={} nullable={} type={} len={} precision={} dt_precision={} udt={}",
            r.get::<_, String>(0),
            r.get::<_, i32>(2),
            r.get::<_, String>(1),
            r.get::<_, String>(3),
            r.get::<_, String>(4),
            r.get::<_, String>(5),
            r.get::<_, i32>(6),
            r.get::<_, i32>(7),
            r.get::<_, i32>(8),
            r.get::<_, String>(9)
        ));
    }
    let indexes = client
        .query(
            "SELECT tablename::text, indexname::text, replace(indexdef, $1 || '.', '')
             FROM pg_indexes WHERE schemaname = $1 ORDER BY tablename, indexname",
            &[&schema],
        )
        .await
        .expect("indexes");
    for r in indexes {
        out.push(format!(
            "{} index {}: {}",
            r.get::<_, String>(0),
            r.get::<_, String>(1),
            r.get::<_, String>(2)
        ));
    }
    let constraints = client
        .query(
            "SELECT table_name::text, constraint_name::text, constraint_type::text
             FROM information_schema.table_constraints
             WHERE table_schema = $1 AND constraint_type <> 'CHECK' ORDER BY table_name, constraint_name",
            &[&schema],
        )
        .await
        .expect("constraints");
    for r in constraints {
        out.push(format!(
            "{} constraint {} {}",
            r.get::<_, String>(0),
            r.get::<_, String>(1),
            r.get::<_, String>(2)
        ));
    }
    out
}

async fn in_fresh_schema(client: &tokio_postgres::Client, schema: &str, ddl: &str) {
    client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; SET search_path TO {schema};"))
        .await
        .expect("create schema");
    client.batch_execute(ddl).await.expect("apply DDL");
}

#[tokio::test(flavor = "current_thread")]
async fn postgres_catalog_equals_ecto() {
    let (client, connection) = tokio_postgres::connect(&database_url(), tokio_postgres::NoTls)
        .await
        .expect("connect to DATABASE_URL");
    tokio::spawn(connection);
    let tag = std::process::id();
    let (ecto_schema, our_schema) = (format!("catalog_ecto_{tag}"), format!("catalog_ours_{tag}"));
    in_fresh_schema(&client, &ecto_schema, ECTO_POSTGRES).await;
    in_fresh_schema(&client, &our_schema, migrations::POSTGRES_UP).await;
    let ecto = pg_catalog(&client, &ecto_schema).await;
    let ours = pg_catalog(&client, &our_schema).await;
    // Down migration: nothing of ours is left.
    client.batch_execute(&format!("SET search_path TO {our_schema};")).await.expect("search_path");
    client.batch_execute(migrations::POSTGRES_DOWN).await.expect("down");
    let left = pg_catalog(&client, &our_schema).await;
    client
        .batch_execute(&format!(
            "DROP SCHEMA {ecto_schema} CASCADE; DROP SCHEMA {our_schema} CASCADE;"
        ))
        .await
        .expect("drop schemas");
    assert!(ecto.len() > 60, "the Ecto catalog looks incomplete: {ecto:#?}");
    let d = diff(&ecto, &ours);
    assert!(d.is_empty(), "PostgreSQL catalog differs from Ecto's:\n{}", d.join("\n"));
    assert_eq!(ecto, ours, "same entries but in another order");
    assert!(left.is_empty(), "the down migration left: {left:#?}");
}
