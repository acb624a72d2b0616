//! The core's executor values to and from PostgreSQL's binary formats, and tokio-postgres errors
//! as executor errors — one mapping for every host that talks to PostgreSQL through
//! tokio-postgres (the native executor and the Worker's Hyperdrive executor).
#![forbid(unsafe_code)]

use std::error::Error as _;

use asm_core::Timestamp;
use asm_core::sql::{ExecError, ExecErrorKind, ResultSet, Value};
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// A core value bound to a parameter; the core's SQL casts every placeholder.
#[derive(Debug)]
pub struct PgParam<'a>(pub &'a Value);

impl ToSql for PgParam<'_> {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        match (self.0, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Integer(n), &Type::INT8) => n.to_sql(ty, out),
            (Value::Integer(n), &Type::INT4) => i32::try_from(*n)?.to_sql(&Type::INT4, out),
            (Value::Integer(n), &Type::INT2) => i16::try_from(*n)?.to_sql(&Type::INT2, out),
            (Value::Integer(n), &Type::FLOAT8) => (*n as f64).to_sql(ty, out),
            (Value::Real(x), &Type::FLOAT8) => x.to_sql(ty, out),
            (Value::Real(x), &Type::FLOAT4) => (*x as f32).to_sql(ty, out),
            (Value::Text(s), _) if <&str as ToSql>::accepts(ty) => s.as_str().to_sql(ty, out),
            (value, ty) => Err(format!("cannot bind {value:?} as PostgreSQL type {ty}").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A PostgreSQL cell read as a core value: numbers as numbers, everything else as the text the
/// core decodes (`jsonb` as its JSON text, `timestamp` in the SQLite column form, `timestamptz`
/// with a `Z`, text arrays as a JSON array). Callers running their own `SELECT` on the `asm_*`
/// tables read cells with it and decode the rows with `asm_core::sql::Row`.
pub struct PgCell(pub Value);

impl<'a> FromSql<'a> for PgCell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<PgCell, BoxError> {
        let value = match *ty {
            Type::BOOL => Value::Integer(i64::from(bool::from_sql(ty, raw)?)),
            Type::INT2 => Value::Integer(i64::from(i16::from_sql(ty, raw)?)),
            Type::INT4 => Value::Integer(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT8 => Value::Integer(i64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f64::from(f32::from_sql(ty, raw)?)),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::NUMERIC => Value::Text(numeric_text(raw)?),
            Type::JSONB => {
                Value::Text(String::from_utf8(raw.get(1..).unwrap_or_default().to_vec())?)
            }
            Type::TIMESTAMP => {
                let since_2000 = i64::from_sql(&Type::INT8, raw)?;
                Value::Text(Timestamp::from_micros(since_2000 + 946_684_800_000_000).to_sql_text())
            }
            // An instant: ASM's wire form with its `Z`, so no reader takes it for local time.
            Type::TIMESTAMPTZ => {
                let since_2000 = i64::from_sql(&Type::INT8, raw)?;
                Value::Text(Timestamp::from_micros(since_2000 + 946_684_800_000_000).to_iso8601())
            }
            // `varchar(255)[]` tags of a caller's `SELECT *`, as the JSON array text SQLite stores.
            Type::VARCHAR_ARRAY | Type::TEXT_ARRAY => {
                Value::Text(serde_json::to_string(&Vec::<String>::from_sql(ty, raw)?)?)
            }
            _ => Value::Text(<&str as FromSql>::from_sql(ty, raw)?.to_owned()),
        };
        Ok(PgCell(value))
    }

    fn from_sql_null(_: &Type) -> Result<PgCell, BoxError> {
        Ok(PgCell(Value::Null))
    }

    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::BOOL
                | Type::INT2
                | Type::INT4
                | Type::INT8
                | Type::FLOAT4
                | Type::FLOAT8
                | Type::NUMERIC
                | Type::JSONB
                | Type::TIMESTAMP
                | Type::TIMESTAMPTZ
                | Type::VARCHAR_ARRAY
                | Type::TEXT_ARRAY
        ) || <&str as FromSql>::accepts(ty)
    }
}

