//! The audit line: one structured log line for every write and every refused request, so that
//! `wrangler tail` (or Workers Logs) shows which key did or tried what, on which session.

use asm_core::{Error, ErrorCode};
use serde_json::{Value, json};

use crate::api::Reply;
use crate::auth::{ApiKey, Role};
use crate::errors::status_of;
use crate::routes::Op;

/// One audit record; [`Line::json`] is what the Worker logs.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The key's name; `None` when the request presented no valid key.
    key: Option<String>,
    op: Op,
    session_id: Option<String>,
    status: u16,
    code: Option<ErrorCode>,
}

impl Line {
    /// A request refused before it ran (its key's role is too low).
    pub fn refused(key: &ApiKey, op: Op, session_id: Option<String>, error: &Error) -> Line {
        Line {
            key: Some(key.name.clone()),
            op,
            session_id,
            status: status_of(error),
            code: Some(error.code()),
        }
    }

    /// The line for a request that ran: every write, and every read the scope refused; `None`
    /// for a read that went through (reads are not audited, they would drown the writes).
    pub fn of(
        key: &ApiKey,
        op: Op,
        session_id: Option<String>,
        outcome: &Result<Reply, Error>,
    ) -> Option<Line> {
        let (status, code) = match outcome {
            Ok(reply) => (reply.status, None),
            Err(error) => (status_of(error), Some(error.code())),
        };
        // A session made on the server has its id only in the answer.
        let session_id = session_id.or_else(|| match (op, outcome) {
            (Op::CreateSession, Ok(reply)) => {
                reply.body.as_ref()?.get("id")?.as_str().map(str::to_owned)
            }
            _ => None,
        });
        let write = Role::required_for(op) > Role::Read;
        let refused = code == Some(ErrorCode::PolicyViolation);
        (write || refused).then(|| Line {
            key: Some(key.name.clone()),
            op,
            session_id,
            status,
            code,
        })
    }

    /// A request refused for presenting no valid key (401).
    pub fn unauthenticated(op: Op, error: &Error) -> Line {
        Line { key: None, op, session_id: None, status: status_of(error), code: Some(error.code()) }
    }

    /// `{"asm_audit": {"key", "op", "session_id", "status", "code"}}`, one line of JSON.
    pub fn json(&self) -> Value {
        json!({ "asm_audit": {
            "key": self.key,
            "op": op_name(self.op),
            "session_id": self.session_id,
            "status": self.status,
            "code": self.code.map(|c| c.as_str()),
        }})
    }
}

/// `AppendEvents` → `append_events`: the operation as the port names it.
pub fn op_name(op: Op) -> String {
    let mut name = String::new();
    for (i, c) in format!("{op:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            name.push('_');
        }
        name.push(c.to_ascii_lowercase());
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Keyring;

    #[test]
    fn writes_and_refusals_are_audited_reads_are_not() {
        let ring = Keyring::from_config(None, Some("t")).unwrap();
        let key = ring.authenticate(Some("Bearer t")).unwrap();
        let ok = Ok(Reply { status: 200, body: None });
        let line = Line::of(key, Op::AppendEvents, Some("s1".into()), &ok).unwrap();
        assert_eq!(
            line.json(),
            json!({"asm_audit": {"key": "ASM_API_TOKEN", "op": "append_events",
                   "session_id": "s1", "status": 200, "code": null}})
        );
        assert!(Line::of(key, Op::GetSession, Some("s1".into()), &ok).is_none());
        let created = Ok(Reply { status: 201, body: Some(json!({"id": "ses_new"})) });
        let line = Line::of(key, Op::CreateSession, None, &created).unwrap();
        assert_eq!(line.json()["asm_audit"]["session_id"], "ses_new");
        let refused = Err(asm_core::scope::out_of_scope("session s1"));
        let line = Line::of(key, Op::GetSession, Some("s1".into()), &refused).unwrap();
        assert_eq!(line.json()["asm_audit"]["status"], 403);
        assert_eq!(line.json()["asm_audit"]["code"], "policy_violation");
        let anonymous = Line::unauthenticated(Op::ListSessions, &crate::errors::unauthorized());
        assert_eq!(anonymous.json()["asm_audit"]["key"], serde_json::Value::Null);
        assert_eq!(anonymous.json()["asm_audit"]["status"], 401);
    }
}
