//! API keys: several valid at once (rotation without an outage), each with a name, a role and
//! optionally the agents it may touch, kept only as SHA-256 hashes.
//!
//! The Worker reads the keys from the secret `ASM_API_KEYS`, a JSON array:
//!
//! ```json
//! [{"name": "ci", "role": "append", "agents": ["agent-1"], "sha256": "<64 hex digits>"}]
//! ```
//!
//! `scripts/asm-key` makes a key and its entry. A key is a long random string, so one SHA-256
//! is what stands between a leaked configuration and a usable key (no slow hash is needed, as
//! for passwords). The older single `ASM_API_TOKEN` keeps working as one admin key named
//! `ASM_API_TOKEN`.

use asm_core::{Error, ErrorCode, Scope};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::errors::http_error;
use crate::routes::Op;

/// What a key may do; each role includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Every read, search, summary, export, the health check and the maintenance plan.
    Read,
    /// Reads, plus appending events and saving or creating runs: what an agent needs.
    Append,
    /// Every session, run, event and artifact write.
    Write,
    /// Deletes, maintenance and everything else.
    Admin,
}

impl Role {
    /// The lower-case name, as configured and logged.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Read => "read",
            Role::Append => "append",
            Role::Write => "write",
            Role::Admin => "admin",
        }
    }

    /// The least role that may call `op`.
    pub fn required_for(op: Op) -> Role {
        match op {
            Op::Health
            | Op::OpenApi
            | Op::CurrentKey
            | Op::ListSessions
            | Op::GetSession
            | Op::ListRuns
            | Op::GetActiveRun
            | Op::GetRun
            | Op::GetEvents
            | Op::LatestSequence
            | Op::StreamEvents
            | Op::WatchEvents
            | Op::SearchSessions
            | Op::SearchRuns
            | Op::SearchEvents
            | Op::CountEvents
            | Op::UsageSummary
            | Op::CostSummary
            | Op::SessionStats
            | Op::ExportSession
            | Op::MaintenancePlan
            | Op::HealthCheck
            | Op::GetArtifact
            | Op::ListArtifacts
            | Op::ArtifactStats
            | Op::GetArtifactContent => Role::Read,
            Op::SaveRun | Op::CreateRun | Op::AppendEvent | Op::CreateEvent | Op::AppendEvents => {
                Role::Append
            }
            Op::SaveSession
            | Op::CreateSession
            | Op::Flush
            | Op::RegisterArtifact
            | Op::PutArtifactContent => Role::Write,
            Op::DeleteSession
            | Op::DeleteArtifact
            | Op::DeleteArtifactContent
            | Op::MaintenanceExecute
            | Op::PruneSessionEvents
            | Op::SoftDeleteExpired
            | Op::HardDeleteExpired
            | Op::CleanOrphanedArtifacts
            | Op::TestReset => Role::Admin,
        }
    }
}

/// One configured key, without the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Shown in logs instead of the key.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// Whose sessions it may touch.
    pub scope: Scope,
    sha256: [u8; 32],
}

/// An entry of `ASM_API_KEYS` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    role: Role,
    #[serde(default)]
    agents: Option<Vec<String>>,
    sha256: String,
}

/// Every key the Worker accepts.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    keys: Vec<ApiKey>,
}

/// A configuration error: the Worker answers 500 `dependency_not_available` (the operator's
/// mistake, not the client's) and names what is wrong, never a key.
fn config_error(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::DependencyNotAvailable, message).detail("reason", "bad_key_configuration")
}

impl Keyring {
    /// The keys of `ASM_API_KEYS` (JSON) plus the legacy `ASM_API_TOKEN` as an admin key.
    pub fn from_config(
        keys_json: Option<&str>,
        legacy_token: Option<&str>,
    ) -> Result<Keyring, Error> {
        let mut keys = Vec::new();
        if let Some(json) = keys_json.filter(|j| !j.trim().is_empty()) {
            let entries: Vec<Entry> = serde_json::from_str(json)
                .map_err(|e| config_error(format!("ASM_API_KEYS is not a list of keys: {e}")))?;
            for entry in entries {
                let sha256 = parse_hash(&entry.sha256).ok_or_else(|| {
                    config_error(format!("key {}: sha256 must be 64 hex digits", entry.name))
                })?;
                let scope = match entry.agents {
                    None => Scope::All,
                    Some(agents) => Scope::agents(agents),
                };
                keys.push(ApiKey { name: entry.name, role: entry.role, scope, sha256 });
            }
        }
        if let Some(token) = legacy_token.filter(|t| !t.is_empty()) {
            keys.push(ApiKey {
                name: "ASM_API_TOKEN".to_owned(),
                role: Role::Admin,
                scope: Scope::All,
                sha256: Sha256::digest(token.as_bytes()).into(),
            });
        }
        Ok(Keyring { keys })
    }

