//! The statements of the QueryAPI (docs/asm-v0.8/sql.md §5): filters, keyset predicates, orders.

use super::{Where, limit};
use crate::cursor::{Cursor, SortValue};
use crate::ports::{
    CostQuery, EventOrder, EventSearch, RunOrder, RunSearch, SessionOrder, SessionSearch,
    UsageQuery,
};
use crate::scope::Scope;
use crate::sql::dialect::{Builder, Dialect, SqlType};
use crate::sql::encode;
use crate::sql::executor::{Statement, Value};
use crate::sql::schema::{self, pg_ts};
use crate::time::Timestamp;

/// A sort column with its direction; ties always break on `id` in the same direction.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Order {
    /// The sort expression.
    pub column: &'static str,
    /// Ascending (else descending).
    pub ascending: bool,
}

impl Order {
    /// Writes ` ORDER BY <column> <dir>, id <dir>`.
    pub(crate) fn write(self, b: &mut Builder) {
        b.sql(" ORDER BY ").sql(self.column);
        b.sql(if self.ascending { " ASC, id ASC" } else { " DESC, id DESC" });
    }
}

/// Keeps only rows strictly after the cursor: the row value `(col, id) > (v, id)`, mirrored for
/// descending orders. Equal to ASM's `col > v OR (col = v AND id > id)` (NULLs drop out of
/// both), but both SQLite and PostgreSQL turn a row value into one range seek on an index over
/// `(col, id)`, so a deep page costs what the first one does (docs/compatibility.md §5.9).
pub(crate) fn keyset(w: &mut Where<'_>, order: Order, cursor: Option<&Cursor>) {
    let Some(cursor) = cursor else { return };
    let (value, ty) = match cursor.value {
        SortValue::Time(t) => (Value::Text(t.to_sql_text()), SqlType::Timestamp),
        SortValue::Int(n) => (Value::Integer(n), SqlType::Int),
    };
    let op = if order.ascending { ") > (" } else { ") < (" };
    let b = w.and();
    b.sql("(").sql(order.column).sql(", id").sql(op).bind(value, ty);
    b.sql(", ").bind(Value::Text(cursor.id.clone()), SqlType::Text).sql(")");
}

/// The sort column of a session order.
pub(crate) fn session_order(order: SessionOrder) -> Order {
    match order {
        SessionOrder::CreatedAtAsc => Order { column: "created_at", ascending: true },
        SessionOrder::CreatedAtDesc => Order { column: "created_at", ascending: false },
        SessionOrder::UpdatedAtDesc => Order { column: "updated_at", ascending: false },
    }
}

fn session_filters(w: &mut Where<'_>, scope: &Scope, q: &SessionSearch) {
    w.scope_agent(scope);
    w.text("agent_id = ", q.agent_id.as_ref());
    w.text_one_of("status IN ", q.status.as_deref().map(|l| l.iter().map(|s| s.as_str())));
    if !q.provider.is_empty() {
        let b = w.and();
        b.sql("id IN (SELECT session_id FROM asm_runs WHERE provider IN ");
        encode::bind_text_list(b, q.provider.iter().map(String::as_str));
        b.sql(")");
    }
    if !q.tags.is_empty() {
        has_all_tags(w.and(), &q.tags);
    }
    w.ts("created_at >= ", q.created_after);
    w.ts("created_at <= ", q.created_before);
    if !q.include_deleted {
        w.and().sql("deleted_at IS NULL");
    }
}

/// Sessions carrying every tag of `tags` (exact match), in SQL, so that a tag filter pages and
/// counts like any other filter instead of reading every session's tags.
fn has_all_tags(b: &mut Builder, tags: &[String]) {
    let required = serde_json::Value::from(tags.to_vec()).to_string();
    if b.dialect().is_sqlite() {
        b.sql("NOT EXISTS (SELECT 1 FROM json_each(");
        b.bind(Value::Text(required), SqlType::Json);
        b.sql(") r WHERE r.value NOT IN (SELECT value FROM json_each(asm_sessions.tags)))");
    } else {
        b.sql("tags @> ");
        b.bind(Value::Text(required), SqlType::TextArray);
    }
}

/// The number of sessions matching the filters (no cursor, no limit): ASM's exact
/// `total_count`. `COUNT(*)` (the id is the non-null primary key, so the same number) lets
/// both databases count over the narrowest index that serves the filters without reading
/// rows (docs/compatibility.md "total_count at scale").
pub(crate) fn count_sessions(dialect: Dialect, scope: &Scope, q: &SessionSearch) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT COUNT(*) FROM asm_sessions");
    session_filters(&mut Where::new(&mut b), scope, q);
    b.build()
}

