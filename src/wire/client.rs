//! The client's half of the wire: options to the JSON that [`super`]'s `from_json` readers take,
//! and JSON answers back to the port result types, for every host that reaches a store through
//! JSON (the HTTP client, the JavaScript package's tests). Entities go through `to_map` / `from_map`.

use std::collections::BTreeMap;

use crate::ports::{
    CostQuery, CostSummary, EventFilter, EventOrder, EventPage, EventSearch, ListRuns,
    ListSessions, MaintenanceReport, ModelCost, ProviderCost, ProviderUsage, RunOrder, RunPage,
    RunSearch, SessionExport, SessionOrder, SessionPage, SessionSearch, SessionStats, TokenTotals,
    UsageQuery, UsageSummary,
};
use crate::{
    Artifact, ArtifactStats, Error, ErrorCode, Event, Limit, NewArtifact, Result, RetentionPolicy,
    Run, RunStatus, Session, Timestamp,
};
use serde_json::{Map, Value, json};

fn wrong(what: &str) -> Error {
    Error::new(ErrorCode::StorageReadFailed, format!("unexpected answer: {what}"))
}

fn opt_iso(t: Option<Timestamp>) -> Value {
    t.map_or(Value::Null, |t| Value::String(t.to_iso8601()))
}

fn opt_str(s: &Option<String>) -> Value {
    s.clone().map_or(Value::Null, Value::String)
}

/// Drops `null` members so the server sees only what was set.
fn compact(value: Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(m.into_iter().filter(|(_, v)| !v.is_null()).collect()),
        other => other,
    }
}

/// `list_sessions` options.
pub fn list_sessions(f: &ListSessions) -> Value {
    compact(json!({
        "status": f.status.map(|s| s.as_str()),
        "agent_id": opt_str(&f.agent_id),
        "limit": f.limit,
    }))
}

/// `list_runs` options.
pub fn list_runs(f: &ListRuns) -> Value {
    compact(json!({ "status": f.status.map(|s| s.as_str()), "limit": f.limit }))
}

/// `get_events` options.
pub fn event_filter(f: &EventFilter) -> Value {
    compact(json!({
        "run_id": opt_str(&f.run_id),
        "type": f.event_type.map(|t| t.as_str()),
        "since": opt_iso(f.since),
        "after": f.after,
        "before": f.before,
        "limit": f.limit,
        "wait_timeout_ms": f.wait_timeout_ms,
    }))
}

/// `search_sessions` options.
pub fn session_search(q: &SessionSearch) -> Value {
    let order = match q.order_by {
        SessionOrder::CreatedAtAsc => "created_at_asc",
        SessionOrder::CreatedAtDesc => "created_at_desc",
        SessionOrder::UpdatedAtDesc => "updated_at_desc",
    };
    compact(json!({
        "agent_id": opt_str(&q.agent_id),
        "status": q.status.as_ref().map(|l| l.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
        "provider": q.provider,
        "tags": q.tags,
        "created_after": opt_iso(q.created_after),
        "created_before": opt_iso(q.created_before),
        "include_deleted": q.include_deleted,
        "order_by": order,
        "limit": q.limit,
        "cursor": opt_str(&q.cursor),
    }))
}

/// `search_runs` options.
pub fn run_search(q: &RunSearch) -> Value {
    let order = match q.order_by {
        RunOrder::StartedAtDesc => "started_at_desc",
        RunOrder::StartedAtAsc => "started_at_asc",
        RunOrder::TokenUsageDesc => "token_usage_desc",
    };
    compact(json!({
        "session_id": opt_str(&q.session_id),
        "provider": opt_str(&q.provider),
        "status": q.status.as_ref().map(|l| l.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
        "started_after": opt_iso(q.started_after),
        "started_before": opt_iso(q.started_before),
        "min_tokens": q.min_tokens,
        "order_by": order,
        "limit": q.limit,
        "cursor": opt_str(&q.cursor),
    }))
}

/// `search_events` / `count_events` options.
pub fn event_search(q: &EventSearch) -> Value {
    let order = match q.order_by {
        EventOrder::SequenceAsc => "sequence_asc",
        EventOrder::TimestampAsc => "timestamp_asc",
        EventOrder::TimestampDesc => "timestamp_desc",
    };
    compact(json!({
        "session_ids": q.session_ids,
        "run_ids": q.run_ids,
        "types": q.types.as_ref().map(|l| l.iter().map(|t| t.as_str()).collect::<Vec<_>>()),
        "providers": q.providers,
        "since": opt_iso(q.since),
        "until": opt_iso(q.until),
        "correlation_id": opt_str(&q.correlation_id),
        "order_by": order,
        "limit": q.limit,
        "cursor": opt_str(&q.cursor),
    }))
}

/// `get_usage_summary` options.
pub fn usage_query(q: &UsageQuery) -> Value {
    compact(json!({
        "session_id": opt_str(&q.session_id),
        "provider": opt_str(&q.provider),
        "since": opt_iso(q.since),
        "until": opt_iso(q.until),
    }))
}

/// `get_cost_summary` options.
pub fn cost_query(q: &CostQuery) -> Result<Value> {
    let table = match &q.pricing_table {
        Some(t) => serde_json::to_value(t).map_err(|e| Error::validation(e.to_string()))?,
        None => Value::Null,
    };
    Ok(compact(json!({
        "session_id": opt_str(&q.session_id),
        "agent_id": opt_str(&q.agent_id),
        "provider": opt_str(&q.provider),
        "since": opt_iso(q.since),
        "until": opt_iso(q.until),
        "pricing_table": table,
    })))
}

fn limit(l: Limit) -> Value {
    match l {
        Limit::Finite(n) => Value::from(n),
        Limit::Infinity => Value::from("infinity"),
    }
}

/// A retention policy, every field given.
pub fn policy(p: &RetentionPolicy) -> Value {
    json!({
        "max_session_age_days": limit(p.max_session_age_days),
        "max_completed_session_age_days": limit(p.max_completed_session_age_days),
        "max_events_per_session": limit(p.max_events_per_session),
        "max_total_events": limit(p.max_total_events),
        "hard_delete_after_days": limit(p.hard_delete_after_days),
        "archive_before_prune": p.archive_before_prune,
        "archive_store": opt_str(&p.archive_store),
        "exempt_statuses": p.exempt_statuses.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "exempt_tags": p.exempt_tags,
        "prune_event_types_first": p.prune_event_types_first.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        "batch_size": p.batch_size,
    })
}

/// `register`'s input.
pub fn new_artifact(a: &NewArtifact) -> Value {
    json!({
        "id": opt_str(&a.id),
        "session_id": opt_str(&a.session_id),
        "run_id": opt_str(&a.run_id),
        "key": opt_str(&a.key),
        "content_type": opt_str(&a.content_type),
        "byte_size": a.byte_size,
        "checksum_sha256": opt_str(&a.checksum_sha256),
        "storage_backend": opt_str(&a.storage_backend),
        "storage_ref": opt_str(&a.storage_ref),
        "metadata": a.metadata,
    })
}

// ---- answers ----

/// The member `key` of an answer object.
pub fn member<'a>(v: &'a Value, key: &str) -> Result<&'a Value> {
    v.get(key).ok_or_else(|| wrong(&format!("no {key}")))
}

