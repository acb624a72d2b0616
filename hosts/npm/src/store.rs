//! The `Store` class: every port operation as a camelCase method returning a `Promise`.
//!
//! Arguments and answers are the JSON of the HTTP API (snake_case members, as ASM's `to_map`),
//! so one shape serves the Worker, this package and an Elixir deployment reading the same rows.
//! Every failure — a bad argument included — is a rejected `Promise` with an `AsmError`.
//!
//! This file holds the class, its construction and the methods of the package's first module:
//! sessions, runs, events, the live tail, search and counts. The full module adds the reports
//! (`store_reports.rs`), maintenance (`store_maintenance.rs`) and the artifact methods
//! (`store_artifacts.rs`); the read behind `getEvents` is in `event_rows.rs`.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use asm_core::composite::CompositeStore;
use asm_core::live::{Follow, Tail};
use asm_core::ports::{
    ArtifactStore, EventFilter, EventSearch, FlushPayload, ListRuns, ListSessions, QueryApi,
    RunSearch, SessionSearch, SessionStore,
};
use asm_core::redactor::{EventRedaction, RedactionConfig, RedactionLog};
use asm_core::sql::{Dialect, SqlStore, migrations};
use asm_core::{Error, Event, Limits, Result, Run, Session};
use js_sys::{Function, Promise, Reflect};
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::blobs::Blobs;
use crate::convert::{from_js, text_arg, to_js};
use crate::entities;
use crate::env::env_from_options;
use crate::errors::to_js_error;
use crate::executor::{DIALECTS, JsExecutor};
use crate::subscription::Subscription;

/// The SQL store and the artifact backend as the core's composite (sql §7.4): the protocol of an
/// artifact's row and bytes stays in the core.
pub(crate) type Inner = Rc<CompositeStore<SqlStore<JsExecutor>, Blobs>>;

/// A session store over a JavaScript executor, with artifact bytes in `options.artifacts`.
#[wasm_bindgen]
pub struct Store {
    pub(crate) inner: Inner,
    /// What the core's redaction hook was told, with the caller's `onRedaction` to hand it to.
    redactions: Option<Rc<Redactions>>,
}

impl Store {
    /// The SQL store itself.
    pub(crate) fn sql(&self) -> &SqlStore<JsExecutor> {
        self.inner.store()
    }
}

/// The redactions of a store with an `onRedaction` callback.
struct Redactions {
    log: RedactionLog,
    callback: Function,
}

impl Redactions {
    /// Hands what the last write redacted to the callback as `{ redaction_count, events }`; the
    /// write is stored whatever the callback does, so its exceptions are ignored.
    fn deliver(&self) {
        let events = self.log.take();
        if events.is_empty() {
            return;
        }
        let report = serde_json::json!({
            "redaction_count": events.iter().map(|e| e.redaction_count).sum::<usize>(),
            "events": events.iter().map(EventRedaction::to_json).collect::<Vec<_>>(),
        });
        if let Ok(report) = to_js(&report) {
            let _ = self.callback.call1(&JsValue::NULL, &report);
        }
    }
}

/// A write, then its redactions handed to the store's `onRedaction` (when it has one).
async fn reporting<T>(redactions: Option<Rc<Redactions>>, work: impl Future<Output = T>) -> T {
    let out = work.await;
    if let Some(r) = redactions {
        r.deliver();
    }
    out
}

/// `options.redaction` (ASM's redaction map; a map that does not mention `enabled` turns it on)
/// and `options.onRedaction`, a function, or a `validation_error`.
fn redaction_options(
    options: &JsValue,
    json: &Value,
) -> Result<(Option<RedactionConfig>, Option<Function>)> {
    let config = match json.get("redaction") {
        None | Some(Value::Null) => None,
        Some(map) => Some(RedactionConfig::from_json(map, true)?),
    };
    let callback = if options.is_object() {
        Reflect::get(options, &"onRedaction".into()).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    };
    let callback = if callback.is_undefined() || callback.is_null() {
        None
    } else {
        Some(
            callback
                .dyn_into::<Function>()
                .map_err(|_| Error::validation("options.onRedaction must be a function"))?,
        )
    };
    Ok((config, callback))
}

