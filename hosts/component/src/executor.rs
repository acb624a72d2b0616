//! The core's [`Executor`] over the `executor` import, and the guest's [`Env`] over WASI.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use asm_core::sql::{Dialect, ExecError, Executor, ResultSet, Statement};
use asm_core::{Env, RandomUnavailable, Timestamp};

use crate::bindings::asm::session_store::executor as host;

/// Ships the core's batches to the host through the `executor` import.
///
/// The import is synchronous, so [`Executor::batch`]'s future is ready on its first poll.
#[derive(Debug, Clone, Copy)]
pub struct HostExecutor {
    dialect: Dialect,
}

impl HostExecutor {
    /// An executor for the dialect the host reports.
    pub fn new() -> HostExecutor {
        HostExecutor { dialect: host::dialect().into() }
    }
}

impl Default for HostExecutor {
    fn default() -> Self {
        HostExecutor::new()
    }
}

impl Executor for HostExecutor {
    fn dialect(&self) -> Dialect {
        self.dialect
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        let statements: Vec<host::Statement> = statements.into_iter().map(Into::into).collect();
        match host::batch(&statements) {
            Ok(results) => Ok(results.into_iter().map(Into::into).collect()),
            Err(e) => Err(e.into()),
        }
    }
}

/// The guest's clock and randomness: WASI's wall clock (through `SystemTime`) and WASI's secure
/// random source (through `getrandom`). A host that wants a controlled clock or seeded ids
/// supplies them in its WASI context.
// This is the host side of the core's Clock: reading the clock here is the point.
#[allow(clippy::disallowed_methods)]
pub fn wasi_env() -> Env {
    let clock = || {
        let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let secs = i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX);
        Timestamp::from_secs_nanos(secs, since_epoch.subsec_nanos())
    };
    let ids = |buf: &mut [u8]| getrandom::fill(buf).map_err(RandomUnavailable::new);
    Env::new(Arc::new(clock), Arc::new(ids))
}
