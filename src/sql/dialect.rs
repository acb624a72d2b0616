//! Dialects and the statement builder: the only place that writes placeholders.

use super::executor::{Access, Statement, Value};

/// The SQL a store writes: SQLite syntax (native or D1) or PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// SQLite ≥ 3.35 through a native driver: 32 766 bound values per statement.
    Sqlite,
    /// Cloudflare D1: SQLite syntax, at most 100 bound values per statement, no interactive
    /// transactions (only atomic batches).
    D1,
    /// PostgreSQL: 65 535 bound values per statement.
    Postgres,
}

impl Dialect {
    /// The dialect's name as hosts spell it in configuration: `sqlite`, `d1` or `postgres`.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::D1 => "d1",
            Dialect::Postgres => "postgres",
        }
    }

    /// The dialect [`Dialect::name`] names.
    pub fn from_name(name: &str) -> Option<Dialect> {
        [Dialect::Sqlite, Dialect::D1, Dialect::Postgres].into_iter().find(|d| d.name() == name)
    }

    /// Most bound values one statement may carry.
    pub fn max_params(self) -> usize {
        match self {
            Dialect::Sqlite => 32_766,
            Dialect::D1 => 100,
            Dialect::Postgres => 65_535,
        }
    }

    /// Whether the SQL is SQLite's (native or D1).
    pub fn is_sqlite(self) -> bool {
        !matches!(self, Dialect::Postgres)
    }
}

/// The column type a bound value is meant for. SQLite ignores it (everything is stored as the
/// text the core encoded); PostgreSQL casts the bound text or number to it in SQL, so drivers
/// only ever bind text, 64-bit integers and doubles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    /// `varchar(255)` / `TEXT`.
    Text,
    /// `integer` / `bigint` / `INTEGER`.
    Int,
    /// `float8` / `NUMERIC`.
    Real,
    /// `jsonb` / JSON `TEXT`.
    Json,
    /// `timestamp` / fixed-width ISO `TEXT`.
    Timestamp,
    /// `varchar(255)[]` / JSON array `TEXT` (bound as JSON array text).
    TextArray,
}

/// Builds one statement: SQL fragments plus bound values, numbering placeholders itself.
#[derive(Debug)]
pub struct Builder {
    dialect: Dialect,
    access: Access,
    sql: String,
    params: Vec<Value>,
}

impl Builder {
    /// An empty statement for `dialect` that only reads.
    pub fn read(dialect: Dialect) -> Builder {
        Builder { dialect, access: Access::Read, sql: String::new(), params: Vec::new() }
    }

    /// An empty statement for `dialect` that changes rows (it may also return some).
    pub fn write(dialect: Dialect) -> Builder {
        Builder { dialect, access: Access::Write, sql: String::new(), params: Vec::new() }
    }

    /// The dialect being written.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// How many values are bound so far.
    pub fn param_count(&self) -> usize {
        self.params.len()
    }

    /// Appends SQL text. Only the core's own fixed fragments go here, never a value.
    pub fn sql(&mut self, fragment: &str) -> &mut Builder {
        self.sql.push_str(fragment);
        self
    }

    /// Binds a value and writes its placeholder (with PostgreSQL's cast to `ty`).
    pub fn bind(&mut self, value: Value, ty: SqlType) -> &mut Builder {
        self.params.push(value);
        let n = self.params.len();
        self.write_placeholder(n, ty);
        self
    }

    /// Writes the placeholder of an already bound value again (e.g. a session id used twice).
    pub fn rebind(&mut self, index: usize, ty: SqlType) -> &mut Builder {
        self.write_placeholder(index, ty);
        self
    }

