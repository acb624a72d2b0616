//! [`ArtifactRegistry`] for [`SqlStore`]: rows of `asm_artifacts`, soft-deleted by key.

use super::SqlStore;
use crate::artifact::{Artifact, ArtifactStats, NewArtifact};
use crate::error::{ErrorCode, Result};
use crate::ports::ArtifactRegistry;
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

fn by_text(dialect: Dialect, select: &str, from_where: &str, value: &str, tail: &str) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT ")
        .sql(select)
        .sql(from_where)
        .bind(Value::Text(value.to_owned()), SqlType::Text)
        .sql(tail);
    b.build()
}

fn soft_delete_key(dialect: Dialect, key: &str, now: crate::time::Timestamp) -> Statement {
    let mut b = Builder::write(dialect);
    b.sql("UPDATE asm_artifacts SET deleted_at = ")
        .bind(Value::Text(now.to_sql_text()), SqlType::Timestamp);
    b.sql(" WHERE deleted_at IS NULL AND key = ").bind(Value::Text(key.to_owned()), SqlType::Text);
    b.build()
}

impl<E: Executor> ArtifactRegistry for SqlStore<E> {
    async fn register(&self, attrs: NewArtifact) -> Result<Artifact> {
        let artifact = Artifact::new(attrs, &self.env)?;
        let d = self.dialect();
        let results =
            self.write(PERSISTENCE, "register", vec![insert_artifact(d, &artifact)]).await?;
        if results.first().is_some_and(|rs| rs.changes == 1) {
            return Ok(artifact);
        }
        let key_taken = by_text(d, "id", " FROM asm_artifacts WHERE key = ", &artifact.key, "");
        let rs = self.read(PERSISTENCE, "register", key_taken).await?;
        Err(crate::artifact::taken(if rs.rows.is_empty() { "id" } else { "key" }))
    }

    async fn get_by_key(&self, key: &str) -> Result<Option<Artifact>> {
        let d = self.dialect();
        let stmt = by_text(
            d,
            schema::artifact_select(d),
            " FROM asm_artifacts WHERE key = ",
            key,
            " AND deleted_at IS NULL",
        );
        let rs = self.read(QUERY, "get_by_key", stmt).await?;
        rs.rows.first().map(|row| decode::artifact(row)).transpose()
    }

    async fn list_by_session(&self, session_id: &str) -> Result<Vec<Artifact>> {
        let d = self.dialect();
        let stmt = by_text(
            d,
            schema::artifact_select(d),
            " FROM asm_artifacts WHERE session_id = ",
            session_id,
            " AND deleted_at IS NULL ORDER BY created_at, id",
        );
        let rs = self.read(QUERY, "list_by_session", stmt).await?;
        decode::all(&rs.rows, decode::artifact)
    }

    async fn session_stats(&self, session_id: &str) -> Result<ArtifactStats> {
        let d = self.dialect();
        let stmt = by_text(
            d,
            "COUNT(id), CAST(COALESCE(SUM(byte_size), 0) AS BIGINT)",
            " FROM asm_artifacts WHERE session_id = ",
            session_id,
            " AND deleted_at IS NULL",
        );
        let rs = self.read(QUERY, "session_stats", stmt).await?;
        let Some(row) = rs.rows.first() else {
            return Ok(ArtifactStats { artifact_count: 0, total_bytes: 0 });
        };
        let mut c = Cells::new("asm_artifacts", row);
        Ok(ArtifactStats { artifact_count: c.int()? as u64, total_bytes: c.int()? })
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let statement = soft_delete_key(self.dialect(), key, self.env.now());
        self.write(PERSISTENCE, "delete", vec![statement]).await?;
        Ok(())
    }
}
