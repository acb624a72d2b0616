//! The ports: what every store offers, whatever holds its data.
//!
//! The traits use `async fn` without a `Send` bound on purpose: the Worker and the JavaScript
//! hosts are single-threaded and their futures are not `Send`. A native multi-threaded host that
//! needs `Send` wraps a store per task instead (see `hosts/native`).

mod archive_access;
mod artifact_registry;
mod artifact_store;
mod maintenance;
mod query_api;
mod session_store;

pub use archive_access::{
    ArchiveAccess, Removal, Removed, Restored, SessionSnapshot, restore_conflict,
    stored_as_archived,
};
pub use artifact_registry::{ArtifactRegistry, ArtifactScan};
pub use artifact_store::{ArtifactContent, ArtifactStore};
pub use maintenance::{Maintenance, MaintenanceReport};
pub use query_api::{
    CostQuery, CostSummary, DEFAULT_EVENT_LIMIT, DEFAULT_RUN_LIMIT, DEFAULT_SESSION_LIMIT,
    EventOrder, EventPage, EventSearch, ExportOptions, MAX_QUERY_LIMIT, ModelCost, ProviderCost,
    ProviderUsage, QueryApi, RunOrder, RunPage, RunSearch, SessionExport, SessionOrder,
    SessionPage, SessionSearch, SessionStats, TokenTotals, UsageQuery, UsageSummary,
};
pub use session_store::{EventFilter, FlushPayload, ListRuns, ListSessions, SessionStore};

/// Every port at once: what a complete store (memory, SQL, HTTP, a component) implements, so
/// that code serving all operations (a router, the conformance suite) needs one bound.
pub trait Store: SessionStore + QueryApi + Maintenance + ArtifactRegistry {}

impl<T: SessionStore + QueryApi + Maintenance + ArtifactRegistry> Store for T {}
