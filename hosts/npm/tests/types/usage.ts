// Exercises every export of `asm-edge` as a user would, and proves with `@ts-expect-error` that
// wrong shapes are rejected. Only type-checked (tsc --noEmit), never run.

import Database from 'better-sqlite3';
import pg from 'pg';
import initSqlJs from 'sql.js';
import { PGlite } from '@electric-sql/pglite';
import {
  Store,
  openStore,
  newSession,
  newRun,
  newEvent,
  migrationStatements,
  isAsmError,
  d1Executor,
  sqlJsExecutor,
  betterSqlite3Executor,
  pgExecutor,
  pgliteExecutor,
  fsBlobs,
  opfsBlobs,
  r2Blobs,
} from 'asm-edge';
import type {
  Artifact,
  ArtifactStats,
  BlobBackend,
  BlobInfo,
  ByteSpan,
  OpenedArtifact,
  OpenedBlob,
  R2Bucket,
  SweepReport,
  AsmError,
  BatchResult,
  CostQuery,
  CostSummary,
  D1Database,
  D1PreparedStatement,
  Dialect,
  ErrorCode,
  Event,
  EventFilter,
  EventInput,
  EventPage,
  EventSearch,
  EventType,
  Executor,
  ExecutorErrorKind,
  ExportedArtifact,
  FlushPayload,
  JsonObject,
  JsonValue,
  ListRuns,
  ListSessions,
  MaintenanceReport,
  NewArtifact,
  NewEvent,
  NewRun,
  NewSession,
  OpenStoreOptions,
  PricingRates,
  PricingTable,
  RedactionReport,
  RetentionPolicy,
  Run,
  RunInput,
  RunPage,
  RunSearch,
  RunStatus,
  Session,
  SessionExport,
  SessionInput,
  SessionPage,
  SessionSearch,
  SessionStats,
  SessionStatus,
  SqlCell,
  SqlValue,
  Statement,
  StoreOptions,
  StoredEvent,
  UsageQuery,
  UsageSummary,
} from 'asm-edge';

/** Fails to compile unless `T` is exactly `U`. */
type Equals<T, U> = (<V>() => V extends T ? 1 : 2) extends <V>() => V extends U ? 1 : 2 ? true : false;
function expectType<T>(_value: T): void {}
function assertEquals<T, U>(_proof: Equals<T, U>): void {}

// ---- names ----------------------------------------------------------------------------------

const sessionStatuses: SessionStatus[] = ['pending', 'active', 'paused', 'completed', 'failed', 'cancelled'];
const runStatuses: RunStatus[] = ['pending', 'running', 'completed', 'failed', 'cancelled', 'timeout'];
// @ts-expect-error `running` is a run status, not a session status
const badSessionStatus: SessionStatus = 'running';
// @ts-expect-error not a run status
const badRunStatus: RunStatus = 'active';

/** All 28 event types, each exactly once: adding or removing one breaks the count below. */
const allEventTypes = [
  'session_created', 'session_started', 'session_paused', 'session_resumed', 'session_completed',
  'session_failed', 'session_cancelled', 'run_started', 'run_completed', 'run_failed', 'run_cancelled',
  'run_timeout', 'message_sent', 'message_received', 'message_streamed', 'tool_call_started',
  'tool_call_completed', 'tool_call_failed', 'error_occurred', 'error_recovered', 'token_usage_updated',
  'turn_completed', 'workspace_snapshot_taken', 'workspace_diff_computed', 'policy_violation',
  'tool_approval_requested', 'tool_approval_granted', 'tool_approval_denied',
] as const satisfies readonly EventType[];
assertEquals<(typeof allEventTypes)[number], EventType>(true);
assertEquals<(typeof allEventTypes)['length'], 28>(true);