/// A `Promise` settled by `work`: fulfilled with its value, or rejected with an `AsmError`.
///
/// The work is boxed first, so that `future_to_promise` and its task are compiled once instead
/// of once per method's future type (14 KB of the gzipped `.wasm`).
pub(crate) fn promise(work: impl Future<Output = Result<JsValue>> + 'static) -> Promise {
    settle(Box::pin(work))
}

/// `promise` for one boxed future type.
fn settle(work: Pin<Box<dyn Future<Output = Result<JsValue>>>>) -> Promise {
    future_to_promise(async move { work.await.map_err(|e| to_js_error(&e)) })
}

/// The arguments of a read of events: the session id and `{ run_id?, type?, … }`.
pub(crate) fn event_read(session_id: &JsValue, filter: &JsValue) -> Result<(String, EventFilter)> {
    Ok((text_arg(session_id, "session_id")?, EventFilter::from_json(&options(filter)?)?))
}

/// How long a caught-up tail's read waits for new events when the caller does not say.
const DEFAULT_TAIL_WAIT_MS: u64 = 15_000;

/// Options as JSON (`undefined` and `null` are "no options").
pub(crate) fn options(value: &JsValue) -> Result<Value> {
    from_js(value, "options")
}

#[wasm_bindgen]
impl Store {
    /// A store over `executor` (`{ dialect, batch }`), with time and randomness from `options`
    /// (`{ now?, randomBytes?, limits?, redaction?, onRedaction? }`) or the host, the caps of
    /// `options.limits`, and redaction of every event written when `options.redaction` is set.
    #[wasm_bindgen(constructor)]
    pub fn new(executor: JsValue, options: JsValue) -> std::result::Result<Store, JsValue> {
        let build = || -> Result<Store> {
            let executor = JsExecutor::new(executor)?;
            let env = env_from_options(&options)?;
            let json = from_js(&options, "options")?;
            let limits = match json.get("limits") {
                None | Some(Value::Null) => Limits::NONE,
                Some(limits) => Limits::from_json(limits, Limits::NONE)?,
            };
            let (config, callback) = redaction_options(&options, &json)?;
            let artifacts = if options.is_object() {
                Reflect::get(&options, &"artifacts".into()).unwrap_or(JsValue::UNDEFINED)
            } else {
                JsValue::UNDEFINED
            };
            let blobs = Blobs::from_option(artifacts, env.clone())?;
            let grace_ms = match json.get("artifact_grace_ms") {
                None | Some(Value::Null) => asm_core::composite::DEFAULT_GRACE_MS,
                Some(v) => v.as_i64().filter(|n| *n >= 0).ok_or_else(|| {
                    Error::validation("options.artifact_grace_ms must be an integer >= 0")
                })?,
            };
            let mut store = SqlStore::new(executor, env.clone()).with_limits(limits);
            if let Some(config) = config {
                store = store.with_redaction(config);
            }
            let redactions = callback
                .map(|callback| Rc::new(Redactions { log: RedactionLog::default(), callback }));
            if let Some(r) = &redactions {
                store = store.on_redaction(r.log.hook());
            }
            let composite = CompositeStore::new(store, blobs, env).with_grace_ms(grace_ms);
            Ok(Store { inner: Rc::new(composite), redactions })
        };
        build().map_err(|e| to_js_error(&e))
    }

    /// The artifact backend's name (`storage_backend` of the rows it stores), or `null`.
    #[wasm_bindgen(getter, js_name = artifactBackend)]
    pub fn artifact_backend(&self) -> Option<String> {
        (!self.inner.blobs().is_none()).then(|| self.inner.blobs().backend().to_owned())
    }

    /// `"sqlite"`, `"d1"` or `"postgres"`.
    #[wasm_bindgen(getter)]
    pub fn dialect(&self) -> String {
        self.inner.store().dialect().name().to_owned()
    }

