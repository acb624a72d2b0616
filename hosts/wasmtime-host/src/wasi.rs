//! WASI's wall clock and secure random source driven by an [`Env`], so the component reads the
//! same (possibly controlled) clock and seeded ids as the host.

use std::convert::Infallible;
use std::time::Duration;

use asm_core::Env;
use asm_core::id::IdKind;
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

/// `wasi:random/random` drawing from the env's id source.
///
/// The env exposes its randomness only as ids, so bytes are taken 16 at a time from fresh
/// 32-hex-digit session ids: the same bytes, in the same order, that the id source produced.
/// A guest asking for 16 (or 12) bytes therefore gets exactly what the id source would have
/// given a native store, which keeps seeded runs reproducible.
struct EnvRandom {
    env: Env,
    buffer: Vec<u8>,
}

impl EnvRandom {
    fn byte(&mut self) -> u8 {
        if self.buffer.is_empty() {
            let id = self.env.new_id(IdKind::Session);
            let hex = id.as_bytes().get(4..).unwrap_or_default();
            self.buffer = hex
                .chunks(2)
                .rev()
                .map(|pair| match pair {
                    [hi, lo] => (digit(*hi) << 4) | digit(*lo),
                    _ => 0,
                })
                .collect();
        }
        self.buffer.pop().unwrap_or(0)
    }
}

fn digit(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => 0,
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
