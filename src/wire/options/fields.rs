//! Typed readers over a JSON options object, with ASM's messages.

use serde_json::Value;

use crate::error::{Error, ErrorCode, Result};
use crate::json::JsonMap;
use crate::time::Timestamp;
use crate::wire::inspect;

/// An options object; `None` when the host passed `null`.
pub(super) struct Opts<'a>(Option<&'a JsonMap>);

impl<'a> Opts<'a> {
    /// `null` is "no options"; anything but an object is rejected.
    pub(super) fn new(value: &'a Value) -> Result<Opts<'a>> {
        match value {
            Value::Null => Ok(Opts(None)),
            Value::Object(map) => Ok(Opts(Some(map))),
            other => {
                Err(Error::validation(format!("options must be a map, got: {}", inspect(other))))
            }
        }
    }

    /// The value under `key`; `null` reads as absent.
    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        self.0.and_then(|m| m.get(key)).filter(|v| !v.is_null())
    }

    pub(super) fn string(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Error::validation(format!("{key} must be a string"))),
        }
    }

    /// A list of strings (`null` is the empty list).
    pub(super) fn strings(&self, key: &str) -> Result<Vec<String>> {
        let bad = || Error::validation(format!("{key} must be a list of strings"));
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => {
                items.iter().map(|v| v.as_str().map(str::to_owned).ok_or_else(bad)).collect()
            }
            Some(_) => Err(bad()),
        }
    }

    /// A string or a list of strings (`search_sessions`' `provider` takes either).
    pub(super) fn strings_or_one(&self, key: &str) -> Result<Vec<String>> {
        match self.get(key) {
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            _ => self.strings(key),
        }
    }

    pub(super) fn boolean(&self, key: &str) -> Result<bool> {
        match self.get(key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(Error::validation(format!("{key} must be a boolean"))),
        }
    }

    /// An ISO-8601 instant with an offset.
    pub(super) fn timestamp(&self, key: &str) -> Result<Option<Timestamp>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.as_str().and_then(Timestamp::parse_iso8601).map(Some).ok_or_else(|| {
                Error::validation(format!("{key} must be an ISO-8601 datetime with an offset"))
            }),
        }
    }

    /// An integer ≥ 0, or `None` for anything else (ASM's stores ignore such filters).
    pub(super) fn non_negative(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(crate::json::as_integer).filter(|n| *n >= 0)
    }

    /// A store limit: an integer ≥ 0 (0 = all); values beyond `u32` mean "all" as well.
    pub(super) fn store_limit(&self) -> Result<Option<u32>> {
        match self.get("limit") {
            None => Ok(None),
            Some(Value::Number(n)) if n.as_u64().is_some() => {
                Ok(Some(n.as_u64().map_or(u32::MAX, |n| u32::try_from(n).unwrap_or(u32::MAX))))
            }
            Some(_) => Err(Error::validation("limit must be a positive integer")),
        }
    }

    /// A query limit: any integer is kept for `query::page_limit` to judge (an integer beyond
    /// `i64` is kept as `i64::MAX`, which that check rejects as too large).
    pub(super) fn query_limit(&self) -> Result<Option<i64>> {
        match self.get("limit") {
            None => Ok(None),
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => {
                Ok(Some(n.as_i64().unwrap_or(i64::MAX)))
            }
            Some(_) => Err(Error::validation("limit must be a positive integer")),
        }
    }

    /// `min_tokens`: a non-integer is ASM's `query_error`; the sign is checked later.
    pub(super) fn min_tokens(&self) -> Result<Option<i64>> {
        match self.get("min_tokens") {
            None => Ok(None),
            Some(Value::Number(n)) if n.is_i64() || n.is_u64() => {
                Ok(Some(n.as_i64().unwrap_or(i64::MAX)))
            }
            Some(_) => {
                Err(Error::new(ErrorCode::QueryError, "min_tokens must be a non-negative integer"))
            }
        }
    }

    /// A cursor: a string, else `invalid_cursor` (docs/asm-v0.8/sql.md §5.9 step 1).
    pub(super) fn cursor(&self) -> Result<Option<String>> {
        match self.get("cursor") {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => {
                Err(Error::new(ErrorCode::InvalidCursor, "Cursor must be a non-empty string"))
            }
        }
    }

    /// One enum value given by name (docs/asm-v0.8/sql.md §5.1 messages).
    pub(super) fn one_of<T>(&self, key: &str, parse: fn(&str) -> Option<T>) -> Result<Option<T>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => {
                parse(s).map(Some).ok_or_else(|| unsupported(key, &Value::String(s.clone())))
            }
            Some(_) => Err(not_names(key)),
        }
    }

    /// A name or a list of names: every value must be a string, then every value must be known.
    /// A list of names (or one name); absent or null is `None`, so that `[]` stays an empty
    /// list, which matches nothing.
    pub(super) fn many_of<T>(
        &self,
        key: &str,
        parse: fn(&str) -> Option<T>,
    ) -> Result<Option<Vec<T>>> {
        let values: Vec<&Value> = match self.get(key) {
            None => return Ok(None),
            Some(Value::Array(items)) => items.iter().collect(),
            Some(one) => vec![one],
        };
        if !values.iter().all(|v| v.is_string()) {
            return Err(not_names(key));
        }
        values
            .into_iter()
            .map(|v| v.as_str().and_then(parse).ok_or_else(|| unsupported(key, v)))
            .collect::<Result<Vec<T>>>()
            .map(Some)
    }
}

fn not_names(key: &str) -> Error {
    Error::validation(format!("{key} values must be atoms or strings"))
}

fn unsupported(key: &str, value: &Value) -> Error {
    Error::validation(format!("{key} contains unsupported value: {}", inspect(value)))
}
