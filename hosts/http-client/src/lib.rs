//! A client store for the ASM HTTP API v1 (the Worker in `hosts/worker`): [`HttpStore`]
//! implements `SessionStore`, `QueryApi`, `Maintenance` and `ArtifactRegistry` by calling the
//! API, so Rust code can use a remote store exactly like a local one.
//!
//! The client does no domain work: options go out as the JSON the core's `from_json` readers
//! take, answers come back through the core's `from_map`, and API errors come back as the
//! core's [`Error`] with the same code, message and details.
//!
//! Requests are blocking ([`ureq`]) inside the ports' `async fn`s: the futures complete on
//! their first poll. Plain HTTP is built in; HTTPS needs the `tls` feature.
#![forbid(unsafe_code)]

mod content;
mod ports;

use std::sync::Arc;

use asm_core::{Env, Error, ErrorCode, Result, Timestamp};
use serde_json::Value;

/// Header carrying the test clock's reading (honoured only by a Worker in test mode).
pub const TEST_NOW_HEADER: &str = "x-asm-test-now";
/// Answer header: how many readings the Worker took from the test clock.
pub const TEST_READINGS_HEADER: &str = "x-asm-test-clock-readings";

/// A store reached over the HTTP API.
#[derive(Clone)]
pub struct HttpStore {
    agent: ureq::Agent,
    base: Arc<str>,
    token: Arc<str>,
    test_clock: Option<Env>,
}

impl std::fmt::Debug for HttpStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpStore").field("base", &self.base).finish_non_exhaustive()
    }
}

/// An HTTP method of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Put,
    Post,
    Delete,
}

impl HttpStore {
    /// A store at `base_url` (e.g. `http://127.0.0.1:8787`) using the bearer `token`.
    pub fn new(base_url: &str, token: &str) -> HttpStore {
        let config = ureq::Agent::config_builder().http_status_as_error(false).build();
        HttpStore {
            agent: config.into(),
            base: Arc::from(base_url.trim_end_matches('/')),
            token: Arc::from(token),
            test_clock: None,
        }
    }

    /// For tests against a Worker in test mode: the Worker's clock follows `env`'s clock. Each
    /// operation that reads the clock sends one reading of `env` and then takes as many more
    /// readings as the Worker did, so `env`'s clock moves exactly as with a local store.
    pub fn with_test_clock(mut self, env: Env) -> HttpStore {
        self.test_clock = Some(env);
        self
    }

    /// `POST /v1/_test/reset` (test mode only): deletes every `asm_*` row.
    pub fn reset(&self) -> Result<()> {
        self.call(Method::Post, "/v1/_test/reset", None, false).map(drop)
    }

    /// `GET /v1/health`: `Ok` when the Worker answers.
    pub fn health(&self) -> Result<()> {
        self.call(Method::Get, "/v1/health", None, false).map(drop)
    }

    /// Calls the API; `clocked` marks operations that read the store's clock. Answers 2xx as
    /// JSON (`Null` for 204), anything else as the API's error.
    pub(crate) fn call(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&Value>,
        clocked: bool,
    ) -> Result<Value> {
        let url = format!("{}{}", self.base, path_and_query);
        let auth = format!("Bearer {}", self.token);
        let now = self.test_clock.as_ref().filter(|_| clocked).map(|env| env.now());
        let transport =
            |e: ureq::Error| Error::new(ErrorCode::StorageConnectionFailed, format!("{url}: {e}"));
        let text = body.map(Value::to_string).unwrap_or_default();
        macro_rules! send {
            ($builder:expr, $with_body:tt) => {{
                let mut b = $builder.header("authorization", &auth).header("content-type", "application/json");
                if let Some(t) = now {
                    b = b.header(TEST_NOW_HEADER, &t.to_iso8601());
                }
                send!(@ b, $with_body)
            }};
            (@ $b:ident, body) => { $b.send(text.as_bytes()) };
            (@ $b:ident, none) => { $b.call() };
        }
        let mut response = match method {
            Method::Get => send!(self.agent.get(&url), none),
            Method::Delete => send!(self.agent.delete(&url), none),
            Method::Put => send!(self.agent.put(&url), body),
            Method::Post => send!(self.agent.post(&url), body),
        }
        .map_err(transport)?;
        if let (Some(env), Some(n)) =
            (self.test_clock.as_ref().filter(|_| clocked), readings(&response))
        {
            for _ in 1..n {
                env.now();
            }
        }
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_string()
            .map_err(transport)?;
        if (200..300).contains(&status) {
            if text.trim().is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_str(&text).map_err(|e| bad_answer(&url, &e.to_string()));
        }
        Err(api_error(status, &text))
    }
}

fn readings(response: &ureq::http::Response<ureq::Body>) -> Option<u64> {
    response.headers().get(TEST_READINGS_HEADER)?.to_str().ok()?.parse().ok()
}

/// An answer that is not what the API documents.
pub(crate) fn bad_answer(url: &str, why: &str) -> Error {
    Error::new(ErrorCode::StorageReadFailed, format!("unexpected answer from {url}: {why}"))
}

/// The API's `{"error": {code, message, details}}` as the core's error.
fn api_error(status: u16, text: &str) -> Error {
    let parsed: Option<Value> = serde_json::from_str(text).ok();
    let inner = parsed.as_ref().and_then(|v| v.get("error"));
    let code = inner.and_then(|e| e.get("code")).and_then(Value::as_str).and_then(ErrorCode::parse);
    let message = inner.and_then(|e| e.get("message")).and_then(Value::as_str);
    let details = inner
        .and_then(|e| e.get("details"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    match (code, message) {
        (Some(code), Some(message)) => {
            Error::with_details(code, message, details).with_cause_from_details()
        }
        _ => Error::new(ErrorCode::StorageError, format!("HTTP {status}: {text}"))
            .detail("http_status", status),
    }
}

/// Percent-encodes one path segment or query value (everything but RFC 3986 unreserved).
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `?k=v&…` from pairs (empty when there are none).
pub(crate) fn query_string(pairs: &[(&str, String)]) -> String {
    let joined: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    if joined.is_empty() { String::new() } else { format!("?{}", joined.join("&")) }
}

/// An instant as the API's ISO-8601 text.
pub(crate) fn iso(t: Timestamp) -> String {
    t.to_iso8601()
}
