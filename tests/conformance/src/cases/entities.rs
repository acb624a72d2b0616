//! docs/asm-v0.8/domain.md §7 behaviours of entities, wire format and persistence helpers: Session, Run,
//! Event, serialization, Error, EventValidator, EventBuilder, EventRedactor, RetentionPolicy,
//! EventPipeline, ExecutionState and the entity-level extras of §7.17.
//!
//! Most of these need no store; the pipeline cases (§7.15) persist through the ports only, so
//! the suite runs unchanged on every host.

mod builder;
mod error;
mod event;
mod execution_state;
mod extras;
mod pipeline;
mod redactor;
mod redactor_options;
mod retention;
mod run;
mod serialization;
mod session;
mod validator;

use crate::{Case, Store};

/// The cases of this file, in manifest order.
pub fn cases<S: Store>() -> Vec<Case<S>> {
    let mut all = session::cases();
    all.extend(run::cases());
    all.extend(event::cases());
    all.extend(serialization::cases());
    all.extend(error::cases());
    all.extend(validator::cases());
    all.extend(builder::cases());
    all.extend(redactor::cases());
    all.extend(redactor_options::cases());
    all.extend(retention::cases());
    all.extend(pipeline::cases());
    all.extend(execution_state::cases());
    all.extend(extras::cases());
    all
}

/// Unwraps a core result, turning an unexpected error into the case's failure message.
fn ok<T>(result: asm_core::Result<T>, what: &str) -> Result<T, String> {
    result.map_err(|e| format!("{what}: unexpected error {e}"))
}

/// A JSON object literal as a map.
fn obj(value: serde_json::Value) -> asm_core::JsonMap {
    asm_core::json::object(value)
}
