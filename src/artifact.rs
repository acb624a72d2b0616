//! Artifact metadata: what the registry knows of a blob kept in an artifact store.

use crate::error::{Error, Result};
use crate::id::{Env, IdKind};
use crate::json::JsonMap;
use crate::time::Timestamp;

/// A row of `asm_artifacts` (`persistence/artifact_registry.ex`).
#[derive(Debug, Clone, PartialEq)]
pub struct Artifact {
    /// `art_` + 16 base64url characters unless the caller chose one.
    pub id: String,
    /// The owning session, if any; maintenance removes artifacts whose session is gone.
    pub session_id: Option<String>,
    /// The owning run, if any.
    pub run_id: Option<String>,
    /// Unique across all artifacts, soft-deleted ones included.
    pub key: String,
    /// MIME type, if known.
    pub content_type: Option<String>,
    /// Size of the blob in bytes.
    pub byte_size: i64,
    /// SHA-256 of the blob as the caller computed it (not verified).
    pub checksum_sha256: String,
    /// Which store holds the blob (`s3`, `file`, …).
    pub storage_backend: String,
    /// Where in that store (`s3://bucket/…`).
    pub storage_ref: String,
    /// Free-form caller data.
    pub metadata: JsonMap,
    /// Stamped by the registry.
    pub created_at: Timestamp,
    /// Stamped by a registry delete (soft delete).
    pub deleted_at: Option<Timestamp>,
}

/// What `ArtifactRegistry::register` takes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewArtifact {
    /// A caller-chosen id; generated when `None`.
    pub id: Option<String>,
    /// The owning session.
    pub session_id: Option<String>,
    /// The owning run.
    pub run_id: Option<String>,
    /// Required.
    pub key: Option<String>,
    /// MIME type.
    pub content_type: Option<String>,
    /// Required.
    pub byte_size: Option<i64>,
    /// Required.
    pub checksum_sha256: Option<String>,
    /// Required.
    pub storage_backend: Option<String>,
    /// Required.
    pub storage_ref: Option<String>,
    /// Free-form caller data.
    pub metadata: JsonMap,
}

/// Artifact totals of one session (non-deleted rows only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ArtifactStats {
    /// Number of artifacts.
    pub artifact_count: u64,
    /// Sum of their byte sizes.
    pub total_bytes: i64,
}

impl Artifact {
    /// Validates the registry's required fields and stamps `created_at`.
    ///
    /// ASM answers a missing required key with `persistence_error`; the message names the key.
    /// Texts longer than [`crate::validator::MAX_TEXT_CHARS`] or holding NUL, and metadata with
    /// NUL, are `validation_error` (PostgreSQL could not store them; not in ASM v0.8).
    pub fn new(attrs: NewArtifact, env: &Env) -> Result<Artifact> {
        fn required<T>(value: Option<T>, field: &str) -> Result<T> {
            value.ok_or_else(|| {
                Error::new(
                    crate::error::ErrorCode::PersistenceError,
                    format!("{field} is required"),
                )
            })
        }
        let key = required(attrs.key, "key")?;
        let byte_size = required(attrs.byte_size, "byte_size")?;
        let checksum_sha256 = required(attrs.checksum_sha256, "checksum_sha256")?;
        let storage_backend = required(attrs.storage_backend, "storage_backend")?;
        let storage_ref = required(attrs.storage_ref, "storage_ref")?;
        crate::json::check_map_depth("metadata", &attrs.metadata)?;
        if key.is_empty() {
            return Err(Error::validation("key cannot be empty"));
        }
        let id = attrs.id.filter(|i| !i.is_empty());
        // Every text column is varchar(255) on PostgreSQL: the same limits on every backend.
        for (field, value) in [
            ("id", id.as_deref()),
            ("session_id", attrs.session_id.as_deref()),
            ("run_id", attrs.run_id.as_deref()),
            ("key", Some(key.as_str())),
            ("content_type", attrs.content_type.as_deref()),
            ("checksum_sha256", Some(checksum_sha256.as_str())),
            ("storage_backend", Some(storage_backend.as_str())),
            ("storage_ref", Some(storage_ref.as_str())),
        ] {
            crate::validator::check_opt_text(field, value)?;
        }
        Ok(Artifact {
            id: match id {
                Some(id) => id,
                None => env.new_id(IdKind::Artifact)?,
            },
            session_id: attrs.session_id,
            run_id: attrs.run_id,
            key,
            content_type: attrs.content_type,
            byte_size,
            checksum_sha256,
            storage_backend,
            storage_ref,
            metadata: attrs.metadata,
            created_at: env.now(),
            deleted_at: None,
        })
    }
}

/// ASM's answer when an artifact's `key` or `id` is already registered: `persistence_error`
/// "<field> has already been taken", with the typed [`Cause::Conflict`](crate::Cause) hosts
/// map to 409.
pub(crate) fn taken(field: &str) -> Error {
    Error::new(crate::ErrorCode::PersistenceError, format!("{field} has already been taken"))
        .with_cause(crate::Cause::Conflict)
}