    /// The key a request presents as `Authorization: Bearer <key>`; `None` when it presents
    /// none or one no entry has. Every entry is compared, in constant time each.
    pub fn authenticate(&self, header: Option<&str>) -> Option<&ApiKey> {
        let given = header.and_then(|h| h.strip_prefix("Bearer "))?.trim();
        let digest: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        let mut found = None;
        for key in &self.keys {
            if constant_time_eq(&digest, &key.sha256) && found.is_none() {
                found = Some(key);
            }
        }
        found.filter(|_| !given.is_empty())
    }
}

impl ApiKey {
    /// What `GET /v1/keys/current` answers: the key's name, role and agents (`null` for every
    /// agent), never its hash, so that a client offers only what the key may do.
    pub fn describe(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "role": self.role.as_str(),
            "agents": self.scope.agent_ids(),
        })
    }

    /// `Ok` when the key's role may call `op`, else 403 `policy_violation`.
    pub fn permit(&self, op: Op) -> Result<(), Error> {
        let needed = Role::required_for(op);
        if self.role >= needed {
            return Ok(());
        }
        Err(http_error(
            403,
            ErrorCode::PolicyViolation,
            format!(
                "key {} ({}) may not do this: it needs the {} role",
                self.name,
                self.role.as_str(),
                needed.as_str()
            ),
        )
        .detail("reason", "role")
        .detail("required_role", needed.as_str()))
    }
}

fn parse_hash(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(text, 16).ok()?;
    }
    Some(out)
}

/// Compares without an early exit: the time depends on the lengths only.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff);
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_of(key: &str) -> String {
        asm_core::blob::sha256_hex(key.as_bytes())
    }

    fn ring() -> Keyring {
        let json = format!(
            r#"[{{"name":"reader","role":"read","sha256":"{}"}},
                {{"name":"agent-a","role":"append","agents":["a"],"sha256":"{}"}}]"#,
            hash_of("key-read"),
            hash_of("key-a")
        );
        Keyring::from_config(Some(&json), Some("legacy")).unwrap()
    }

    #[test]
    fn every_configured_key_is_valid_at_once() {
        let ring = ring();
        assert_eq!(ring.authenticate(Some("Bearer key-read")).unwrap().name, "reader");
        let a = ring.authenticate(Some("Bearer key-a")).unwrap();
        assert_eq!((a.role, a.scope.clone()), (Role::Append, Scope::agents(["a"])));
        let legacy = ring.authenticate(Some("Bearer legacy")).unwrap();
        assert_eq!((legacy.role, &legacy.scope), (Role::Admin, &Scope::All));
        assert!(ring.authenticate(Some("Bearer key-rea")).is_none());
        assert!(ring.authenticate(Some("Basic key-read")).is_none());
        assert!(ring.authenticate(None).is_none());
        assert!(
            Keyring::from_config(None, Some("")).unwrap().authenticate(Some("Bearer ")).is_none()
        );
    }

    #[test]
    fn roles_include_the_ones_before_them() {
        let ring = ring();
        let reader = ring.authenticate(Some("Bearer key-read")).unwrap();
        assert!(reader.permit(Op::SearchEvents).is_ok());
        let refused = reader.permit(Op::AppendEvents).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::PolicyViolation);
        assert_eq!(crate::errors::status_of(&refused), 403);
        let agent = ring.authenticate(Some("Bearer key-a")).unwrap();
        assert!(agent.permit(Op::AppendEvents).is_ok() && agent.permit(Op::SaveRun).is_ok());
        assert!(agent.permit(Op::SaveSession).is_err() && agent.permit(Op::DeleteSession).is_err());
        assert!(
            ring.authenticate(Some("Bearer legacy"))
                .unwrap()
                .permit(Op::MaintenanceExecute)
                .is_ok()
        );
    }

    #[test]
    fn a_key_describes_its_name_role_and_agents_but_not_its_hash() {
        let ring = ring();
        let agent = ring.authenticate(Some("Bearer key-a")).unwrap();
        assert_eq!(
            agent.describe(),
            serde_json::json!({"name": "agent-a", "role": "append", "agents": ["a"]})
        );
        let reader = ring.authenticate(Some("Bearer key-read")).unwrap();
        assert_eq!(
            reader.describe(),
            serde_json::json!({"name": "reader", "role": "read", "agents": null})
        );
    }

    #[test]
    fn a_bad_configuration_names_the_key_not_its_hash() {
        let err = Keyring::from_config(Some(r#"[{"name":"x","role":"read","sha256":"zz"}]"#), None)
            .unwrap_err();
        assert!(err.message().contains("key x"), "{err}");
        assert!(
            Keyring::from_config(Some(r#"[{"name":"x","role":"root","sha256":""}]"#), None)
                .is_err()
        );
    }
}
