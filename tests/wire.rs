//! The wire format's check order and messages, option parsing, and result serialization.

use std::collections::BTreeMap;

use asm_core::ports::{
    CostSummary, EventFilter, EventOrder, EventSearch, FlushPayload, ListRuns, ListSessions,
    ProviderUsage, RunOrder, RunSearch, SessionExport, SessionOrder, SessionSearch, SessionStats,
    TokenTotals, UsageSummary,
};
use asm_core::{
    Error, ErrorCode, Event, EventType, Limit, RetentionPolicy, Run, RunStatus, Session,
    SessionStatus, Timestamp,
};
use serde_json::{Value, json};

const T: &str = "2025-01-27T12:00:00.000000Z";

fn err<T: std::fmt::Debug>(r: asm_core::Result<T>) -> (ErrorCode, String) {
    let e = r.expect_err("expected an error");
    (e.code(), e.message().to_owned())
}

fn v(message: &str) -> (ErrorCode, String) {
    (ErrorCode::ValidationError, message.to_owned())
}

fn session_map() -> Value {
    json!({"id": "s1", "agent_id": "a", "status": "active", "created_at": T, "updated_at": T})
}

#[test]
fn session_checks_run_in_order() {
    let with = |k: &str, val: Value| {
        let mut m = session_map();
        m[k] = val;
        Session::from_map(&m)
    };
    assert_eq!(err(Session::from_map(&json!(null))), v("Invalid session map"));
    assert_eq!(err(with("id", json!(null))), v("id is required"));
    assert_eq!(err(with("id", json!(""))), v("id cannot be empty"));
    assert_eq!(err(with("id", json!(1))), v("id must be a string"));
    assert_eq!(err(with("agent_id", json!(""))), v("agent_id cannot be empty"));
    assert_eq!(err(with("status", json!(null))), v("status is required"));
    assert_eq!(
        err(with("status", json!("x"))),
        (ErrorCode::InvalidStatus, "Invalid status: x".into())
    );
    assert_eq!(err(with("created_at", json!(null))), v("datetime is required"));
    assert_eq!(err(with("updated_at", json!("2025-01-27T12:00:00"))), v("Invalid datetime format"));
    assert_eq!(err(with("created_at", json!(5))), v("datetime must be a string"));
    // The first failing field wins.
    assert_eq!(
        err(Session::from_map(&json!({"agent_id": "", "status": "x"}))),
        v("id is required")
    );
    assert_eq!(
        err(Session::from_map(&json!({"id": "s", "status": "x"}))),
        v("agent_id is required")
    );
}

#[test]
fn session_lenient_fields() {
    let mut m = session_map();
    m["deleted_at"] = json!(42);
    m["tags"] = json!(["a", 1, "b"]);
    m["metadata"] = json!("nope");
    m["parent_session_id"] = json!(7);
    let s = Session::from_map(&m).expect("lenient fields");
    assert_eq!(
        (s.deleted_at, s.tags, s.metadata.len(), s.parent_session_id),
        (None, vec!["a".into(), "b".into()], 0, None)
    );
    m["deleted_at"] = json!("garbage");
    assert_eq!(Session::from_map(&m).expect("ok").deleted_at, None);
    m["created_at"] = json!("2025-01-27T14:00:00+02:00");
    assert_eq!(Session::from_map(&m).expect("ok").created_at.to_iso8601(), T);
}

#[test]
fn run_and_event_checks() {
    let run = json!({"id": "r", "session_id": "s", "status": "timeout", "started_at": T, "turn_count": 2.5, "cost_usd": "x"});
    let r = Run::from_map(&run).expect("run");
    assert_eq!((r.status, r.turn_count, r.cost_usd), (RunStatus::Timeout, 0, None));
    assert_eq!(
        err(Run::from_map(&json!({"id": "r", "session_id": "s", "status": "running"}))),
        v("datetime is required")
    );
    assert_eq!(
        err(Run::from_map(&json!({"id": "r", "session_id": "s", "status": "active"}))).0,
        ErrorCode::InvalidStatus
    );

    let e = |m: Value| Event::from_map(&m);
    let base = json!({"id": "e", "type": "run_started", "session_id": "s", "timestamp": T, "schema_version": 1});
    assert!(e(base.clone()).is_ok());
    let with = |k: &str, val: Value| {
        let mut m = base.clone();
        m[k] = val;
        e(m)
    };
    assert_eq!(err(e(json!([]))), v("Invalid event map"));
    assert_eq!(err(with("type", json!(null))), v("type is required"));
    assert_eq!(err(with("type", json!(true))), v("type must be a string"));
    assert_eq!(err(with("timestamp", json!(null))), v("timestamp is required"));
    assert_eq!(err(with("timestamp", json!(1))), v("timestamp must be a string"));
    assert_eq!(err(with("timestamp", json!("yesterday"))), v("Invalid datetime format"));
    assert_eq!(
        err(with("schema_version", json!(u64::MAX))).1,
        "schema_version must be an integer greater than or equal to 1"
    );
    let lenient = with("sequence_number", json!("3")).expect("lenient");
    assert_eq!(lenient.sequence_number, None);
}

