//! Guards: conditions checked inside a write batch, so that a write that must not happen (a
//! session outside the caller's scope, an event id stored in another session) rolls the whole
//! batch back, with no read before it and no window between a check and the write.
//!
//! D1 can raise no error of its own choosing (no `RAISE` outside triggers, no interactive
//! transaction), so a guard is an insert that breaks a `NOT NULL` constraint when its condition
//! holds, in both dialects:
//!
//! ```sql
//! INSERT INTO asm_session_sequences (session_id, last_sequence) SELECT '', NULL WHERE <condition>
//! ```
//!
//! When the condition is false the insert selects no row and changes nothing. When it holds the
//! batch fails and rolls back; the store then reads the same condition (`SELECT 1 WHERE
//! <condition>`) to learn which guard tripped, and answers with that guard's error. The probe runs
//! only on the failure path, so a guard costs one cheap statement on the happy path.

use crate::error::Error;
use crate::sql::dialect::{Builder, Dialect};
use crate::sql::executor::{Access, Statement};

const PROBE: &str = "SELECT 1 WHERE ";
const TRIP: &str =
    "INSERT INTO asm_session_sequences (session_id, last_sequence) SELECT '', NULL WHERE ";

/// A condition that must be false for a write batch to go ahead, and the error it answers.
#[derive(Debug, Clone)]
pub(crate) struct Guard {
    probe: Statement,
    error: Error,
}

impl Guard {
    /// A guard whose condition `condition` writes (a boolean SQL expression, values bound).
    pub(crate) fn new(
        dialect: Dialect,
        condition: impl FnOnce(&mut Builder),
        error: Error,
    ) -> Guard {
        let mut b = Builder::read(dialect);
        b.sql(PROBE);
        condition(&mut b);
        Guard { probe: b.build(), error }
    }

    /// The statement that fails the batch when the condition holds.
    pub(crate) fn statement(&self) -> Statement {
        Statement {
            sql: format!("{TRIP}{}", &self.probe.sql[PROBE.len()..]),
            params: self.probe.params.clone(),
            access: Access::Write,
        }
    }

    /// The read that tells whether the condition holds now.
    pub(crate) fn probe(&self) -> Statement {
        self.probe.clone()
    }

    /// The error the guarded write answers when the condition holds.
    pub(crate) fn error(&self) -> Error {
        self.error.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::sql::dialect::SqlType;
    use crate::sql::executor::Value;

    #[test]
    fn the_trip_statement_binds_what_the_probe_binds() {
        let guard = Guard::new(
            Dialect::Postgres,
            |b| {
                b.sql("EXISTS (SELECT 1 FROM asm_sessions WHERE id = ");
                b.bind(Value::Text("s1".into()), SqlType::Text).sql(")");
            },
            Error::from_code(ErrorCode::PolicyViolation),
        );
        assert_eq!(
            guard.probe().sql,
            "SELECT 1 WHERE EXISTS (SELECT 1 FROM asm_sessions WHERE id = $1::text)"
        );
        let trip = guard.statement();
        assert!(trip.sql.starts_with("INSERT INTO asm_session_sequences"));
        assert!(
            trip.sql.ends_with("WHERE EXISTS (SELECT 1 FROM asm_sessions WHERE id = $1::text)")
        );
        assert_eq!(trip.params, vec![Value::Text("s1".into())]);
        assert_eq!(trip.access, Access::Write);
    }
}
