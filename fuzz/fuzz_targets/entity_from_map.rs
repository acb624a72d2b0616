//! Any JSON value into every entity's `from_map` and `Error::from_map`; what parses must survive
//! `to_map` → `from_map` unchanged.
#![no_main]

use asm_core::{Artifact, Error, Event, Run, Session};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let _ = (Run::from_map(&v), Artifact::from_map(&v), Error::from_map(&v));
    if let Ok(s) = Session::from_map(&v) {
        assert_eq!(Session::from_map(&s.to_map()).as_ref(), Ok(&s));
    }
    if let Ok(e) = Event::from_map(&v) {
        assert_eq!(Event::from_map(&e.to_map()).as_ref(), Ok(&e));
    }
});