    /// Binds a list as `(?, ?, …)` for `IN`; the caller keeps lists under the parameter limit.
    pub fn bind_list(
        &mut self,
        values: impl IntoIterator<Item = Value>,
        ty: SqlType,
    ) -> &mut Builder {
        self.sql.push('(');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.bind(v, ty);
        }
        self.sql.push(')');
        self
    }

    /// Binds a set of texts as ONE JSON-array value and writes a subquery over it, for
    /// `x IN <set>`: a filter list costs one bound value whatever its length (D1 allows 100).
    pub fn bind_text_set<'a>(&mut self, items: impl IntoIterator<Item = &'a str>) -> &mut Builder {
        let array =
            serde_json::Value::Array(items.into_iter().map(serde_json::Value::from).collect());
        self.sql(if self.dialect.is_sqlite() {
            "(SELECT value FROM json_each("
        } else {
            "(SELECT jsonb_array_elements_text("
        });
        self.bind(Value::Text(array.to_string()), SqlType::Json);
        self.sql("))")
    }

    fn write_placeholder(&mut self, n: usize, ty: SqlType) {
        use std::fmt::Write;
        match self.dialect {
            Dialect::Sqlite | Dialect::D1 => {
                let _ = write!(self.sql, "?{n}");
            }
            Dialect::Postgres => {
                let cast = match ty {
                    SqlType::Text => "::text",
                    SqlType::Int => "::int8",
                    SqlType::Real => "::float8",
                    SqlType::Json => "::text::jsonb",
                    SqlType::Timestamp => "::text::timestamp",
                    SqlType::TextArray => "::text::jsonb",
                };
                if ty == SqlType::TextArray {
                    let _ = write!(
                        self.sql,
                        "ARRAY(SELECT jsonb_array_elements_text(${n}{cast}))::varchar(255)[]"
                    );
                } else {
                    let _ = write!(self.sql, "${n}{cast}");
                }
            }
        }
    }

    /// The finished statement.
    pub fn build(self) -> Statement {
        debug_assert!(
            keyword_matches(&self.sql, self.access),
            "a {:?} statement that begins otherwise: {}",
            self.access,
            self.sql
        );
        Statement { sql: self.sql, params: self.params, access: self.access }
    }
}

/// Whether the statement's first keyword agrees with its declared access: a check on the code
/// that chose the access (debug builds and tests), never the rule executors follow.
fn keyword_matches(sql: &str, access: Access) -> bool {
    let first = sql.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
    match access {
        Access::Read => matches!(first.as_str(), "SELECT" | "WITH"),
        // `WITH` for a data-modifying CTE (PostgreSQL's insert that bumps the counter itself).
        Access::Write => matches!(first.as_str(), "INSERT" | "UPDATE" | "DELETE" | "WITH"),
    }
}

/// How many items of `per_item` bound values fit in one statement that also binds `fixed`.
pub fn chunk_size(dialect: Dialect, fixed: usize, per_item: usize) -> usize {
    (dialect.max_params().saturating_sub(fixed) / per_item.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "a Read statement that begins otherwise")]
    fn a_write_marked_as_a_read_is_caught() {
        let mut b = Builder::read(Dialect::Sqlite);
        b.sql("DELETE FROM asm_events");
        b.build();
    }

    #[test]
    fn placeholders_follow_the_dialect() {
        let mut b = Builder::read(Dialect::Sqlite);
        b.sql("SELECT ").bind(Value::Integer(1), SqlType::Int).sql(", ").rebind(1, SqlType::Int);
        assert_eq!(b.build().sql, "SELECT ?1, ?1");
        let mut b = Builder::read(Dialect::Postgres);
        b.sql("SELECT 1 WHERE x IN ")
            .bind_list([Value::Text("a".into()), Value::Text("b".into())], SqlType::Text);
        b.sql(" AND ts > ")
            .bind(Value::Text("2025-01-01T00:00:00.000000".into()), SqlType::Timestamp);
        assert_eq!(
            b.build().sql,
            "SELECT 1 WHERE x IN ($1::text, $2::text) AND ts > $3::text::timestamp"
        );
        assert_eq!(chunk_size(Dialect::D1, 1, 11), 9);
        let mut b = Builder::read(Dialect::D1);
        b.sql("SELECT 1 WHERE id IN ").bind_text_set(["a", "b\"c"]);
        let st = b.build();
        assert_eq!(st.sql, "SELECT 1 WHERE id IN (SELECT value FROM json_each(?1))");
        assert_eq!(st.params, vec![Value::Text(r#"["a","b\"c"]"#.into())]);
        let mut b = Builder::write(Dialect::Postgres);
        b.sql("DELETE FROM t WHERE id IN ").bind_text_set(["a"]);
        assert_eq!(
            b.build().sql,
            "DELETE FROM t WHERE id IN (SELECT jsonb_array_elements_text($1::text::jsonb))"
        );
    }
}
