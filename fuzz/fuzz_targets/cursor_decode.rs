//! Any text into cursor decoding, for one order of each kind.
#![no_main]

use asm_core::ports::{EventOrder, RunOrder, SessionOrder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = asm_core::cursor::decode(text, SessionOrder::CreatedAtDesc);
    let _ = asm_core::cursor::decode(text, RunOrder::TokenUsageDesc);
    let _ = asm_core::cursor::decode(text, EventOrder::TimestampDesc);
});
