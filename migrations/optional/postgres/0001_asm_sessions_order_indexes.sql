-- Optional, not part of ASM's (Ecto's) schema: the indexes that make every page of
-- search_sessions an index range scan in its three orders (updated_at DESC, the default, and
-- created_at ASC / DESC, ties broken on id), so a page costs the same at 1 000 and at
-- 1 000 000 sessions (docs/performance.md "W4 at scale"). Without them every page sorts the
-- matching sessions. Partial (`WHERE deleted_at IS NULL`) because search_sessions reads live
-- sessions unless include_deleted, and PostgreSQL does not walk an index in order after an
-- `IS NULL` key column. Only new indexes: tables and columns stay exactly Ecto's, and the names
-- are not ones Ecto's migration uses, so they are safe on a database an Elixir deployment
-- shares (docs/compatibility.md "Optional indexes"). CONCURRENTLY builds them without blocking
-- the deployment's writes; it cannot run inside a transaction, so run each statement on its
-- own (`psql -f` does; asm-native's PostgresExecutor::apply_search_indexes sends them one at a time).
CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_sessions_live_updated_at_id_index ON asm_sessions (updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX CONCURRENTLY IF NOT EXISTS asm_sessions_live_created_at_id_index ON asm_sessions (created_at, id) WHERE deleted_at IS NULL;