/// The sessions after the cursor in order, at most `page` of them.
pub(crate) fn session_page(
    dialect: Dialect,
    scope: &Scope,
    q: &SessionSearch,
    cursor: Option<&Cursor>,
    page: Option<u64>,
) -> Statement {
    let order = session_order(q.order_by);
    let mut b = Builder::read(dialect);
    b.sql("SELECT ").sql(schema::session_select(dialect)).sql(" FROM asm_sessions");
    let mut w = Where::new(&mut b);
    session_filters(&mut w, scope, q);
    keyset(&mut w, order, cursor);
    order.write(&mut b);
    limit(&mut b, page);
    b.build()
}

/// The sort expression of a run order.
pub(crate) fn run_order(dialect: Dialect, order: RunOrder) -> Order {
    match order {
        RunOrder::StartedAtDesc => Order { column: "started_at", ascending: false },
        RunOrder::StartedAtAsc => Order { column: "started_at", ascending: true },
        RunOrder::TokenUsageDesc => {
            Order { column: schema::total_tokens_expr(dialect), ascending: false }
        }
    }
}

/// One page of runs.
pub(crate) fn run_page(
    dialect: Dialect,
    scope: &Scope,
    q: &RunSearch,
    cursor: Option<&Cursor>,
    page: u64,
) -> Statement {
    let order = run_order(dialect, q.order_by);
    let mut b = Builder::read(dialect);
    b.sql("SELECT ").sql(schema::run_select(dialect)).sql(" FROM asm_runs");
    let mut w = Where::new(&mut b);
    w.text("session_id = ", q.session_id.as_ref());
    w.scope_session(scope, "session_id");
    w.text("provider = ", q.provider.as_ref());
    w.text_one_of("status IN ", q.status.as_deref().map(|l| l.iter().map(|s| s.as_str())));
    w.ts("started_at >= ", q.started_after);
    w.ts("started_at <= ", q.started_before);
    if let Some(n) = q.min_tokens {
        w.and()
            .sql(schema::total_tokens_expr(dialect))
            .sql(" >= ")
            .bind(Value::Integer(n), SqlType::Int);
    }
    keyset(&mut w, order, cursor);
    order.write(&mut b);
    limit(&mut b, Some(page));
    b.build()
}

/// The sort column of an event order.
pub(crate) fn event_order(order: EventOrder) -> Order {
    match order {
        EventOrder::SequenceAsc => Order { column: "sequence_number", ascending: true },
        EventOrder::TimestampAsc => Order { column: "\"timestamp\"", ascending: true },
        EventOrder::TimestampDesc => Order { column: "\"timestamp\"", ascending: false },
    }
}

fn event_filters(w: &mut Where<'_>, scope: &Scope, q: &EventSearch) {
    w.scope_session(scope, "session_id");
    w.text_in("session_id IN ", q.session_ids.iter().map(String::as_str));
    w.text_in("run_id IN ", q.run_ids.iter().map(String::as_str));
    w.text_one_of("type IN ", q.types.as_deref().map(|l| l.iter().map(|t| t.as_str())));
    w.text_in("provider IN ", q.providers.iter().map(String::as_str));
    w.ts("\"timestamp\" >= ", q.since);
    w.ts("\"timestamp\" <= ", q.until);
    w.text("correlation_id = ", q.correlation_id.as_ref());
}

/// One page of events.
pub(crate) fn event_page(
    dialect: Dialect,
    scope: &Scope,
    q: &EventSearch,
    cursor: Option<&Cursor>,
    page: u64,
) -> Statement {
    let order = event_order(q.order_by);
    let mut b = Builder::read(dialect);
    b.sql("SELECT ").sql(schema::event_select(dialect)).sql(" FROM asm_events");
    let mut w = Where::new(&mut b);
    event_filters(&mut w, scope, q);
    keyset(&mut w, order, cursor);
    order.write(&mut b);
    limit(&mut b, Some(page));
    b.build()
}

/// `SELECT COUNT(id)` of the events matching the filters.
pub(crate) fn count_events(dialect: Dialect, scope: &Scope, q: &EventSearch) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT COUNT(id) FROM asm_events");
    event_filters(&mut Where::new(&mut b), scope, q);
    b.build()
}

/// The filters the usage and cost summaries share.
fn summary_filters(
    w: &mut Where<'_>,
    scope: &Scope,
    session_id: Option<&String>,
    provider: Option<&String>,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
) {
    w.text("session_id = ", session_id);
    w.scope_session(scope, "session_id");
    w.text("provider = ", provider);
    w.ts("started_at >= ", since);
    w.ts("started_at <= ", until);
}

/// Rows of runs a summary reads per statement: the summaries fold pages of this many rows, so
/// memory and each read stay bounded whatever the number of runs.
pub(crate) const SUMMARY_CHUNK: u64 = 500;

/// The order summaries read runs in (and the keyset their pages follow).
const SUMMARY_ORDER: Order = Order { column: "started_at", ascending: true };