/// PostgreSQL's binary `numeric` as decimal text (base-10000 digits, weight, sign, scale).
fn numeric_text(raw: &[u8]) -> Result<String, BoxError> {
    let word = |i: usize| -> Result<i16, BoxError> {
        let b = raw.get(i * 2..i * 2 + 2).ok_or("truncated numeric")?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    };
    let (ndigits, weight, sign, dscale) =
        (word(0)? as usize, word(1)?, word(2)? as u16, word(3)? as usize);
    if sign == 0xC000 {
        return Ok("NaN".to_owned());
    }
    let digits: Vec<i16> = (0..ndigits).map(|i| word(4 + i)).collect::<Result<_, _>>()?;
    let mut int_part = String::new();
    for w in 0..=weight.max(0) {
        let d = if weight >= 0 { digits.get(w as usize).copied().unwrap_or(0) } else { 0 };
        int_part.push_str(&if int_part.is_empty() { d.to_string() } else { format!("{d:04}") });
    }
    let mut frac = String::new();
    let mut position = i32::from(weight) + 1;
    while frac.len() < dscale {
        let d = usize::try_from(position).ok().and_then(|p| digits.get(p)).copied().unwrap_or(0);
        frac.push_str(&format!("{d:04}"));
        position += 1;
    }
    frac.truncate(dscale);
    let sign = if sign == 0x4000 { "-" } else { "" };
    Ok(if frac.is_empty() {
        format!("{sign}{int_part}")
    } else {
        format!("{sign}{int_part}.{frac}")
    })
}

/// The parameters of a statement, bound as [`PgParam`]s (pass [`as_sql`] of them to a query).
pub fn params(values: &[Value]) -> Vec<PgParam<'_>> {
    values.iter().map(PgParam).collect()
}

/// The references tokio-postgres' `query` and `execute` take.
pub fn as_sql<'a>(params: &'a [PgParam<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// What a statement that changes rows without returning any answers: its count.
pub fn changed(changes: u64) -> ResultSet {
    ResultSet { columns: Vec::new(), rows: Vec::new(), changes }
}

/// The rows of a statement that returns columns, decoded cell by cell into the core's values:
/// the one row loop of every tokio-postgres executor.
pub fn rows_result(
    prepared: &tokio_postgres::Statement,
    rows: Vec<tokio_postgres::Row>,
) -> Result<ResultSet, ExecError> {
    let columns = prepared.columns().iter().map(|c| c.name().to_owned()).collect();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut values = Vec::with_capacity(row.len());
        for i in 0..row.len() {
            let cell: PgCell = row.try_get(i).map_err(pg_error)?;
            values.push(cell.0);
        }
        out.push(values);
    }
    Ok(ResultSet { columns, rows: out, changes: 0 })
}

/// A tokio-postgres error as a normalised kind, keeping the server's message.
pub fn pg_error(e: tokio_postgres::Error) -> ExecError {
    let message = match e.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => e.source().map_or_else(|| e.to_string(), |s| format!("{e}: {s}")),
    };
    let kind = match e.code() {
        Some(code) => ExecErrorKind::from_sqlstate(code.code()),
        None if e.is_closed() || e.as_db_error().is_none() => ExecErrorKind::Transient,
        None => ExecErrorKind::Other,
    };
    ExecError::new(kind, message)
}

#[cfg(test)]
mod tests {
    use super::numeric_text;

    fn numeric(ndigits: i16, weight: i16, sign: u16, dscale: i16, digits: &[i16]) -> Vec<u8> {
        let mut out = Vec::new();
        for w in [ndigits, weight, sign as i16, dscale].iter().chain(digits) {
            out.extend_from_slice(&w.to_be_bytes());
        }
        out
    }

    #[test]
    fn numeric_binary_to_text() {
        assert_eq!(numeric_text(&numeric(2, 1, 0, 0, &[12, 3456])).unwrap(), "123456");
        assert_eq!(numeric_text(&numeric(2, 0, 0x4000, 2, &[7, 5000])).unwrap(), "-7.50");
        assert_eq!(numeric_text(&numeric(0, 0, 0, 0, &[])).unwrap(), "0");
        assert_eq!(numeric_text(&numeric(1, -1, 0, 4, &[25])).unwrap(), "0.0025");
    }
}
