//! Entities → bound values: the only four kinds that cross the executor (NULL, integer, real,
//! text), each paired with the column type PostgreSQL casts it to.
//!
//! Status and type as their names; JSON maps as compact JSON text; tags as JSON array text;
//! timestamps as the fixed-width column form of [`Timestamp::to_sql_text`]; `cost_usd` as a real.

use serde_json::Value as Json;

use super::dialect::{Builder, SqlType};
use super::executor::Value;
use crate::artifact::Artifact;
use crate::event::Event;
use crate::json::JsonMap;
use crate::run::Run;
use crate::session::Session;
use crate::time::Timestamp;

/// A bound value with the column type it is meant for.
pub(crate) type Bound = (Value, SqlType);

/// Text.
pub(crate) fn text(s: &str) -> Bound {
    (Value::Text(s.to_owned()), SqlType::Text)
}

/// Text or NULL.
pub(crate) fn opt_text(s: Option<&str>) -> Bound {
    (s.map_or(Value::Null, |s| Value::Text(s.to_owned())), SqlType::Text)
}

/// A 64-bit integer.
pub(crate) fn int(n: i64) -> Bound {
    (Value::Integer(n), SqlType::Int)
}

/// A JSON object as compact text (always written, never NULL).
pub(crate) fn json_map(map: &JsonMap) -> Bound {
    let text = serde_json::to_string(map).unwrap_or_else(|_| "{}".to_owned());
    (Value::Text(text), SqlType::Json)
}

/// Any JSON value as compact text, NULL when absent (run input, output, error).
pub(crate) fn opt_json(value: Option<&Json>) -> Bound {
    (value.map_or(Value::Null, |v| Value::Text(v.to_string())), SqlType::Json)
}

/// Tags as JSON array text (PostgreSQL converts it to `varchar(255)[]` in SQL).
pub(crate) fn tags(tags: &[String]) -> Bound {
    let text = serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_owned());
    (Value::Text(text), SqlType::TextArray)
}

/// A timestamp in the fixed-width column form.
pub(crate) fn ts(t: Timestamp) -> Bound {
    (Value::Text(t.to_sql_text()), SqlType::Timestamp)
}

/// A timestamp or NULL.
pub(crate) fn opt_ts(t: Option<Timestamp>) -> Bound {
    (t.map_or(Value::Null, |t| Value::Text(t.to_sql_text())), SqlType::Timestamp)
}

/// A double or NULL.
pub(crate) fn opt_real(x: Option<f64>) -> Bound {
    (x.map_or(Value::Null, Value::Real), SqlType::Real)
}

/// A session in the order of `schema::SESSION_COLUMNS`.
pub(crate) fn session(s: &Session) -> Vec<Bound> {
    vec![
        text(&s.id),
        text(&s.agent_id),
        text(s.status.as_str()),
        opt_text(s.parent_session_id.as_deref()),
        json_map(&s.metadata),
        json_map(&s.context),
        tags(&s.tags),
        ts(s.created_at),
        ts(s.updated_at),
        opt_ts(s.deleted_at),
    ]
}

/// A run in the order of `schema::RUN_COLUMNS`.
pub(crate) fn run(r: &Run) -> Vec<Bound> {
    vec![
        text(&r.id),
        text(&r.session_id),
        text(r.status.as_str()),
        opt_json(r.input.as_ref()),
        opt_json(r.output.as_ref()),
        opt_json(r.error.as_ref()),
        json_map(&r.metadata),
        int(r.turn_count),
        json_map(&r.token_usage),
        ts(r.started_at),
        opt_ts(r.ended_at),
        opt_text(r.provider.as_deref()),
        json_map(&r.provider_metadata),
        opt_real(r.cost_usd),
    ]
}

/// The event values the append statement binds per row, in its VALUES order: `id, type,
/// timestamp, run_id, data, metadata, schema_version, provider, correlation_id` (the session id
/// is bound once per statement; the sequence number is computed in SQL).
pub(crate) fn event_row(e: &Event) -> Vec<Bound> {
    vec![
        text(&e.id),
        text(e.event_type.as_str()),
        ts(e.timestamp),
        opt_text(e.run_id.as_deref()),
        json_map(&e.data),
        json_map(&e.metadata),
        int(e.schema_version),
        opt_text(e.provider.as_deref()),
        opt_text(e.correlation_id.as_deref()),
    ]
}

/// An artifact in the order of `schema::ARTIFACT_COLUMNS`.
pub(crate) fn artifact(a: &Artifact) -> Vec<Bound> {
    vec![
        text(&a.id),
        opt_text(a.session_id.as_deref()),
        opt_text(a.run_id.as_deref()),
        text(&a.key),
        opt_text(a.content_type.as_deref()),
        int(a.byte_size),
        text(&a.checksum_sha256),
        text(&a.storage_backend),
        text(&a.storage_ref),
        json_map(&a.metadata),
        ts(a.created_at),
        opt_ts(a.deleted_at),
    ]
}

/// Writes `(v1, v2, …)` binding each value.
pub(crate) fn bind_tuple(b: &mut Builder, values: Vec<Bound>) {
    b.sql("(");
    for (i, (value, ty)) in values.into_iter().enumerate() {
        if i > 0 {
            b.sql(", ");
        }
        b.bind(value, ty);
    }
    b.sql(")");
}

/// Writes the set for an `IN` of texts: one bound JSON array, whatever the list's length.
pub(crate) fn bind_text_list<'a>(b: &mut Builder, items: impl IntoIterator<Item = &'a str>) {
    b.bind_text_set(items);
}
