//! The tokio-postgres glue of the native executor: core values bound through `ToSql`, cells
//! read through `FromSql`, and the driver's errors as executor errors.

use std::error::Error as _;

use asm_core::sql::{ExecError, ExecErrorKind, ResultSet, Value};

use crate::binary;
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

/// A PostgreSQL cell read as a core value ([`crate::binary::cell`], or the text of a text-like
/// type). Callers running their own `SELECT` on the `asm_*` tables read cells with it and decode
/// the rows with `asm_core::sql::Row`.
pub struct PgCell(pub Value);

impl<'a> FromSql<'a> for PgCell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<PgCell, BoxError> {
        if binary::reads(ty.oid()) {
            return Ok(PgCell(binary::cell(ty.oid(), raw)?));
        }
        Ok(PgCell(Value::Text(<&str as FromSql>::from_sql(ty, raw)?.to_owned())))
    }

    fn from_sql_null(_: &Type) -> Result<PgCell, BoxError> {
        Ok(PgCell(Value::Null))
    }

    fn accepts(ty: &Type) -> bool {
        binary::reads(ty.oid()) || <&str as FromSql>::accepts(ty)
    }
}

/// The parameters of a statement, bound as [`PgParam`]s (pass [`as_sql`] of them to a query).
pub fn params(values: &[Value]) -> Vec<PgParam<'_>> {
    values.iter().map(PgParam).collect()
}

/// The references tokio-postgres' `query` and `execute` take.
pub fn as_sql<'a>(params: &'a [PgParam<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
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