/** All 48 error codes. */
const allErrorCodes = [
  'validation_error', 'invalid_input', 'missing_required_field', 'invalid_format', 'invalid_status',
  'invalid_transition', 'invalid_event_type', 'invalid_capability_type', 'missing_required_capability',
  'stream_closed', 'context_mismatch', 'invalid_cursor', 'session_mismatch', 'run_mismatch', 'not_found',
  'session_not_found', 'run_not_found', 'capability_not_found', 'already_exists', 'duplicate_capability',
  'provider_error', 'provider_unavailable', 'provider_rate_limited', 'provider_timeout',
  'provider_authentication_failed', 'provider_quota_exceeded', 'storage_error', 'storage_connection_failed',
  'dependency_not_available', 'migration_required', 'storage_write_failed', 'storage_read_failed', 'timeout',
  'cancelled', 'policy_violation', 'internal_error', 'unknown_error', 'max_sessions_exceeded',
  'max_runs_exceeded', 'capability_not_supported', 'invalid_operation', 'tool_error', 'tool_not_found',
  'tool_execution_failed', 'tool_permission_denied', 'persistence_error', 'query_error', 'maintenance_error',
] as const satisfies readonly ErrorCode[];
assertEquals<(typeof allErrorCodes)[number], ErrorCode>(true);
assertEquals<(typeof allErrorCodes)['length'], 48>(true);
// @ts-expect-error not an ASM error code
const badCode: ErrorCode = 'conflict';

// ---- executors --------------------------------------------------------------------------------

const sqlite: Executor = betterSqlite3Executor(new Database(':memory:'));
const SQL = await initSqlJs();
const sqljs: Executor = sqlJsExecutor(new SQL.Database());
const pool = new pg.Pool({ connectionString: 'postgres://localhost/asm' });
const postgres: Executor = pgExecutor(pool);
const postgresClient: Executor = pgExecutor(new pg.Client('postgres://localhost/asm'));
const pglite: Executor = pgliteExecutor(new PGlite());
declare const d1: D1Database;
const d1Exec: Executor = d1Executor(d1);

// @ts-expect-error a sql.js database is not a better-sqlite3 one (no transaction())
betterSqlite3Executor(new SQL.Database());
// @ts-expect-error PGlite is not a D1 binding
d1Executor(new PGlite());
// @ts-expect-error pgExecutor needs a Pool or a Client
pgExecutor({ totalCount: 0 });

// A D1 binding: anything with prepare/bind/batch.
const fakeD1: D1Database = {
  prepare(query: string): D1PreparedStatement {
    const statement: D1PreparedStatement = { bind: (..._values: unknown[]) => statement };
    void query;
    return statement;
  },
  async batch(statements: D1PreparedStatement[]) {
    return statements.map(() => ({ results: [{ id: 'x' }], meta: { changes: 0 } }));
  },
};
d1Executor(fakeD1);

// A hand-written executor: sync or async batch, rows of cells, errors with `kind`.
const params: SqlValue[] = [null, 1, 2.5, 'text', '9007199254740993'];
const cells: SqlCell[] = [null, undefined, 1, 10n, 'text', true];
// @ts-expect-error bound values are never booleans
const badParam: SqlValue = true;
// @ts-expect-error cells are never objects
const badCell: SqlCell = { a: 1 };
const kind: ExecutorErrorKind = 'transient';
const custom: Executor = {
  dialect: 'sqlite',
  batch(statements: Statement[]): BatchResult[] {
    return statements.map(({ sql, params: bound }) => {
      expectType<string>(sql);
      expectType<SqlValue[]>(bound);
      if (sql.startsWith('SELECT')) return { rows: [cells, params] };
      if (sql.startsWith('FAIL')) throw Object.assign(new Error('busy'), { kind });
      return { changes: 1 };
    });
  },
};
const asyncCustom = {
  dialect: 'postgres',
  async batch(statements: Statement[]) {
    return statements.map((): BatchResult => ({ rows: null, changes: null }));
  },
} satisfies Executor;
// @ts-expect-error not a dialect
const badExecutor: Executor = { dialect: 'mysql', batch: () => [] };
// @ts-expect-error rows are arrays of cells, not objects
const badRows: BatchResult = { rows: [{ id: 1 }] };
const dialects: Dialect[] = ['sqlite', 'd1', 'postgres'];

// ---- stores ---------------------------------------------------------------------------------

