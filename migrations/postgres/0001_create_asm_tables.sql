-- ASM v0.8 schema for PostgreSQL: the catalog ecto_sql 3.13 produces from
-- AgentSessionManager.Adapters.EctoSessionStore.Migration.up/0 (docs/asm-v0.8/sql.md §1), so an Elixir
-- application and this project can share one database. The down migration is in
-- ../postgres-down/. No foreign keys, checks or triggers: cascades are done by the store.
-- Timestamps are `timestamp` (µs precision) holding the UTC wall-clock value.

CREATE TABLE IF NOT EXISTS asm_sessions (
  id varchar(255) NOT NULL,
  agent_id varchar(255) NOT NULL,
  status varchar(255) NOT NULL,
  parent_session_id varchar(255),
  metadata jsonb DEFAULT '{}',
  context jsonb DEFAULT '{}',
  tags varchar(255)[] DEFAULT ARRAY[]::varchar[],
  created_at timestamp without time zone NOT NULL,
  updated_at timestamp without time zone NOT NULL,
  deleted_at timestamp without time zone,
  CONSTRAINT asm_sessions_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS asm_sessions_status_index ON asm_sessions (status);
CREATE INDEX IF NOT EXISTS asm_sessions_agent_id_index ON asm_sessions (agent_id);
CREATE INDEX IF NOT EXISTS asm_sessions_created_at_index ON asm_sessions (created_at);
CREATE INDEX IF NOT EXISTS asm_sessions_deleted_at_index ON asm_sessions (deleted_at);

CREATE TABLE IF NOT EXISTS asm_runs (
  id varchar(255) NOT NULL,
  session_id varchar(255) NOT NULL,
  status varchar(255) NOT NULL,
  input jsonb,
  output jsonb,
  error jsonb,
  metadata jsonb DEFAULT '{}',
  turn_count integer DEFAULT 0,
  token_usage jsonb DEFAULT '{}',
  started_at timestamp without time zone NOT NULL,
  ended_at timestamp without time zone,
  provider varchar(255),
  provider_metadata jsonb DEFAULT '{}' NOT NULL,
  cost_usd double precision,
  CONSTRAINT asm_runs_pkey PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS asm_runs_session_id_status_index ON asm_runs (session_id, status);
CREATE INDEX IF NOT EXISTS asm_runs_provider_index ON asm_runs (provider);
CREATE INDEX IF NOT EXISTS asm_runs_started_at_index ON asm_runs (started_at);

CREATE TABLE IF NOT EXISTS asm_events (
  id varchar(255) NOT NULL,
  type varchar(255) NOT NULL,
  "timestamp" timestamp without time zone NOT NULL,
  session_id varchar(255) NOT NULL,
  run_id varchar(255),
  sequence_number integer NOT NULL,
  data jsonb DEFAULT '{}',
  metadata jsonb DEFAULT '{}',
  schema_version integer DEFAULT 1 NOT NULL,
  provider varchar(255),
  correlation_id varchar(255),
  CONSTRAINT asm_events_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX IF NOT EXISTS asm_events_session_id_sequence_number_index ON asm_events (session_id, sequence_number);
CREATE INDEX IF NOT EXISTS asm_events_session_id_type_index ON asm_events (session_id, type);
CREATE INDEX IF NOT EXISTS asm_events_session_id_run_id_index ON asm_events (session_id, run_id);
CREATE INDEX IF NOT EXISTS asm_events_correlation_id_index ON asm_events (correlation_id);
CREATE INDEX IF NOT EXISTS asm_events_provider_index ON asm_events (provider);
CREATE INDEX IF NOT EXISTS asm_events_timestamp_index ON asm_events ("timestamp");

CREATE TABLE IF NOT EXISTS asm_session_sequences (
  session_id varchar(255) NOT NULL,
  last_sequence integer DEFAULT 0 NOT NULL,
  updated_at timestamp without time zone,
  CONSTRAINT asm_session_sequences_pkey PRIMARY KEY (session_id)
);

CREATE TABLE IF NOT EXISTS asm_artifacts (
  id varchar(255) NOT NULL,
  session_id varchar(255),
  run_id varchar(255),
  key varchar(255) NOT NULL,
  content_type varchar(255),
  byte_size bigint NOT NULL,
  checksum_sha256 varchar(255) NOT NULL,
  storage_backend varchar(255) NOT NULL,
  storage_ref varchar(255) NOT NULL,
  metadata jsonb DEFAULT '{}' NOT NULL,
  created_at timestamp without time zone NOT NULL,
  deleted_at timestamp without time zone,
  CONSTRAINT asm_artifacts_pkey PRIMARY KEY (id)
);
CREATE UNIQUE INDEX IF NOT EXISTS asm_artifacts_key_index ON asm_artifacts (key);
CREATE INDEX IF NOT EXISTS asm_artifacts_session_id_index ON asm_artifacts (session_id);
CREATE INDEX IF NOT EXISTS asm_artifacts_created_at_index ON asm_artifacts (created_at);