#[test]
fn error_map_checks() {
    assert_eq!(err(Error::from_map(&json!(1))), v("Invalid error map"));
    assert_eq!(err(Error::from_map(&json!({"code": null}))), v("Missing error code"));
    assert_eq!(err(Error::from_map(&json!({"code": ["x"]}))), v("Invalid error code format"));
    assert_eq!(err(Error::from_map(&json!({"code": "timeout"}))), v("Missing error message"));
    assert_eq!(
        err(Error::from_map(&json!({"code": "timeout", "message": 1}))),
        v("Invalid error message format")
    );
    let bad_ts = json!({"code": "timeout", "message": "m", "timestamp": "now"});
    assert_eq!(err(Error::from_map(&bad_ts)), v("Invalid timestamp format"));
    let ok =
        Error::from_map(&json!({"code": "timeout", "message": "m", "details": [1]})).expect("ok");
    assert_eq!((ok.code(), ok.details().len()), (ErrorCode::Timeout, 0));
}

#[test]
fn store_options() {
    let l = ListSessions::from_json(&json!({"status": "active", "agent_id": "a", "limit": 0}))
        .expect("ok");
    assert_eq!(
        (l.status, l.agent_id.as_deref(), l.limit),
        (Some(SessionStatus::Active), Some("a"), Some(0))
    );
    assert_eq!(ListSessions::from_json(&json!(null)).expect("ok"), ListSessions::default());
    assert_eq!(
        err(ListSessions::from_json(&json!({"limit": -1}))),
        v("limit must be a positive integer")
    );
    assert_eq!(
        err(ListRuns::from_json(&json!({"limit": 2.0}))),
        v("limit must be a positive integer")
    );
    assert_eq!(
        ListRuns::from_json(&json!({"limit": 1u64 << 40})).expect("ok").limit,
        Some(u32::MAX)
    );
    assert_eq!(
        err(ListRuns::from_json(&json!({"status": "bogus"}))),
        v("status contains unsupported value: \"bogus\"")
    );
    assert_eq!(
        err(ListRuns::from_json(&json!({"status": 1}))),
        v("status values must be atoms or strings")
    );
    assert_eq!(err(ListRuns::from_json(&json!([]))).0, ErrorCode::ValidationError);
    let f = EventFilter::from_json(
        &json!({"type": "run_started", "after": -1, "before": 4, "since": T, "wait_timeout_ms": 0}),
    )
    .expect("ok");
    assert_eq!(
        (f.event_type, f.after, f.before, f.wait_timeout_ms),
        (Some(EventType::RunStarted), None, Some(4), None)
    );
    assert_eq!(
        err(EventFilter::from_json(&json!({"since": "soon"}))).1,
        "since must be an ISO-8601 datetime with an offset"
    );
}

#[test]
fn query_options_validate_in_asm_order() {
    let s = SessionSearch::from_json(
        &json!({"status": ["active", "paused"], "limit": 5000, "order_by": "nope", "tags": ["x"]}),
    )
    .expect("range is checked later");
    assert_eq!(
        (s.limit, s.order_by, s.status.map(|l| l.len())),
        (Some(5000), SessionOrder::UpdatedAtDesc, Some(2))
    );
    assert_eq!(
        err(SessionSearch::from_json(&json!({"limit": "5", "status": "bogus"}))),
        v("limit must be a positive integer")
    );
    assert_eq!(
        err(SessionSearch::from_json(&json!({"status": ["active", 3, "bogus"]}))),
        v("status values must be atoms or strings")
    );
    assert_eq!(err(SessionSearch::from_json(&json!({"cursor": 1}))).0, ErrorCode::InvalidCursor);
    let r = RunSearch::from_json(&json!({"order_by": "token_usage_desc", "min_tokens": -5}))
        .expect("sign checked later");
    assert_eq!((r.order_by, r.min_tokens), (RunOrder::TokenUsageDesc, Some(-5)));
    assert_eq!(err(RunSearch::from_json(&json!({"min_tokens": "x"}))).0, ErrorCode::QueryError);
    let e = EventSearch::from_json(
        &json!({"types": "run_started", "order_by": "timestamp_desc", "session_ids": ["a"]}),
    )
    .expect("ok");
    assert_eq!(
        (e.types, e.order_by, e.session_ids),
        (Some(vec![EventType::RunStarted]), EventOrder::TimestampDesc, vec!["a".to_owned()])
    );
    assert_eq!(
        err(EventSearch::from_json(&json!({"types": ["x"]}))),
        v("types contains unsupported value: \"x\"")
    );
    assert_eq!(
        err(EventSearch::from_json(&json!({"providers": "claude"}))),
        v("providers must be a list of strings")
    );
}

