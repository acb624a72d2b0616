//! The Worker's entry points: `fetch` (the HTTP API) and `scheduled` (maintenance by cron).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use asm_core::live::{Tail, TailItem, resume_after, sse_frame, sse_preamble};
use asm_core::ports::{Maintenance, SessionStore};
use asm_core::redactor::RedactionLog;
use asm_core::sql::{Executor, ExportChunks, SqlStore, migrations};
use asm_core::{
    Clock, Env, Error, ErrorCode, Limits, MaintenanceBudget, RandomUnavailable, RetentionPolicy,
    SteppingClock, Timestamp,
};
use futures_util::StreamExt;
use worker::{
    Context, Method, Request, Response, ScheduleContext, ScheduledEvent, console_log, event,
};

use crate::api::{ApiRequest, Call, HEARTBEAT_MS, Reply, decode, execute, execute_maintenance};
use crate::audit::Line;
use crate::auth::Keyring;
use crate::backend::Backend;
use crate::body::read_request;
use crate::content;
use crate::errors::{
    bad_segment, body_of, no_such_path, status_of, too_large, unauthorized, wrong_method,
};
use crate::r2::R2ArtifactStore;
use crate::redaction::{self, REDACTIONS_HEADER};
use crate::routes::{Op, Routed, route};
use asm_core::composite::CompositeStore;

/// Default request body limit (`ASM_MAX_BODY_BYTES` overrides it).
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// D1's largest row (and largest bound string or blob): 2,000,000 bytes.
pub const D1_MAX_ROW_BYTES: usize = 2_000_000;
/// Header carrying the test clock's first reading (test mode only).
pub const TEST_NOW_HEADER: &str = "x-asm-test-now";
/// Response header: how many readings the request took from the test clock.
pub const TEST_READINGS_HEADER: &str = "x-asm-test-clock-readings";

/// A clock that counts its readings, so the test client can keep its own clock in step.
struct CountingClock {
    inner: SteppingClock,
    readings: AtomicU64,
}

impl Clock for CountingClock {
    fn now(&self) -> Timestamp {
        self.readings.fetch_add(1, Ordering::SeqCst);
        self.inner.now()
    }
}

/// The Workers clock: `Date.now()`, in milliseconds.
pub(crate) fn worker_now() -> Timestamp {
    Timestamp::from_millis(js_sys::Date::now() as i64)
}

/// `crypto.getRandomValues`, through getrandom's `wasm_js` backend.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), RandomUnavailable> {
    getrandom::fill(buf).map_err(RandomUnavailable::new)
}

fn var(env: &worker::Env, name: &str) -> Option<String> {
    env.var(name)
        .ok()
        .map(|v| v.to_string())
        .or_else(|| env.secret(name).ok().map(|s| s.to_string()))
}

fn test_mode(env: &worker::Env) -> bool {
    var(env, "ASM_TEST_MODE").as_deref() == Some("1")
}

fn json_response(reply: Reply) -> worker::Result<Response> {
    let response = match &reply.body {
        None => Response::empty()?,
        Some(body) => Response::from_json(body)?,
    };
    Ok(response.with_status(reply.status))
}

/// Writes an audit line where `wrangler tail` shows it.
fn audit(line: &Line) {
    console_log!("{}", line.json());
}

fn error_reply(error: &Error) -> Reply {
    Reply { status: status_of(error), body: Some(body_of(error)) }
}

/// What a request is answered with: a JSON reply, a session export streamed in chunks, or a
/// live tail as Server-Sent Events.
enum Answer {
    Json(Reply),
    Export(Vec<u8>, ExportChunks<Backend>),
    Events(EventStream),
    /// A WebSocket the session's Durable Object accepted (status 101).
    Upgrade(Response),
    /// Artifact bytes streamed from R2 (200, 206, 304).
    Bytes(Response),
}

/// A tail being sent as Server-Sent Events.
struct EventStream {
    tail: Tail<Box<SqlStore<Backend>>>,
    /// The first item, read before the status was sent (so a foreign session got its 403).
    first: TailItem,
    /// Whether to keep following after the backlog.
    live: bool,
    /// End after this many events, when given.
    max_events: Option<u64>,
    /// When the stream ends itself (ms since the epoch): a connection never pins an isolate
    /// for long, and the client's reconnect resumes from its `Last-Event-ID`.
    ends_at: f64,
}

