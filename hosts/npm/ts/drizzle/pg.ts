// Drizzle ORM definitions of the asm_* tables on PostgreSQL, column for column as
// migrations/postgres/0001_create_asm_tables.sql creates them (the catalog of ASM's Ecto
// migration), so Drizzle users can read what the store wrote with typed queries. Read-only by
// contract: the store keeps invariants (gap-free sequence numbers from asm_session_sequences,
// event-id dedup, artifact rows) that a raw INSERT breaks. The npm suite's typed-access drift test
// compares every table here with a migrated database.
//
// Encodings: timestamps are `timestamp without time zone` holding UTC; they are read in
// `mode: 'string'` (`2025-01-27 12:00:00.123456`) because a JavaScript Date would drop the
// microseconds. JSON is jsonb, tags are `varchar(255)[]`, `byte_size` is bigint (read as a
// number: sizes stay far below 2^53).

import { sql } from 'drizzle-orm';
import { bigint, doublePrecision, index, integer, jsonb, pgTable, timestamp, uniqueIndex, varchar } from 'drizzle-orm/pg-core';
import type { EventType, JsonObject, JsonValue, RunStatus, SessionStatus } from 'asm-edge';

/** `asm_sessions`: one row per session; `deleted_at` marks a soft delete. */
export const asmSessions = pgTable(
  'asm_sessions',
  {
    id: varchar('id', { length: 255 }).primaryKey(),
    agentId: varchar('agent_id', { length: 255 }).notNull(),
    status: varchar('status', { length: 255 }).$type<SessionStatus>().notNull(),
    parentSessionId: varchar('parent_session_id', { length: 255 }),
    metadata: jsonb('metadata').$type<JsonObject>().default({}),
    context: jsonb('context').$type<JsonObject>().default({}),
    tags: varchar('tags', { length: 255 }).array().default(sql`ARRAY[]::varchar[]`),
    createdAt: timestamp('created_at', { mode: 'string' }).notNull(),
    updatedAt: timestamp('updated_at', { mode: 'string' }).notNull(),
    deletedAt: timestamp('deleted_at', { mode: 'string' }),
  },
  (t) => [
    index('asm_sessions_status_index').on(t.status),
    index('asm_sessions_agent_id_index').on(t.agentId),
    index('asm_sessions_created_at_index').on(t.createdAt),
    index('asm_sessions_deleted_at_index').on(t.deletedAt),
  ],
);

/** `asm_runs`: one row per run of a session, with its token usage and cost. */
export const asmRuns = pgTable(
  'asm_runs',
  {
    id: varchar('id', { length: 255 }).primaryKey(),
    sessionId: varchar('session_id', { length: 255 }).notNull(),
    status: varchar('status', { length: 255 }).$type<RunStatus>().notNull(),
    input: jsonb('input').$type<JsonValue>(),
    output: jsonb('output').$type<JsonValue>(),
    error: jsonb('error').$type<JsonValue>(),
    metadata: jsonb('metadata').$type<JsonObject>().default({}),
    turnCount: integer('turn_count').default(0),
    tokenUsage: jsonb('token_usage').$type<JsonObject>().default({}),
    startedAt: timestamp('started_at', { mode: 'string' }).notNull(),
    endedAt: timestamp('ended_at', { mode: 'string' }),
    provider: varchar('provider', { length: 255 }),
    providerMetadata: jsonb('provider_metadata').$type<JsonObject>().notNull().default({}),
    costUsd: doublePrecision('cost_usd'),
  },
  (t) => [
    index('asm_runs_session_id_status_index').on(t.sessionId, t.status),
    index('asm_runs_provider_index').on(t.provider),
    index('asm_runs_started_at_index').on(t.startedAt),
  ],
);

/** `asm_events`: the append-only log; `sequence_number` is gap-free per session from 1. */
export const asmEvents = pgTable(
  'asm_events',
  {
    id: varchar('id', { length: 255 }).primaryKey(),
    type: varchar('type', { length: 255 }).$type<EventType>().notNull(),
    timestamp: timestamp('timestamp', { mode: 'string' }).notNull(),
    sessionId: varchar('session_id', { length: 255 }).notNull(),
    runId: varchar('run_id', { length: 255 }),
    sequenceNumber: integer('sequence_number').notNull(),
    data: jsonb('data').$type<JsonObject>().default({}),
    metadata: jsonb('metadata').$type<JsonObject>().default({}),
    schemaVersion: integer('schema_version').notNull().default(1),
    provider: varchar('provider', { length: 255 }),
    correlationId: varchar('correlation_id', { length: 255 }),
  },
  (t) => [
    uniqueIndex('asm_events_session_id_sequence_number_index').on(t.sessionId, t.sequenceNumber),
    index('asm_events_session_id_type_index').on(t.sessionId, t.type),
    index('asm_events_session_id_run_id_index').on(t.sessionId, t.runId),
    index('asm_events_correlation_id_index').on(t.correlationId),
    index('asm_events_provider_index').on(t.provider),
    index('asm_events_timestamp_index').on(t.timestamp),
  ],
);

/** `asm_session_sequences`: the per-session counter the store numbers events from. */
export const asmSessionSequences = pgTable('asm_session_sequences', {
  sessionId: varchar('session_id', { length: 255 }).primaryKey(),
  lastSequence: integer('last_sequence').notNull().default(0),
  updatedAt: timestamp('updated_at', { mode: 'string' }),
});

/** `asm_artifacts`: metadata of stored artifacts (the bytes live in `storage_backend`). */
export const asmArtifacts = pgTable(
  'asm_artifacts',
  {
    id: varchar('id', { length: 255 }).primaryKey(),
    sessionId: varchar('session_id', { length: 255 }),
    runId: varchar('run_id', { length: 255 }),
    key: varchar('key', { length: 255 }).notNull(),
    contentType: varchar('content_type', { length: 255 }),
    byteSize: bigint('byte_size', { mode: 'number' }).notNull(),
    checksumSha256: varchar('checksum_sha256', { length: 255 }).notNull(),
    storageBackend: varchar('storage_backend', { length: 255 }).notNull(),
    storageRef: varchar('storage_ref', { length: 255 }).notNull(),
    metadata: jsonb('metadata').$type<JsonObject>().notNull().default({}),
    createdAt: timestamp('created_at', { mode: 'string' }).notNull(),
    deletedAt: timestamp('deleted_at', { mode: 'string' }),
  },
  (t) => [
    uniqueIndex('asm_artifacts_key_index').on(t.key),
    index('asm_artifacts_session_id_index').on(t.sessionId),
    index('asm_artifacts_created_at_index').on(t.createdAt),
  ],
);