fn list<'a>(v: &'a Value, key: &str) -> Result<&'a Vec<Value>> {
    member(v, key)?.as_array().ok_or_else(|| wrong(&format!("{key} is not a list")))
}

/// The sessions listed under `key`.
pub fn sessions(v: &Value, key: &str) -> Result<Vec<Session>> {
    list(v, key)?.iter().map(Session::from_map).collect()
}

/// The runs listed under `key`.
pub fn runs(v: &Value, key: &str) -> Result<Vec<Run>> {
    list(v, key)?.iter().map(Run::from_map).collect()
}

/// The events listed under `key`.
pub fn events(v: &Value, key: &str) -> Result<Vec<Event>> {
    list(v, key)?.iter().map(Event::from_map).collect()
}

/// The artifacts listed under `key`.
pub fn artifacts(v: &Value, key: &str) -> Result<Vec<Artifact>> {
    list(v, key)?.iter().map(Artifact::from_map).collect()
}

/// The count under `key`.
pub fn u64_of(v: &Value, key: &str) -> Result<u64> {
    member(v, key)?.as_u64().ok_or_else(|| wrong(&format!("{key} is not a count")))
}

/// The integer under `key`.
pub fn i64_of(v: &Value, key: &str) -> Result<i64> {
    member(v, key)?.as_i64().ok_or_else(|| wrong(&format!("{key} is not an integer")))
}

fn f64_of(v: &Value, key: &str) -> Result<f64> {
    member(v, key)?.as_f64().ok_or_else(|| wrong(&format!("{key} is not a number")))
}

