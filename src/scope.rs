//! [`Scope`]: which agents' sessions a caller may see and change.
//!
//! An edge service hands keys to agents; a key restricted to some agents must never read or
//! write another agent's rows. The restriction is a value of the store (`SqlStore::with_scope`),
//! so every statement the store writes carries it — no search, count, summary, export or
//! maintenance step can reach past it, whatever route or host called.

use std::collections::BTreeSet;

use crate::error::{Error, ErrorCode};

/// The agents whose sessions (and those sessions' runs, events and artifacts) a store may touch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Scope {
    /// Every session: an unrestricted caller.
    #[default]
    All,
    /// Only sessions whose `agent_id` is in the set.
    Agents(BTreeSet<String>),
}

impl Scope {
    /// A scope of the given agent ids.
    pub fn agents<I, S>(ids: I) -> Scope
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Scope::Agents(crate::sorted::set_of(ids.into_iter().map(Into::into)))
    }

    /// True when the scope restricts nothing.
    pub fn is_all(&self) -> bool {
        matches!(self, Scope::All)
    }

    /// The agent ids of a restricted scope; `None` for [`Scope::All`].
    pub fn agent_ids(&self) -> Option<&BTreeSet<String>> {
        match self {
            Scope::All => None,
            Scope::Agents(ids) => Some(ids),
        }
    }

    /// Whether a session of `agent_id` is inside the scope.
    pub fn allows(&self, agent_id: &str) -> bool {
        self.agent_ids().is_none_or(|ids| ids.contains(agent_id))
    }

    /// `Ok` when `agent_id` is inside the scope, else the refusal.
    pub fn check_agent(&self, agent_id: &str) -> Result<(), Error> {
        if self.allows(agent_id) {
            Ok(())
        } else {
            Err(out_of_scope(format!("agent {agent_id} is outside this caller's scope")))
        }
    }
}

/// ASM's `policy_violation` for a request that reaches outside its scope (`details.reason`
/// is `out_of_scope`, which the Worker answers with 403).
pub fn out_of_scope(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::PolicyViolation, message).detail("reason", "out_of_scope")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restricted_scope_allows_only_its_agents() {
        let scope = Scope::agents(["a1", "a2"]);
        assert!(scope.allows("a1") && scope.allows("a2") && !scope.allows("b"));
        assert!(Scope::All.allows("anyone"));
        let refused = scope.check_agent("b").unwrap_err();
        assert_eq!(refused.code(), ErrorCode::PolicyViolation);
        assert_eq!(refused.details()["reason"], "out_of_scope");
        assert!(Scope::agents(Vec::<String>::new()).check_agent("a1").is_err());
    }
}