/// How long an event stream lasts before it ends itself (`ASM_STREAM_SECONDS` overrides it).
pub const DEFAULT_STREAM_SECONDS: u64 = 60;

/// The binding of the sessions' fan-out objects (`SessionTail`, wrangler.toml).
const TAILS_BINDING: &str = "ASM_TAILS";

/// Hands a WebSocket upgrade to the session's `SessionTail`, which accepts it and sends the
/// backlog from `follow.from_sequence`, then every new event.
async fn watch(
    env: &worker::Env,
    session_id: &str,
    follow: &asm_core::live::Follow,
    websocket: bool,
) -> Result<Response, Error> {
    if !websocket {
        return Err(Error::validation("this route answers a WebSocket: send Upgrade: websocket"));
    }
    let stub = tail_stub(env, session_id)?;
    let mut params = vec![
        ("session_id", session_id.to_owned()),
        ("from_sequence", follow.from_sequence.to_string()),
    ];
    if let Some(t) = follow.event_type {
        params.push(("type", t.as_str().to_owned()));
    }
    if let Some(r) = &follow.run_id {
        params.push(("run_id", r.clone()));
    }
    let url = tail_url("subscribe", &params);
    // Built with web-sys rather than `worker::RequestInit`, whose conversion serialises every
    // `cf` option (image resizing included) and links that code for one header.
    let headers = worker::Headers::new();
    let _ = headers.set("upgrade", "websocket");
    let init = worker::web_sys::RequestInit::new();
    init.set_headers_headers(&headers.0);
    let request = worker::web_sys::Request::new_with_str_and_init(&url, &init)
        .map_err(|e| tail_error(worker::Error::from(e)))?;
    stub.fetch_with_request(Request::from(request)).await.map_err(tail_error)
}

/// The URL of a request to a session's `SessionTail`: `route` with `params` as its query.
fn tail_url(route: &str, params: &[(&str, String)]) -> String {
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
    format!("https://tail/{route}?{query}")
}

/// The stub of a session's `SessionTail`; a Worker deployed without the binding cannot serve
/// WebSockets and says so.
fn tail_stub(env: &worker::Env, session_id: &str) -> Result<worker::Stub, Error> {
    let namespace = env.durable_object(TAILS_BINDING).map_err(|_| {
        Error::new(
            ErrorCode::DependencyNotAvailable,
            format!("the Worker has no {TAILS_BINDING} Durable Object binding (wrangler.toml)"),
        )
    })?;
    namespace.id_from_name(session_id).and_then(|id| id.get_stub()).map_err(tail_error)
}

fn tail_error(e: worker::Error) -> Error {
    Error::new(ErrorCode::StorageError, format!("the session's tail object failed: {e}"))
}

/// After a committed append, tells each session's `SessionTail` (when the binding exists) to
/// read and push the new events; it runs after the answer is sent, and a lost notification is
/// repaired by the object's alarm.
fn notify_tails(env: &worker::Env, ctx: &Context, sessions: Vec<String>) {
    if env.durable_object(TAILS_BINDING).is_err() {
        return;
    }
    let env = env.clone();
    ctx.wait_until(async move {
        for session_id in sessions {
            let Ok(stub) = tail_stub(&env, &session_id) else { continue };
            let url = tail_url("notify", &[("session_id", session_id.clone())]);
            if let Err(e) = stub.fetch_with_str(&url).await {
                console_log!("{}", serde_json::json!({"asm_tail": {"session_id": session_id, "notify_failed": e.to_string()}}));
            }
        }
    });
}

/// The key of an event stream given as `?access_token=…`: a browser's `EventSource` cannot send
/// an `Authorization` header. Only the stream route reads it, since a URL ends up in logs (give
/// such clients a read key scoped to their agents). A download link of an artifact's bytes
/// (`GET …/content`, e.g. from the viewer) may carry it the same way.
fn stream_token(op: Op, query: &str) -> Option<String> {
    if !matches!(op, Op::StreamEvents | Op::WatchEvents | Op::GetArtifactContent) {
        return None;
    }
    let token = query.split('&').find_map(|pair| pair.strip_prefix("access_token="))?;
    crate::routes::percent_decode(token).map(|t| format!("Bearer {t}"))
}