const options: StoreOptions = { now: () => new Date(), randomBytes: (n) => new Uint8Array(n) };
const textClock: StoreOptions = { now: () => '2025-01-27T12:00:00.000001Z' };
// @ts-expect-error the clock answers a Date or text, not a number
const badClock: StoreOptions = { now: () => Date.now() };
const openOptions: OpenStoreOptions = { ...options, migrate: false };
const store: Store = new Store(custom, options);
new Store(asyncCustom);
new Store(sqljs, null);
expectType<Dialect>(store.dialect);
// @ts-expect-error the dialect is read-only
store.dialect = 'd1';
const opened: Store = await openStore(postgres, openOptions);
await openStore(pglite);
await openStore(d1Exec, textClock);
await openStore(postgresClient, null);
const redacting: Store = await openStore(sqljs, {
  redaction: { replacement: 'categorized', patterns: ['internal-[0-9]+', { category: 'ticket', pattern: 'T-[0-9]{6}' }] },
  onRedaction: (report: RedactionReport) => {
    expectType<number>(report.redaction_count);
    expectType<string[][]>(report.events.map((e) => e.fields_redacted));
  },
});
await openStore(sqljs, { redaction: { patterns: { replace: ['x+'] }, deep_scan: false, scan_metadata: true } });
// @ts-expect-error replacement is text
await openStore(sqljs, { redaction: { replacement: 1 } });
// @ts-expect-error onRedaction takes a function
await openStore(sqljs, { onRedaction: 'log' });
redacting.free();
await store.migrate();
expectType<string[]>(migrationStatements('postgres'));
expectType<string[]>(migrationStatements('d1', 'down'));
migrationStatements('sqlite', 'up');
// @ts-expect-error a direction is 'up' or 'down'
migrationStatements('sqlite', 'sideways');
// @ts-expect-error not a dialect
migrationStatements('mysql');
opened.free();

// ---- entities ---------------------------------------------------------------------------------

const session: Session = store.newSession({ agent_id: 'agent-1', tags: ['beta'], metadata: { plan: 'pro', n: 1 } });
const freeSession: Session = newSession({ agent_id: 'agent-1', id: 'ses-1', parent_session_id: null, context: {} });
// @ts-expect-error agent_id is required
store.newSession({ tags: [] });
// @ts-expect-error agent_id is a string
newSession({ agent_id: 42 });
// @ts-expect-error status is not an attribute of Session.new
newSession({ agent_id: 'a', status: 'active' });
expectType<string | null>(session.parent_session_id);
expectType<IsoTimestampLike>(session.created_at);
expectType<string | null>(session.deleted_at);
expectType<string[]>(session.tags);
expectType<JsonObject>(session.metadata);
type IsoTimestampLike = string;

const run: Run = store.newRun({ session_id: session.id, input: { prompt: 'hi', n: [1, 2, { deep: null }] } });
newRun({ session_id: 's', input: 'plain text input', metadata: null });
// @ts-expect-error session_id is required
newRun({ input: {} });
expectType<JsonValue>(run.input);
expectType<number | null>(run.cost_usd);
expectType<string | null>(run.ended_at);
expectType<RunStatus>(run.status);

const event: Event = store.newEvent({ type: 'message_received', session_id: session.id, run_id: run.id, data: { content: 'hi' } });
newEvent({ type: 'tool_call_started', session_id: 's', schema_version: 2, correlation_id: 'req-1', provider: 'claude' });
// @ts-expect-error an unknown event type
store.newEvent({ type: 'message_recieved', session_id: session.id });
// @ts-expect-error type is required
newEvent({ session_id: 's' });
// @ts-expect-error data is an object
newEvent({ type: 'run_started', session_id: 's', data: 'text' });
expectType<number | null>(event.sequence_number);
expectType<EventType>(event.type);

const attrs: [NewSession, NewRun, NewEvent] = [{ agent_id: 'a' }, { session_id: 's' }, { type: 'run_started', session_id: 's' }];

// ---- SessionStore -----------------------------------------------------------------------------

