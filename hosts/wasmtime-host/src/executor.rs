//! The `executor` import: the component's batches run on the host's [`Executor`].

use asm_core::sql::Executor;

use crate::bindings::asm::session_store::{executor as wit, types};
use crate::host::HostState;

/// The `types` interface has no functions.
impl<E> types::Host for HostState<E> {}

impl<E: Executor> wit::Host for HostState<E> {
    fn dialect(&mut self) -> wit::SqlDialect {
        self.executor.dialect().into()
    }

    fn batch(
        &mut self,
        statements: Vec<wit::Statement>,
    ) -> Result<Vec<wit::ResultSet>, wit::ExecError> {
        let statements = statements.into_iter().map(Into::into).collect();
        match self.runtime.block_on(self.executor.batch(statements)) {
            Ok(results) => Ok(results.into_iter().map(Into::into).collect()),
            Err(e) => Err(e.into()),
        }
    }
}
