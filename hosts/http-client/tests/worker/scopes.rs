//! Keys with roles and agent restrictions over HTTP: every route × every role × restricted or
//! not, against sessions of agent `a` and of agent `bbb`. Each request is checked for its
//! status (403 `policy_violation` with the reason `role` or `out_of_scope`, or success), for
//! what comes back (a key restricted to `a` never sees `bbb`) and for what is written (a refused
//! request changes nothing; a key restricted to `a` never changes `bbb`'s rows).

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::TOKEN;
use crate::checks::{Http, code};
use crate::hostile::dump;

/// The roles, weakest first, as configured.
const ROLES: [&str; 4] = ["read", "append", "write", "admin"];

/// One test key: its secret, role and whether it is restricted to agent `a`.
struct Key {
    secret: String,
    role: usize,
    restricted: bool,
}

fn keys() -> Vec<Key> {
    let mut keys = Vec::new();
    for (role, name) in ROLES.iter().enumerate() {
        for restricted in [false, true] {
            let secret = format!("test-key-{name}-{}", if restricted { "a" } else { "all" });
            keys.push(Key { secret, role, restricted });
        }
    }
    keys
}

/// `ASM_API_KEYS:[…]`: the test keys' entries, only their hashes.
pub fn keys_var() -> String {
    let entries: Vec<Value> = keys()
        .iter()
        .map(|k| {
            let digest: String =
                Sha256::digest(k.secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
            let mut entry = json!({"name": k.secret, "role": ROLES[k.role], "sha256": digest});
            if k.restricted {
                entry["agents"] = json!(["a"]);
            }
            entry
        })
        .collect();
    format!("ASM_API_KEYS:{}", Value::Array(entries))
}

/// Whose rows a request names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Agent `a`'s session `s-a` (inside every key's scope).
    A,
    /// Agent `bbb`'s session `s-bbb` (outside the restricted keys' scope).
    B,
    /// No session: searches, summaries, maintenance.
    Store,
}

impl Target {
    fn tag(self) -> &'static str {
        if self == Target::B { "bbb" } else { "a" }
    }
}

const OLD: &str = "2020-01-01T00:00:00.000000Z";

fn session(tag: &str) -> Value {
    json!({"id": format!("s-{tag}"), "agent_id": tag, "status": "completed", "parent_session_id": null,
           "metadata": {}, "context": {}, "tags": ["t"], "created_at": OLD, "updated_at": OLD, "deleted_at": null})
}

fn run_of(id: &str, tag: &str) -> Value {
    json!({"id": id, "session_id": format!("s-{tag}"), "status": "completed", "input": {}, "output": {},
           "metadata": {}, "turn_count": 1, "token_usage": {"input_tokens": 5, "output_tokens": 7},
           "started_at": OLD, "ended_at": OLD, "provider": "claude", "cost_usd": 0.5})
}

/// A session of agent `tag` soft-deleted long ago: what a hard delete would remove.
fn gone_session(tag: &str) -> Value {
    let mut s = session(tag);
    s["id"] = json!(format!("s-{tag}-gone"));
    s["deleted_at"] = json!(OLD);
    s
}

fn event(id: &str, tag: &str) -> Value {
    json!({"id": id, "type": "message_received", "session_id": format!("s-{tag}"), "run_id": format!("r-{tag}"),
           "timestamp": OLD, "schema_version": 1, "data": {"content": "hi"}, "metadata": {}})
}

fn artifact(key: &str, tag: &str) -> Value {
    json!({"key": key, "session_id": format!("s-{tag}"), "byte_size": 3,
           "checksum_sha256": "0".repeat(64), "storage_backend": "s3", "storage_ref": format!("ref/{key}")})
}

/// A policy that removes everything old: what a wiping request would send.
fn wipe_policy() -> Value {
    json!({"max_completed_session_age_days": 1, "hard_delete_after_days": 1,
           "max_events_per_session": 1, "exempt_statuses": []})
}