/// The stream as a `text/event-stream` body: the preamble and the first frame, then one frame per
/// tail item until the deadline (or the backlog's end when not live).
fn events_response(stream: EventStream) -> worker::Result<Response> {
    let EventStream { tail, first, live, max_events, ends_at } = stream;
    let caught_up = matches!(first, TailItem::UpToDate { .. });
    let head = format!("{}{}", sse_preamble(1_000), sse_frame(&first, false));
    let events = |item: &TailItem| u64::from(matches!(item, TailItem::Event(_)));
    // A bounded read ends right after its last event, before any further read of the store.
    let within = move |sent: u64| max_events.is_none_or(|max| sent < max);
    let sent = events(&first);
    let more = ((live || !caught_up) && within(sent)).then_some((tail, caught_up, sent));
    let rest = futures_util::stream::unfold(more, move |state| async move {
        let (mut tail, announced, sent) = state?;
        let left = ends_at - worker::Date::now().as_millis() as f64;
        if left <= 0.0 {
            return None;
        }
        tail.set_wait_ms((left as u64).clamp(1, HEARTBEAT_MS));
        let (frame, next) = match tail.next().await {
            Ok(item) => {
                let up_to_date = matches!(item, TailItem::UpToDate { .. });
                let frame = sse_frame(&item, announced);
                let sent = sent + events(&item);
                let go_on = (live || !up_to_date) && within(sent);
                (frame, go_on.then_some((tail, announced || up_to_date, sent)))
            }
            // Past the status line an error can only end the stream; the client reconnects.
            Err(error) => {
                let data = serde_json::json!({ "code": error.code().as_str(), "message": error.message() });
                (format!("event: error\ndata: {data}\n\n"), None)
            }
        };
        Some((Ok::<Vec<u8>, worker::Error>(frame.into_bytes()), next))
    });
    let body = futures_util::stream::once(async move { Ok(head.into_bytes()) }).chain(rest);
    let mut response = Response::from_stream(body)?;
    let headers = response.headers_mut();
    let _ = headers.set("content-type", "text/event-stream; charset=utf-8");
    let _ = headers.set("cache-control", "no-cache");
    Ok(response)
}

/// The export as a response body: the first chunk (already read, so that an unknown or
/// foreign session got its 404 or 403), then one chunk per page; memory holds one page.
fn export_response(first: Vec<u8>, chunks: ExportChunks<Backend>) -> worker::Result<Response> {
    let rest = futures_util::stream::unfold(Some(chunks), |state| async move {
        let mut chunks = state?;
        match chunks.next_chunk().await {
            Ok(Some(chunk)) => Some((Ok::<Vec<u8>, worker::Error>(chunk), Some(chunks))),
            Ok(None) => None,
            // Past the first chunk the status is sent: ending the body early is all that is left,
            // and the client's JSON parser reports the truncation.
            Err(error) => Some((Err(worker::Error::RustError(error.to_string())), None)),
        }
    });
    let body = futures_util::stream::once(async move { Ok(first) }).chain(rest);
    let mut response = Response::from_stream(body)?;
    let _ = response.headers_mut().set("content-type", "application/json");
    Ok(response)
}

/// Response headers a request adds besides its body's.
#[derive(Debug, Default)]
struct Extra {
    /// Readings of the test clock (test mode only).
    readings: Option<u64>,
    /// Matches redaction replaced in what the request wrote (a Worker with redaction on).
    redactions: Option<usize>,
}

#[event(fetch)]
async fn fetch(req: Request, env: worker::Env, ctx: Context) -> worker::Result<Response> {
    let (answer, extra) = match handle(req, &env, &ctx).await {
        Ok(answer) => answer,
        Err(error) => (Answer::Json(error_reply(&error)), Extra::default()),
    };
    let mut response = match answer {
        Answer::Json(reply) => json_response(reply)?,
        Answer::Export(first, chunks) => export_response(first, chunks)?,
        Answer::Events(stream) => events_response(stream)?,
        Answer::Upgrade(response) => return Ok(response),
        Answer::Bytes(response) => response,
    };
    if let Some(n) = extra.readings {
        let _ = response.headers_mut().set(TEST_READINGS_HEADER, &n.to_string());
    }
    if let Some(n) = extra.redactions {
        let _ = response.headers_mut().set(REDACTIONS_HEADER, &n.to_string());
    }
    Ok(response)
}

