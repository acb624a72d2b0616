//! `serde::Serialize` for the port results, in the shape ASM returns them: entities as their
//! `to_map`, timestamps in ISO-8601, token counts as integers when whole.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::{float_value, iso_or_null, string_or_null};
use crate::json::{number_value, object_of};
use crate::ports::{
    CostSummary, EventPage, FlushPayload, RunPage, SessionExport, SessionPage, SessionStats,
    TokenTotals, UsageSummary,
};

fn token_totals(t: &TokenTotals) -> Value {
    json!({
        "input_tokens": number_value(t.input_tokens),
        "output_tokens": number_value(t.output_tokens),
        "total_tokens": number_value(t.total_tokens),
    })
}

fn session_stats(this: &SessionStats) -> Value {
    let status_counts =
        object_of(this.status_counts.iter().map(|(s, n)| (s.as_str().to_owned(), Value::from(*n))));
    json!({
        "event_count": this.event_count,
        "run_count": this.run_count,
        "token_totals": token_totals(&this.token_totals),
        "providers_used": this.providers_used,
        "first_event_at": iso_or_null(this.first_event_at),
        "last_event_at": iso_or_null(this.last_event_at),
        "status_counts": status_counts,
    })
}

fn usage_summary(this: &UsageSummary) -> Value {
    let by_provider = object_of(this.by_provider.iter().map(|(p, u)| {
        let usage = json!({
            "input_tokens": number_value(u.input_tokens),
            "output_tokens": number_value(u.output_tokens),
            "total_tokens": number_value(u.total_tokens),
            "run_count": u.run_count,
        });
        (p.clone(), usage)
    }));
    json!({
        "total_input_tokens": number_value(this.total_input_tokens),
        "total_output_tokens": number_value(this.total_output_tokens),
        "total_tokens": number_value(this.total_tokens),
        "run_count": this.run_count,
        "by_provider": by_provider,
    })
}

fn cost_summary(this: &CostSummary) -> Value {
    let by_provider = object_of(this.by_provider.iter().map(|(p, c)| {
        (p.clone(), json!({ "cost_usd": float_value(c.cost_usd), "run_count": c.run_count }))
    }));
    let by_model = object_of(this.by_model.iter().map(|(m, c)| {
        let cost = json!({
            "cost_usd": float_value(c.cost_usd),
            "input_tokens": number_value(c.input_tokens),
            "output_tokens": number_value(c.output_tokens),
        });
        (m.clone(), cost)
    }));
    json!({
        "total_cost_usd": float_value(this.total_cost_usd),
        "run_count": this.run_count,
        "by_provider": by_provider,
        "by_model": by_model,
        "unmapped_runs": this.unmapped_runs,
    })
}

fn session_export(this: &SessionExport) -> Value {
    let mut out = Map::new();
    out.insert("session".into(), this.session.to_map());
    out.insert("runs".into(), this.runs.iter().map(|r| r.to_map()).collect());
    out.insert("events".into(), this.events.iter().map(|e| e.to_map()).collect());
    if let Some(artifacts) = &this.artifacts {
        out.insert("artifacts".into(), artifacts.iter().map(export_artifact_row).collect());
    }
    Value::Object(out)
}

/// An artifact as ASM's export shows it: every column except `deleted_at`.
pub(crate) fn export_artifact_row(artifact: &crate::artifact::Artifact) -> Value {
    let mut row = artifact.to_map();
    if let Value::Object(m) = &mut row {
        m.remove("deleted_at");
    }
    row
}

fn flush_payload(this: &FlushPayload) -> Value {
    json!({
        "session": this.session.to_map(),
        "run": this.run.to_map(),
        "events": this.events.iter().map(|e| e.to_map()).collect::<Vec<_>>(),
        "provider_metadata": this.provider_metadata,
    })
}

fn session_page(this: &SessionPage) -> Value {
    json!({
        "sessions": this.sessions.iter().map(|s| s.to_map()).collect::<Vec<_>>(),
        "cursor": string_or_null(&this.cursor),
        "total_count": this.total_count,
    })
}

fn run_page(this: &RunPage) -> Value {
    json!({
        "runs": this.runs.iter().map(|r| r.to_map()).collect::<Vec<_>>(),
        "cursor": string_or_null(&this.cursor),
    })
}

fn event_page(this: &EventPage) -> Value {
    json!({
        "events": this.events.iter().map(|e| e.to_map()).collect::<Vec<_>>(),
        "cursor": string_or_null(&this.cursor),
    })
}

macro_rules! serialize_with {
    ($($ty:ty => $to_value:ident),* $(,)?) => {$(
        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                $to_value(self).serialize(s)
            }
        }
    )*};
}

serialize_with! {
    SessionPage => session_page,
    RunPage => run_page,
    EventPage => event_page,
    SessionStats => session_stats,
    UsageSummary => usage_summary,
    CostSummary => cost_summary,
    SessionExport => session_export,
    FlushPayload => flush_payload,
}
