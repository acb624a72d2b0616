//! Rows read by hand, as a user's own query reads them: `SELECT *` through rusqlite or
//! tokio-postgres, every cell converted to the core's value, decoded with `asm_core::sql::Row`.

use asm_core::sql::{Dialect, FromRow, Row, Value};
use asm_postgres_types::PgCell;
use rusqlite::types::ValueRef;

/// One SQLite cell as the core's value.
pub fn sqlite_cell(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Integer(n),
        ValueRef::Real(x) => Value::Real(x),
        ValueRef::Text(t) | ValueRef::Blob(t) => Value::Text(String::from_utf8_lossy(t).into()),
    }
}

/// The rows of `sql` (one text parameter) on a rusqlite connection, by column name.
pub fn sqlite_rows(
    conn: &rusqlite::Connection,
    sql: &str,
    param: &str,
) -> Result<Vec<Row>, String> {
    let mut stmt = conn.prepare(sql).map_err(|e| format!("{sql}: {e}"))?;
    let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let mut rows = stmt.query([param]).map_err(|e| format!("{sql}: {e}"))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| format!("{sql}: {e}"))? {
        let values = (0..columns.len())
            .map(|i| row.get_ref(i).map(sqlite_cell))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        out.push(Row::new(&columns, values).map_err(|e| e.to_string())?);
    }
    Ok(out)
}

/// The rows of `sql` (one text parameter) on a tokio-postgres client, by column name, each
/// cell read with [`PgCell`] (jsonb, timestamp and varchar[] as the text the core decodes).
pub async fn pg_rows(
    client: &impl tokio_postgres::GenericClient,
    sql: &str,
    param: &str,
) -> Result<Vec<Row>, String> {
    let rows = client.query(sql, &[&param]).await.map_err(|e| format!("{sql}: {e}"))?;
    rows.iter()
        .map(|row| {
            let cells = row
                .columns()
                .iter()
                .enumerate()
                .map(|(i, c)| row.try_get::<_, PgCell>(i).map(|cell| (c.name().to_owned(), cell.0)))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{sql}: {e}"))?;
            Ok(Row::from_cells(cells))
        })
        .collect()
}

/// Every row decoded as `T` in `dialect`.
pub fn decode_all<T: FromRow>(rows: &[Row], dialect: Dialect) -> Result<Vec<T>, String> {
    rows.iter().map(|r| T::from_row(r, dialect).map_err(|e| e.to_string())).collect()
}
