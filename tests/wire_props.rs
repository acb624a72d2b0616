//! Property tests of the wire format: `from_map` of any JSON answers without panicking, and
//! `to_map` → `from_map` gives back every valid entity.
//!
//! Seeded through proptest's own environment (`PROPTEST_RNG_SEED`); failures print the seed.

use asm_core::pipeline::{BuildContext, EventBuilder};
use asm_core::ports::{
    CostQuery, EventFilter, EventSearch, FlushPayload, ListRuns, ListSessions, RunSearch,
    SessionSearch, UsageQuery,
};
use asm_core::redactor::{RedactionConfig, redact, redact_map};
use asm_core::validator::validate_structural;
use asm_core::{
    Artifact, Env, Error, ErrorCode, Event, EventType, JsonMap, RetentionPolicy, Run, RunStatus,
    SeededIds, Session, SessionStatus, SteppingClock, Timestamp,
};
use proptest::prelude::*;
use serde_json::{Number, Value};

/// 0001-01-01T00:00:00Z ..= 9999-12-31T23:59:59.999999Z, the instants ISO-8601 text can carry.
const MIN_MICROS: i64 = -62_135_596_800_000_000;
const MAX_MICROS: i64 = 253_402_300_799_999_999;

const KEYS: &[&str] = &[
    "id",
    "agent_id",
    "session_id",
    "status",
    "type",
    "timestamp",
    "created_at",
    "updated_at",
    "started_at",
    "schema_version",
    "data",
    "metadata",
    "code",
    "message",
    "details",
    "limit",
    "events",
    "session",
    "run",
];