/// One request of every route (but health, the OpenAPI document, the current key and the test reset), the least
/// role it needs, and whether it writes.
fn requests(t: Target) -> Vec<(&'static str, usize, String, String, Option<Value>)> {
    let tag = t.tag();
    let (s, r, k) = (format!("s-{tag}"), format!("r-{tag}"), format!("k-{tag}"));
    let mut out = vec![];
    let mut add = |op, role, method: &str, path: String, body: Option<Value>| {
        out.push((op, role, method.to_owned(), path, body));
    };
    if t == Target::Store {
        add("list_sessions", 0, "GET", "/v1/sessions".into(), None);
        for (op, path) in [
            ("search_sessions", "/v1/search/sessions"),
            ("search_runs", "/v1/search/runs"),
            ("search_events", "/v1/search/events"),
            ("count_events", "/v1/search/events/count"),
            ("usage_summary", "/v1/summaries/usage"),
            ("cost_summary", "/v1/summaries/cost"),
        ] {
            add(op, 0, "POST", path.into(), Some(json!({})));
        }
        add("maintenance_plan", 0, "POST", "/v1/maintenance/plan".into(), Some(wipe_policy()));
        add("health_check", 0, "GET", "/v1/maintenance/health".into(), None);
        for (op, path) in [
            ("maintenance_execute", "/v1/maintenance/execute"),
            ("soft_delete_expired", "/v1/maintenance/soft-delete-expired"),
            ("hard_delete_expired", "/v1/maintenance/hard-delete-expired"),
        ] {
            add(op, 3, "POST", path.into(), Some(wipe_policy()));
        }
        add(
            "clean_orphaned_artifacts",
            3,
            "POST",
            "/v1/maintenance/clean-orphaned-artifacts".into(),
            None,
        );
        return out;
    }
    add("get_session", 0, "GET", format!("/v1/sessions/{s}"), None);
    add("list_runs", 0, "GET", format!("/v1/sessions/{s}/runs"), None);
    add("get_active_run", 0, "GET", format!("/v1/sessions/{s}/runs/active"), None);
    add("get_run", 0, "GET", format!("/v1/runs/{r}"), None);
    add("get_events", 0, "GET", format!("/v1/sessions/{s}/events"), None);
    add("latest_sequence", 0, "GET", format!("/v1/sessions/{s}/events/latest-sequence"), None);
    // The backlog only (`live=false`), so the request ends once it is sent.
    add("stream_events", 0, "GET", format!("/v1/sessions/{s}/events/stream?live=false"), None);
    // Without `Upgrade: websocket` the WebSocket route answers 400 once key and scope passed
    // (counted as success below); live_tail.rs tests the WebSocket itself.
    add("watch_events", 0, "GET", format!("/v1/sessions/{s}/events/ws"), None);
    add("session_stats", 0, "GET", format!("/v1/sessions/{s}/stats"), None);
    add(
        "export_session",
        0,
        "GET",
        format!("/v1/sessions/{s}/export?include_artifacts=true"),
        None,
    );
    add("get_artifact", 0, "GET", format!("/v1/artifacts/{k}"), None);
    add("list_artifacts", 0, "GET", format!("/v1/sessions/{s}/artifacts"), None);
    add("artifact_stats", 0, "GET", format!("/v1/sessions/{s}/artifacts/stats"), None);
    add("get_artifact_content", 0, "GET", format!("/v1/artifacts/c{k}/content"), None);
    add("save_run", 1, "PUT", format!("/v1/runs/{r}"), Some(run_of(&r, tag)));
    add("append_event", 1, "POST", "/v1/events".into(), Some(event(&format!("e-{tag}-new"), tag)));
    let batch =
        json!({"events": [event(&format!("e-{tag}-n1"), tag), event(&format!("e-{tag}-n2"), tag)]});
    add("append_events", 1, "POST", "/v1/events/batch".into(), Some(batch));
    add("create_run", 1, "POST", format!("/v1/sessions/{s}/runs"), Some(json!({"input": {}})));
    let typed = json!({"type": "message_received", "data": {"content": "hi"}});
    add("create_event", 1, "POST", format!("/v1/sessions/{s}/events"), Some(typed));
    add("save_session", 2, "PUT", format!("/v1/sessions/{s}"), Some(session(tag)));
    add("create_session", 2, "POST", "/v1/sessions".into(), Some(json!({"agent_id": tag})));
    let flush = json!({"session": session(tag), "run": run_of(&r, tag), "events": [event(&format!("e-{tag}-f"), tag)]});
    add("flush", 2, "POST", "/v1/flush".into(), Some(flush));
    add(
        "register_artifact",
        2,
        "POST",
        "/v1/artifacts".into(),
        Some(artifact(&format!("k-{tag}-new"), tag)),
    );
    let upload = Value::String(format!("bytes of {tag}"));
    add(
        "put_artifact_content",
        2,
        "PUT",
        format!("/v1/artifacts/c{k}-new/content?session_id={s}"),
        Some(upload),
    );
    add("delete_session", 3, "DELETE", format!("/v1/sessions/{s}"), None);
    add("delete_artifact_content", 3, "DELETE", format!("/v1/artifacts/c{k}/content"), None);
    add("delete_artifact", 3, "DELETE", format!("/v1/artifacts/{k}"), None);
    add(
        "prune_session_events",
        3,
        "POST",
        format!("/v1/sessions/{s}/events/prune"),
        Some(wipe_policy()),
    );
    out
}