/// The whole request: route, authenticate, limit the body, run the operation.
async fn handle(
    mut req: Request,
    env: &worker::Env,
    ctx: &Context,
) -> Result<(Answer, Extra), Error> {
    let method = req.method();
    let path = req.path();
    let query = crate::routes::query_of(&req.inner().url()).to_owned();
    let last_event_id = req.headers().get("last-event-id").ok().flatten();
    let websocket = req
        .headers()
        .get("upgrade")
        .ok()
        .flatten()
        .is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
    let matched = match route(method.as_ref(), &path) {
        Routed::Found(m) => m,
        Routed::WrongMethod => return Err(wrong_method(method.as_ref(), &path)),
        Routed::NoSuchPath => return Err(no_such_path(&path)),
        Routed::BadSegment(segment) => return Err(bad_segment(&segment)),
    };
    let testing = test_mode(env);
    if matched.op == Op::TestReset && !testing {
        return Err(no_such_path(&path));
    }
    if matched.op == Op::Health {
        let reply = Reply { status: 200, body: Some(serde_json::json!({ "status": "ok" })) };
        return Ok((Answer::Json(reply), Extra::default()));
    }
    let keys = Keyring::from_config(
        var(env, "ASM_API_KEYS").as_deref(),
        var(env, "ASM_API_TOKEN").as_deref(),
    )?;
    let header = req.headers().get("authorization").ok().flatten();
    let header = header.or_else(|| stream_token(matched.op, &query));
    let Some(key) = keys.authenticate(header.as_deref()) else {
        let refused = unauthorized();
        audit(&Line::unauthenticated(matched.op, &refused));
        return Err(refused);
    };
    if let Err(refused) = key.permit(matched.op) {
        audit(&Line::refused(key, matched.op, None, &refused));
        return Err(refused);
    }
    if matched.op == Op::CurrentKey {
        let reply = Reply { status: 200, body: Some(key.describe()) };
        return Ok((Answer::Json(reply), Extra::default()));
    }
    if matched.op == Op::OpenApi {
        let doc: serde_json::Value = serde_json::from_str(crate::openapi::OPENAPI_JSON)
            .map_err(|e| Error::new(ErrorCode::InternalError, e.to_string()))?;
        return Ok((Answer::Json(Reply { status: 200, body: Some(doc) }), Extra::default()));
    }
    let backend_name = var(env, "ASM_BACKEND").unwrap_or_else(|| "d1".to_owned());
    let limit = var(env, "ASM_MAX_BODY_BYTES")
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_MAX_BODY_BYTES);
    let declared =
        req.headers().get("content-length").ok().flatten().and_then(|v| v.parse::<usize>().ok());
    if let Some(size) = declared.filter(|s| *s > limit && matched.op != Op::PutArtifactContent) {
        return Err(too_large(size, limit, "the request body limit"));
    }
    let streamed = matched.op == Op::PutArtifactContent;
    let body = if method == Method::Get || method == Method::Delete || streamed {
        Vec::new()
    } else {
        read_request(&mut req, limit).await?
    };
    if backend_name == "d1" && body.len() > D1_MAX_ROW_BYTES {
        return Err(too_large(body.len(), D1_MAX_ROW_BYTES, "D1's row limit"));
    }
    let test_now = if testing { req.headers().get(TEST_NOW_HEADER).ok().flatten() } else { None };
    let counting = test_now.as_deref().map(|iso| {
        let start = Timestamp::parse_iso8601(iso).unwrap_or_else(worker_now);
        Arc::new(CountingClock {
            inner: SteppingClock::new(start, 1_000),
            readings: AtomicU64::new(0),
        })
    });
    let clock: Arc<dyn Clock> = match &counting {
        Some(c) => c.clone(),
        None => Arc::new(worker_now),
    };
    let asm_env = Env::new(clock, Arc::new(random_bytes));
    let backend = Backend::from_env(env, &backend_name)?;
    let limits = match var(env, "ASM_LIMITS") {
        None => Limits::EDGE,
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| Error::validation(format!("ASM_LIMITS: {e}")))
            .and_then(|value| Limits::from_json(&value, Limits::EDGE))
            .map_err(|e| Error::new(ErrorCode::DependencyNotAvailable, e.message().to_owned()))?,
    };
    let redaction = redaction::config(var(env, "ASM_REDACTION").as_deref())?;
    let redactions = RedactionLog::default();
    let redacting = redaction.as_ref().is_some_and(|c| c.enabled);
    let readings = || counting.as_ref().map(|c| c.readings.load(Ordering::SeqCst));
    let extra = |redactions: Option<usize>| Extra { readings: readings(), redactions };
    let reply = if matched.op == Op::TestReset {
        reset(&backend).await?;
        if let Ok(blobs) = R2ArtifactStore::from_env(env) {
            blobs.clear(asm_core::composite::BLOB_PREFIX).await?;
        }
        Reply { status: 204, body: None }
    } else {
        let mut store = SqlStore::new(backend, asm_env.clone())
            .with_scope(key.scope.clone())
            .with_limits(limits)
            .on_redaction(redactions.hook());
        if let Some(config) = redaction {
            store = store.with_redaction(config);
        }
        // Each request keeps its own append signal: workerd cancels a request whose wait is
        // resolved by another request's work, so a long-poll here wakes on its own timer and
        // sees other requests' appends at its next read.
        let store = with_budget(store, env)?;
        let request =
            ApiRequest { op: matched.op, params: &matched.params, query: &query, body: &body };
        let call = match decode(request) {
            Ok(call) => call,
            Err(error) => return Ok((Answer::Json(error_reply(&error)), extra(None))),
        };
        let session_id = call.session_id().map(str::to_owned);
        let mut streamed_bytes = None;
        let outcome = match call {
            Call::ExportSession(id, include_artifacts) => {
                let mut chunks = store.export_chunks(&id, include_artifacts);
                match chunks.next_chunk().await {
                    Ok(first) => {
                        let first = first.unwrap_or_default();
                        return Ok((Answer::Export(first, chunks), extra(None)));
                    }
                    Err(error) => Err(error),
                }
            }
            Call::StreamEvents { session_id, mut follow, live, max_events } => {
                if let Some(last) = last_event_id.as_deref() {
                    follow.from_sequence = resume_after(last)?;
                }
                let seconds = match var(env, "ASM_STREAM_SECONDS") {
                    None => DEFAULT_STREAM_SECONDS,
                    Some(s) => s.trim().parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        Error::new(
                            ErrorCode::DependencyNotAvailable,
                            format!("ASM_STREAM_SECONDS must be a positive integer, not {s:?}"),
                        )
                    })?,
                };
                let ends_at = worker::Date::now().as_millis() as f64 + seconds as f64 * 1000.0;
                let mut tail = Tail::new(Box::new(store), &session_id, follow)?;
                match tail.next().await {
                    Ok(first) => {
                        let stream = EventStream { tail, first, live, max_events, ends_at };
                        return Ok((Answer::Events(stream), extra(None)));
                    }
                    Err(error) => Err(error),
                }
            }
            Call::WatchEvents { session_id, mut follow } => {
                if let Some(last) = last_event_id.as_deref() {
                    follow.from_sequence = resume_after(last)?;
                }
                // The scope is the Worker's to check: a foreign session is refused here (one
                // single-row read, the scoped counter), before the object, which reads unscoped.
                store.get_latest_sequence(&session_id).await?;
                let response = watch(env, &session_id, &follow, websocket).await?;
                return Ok((Answer::Upgrade(response), extra(None)));
            }
            Call::PutArtifactContent(attrs) => {
                let blobs = R2ArtifactStore::from_env(env)?;
                let max = var(env, "ASM_MAX_ARTIFACT_BYTES")
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(content::DEFAULT_MAX_ARTIFACT_BYTES);
                let stored = content::put(&mut req, store, blobs, &asm_env, attrs, max).await;
                content::split(stored, &mut streamed_bytes)
            }
            Call::GetArtifactContent(key) => {
                let read = content::get(&req, store, R2ArtifactStore::from_env(env)?, &key).await;
                content::split(read, &mut streamed_bytes)
            }
            Call::DeleteArtifactContent(key) => {
                let blobs = R2ArtifactStore::from_env(env)?;
                content::split(
                    content::delete(store, blobs, &asm_env, &key).await,
                    &mut streamed_bytes,
                )
            }
            // With an artifact bucket bound, maintenance and the health check run through the
            // composite: archive before prune, the sweep of bytes without a row, and the check
            // of rows against their bytes.
            call if call.touches_artifact_bytes() => match R2ArtifactStore::from_env(env) {
                Ok(blobs) => {
                    let composite = CompositeStore::new(store, blobs, asm_env.clone());
                    execute_maintenance(&composite, call).await
                }
                Err(_) => execute_maintenance(&store, call).await,
            },
            call => {
                let appended = call.appended_sessions();
                let outcome = execute(&store, &asm_env, call).await;
                if outcome.is_ok() && !appended.is_empty() {
                    notify_tails(env, ctx, appended);
                }
                outcome
            }
        };
        if let Some(line) = Line::of(key, matched.op, session_id, &outcome) {
            audit(&line);
        }
        if let (Some(response), Ok(_)) = (streamed_bytes, &outcome) {
            return Ok((Answer::Bytes(response), extra(None)));
        }
        let redacted = redactions.take();
        for line in redaction::log_lines(&redacted) {
            console_log!("{line}");
        }
        let write = crate::auth::Role::required_for(matched.op) > crate::auth::Role::Read;
        let count = (redacting && write && outcome.is_ok())
            .then(|| redacted.iter().map(|r| r.redaction_count).sum());
        let reply = match outcome {
            Ok(reply) => reply,
            Err(error) => error_reply(&error),
        };
        return Ok((Answer::Json(reply), extra(count)));
    };
    Ok((Answer::Json(reply), extra(None)))
}