fn finite_f64() -> impl Strategy<Value = f64> {
    use proptest::num::f64 as f;
    f::NORMAL | f::SUBNORMAL | f::ZERO | f::POSITIVE | f::NEGATIVE
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (MIN_MICROS..=MAX_MICROS).prop_map(Timestamp::from_micros)
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![prop::sample::select(KEYS).prop_map(str::to_owned), ".{0,8}"]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        finite_f64().prop_map(|x| Number::from_f64(x).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
        timestamp().prop_map(|t| Value::String(t.to_iso8601())),
        prop::sample::select(
            &["pending", "running", "session_created", "infinity", "validation_error"][..]
        )
        .prop_map(|s| Value::String(s.to_owned())),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn json_map() -> impl Strategy<Value = JsonMap> {
    prop::collection::btree_map(key(), json(), 0..5).prop_map(|m| m.into_iter().collect())
}

fn non_empty() -> impl Strategy<Value = String> {
    ".{1,16}"
}

fn opt_string() -> impl Strategy<Value = Option<String>> {
    prop::option::of(".{0,12}")
}

fn non_null_json() -> impl Strategy<Value = Value> {
    json().prop_filter("not null", |v| !v.is_null())
}

prop_compose! {
    fn session()(id in non_empty(), agent_id in non_empty(), status in prop::sample::select(SessionStatus::ALL),
        parent_session_id in opt_string(), metadata in json_map(), context in json_map(),
        tags in prop::collection::vec(".{0,8}", 0..4), created_at in timestamp(), updated_at in timestamp(),
        deleted_at in prop::option::of(timestamp())) -> Session {
        Session { id, agent_id, status, parent_session_id, metadata, context, tags, created_at, updated_at, deleted_at }
    }
}

prop_compose! {
    fn run()(id in non_empty(), session_id in non_empty(), status in prop::sample::select(RunStatus::ALL),
        io in (prop::option::of(non_null_json()), prop::option::of(non_null_json()), prop::option::of(non_null_json())),
        metadata in json_map(), turn_count in any::<i64>(), token_usage in json_map(),
        cost_usd in prop::option::of(finite_f64()), started_at in timestamp(), ended_at in prop::option::of(timestamp()),
        provider in opt_string(), provider_metadata in json_map()) -> Run {
        let (input, output, error) = io;
        Run { id, session_id, status, input, output, error, metadata, turn_count, token_usage, cost_usd, started_at,
            ended_at, provider, provider_metadata }
    }
}

prop_compose! {
    fn event()(id in non_empty(), event_type in prop::sample::select(EventType::ALL), timestamp in timestamp(),
        session_id in non_empty(), run_id in opt_string(), data in json_map(), metadata in json_map(),
        sequence_number in prop::option::of(any::<i64>()), schema_version in 1..=i64::MAX,
        provider in opt_string(), correlation_id in opt_string()) -> Event {
        Event { id, event_type, timestamp, session_id, run_id, data, metadata, sequence_number, schema_version,
            provider, correlation_id }
    }
}

prop_compose! {
    fn artifact()(id in non_empty(), session_id in opt_string(), run_id in opt_string(), key in non_empty(),
        content_type in opt_string(), byte_size in any::<i64>(),
        strings in (non_empty(), non_empty(), non_empty()), metadata in json_map(), created_at in timestamp(),
        deleted_at in prop::option::of(timestamp())) -> Artifact {
        let (checksum_sha256, storage_backend, storage_ref) = strings;
        Artifact { id, session_id, run_id, key, content_type, byte_size, checksum_sha256, storage_backend,
            storage_ref, metadata, created_at, deleted_at }
    }
}

/// A valid map with one field replaced by an arbitrary value, or removed.
fn near_valid(valid: Value) -> impl Strategy<Value = Value> {
    let keys: Vec<String> =
        valid.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
    (prop::sample::select(keys), prop::option::of(json())).prop_map(move |(k, v)| {
        let mut m = valid.clone();
        if let Some(o) = m.as_object_mut() {
            match v {
                Some(v) => o.insert(k, v),
                None => o.remove(&k),
            };
        }
        m
    })
}

fn env() -> Env {
    Env::new(
        std::sync::Arc::new(SteppingClock::new(Timestamp::from_micros(0), 1)),
        std::sync::Arc::new(SeededIds::new(7)),
    )
}

/// Every parser of untrusted JSON in the crate, run for its answer only.
fn parse_everything(v: &Value) {
    let _ = Session::from_map(v);
    let _ = Run::from_map(v);
    let _ = Event::from_map(v);
    let _ = Artifact::from_map(v);
    let _ = Error::from_map(v);
    let _ = validate_structural(v);
    let _ = ListSessions::from_json(v);
    let _ = ListRuns::from_json(v);
    let _ = EventFilter::from_json(v);
    let _ = FlushPayload::from_json(v);
    let _ = SessionSearch::from_json(v);
    let _ = RunSearch::from_json(v);
    let _ = EventSearch::from_json(v);
    let _ = UsageQuery::from_json(v);
    let _ = CostQuery::from_json(v);
    let _ = RetentionPolicy::from_json(v);
    let _ = RedactionConfig::from_json(v, true);
    let ctx = BuildContext {
        session_id: "s".into(),
        redaction: Some(RedactionConfig::enabled_default()),
        ..Default::default()
    };
    let _ = EventBuilder::process(v, &ctx, &env());
    if let Value::Object(m) = v {
        let _ = redact_map(m, &RedactionConfig::enabled_default());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_json_never_panics(v in json()) {
        parse_everything(&v);
    }

    #[test]
    fn near_valid_session_never_panics(m in session().prop_flat_map(|s| near_valid(s.to_map()))) {
        parse_everything(&m);
    }

    #[test]
    fn near_valid_run_never_panics(m in run().prop_flat_map(|r| near_valid(r.to_map()))) {
        parse_everything(&m);
    }

    #[test]
    fn near_valid_event_never_panics(m in event().prop_flat_map(|e| near_valid(e.to_map()))) {
        parse_everything(&m);
    }

    #[test]
    fn near_valid_artifact_never_panics(m in artifact().prop_flat_map(|a| near_valid(a.to_map()))) {
        parse_everything(&m);
    }

    #[test]
    fn near_valid_error_never_panics(m in (prop::sample::select(ErrorCode::ALL), ".{0,12}", json_map(), timestamp())
        .prop_flat_map(|(c, msg, d, at)| near_valid(Error::with_details(c, msg, d).to_map(at)))) {
        parse_everything(&m);
    }

    #[test]
    fn redaction_never_panics_and_keeps_clean_events(e in event(), deep in any::<bool>(), meta in any::<bool>()) {
        let config = RedactionConfig { deep_scan: deep, scan_metadata: meta, ..RedactionConfig::enabled_default() };
        let r = redact(&e, &config);
        if r.redaction_count == 0 {
            prop_assert_eq!(r.event, e);
            prop_assert!(r.fields_redacted.is_empty());
        } else {
            prop_assert!(r.fields_redacted.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn session_round_trips(s in session()) {
        prop_assert_eq!(Session::from_map(&s.to_map()), Ok(s.clone()));
        prop_assert_eq!(serde_json::to_value(&s).ok(), Some(s.to_map()));
    }

    #[test]
    fn run_round_trips(r in run()) {
        prop_assert_eq!(Run::from_map(&r.to_map()), Ok(r));
    }

    #[test]
    fn event_round_trips(e in event()) {
        prop_assert_eq!(Event::from_map(&e.to_map()), Ok(e.clone()));
        prop_assert_eq!(validate_structural(&e.to_map()), Ok(()));
    }

    #[test]
    fn event_json_is_its_map(e in event()) {
        // The direct serialiser writes what `to_map` holds, in the same key order.
        let text = serde_json::to_string(&e).unwrap();
        prop_assert_eq!(text, serde_json::to_string(&e.to_map()).unwrap());
    }

    #[test]
    fn artifact_round_trips(a in artifact()) {
        prop_assert_eq!(Artifact::from_map(&a.to_map()), Ok(a));
    }

    #[test]
    fn error_round_trips(code in prop::sample::select(ErrorCode::ALL), message in ".{0,20}", details in json_map(),
        at in timestamp()) {
        let e = Error::with_details(code, message, details);
        let back = Error::from_map(&e.to_map(at));
        if code.is_canonical() {
            prop_assert_eq!(back, Ok(e));
        } else {
            prop_assert_eq!(back.map_err(|e| e.code()), Err(ErrorCode::ValidationError));
        }
    }

    #[test]
    fn iso_text_is_fixed_width(t in timestamp()) {
        let text = t.to_iso8601();
        prop_assert_eq!(text.len(), 27);
        prop_assert!(text.ends_with('Z'));
        prop_assert_eq!(Timestamp::parse_iso8601(&text), Some(t));
    }
}
