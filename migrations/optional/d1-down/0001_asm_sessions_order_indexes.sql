-- Removes the optional search indexes of migrations/optional/d1/ again.
DROP INDEX IF EXISTS "asm_sessions_live_created_at_id_index";
DROP INDEX IF EXISTS "asm_sessions_live_updated_at_id_index";