/// A float member that JSON may carry as `null` (NaN and infinities).
fn float_or_nan(v: &Value, key: &str) -> f64 {
    v.get(key).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

fn cursor(v: &Value) -> Option<String> {
    v.get("cursor").and_then(Value::as_str).map(str::to_owned)
}

fn instant(v: &Value, key: &str) -> Option<Timestamp> {
    v.get(key).and_then(Value::as_str).and_then(Timestamp::parse_iso8601)
}

fn entries(v: &Value, key: &str) -> Result<Map<String, Value>> {
    member(v, key)?.as_object().cloned().ok_or_else(|| wrong(&format!("{key} is not an object")))
}

/// A `search_sessions` answer.
pub fn session_page(v: &Value) -> Result<SessionPage> {
    Ok(SessionPage {
        sessions: sessions(v, "sessions")?,
        cursor: cursor(v),
        total_count: u64_of(v, "total_count")?,
    })
}

/// A `search_runs` answer.
pub fn run_page(v: &Value) -> Result<RunPage> {
    Ok(RunPage { runs: runs(v, "runs")?, cursor: cursor(v) })
}

/// A `search_events` answer.
pub fn event_page(v: &Value) -> Result<EventPage> {
    Ok(EventPage { events: events(v, "events")?, cursor: cursor(v) })
}

/// A `get_session_stats` answer.
pub fn session_stats(v: &Value) -> Result<SessionStats> {
    let totals = member(v, "token_totals")?;
    let mut status_counts = BTreeMap::new();
    for (name, n) in entries(v, "status_counts")? {
        let status = RunStatus::parse(&name).ok_or_else(|| wrong("unknown run status"))?;
        status_counts.insert(status, n.as_u64().ok_or_else(|| wrong("status count"))?);
    }
    let providers_used =
        list(v, "providers_used")?.iter().filter_map(Value::as_str).map(str::to_owned).collect();
    Ok(SessionStats {
        event_count: u64_of(v, "event_count")?,
        run_count: u64_of(v, "run_count")?,
        token_totals: TokenTotals {
            input_tokens: f64_of(totals, "input_tokens")?,
            output_tokens: f64_of(totals, "output_tokens")?,
            total_tokens: f64_of(totals, "total_tokens")?,
        },
        providers_used,
        first_event_at: instant(v, "first_event_at"),
        last_event_at: instant(v, "last_event_at"),
        status_counts,
    })
}

/// A `get_usage_summary` answer.
pub fn usage_summary(v: &Value) -> Result<UsageSummary> {
    let mut by_provider = BTreeMap::new();
    for (name, u) in entries(v, "by_provider")? {
        let usage = ProviderUsage {
            input_tokens: f64_of(&u, "input_tokens")?,
            output_tokens: f64_of(&u, "output_tokens")?,
            total_tokens: f64_of(&u, "total_tokens")?,
            run_count: u64_of(&u, "run_count")?,
        };
        by_provider.insert(name, usage);
    }
    Ok(UsageSummary {
        total_input_tokens: f64_of(v, "total_input_tokens")?,
        total_output_tokens: f64_of(v, "total_output_tokens")?,
        total_tokens: f64_of(v, "total_tokens")?,
        run_count: u64_of(v, "run_count")?,
        by_provider,
    })
}

/// A `get_cost_summary` answer.
pub fn cost_summary(v: &Value) -> Result<CostSummary> {
    let mut by_provider = BTreeMap::new();
    for (name, c) in entries(v, "by_provider")? {
        by_provider.insert(
            name,
            ProviderCost {
                cost_usd: float_or_nan(&c, "cost_usd"),
                run_count: u64_of(&c, "run_count")?,
            },
        );
    }
    let mut by_model = BTreeMap::new();
    for (name, c) in entries(v, "by_model")? {
        let cost = ModelCost {
            cost_usd: float_or_nan(&c, "cost_usd"),
            input_tokens: f64_of(&c, "input_tokens")?,
            output_tokens: f64_of(&c, "output_tokens")?,
        };
        by_model.insert(name, cost);
    }
    Ok(CostSummary {
        total_cost_usd: float_or_nan(v, "total_cost_usd"),
        run_count: u64_of(v, "run_count")?,
        by_provider,
        by_model,
        unmapped_runs: u64_of(v, "unmapped_runs")?,
    })
}

/// An `export_session` answer.
pub fn session_export(v: &Value) -> Result<SessionExport> {
    let artifacts = match v.get("artifacts") {
        Some(Value::Array(_)) => Some(artifacts(v, "artifacts")?),
        _ => None,
    };
    Ok(SessionExport {
        session: Session::from_map(member(v, "session")?)?,
        runs: runs(v, "runs")?,
        events: events(v, "events")?,
        artifacts,
    })
}

/// A maintenance report (`execute`, `plan`).
pub fn maintenance_report(v: &Value) -> Result<MaintenanceReport> {
    let errors = list(v, "errors")?.iter().filter_map(Value::as_str).map(str::to_owned).collect();
    Ok(MaintenanceReport {
        sessions_soft_deleted: u64_of(v, "sessions_soft_deleted")?,
        sessions_hard_deleted: u64_of(v, "sessions_hard_deleted")?,
        events_pruned: u64_of(v, "events_pruned")?,
        artifacts_cleaned: u64_of(v, "artifacts_cleaned")?,
        orphaned_sequences_cleaned: u64_of(v, "orphaned_sequences_cleaned")?,
        duration_ms: u64_of(v, "duration_ms")?,
        errors,
        // Our additions to ASM's report; a server without them ran every step to its end.
        complete: v.get("complete").and_then(Value::as_bool).unwrap_or(true),
        remaining: v
            .get("remaining")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default(),
    })
}

/// An artifact `session_stats` answer.
pub fn artifact_stats(v: &Value) -> Result<ArtifactStats> {
    Ok(ArtifactStats {
        artifact_count: u64_of(v, "artifact_count")?,
        total_bytes: i64_of(v, "total_bytes")?,
    })
}