/// The route names the suite covers, to compare with the Worker's route table.
pub fn covered() -> Vec<&'static str> {
    let mut ops: Vec<&str> =
        [Target::A, Target::Store].into_iter().flat_map(requests).map(|(op, ..)| op).collect();
    ops.sort_unstable();
    ops
}

/// Reset, then two sessions (agents `a` and `bbb`) with a run, three events and an artifact.
fn seed(http: &Http) {
    let (status, _) = http.req("POST", "/v1/_test/reset", Some(TOKEN), None);
    assert_eq!(status, 204, "reset");
    for tag in ["a", "bbb"] {
        let events: Vec<Value> = (1..=3).map(|i| event(&format!("e-{tag}-{i}"), tag)).collect();
        let flush = json!({"session": session(tag), "run": run_of(&format!("r-{tag}"), tag), "events": events});
        let body = serde_json::to_vec(&flush).expect("json");
        assert_eq!(http.req("POST", "/v1/flush", Some(TOKEN), Some(&body)).0, 204, "seed flush");
        let body = serde_json::to_vec(&artifact(&format!("k-{tag}"), tag)).expect("json");
        assert_eq!(
            http.req("POST", "/v1/artifacts", Some(TOKEN), Some(&body)).0,
            201,
            "seed artifact"
        );
        // An artifact with bytes (in the Worker's R2 bucket) for the content routes.
        let path = format!("/v1/artifacts/ck-{tag}/content?session_id=s-{tag}");
        let bytes = format!("bytes of {tag}");
        assert_eq!(
            http.req("PUT", &path, Some(TOKEN), Some(bytes.as_bytes())).0,
            201,
            "seed artifact bytes"
        );
        let body = serde_json::to_vec(&gone_session(tag)).expect("json");
        let path = format!("/v1/sessions/s-{tag}-gone");
        assert_eq!(http.req("PUT", &path, Some(TOKEN), Some(&body)).0, 200, "seed deleted session");
    }
}

/// Whether an answer holds something of agent `bbb`: its agent id, an id seeded for it
/// (`s-bbb`, `r-bbb`, `e-bbb-1`, `k-bbb` …) or its bytes. Not the bare letters: an id the server
/// makes is hex and holds `bbb` now and then.
fn shows_bbb(answer: &str) -> bool {
    answer.contains("\"bbb\"") || answer.contains("-bbb") || answer.contains("of bbb")
}

