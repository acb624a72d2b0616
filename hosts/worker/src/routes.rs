//! The route table of the HTTP API v1: the one list both the router and the OpenAPI test read.

/// Every operation the API offers; one per route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `GET /v1/health`: liveness probe, the only route without a token.
    Health,
    /// `GET /v1/openapi.json`: the OpenAPI document.
    OpenApi,
    /// `GET /v1/keys/current`: the presenting key's name, role and agents, so that a client
    /// (the viewer) offers only what the key may do.
    CurrentKey,
    /// `SessionStore::list_sessions`.
    ListSessions,
    /// `Session.new` on the server (id and times from the Worker), then `save_session`.
    CreateSession,
    /// `SessionStore::save_session`.
    SaveSession,
    /// `SessionStore::get_session`.
    GetSession,
    /// `SessionStore::delete_session`.
    DeleteSession,
    /// `SessionStore::list_runs`.
    ListRuns,
    /// `Run.new` on the server for an existing session, then `save_run`.
    CreateRun,
    /// `SessionStore::get_active_run`.
    GetActiveRun,
    /// `SessionStore::save_run`.
    SaveRun,
    /// `SessionStore::get_run`.
    GetRun,
    /// `SessionStore::append_event_with_sequence`.
    AppendEvent,
    /// `SessionStore::append_events`.
    AppendEvents,
    /// `SessionStore::get_events`.
    GetEvents,
    /// `Event.new` on the server for an existing session, then `append_event_with_sequence`.
    CreateEvent,
    /// `SessionStore::get_latest_sequence`.
    LatestSequence,
    /// A live tail of a session's events as Server-Sent Events (`asm_core::live::Tail`).
    StreamEvents,
    /// A live tail over a WebSocket, fanned out by the session's Durable Object.
    WatchEvents,
    /// `SessionStore::flush`.
    Flush,
    /// `QueryApi::search_sessions`.
    SearchSessions,
    /// `QueryApi::search_runs`.
    SearchRuns,
    /// `QueryApi::search_events`.
    SearchEvents,
    /// `QueryApi::count_events`.
    CountEvents,
    /// `QueryApi::get_usage_summary`.
    UsageSummary,
    /// `QueryApi::get_cost_summary`.
    CostSummary,
    /// `QueryApi::get_session_stats`.
    SessionStats,
    /// `QueryApi::export_session`.
    ExportSession,
    /// `Maintenance::execute`.
    MaintenanceExecute,
    /// `Maintenance::plan` (a dry run of execute).
    MaintenancePlan,
    /// `Maintenance::prune_session_events`.
    PruneSessionEvents,
    /// `Maintenance::soft_delete_expired_sessions`.
    SoftDeleteExpired,
    /// `Maintenance::hard_delete_expired_sessions`.
    HardDeleteExpired,
    /// `Maintenance::clean_orphaned_artifacts`.
    CleanOrphanedArtifacts,
    /// `Maintenance::health_check`.
    HealthCheck,
    /// `ArtifactRegistry::register`.
    RegisterArtifact,
    /// `ArtifactRegistry::get_by_key`.
    GetArtifact,
    /// `ArtifactRegistry::delete`.
    DeleteArtifact,
    /// `ArtifactRegistry::list_by_session`.
    ListArtifacts,
    /// `ArtifactRegistry::session_stats`.
    ArtifactStats,
    /// `ArtifactContent::store_artifact`: the bytes, streamed to R2, then the row.
    PutArtifactContent,
    /// `ArtifactContent::open_artifact`: the bytes, streamed from R2 (`Range`, `ETag`).
    GetArtifactContent,
    /// `ArtifactContent::remove_artifact`: the row, then the bytes.
    DeleteArtifactContent,
    /// `POST /v1/_test/reset`: wipes every `asm_*` row; served only in test mode.
    TestReset,
}

/// One route: method, path template (`{name}` matches one non-empty segment) and operation.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path template as written in the OpenAPI document.
    pub path: &'static str,
    /// What the route does.
    pub op: Op,
}

const fn r(method: &'static str, path: &'static str, op: Op) -> Route {
    Route { method, path, op }
}