/// Whether this isolate already ran the migrations for a test reset.
static RESET_MIGRATED: AtomicBool = AtomicBool::new(false);

/// Test mode only: creates the tables if needed (once per isolate) and deletes every `asm_*` row.
async fn reset(backend: &Backend) -> Result<(), Error> {
    let statement = asm_core::sql::Statement::write;
    let mut statements = Vec::new();
    if !RESET_MIGRATED.load(Ordering::SeqCst) {
        statements.extend(
            migrations::statements(migrations::up(backend.dialect())).into_iter().map(statement),
        );
    }
    statements.extend(migrations::delete_all_rows());
    backend.batch(statements).await.map_err(|e| Error::new(ErrorCode::StorageError, e.message))?;
    RESET_MIGRATED.store(true, Ordering::SeqCst);
    Ok(())
}

/// The store's maintenance budget from `ASM_MAINTENANCE_BUDGET`: statements per run (a
/// positive integer; D1's default of 45 fits the Free plan's 50 queries per invocation, the
/// Paid plan takes up to about 950) or `unbounded`; unset keeps the dialect's default.
fn with_budget(store: SqlStore<Backend>, env: &worker::Env) -> Result<SqlStore<Backend>, Error> {
    let budget = match var(env, "ASM_MAINTENANCE_BUDGET").as_deref().map(str::trim) {
        None | Some("") => return Ok(store),
        Some("unbounded") => MaintenanceBudget::UNBOUNDED,
        Some(n) => {
            MaintenanceBudget::statements(n.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                Error::new(
                    ErrorCode::DependencyNotAvailable,
                    format!(
                        "ASM_MAINTENANCE_BUDGET must be a positive integer or unbounded, not {n:?}"
                    ),
                )
            })?)
        }
    };
    Ok(store.with_maintenance_budget(budget))
}

