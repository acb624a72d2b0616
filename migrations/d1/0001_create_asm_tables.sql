-- ASM v0.8 schema for D1 / SQLite: the catalog ecto_sqlite3 0.22 produces from
-- AgentSessionManager.Adapters.EctoSessionStore.Migration.up/0 (docs/asm-v0.8/sql.md §1).
-- This folder is wrangler's `migrations_dir`; the down migration is in ../d1-down/.
-- No foreign keys, checks or triggers: cascades are done by the store.

CREATE TABLE IF NOT EXISTS "asm_sessions" (
  "id" TEXT PRIMARY KEY,
  "agent_id" TEXT NOT NULL,
  "status" TEXT NOT NULL,
  "parent_session_id" TEXT,
  "metadata" TEXT DEFAULT ('{}'),
  "context" TEXT DEFAULT ('{}'),
  "tags" TEXT DEFAULT ('[]'),
  "created_at" TEXT NOT NULL,
  "updated_at" TEXT NOT NULL,
  "deleted_at" TEXT
);
CREATE INDEX IF NOT EXISTS "asm_sessions_status_index" ON "asm_sessions" ("status");
CREATE INDEX IF NOT EXISTS "asm_sessions_agent_id_index" ON "asm_sessions" ("agent_id");
CREATE INDEX IF NOT EXISTS "asm_sessions_created_at_index" ON "asm_sessions" ("created_at");
CREATE INDEX IF NOT EXISTS "asm_sessions_deleted_at_index" ON "asm_sessions" ("deleted_at");

CREATE TABLE IF NOT EXISTS "asm_runs" (
  "id" TEXT PRIMARY KEY,
  "session_id" TEXT NOT NULL,
  "status" TEXT NOT NULL,
  "input" TEXT,
  "output" TEXT,
  "error" TEXT,
  "metadata" TEXT DEFAULT ('{}'),
  "turn_count" INTEGER DEFAULT 0,
  "token_usage" TEXT DEFAULT ('{}'),
  "started_at" TEXT NOT NULL,
  "ended_at" TEXT,
  "provider" TEXT,
  "provider_metadata" TEXT DEFAULT ('{}') NOT NULL,
  "cost_usd" NUMERIC
);
CREATE INDEX IF NOT EXISTS "asm_runs_session_id_status_index" ON "asm_runs" ("session_id", "status");
CREATE INDEX IF NOT EXISTS "asm_runs_provider_index" ON "asm_runs" ("provider");
CREATE INDEX IF NOT EXISTS "asm_runs_started_at_index" ON "asm_runs" ("started_at");

CREATE TABLE IF NOT EXISTS "asm_events" (
  "id" TEXT PRIMARY KEY,
  "type" TEXT NOT NULL,
  "timestamp" TEXT NOT NULL,
  "session_id" TEXT NOT NULL,
  "run_id" TEXT,
  "sequence_number" INTEGER NOT NULL,
  "data" TEXT DEFAULT ('{}'),
  "metadata" TEXT DEFAULT ('{}'),
  "schema_version" INTEGER DEFAULT 1 NOT NULL,
  "provider" TEXT,
  "correlation_id" TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS "asm_events_session_id_sequence_number_index" ON "asm_events" ("session_id", "sequence_number");
CREATE INDEX IF NOT EXISTS "asm_events_session_id_type_index" ON "asm_events" ("session_id", "type");
CREATE INDEX IF NOT EXISTS "asm_events_session_id_run_id_index" ON "asm_events" ("session_id", "run_id");
CREATE INDEX IF NOT EXISTS "asm_events_correlation_id_index" ON "asm_events" ("correlation_id");
CREATE INDEX IF NOT EXISTS "asm_events_provider_index" ON "asm_events" ("provider");
CREATE INDEX IF NOT EXISTS "asm_events_timestamp_index" ON "asm_events" ("timestamp");

CREATE TABLE IF NOT EXISTS "asm_session_sequences" (
  "session_id" TEXT PRIMARY KEY,
  "last_sequence" INTEGER DEFAULT 0 NOT NULL,
  "updated_at" TEXT
);

CREATE TABLE IF NOT EXISTS "asm_artifacts" (
  "id" TEXT PRIMARY KEY,
  "session_id" TEXT,
  "run_id" TEXT,
  "key" TEXT NOT NULL,
  "content_type" TEXT,
  "byte_size" INTEGER NOT NULL,
  "checksum_sha256" TEXT NOT NULL,
  "storage_backend" TEXT NOT NULL,
  "storage_ref" TEXT NOT NULL,
  "metadata" TEXT DEFAULT ('{}') NOT NULL,
  "created_at" TEXT NOT NULL,
  "deleted_at" TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS "asm_artifacts_key_index" ON "asm_artifacts" ("key");
CREATE INDEX IF NOT EXISTS "asm_artifacts_session_id_index" ON "asm_artifacts" ("session_id");
CREATE INDEX IF NOT EXISTS "asm_artifacts_created_at_index" ON "asm_artifacts" ("created_at");
