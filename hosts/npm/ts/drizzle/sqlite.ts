// Drizzle ORM definitions of the asm_* tables on SQLite and D1, column for column as
// migrations/d1/0001_create_asm_tables.sql creates them, so Drizzle users can read what the store
// wrote with typed queries. Read-only by contract: the store keeps invariants (gap-free sequence
// numbers from asm_session_sequences, event-id dedup, artifact rows) that a raw INSERT breaks.
// The npm suite's typed-access drift test compares every table here with a migrated database.
//
// Encodings (src/sql/encode.rs): timestamps are UTC text `2025-01-27T12:00:00.123456` (no
// offset, fixed width, so text order is time order); JSON maps and the tags list are JSON text,
// parsed by Drizzle's `mode: 'json'`; `cost_usd` is NUMERIC, read as a number.

import { index, integer, numeric, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { EventType, JsonObject, JsonValue, RunStatus, SessionStatus } from 'asm-edge';

/** `asm_sessions`: one row per session; `deleted_at` marks a soft delete. */
export const asmSessions = sqliteTable(
  'asm_sessions',
  {
    id: text('id').primaryKey(),
    agentId: text('agent_id').notNull(),
    status: text('status').$type<SessionStatus>().notNull(),
    parentSessionId: text('parent_session_id'),
    metadata: text('metadata', { mode: 'json' }).$type<JsonObject>().default({}),
    context: text('context', { mode: 'json' }).$type<JsonObject>().default({}),
    tags: text('tags', { mode: 'json' }).$type<string[]>().default([]),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    deletedAt: text('deleted_at'),
  },
  (t) => [
    index('asm_sessions_status_index').on(t.status),
    index('asm_sessions_agent_id_index').on(t.agentId),
    index('asm_sessions_created_at_index').on(t.createdAt),
    index('asm_sessions_deleted_at_index').on(t.deletedAt),
  ],
);

/** `asm_runs`: one row per run of a session, with its token usage and cost. */
export const asmRuns = sqliteTable(
  'asm_runs',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id').notNull(),
    status: text('status').$type<RunStatus>().notNull(),
    input: text('input', { mode: 'json' }).$type<JsonValue>(),
    output: text('output', { mode: 'json' }).$type<JsonValue>(),
    error: text('error', { mode: 'json' }).$type<JsonValue>(),
    metadata: text('metadata', { mode: 'json' }).$type<JsonObject>().default({}),
    turnCount: integer('turn_count').default(0),
    tokenUsage: text('token_usage', { mode: 'json' }).$type<JsonObject>().default({}),
    startedAt: text('started_at').notNull(),
    endedAt: text('ended_at'),
    provider: text('provider'),
    providerMetadata: text('provider_metadata', { mode: 'json' }).$type<JsonObject>().notNull().default({}),
    costUsd: numeric('cost_usd', { mode: 'number' }),
  },
  (t) => [
    index('asm_runs_session_id_status_index').on(t.sessionId, t.status),
    index('asm_runs_provider_index').on(t.provider),
    index('asm_runs_started_at_index').on(t.startedAt),
  ],
);

/** `asm_events`: the append-only log; `sequence_number` is gap-free per session from 1. */
export const asmEvents = sqliteTable(
  'asm_events',
  {
    id: text('id').primaryKey(),
    type: text('type').$type<EventType>().notNull(),
    timestamp: text('timestamp').notNull(),
    sessionId: text('session_id').notNull(),
    runId: text('run_id'),
    sequenceNumber: integer('sequence_number').notNull(),
    data: text('data', { mode: 'json' }).$type<JsonObject>().default({}),
    metadata: text('metadata', { mode: 'json' }).$type<JsonObject>().default({}),
    schemaVersion: integer('schema_version').notNull().default(1),
    provider: text('provider'),
    correlationId: text('correlation_id'),
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
export const asmSessionSequences = sqliteTable('asm_session_sequences', {
  sessionId: text('session_id').primaryKey(),
  lastSequence: integer('last_sequence').notNull().default(0),
  updatedAt: text('updated_at'),
});

/** `asm_artifacts`: metadata of stored artifacts (the bytes live in `storage_backend`). */
export const asmArtifacts = sqliteTable(
  'asm_artifacts',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id'),
    runId: text('run_id'),
    key: text('key').notNull(),
    contentType: text('content_type'),
    byteSize: integer('byte_size').notNull(),
    checksumSha256: text('checksum_sha256').notNull(),
    storageBackend: text('storage_backend').notNull(),
    storageRef: text('storage_ref').notNull(),
    metadata: text('metadata', { mode: 'json' }).$type<JsonObject>().notNull().default({}),
    createdAt: text('created_at').notNull(),
    deletedAt: text('deleted_at'),
  },
  (t) => [
    uniqueIndex('asm_artifacts_key_index').on(t.key),
    index('asm_artifacts_session_id_index').on(t.sessionId),
    index('asm_artifacts_created_at_index').on(t.createdAt),
  ],
);
