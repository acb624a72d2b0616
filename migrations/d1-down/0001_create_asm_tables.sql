-- Reverses ../d1/0001_create_asm_tables.sql (Migration.down/0): drops in reverse order; the
-- indexes go with their tables.
DROP TABLE IF EXISTS "asm_artifacts";
DROP TABLE IF EXISTS "asm_session_sequences";
DROP TABLE IF EXISTS "asm_events";
DROP TABLE IF EXISTS "asm_runs";
DROP TABLE IF EXISTS "asm_sessions";