/// Every route the Worker serves, in matching order (literal segments before parameters).
pub const ROUTES: &[Route] = &[
    r("GET", "/v1/health", Op::Health),
    r("GET", "/v1/openapi.json", Op::OpenApi),
    r("GET", "/v1/keys/current", Op::CurrentKey),
    r("GET", "/v1/sessions", Op::ListSessions),
    r("POST", "/v1/sessions", Op::CreateSession),
    r("PUT", "/v1/sessions/{session_id}", Op::SaveSession),
    r("GET", "/v1/sessions/{session_id}", Op::GetSession),
    r("DELETE", "/v1/sessions/{session_id}", Op::DeleteSession),
    r("GET", "/v1/sessions/{session_id}/runs", Op::ListRuns),
    r("POST", "/v1/sessions/{session_id}/runs", Op::CreateRun),
    r("GET", "/v1/sessions/{session_id}/runs/active", Op::GetActiveRun),
    r("PUT", "/v1/runs/{run_id}", Op::SaveRun),
    r("GET", "/v1/runs/{run_id}", Op::GetRun),
    r("POST", "/v1/events", Op::AppendEvent),
    r("POST", "/v1/events/batch", Op::AppendEvents),
    r("GET", "/v1/sessions/{session_id}/events", Op::GetEvents),
    r("POST", "/v1/sessions/{session_id}/events", Op::CreateEvent),
    r("GET", "/v1/sessions/{session_id}/events/latest-sequence", Op::LatestSequence),
    r("GET", "/v1/sessions/{session_id}/events/stream", Op::StreamEvents),
    r("GET", "/v1/sessions/{session_id}/events/ws", Op::WatchEvents),
    r("POST", "/v1/flush", Op::Flush),
    r("POST", "/v1/search/sessions", Op::SearchSessions),
    r("POST", "/v1/search/runs", Op::SearchRuns),
    r("POST", "/v1/search/events", Op::SearchEvents),
    r("POST", "/v1/search/events/count", Op::CountEvents),
    r("POST", "/v1/summaries/usage", Op::UsageSummary),
    r("POST", "/v1/summaries/cost", Op::CostSummary),
    r("GET", "/v1/sessions/{session_id}/stats", Op::SessionStats),
    r("GET", "/v1/sessions/{session_id}/export", Op::ExportSession),
    r("POST", "/v1/maintenance/execute", Op::MaintenanceExecute),
    r("POST", "/v1/maintenance/plan", Op::MaintenancePlan),
    r("POST", "/v1/sessions/{session_id}/events/prune", Op::PruneSessionEvents),
    r("POST", "/v1/maintenance/soft-delete-expired", Op::SoftDeleteExpired),
    r("POST", "/v1/maintenance/hard-delete-expired", Op::HardDeleteExpired),
    r("POST", "/v1/maintenance/clean-orphaned-artifacts", Op::CleanOrphanedArtifacts),
    r("GET", "/v1/maintenance/health", Op::HealthCheck),
    r("POST", "/v1/artifacts", Op::RegisterArtifact),
    r("GET", "/v1/artifacts/{key}", Op::GetArtifact),
    r("PUT", "/v1/artifacts/{key}/content", Op::PutArtifactContent),
    r("GET", "/v1/artifacts/{key}/content", Op::GetArtifactContent),
    r("DELETE", "/v1/artifacts/{key}/content", Op::DeleteArtifactContent),
    r("DELETE", "/v1/artifacts/{key}", Op::DeleteArtifact),
    r("GET", "/v1/sessions/{session_id}/artifacts", Op::ListArtifacts),
    r("GET", "/v1/sessions/{session_id}/artifacts/stats", Op::ArtifactStats),
    r("POST", "/v1/_test/reset", Op::TestReset),
];

/// A matched route: the operation and the decoded path parameters, in template order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    /// The operation.
    pub op: Op,
    /// Values of the `{…}` segments, percent-decoded.
    pub params: Vec<String>,
}

/// What routing a request gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routed {
    /// A route matched.
    Found(Matched),
    /// The path exists, but not with this method (405).
    WrongMethod,
    /// No route has this path (404).
    NoSuchPath,
    /// A route has this path, but a `{…}` segment is not percent-encoded UTF-8 (400).
    BadSegment(String),
}

