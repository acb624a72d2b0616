//! `SessionTail`: one Durable Object per session that fans the session's new events out to its
//! WebSocket subscribers, so that a thousand followers cost one read per append, not a thousand.
//!
//! The Worker checks the key and the scope, then hands the upgrade to the session's object
//! (`/subscribe`), and after every committed append tells the object (`/notify`). The object
//! reads the events after the lowest cursor of its sockets once and sends each socket what its
//! own cursor and filters let through (`Follow::deliver`, the core's tail rule). Each socket
//! carries its cursor and filters as its attachment, so they survive hibernation; an alarm reads
//! again every few seconds while sockets are open, so a lost notification delays delivery but
//! never stalls a subscriber.

use std::cell::Cell;
use std::sync::Arc;

use asm_core::live::{Follow, TailItem};
use asm_core::ports::{EventFilter, SessionStore};
use asm_core::sql::SqlStore;
use asm_core::{Env as AsmEnv, Error, EventType};
use serde::{Deserialize, Serialize};
use worker::{
    DurableObject, Env, Request, Response, Result, State, WebSocket, WebSocketIncomingMessage,
    WebSocketPair, durable_object,
};

use crate::backend::Backend;

/// How often an object with open sockets reads again without being told (ms).
pub const REPAIR_MS: i64 = 5_000;
/// Events read per query while catching up.
const PAGE: u32 = 100;

/// What a socket keeps across hibernation.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Subscriber {
    session_id: String,
    cursor: i64,
    event_type: Option<String>,
    run_id: Option<String>,
}

impl Subscriber {
    fn follow(&self) -> Follow {
        Follow {
            from_sequence: self.cursor + 1,
            event_type: self.event_type.as_deref().and_then(|t| EventType::from_name(t).ok()),
            run_id: self.run_id.clone(),
            wait_ms: 0,
        }
    }
}

/// The fan-out object of one session.
#[durable_object]
pub struct SessionTail {
    state: State,
    env: Env,
    /// A push is running: another one waits for it (its reads would send the same events twice).
    busy: Cell<bool>,
    /// Something asked for a push while one ran: it reads once more before it ends.
    again: Cell<bool>,
}

impl DurableObject for SessionTail {
    fn new(state: State, env: Env) -> Self {
        SessionTail { state, env, busy: Cell::new(false), again: Cell::new(false) }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let url = req.inner().url();
        let query = crate::routes::query_of(&url);
        let param = |name: &str| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let session_id = param("session_id").unwrap_or_default();
        match req.path().as_str() {
            "/subscribe" => {
                let cursor =
                    param("from_sequence").and_then(|f| f.parse::<i64>().ok()).unwrap_or(1) - 1;
                let subscriber = Subscriber {
                    session_id,
                    cursor,
                    event_type: param("type"),
                    run_id: param("run_id"),
                };
                let pair = WebSocketPair::new()?;
                self.state.accept_web_socket(&pair.server);
                pair.server.serialize_attachment(&subscriber)?;
                self.push().await?;
                self.arm().await?;
                Response::from_websocket(pair.client)
            }
            "/notify" => {
                self.push().await?;
                Response::empty()
            }
            _ => Response::error("no such path", 404),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        self.push().await?;
        if !self.state.get_websockets().is_empty() {
            self.arm().await?;
        }
        Response::empty()
    }

    /// Subscribers only listen; what they send is ignored.
    async fn websocket_message(
        &self,
        _ws: WebSocket,
        _message: WebSocketIncomingMessage,
    ) -> Result<()> {
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        code: usize,
        reason: String,
        _clean: bool,
    ) -> Result<()> {
        let _ = ws.close(Some(code as u16), Some(reason));
        Ok(())
    }
}

impl SessionTail {
    /// Sets the repair alarm unless one is pending.
    async fn arm(&self) -> Result<()> {
        let storage = self.state.storage();
        if storage.get_alarm().await?.is_none() {
            storage.set_alarm(REPAIR_MS).await?;
        }
        Ok(())
    }

    /// Runs one push at a time (a request arriving meanwhile makes the running one read again).
    async fn push(&self) -> Result<()> {
        if self.busy.replace(true) {
            self.again.set(true);
            return Ok(());
        }
        let result = loop {
            self.again.set(false);
            let result = self.push_once().await;
            if result.is_err() || !self.again.get() {
                break result;
            }
        };
        self.busy.set(false);
        result
    }

    /// Reads what came after the lowest cursor, once, and sends every socket its share.
    async fn push_once(&self) -> Result<()> {
        let mut sockets: Vec<(WebSocket, Subscriber)> = self
            .state
            .get_websockets()
            .into_iter()
            .filter_map(|ws| {
                ws.deserialize_attachment::<Subscriber>().ok().flatten().map(|s| (ws, s))
            })
            .collect();
        let Some(session_id) = sockets.first().map(|(_, s)| s.session_id.clone()) else {
            return Ok(());
        };
        let store = self.store()?;
        let mut after = sockets.iter().map(|(_, s)| s.cursor).min().unwrap_or(0);
        loop {
            let filter =
                EventFilter { after: Some(after), limit: Some(PAGE), ..EventFilter::default() };
            let page = store.get_events(&session_id, &filter).await.map_err(to_worker)?;
            let Some(last) = page.last().and_then(|e| e.sequence_number) else { break };
            for (ws, subscriber) in &mut sockets {
                let follow = subscriber.follow();
                for item in follow.deliver(&mut subscriber.cursor, &page) {
                    // A socket that went away is dropped by the runtime; the others go on.
                    let _ = ws.send_with_str(item.to_map().to_string());
                }
                if subscriber.cursor == last {
                    let _ = ws.send_with_str(
                        TailItem::UpToDate { last_sequence: last }.to_map().to_string(),
                    );
                }
                ws.serialize_attachment(&*subscriber)?;
            }
            after = last;
            if page.len() < PAGE as usize {
                break;
            }
        }
        Ok(())
    }

    fn store(&self) -> Result<SqlStore<Backend>> {
        let backend =
            self.env.var("ASM_BACKEND").map(|v| v.to_string()).unwrap_or_else(|_| "d1".into());
        let env =
            AsmEnv::new(Arc::new(crate::entry::worker_now), Arc::new(crate::entry::random_bytes));
        Ok(SqlStore::new(Backend::from_env(&self.env, &backend).map_err(to_worker)?, env))
    }
}

fn to_worker(error: Error) -> worker::Error {
    worker::Error::RustError(error.to_string())
}
