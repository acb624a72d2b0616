//! [`ArtifactRegistry`] for [`SqlStore`]: rows of `asm_artifacts`, soft-deleted by key.

use super::{SqlStore, Where, scope_sql};
use crate::artifact::{Artifact, ArtifactStats, NewArtifact};
use crate::error::{ErrorCode, Result};
use crate::ports::ArtifactRegistry;
use crate::scope::Scope;
use crate::sql::decode::{self, Cells};
use crate::sql::dialect::{Builder, Dialect, SqlType};
use crate::sql::executor::{Executor, Statement, Value};
use crate::sql::{encode, schema};

const PERSISTENCE: ErrorCode = ErrorCode::PersistenceError;
const QUERY: ErrorCode = ErrorCode::QueryError;

/// Inserts the artifact unless its id or key is taken (`changes` tells which happened).
fn insert_artifact(dialect: Dialect, artifact: &Artifact) -> Statement {
    let mut b = Builder::write(dialect);
    b.sql("INSERT INTO asm_artifacts (").sql(schema::ARTIFACT_COLUMNS).sql(") VALUES ");
    encode::bind_tuple(&mut b, encode::artifact(artifact));
    b.sql(" ON CONFLICT DO NOTHING");
    b.build()
}

/// `SELECT <select> FROM asm_artifacts WHERE <column> = <value>`, kept to `scope`, then `tail`.
fn by_text(
    dialect: Dialect,
    scope: &Scope,
    select: &str,
    (column, value): (&str, &str),
    tail: &str,
    page: Option<u32>,
) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT ").sql(select).sql(" FROM asm_artifacts");
    let mut w = Where::new(&mut b);
    w.and().sql(column).sql(" = ").bind(Value::Text(value.to_owned()), SqlType::Text);
    w.scope_session(scope, "session_id");
    b.sql(tail);
    super::limit(&mut b, page.map(u64::from));
    b.build()
}

fn soft_delete_key(
    dialect: Dialect,
    scope: &Scope,
    key: &str,
    now: crate::time::Timestamp,
) -> Statement {
    let mut b = Builder::write(dialect);
    b.sql("UPDATE asm_artifacts SET deleted_at = ")
        .bind(Value::Text(now.to_sql_text()), SqlType::Timestamp);
    let mut w = Where::new(&mut b);
    w.and().sql("deleted_at IS NULL");
    w.text("key = ", Some(&key.to_owned()));
    w.scope_session(scope, "session_id");
    b.build()
}

impl<E: Executor> ArtifactRegistry for SqlStore<E> {
    async fn register(&self, attrs: NewArtifact) -> Result<Artifact> {
        let artifact = Artifact::new(attrs, &self.env)?;
        let d = self.dialect();
        let guards = match (&artifact.session_id, self.scope().is_all()) {
            (_, true) => Vec::new(),
            (Some(session_id), false) => scope_sql::session_inside(d, self.scope(), session_id),
            (None, false) => {
                return Err(crate::scope::out_of_scope(
                    "an artifact of no session is outside this caller's scope",
                ));
            }
        };
        let statement = insert_artifact(d, &artifact);
        let results = self.guarded_write(PERSISTENCE, "register", &guards, vec![statement]).await?;
        if results.first().is_some_and(|rs| rs.changes == 1) {
            return Ok(artifact);
        }
        let key_taken = by_text(d, &Scope::All, "id", ("key", &artifact.key), "", None);
        let rs = self.read(PERSISTENCE, "register", key_taken).await?;
        Err(crate::artifact::taken(if rs.rows.is_empty() { "id" } else { "key" }))
    }

    async fn get_by_key(&self, key: &str) -> Result<Option<Artifact>> {
        let d = self.dialect();
        let select = schema::artifact_select(d);
        let tail = " AND deleted_at IS NULL";
        let stmt = by_text(d, self.scope(), select, ("key", key), tail, None);
        let rs = self.read(QUERY, "get_by_key", stmt).await?;
        match rs.rows.first() {
            Some(row) => decode::artifact(row).map(Some),
            None if self.scope().is_all() => Ok(None),
            None => {
                let all = by_text(d, &Scope::All, "1", ("key", key), tail, None);
                match self.read(QUERY, "get_by_key", all).await?.rows.is_empty() {
                    true => Ok(None),
                    false => Err(crate::scope::out_of_scope(format!(
                        "artifact {key} is outside this caller's scope"
                    ))),
                }
            }
        }
    }

    async fn list_by_session(&self, session_id: &str) -> Result<Vec<Artifact>> {
        let d = self.dialect();
        let stmt = by_text(
            d,
            self.scope(),
            schema::artifact_select(d),
            ("session_id", session_id),
            " AND deleted_at IS NULL ORDER BY created_at, id",
            self.limits.page(None)?,
        );

        let rs = self.read(QUERY, "list_by_session", stmt).await?;
        if rs.rows.is_empty() {
            self.refuse_if_foreign(QUERY, session_id).await?;
        }
        decode::all(&rs.rows, decode::artifact)
    }

    async fn session_stats(&self, session_id: &str) -> Result<ArtifactStats> {
        let d = self.dialect();
        let stmt = by_text(
            d,
            self.scope(),
            "COUNT(id), CAST(COALESCE(SUM(byte_size), 0) AS BIGINT)",
            ("session_id", session_id),
            " AND deleted_at IS NULL",
            None,
        );
        let rs = self.read(QUERY, "session_stats", stmt).await?;
        if rs.rows.first().is_none_or(|row| row.first() == Some(&Value::Integer(0))) {
            self.refuse_if_foreign(QUERY, session_id).await?;
        }
        let Some(row) = rs.rows.first() else {
            return Ok(ArtifactStats { artifact_count: 0, total_bytes: 0 });
        };
        let mut c = Cells::new("asm_artifacts", row);
        Ok(ArtifactStats { artifact_count: c.int()? as u64, total_bytes: c.int()? })
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let (d, scope) = (self.dialect(), self.scope());
        let guards = scope_sql::artifact_not_foreign(d, scope, key);
        let statement = soft_delete_key(d, scope, key, self.env.now());
        self.guarded_write(PERSISTENCE, "delete", &guards, vec![statement]).await?;
        Ok(())
    }
}

impl<E: Executor> crate::ports::ArtifactScan for SqlStore<E> {
    async fn scan_artifacts(&self, after: Option<&str>, limit: u32) -> Result<Vec<Artifact>> {
        let d = self.dialect();
        let mut b = Builder::read(d);
        b.sql("SELECT ").sql(schema::artifact_select(d)).sql(" FROM asm_artifacts");
        let mut w = Where::new(&mut b);
        // Byte order on every backend (PostgreSQL's default collation may not be), as the
        // sweeper merges these rows with object keys compared in Rust.
        let id = if d == Dialect::Postgres { "id COLLATE \"C\"" } else { "id" };
        if let Some(after) = after {
            w.and().sql(id).sql(" > ").bind(Value::Text(after.to_owned()), SqlType::Text);
        }
        w.scope_session(self.scope(), "session_id");
        b.sql(" ORDER BY ").sql(id);
        super::limit(&mut b, Some(u64::from(limit.max(1))));
        let rs = self.read(QUERY, "scan_artifacts", b.build()).await?;
        decode::all(&rs.rows, decode::artifact)
    }
}
