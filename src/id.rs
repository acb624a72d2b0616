//! Ids: the host's randomness, the ASM id formats built from it, and the [`Env`] bundle.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::time::{Clock, Timestamp};

/// The host's source of random bytes (a CSPRNG in production hosts).
///
/// It may fail: every host answers a failure the same way, by refusing the operation that
/// needed an id ([`RandomUnavailable`] becomes `internal_error`), never by making ids from
/// weaker bytes that could collide or be guessed.
pub trait IdSource: Send + Sync {
    /// Fills `buf` with random bytes, or says why it cannot.
    fn fill(&self, buf: &mut [u8]) -> Result<(), RandomUnavailable>;
}

impl<F: Fn(&mut [u8]) -> Result<(), RandomUnavailable> + Send + Sync> IdSource for F {
    fn fill(&self, buf: &mut [u8]) -> Result<(), RandomUnavailable> {
        self(buf)
    }
}

/// The host's random source failed; the reason is the host's own message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the host's random source failed: {0}")]
pub struct RandomUnavailable(pub String);

impl RandomUnavailable {
    /// A failure described by `reason` (a driver or platform error).
    pub fn new(reason: impl std::fmt::Display) -> RandomUnavailable {
        RandomUnavailable(reason.to_string())
    }
}

impl From<RandomUnavailable> for crate::Error {
    fn from(e: RandomUnavailable) -> crate::Error {
        crate::Error::new(crate::ErrorCode::InternalError, e.to_string())
    }
}

/// A deterministic id source for tests: SplitMix64 from a seed, so runs are reproducible.
#[derive(Debug)]
pub struct SeededIds {
    state: AtomicU64,
}

impl SeededIds {
    /// A source seeded with `seed`.
    pub fn new(seed: u64) -> SeededIds {
        SeededIds { state: AtomicU64::new(seed) }
    }
}

impl IdSource for SeededIds {
    fn fill(&self, buf: &mut [u8]) -> Result<(), RandomUnavailable> {
        for chunk in buf.chunks_mut(8) {
            let mut z = self
                .state
                .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::SeqCst)
                .wrapping_add(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
        Ok(())
    }
}

/// The prefix of a generated id, which tells what the id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// `ses_` + 32 lowercase hex.
    Session,
    /// `run_` + 32 lowercase hex.
    Run,
    /// `evt_` + 32 lowercase hex.
    Event,
    /// `art_` + 16 base64url characters (12 random bytes, no padding).
    Artifact,
}

/// What the core needs from its host besides SQL: a clock and randomness.
#[derive(Clone)]
pub struct Env {
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdSource>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Env { .. }")
    }
}

impl Env {
    /// An environment from the host's clock and id source.
    pub fn new(clock: Arc<dyn Clock>, ids: Arc<dyn IdSource>) -> Env {
        Env { clock, ids }
    }

    /// The current instant, truncated to µs by construction.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Random bytes from the host's source, for hosts that hand the env's randomness on (a
    /// JavaScript or WASI guest's own random source).
    pub fn fill_random(&self, buf: &mut [u8]) -> Result<(), RandomUnavailable> {
        self.ids.fill(buf)
    }

    /// A fresh id of the given kind; `internal_error` when the host's random source fails.
    pub fn new_id(&self, kind: IdKind) -> crate::Result<String> {
        Ok(match kind {
            IdKind::Session => self.hex_id("ses_")?,
            IdKind::Run => self.hex_id("run_")?,
            IdKind::Event => self.hex_id("evt_")?,
            IdKind::Artifact => {
                let mut bytes = [0u8; 12];
                self.ids.fill(&mut bytes)?;
                use base64::Engine;
                format!("art_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
            }
        })
    }

    /// The caller's id when given (it must not be empty), else a fresh one of `kind`.
    pub fn chosen_or_new_id(&self, id: Option<String>, kind: IdKind) -> crate::Result<String> {
        match id {
            Some(id) if id.is_empty() => Err(crate::Error::validation("id cannot be empty")),
            Some(id) => Ok(id),
            None => self.new_id(kind),
        }
    }

    fn hex_id(&self, prefix: &str) -> Result<String, RandomUnavailable> {
        let mut bytes = [0u8; 16];
        self.ids.fill(&mut bytes)?;
        let mut id = String::with_capacity(prefix.len() + 32);
        id.push_str(prefix);
        for b in bytes {
            id.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
            id.push(char::from_digit(u32::from(b & 15), 16).unwrap_or('0'));
        }
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{Env, IdKind, RandomUnavailable};
    use crate::ErrorCode;
    use crate::time::{SteppingClock, Timestamp};

    #[test]
    fn a_failing_random_source_refuses_the_id() {
        let broken = |_: &mut [u8]| Err(RandomUnavailable::new("entropy pool closed"));
        let clock = SteppingClock::new(Timestamp::from_micros(0), 1);
        let env = Env::new(Arc::new(clock), Arc::new(broken));
        for kind in [IdKind::Session, IdKind::Run, IdKind::Event, IdKind::Artifact] {
            let e = env.new_id(kind).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InternalError);
            assert_eq!(e.message(), "the host's random source failed: entropy pool closed");
        }
        assert_eq!(
            env.chosen_or_new_id(Some("ses_mine".into()), IdKind::Session).unwrap(),
            "ses_mine"
        );
    }
}
