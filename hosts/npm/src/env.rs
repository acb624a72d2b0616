//! Time and randomness for a store: the JavaScript host's, or functions the caller passes
//! (`now`, `randomBytes`), e.g. a fixed clock in tests.
//!
//! The core's `Clock` and `IdSource` must be `Send + Sync`, which a JavaScript function is not.
//! WebAssembly here is single-threaded, so the functions live in a thread-local table and the
//! clock and id source hold only their slot number.

use std::cell::RefCell;
use std::sync::Arc;

use asm_core::{Clock, Env, Error, IdSource, RandomUnavailable, Result, Timestamp};
use js_sys::{Function, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::convert::message_of;

thread_local! {
    static HOOKS: RefCell<Vec<Option<Hooks>>> = const { RefCell::new(Vec::new()) };
}

/// The caller's functions of one store.
struct Hooks {
    now: Option<Function>,
    random_bytes: Option<Function>,
}

/// The host's clock: `Date.now()`, milliseconds.
fn system_now() -> Timestamp {
    Timestamp::from_micros((js_sys::Date::now() * 1000.0) as i64)
}

/// How many random bytes are fetched from the host at a time: an id takes 16, and one call into
/// `crypto.getRandomValues` per id was most of what `newEvent` cost.
const POOL_BYTES: usize = 4096;

thread_local! {
    /// Bytes from the host's CSPRNG not yet handed out (taken from the end).
    static POOL: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `crypto.getRandomValues` (Node ≥ 19, browsers, workerd); throws where it is missing.
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(buf: &mut [u8]) -> std::result::Result<JsValue, JsValue>;
}

/// The host's CSPRNG, through a pool refilled [`POOL_BYTES`] at a time.
fn system_random(buf: &mut [u8]) -> std::result::Result<(), RandomUnavailable> {
    let unavailable = |e: JsValue| RandomUnavailable::new(message_of(&e));
    if buf.len() > POOL_BYTES {
        return get_random_values(buf).map(|_| ()).map_err(unavailable);
    }
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.len() < buf.len() {
            let mut fresh = vec![0u8; POOL_BYTES];
            get_random_values(&mut fresh).map_err(unavailable)?;
            *pool = fresh;
        }
        let rest = pool.len() - buf.len();
        buf.copy_from_slice(&pool[rest..]);
        pool.truncate(rest);
        Ok(())
    })
}

/// A reading of a caller's clock: a `Date`, or ISO-8601 text (which keeps microseconds).
fn read_clock(now: &Function) -> Result<Timestamp> {
    let value = now
        .call0(&JsValue::NULL)
        .map_err(|e| Error::validation(format!("now() threw: {}", message_of(&e))))?;
    if let Some(date) = value.dyn_ref::<js_sys::Date>() {
        let ms = date.get_time();
        if ms.is_finite() {
            return Ok(Timestamp::from_micros((ms * 1000.0) as i64));
        }
    }
    value
        .as_string()
        .and_then(|s| Timestamp::parse_iso8601(&s))
        .ok_or_else(|| Error::validation("now() must return a Date or ISO-8601 text"))
}

/// Bytes from a caller's `randomBytes(n)`: a `Uint8Array` of length `n`.
fn read_random(random_bytes: &Function, buf: &mut [u8]) -> Result<()> {
    let value = random_bytes
        .call1(&JsValue::NULL, &JsValue::from(buf.len() as u32))
        .map_err(|e| Error::validation(format!("randomBytes() threw: {}", message_of(&e))))?;
    match value.dyn_ref::<Uint8Array>() {
        Some(bytes) if bytes.length() as usize == buf.len() => {
            bytes.copy_to(buf);
            Ok(())
        }
        _ => Err(Error::validation("randomBytes(n) must return a Uint8Array of length n")),
    }
}

/// A slot in the table; frees it when the last clone of the store's env is dropped.
struct Slot(usize);

impl Drop for Slot {
    fn drop(&mut self) {
        HOOKS.with(|h| h.borrow_mut()[self.0] = None);
    }
}

struct JsClock(Arc<Slot>);

impl Clock for JsClock {
    fn now(&self) -> Timestamp {
        let now =
            HOOKS.with(|h| h.borrow()[(self.0).0].as_ref().and_then(|hooks| hooks.now.clone()));
        // A clock that worked when the store was made and fails later falls back to the host's.
        now.and_then(|f| read_clock(&f).ok()).unwrap_or_else(system_now)
    }
}

struct JsIds(Arc<Slot>);

impl IdSource for JsIds {
    fn fill(&self, buf: &mut [u8]) -> std::result::Result<(), RandomUnavailable> {
        let random = HOOKS
            .with(|h| h.borrow()[(self.0).0].as_ref().and_then(|hooks| hooks.random_bytes.clone()));
        match random {
            // The caller chose the source: its failure is reported, never replaced.
            Some(f) => read_random(&f, buf).map_err(|e| RandomUnavailable::new(e.message())),
            None => system_random(buf),
        }
    }
}

/// An optional function member of the options object.
fn function_option(options: &JsValue, name: &str) -> Result<Option<Function>> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    let value = Reflect::get(options, &name.into()).unwrap_or(JsValue::UNDEFINED);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .dyn_into::<Function>()
        .map(Some)
        .map_err(|_| Error::validation(format!("{name} must be a function")))
}

/// The env for a store made with `options` (`{ now?, randomBytes? }`). Each function given is
/// called once here, so a broken one fails at construction with a clear error.
pub fn env_from_options(options: &JsValue) -> Result<Env> {
    let now = function_option(options, "now")?;
    let random_bytes = function_option(options, "randomBytes")?;
    if let Some(f) = &now {
        read_clock(f)?;
    }
    match &random_bytes {
        Some(f) => read_random(f, &mut [0u8; 4])?,
        None => check_system_random()?,
    }
    let slot = HOOKS.with(|h| {
        let mut hooks = h.borrow_mut();
        let entry = Some(Hooks { now, random_bytes });
        match hooks.iter().position(Option::is_none) {
            Some(free) => {
                hooks[free] = entry;
                free
            }
            None => {
                hooks.push(entry);
                hooks.len() - 1
            }
        }
    });
    let slot = Arc::new(Slot(slot));
    Ok(Env::new(Arc::new(JsClock(slot.clone())), Arc::new(JsIds(slot))))
}

/// The env of the host alone, for the free entity constructors.
pub fn system_env() -> Result<Env> {
    check_system_random()?;
    Ok(Env::new(Arc::new(system_now), Arc::new(system_random)))
}

/// Whether the host has a CSPRNG: the pool holds bytes, or can be filled.
fn check_system_random() -> Result<()> {
    if POOL.with(|pool| !pool.borrow().is_empty()) || system_random(&mut [0u8; 1]).is_ok() {
        Ok(())
    } else {
        Err(Error::new(
            asm_core::ErrorCode::InternalError,
            "globalThis.crypto.getRandomValues is not available: pass randomBytes in the store options",
        ))
    }
}
