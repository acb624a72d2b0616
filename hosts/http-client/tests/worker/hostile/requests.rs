//! The requests the Worker must refuse: each with how it authenticates, its body, and the
//! status and ASM error code it must answer.

use serde_json::{Value, json};

use super::{SQL, artifact, enc, event, nested, session};

/// How a refused request authenticates.
#[derive(Clone, Copy)]
pub(super) enum Auth {
    Token,
    Header(&'static str),
    None,
}

/// A request that must be refused with `status` and the ASM error `code`.
pub(super) struct Refused {
    pub(super) name: &'static str,
    pub(super) method: &'static str,
    pub(super) path: String,
    pub(super) auth: Auth,
    pub(super) body: Vec<u8>,
    pub(super) status: u16,
    pub(super) code: &'static str,
}

fn refused(
    name: &'static str,
    method: &'static str,
    path: &str,
    body: impl Into<Vec<u8>>,
    status: u16,
    code: &'static str,
) -> Refused {
    Refused {
        name,
        method,
        path: path.to_owned(),
        auth: Auth::Token,
        body: body.into(),
        status,
        code,
    }
}

fn unauthorized(name: &'static str, auth: Auth) -> Refused {
    let body = session("hx-auth", "agent").to_string();
    Refused { auth, ..refused(name, "PUT", "/v1/sessions/hx-auth", body, 401, "policy_violation") }
}

/// The refused requests; `too_big` is over this Worker's body limit.
pub(super) fn refused_cases(too_big: usize) -> Vec<Refused> {
    let ev = |data: Value| event("hx-new", "hx-base", data).to_string();
    let big = ev(json!({"blob": "x".repeat(too_big)}));
    let mut invalid_utf8 = ev(json!({"content": "AB"})).into_bytes();
    let at = invalid_utf8.windows(2).position(|w| w == b"AB").unwrap_or(0);
    invalid_utf8.splice(at..at + 2, [0xFF, 0xFE]);
    let mut invalid_utf8_id = session("hx-ZZ", "agent").to_string().into_bytes();
    let at = invalid_utf8_id.windows(2).position(|w| w == b"ZZ").unwrap_or(0);
    invalid_utf8_id.splice(at..at + 2, [0xC3, 0x28]);
    let forged = |payload: &str| {
        use std::fmt::Write as _;
        // Base64url of `payload`, the cursor's text form.
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in payload.as_bytes().chunks(3) {
            let n =
                chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                let _ = out.write_char(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            }
        }
        json!({ "cursor": out }).to_string()
    };
    vec![
        // Malformed JSON.
        refused(
            "malformed_json_truncated",
            "POST",
            "/v1/events",
            "{\"id\":",
            400,
            "validation_error",
        ),
        refused(
            "malformed_json_not_json",
            "PUT",
            "/v1/sessions/hx-base",
            "not json",
            400,
            "validation_error",
        ),
        refused(
            "malformed_json_trailing_comma",
            "POST",
            "/v1/search/sessions",
            "{\"limit\": 10,}",
            400,
            "validation_error",
        ),
        refused(
            "malformed_json_two_documents",
            "POST",
            "/v1/events/batch",
            "[]{}",
            400,
            "validation_error",
        ),
        refused(
            "malformed_json_single_quotes",
            "POST",
            "/v1/flush",
            "{'session': 1}",
            400,
            "validation_error",
        ),
        refused(
            "malformed_json_lone_surrogate",
            "POST",
            "/v1/events",
            ev(json!({})).replace("{}", "\"\\ud800\""),
            400,
            "validation_error",
        ),
        // Wrong types and shapes.
        refused("wrong_type_event_is_a_list", "POST", "/v1/events", "[]", 400, "validation_error"),
        refused(
            "wrong_type_event_is_a_string",
            "POST",
            "/v1/events",
            "\"event\"",
            400,
            "validation_error",
        ),
        refused(
            "wrong_type_numeric_id",
            "POST",
            "/v1/events",
            ev(json!({})).replace("\"hx-new\"", "5"),
            400,
            "validation_error",
        ),
        refused(
            "wrong_type_batch_not_a_list",
            "POST",
            "/v1/events/batch",
            "{\"events\": \"x\"}",
            400,
            "validation_error",
        ),
        refused(
            "wrong_type_batch_element",
            "POST",
            "/v1/events/batch",
            format!("[{}, 7]", ev(json!({}))),
            400,
            "validation_error",
        ),
        refused(
            "wrong_type_unknown_event_type",
            "POST",
            "/v1/events",
            ev(json!({})).replace("message_received", SQL),
            400,
            "invalid_event_type",
        ),
        refused(
            "wrong_type_bad_timestamp",
            "POST",
            "/v1/events",
            ev(json!({})).replace("2025-01-01T00:00:01.000000Z", "yesterday"),
            400,
            "validation_error",
        ),
        refused(
            "wrong_type_session_status",
            "PUT",
            "/v1/sessions/hx-base",
            session("hx-base", "a").to_string().replace("\"active\"", "7"),
            400,
            "validation_error",
        ),
        refused(
            "wrong_type_path_id_differs_from_body",
            "PUT",
            "/v1/sessions/hx-base",
            session("hx-other", "a").to_string(),
            400,
            "validation_error",
        ),
        refused(
            "wrong_type_filter_session_ids",
            "POST",
            "/v1/search/events",
            "{\"session_ids\": 5}",
            400,
            "validation_error",
        ),
        refused(
            "wrong_type_filter_types_carry_sql",
            "POST",
            "/v1/search/events",
            json!({"types": [SQL]}).to_string(),
            400,
            "validation_error",
        ),
        refused(
            "wrong_type_policy",
            "POST",
            "/v1/maintenance/execute",
            "{\"max_events_per_session\": \"lots\"}",
            400,
            "validation_error",
        ),
        refused(
            "wrong_type_policy_is_a_list",
            "POST",
            "/v1/maintenance/execute",
            "[1]",
            400,
            "validation_error",
        ),
        refused(
            "wrong_type_prune_policy",
            "POST",
            "/v1/sessions/hx-base/events/prune",
            "{\"max_events_per_session\": \"all\"}",
            400,
            "validation_error",
        ),
        refused("wrong_type_flush", "POST", "/v1/flush", "5", 400, "validation_error"),
        refused(
            "wrong_type_artifact",
            "POST",
            "/v1/artifacts",
            "{\"key\": 1}",
            400,
            "validation_error",
        ),
        refused(
            "artifact_missing_required_field",
            "POST",
            "/v1/artifacts",
            "{\"key\": \"k2\"}",
            400,
            "persistence_error",
        ),
        refused(
            "artifact_key_taken",
            "POST",
            "/v1/artifacts",
            artifact("hx-key").to_string(),
            409,
            "persistence_error",
        ),
        refused(
            "wrong_type_list_status",
            "GET",
            "/v1/sessions?status=bogus",
            "",
            400,
            "validation_error",
        ),
        // The creating routes: bad input, an unknown session, a chosen id already taken.
        refused(
            "create_session_without_agent",
            "POST",
            "/v1/sessions",
            "{\"tags\": [\"t\"]}",
            400,
            "validation_error",
        ),
        refused(
            "create_session_id_taken",
            "POST",
            "/v1/sessions",
            json!({"agent_id": "a", "id": "hx-base"}).to_string(),
            409,
            "already_exists",
        ),
        refused(
            "create_run_unknown_session",
            "POST",
            &format!("/v1/sessions/{}/runs", enc(SQL)),
            "",
            404,
            "session_not_found",
        ),
        refused(
            "create_event_unknown_session",
            "POST",
            "/v1/sessions/hx-nope/events",
            "{\"type\": \"run_started\"}",
            404,
            "session_not_found",
        ),
        refused(
            "create_event_sql_as_type",
            "POST",
            "/v1/sessions/hx-base/events",
            json!({ "type": SQL }).to_string(),
            400,
            "invalid_event_type",
        ),
        refused(
            "create_event_over_the_limit",
            "POST",
            "/v1/sessions/hx-base/events",
            json!({"type": "run_started", "data": {"blob": "x".repeat(too_big)}}).to_string(),
            413,
            "validation_error",
        ),
        // Huge and deeply nested payloads.
        refused("huge_body_over_the_limit", "POST", "/v1/events", big, 413, "validation_error"),
        refused(
            "deep_json_101_levels_in_data",
            "POST",
            "/v1/events",
            ev(json!(0)).replace("\"data\":0", &format!("\"data\":{}", nested(101))),
            400,
            "validation_error",
        ),
        refused(
            "deep_json_10000_arrays",
            "POST",
            "/v1/events",
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
            400,
            "validation_error",
        ),
        refused(
            "deep_json_100000_objects",
            "POST",
            "/v1/search/sessions",
            nested(100_000),
            400,
            "validation_error",
        ),
        // Invalid UTF-8.
        refused(
            "invalid_utf8_in_body",
            "POST",
            "/v1/events",
            invalid_utf8,
            400,
            "validation_error",
        ),
        refused(
            "invalid_utf8_in_id",
            "PUT",
            "/v1/sessions/hx-ZZ",
            invalid_utf8_id,
            400,
            "validation_error",
        ),
        refused(
            "invalid_utf8_percent_encoded_in_path",
            "GET",
            "/v1/sessions/%FF%FE",
            "",
            400,
            "validation_error",
        ),
        refused(
            "invalid_utf8_percent_encoded_in_put_path",
            "PUT",
            "/v1/sessions/%C3%28",
            session("hx-x", "a").to_string(),
            400,
            "validation_error",
        ),
        refused(
            "malformed_escape_in_path",
            "GET",
            "/v1/sessions/%zz/events",
            "",
            400,
            "validation_error",
        ),
        refused(
            "invalid_utf8_percent_encoded_in_query",
            "GET",
            "/v1/sessions?agent_id=%FF",
            "",
            400,
            "validation_error",
        ),
        refused(
            "malformed_escape_in_query",
            "GET",
            "/v1/sessions/hx-base/events?limit=%G1",
            "",
            400,
            "validation_error",
        ),
        // Negative and absurd limits.
        refused(
            "limit_negative_in_query",
            "GET",
            "/v1/sessions/hx-base/events?limit=-1",
            "",
            400,
            "validation_error",
        ),
        refused(
            "limit_above_i64_in_query",
            "GET",
            "/v1/sessions?limit=99999999999999999999",
            "",
            400,
            "validation_error",
        ),
        refused(
            "limit_not_a_number_in_query",
            "GET",
            "/v1/sessions/hx-base/runs?limit=abc",
            "",
            400,
            "validation_error",
        ),
        refused(
            "limit_sql_in_query",
            "GET",
            &format!("/v1/sessions/hx-base/events?limit={}", enc("1; DELETE FROM asm_events")),
            "",
            400,
            "validation_error",
        ),
        refused(
            "limit_negative_in_search",
            "POST",
            "/v1/search/sessions",
            "{\"limit\": -1}",
            400,
            "validation_error",
        ),
        refused(
            "limit_zero_in_search",
            "POST",
            "/v1/search/events",
            "{\"limit\": 0}",
            400,
            "validation_error",
        ),
        refused(
            "limit_i64_max_in_search",
            "POST",
            "/v1/search/runs",
            "{\"limit\": 9223372036854775807}",
            400,
            "validation_error",
        ),
        refused(
            "limit_1e308_in_search",
            "POST",
            "/v1/search/sessions",
            "{\"limit\": 1e308}",
            400,
            "validation_error",
        ),
        refused(
            "limit_as_text_in_search",
            "POST",
            "/v1/search/sessions",
            "{\"limit\": \"10\"}",
            400,
            "validation_error",
        ),
        // Forged and garbled cursors.
        refused(
            "cursor_empty",
            "POST",
            "/v1/search/sessions",
            "{\"cursor\": \"\"}",
            400,
            "invalid_cursor",
        ),
        refused(
            "cursor_garbage",
            "POST",
            "/v1/search/events",
            "{\"cursor\": \"garbage!!\"}",
            400,
            "invalid_cursor",
        ),
        refused(
            "cursor_not_json",
            "POST",
            "/v1/search/sessions",
            forged("not json"),
            400,
            "invalid_cursor",
        ),
        refused(
            "cursor_wrong_shape",
            "POST",
            "/v1/search/runs",
            forged("{\"k\":\"x\"}"),
            400,
            "invalid_cursor",
        ),
        refused(
            "cursor_carrying_sql",
            "POST",
            "/v1/search/sessions",
            forged(&json!({"k": SQL, "o": SQL, "v": SQL, "id": SQL}).to_string()),
            400,
            "invalid_cursor",
        ),
        refused(
            "cursor_a_number",
            "POST",
            "/v1/search/sessions",
            "{\"cursor\": 12}",
            400,
            "invalid_cursor",
        ),
        refused(
            "cursor_100k_characters",
            "POST",
            "/v1/search/events",
            json!({"cursor": "A".repeat(100_000)}).to_string(),
            400,
            "invalid_cursor",
        ),
        // Unknown routes and methods.
        refused("unknown_route", "GET", "/v1/nope", "", 404, "not_found"),
        // `/` is the viewer (static assets); any other path outside /v1/ without a file still
        // reaches the Worker.
        refused("unknown_route_outside_v1", "GET", "/nope", "", 404, "not_found"),
        refused(
            "unknown_route_extra_segments",
            "GET",
            "/v1/sessions/hx-base/events/1/2/3",
            "",
            404,
            "not_found",
        ),
        refused(
            "unknown_route_8k_path",
            "GET",
            &format!("/v1/{}", "a".repeat(8_000)),
            "",
            404,
            "not_found",
        ),
        refused("wrong_method_delete_events", "DELETE", "/v1/events", "", 405, "invalid_operation"),
        refused(
            "wrong_method_patch_session",
            "PATCH",
            "/v1/sessions/hx-base",
            "{}",
            405,
            "invalid_operation",
        ),
        refused("wrong_method_options", "OPTIONS", "/v1/sessions", "", 405, "invalid_operation"),
        // Missing or bad authentication: refused before anything is read or written.
        unauthorized("auth_missing", Auth::None),
        unauthorized("auth_empty_bearer", Auth::Header("Bearer ")),
        unauthorized("auth_wrong_token", Auth::Header("Bearer test-token-0123456789abcdeX")),
        unauthorized("auth_token_prefix", Auth::Header("Bearer test-token")),
        unauthorized(
            "auth_token_twice",
            Auth::Header("Bearer test-token-0123456789abcdef test-token-0123456789abcdef"),
        ),
        unauthorized("auth_basic_scheme", Auth::Header("Basic test-token-0123456789abcdef")),
        unauthorized("auth_sql", Auth::Header("Bearer ' OR '1'='1")),
    ]
}