    /// Creates the `asm_*` tables and indexes when missing, in one batch.
    pub fn migrate(&self) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            s.store().migrate().await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// `Session.new` with this store's clock and ids.
    #[wasm_bindgen(js_name = newSession)]
    pub fn new_session(&self, attrs: JsValue) -> std::result::Result<JsValue, JsValue> {
        entities::session(&attrs, self.inner.store().env())
    }

    /// `Run.new` with this store's clock and ids.
    #[wasm_bindgen(js_name = newRun)]
    pub fn new_run(&self, attrs: JsValue) -> std::result::Result<JsValue, JsValue> {
        entities::run(&attrs, self.inner.store().env())
    }

    /// `Event.new` with this store's clock and ids.
    #[wasm_bindgen(js_name = newEvent)]
    pub fn new_event(&self, attrs: JsValue) -> std::result::Result<JsValue, JsValue> {
        entities::event(&attrs, self.inner.store().env())
    }

    // ---- SessionStore ----

    /// Inserts or updates a session.
    #[wasm_bindgen(js_name = saveSession)]
    pub fn save_session(&self, session: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            s.store().save_session(&Session::from_map(&from_js(&session, "session")?)?).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// A session by id (`session_not_found` when there is none).
    #[wasm_bindgen(js_name = getSession)]
    pub fn get_session(&self, session_id: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            to_js(&s.store().get_session(&text_arg(&session_id, "session_id")?).await?)
        })
    }

    /// Sessions, filtered by `{ status?, agent_id?, limit? }`.
    #[wasm_bindgen(js_name = listSessions)]
    pub fn list_sessions(&self, filter: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            to_js(&s.store().list_sessions(&ListSessions::from_json(&options(&filter)?)?).await?)
        })
    }

    /// Deletes a session with its runs, events and artifacts.
    #[wasm_bindgen(js_name = deleteSession)]
    pub fn delete_session(&self, session_id: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            s.store().delete_session(&text_arg(&session_id, "session_id")?).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Inserts or updates a run.
    #[wasm_bindgen(js_name = saveRun)]
    pub fn save_run(&self, run: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            s.store().save_run(&Run::from_map(&from_js(&run, "run")?)?).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// A run by id.
    #[wasm_bindgen(js_name = getRun)]
    pub fn get_run(&self, run_id: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move { to_js(&s.store().get_run(&text_arg(&run_id, "run_id")?).await?) })
    }

    /// A session's runs, filtered by `{ status?, limit? }`.
    #[wasm_bindgen(js_name = listRuns)]
    pub fn list_runs(&self, session_id: JsValue, filter: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            let session_id = text_arg(&session_id, "session_id")?;
            to_js(
                &s.store()
                    .list_runs(&session_id, &ListRuns::from_json(&options(&filter)?)?)
                    .await?,
            )
        })
    }

    /// The session's running run, or `null`.
    #[wasm_bindgen(js_name = getActiveRun)]
    pub fn get_active_run(&self, session_id: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            to_js(&s.store().get_active_run(&text_arg(&session_id, "session_id")?).await?)
        })
    }

    /// Appends one event and answers it with its sequence number (an already stored id answers
    /// the stored event).
    #[wasm_bindgen(js_name = appendEvent)]
    pub fn append_event(&self, event: JsValue) -> Promise {
        let s = self.inner.clone();
        let r = self.redactions.clone();
        promise(reporting(r, async move {
            to_js(
                &s.store()
                    .append_event_with_sequence(&Event::from_map(&from_js(&event, "event")?)?)
                    .await?,
            )
        }))
    }

    /// Appends events atomically (a list, or `{ events }`), answering them numbered.
    #[wasm_bindgen(js_name = appendEvents)]
    pub fn append_events(&self, events: JsValue) -> Promise {
        let s = self.inner.clone();
        let r = self.redactions.clone();
        promise(reporting(r, async move {
            to_js(
                &s.store()
                    .append_events(&Event::list_from_json(&from_js(&events, "events")?)?)
                    .await?,
            )
        }))
    }

    /// Saves an execution result (`{ session, run, events, provider_metadata? }`) atomically.
    pub fn flush(&self, payload: JsValue) -> Promise {
        let s = self.inner.clone();
        let r = self.redactions.clone();
        promise(reporting(r, async move {
            s.store().flush(&FlushPayload::from_json(&from_js(&payload, "payload")?)?).await?;
            Ok(JsValue::UNDEFINED)
        }))
    }

    /// A session's events in sequence order, filtered by `{ run_id?, type?, since?, after?,
    /// before?, limit? }`.
    /// `js/api.js` defines `getEvents` in front of it.
    #[wasm_bindgen(js_name = __getEvents)]
    pub fn get_events(&self, session_id: JsValue, filter: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            let (session_id, filter) = event_read(&session_id, &filter)?;
            to_js(&s.store().get_events(&session_id, &filter).await?)
        })
    }

    /// A live tail of a session from `{ from_sequence?, type?, run_id?, wait_ms? }`: the
    /// backlog, then new events as they are appended (each read waits `wait_ms`, 15 s by
    /// default, once caught up). `subscribe` wraps it as an async iterator.
    #[wasm_bindgen(js_name = openTail)]
    pub fn open_tail(
        &self,
        session_id: JsValue,
        follow: JsValue,
    ) -> std::result::Result<Subscription, JsValue> {
        let open = || -> Result<Subscription> {
            let session_id = text_arg(&session_id, "session_id")?;
            let follow = options(&follow)?;
            let wait_ms = match follow.get("wait_ms") {
                None | Some(Value::Null) => DEFAULT_TAIL_WAIT_MS,
                Some(v) => v
                    .as_u64()
                    .ok_or_else(|| Error::validation("wait_ms must be an integer >= 0"))?,
            };
            let follow = Follow::from_json(&follow, wait_ms)?;
            Ok(Subscription::new(Tail::new(self.inner.clone(), &session_id, follow)?))
        };
        open().map_err(|e| to_js_error(&e))
    }

    /// The session's last sequence number (0 when it has no events).
    #[wasm_bindgen(js_name = getLatestSequence)]
    pub fn get_latest_sequence(&self, session_id: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            to_js(&s.store().get_latest_sequence(&text_arg(&session_id, "session_id")?).await?)
        })
    }

    // ---- QueryApi ----

    /// A page of sessions and the cursor of the next.
    #[wasm_bindgen(js_name = searchSessions)]
    pub fn search_sessions(&self, query: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            to_js(&s.store().search_sessions(&SessionSearch::from_json(&options(&query)?)?).await?)
        })
    }

    /// A page of runs and the cursor of the next.
    #[wasm_bindgen(js_name = searchRuns)]
    pub fn search_runs(&self, query: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            to_js(&s.store().search_runs(&RunSearch::from_json(&options(&query)?)?).await?)
        })
    }

    /// A page of events across sessions and the cursor of the next.
    #[wasm_bindgen(js_name = searchEvents)]
    pub fn search_events(&self, query: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            to_js(&s.store().search_events(&EventSearch::from_json(&options(&query)?)?).await?)
        })
    }

    /// How many events match (limit and cursor are ignored).
    #[wasm_bindgen(js_name = countEvents)]
    pub fn count_events(&self, query: JsValue) -> Promise {
        let s = self.inner.clone();
        promise(async move {
            to_js(&s.store().count_events(&EventSearch::from_json(&options(&query)?)?).await?)
        })
    }
}

/// The statements that create (`"up"`, the default) or drop (`"down"`) the `asm_*` tables on a
/// dialect, for migration tools of one's own.
#[wasm_bindgen(js_name = migrationStatements)]
pub fn migration_statements(
    dialect: &str,
    direction: Option<String>,
) -> std::result::Result<Vec<String>, JsValue> {
    let dialect =
        Dialect::from_name(dialect).ok_or_else(|| to_js_error(&Error::validation(DIALECTS)))?;
    let sql = match direction.as_deref() {
        None | Some("up") => migrations::up(dialect),
        Some("down") => migrations::down(dialect),
        Some(_) => {
            return Err(to_js_error(&Error::validation("direction must be \"up\" or \"down\"")));
        }
    };
    Ok(migrations::statements(sql))
}
