-- Removes the optional search indexes of migrations/optional/postgres/ again.
DROP INDEX CONCURRENTLY IF EXISTS asm_sessions_live_created_at_id_index;
DROP INDEX CONCURRENTLY IF EXISTS asm_sessions_live_updated_at_id_index;