/// One summary page of runs: `select`, the filters `filter` writes, after `after`, in
/// summary order, at most [`SUMMARY_CHUNK`] rows.
fn runs_page(
    dialect: Dialect,
    select: &str,
    after: Option<&Cursor>,
    filter: impl FnOnce(&mut Where<'_>),
) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql(select).sql(" FROM asm_runs");
    let mut w = Where::new(&mut b);
    filter(&mut w);
    keyset(&mut w, SUMMARY_ORDER, after);
    SUMMARY_ORDER.write(&mut b);
    limit(&mut b, Some(SUMMARY_CHUNK));
    b.build()
}

/// `provider, token_usage, <started_at>, id` of the runs a usage summary covers, one page after
/// `after`.
pub(crate) fn usage_runs(
    dialect: Dialect,
    scope: &Scope,
    q: &UsageQuery,
    after: Option<&Cursor>,
) -> Statement {
    let select = if dialect.is_sqlite() {
        "SELECT provider, token_usage, started_at, id"
    } else {
        concat!("SELECT provider, token_usage::text, ", pg_ts!("started_at"), ", id")
    };
    runs_page(dialect, select, after, |w| {
        let (session_id, provider) = (q.session_id.as_ref(), q.provider.as_ref());
        summary_filters(w, scope, session_id, provider, q.since, q.until);
    })
}

/// `provider, token_usage, provider_metadata, cost_usd, <started_at>, id` of the runs a cost
/// summary covers, one page after `after`.
pub(crate) fn cost_runs(
    dialect: Dialect,
    scope: &Scope,
    q: &CostQuery,
    after: Option<&Cursor>,
) -> Statement {
    let select = if dialect.is_sqlite() {
        "SELECT provider, token_usage, provider_metadata, cost_usd, started_at, id"
    } else {
        concat!(
            "SELECT provider, token_usage::text, provider_metadata::text, cost_usd, ",
            pg_ts!("started_at"),
            ", id"
        )
    };
    runs_page(dialect, select, after, |w| {
        summary_filters(w, scope, q.session_id.as_ref(), q.provider.as_ref(), q.since, q.until);
        if let Some(agent_id) = &q.agent_id {
            w.and()
                .sql("session_id IN (SELECT id FROM asm_sessions WHERE agent_id = ")
                .bind(Value::Text(agent_id.clone()), SqlType::Text)
                .sql(")");
        }
    })
}

/// `status, provider, token_usage, <started_at>, id` of one session's runs, one page after
/// `after` (what its stats fold).
pub(crate) fn run_stats(
    dialect: Dialect,
    scope: &Scope,
    session_id: &str,
    after: Option<&Cursor>,
) -> Statement {
    let select = if dialect.is_sqlite() {
        "SELECT status, provider, token_usage, started_at, id"
    } else {
        concat!("SELECT status, provider, token_usage::text, ", pg_ts!("started_at"), ", id")
    };
    runs_page(dialect, select, after, |w| {
        w.text("session_id = ", Some(&session_id.to_owned()));
        w.scope_session(scope, "session_id");
    })
}

/// Event count and first/last timestamps of one session.
pub(crate) fn event_stats(dialect: Dialect, scope: &Scope, session_id: &str) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql(if dialect.is_sqlite() {
        "SELECT COUNT(id), MIN(\"timestamp\"), MAX(\"timestamp\")"
    } else {
        concat!(
            "SELECT COUNT(id), ",
            pg_ts!("MIN(\"timestamp\")"),
            ", ",
            pg_ts!("MAX(\"timestamp\")")
        )
    });
    b.sql(" FROM asm_events");
    of_session(&mut b, scope, session_id);
    b.build()
}

/// `WHERE session_id = <id>`, kept to the scope.
pub(crate) fn of_session<'b>(b: &'b mut Builder, scope: &Scope, session_id: &str) -> Where<'b> {
    let mut w = Where::new(b);
    w.text("session_id = ", Some(&session_id.to_owned()));
    w.scope_session(scope, "session_id");
    w
}

/// The session row itself (`id, …` via `select`), kept to the scope.
pub(crate) fn session_row(dialect: Dialect, scope: &Scope, select: &str, id: &str) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT ").sql(select).sql(" FROM asm_sessions");
    let mut w = Where::new(&mut b);
    w.text("id = ", Some(&id.to_owned()));
    w.scope_agent(scope);
    b.build()
}

/// All rows of `table` (via its select list) of one session, kept to the scope, in `order_by`.
pub(crate) fn rows_of_session(
    dialect: Dialect,
    scope: &Scope,
    select: &str,
    table: &str,
    session_id: &str,
    order_by: &str,
) -> Statement {
    let mut b = Builder::read(dialect);
    b.sql("SELECT ").sql(select).sql(" FROM ").sql(table);
    of_session(&mut b, scope, session_id);
    b.sql(order_by);
    b.build()
}
