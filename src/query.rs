//! Option checks shared by every QueryApi implementation, in ASM's order and words.

use crate::error::{Error, ErrorCode, Result};
use crate::ports::MAX_QUERY_LIMIT;

/// ASM's limit rule: absent → default; 1..=1000 → itself; above → "limit must be <= 1000";
/// anything else → "limit must be a positive integer".
pub fn page_limit(limit: Option<i64>, default: i64) -> Result<usize> {
    match limit {
        None => Ok(default as usize),
        Some(n) if n > MAX_QUERY_LIMIT => {
            Err(Error::validation(format!("limit must be <= {MAX_QUERY_LIMIT}")))
        }
        Some(n) if n >= 1 => Ok(n as usize),
        Some(_) => Err(Error::validation("limit must be a positive integer")),
    }
}

/// `min_tokens` must be a non-negative integer; ASM answers `query_error`, not validation.
pub fn check_min_tokens(min_tokens: Option<i64>) -> Result<()> {
    match min_tokens {
        Some(n) if n < 0 => {
            Err(Error::new(ErrorCode::QueryError, "min_tokens must be a non-negative integer"))
        }
        _ => Ok(()),
    }
}

/// Whether a session with `tags` carries every tag in `required` (exact match).
pub fn has_all_tags(tags: &[String], required: &[String]) -> bool {
    required.iter().all(|r| tags.iter().any(|t| t == r))
}