#[test]
fn retention_policy_from_json() {
    let p = RetentionPolicy::from_json(
        &json!({"max_total_events": ":infinity", "exempt_statuses": ["completed"], "x": 1}),
    )
    .expect("ok");
    assert_eq!(
        (p.max_total_events, p.exempt_statuses),
        (Limit::Infinity, vec![SessionStatus::Completed])
    );
    let e = RetentionPolicy::from_json(&json!({"batch_size": "big", "max_session_age_days": 1.5}));
    assert_eq!(err(e), v("max_session_age_days must be a positive integer or :infinity"));
    assert_eq!(
        err(RetentionPolicy::from_json(&json!({"batch_size": "big"}))),
        v("batch_size must be a positive integer")
    );
    let archive = RetentionPolicy::from_json(&json!({"archive_before_prune": "yes"})).expect("ok");
    assert!(!archive.archive_before_prune);
}

fn session() -> Session {
    Session::from_map(&session_map()).expect("session")
}

fn run() -> Run {
    Run::from_map(&json!({"id": "r", "session_id": "s1", "status": "running", "started_at": T}))
        .expect("run")
}

#[test]
fn flush_payload_from_json() {
    let ev = json!({"id": "e", "type": "run_started", "session_id": "s1", "timestamp": T, "schema_version": 1});
    let good = json!({"session": session_map(), "run": run().to_map(), "events": [ev]});
    let p = FlushPayload::from_json(&good).expect("ok");
    assert_eq!((p.events.len(), &p.provider_metadata), (1, &None));
    let invalid = v("invalid execution_result payload");
    assert_eq!(
        err(FlushPayload::from_json(&json!({"session": session_map(), "run": run().to_map()}))),
        invalid
    );
    assert_eq!(
        err(FlushPayload::from_json(&json!({"session": 1, "run": run().to_map(), "events": []}))),
        invalid
    );
    let bad_event =
        json!({"session": session_map(), "run": run().to_map(), "events": [{"invalid": true}]});
    assert_eq!(err(FlushPayload::from_json(&bad_event)), v("events must be Event structs"));
    let not_map = json!({"session": session_map(), "run": run().to_map(), "events": [3]});
    assert_eq!(err(FlushPayload::from_json(&not_map)), v("events must be Event structs"));
    assert_eq!(
        serde_json::to_value(&p).ok().and_then(|j| FlushPayload::from_json(&j).ok()),
        Some(p)
    );
}

#[test]
fn results_serialize_like_asm() {
    let stats = SessionStats {
        event_count: 2,
        run_count: 1,
        token_totals: TokenTotals { input_tokens: 10.0, output_tokens: 2.5, total_tokens: 12.0 },
        providers_used: vec!["claude".into()],
        first_event_at: Timestamp::parse_iso8601(T),
        last_event_at: None,
        status_counts: BTreeMap::from([(RunStatus::Running, 1)]),
    };
    assert_eq!(
        serde_json::to_value(&stats).ok(),
        Some(json!({
            "event_count": 2, "run_count": 1,
            "token_totals": {"input_tokens": 10, "output_tokens": 2.5, "total_tokens": 12},
            "providers_used": ["claude"], "first_event_at": T, "last_event_at": null,
            "status_counts": {"running": 1},
        }))
    );
    let usage = UsageSummary {
        total_input_tokens: 3.0,
        by_provider: BTreeMap::from([(
            "unknown".into(),
            ProviderUsage { run_count: 1, ..Default::default() },
        )]),
        ..Default::default()
    };
    let u = serde_json::to_value(&usage).unwrap_or_default();
    assert_eq!(
        (&u["total_input_tokens"], &u["by_provider"]["unknown"]["input_tokens"]),
        (&json!(3), &json!(0))
    );
    let cost = serde_json::to_value(CostSummary::default()).unwrap_or_default();
    assert_eq!(cost["total_cost_usd"], json!(0.0));
    let export =
        SessionExport { session: session(), runs: vec![run()], events: vec![], artifacts: None };
    let j = serde_json::to_value(&export).unwrap_or_default();
    assert!(j.get("artifacts").is_none());
    assert_eq!(j["runs"][0]["status"], json!("running"));
    let with = SessionExport { artifacts: Some(vec![]), ..export };
    assert_eq!(serde_json::to_value(&with).unwrap_or_default()["artifacts"], json!([]));
}
