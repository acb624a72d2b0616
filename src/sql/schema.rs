//! Select lists, one per table and dialect, so every read returns the same column order.
//!
//! SQLite columns are read as stored. On PostgreSQL every select list converts in SQL, so a
//! driver only ever sees text and numbers: jsonb as `col::text`, tags as
//! `array_to_json(tags)::text`, timestamps as fixed-width text without offset (the SQLite column
//! form). The decoders in `decode.rs` read rows by position in exactly these orders.

use super::dialect::Dialect;

/// PostgreSQL `timestamp` → `YYYY-MM-DDTHH:MM:SS.ffffff` text.
macro_rules! pg_ts {
    ($col:literal) => {
        concat!("to_char(", $col, ", 'YYYY-MM-DD\"T\"HH24:MI:SS.US')")
    };
}
pub(crate) use pg_ts;

/// Columns of `asm_sessions`, in write order (the insert and the decoder use it).
pub(crate) const SESSION_COLUMNS: &str = "id, agent_id, status, parent_session_id, metadata, context, tags, created_at, updated_at, deleted_at";

const SESSION_SELECT_PG: &str = concat!(
    "id, agent_id, status, parent_session_id, metadata::text, context::text, array_to_json(tags)::text, ",
    pg_ts!("created_at"),
    ", ",
    pg_ts!("updated_at"),
    ", ",
    pg_ts!("deleted_at"),
);

/// Columns of `asm_runs`, in write order.
pub(crate) const RUN_COLUMNS: &str = "id, session_id, status, input, output, error, metadata, turn_count, \
     token_usage, started_at, ended_at, provider, provider_metadata, cost_usd";

const RUN_SELECT_PG: &str = concat!(
    "id, session_id, status, input::text, output::text, error::text, metadata::text, turn_count, ",
    "token_usage::text, ",
    pg_ts!("started_at"),
    ", ",
    pg_ts!("ended_at"),
    ", provider, provider_metadata::text, cost_usd",
);

/// The columns of `asm_events` in write order, with `$session` (`"session_id, "` or nothing)
/// between the timestamp and the run id: SQLite's form (`sqlite`, columns as stored) or
/// PostgreSQL's (`pg`, converted to text in SQL).
macro_rules! event_columns {
    (sqlite, $session:literal) => {
        concat!(
            "id, type, \"timestamp\", ",
            $session,
            "run_id, sequence_number, data, metadata, schema_version, provider, correlation_id",
        )
    };
    (pg, $session:literal) => {
        concat!(
            "id, type, ",
            pg_ts!("\"timestamp\""),
            ", ",
            $session,
            "run_id, sequence_number, data::text, metadata::text, schema_version, provider, ",
            "correlation_id",
        )
    };
}

/// Columns of `asm_events`, in write order.
pub(crate) const EVENT_COLUMNS: &str = event_columns!(sqlite, "session_id, ");

const EVENT_SELECT_PG: &str = event_columns!(pg, "session_id, ");

/// Columns of `asm_events` for one session's events (`get_events`, and the hosts that decode its
/// rows by `row_plan`): without `session_id`, which the statement's filter already names, so a
/// read of thousands of events does not carry the same text once per row.
pub(crate) const EVENT_COLUMNS_OF_SESSION: &str = event_columns!(sqlite, "");

const EVENT_SELECT_OF_SESSION_PG: &str = event_columns!(pg, "");

/// Columns of `asm_artifacts`, in write order.
pub(crate) const ARTIFACT_COLUMNS: &str = "id, session_id, run_id, key, content_type, byte_size, \
     checksum_sha256, storage_backend, storage_ref, metadata, created_at, deleted_at";

const ARTIFACT_SELECT_PG: &str = concat!(
    "id, session_id, run_id, key, content_type, byte_size, checksum_sha256, storage_backend, ",
    "storage_ref, metadata::text, ",
    pg_ts!("created_at"),
    ", ",
    pg_ts!("deleted_at"),
);

/// The select list of `asm_sessions` for `dialect` (decoded by `decode::session`).
pub(crate) fn session_select(dialect: Dialect) -> &'static str {
    if dialect.is_sqlite() { SESSION_COLUMNS } else { SESSION_SELECT_PG }
}

/// The select list of `asm_runs` for `dialect` (decoded by `decode::run`).
pub(crate) fn run_select(dialect: Dialect) -> &'static str {
    if dialect.is_sqlite() { RUN_COLUMNS } else { RUN_SELECT_PG }
}

/// The select list of `asm_events` for `dialect` (decoded by `decode::event`).
pub(crate) fn event_select(dialect: Dialect) -> &'static str {
    if dialect.is_sqlite() { EVENT_COLUMNS } else { EVENT_SELECT_PG }
}

/// The select list of one session's events for `dialect`, without `session_id` (decoded by
/// `decode::events_of_session`).
pub(crate) fn event_select_of_session(dialect: Dialect) -> &'static str {
    if dialect.is_sqlite() { EVENT_COLUMNS_OF_SESSION } else { EVENT_SELECT_OF_SESSION_PG }
}

/// The select list of `asm_artifacts` for `dialect` (decoded by `decode::artifact`).
pub(crate) fn artifact_select(dialect: Dialect) -> &'static str {
    if dialect.is_sqlite() { ARTIFACT_COLUMNS } else { ARTIFACT_SELECT_PG }
}

/// The stored `token_usage.total_tokens` as a number; anything missing or non-numeric is 0, and
/// nothing in a row can make the expression fail.
pub(crate) fn total_tokens_expr(dialect: Dialect) -> &'static str {
    if dialect.is_sqlite() {
        "(CASE WHEN json_type(token_usage, '$.total_tokens') IN ('integer', 'real') \
         THEN json_extract(token_usage, '$.total_tokens') ELSE 0 END)"
    } else {
        "(CASE WHEN jsonb_typeof(token_usage -> 'total_tokens') = 'number' \
         THEN (token_usage ->> 'total_tokens')::numeric ELSE 0 END)"
    }
}

/// The schema check of §1.6: each required column as `table.column` with the statement that
/// fails when it is missing. `IS NULL` keeps the result a plain boolean on every driver.
pub(crate) const SCHEMA_PROBES: &[(&str, &str)] = &[
    ("asm_sessions.deleted_at", "SELECT deleted_at IS NULL FROM asm_sessions LIMIT 1"),
    ("asm_runs.provider", "SELECT provider IS NULL FROM asm_runs LIMIT 1"),
    ("asm_runs.provider_metadata", "SELECT provider_metadata IS NULL FROM asm_runs LIMIT 1"),
    ("asm_runs.cost_usd", "SELECT cost_usd IS NULL FROM asm_runs LIMIT 1"),
    ("asm_events.provider", "SELECT provider IS NULL FROM asm_events LIMIT 1"),
    ("asm_events.correlation_id", "SELECT correlation_id IS NULL FROM asm_events LIMIT 1"),
    (
        "asm_session_sequences.updated_at",
        "SELECT updated_at IS NULL FROM asm_session_sequences LIMIT 1",
    ),
    ("asm_artifacts.id", "SELECT id IS NULL FROM asm_artifacts LIMIT 1"),
];