/// Finds the route for `method` and `path` (the path without its query string).
pub fn route(method: &str, path: &str) -> Routed {
    let mut path_exists = false;
    for candidate in ROUTES {
        if let Some(raw) = match_template(candidate.path, path) {
            if candidate.method != method {
                path_exists = true;
                continue;
            }
            let mut params = Vec::with_capacity(raw.len());
            for segment in raw {
                match percent_decode(segment) {
                    Some(param) => params.push(param),
                    None => return Routed::BadSegment(segment.to_owned()),
                }
            }
            return Routed::Found(Matched { op: candidate.op, params });
        }
    }
    if path_exists { Routed::WrongMethod } else { Routed::NoSuchPath }
}

/// The raw query of a request URL as the runtime serialises it (WHATWG: a `?` outside the query
/// is always percent-encoded), without its `?` and any fragment; `""` when there is none. Read
/// from the string so that the Worker needs no URL parser (and its IDNA tables) at all.
pub fn query_of(url: &str) -> &str {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    url.split_once('?').map_or("", |(_, query)| query)
}

/// The raw (still percent-encoded) parameter segments when `path` fits `template`.
fn match_template<'p>(template: &str, path: &'p str) -> Option<Vec<&'p str>> {
    let mut want = template.split('/');
    let mut got = path.split('/');
    let mut params = Vec::new();
    loop {
        match (want.next(), got.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) if w.starts_with('{') && w.ends_with('}') => {
                if g.is_empty() {
                    return None;
                }
                params.push(g);
            }
            (Some(w), Some(g)) if w == g => {}
            _ => return None,
        }
    }
}

/// Decodes `%XX` escapes (UTF-8); `None` for malformed escapes or bytes that are not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_what_follows_the_first_question_mark_up_to_a_fragment() {
        for (url, query) in [
            ("https://h/v1/sessions", ""),
            ("https://h/v1/sessions?", ""),
            ("https://h/v1/sessions?limit=5&agent_id=a%3Fb", "limit=5&agent_id=a%3Fb"),
            ("https://h:8787/v1/x?a=1?2&b=/c", "a=1?2&b=/c"),
            ("https://h/v1/x?a=1#frag?b=2", "a=1"),
            ("https://h/v1/x#frag?b=2", ""),
            ("https://h/a%3Fb?c", "c"),
        ] {
            assert_eq!(query_of(url), query, "{url}");
        }
    }

    #[test]
    fn literal_segments_win_over_parameters() {
        let Routed::Found(m) = route("GET", "/v1/sessions/s1/runs/active") else {
            panic!("no route")
        };
        assert_eq!((m.op, m.params), (Op::GetActiveRun, vec!["s1".to_owned()]));
        let Routed::Found(m) = route("POST", "/v1/events/batch") else { panic!("no route") };
        assert_eq!(m.op, Op::AppendEvents);
        let Routed::Found(m) = route("GET", "/v1/artifacts/a%2Fb%20c") else { panic!("no route") };
        assert_eq!(m.params, vec!["a/b c".to_owned()]);
    }

    #[test]
    fn wrong_method_and_unknown_path() {
        assert_eq!(route("PATCH", "/v1/sessions/s1"), Routed::WrongMethod);
        assert_eq!(route("GET", "/v1/nope"), Routed::NoSuchPath);
        assert_eq!(route("GET", "/v1/sessions/"), Routed::NoSuchPath);
    }

    #[test]
    fn a_segment_that_is_not_utf8_is_a_bad_segment() {
        assert_eq!(route("GET", "/v1/sessions/%FF%FE"), Routed::BadSegment("%FF%FE".to_owned()));
        assert_eq!(route("GET", "/v1/sessions/%zz/runs"), Routed::BadSegment("%zz".to_owned()));
        assert_eq!(route("PATCH", "/v1/sessions/%FF"), Routed::WrongMethod);
    }

    #[test]
    fn every_route_is_reachable() {
        for r in ROUTES {
            let path =
                r.path.replace("{session_id}", "x").replace("{run_id}", "x").replace("{key}", "x");
            match route(r.method, &path) {
                Routed::Found(m) => assert_eq!(m.op, r.op, "{} {}", r.method, r.path),
                other => panic!("{} {} routed to {other:?}", r.method, r.path),
            }
        }
    }
}
