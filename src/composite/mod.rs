//! [`CompositeStore`]: ASM's `CompositeSessionStore` (sql §7.4) — a session store and an
//! artifact store as one object — plus what ASM leaves to the user: an artifact's row and its
//! bytes kept consistent, a sweeper for bytes no row describes, and archiving before pruning.
//!
//! The protocol (`docs/artifacts.md`): bytes first, under a key no other artifact uses
//! (`blobs/<key>/<artifact id>`), then the registry row that points at them. A reader finds an
//! artifact through its row, so it never sees a row whose bytes are missing; a failure between
//! the two steps (or a delete, which removes the row first) leaves bytes without a row, which
//! [`CompositeStore::sweep`] removes once they are older than the grace period.

mod archive;
mod content;
mod forward;
mod sweep;

pub use content::{BLOB_PREFIX, blob_key, parse_blob_key};
pub use sweep::SweepReport;

use crate::id::Env;

/// How long bytes without a row are left alone by default (one hour): longer than any upload
/// takes between writing the bytes and registering the row.
pub const DEFAULT_GRACE_MS: i64 = 60 * 60 * 1000;

/// A session store `S` (with its artifact registry) and an artifact store `A` as one store.
///
/// Every session, query, maintenance and registry call goes to `S` unchanged; `ArtifactStore`
/// calls go to `A`, guarded so that a backend failure is `storage_error` "Artifact store <op>
/// failed: …" and never affects the session operations.
#[derive(Debug)]
pub struct CompositeStore<S, A> {
    store: S,
    blobs: A,
    env: Env,
    grace_ms: i64,
}

impl<S, A> CompositeStore<S, A> {
    /// `store` and `blobs` together, reading time from `env` (the sweeper's grace period).
    pub fn new(store: S, blobs: A, env: Env) -> CompositeStore<S, A> {
        CompositeStore { store, blobs, env, grace_ms: DEFAULT_GRACE_MS }
    }

    /// The same store leaving bytes without a row alone for `ms` milliseconds after they were
    /// written ([`DEFAULT_GRACE_MS`] until set).
    pub fn with_grace_ms(mut self, ms: i64) -> CompositeStore<S, A> {
        self.grace_ms = ms.max(0);
        self
    }

    /// The session store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The artifact store.
    pub fn blobs(&self) -> &A {
        &self.blobs
    }

    /// The grace period in milliseconds.
    pub fn grace_ms(&self) -> i64 {
        self.grace_ms
    }
}
