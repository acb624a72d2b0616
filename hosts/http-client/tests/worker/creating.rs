//! The creating routes over real HTTP: `POST /v1/sessions`, `/v1/sessions/{id}/runs` and
//! `/v1/sessions/{id}/events` with minimal bodies, read back through the other routes; bad
//! bodies are 400 with the ASM code, an unknown session is 404 and stores nothing.

use serde_json::{Value, json};

use crate::TOKEN;
use crate::checks::{Http, code};

/// Records one named check: (name, passed, what to print when it failed).
pub type Check<'a> = &'a mut dyn FnMut(&str, bool, String);

fn post(http: &Http, path: &str, body: &str) -> (u16, Value) {
    http.req("POST", path, Some(TOKEN), (!body.is_empty()).then_some(body.as_bytes()))
}

fn get(http: &Http, path: &str) -> (u16, Value) {
    http.req("GET", path, Some(TOKEN), None)
}

/// An id as the core makes it: the prefix and 32 lowercase hex digits.
fn generated(id: &Value, prefix: &str) -> bool {
    id.as_str().and_then(|s| s.strip_prefix(prefix)).is_some_and(|hex| {
        hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// Runs the checks; the store must hold no session named `nope`.
pub fn run(http: &Http, check: Check<'_>) {
    // A session from its agent alone.
    let (s, session) = post(http, "/v1/sessions", r#"{"agent_id":"agent-create"}"#);
    check(
        "create_session_from_agent_id_alone",
        s == 201
            && generated(&session["id"], "ses_")
            && session["status"] == "pending"
            && session["agent_id"] == "agent-create"
            && session["created_at"].is_string()
            && session["created_at"] == session["updated_at"]
            && session["deleted_at"].is_null(),
        format!("{s} {session}"),
    );
    let sid = session["id"].as_str().unwrap_or("missing").to_owned();
    let (s, stored) = get(http, &format!("/v1/sessions/{sid}"));
    check("create_session_is_stored", s == 200 && stored == session, format!("{s} {stored}"));
    let full = json!({"agent_id": "a2", "metadata": {"k": 1}, "context": {"sys": "p"},
                      "tags": ["x", "y"], "parent_session_id": sid});
    let (s, child) = post(http, "/v1/sessions", &full.to_string());
    let (g, stored) = get(http, &format!("/v1/sessions/{}", child["id"].as_str().unwrap_or("")));
    check(
        "create_session_keeps_the_optional_attributes",
        s == 201
            && g == 200
            && stored == child
            && ["metadata", "context", "tags", "parent_session_id"]
                .iter()
                .all(|k| child[k] == full[k]),
        format!("{s} {g} {child}"),
    );

    // A run from no body at all, and one with input and metadata.
    let runs = format!("/v1/sessions/{sid}/runs");
    let (s, run) = post(http, &runs, "");
    let (g, stored) = get(http, &format!("/v1/runs/{}", run["id"].as_str().unwrap_or("")));
    check(
        "create_run_without_a_body",
        s == 201
            && generated(&run["id"], "run_")
            && run["status"] == "pending"
            && run["session_id"] == sid.as_str()
            && run["started_at"].is_string()
            && run["turn_count"] == 0
            && g == 200
            && stored == run,
        format!("{s} {g} {run} {stored}"),
    );
    let (s, run2) = post(http, &runs, r#"{"input":{"prompt":"hi"},"metadata":{"m":true}}"#);
    let (_, listed) = get(http, &runs);
    let listed_ids: Vec<&Value> =
        listed["runs"].as_array().map(|r| r.iter().map(|x| &x["id"]).collect()).unwrap_or_default();
    check(
        "create_run_with_input_is_listed",
        s == 201
            && run2["input"] == json!({"prompt": "hi"})
            && run2["metadata"] == json!({"m": true})
            && listed_ids.len() == 2
            && listed_ids.contains(&&run["id"])
            && listed_ids.contains(&&run2["id"]),
        format!("{s} {run2} {listed}"),
    );

    // Events from a type and data; the store numbers them.
    let events = format!("/v1/sessions/{sid}/events");
    let (s1, e1) = post(http, &events, r#"{"type":"message_received","data":{"content":"hi"}}"#);
    let body = json!({"type": "run_started", "data": {}, "run_id": run["id"],
                      "correlation_id": "c-1", "provider": "claude", "metadata": {"x": 1}});
    let (s2, e2) = post(http, &events, &body.to_string());
    check(
        "create_event_from_type_and_data",
        s1 == 201
            && generated(&e1["id"], "evt_")
            && e1["sequence_number"] == 1
            && e1["schema_version"] == 1
            && e1["session_id"] == sid.as_str()
            && e1["data"] == json!({"content": "hi"})
            && e1["timestamp"].is_string(),
        format!("{s1} {e1}"),
    );
    check(
        "create_event_keeps_the_optional_attributes",
        s2 == 201
            && e2["sequence_number"] == 2
            && ["run_id", "correlation_id", "provider", "metadata"]
                .iter()
                .all(|k| e2[k] == body[k]),
        format!("{s2} {e2}"),
    );
    let (s, read) = get(http, &format!("{events}?after=0&limit=10"));
    check(
        "create_event_read_back_in_order",
        s == 200 && read["events"] == json!([e1, e2]),
        format!("{s} {read}"),
    );
    let (s, latest) = get(http, &format!("{events}/latest-sequence"));
    check("create_event_latest_sequence", s == 200 && latest["sequence"] == 2, format!("{latest}"));

    // Bad bodies: 400 with ASM's code, before the session is even looked up.
    let bad = [
        ("create_session_empty_body_400", "/v1/sessions".to_owned(), "", "validation_error"),
        (
            "create_session_empty_agent_400",
            "/v1/sessions".to_owned(),
            r#"{"agent_id":""}"#,
            "validation_error",
        ),
        ("create_session_not_json_400", "/v1/sessions".to_owned(), "{agent", "validation_error"),
        (
            "create_session_tags_not_a_list_400",
            "/v1/sessions".to_owned(),
            r#"{"agent_id":"a","tags":"t"}"#,
            "validation_error",
        ),
        (
            "create_run_metadata_not_a_map_400",
            runs.clone(),
            r#"{"metadata":5}"#,
            "validation_error",
        ),
        (
            "create_run_other_session_in_body_400",
            runs.clone(),
            r#"{"session_id":"other"}"#,
            "validation_error",
        ),
        ("create_event_without_type_400", events.clone(), r#"{"data":{}}"#, "validation_error"),
        (
            "create_event_unknown_type_400",
            events.clone(),
            r#"{"type":"no_such_type"}"#,
            "invalid_event_type",
        ),
        (
            "create_event_data_not_a_map_400",
            events.clone(),
            r#"{"type":"run_started","data":[1]}"#,
            "validation_error",
        ),
        (
            "create_event_on_unknown_session_bad_body_400",
            "/v1/sessions/nope/events".to_owned(),
            "[]",
            "validation_error",
        ),
    ];
    for (name, path, body, want) in bad {
        let (s, b) = post(http, &path, body);
        check(name, s == 400 && code(&b) == want, format!("{s} {b}"));
    }

    // An unknown session: 404, and nothing stored under it.
    let (s1, b1) = post(http, "/v1/sessions/nope/runs", "");
    let (s2, b2) = post(http, "/v1/sessions/nope/events", r#"{"type":"run_started"}"#);
    check(
        "create_under_unknown_session_404",
        [s1, s2] == [404, 404]
            && code(&b1) == "session_not_found"
            && code(&b2) == "session_not_found",
        format!("{s1} {b1} {s2} {b2}"),
    );
    let (_, r) = get(http, "/v1/sessions/nope/runs");
    let (_, e) = get(http, "/v1/sessions/nope/events");
    let (_, seq) = get(http, "/v1/sessions/nope/events/latest-sequence");
    check(
        "create_under_unknown_session_stored_nothing",
        r["runs"] == json!([]) && e["events"] == json!([]) && seq["sequence"] == 0,
        format!("{r} {e} {seq}"),
    );
    let (s, after) = get(http, &format!("{events}?after=0"));
    check(
        "refused_creates_left_the_log_alone",
        s == 200 && after["events"].as_array().map(Vec::len) == Some(2),
        format!("{s} {after}"),
    );

    // A chosen id is used; a taken one is 409 and the stored entity stays as it was.
    let (s, chosen) = post(http, "/v1/sessions", r#"{"agent_id":"a","id":"ses-chosen"}"#);
    let (s2, again) = post(http, "/v1/sessions", r#"{"agent_id":"other","id":"ses-chosen"}"#);
    let (_, stored) = get(http, "/v1/sessions/ses-chosen");
    check(
        "create_session_chosen_id_then_409",
        s == 201
            && chosen["id"] == "ses-chosen"
            && s2 == 409
            && code(&again) == "already_exists"
            && stored == chosen,
        format!("{s} {s2} {again} {stored}"),
    );
    let (s, _) = post(http, "/v1/sessions/ses-chosen/runs", r#"{"id":"run-chosen"}"#);
    let (s2, again) = post(http, "/v1/sessions/ses-chosen/runs", r#"{"id":"run-chosen"}"#);
    check(
        "create_run_chosen_id_then_409",
        s == 201 && s2 == 409 && code(&again) == "already_exists",
        format!("{s} {s2} {again}"),
    );
}
