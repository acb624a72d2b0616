//! D1's error text mapped onto the core's error kinds. D1 reports failures as message text
//! only (`D1_ERROR: UNIQUE constraint failed: … SQLITE_CONSTRAINT`), so this is the one place
//! that reads it.

use asm_core::sql::ExecErrorKind;

/// The kind of a D1 failure from its message (the error and its cause, joined).
pub fn d1_error_kind(message: &str) -> ExecErrorKind {
    let m = message.to_ascii_lowercase();
    if m.contains("unique constraint failed")
        || m.contains("sqlite_constraint_unique")
        || m.contains("sqlite_constraint_primarykey")
    {
        ExecErrorKind::UniqueViolation
    } else if m.contains("no such table") || m.contains("no such column") {
        ExecErrorKind::MissingSchema
    } else if m.contains("sqlite_busy")
        || m.contains("database is locked")
        || m.contains("network connection lost")
        || m.contains("object to be reset")
        || m.contains("overloaded")
        || m.contains("internal error")
    {
        ExecErrorKind::Transient
    } else {
        ExecErrorKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_the_texts_miniflare_and_d1_produce() {
        // Seen from `wrangler dev --local` (toolchain.md §3) and in D1's documentation.
        let unique = "D1_ERROR: UNIQUE constraint failed: asm_events.id: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_PRIMARYKEY)";
        assert_eq!(d1_error_kind(unique), ExecErrorKind::UniqueViolation);
        assert_eq!(d1_error_kind("D1_ERROR: no such table: asm_sessions: SQLITE_ERROR"), ExecErrorKind::MissingSchema);
        assert_eq!(d1_error_kind("D1_ERROR: no such column: foo"), ExecErrorKind::MissingSchema);
        assert_eq!(d1_error_kind("D1_ERROR: Network connection lost."), ExecErrorKind::Transient);
        assert_eq!(d1_error_kind("D1_ERROR: database is locked: SQLITE_BUSY"), ExecErrorKind::Transient);
        assert_eq!(d1_error_kind("D1_ERROR: string or blob too big: SQLITE_TOOBIG"), ExecErrorKind::Other);
        assert_eq!(d1_error_kind("D1_ERROR: near \"SELEC\": syntax error"), ExecErrorKind::Other);
    }
}
