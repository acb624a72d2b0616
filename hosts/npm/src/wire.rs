//! A batch as it crosses the WebAssembly boundary: the statements as one JSON text, the answers
//! as one JSON text (`js/executors/wire.js` is the other end). One crossing per batch instead of
//! one per parameter and per cell: the boundary, not the SQL, was most of the npm package's time.

use std::fmt;

use asm_core::sql::{JsParam, MAX_SAFE_INTEGER, ResultSet, Statement, Value};
use serde::de::{self, Deserializer, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

/// The statements of a batch as the JSON text `runBatch` parses: `[{ sql, params, readOnly }]`,
/// each parameter as [`Value::as_js_param`] binds it.
pub fn statements_json(statements: &[Statement]) -> String {
    let wire: Vec<WireStatement<'_>> = statements
        .iter()
        .map(|s| WireStatement { sql: &s.sql, params: Params(&s.params), read_only: s.is_read() })
        .collect();
    // Text, numbers and nulls always serialise.
    serde_json::to_string(&wire).unwrap_or_default()
}

/// The answers of a batch from their JSON text: `[{ rows, changes }]`.
pub fn result_sets(json: &str) -> Result<Vec<ResultSet>, String> {
    let answers: Vec<WireAnswer> = serde_json::from_str(json).map_err(|e| e.to_string())?;
    Ok(answers
        .into_iter()
        .map(|a| ResultSet {
            columns: Vec::new(),
            rows: a
                .rows
                .unwrap_or_default()
                .into_iter()
                .map(|row| row.into_iter().map(|c| c.0).collect())
                .collect(),
            changes: a.changes.unwrap_or(0.0).max(0.0) as u64,
        })
        .collect())
}

#[derive(Serialize)]
struct WireStatement<'a> {
    sql: &'a str,
    params: Params<'a>,
    #[serde(rename = "readOnly")]
    read_only: bool,
}

struct Params<'a>(&'a [Value]);

impl Serialize for Params<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for value in self.0 {
            match value.as_js_param() {
                JsParam::Null => seq.serialize_element(&())?,
                // A whole number as digits, so JSON.parse gives the same number.
                JsParam::Number(x) if x.fract() == 0.0 && x.abs() <= MAX_SAFE_INTEGER as f64 => {
                    seq.serialize_element(&(x as i64))?
                }
                JsParam::Number(x) => seq.serialize_element(&x)?,
                JsParam::Text(s) => seq.serialize_element(s)?,
                JsParam::BigInteger(n) => seq.serialize_element(&n.to_string())?,
            }
        }
        seq.end()
    }
}

#[derive(Deserialize)]
struct WireAnswer {
    #[serde(default)]
    rows: Option<Vec<Vec<Cell>>>,
    #[serde(default)]
    changes: Option<f64>,
}

/// A cell by the rules of the value-by-value path: a number is read as JavaScript held it
/// ([`Value::from_js_number`]), a boolean as 0 or 1.
struct Cell(Value);

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Cell, D::Error> {
        deserializer.deserialize_any(CellVisitor)
    }
}

struct CellVisitor;

impl<'de> Visitor<'de> for CellVisitor {
    type Value = Cell;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null, a number, text or a boolean")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Cell, E> {
        Ok(Cell(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Cell, E> {
        Ok(Cell(Value::Null))
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Cell, E> {
        Ok(Cell(Value::Integer(i64::from(b))))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Cell, E> {
        Ok(Cell(Value::from_js_number(n as f64)))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Cell, E> {
        Ok(Cell(Value::from_js_number(n as f64)))
    }

    fn visit_f64<E: de::Error>(self, x: f64) -> Result<Cell, E> {
        Ok(Cell(Value::from_js_number(x)))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Cell, E> {
        Ok(Cell(Value::Text(s.to_owned())))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Cell, E> {
        Ok(Cell(Value::Text(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use asm_core::sql::Access;

    #[test]
    fn statements_carry_every_parameter_kind() {
        let statement = Statement {
            sql: "SELECT ?1, ?2, ?3, ?4, ?5".into(),
            params: vec![
                Value::Null,
                Value::Integer(7),
                Value::Integer(i64::MAX),
                Value::Real(1.5),
                Value::Text("a \"quoted\" ü".into()),
            ],
            access: Access::Read,
        };
        assert_eq!(
            statements_json(&[statement]),
            r#"[{"sql":"SELECT ?1, ?2, ?3, ?4, ?5","params":[null,7,"9223372036854775807",1.5,"a \"quoted\" ü"],"readOnly":true}]"#
        );
    }

    #[test]
    fn answers_read_as_the_value_path_reads_them() {
        let sets = result_sets(
            r#"[{"rows":[[null,1,2.5,"x",true,9007199254740993]],"changes":0},{"changes":3},{"rows":null}]"#,
        )
        .unwrap();
        assert_eq!(
            sets[0].rows[0],
            vec![
                Value::Null,
                Value::Integer(1),
                Value::Real(2.5),
                Value::Text("x".into()),
                Value::Integer(1),
                Value::Real(9007199254740992.0),
            ]
        );
        assert_eq!((sets[1].rows.len(), sets[1].changes), (0, 3));
        assert_eq!(sets[2].changes, 0);
        assert!(result_sets(r#"[{"rows":[[{"a":1}]]}]"#).is_err());
    }
}