/// Everything of agent `bbb`, as the unrestricted token sees it.
fn bbb_rows(http: &Http) -> Value {
    let export =
        http.req("GET", "/v1/sessions/s-bbb/export?include_artifacts=true", Some(TOKEN), None);
    let artifact = http.req("GET", "/v1/artifacts/k-bbb", Some(TOKEN), None);
    let gone = http.req("GET", "/v1/sessions/s-bbb-gone", Some(TOKEN), None);
    json!([export.0, export.1, artifact.0, artifact.1, gone.0, gone.1])
}

/// Runs the suite against the Worker at `url` (started with [`keys_var`]); (passed, failed).
pub fn run(url: &str, backend: &str) -> (usize, usize) {
    let http = Http::new(url);
    let (mut passed, mut failed) = (0, 0);
    let answered_elsewhere = ["health", "open_api", "current_key", "test_reset"];
    for route in asm_worker::routes::ROUTES {
        let name = asm_worker::audit::op_name(route.op);
        if !answered_elsewhere.contains(&name.as_str()) && !covered().contains(&name.as_str()) {
            failed += 1;
            println!(
                "FAIL scopes: {backend} route {} {} has no request in the suite",
                route.method, route.path
            );
        }
    }
    seed(&http);
    // Artifacts get their id and time on the server: each seeding is snapshotted anew.
    let (mut seeded, mut bbb) = (dump(&http), bbb_rows(&http));
    for target in [Target::A, Target::B, Target::Store] {
        for (op, needs, method, path, body) in requests(target) {
            let body = body.map(|b| serde_json::to_vec(&b).expect("json"));
            for key in keys() {
                let (status, answer) = http.req(&method, &path, Some(&key.secret), body.as_deref());
                let reason = answer["error"]["details"]["reason"].as_str().unwrap_or("");
                let mut problems = Vec::new();
                let expected_refusal = if key.role < needs {
                    Some("role")
                } else if key.restricted && target == Target::B {
                    Some("out_of_scope")
                } else {
                    None
                };
                // The WebSocket route answers a plain GET 400 once key and scope passed.
                let accepted =
                    (200..300).contains(&status) || (op == "watch_events" && status == 400);
                match expected_refusal {
                    Some(why)
                        if status != 403
                            || code(&answer) != "policy_violation"
                            || reason != why =>
                    {
                        problems.push(format!("expected 403 {why}, got {status} {answer}"));
                    }
                    None if !accepted => {
                        problems.push(format!("expected success, got {status} {answer}"));
                    }
                    _ => {}
                }
                if key.restricted && expected_refusal.is_none() && shows_bbb(&answer.to_string()) {
                    problems.push(format!("answer shows agent bbb's rows: {answer}"));
                }
                let wrote = expected_refusal.is_none() && needs > 0;
                let now = if needs > 0 && !wrote { Some(dump(&http)) } else { None };
                if let Some(now) = now.filter(|now| *now != seeded) {
                    let parts = ["sessions", "exports", "health"];
                    let changed: Vec<String> = parts
                        .iter()
                        .filter(|p| now[**p] != seeded[**p])
                        .map(|p| format!("{p}: {} -> {}", seeded[*p], now[*p]))
                        .collect();
                    problems.push(format!("the database changed: {}", changed.join("; ")));
                } else if key.restricted && wrote && bbb_rows(&http) != bbb {
                    problems.push("agent bbb's rows changed".to_owned());
                }
                let restricted = if key.restricted { "agent a" } else { "all agents" };
                let name = format!(
                    "{backend} {op} on {target:?} by {} key of {restricted}",
                    ROLES[key.role]
                );
                if problems.is_empty() {
                    passed += 1;
                } else {
                    failed += 1;
                    println!("FAIL scopes: {name}: {}", problems.join("; "));
                }
                if wrote || !problems.is_empty() {
                    seed(&http);
                    (seeded, bbb) = (dump(&http), bbb_rows(&http));
                }
            }
        }
    }
    println!("{backend} scopes: {passed} passed, {failed} failed");
    (passed, failed)
}
