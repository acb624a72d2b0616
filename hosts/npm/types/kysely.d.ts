// Kysely table interfaces of the asm_* tables (`new Kysely<SqliteDatabase>(…)`), one definition
// per table, parameterised by how each dialect's driver hands values back, so that the SQLite/D1
// and PostgreSQL interfaces cannot disagree on tables, columns or nullability. Read-only by
// contract: writes go through the store, which keeps the per-session counter, the event-id dedup
// and the artifact rows consistent. The npm suite's typed-access drift test type-checks these
// interfaces against a migrated database of each dialect.

import type { ColumnType, Generated } from 'kysely';
import type { EventType, JsonObject, JsonValue, RunStatus, SessionStatus } from './index.js';

/** What a dialect's driver answers for each kind of column the store writes. */
export interface Encoding {
  /** A timestamp column (UTC). */
  timestamp: unknown;
  /** A JSON object column (metadata, context, data, token usage, …). */
  jsonObject: unknown;
  /** A JSON value column (run input, output, error). */
  json: unknown;
  /** `asm_sessions.tags`. */
  tags: unknown;
  /** `asm_artifacts.byte_size`. */
  bigint: unknown;
}

/**
 * SQLite and D1 (better-sqlite3, Kysely's SqliteDialect, kysely-d1): timestamps are text
 * `2025-01-27T12:00:00.123456` (UTC, no offset), JSON and tags are JSON text (`JSON.parse` them).
 */
export interface SqliteEncoding {
  timestamp: string;
  jsonObject: string;
  json: string;
  tags: string;
  bigint: number;
}

/**
 * PostgreSQL through node-postgres (Kysely's PostgresDialect): `timestamp without time zone`
 * comes back as a Date (node-postgres reads it in the process's time zone: run with TZ=UTC or
 * give the pool a type parser for OID 1114, as the README shows), jsonb parsed, tags as an array,
 * bigint as decimal text.
 */
export interface PostgresEncoding {
  timestamp: ColumnType<Date, Date | string, Date | string>;
  jsonObject: ColumnType<JsonObject, JsonObject | string, JsonObject | string>;
  json: ColumnType<JsonValue, JsonValue | string, JsonValue | string>;
  tags: string[];
  bigint: ColumnType<string, number | bigint | string, number | bigint | string>;
}

/** Either dialect: what code that runs on both must be ready to read. */
export interface AnyEncoding {
  timestamp: ColumnType<string | Date, string | Date, string | Date>;
  jsonObject: ColumnType<string | JsonObject, string | JsonObject, string | JsonObject>;
  json: ColumnType<string | JsonValue, string | JsonValue, string | JsonValue>;
  tags: string | string[];
  bigint: ColumnType<number | string, number | bigint | string, number | bigint | string>;
}

type SelectOf<C> = C extends ColumnType<infer S, any, any> ? S : C;
type InsertOf<C> = C extends ColumnType<any, infer I, any> ? I : C;
type UpdateOf<C> = C extends ColumnType<any, any, infer U> ? U : C;

/** A column that may be NULL, for plain and ColumnType columns alike. */
export type Nullable<C> = C extends ColumnType<any, any, any>
  ? ColumnType<SelectOf<C> | null, InsertOf<C> | null, UpdateOf<C> | null>
  : C | null;

/** A column with a database default (Kysely's `Generated`), for plain and ColumnType columns. */
export type Defaulted<C> = C extends ColumnType<any, any, any>
  ? ColumnType<SelectOf<C>, InsertOf<C> | undefined, UpdateOf<C>>
  : Generated<C>;

/** `asm_sessions`: one row per session; `deleted_at` marks a soft delete. */
export interface AsmSessionsTable<E extends Encoding = SqliteEncoding> {
  id: string;
  agent_id: string;
  status: SessionStatus;
  parent_session_id: string | null;
  metadata: Nullable<Defaulted<E['jsonObject']>>;
  context: Nullable<Defaulted<E['jsonObject']>>;
  tags: Nullable<Defaulted<E['tags']>>;
  created_at: E['timestamp'];
  updated_at: E['timestamp'];
  deleted_at: Nullable<E['timestamp']>;
}

/** `asm_runs`: one row per run of a session, with its token usage and cost. */
export interface AsmRunsTable<E extends Encoding = SqliteEncoding> {
  id: string;
  session_id: string;
  status: RunStatus;
  input: Nullable<E['json']>;
  output: Nullable<E['json']>;
  error: Nullable<E['json']>;
  metadata: Nullable<Defaulted<E['jsonObject']>>;
  turn_count: Nullable<Generated<number>>;
  token_usage: Nullable<Defaulted<E['jsonObject']>>;
  started_at: E['timestamp'];
  ended_at: Nullable<E['timestamp']>;
  provider: string | null;
  provider_metadata: Defaulted<E['jsonObject']>;
  cost_usd: number | null;
}

/** `asm_events`: the append-only log; `sequence_number` is gap-free per session from 1. */
export interface AsmEventsTable<E extends Encoding = SqliteEncoding> {
  id: string;
  type: EventType;
  timestamp: E['timestamp'];
  session_id: string;
  run_id: string | null;
  sequence_number: number;
  data: Nullable<Defaulted<E['jsonObject']>>;
  metadata: Nullable<Defaulted<E['jsonObject']>>;
  schema_version: Generated<number>;
  provider: string | null;
  correlation_id: string | null;
}

/** `asm_session_sequences`: the per-session counter the store numbers events from. */
export interface AsmSessionSequencesTable<E extends Encoding = SqliteEncoding> {
  session_id: string;
  last_sequence: Generated<number>;
  updated_at: Nullable<E['timestamp']>;
}

/** `asm_artifacts`: metadata of stored artifacts (the bytes live in `storage_backend`). */
export interface AsmArtifactsTable<E extends Encoding = SqliteEncoding> {
  id: string;
  session_id: string | null;
  run_id: string | null;
  key: string;
  content_type: string | null;
  byte_size: E['bigint'];
  checksum_sha256: string;
  storage_backend: string;
  storage_ref: string;
  metadata: Defaulted<E['jsonObject']>;
  created_at: E['timestamp'];
  deleted_at: Nullable<E['timestamp']>;
}

/** The five tables under one encoding. */
export interface AsmTables<E extends Encoding> {
  asm_sessions: AsmSessionsTable<E>;
  asm_runs: AsmRunsTable<E>;
  asm_events: AsmEventsTable<E>;
  asm_session_sequences: AsmSessionSequencesTable<E>;
  asm_artifacts: AsmArtifactsTable<E>;
}

/** SQLite and D1: `new Kysely<SqliteDatabase>({ dialect: new SqliteDialect(…) })`. */
export interface SqliteDatabase extends AsmTables<SqliteEncoding> {}

/** PostgreSQL: `new Kysely<PostgresDatabase>({ dialect: new PostgresDialect(…) })`. */
export interface PostgresDatabase extends AsmTables<PostgresEncoding> {}

/** Either dialect: the columns' types are what SQLite/D1 or PostgreSQL may answer. */
export interface Database extends AsmTables<AnyEncoding> {}