#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: worker::Env, _ctx: ScheduleContext) {
    let policy_json = var(&env, "ASM_RETENTION_POLICY").unwrap_or_else(|| "{}".to_owned());
    let outcome = async {
        let value: serde_json::Value = serde_json::from_str(&policy_json)
            .map_err(|e| Error::validation(format!("ASM_RETENTION_POLICY: {e}")))?;
        let policy = RetentionPolicy::from_json(&value)?;
        let backend_name = var(&env, "ASM_BACKEND").unwrap_or_else(|| "d1".to_owned());
        let asm_env = Env::new(Arc::new(worker_now), Arc::new(random_bytes));
        let store = SqlStore::new(Backend::from_env(&env, &backend_name)?, asm_env.clone());
        let store = with_budget(store, &env)?;
        // With an artifact bucket bound, the run ends with a sweep of bytes no row describes.
        match R2ArtifactStore::from_env(&env) {
            Ok(blobs) => CompositeStore::new(store, blobs, asm_env).execute(&policy).await,
            Err(_) => store.execute(&policy).await,
        }
    }
    .await;
    match outcome {
        Ok(report) => console_log!(
            "asm maintenance ({}): {}",
            event.cron(),
            serde_json::to_string(&report).unwrap_or_default()
        ),
        Err(error) => {
            console_log!("asm maintenance ({}) failed: {}", event.cron(), error.to_json())
        }
    }
}
