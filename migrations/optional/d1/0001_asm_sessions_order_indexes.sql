-- Optional, not part of ASM's (Ecto's) schema: the indexes that make every page of
-- search_sessions an index range scan in its three orders (updated_at DESC, the default, and
-- created_at ASC / DESC, ties broken on id), so a page costs the same at 1 000 and at
-- 1 000 000 sessions (docs/performance.md "W4 at scale"). Without them every page sorts the
-- matching sessions. `deleted_at` leads because search_sessions reads live sessions
-- (`deleted_at IS NULL`) unless include_deleted: SQLite then seeks the NULLs and walks them in
-- order (it does not pick a partial index over asm_sessions_deleted_at_index without
-- ANALYZE statistics). Only new indexes: tables and columns stay exactly Ecto's, and the names
-- are not ones Ecto's migration uses, so they are safe on a database an Elixir deployment
-- shares (docs/compatibility.md "Optional indexes"). Not in migrations/d1/: apply it yourself
-- (`wrangler d1 execute DB --file migrations/optional/d1/0001_asm_sessions_order_indexes.sql`).
CREATE INDEX IF NOT EXISTS "asm_sessions_live_updated_at_id_index" ON "asm_sessions" ("deleted_at", "updated_at", "id");
CREATE INDEX IF NOT EXISTS "asm_sessions_live_created_at_id_index" ON "asm_sessions" ("deleted_at", "created_at", "id");
