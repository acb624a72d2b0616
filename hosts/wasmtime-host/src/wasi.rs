//! WASI's wall clock and secure random source driven by an [`Env`], so the component reads the
//! same (possibly controlled) clock and seeded ids as the host.

use std::convert::Infallible;
use std::time::Duration;

use asm_core::Env;
use wasmtime_wasi::{HostWallClock, WasiCtx, WasiCtxBuilder};

/// A WASI context whose wall clock is `env.now()` and whose secure random bytes come from
/// `env`'s id source. Nothing else is granted: no files, no sockets, no environment variables.
pub fn wasi_ctx(env: &Env) -> WasiCtx {
    WasiCtxBuilder::new()
        .wall_clock(EnvClock(env.clone()))
        .secure_random(EnvRandom { env: env.clone(), buffer: Vec::new() })
        .build()
}

/// `wasi:clocks/wall-clock` reading the env's clock.
struct EnvClock(Env);

impl HostWallClock for EnvClock {
    fn resolution(&self) -> Duration {
        Duration::from_micros(1)
    }

    fn now(&self) -> Duration {
        // Instants before 1970 do not occur in practice; they read as the epoch.
        Duration::from_micros(u64::try_from(self.0.now().as_micros()).unwrap_or(0))
    }
}

/// `wasi:random/random` drawing from the env's id source, 16 bytes at a time, so a guest asking
/// for 16 (or 12) bytes gets exactly what the id source would have given a native store, which
/// keeps seeded runs reproducible.
///
/// WASI's random interface has no error result; a failing id source therefore panics (which
/// wasmtime turns into a failed call) rather than hand the guest weaker bytes.
struct EnvRandom {
    env: Env,
    buffer: Vec<u8>,
}

impl EnvRandom {
    fn byte(&mut self) -> u8 {
        if self.buffer.is_empty() {
            let mut bytes = [0u8; 16];
            if let Err(e) = self.env.fill_random(&mut bytes) {
                panic!("{e} (wasi:random cannot report a failure)");
            }
            self.buffer = bytes.iter().rev().copied().collect();
        }
        self.buffer.pop().unwrap_or(0)
    }
}

impl rand_core::TryRng for EnvRandom {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut bytes = [0u8; 4];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u32::from_le_bytes(bytes))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut bytes = [0u8; 8];
        self.try_fill_bytes(&mut bytes)?;
        Ok(u64::from_le_bytes(bytes))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for b in dst {
            *b = self.byte();
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for EnvRandom {}