await store.saveSession(session);
await store.saveSession({ ...session, status: 'active', updated_at: new Date() });
const minimalSession: SessionInput = {
  id: 'ses-1', agent_id: 'a', status: 'pending', created_at: '2025-01-27T12:00:00Z', updated_at: new Date(),
};
await store.saveSession(minimalSession);
// @ts-expect-error agent_id is required
await store.saveSession({ id: 'ses-1', status: 'pending', created_at: 'x', updated_at: 'x' });
// @ts-expect-error a run status is not a session status
await store.saveSession({ ...session, status: 'running' });
expectType<Session>(await store.getSession(session.id));
expectType<Session[]>(await store.listSessions());
expectType<Session[]>(await store.listSessions({ status: 'active', agent_id: 'a', limit: 0 }));
await store.listSessions(null);
// @ts-expect-error listSessions takes one status, not a list
await store.listSessions({ status: ['active'] });
await store.deleteSession(session.id);
// @ts-expect-error ids are strings
await store.getSession(1);

await store.saveRun(run);
await store.saveRun({ ...run, status: 'completed', ended_at: new Date(), token_usage: { input_tokens: 1, total_tokens: 3 } });
const minimalRun: RunInput = { id: 'r', session_id: 's', status: 'running', started_at: new Date() };
await store.saveRun(minimalRun);
// @ts-expect-error started_at is required
await store.saveRun({ id: 'r', session_id: 's', status: 'running' });
expectType<Run>(await store.getRun(run.id));
expectType<Run[]>(await store.listRuns(session.id, { status: 'running', limit: 10 }));
expectType<Run[]>(await store.listRuns(session.id));
expectType<Run | null>(await store.getActiveRun(session.id));

const stored: StoredEvent = await store.appendEvent(event);
expectType<number>(stored.sequence_number);
const eventInput: EventInput = {
  id: 'evt-1', type: 'message_sent', session_id: 's', timestamp: new Date(), schema_version: 1, data: { text: 'x' },
};
await store.appendEvent(eventInput);
// @ts-expect-error schema_version is required on a stored event map
await store.appendEvent({ id: 'evt-1', type: 'message_sent', session_id: 's', timestamp: 'x' });
// @ts-expect-error an unknown event type
await store.appendEvent({ ...eventInput, type: 'message' });
expectType<StoredEvent[]>(await store.appendEvents([event, eventInput]));
expectType<StoredEvent[]>(await store.appendEvents({ events: [event] }));
const readonlyEvents: readonly Event[] = [event];
await store.appendEvents(readonlyEvents);

const payload: FlushPayload = { session, run, events: [event], provider_metadata: { model: 'gpt-5' } };
await store.flush(payload);
// @ts-expect-error events are required
await store.flush({ session, run });

const filter: EventFilter = { run_id: run.id, type: 'run_started', since: new Date(), after: 0, before: 10, limit: 5, wait_timeout_ms: 100 };
expectType<StoredEvent[]>(await store.getEvents(session.id, filter));
expectType<StoredEvent[]>(await store.getEvents(session.id));
// @ts-expect-error getEvents filters by one type (searchEvents takes `types`)
await store.getEvents(session.id, { type: ['run_started'] });
expectType<number>(await store.getLatestSequence(session.id));

// ---- QueryApi ---------------------------------------------------------------------------------

const sessionSearch: SessionSearch = {
  agent_id: 'a', status: ['active', 'paused'], provider: 'claude', tags: ['beta'], created_after: new Date(0),
  created_before: '2030-01-01T00:00:00+02:00', include_deleted: true, order_by: 'created_at_asc', limit: 50, cursor: null,
};
const sessionPage: SessionPage = await store.searchSessions(sessionSearch);
await store.searchSessions({ status: 'active', provider: ['claude', 'codex'], cursor: sessionPage.cursor });
await store.searchSessions();
expectType<number>(sessionPage.total_count);
expectType<string | null>(sessionPage.cursor);
// @ts-expect-error not an order of sessions
await store.searchSessions({ order_by: 'started_at_desc' });

const runSearch: RunSearch = {
  session_id: 's', provider: 'claude', status: 'completed', started_after: new Date(), started_before: 'x',
  min_tokens: 100, order_by: 'token_usage_desc', limit: 10, cursor: 'c',
};
const runPage: RunPage = await store.searchRuns(runSearch);
expectType<Run[]>(runPage.runs);
// @ts-expect-error searchRuns takes one provider
await store.searchRuns({ provider: ['claude'] });

