//! The backend chosen by `ASM_BACKEND`: D1 (the default) or PostgreSQL through Hyperdrive.

use asm_core::sql::{Dialect, ExecError, Executor, ResultSet, Statement};
use asm_core::{Error, ErrorCode};

use crate::d1::D1Executor;
#[cfg(feature = "hyperdrive")]
use crate::hyperdrive::HyperdriveExecutor;

/// Binding name of the D1 database in `wrangler.toml`.
pub const D1_BINDING: &str = "DB";
/// Binding name of the Hyperdrive configuration in `wrangler.toml`.
pub const HYPERDRIVE_BINDING: &str = "HYPERDRIVE";

/// One of the two executors.
pub enum Backend {
    /// `ASM_BACKEND = "d1"`.
    D1(D1Executor),
    /// `ASM_BACKEND = "postgres"`.
    #[cfg(feature = "hyperdrive")]
    Postgres(HyperdriveExecutor),
}

impl Backend {
    /// The backend named `name`, from its binding.
    pub fn from_env(env: &worker::Env, name: &str) -> Result<Backend, Error> {
        let missing = |binding: &str, e: worker::Error| {
            Error::new(
                ErrorCode::DependencyNotAvailable,
                format!("binding {binding} is not configured"),
            )
            .detail("reason", e.to_string())
        };
        match name {
            "d1" => Ok(Backend::D1(D1Executor::new(
                env.d1(D1_BINDING).map_err(|e| missing(D1_BINDING, e))?,
            ))),
            #[cfg(feature = "hyperdrive")]
            "postgres" => Ok(Backend::Postgres(HyperdriveExecutor::new(
                env.hyperdrive(HYPERDRIVE_BINDING).map_err(|e| missing(HYPERDRIVE_BINDING, e))?,
            ))),
            #[cfg(not(feature = "hyperdrive"))]
            "postgres" => Err(Error::new(
                ErrorCode::DependencyNotAvailable,
                "this Worker is the D1-only build (ASM_WORKER_VARIANT=d1): PostgreSQL needs the \
                 full build, with the `hyperdrive` feature (scripts/build-worker without \
                 ASM_WORKER_VARIANT)",
            )),
            other => Err(Error::new(
                ErrorCode::DependencyNotAvailable,
                format!("ASM_BACKEND must be \"d1\" or \"postgres\", not {other:?}"),
            )),
        }
    }
}

impl Executor for Backend {
    fn dialect(&self) -> Dialect {
        match self {
            Backend::D1(e) => e.dialect(),
            #[cfg(feature = "hyperdrive")]
            Backend::Postgres(e) => e.dialect(),
        }
    }

    async fn batch(&self, statements: Vec<Statement>) -> Result<Vec<ResultSet>, ExecError> {
        match self {
            Backend::D1(e) => e.batch(statements).await,
            #[cfg(feature = "hyperdrive")]
            Backend::Postgres(e) => e.batch(statements).await,
        }
    }

    /// The Workers runtime's timer: a long-poll waits between reads without holding the isolate.
    async fn sleep(&self, ms: u64) -> bool {
        worker::Delay::from(std::time::Duration::from_millis(ms)).await;
        true
    }
}