const eventSearch: EventSearch = {
  session_ids: ['s'], run_ids: ['r'], types: ['run_started', 'run_completed'], providers: ['claude'],
  since: new Date(), until: new Date(), correlation_id: 'req', order_by: 'timestamp_desc', limit: 100, cursor: null,
};
const eventPage: EventPage = await store.searchEvents(eventSearch);
expectType<StoredEvent[]>(eventPage.events);
expectType<number>(await store.countEvents({ types: 'run_started' }));
// @ts-expect-error session_ids is a list
await store.searchEvents({ session_ids: 's' });
// @ts-expect-error an unknown event type in the list
await store.countEvents({ types: ['run_started', 'run_begun'] });

const stats: SessionStats = await store.getSessionStats(session.id);
expectType<number | undefined>(stats.status_counts.running);
expectType<number>(stats.token_totals.total_tokens);
expectType<string | null>(stats.first_event_at);

const usageQuery: UsageQuery = { session_id: 's', provider: 'claude', since: new Date(), until: '2030-01-01T00:00:00Z' };
const usage: UsageSummary = await store.getUsageSummary(usageQuery);
expectType<number | undefined>(usage.by_provider['claude']?.run_count);

const pricing: PricingTable = {
  providers: {
    claude: { default: { input: 3, output: 15 }, models: { 'claude-opus-4': { input: 15, output: 75, cache_read: 1.5, cache_creation: null } } },
  },
};
const costQuery: CostQuery = { session_id: 's', agent_id: 'a', provider: 'claude', since: new Date(), pricing_table: pricing };
const cost: CostSummary = await store.getCostSummary(costQuery);
await store.getCostSummary({ pricing_table: { codex: { default: { input: 1.25, output: 10 } } } });
expectType<number>(cost.total_cost_usd);
expectType<number>(cost.unmapped_runs);
// @ts-expect-error rates need an output rate
const badRates: PricingRates = { input: 3 };
// @ts-expect-error rates need an output rate (the providers map without its wrapper)
await store.getCostSummary({ pricing_table: { claude: { default: { input: 3 } } } });

const exported: SessionExport = await store.exportSession(session.id);
expectType<ExportedArtifact[] | undefined>(exported.artifacts);
const withArtifacts = await store.exportSession(session.id, { include_artifacts: true });
expectType<ExportedArtifact[]>(withArtifacts.artifacts);
await store.exportSession(session.id, { include_artifacts: false });
// @ts-expect-error exported artifact rows have no deleted_at
withArtifacts.artifacts[0]?.deleted_at;

// ---- Maintenance ------------------------------------------------------------------------------

const policy: RetentionPolicy = {
  max_session_age_days: 'infinity', max_completed_session_age_days: 30, hard_delete_after_days: ':infinity',
  max_events_per_session: 1000, max_total_events: 'infinity', batch_size: 500, archive_before_prune: false,
  archive_store: null, exempt_statuses: ['active', 'paused'], exempt_tags: ['pinned'],
  prune_event_types_first: 'message_streamed',
};
const report: MaintenanceReport = await store.execute(policy);
expectType<string[]>(report.errors);
expectType<MaintenanceReport>(await store.plan());
expectType<number>(await store.pruneSessionEvents(session.id, { max_events_per_session: 10 }));
expectType<number>(await store.softDeleteExpiredSessions(policy));
expectType<number>(await store.hardDeleteExpiredSessions());
expectType<number>(await store.cleanOrphanedArtifacts());
expectType<string[]>(await store.healthCheck());
// @ts-expect-error a limit is a number or 'infinity'
await store.execute({ max_events_per_session: 'unbounded' });
// @ts-expect-error exempt tags are a list
await store.execute({ exempt_tags: 'pinned' });

// ---- ArtifactRegistry -------------------------------------------------------------------------

const newArtifact: NewArtifact = {
  key: 'blobs/1', byte_size: 1024, checksum_sha256: 'ab', storage_backend: 's3', storage_ref: 's3://b/1',
  session_id: session.id, run_id: null, content_type: 'text/plain', metadata: { source: 'upload' },
};
const artifact: Artifact = await store.registerArtifact(newArtifact);
// @ts-expect-error storage_ref is required
await store.registerArtifact({ key: 'k', byte_size: 1, checksum_sha256: 'c', storage_backend: 's3' });
expectType<Artifact | null>(await store.getArtifact(artifact.key));
expectType<Artifact[]>(await store.listArtifacts(session.id));
const artifactStats: ArtifactStats = await store.artifactStats(session.id);
await store.deleteArtifact(artifact.key);

// ---- errors -----------------------------------------------------------------------------------

try {
  await store.getSession('missing');
} catch (e: unknown) {
  if (isAsmError(e)) {
    expectType<AsmError>(e);
    expectType<ErrorCode>(e.code);
    expectType<'AsmError'>(e.name);
    expectType<boolean>(e.retryable);
    expectType<Record<string, unknown>>(e.details);
    expectType<string>(e.message);
    const asError: Error = e;
    // @ts-expect-error codes are ASM's, compared as such
    if (e.code === 'conflict') void asError;
  } else {
    // @ts-expect-error not narrowed: an unknown error has no code
    void e.code;
  }
}

// ---- JSON -------------------------------------------------------------------------------------

const json: JsonValue = { a: [1, 'two', null, true, { b: {} }] };
const obj: JsonObject = { a: 1, dropped: undefined };
// @ts-expect-error functions are not JSON
const notJson: JsonValue = () => 1;
// @ts-expect-error a Date is not a JSON value (only timestamp members take one)
const notJsonDate: JsonObject = { at: new Date() };

// ---- artifact bytes ---------------------------------------------------------------------------

async function artifactBytes(executor: Executor, bucket: R2Bucket) {
  const onDisk = await openStore(executor, { artifacts: fsBlobs('/var/lib/asm'), artifact_grace_ms: 60_000 });
  const inBrowser = new Store(executor, { artifacts: opfsBlobs() });
  const inR2 = new Store(executor, { artifacts: r2Blobs(bucket) });
  const inMemory = new Store(executor, { artifacts: 'memory' });
  const backendName: string | null = inMemory.artifactBackend;
  const stored: Artifact = await onDisk.storeArtifact({ key: 'out.txt' }, 'hello', { content_type: 'text/plain' });
  const opened: OpenedArtifact = await onDisk.openArtifact('out.txt', { start: 0, end: 1 });
  const span: ByteSpan = opened.span;
  for await (const chunk of opened.body) chunk satisfies Uint8Array;
  const part: OpenedBlob = await inR2.getBlob('k', 'bytes=-10');
  const info: BlobInfo = await inBrowser.putBlob('k', new Uint8Array(3), { byte_size: 3 });
  const none: BlobInfo | null = await inBrowser.headBlob('k');
  const listed: BlobInfo[] = await inBrowser.listBlobs('k', { limit: 10 });
  const swept: SweepReport = await inBrowser.sweepArtifacts();
  await inBrowser.deleteBlob('k');
  await onDisk.removeArtifact('out.txt');
  const own: BlobBackend = fsBlobs('/tmp/x');
  // @ts-expect-error a backend is an object (or "memory"), not a folder name
  new Store(executor, { artifacts: '/var/lib/asm' });
  // @ts-expect-error a range is text, { start, end? } or { suffix }
  await onDisk.openArtifact('out.txt', { from: 3 });
  // @ts-expect-error a number is not a body
  await onDisk.putBlob('k', 42);
  return { stored, span, part, info, none, listed, swept, own, backendName };
}

// ---- the JSDoc'd executor modules point at these names ----------------------------------------

export type {
  ListRuns, ListSessions, StoreOptions, Executor, D1Database,
};
export {
  sessionStatuses, runStatuses, badSessionStatus, badRunStatus, badCode, sqlite, postgres, postgresClient, pglite,
  badParam, badCell, badExecutor, badRows, dialects, badClock, freeSession, attrs, artifactStats, json, obj,
  notJson, notJsonDate, pool, stored, badRates, artifactBytes,
};
