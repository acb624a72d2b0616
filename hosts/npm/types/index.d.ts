// Types of the `asm-edge` package: an agent session store (the Rust core of agent-session-manager
// compiled to WebAssembly) over a SQL executor of your choice.
//
// Every argument and answer is the JSON of the HTTP API (`hosts/worker/openapi.json`): snake_case
// members, statuses and event types as strings, timestamps as ISO-8601 text. Arguments go through
// `JSON.stringify`, so a `Date` anywhere in them arrives as its ISO-8601 text and `undefined`
// members are dropped; answers come from `JSON.parse`, so they are plain objects.

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

/** Any JSON value: what free-form fields (`input`, `output`, `error`, …) hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;

/**
 * A JSON object: what `metadata`, `context`, `data`, `token_usage` … hold. `undefined` members
 * are allowed in arguments (`JSON.stringify` drops them); answers never contain them.
 */
export interface JsonObject {
  [key: string]: JsonValue | undefined;
}

/** An instant as the store writes it: ISO-8601 UTC with microseconds, `2025-01-27T12:00:00.123456Z`. */
export type IsoTimestamp = string;

/**
 * An instant as an argument: ISO-8601 text with an offset (`Z` or `+hh:mm`; microseconds are
 * kept), or a `Date` (sent as its `toISOString()`, millisecond precision).
 */
export type TimestampInput = string | Date;

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

/** Where a session is in its life; any status may follow any other. */
export type SessionStatus = 'pending' | 'active' | 'paused' | 'completed' | 'failed' | 'cancelled';

/** Where a run is in its life; only `running` makes a run active, the last four end it. */
export type RunStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'timeout';

/** The 28 event types of AgentSessionManager v0.8, in its order. */
export type EventType =
  | 'session_created'
  | 'session_started'
  | 'session_paused'
  | 'session_resumed'
  | 'session_completed'
  | 'session_failed'
  | 'session_cancelled'
  | 'run_started'
  | 'run_completed'
  | 'run_failed'
  | 'run_cancelled'
  | 'run_timeout'
  | 'message_sent'
  | 'message_received'
  | 'message_streamed'
  | 'tool_call_started'
  | 'tool_call_completed'
  | 'tool_call_failed'
  | 'error_occurred'
  | 'error_recovered'
  | 'token_usage_updated'
  | 'turn_completed'
  | 'workspace_snapshot_taken'
  | 'workspace_diff_computed'
  | 'policy_violation'
  | 'tool_approval_requested'
  | 'tool_approval_granted'
  | 'tool_approval_denied';

/** The 48 error codes: ASM's 45, then the three its adapters emit (`persistence_error`, `query_error`, `maintenance_error`). */
export type ErrorCode =
  | 'validation_error'
  | 'invalid_input'
  | 'missing_required_field'
  | 'invalid_format'
  | 'invalid_status'
  | 'invalid_transition'
  | 'invalid_event_type'
  | 'invalid_capability_type'
  | 'missing_required_capability'
  | 'stream_closed'
  | 'context_mismatch'
  | 'invalid_cursor'
  | 'session_mismatch'
  | 'run_mismatch'
  | 'not_found'
  | 'session_not_found'
  | 'run_not_found'
  | 'capability_not_found'
  | 'already_exists'
  | 'duplicate_capability'
  | 'provider_error'
  | 'provider_unavailable'
  | 'provider_rate_limited'
  | 'provider_timeout'
  | 'provider_authentication_failed'
  | 'provider_quota_exceeded'
  | 'storage_error'
  | 'storage_connection_failed'
  | 'dependency_not_available'
  | 'migration_required'
  | 'storage_write_failed'
  | 'storage_read_failed'
  | 'timeout'
  | 'cancelled'
  | 'policy_violation'
  | 'internal_error'
  | 'unknown_error'
  | 'max_sessions_exceeded'
  | 'max_runs_exceeded'
  | 'capability_not_supported'
  | 'invalid_operation'
  | 'tool_error'
  | 'tool_not_found'
  | 'tool_execution_failed'
  | 'tool_permission_denied'
  | 'persistence_error'
  | 'query_error'
  | 'maintenance_error';

// ---------------------------------------------------------------------------------------------
// Entities (answers): every key is always present, absent values are `null`
// ---------------------------------------------------------------------------------------------

/** A session: one agent conversation, the root of runs and events (ASM's `Session.to_map`). */
export interface Session {
  /** `ses_` + 32 hex characters unless the caller chose one. */
  id: string;
  /** The agent that owns the session; never empty. */
  agent_id: string;
  status: SessionStatus;
  /** The session this one was forked from; not checked for existence. */
  parent_session_id: string | null;
  metadata: JsonObject;
  /** Shared context: system prompts, configuration. */
  context: JsonObject;
  /** Labels, order kept; retention never soft-deletes a session carrying an exempt tag. */
  tags: string[];
  created_at: IsoTimestamp;
  /** The age retention measures. */
  updated_at: IsoTimestamp;
  /** Set by soft-delete maintenance; a session with it set is soft-deleted. */
  deleted_at: IsoTimestamp | null;
}

/** A run: one execution inside a session (ASM's `Run.to_map`). */
export interface Run {
  /** `run_` + 32 hex characters unless the caller chose one. */
  id: string;
  session_id: string;
  status: RunStatus;
  /** Any JSON; `null` when absent. */
  input: JsonValue;
  /** Any JSON; `null` when absent. */
  output: JsonValue;
  /** Any JSON; `null` when absent. */
  error: JsonValue;
  metadata: JsonObject;
  /** `input_tokens`, `output_tokens`, `total_tokens`, `cache_read_input_tokens`, `cache_creation_input_tokens`. */
  token_usage: JsonObject;
  /** Provider extras; `model` is what cost summaries price by. */
  provider_metadata: JsonObject;
  turn_count: number;
  started_at: IsoTimestamp;
  /** Stamped by a terminal status. */
  ended_at: IsoTimestamp | null;
  /** The AI provider that ran it (`claude`, `codex`, `gemini`, …). */
  provider: string | null;
  /** A cost the provider reported; cost summaries price runs without one. */
  cost_usd: number | null;
}

/** An event: one immutable entry of a session's append-only log (ASM's `Event.to_map`). */
export interface Event {
  /** `evt_` + 32 hex characters unless the caller chose one; unique across all sessions. */
  id: string;
  type: EventType;
  timestamp: IsoTimestamp;
  session_id: string;
  run_id: string | null;
  /** The payload. */
  data: JsonObject;
  metadata: JsonObject;
  /** Assigned by the store on append (gap-free per session); `null` on an event not yet stored. */
  sequence_number: number | null;
  /** Payload schema version, ≥ 1. */
  schema_version: number;
  provider: string | null;
  /** Ties events of one request together across sessions. */
  correlation_id: string | null;
}

/** An event read from the store: it always has its sequence number. */
export interface StoredEvent extends Event {
  sequence_number: number;
}

/** Metadata of a blob kept in an artifact store (a row of `asm_artifacts`). */
export interface Artifact {
  /** `art_` + 16 base64url characters unless the caller chose one. */
  id: string;
  session_id: string | null;
  run_id: string | null;
  /** Unique across all artifacts, soft-deleted ones included. */
  key: string;
  /** MIME type, if known. */
  content_type: string | null;
  byte_size: number;
  /** As the caller computed it (not verified). */
  checksum_sha256: string;
  /** Which store holds the blob (`s3`, `file`, …). */
  storage_backend: string;
  /** Where in that store (`s3://bucket/…`). */
  storage_ref: string;
  metadata: JsonObject;
  created_at: IsoTimestamp;
  /** Set by `deleteArtifact` (a soft delete). */
  deleted_at: IsoTimestamp | null;
}

/** An artifact row of `exportSession` (ASM's export rows have no `deleted_at`). */
export type ExportedArtifact = Omit<Artifact, 'deleted_at'>;

// ---------------------------------------------------------------------------------------------
// Entities (arguments): what `saveSession`, `saveRun`, `appendEvent` and `flush` accept
// ---------------------------------------------------------------------------------------------

/**
 * A session to save (ASM's `Session.from_map`): id, agent_id, status, created_at and updated_at
 * are required; every other member is lenient (a wrong type reads as empty or `null`).
 * A `Session` answer is one.
 */
export interface SessionInput {
  id: string;
  agent_id: string;
  status: SessionStatus;
  created_at: TimestampInput;
  updated_at: TimestampInput;
  parent_session_id?: string | null;
  metadata?: JsonObject | null;
  context?: JsonObject | null;
  tags?: readonly string[] | null;
  deleted_at?: TimestampInput | null;
}

/**
 * A run to save (ASM's `Run.from_map`): id, session_id, status and started_at are required;
 * `turn_count` defaults to 0. A `Run` answer is one.
 */
export interface RunInput {
  id: string;
  session_id: string;
  status: RunStatus;
  started_at: TimestampInput;
  input?: JsonValue;
  output?: JsonValue;
  error?: JsonValue;
  metadata?: JsonObject | null;
  token_usage?: JsonObject | null;
  provider_metadata?: JsonObject | null;
  turn_count?: number | null;
  ended_at?: TimestampInput | null;
  provider?: string | null;
  cost_usd?: number | null;
}

/**
 * An event to append (ASM's `Event.from_map`): id, type, session_id, timestamp and
 * schema_version (an integer ≥ 1) are required; a given `sequence_number` is overwritten.
 * An `Event` from `newEvent` is one.
 */
export interface EventInput {
  id: string;
  type: EventType;
  session_id: string;
  timestamp: TimestampInput;
  schema_version: number;
  run_id?: string | null;
  data?: JsonObject | null;
  metadata?: JsonObject | null;
  sequence_number?: number | null;
  provider?: string | null;
  correlation_id?: string | null;
}

/** Attributes of `newSession` (ASM's `Session.new`): the session starts `pending`. */
export interface NewSession {
  /** Required and non-empty (`validation_error` otherwise). */
  agent_id: string;
  /** Generated (`ses_…`) when absent; must not be empty. */
  id?: string | null;
  parent_session_id?: string | null;
  metadata?: JsonObject | null;
  context?: JsonObject | null;
  tags?: readonly string[] | null;
}

/** Attributes of `newRun` (ASM's `Run.new`): the run starts `pending` with `started_at` now. */
export interface NewRun {
  /** Required and non-empty. */
  session_id: string;
  /** Generated (`run_…`) when absent; must not be empty. */
  id?: string | null;
  input?: JsonValue;
  metadata?: JsonObject | null;
}

/** Attributes of `newEvent` (ASM's `Event.new`): the timestamp is now. */
export interface NewEvent {
  /** Required; an unknown name is `invalid_event_type`. */
  type: EventType;
  /** Required and non-empty. */
  session_id: string;
  /** Generated (`evt_…`) when absent; must not be empty. */
  id?: string | null;
  run_id?: string | null;
  data?: JsonObject | null;
  metadata?: JsonObject | null;
  /** Kept as given; the store overwrites it on append. */
  sequence_number?: number | null;
  /** Defaults to 1. */
  schema_version?: number | null;
  provider?: string | null;
  correlation_id?: string | null;
}

/**
 * Attributes of `registerArtifact`. A missing required member is `persistence_error`
 * ("<field> is required"); a key already used, even by a deleted artifact, too.
 */
export interface NewArtifact {
  key: string;
  /** An integer. */
  byte_size: number;
  checksum_sha256: string;
  storage_backend: string;
  storage_ref: string;
  /** Generated (`art_…`) when absent or empty. */
  id?: string | null;
  session_id?: string | null;
  run_id?: string | null;
  content_type?: string | null;
  metadata?: JsonObject | null;
}

/**
 * Attributes of `storeArtifact`: the size, checksum and storage come from the bytes written;
 * `byte_size` and `checksum_sha256`, when given, are declarations the bytes must match.
 */
export interface StoreArtifactInput {
  key: string;
  byte_size?: number | null;
  checksum_sha256?: string | null;
  /** Generated (`art_…`) when absent or empty. */
  id?: string | null;
  session_id?: string | null;
  run_id?: string | null;
  content_type?: string | null;
  metadata?: JsonObject | null;
}

// ---------------------------------------------------------------------------------------------
// Options. `null` anywhere means "not given", as does a missing options argument.
// ---------------------------------------------------------------------------------------------

/** Filters of `listSessions`. */
export interface ListSessions {
  status?: SessionStatus | null;
  agent_id?: string | null;
  /** An integer ≥ 0; 0 or absent means all. */
  limit?: number | null;
}

/** Filters of `listRuns`. */
export interface ListRuns {
  status?: RunStatus | null;
  /** An integer ≥ 0; 0 or absent means all. */
  limit?: number | null;
}

/** Filters of `getEvents`, ANDed; `limit` applies after all of them. */
export interface EventFilter {
  run_id?: string | null;
  /** Exactly this type. */
  type?: EventType | null;
  /** `timestamp >= since`. */
  since?: TimestampInput | null;
  /** `sequence_number > after` (a value that is not an integer ≥ 0 is ignored). */
  after?: number | null;
  /** `sequence_number < before` (a value that is not an integer ≥ 0 is ignored). */
  before?: number | null;
  /** An integer ≥ 0; 0 or absent means all. */
  limit?: number | null;
  /** Accepted and ignored: no store here long-polls. */
  wait_timeout_ms?: number | null;
}

/** What `flush` persists atomically: the result of one execution. */
export interface FlushPayload {
  /** Upserted. */
  session: SessionInput;
  /** Upserted. */
  run: RunInput;
  /** Appended in order, sequenced; ids already stored are not written again. */
  events: readonly EventInput[];
  /** Accepted and not persisted (nor by ASM's stores). */
  provider_metadata?: JsonObject | null;
}

/** Orders of `searchSessions` (ties break on id); an unknown name means the default, `updated_at_desc`. */
export type SessionOrder = 'created_at_asc' | 'created_at_desc' | 'updated_at_desc';

/** Orders of `searchRuns`; an unknown name means the default, `started_at_desc`. `token_usage_desc` pages without a cursor. */
export type RunOrder = 'started_at_desc' | 'started_at_asc' | 'token_usage_desc';

/** Orders of `searchEvents`; an unknown name means the default, `sequence_asc`. */
export type EventOrder = 'sequence_asc' | 'timestamp_asc' | 'timestamp_desc';

/** Where a tail starts and what it keeps to. */
export interface TailFollow {
  /** The first sequence number wanted; 1 (the whole log) when absent. */
  from_sequence?: number | null;
  /** Only events of this type (the cursor still moves past the others). */
  type?: EventType | null;
  /** Only events of this run. */
  run_id?: string | null;
  /** How long a caught-up read waits for new events, in ms (15000 by default). */
  wait_ms?: number | null;
}

/** What `subscribe` needs of an `AbortSignal` (declared here so the types need no DOM library). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** Options of `subscribe`. */
export interface SubscribeOptions extends TailFollow {
  /** An `AbortSignal` that ends the iteration (a pending wait is abandoned). */
  signal?: AbortSignalLike | null;
}

/** One step of a tail. */
export type TailItem =
  | { kind: 'event'; event: StoredEvent }
  /** Sequences `from` up to `first_stored - 1` were removed by retention. */
  | { kind: 'pruned'; from: number; first_stored: number }
  /** Every event up to `last_sequence` was delivered; repeated after each quiet wait. */
  | { kind: 'up-to-date'; last_sequence: number };

/** What `subscribe` returns: `for await (const item of store.subscribe(id)) …`. */
export interface TailIterator extends AsyncIterableIterator<TailItem> {
  /** The last sequence number accounted for. */
  readonly cursor: number;
}

/** What `openTail` returns. */
export interface TailReader {
  next(): Promise<TailItem>;
  /** The last sequence number accounted for. */
  readonly cursor: number;
  /** Releases the WebAssembly side. */
  free(): void;
}

/** Options of `searchSessions` (all ANDed). */
export interface SessionSearch {
  agent_id?: string | null;
  /** One status or any of several; `[]` matches nothing (as in ASM), absent or `null` matches all. */
  status?: SessionStatus | readonly SessionStatus[] | null;
  /** Sessions having a run by this provider (or one of these). */
  provider?: string | readonly string[] | null;
  /** Sessions carrying every one of these tags. */
  tags?: readonly string[] | null;
  created_after?: TimestampInput | null;
  created_before?: TimestampInput | null;
  /** Include soft-deleted sessions (default false). */
  include_deleted?: boolean | null;
  order_by?: SessionOrder | null;
  /** Page size, 1 to 1000; default 50. */
  limit?: number | null;
  /** The `cursor` of the previous page (`null` starts from the first). */
  cursor?: string | null;
}

/** Options of `searchRuns` (all ANDed). */
export interface RunSearch {
  session_id?: string | null;
  /** One provider (a list is not accepted here). */
  provider?: string | null;
  /** One status or any of several; `[]` matches nothing, absent or `null` matches all. */
  status?: RunStatus | readonly RunStatus[] | null;
  started_after?: TimestampInput | null;
  started_before?: TimestampInput | null;
  /** Stored `token_usage.total_tokens >=` this integer ≥ 0 (a non-integer is `query_error`). */
  min_tokens?: number | null;
  order_by?: RunOrder | null;
  /** Page size, 1 to 1000; default 50. */
  limit?: number | null;
  /** The `cursor` of the previous page. */
  cursor?: string | null;
}

/** Options of `searchEvents` and `countEvents` (all ANDed; an empty id or provider list means no filter). */
export interface EventSearch {
  session_ids?: readonly string[] | null;
  run_ids?: readonly string[] | null;
  /** One type or any of several; `[]` matches nothing (as in ASM), absent or `null` matches all. */
  types?: EventType | readonly EventType[] | null;
  providers?: readonly string[] | null;
  /** `timestamp >= since`. */
  since?: TimestampInput | null;
  /** `timestamp <= until`. */
  until?: TimestampInput | null;
  correlation_id?: string | null;
  order_by?: EventOrder | null;
  /** Page size, 1 to 1000; default 100. Ignored by `countEvents`. */
  limit?: number | null;
  /** The `cursor` of the previous page. Ignored by `countEvents`. */
  cursor?: string | null;
}

/** Options of `getUsageSummary`: runs matching all of them. */
export interface UsageQuery {
  session_id?: string | null;
  provider?: string | null;
  /** `started_at >= since`. */
  since?: TimestampInput | null;
  /** `started_at <= until`. */
  until?: TimestampInput | null;
}

/** US dollars per token, as in ASM's configuration (0.000003 is $3 per million). */
export interface PricingRates {
  input: number;
  output: number;
  /** Cache reads; the input rate when absent. */
  cache_read?: number | null;
  /** Cache writes; the input rate when absent. */
  cache_creation?: number | null;
}

/** One provider's rates: by exact model name, else by the longest model-name prefix, else `default`. */
export interface ProviderPricing {
  default?: PricingRates | null;
  models?: Record<string, PricingRates>;
}

/** Rates by provider name (`claude`, `codex`, `amp`, …). */
export interface PricingTable {
  providers: Record<string, ProviderPricing>;
}

/** Options of `getCostSummary`. */
export interface CostQuery {
  session_id?: string | null;
  /** Runs of sessions of this agent. */
  agent_id?: string | null;
  provider?: string | null;
  /** `started_at >= since`. */
  since?: TimestampInput | null;
  /** `started_at <= until`. */
  until?: TimestampInput | null;
  /**
   * Rates for runs without a stored `cost_usd`: ASM's shape (the providers map itself), ASM's
   * legacy flat shape (`{ claude: { input, output } }`), or `{ providers: { … } }`; ASM's
   * default table when absent.
   */
  pricing_table?: PricingTable | Record<string, ProviderPricing> | Record<string, PricingRates> | null;
}

/** Options of `exportSession`. */
export interface ExportOptions {
  /** Add the session's artifacts, deleted ones included (default false). */
  include_artifacts?: boolean | null;
}

/** A bound in days or events, or `'infinity'` (ASM's `:infinity`) for none. */
export type RetentionLimit = number | 'infinity' | ':infinity';

/**
 * A retention policy (ASM's `RetentionPolicy.new`): the defaults, overridden by the members given;
 * unknown members are ignored. Limits must be integers ≥ 1 or `'infinity'`.
 */
export interface RetentionPolicy {
  /** Validated only, as in ASM. Default `'infinity'`. */
  max_session_age_days?: RetentionLimit | null;
  /** Soft-delete sessions not updated for this many days. Default 90. */
  max_completed_session_age_days?: RetentionLimit | null;
  /** Hard-delete sessions soft-deleted this many days ago. Default 30. */
  hard_delete_after_days?: RetentionLimit | null;
  /** Prune each session's log down to this many events. Default `'infinity'`. */
  max_events_per_session?: RetentionLimit | null;
  /** Validated only, as in ASM. Default `'infinity'`. */
  max_total_events?: RetentionLimit | null;
  /** Upper bound on rows one maintenance statement touches. Default 100. */
  batch_size?: number | null;
  /** Validated only (archiving is not implemented, as in ASM); needs `archive_store`. */
  archive_before_prune?: boolean | null;
  archive_store?: string | null;
  /** Sessions in these statuses are never soft-deleted. Default `['active', 'paused']`. */
  exempt_statuses?: SessionStatus | readonly SessionStatus[] | null;
  /** Sessions with any of these tags are never soft-deleted. Default `['pinned']`. */
  exempt_tags?: readonly string[] | null;
  /** Pruning removes these types first. Default `['message_streamed', 'token_usage_updated']`. */
  prune_event_types_first?: EventType | readonly EventType[] | null;
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/** One page of `searchSessions`. */
export interface SessionPage {
  sessions: Session[];
  /** Pass as `cursor` for the next page; `null` when this page is empty. */
  cursor: string | null;
  /** All sessions matching the filters, ignoring cursor and limit. */
  total_count: number;
}

/** One page of `searchRuns`. */
export interface RunPage {
  runs: Run[];
  /** Pass as `cursor` for the next page; `null` when this page is empty or the order is by tokens. */
  cursor: string | null;
}

/** One page of `searchEvents`. */
export interface EventPage {
  events: StoredEvent[];
  /** Pass as `cursor` for the next page; `null` when this page is empty. */
  cursor: string | null;
}

/** Token sums; missing or non-numeric counts count as 0. */
export interface TokenTotals {
  input_tokens: number;
  output_tokens: number;
  /** The sum of the stored `total_tokens` (never computed from the other two). */
  total_tokens: number;
}

/** `getSessionStats`: counts and sums of one session. */
export interface SessionStats {
  event_count: number;
  run_count: number;
  token_totals: TokenTotals;
  /** Distinct run providers, sorted. */
  providers_used: string[];
  first_event_at: IsoTimestamp | null;
  last_event_at: IsoTimestamp | null;
  /** Runs per status; statuses with no run are absent. */
  status_counts: Partial<Record<RunStatus, number>>;
}

/** Token usage of one provider's runs. */
export interface ProviderUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  run_count: number;
}

/** `getUsageSummary`: token usage of the matching runs. */
export interface UsageSummary {
  total_input_tokens: number;
  total_output_tokens: number;
  total_tokens: number;
  run_count: number;
  /** Per provider; runs without one under `"unknown"`. */
  by_provider: Record<string, ProviderUsage>;
}

/** Cost of one provider's runs. */
export interface ProviderCost {
  cost_usd: number;
  run_count: number;
}

/** Cost of one model's runs. */
export interface ModelCost {
  cost_usd: number;
  input_tokens: number;
  output_tokens: number;
}

/** `getCostSummary`: the stored `cost_usd`, else the usage priced by the pricing table. */
export interface CostSummary {
  total_cost_usd: number;
  /** All matching runs, unmapped ones included. */
  run_count: number;
  /** Per provider; runs without one under `"unknown"`. */
  by_provider: Record<string, ProviderCost>;
  /** Per `provider_metadata.model`; runs without one under `"unknown"`. */
  by_model: Record<string, ModelCost>;
  /** Runs with no stored cost and no rate in the pricing table. */
  unmapped_runs: number;
}

/** `exportSession`: a session with everything it owns. */
export interface SessionExport {
  session: Session;
  runs: Run[];
  /** In sequence order. */
  events: StoredEvent[];
  /** Present only with `{ include_artifacts: true }`. */
  artifacts?: ExportedArtifact[];
}

/** What one maintenance `execute` did (or, from `plan`, would do). */
export interface MaintenanceReport {
  sessions_soft_deleted: number;
  sessions_hard_deleted: number;
  events_pruned: number;
  artifacts_cleaned: number;
  orphaned_sequences_cleaned: number;
  /** Wall time, from the store's clock. */
  duration_ms: number;
  /** One message per failure (per failed step, per session whose pruning failed); the rest still ran. */
  errors: string[];
  /** Whether every step ran to its end; false when the statement budget stopped the run or a step failed: run again to continue. */
  complete: boolean;
  /** The steps that did not run to their end, in `execute`'s order. */
  remaining: string[];
}

/** A session's live artifacts: how many and their total size. */
export interface ArtifactStats {
  artifact_count: number;
  total_bytes: number;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * What every failure of the store is (a rejected `Promise`, or a throw from the constructor and
 * the `new*` functions): an `Error` carrying ASM's code. Tell it apart with `isAsmError`.
 */
export interface AsmError extends Error {
  name: 'AsmError';
  code: ErrorCode;
  /**
   * Structured context. When the database fails an operation: `reason` (the driver's message),
   * `kind` (`unique_violation`, `missing_schema`, `transient` or `other`) and `operation`.
   */
  details: Record<string, unknown>;
  /** ASM's flag for the code: true only for the five codes worth retrying unchanged. */
  retryable: boolean;
}

/** True for the errors the store throws; narrows `unknown` (a `catch` variable) to `AsmError`. */
export declare function isAsmError(error: unknown): error is AsmError;

// ---------------------------------------------------------------------------------------------
// Executors
// ---------------------------------------------------------------------------------------------

/** The SQL an executor speaks: `sqlite` (≥ 3.35), `d1` (SQLite, 100 bound values per statement) or `postgres`. */
export type Dialect = 'sqlite' | 'd1' | 'postgres';

/**
 * A bound value: `null`, a number, or text. Integers beyond 2^53 arrive as decimal text, which
 * SQLite's INTEGER affinity and PostgreSQL's casts read back exactly.
 */
export type SqlValue = null | number | string;

/**
 * A cell an executor returns: `null`/`undefined` (SQL NULL), a number, a `bigint`, text or a
 * boolean (read as 0 or 1). Anything else fails the batch.
 */
export type SqlCell = SqlValue | bigint | boolean | undefined;

/** One statement: SQL with `?1, ?2, …` (SQLite, D1) or `$1, $2, …` (PostgreSQL) placeholders, and their values. */
export interface Statement {
  sql: string;
  params: SqlValue[];
  /** True when it only reads: the store that wrote the SQL says so, executors need not guess. */
  readOnly: boolean;
}

/** What one statement returned. */
export interface BatchResult {
  /** Rows as arrays of cells in select-list order; absent or `null` for none. */
  rows?: ReadonlyArray<readonly SqlCell[]> | null;
  /** Rows inserted, updated or deleted (0 for reads); absent means 0. */
  changes?: number | null;
}

/**
 * What the store runs its SQL through: any object with a `dialect` and a `batch` that runs the
 * statements in order as one atomic unit (all or nothing) and answers one result per statement.
 * To be told apart, a thrown error may carry `kind` (`ExecutorErrorKind`), a PostgreSQL SQLSTATE
 * `code`, a network `code` (`ECONNRESET` …), or SQLite's message text.
 */
export interface Executor {
  readonly dialect: Dialect;
  batch(statements: Statement[]): Promise<readonly BatchResult[]> | readonly BatchResult[];
}

/** The `kind` an executor may set on a thrown error; it decides `details.kind` and the store's handling. */
export type ExecutorErrorKind = 'unique_violation' | 'missing_schema' | 'transient' | 'other';

/** A D1 prepared statement, as far as `d1Executor` uses it. */
export interface D1PreparedStatement {
  bind(...values: unknown[]): D1PreparedStatement;
}

/** One result of a D1 `batch()`, as far as `d1Executor` reads it. */
export interface D1Result {
  results?: unknown[] | null;
  meta?: { changes?: number | null } | null;
}

/** A D1 binding (or a D1 session), as far as `d1Executor` uses it; `@cloudflare/workers-types`' `D1Database` is one. */
export interface D1Database {
  prepare(query: string): D1PreparedStatement;
  batch(statements: D1PreparedStatement[]): Promise<D1Result[]>;
}

/** A sql.js statement, as far as `sqlJsExecutor` uses it. */
export interface SqlJsStatement {
  bind(values: SqlValue[]): boolean;
  step(): boolean;
  get(params: null, config: { useBigInt: boolean }): unknown[];
  free(): unknown;
}

/** A sql.js `Database`, as far as `sqlJsExecutor` uses it. */
export interface SqlJsDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): SqlJsStatement;
  getRowsModified(): number;
}

/** A better-sqlite3 statement, as far as `betterSqlite3Executor` uses it. */
export interface BetterSqlite3Statement {
  readonly reader: boolean;
  raw(toggleState?: boolean): BetterSqlite3Statement;
  safeIntegers(toggleState?: boolean): BetterSqlite3Statement;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}

/** A better-sqlite3 transaction function, as far as `betterSqlite3Executor` uses it. */
export interface BetterSqlite3Transaction {
  immediate(statements: Statement[]): unknown;
}

/** A better-sqlite3 `Database`, as far as `betterSqlite3Executor` uses it. */
export interface BetterSqlite3Database {
  prepare(source: string): BetterSqlite3Statement;
  transaction(fn: (statements: Statement[]) => BatchResult[]): BetterSqlite3Transaction;
}

/** The query config `pgExecutor` sends: array rows, with its own type parsers. */
export interface PgQueryConfig {
  text: string;
  values: SqlValue[];
  rowMode: 'array';
  types: { getTypeParser(oid: number, format?: string): (text: string) => unknown };
}

/** A node-postgres result, as far as `pgExecutor` reads it. */
export interface PgQueryResult {
  rows: unknown[];
  command: string;
  rowCount: number | null;
}

/** A node-postgres `Client` (or a pool's client), as far as `pgExecutor` uses it. */
export interface PgClient {
  query(text: string): Promise<unknown>;
  query(config: PgQueryConfig): Promise<PgQueryResult>;
}

/** A client checked out of a node-postgres `Pool`. */
export interface PgPoolClient extends PgClient {
  release(error?: Error | boolean): void;
}

/** A node-postgres `Pool`, as far as `pgExecutor` uses it (`totalCount` tells it from a `Client`). */
export interface PgPool {
  readonly totalCount: number;
  connect(): Promise<PgPoolClient>;
}

/** The query options `pgliteExecutor` sends: array rows, with its own parsers by type OID. */
export interface PGliteQueryOptions {
  rowMode?: 'array' | 'object';
  parsers?: { [typeId: number]: (value: string, typeId: number) => unknown };
}

/** A PGlite transaction, as far as `pgliteExecutor` uses it. */
export interface PGliteTransaction {
  query(query: string, params?: unknown[], options?: PGliteQueryOptions): Promise<{ rows: unknown[]; affectedRows?: number }>;
}

/** A `PGlite` (or `PGliteWorker`) instance, as far as `pgliteExecutor` uses it. */
export interface PGliteDatabase {
  transaction<T>(callback: (tx: PGliteTransaction) => Promise<T>): Promise<T>;
}

/** An executor over a D1 binding (Workers): each batch is one `db.batch()`, which D1 runs as one transaction. */
export declare function d1Executor(db: D1Database): Executor;

/** An executor over a sql.js `Database` (Node, browsers): each batch is `BEGIN IMMEDIATE … COMMIT` in one turn. */
export declare function sqlJsExecutor(db: SqlJsDatabase): Executor;

/** An executor over a better-sqlite3 `Database` (Node): each batch is one immediate transaction. */
export declare function betterSqlite3Executor(db: BetterSqlite3Database): Executor;

/** An executor over node-postgres: a `Pool` (a connection per batch) or one `Client` (batches queued), each batch `BEGIN … COMMIT`. */
export declare function pgExecutor(pool: PgPool | PgClient): Executor;

/** An executor over PGlite (PostgreSQL in WebAssembly, Node and browsers): each batch is one `db.transaction`. */
export declare function pgliteExecutor(db: PGliteDatabase): Executor;

// ---------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------

/**
 * Where a store takes time and randomness from; each function given is called once when the
 * store is made, so a broken one fails there. Without them: `Date.now()` and
 * `crypto.getRandomValues`.
 */
export interface StoreOptions {
  /** The clock: a `Date`, or ISO-8601 text (which keeps microseconds). */
  now?: (() => Date | string) | null;
  /** `n` random bytes for ids, as a `Uint8Array` of length `n`. */
  randomBytes?: ((n: number) => Uint8Array) | null;
  /**
   * Caps on one call's work (none by default, as in ASM): rows a list answers without a
   * `limit`, the largest `limit`, events per append, statements per write batch. Over a cap a
   * call fails with `validation_error` (`details.limit`) and writes nothing.
   */
  limits?: StoreLimits | null;
  /**
   * Redacts every event the store writes (`appendEvent`, `appendEvents`, `flush`) before it
   * reaches the executor: ASM's EventRedactor map. A map that does not say `enabled` turns it
   * on; absent (the default, as ASM) stores events as given. Bad patterns or types make the
   * store's construction fail with `validation_error`.
   */
  redaction?: RedactionOptions | null;
  /**
   * Called after each write that redacted something, once it is stored, with what it replaced
   * (never the secrets). Exceptions it throws are ignored: the write is already stored.
   */
  onRedaction?: ((report: RedactionReport) => void) | null;
  /**
   * Where artifact bytes go: `"memory"` (the core's in-memory store), or a backend —
   * `fsBlobs(dir)` (Node), `opfsBlobs()` (browsers), `r2Blobs(env.BUCKET)` (Workers), `s3Blobs({ … })` (anywhere with fetch) or one's
   * own `BlobBackend`. Without it the byte methods (`storeArtifact`, `putBlob`, …) fail with
   * `storage_error`; the rest of the store works as before.
   */
  artifacts?: 'memory' | BlobBackend | null;
  /**
   * How long bytes without a row are left alone by `sweepArtifacts` and `execute`, in
   * milliseconds (default one hour): longer than an upload takes between its bytes and its row.
   */
  artifact_grace_ms?: number | null;
}

/** `StoreOptions.redaction`: ASM's redaction map (`RedactionConfig.from_json`). */
export interface RedactionOptions {
  /** Default true here (a map was given). */
  enabled?: boolean | null;
  /** `"default"` (the 22 default patterns), a list added to them, or `{ replace: list }` alone; an entry is a regex source or `{ category, pattern }`. */
  patterns?: 'default' | readonly RedactionPattern[] | { replace: readonly RedactionPattern[] } | null;
  /** What a match becomes: literal text (default `"[REDACTED]"`), or `"categorized"` for `[REDACTED:<category>]`. */
  replacement?: string | null;
  /** Scan all of `data` (default true) or only the fields of the event's type. */
  deep_scan?: boolean | null;
  /** Also scan `metadata` (default false). */
  scan_metadata?: boolean | null;
}

/** A custom pattern: Rust regex syntax as regex-lite reads it (ASCII `\w`, `\d`, `\s` and case folding, as PCRE without the `u` flag; no `\p{…}`). */
export type RedactionPattern = string | { category?: string | null; pattern: string };

/** What one write redacted, as `onRedaction` gets it. */
export interface RedactionReport {
  /** Matches replaced over all the write's events. */
  redaction_count: number;
  /** One entry per event that changed (a repeated id once), in input order. */
  events: EventRedaction[];
}

/** What redaction changed in one event. */
export interface EventRedaction {
  event_id: string;
  session_id: string;
  redaction_count: number;
  /** Top-level keys of `data` (and `metadata`) whose value changed, sorted. */
  fields_redacted: string[];
}

/** `StoreOptions.limits`: a number sets a cap, `null` or absent leaves it off. */
export interface StoreLimits {
  default_page?: number | null;
  max_page?: number | null;
  max_events_per_call?: number | null;
  max_statements_per_batch?: number | null;
}

// ---------------------------------------------------------------------------------------------
// Artifact bytes
// ---------------------------------------------------------------------------------------------

/** What a backend knows of a stored object. */
export interface BlobInfo {
  key: string;
  byte_size: number;
  /** Lowercase hex SHA-256 of the bytes. */
  sha256: string;
  content_type: string | null;
  /** When it was written, by the store's clock (the sweeper's grace period counts from it). */
  stored_at: IsoTimestamp;
}

/** What a caller declares about the bytes it sends; bytes that contradict it are refused and not kept. */
export interface PutOptions {
  content_type?: string | null;
  /** The exact length. */
  byte_size?: number | null;
  /** 64 hex digits. */
  sha256?: string | null;
}

/** A part of an object: an HTTP `Range` value (`"bytes=0-99"`), `{ start, end? }` (`end` inclusive) or `{ suffix }` (the last bytes). */
export type ByteRangeInput = string | { start: number; end?: number | null } | { suffix: number };

/** The part of the object a body holds. */
export interface ByteSpan {
  offset: number;
  length: number;
}

/** A reader of a byte stream, as far as the package uses it. */
export interface ByteStreamReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  releaseLock(): void;
  cancel(reason?: unknown): Promise<void>;
}

/**
 * A WHATWG `ReadableStream` of bytes (declared here so the types need no DOM library): what the
 * byte methods answer, the global `ReadableStream` of browsers, Node and Workers.
 */
export interface ByteReadableStream extends AsyncIterable<Uint8Array> {
  readonly locked: boolean;
  getReader(): ByteStreamReader;
  cancel(reason?: unknown): Promise<void>;
}

/**
 * A body the byte methods take: bytes, text, a `ReadableStream`, a `Blob` (anything with
 * `stream()`) or an async iterable of bytes (a Node stream).
 */
export type BlobBody =
  | Uint8Array
  | ArrayBuffer
  | string
  | { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }> } }
  | { stream(): { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }> } } }
  | AsyncIterable<Uint8Array | string>;

/** An object opened for reading. */
export interface OpenedBlob {
  /** The whole object's description. */
  info: BlobInfo;
  /** The part `body` holds (all of it without a range). */
  span: ByteSpan;
  /** The bytes of `span`, pulled from the backend as they are read. */
  body: ByteReadableStream;
}

/** An artifact opened for reading: its row and its bytes. */
export interface OpenedArtifact extends OpenedBlob {
  artifact: Artifact;
}

/** What `sweepArtifacts` found and did. */
export interface SweepReport {
  /** Objects under `blobs/` looked at. */
  blobs_examined: number;
  /** Objects no live row describes, older than the grace period, removed. */
  blobs_removed: number;
  /** Objects no live row describes yet, younger than the grace period, left alone. */
  blobs_in_grace: number;
}

/**
 * A place for artifact bytes, written in JavaScript. The store checks keys, computes the length
 * and SHA-256 while writing, compares them with what was declared and resolves ranges; the
 * backend only moves bytes. Every method answers a `Promise`; a rejection becomes
 * `storage_error` "Artifact store <op> failed: <message>".
 */
export interface BlobBackend {
  /** The name recorded as an artifact's `storage_backend` (`file`, `opfs`, `r2`, …). */
  readonly backend: string;
  /**
   * Starts writing `key`. `meta.stored_at` is the store's clock, to keep as the object's time.
   * Nothing may be visible under `key` (and the old object must stay) until `close()`.
   */
  put(key: string, meta: BlobWriteMeta): Promise<BlobWriter>;
  /** The object's description and `length` bytes from `offset` (within its size), or `null` when there is none. */
  get(key: string, offset: number, length: number): Promise<{ info: BlobInfo; body: { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }> } } } | null>;
  /** The object's description, or `null`. */
  head(key: string): Promise<BlobInfo | null>;
  /** Removes the object; a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Up to `limit` objects whose keys start with `prefix`, after `after`, in key order (UTF-8 bytes). */
  list(prefix: string, after: string | null, limit: number): Promise<BlobInfo[]>;
}

/** What the store tells a backend when a put starts. */
export interface BlobWriteMeta {
  content_type: string | null;
  byte_size: number | null;
  sha256: string | null;
  stored_at: IsoTimestamp;
}

/** One put in progress. */
export interface BlobWriter {
  /** Appends a chunk (the next one comes once this settles). */
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the written bytes the object under its key, replacing the old one at once; answers its description. */
  close(received: { byte_size: number; sha256: string }): Promise<BlobInfo>;
  /** Discards what was written; the old object stays. */
  abort(): Promise<void>;
}

/** An R2 bucket binding (`env.BUCKET`), as far as `r2Blobs` uses it; `@cloudflare/workers-types`' `R2Bucket` is one. */
export interface R2Bucket {
  put(key: string, value: unknown, options?: unknown): Promise<unknown>;
  get(key: string, options?: unknown): Promise<(R2ObjectLike & { body: unknown }) | null>;
  head(key: string): Promise<R2ObjectLike | null>;
  delete(key: string): Promise<void>;
  list(options?: unknown): Promise<{ objects: R2ObjectLike[]; truncated: boolean; cursor?: string }>;
}

/** The members of an R2 object `r2Blobs` reads. */
export interface R2ObjectLike {
  key: string;
  size: number;
  uploaded: Date;
  httpMetadata?: { contentType?: string };
  customMetadata?: Record<string, string>;
  checksums?: { sha256?: ArrayBuffer };
}

/** Artifact bytes in the folder `dir` of Node's filesystem: one file per object, replaced by rename. */
export declare function fsBlobs(dir: string): BlobBackend;

/** Artifact bytes in the browser's Origin Private File System, in the folder `name` (default `"asm-artifacts"`). */
export declare function opfsBlobs(name?: string): BlobBackend;

/** Artifact bytes in an R2 bucket (a Worker's binding, or Miniflare's). */
export declare function r2Blobs(bucket: R2Bucket, options?: { stagingPrefix?: string }): BlobBackend;

/** Where `s3Blobs` keeps artifact bytes: an S3-compatible endpoint, path-style, signed with SigV4. */
export interface S3BlobsOptions {
  /** The service's base URL, e.g. `https://s3.us-east-1.amazonaws.com` or `http://127.0.0.1:9000`. */
  endpoint: string;
  bucket: string;
  /** The SigV4 signing region (`us-east-1`, or `auto` for R2). */
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** For temporary credentials. */
  sessionToken?: string;
  /** Put before every key in the bucket (e.g. `"asm/"`), so one bucket can hold other things too. */
  prefix?: string;
}

/** Artifact bytes in an S3-compatible bucket over fetch (Node, Workers, browsers): multipart above 8 MiB, SHA-256 in `x-amz-meta-sha256`. */
export declare function s3Blobs(options: S3BlobsOptions): BlobBackend;

/** Options of `openStore`. */
export interface OpenStoreOptions extends StoreOptions {
  /** Create the `asm_*` tables when missing (default true). */
  migrate?: boolean;
}

/**
 * A session store over an executor: sessions, runs, a gap-free event log, artifacts, search,
 * usage and cost summaries, retention. Every method answers a `Promise` (rejected with an
 * `AsmError`) except the three `new*` constructors; every write is one atomic batch.
 *
 * The reports (`getSessionStats`, `getUsageSummary`, `getCostSummary`, `exportSession`),
 * maintenance (`execute`, `plan`, the prunes and deletions, `healthCheck`) and artifact methods
 * run in the package's full WebAssembly module, loaded on the first such call (in Node and
 * browsers; a Worker loads it at once); if it cannot be loaded they reject with
 * `dependency_not_available` (`retryable: true`).
 */
export declare class Store {
  /** A store over `executor`; throws an `AsmError` when the executor or the options are malformed. Does not migrate (see `openStore`). */
  constructor(executor: Executor, options?: StoreOptions | null);

  /** The executor's dialect. */
  readonly dialect: Dialect;

  /** Releases the WebAssembly memory of the store now (otherwise done when it is garbage-collected); the store is unusable afterwards. */
  free(): void;

  /** Creates the `asm_*` tables and indexes when missing, in one batch (`storage_write_failed` on failure). */
  migrate(): Promise<void>;

  /** A new `pending` session with this store's clock and ids (not saved). */
  newSession(attrs: NewSession): Session;
  /** A new `pending` run with this store's clock and ids (not saved). */
  newRun(attrs: NewRun): Run;
  /** A new event with this store's clock and ids (not appended). */
  newEvent(attrs: NewEvent): Event;

  /** Inserts or fully replaces the session with this id. */
  saveSession(session: SessionInput): Promise<void>;
  /** The session, soft-deleted or not; `session_not_found` when absent. */
  getSession(sessionId: string): Promise<Session>;
  /** Sessions matching the filters, in no particular order. */
  listSessions(filter?: ListSessions | null): Promise<Session[]>;
  /** Removes the session with its runs, events, artifacts and sequence counter; idempotent. */
  deleteSession(sessionId: string): Promise<void>;
  /** Inserts or fully replaces the run with this id. */
  saveRun(run: RunInput): Promise<void>;
  /** The run; `run_not_found` when absent. */
  getRun(runId: string): Promise<Run>;
  /** The session's runs matching the filters, in no particular order. */
  listRuns(sessionId: string, filter?: ListRuns | null): Promise<Run[]>;
  /** The session's `running` run, or `null`. */
  getActiveRun(sessionId: string): Promise<Run | null>;
  /** Appends one event and answers it with its sequence number; the same event already stored (same session and content) answers the stored one, an id of another session rejects with `session_mismatch`, other content with `already_exists`. */
  appendEvent(event: EventInput): Promise<StoredEvent>;
  /** Appends events in order, all or nothing (a list, or `{ events }`); answers one stored event per element. */
  appendEvents(events: readonly EventInput[] | { events: readonly EventInput[] }): Promise<StoredEvent[]>;
  /** Saves an execution's session, run and events together, all or nothing. */
  flush(payload: FlushPayload): Promise<void>;
  /** The session's events in sequence order, filtered. */
  getEvents(sessionId: string, filter?: EventFilter | null): Promise<StoredEvent[]>;
  /** The highest sequence number ever assigned in the session; 0 when none. */
  getLatestSequence(sessionId: string): Promise<number>;
  /**
   * A live tail as an async iterator: the backlog from `from_sequence` (1 by default), then new
   * events as they are appended, in sequence order, each once. `signal` (or `break`) ends it.
   * Resume after the last event seen with `from_sequence: event.sequence_number + 1`.
   */
  subscribe(sessionId: string, options?: SubscribeOptions | null): TailIterator;
  /** The tail `subscribe` iterates, pulled one item at a time (one `next()` at a time). */
  openTail(sessionId: string, follow?: TailFollow | null): TailReader;

  /** A page of sessions and the cursor of the next. */
  searchSessions(query?: SessionSearch | null): Promise<SessionPage>;
  /** Event and run counts, token totals and providers of one session; `session_not_found` when absent. */
  getSessionStats(sessionId: string): Promise<SessionStats>;
  /** A page of runs and the cursor of the next. */
  searchRuns(query?: RunSearch | null): Promise<RunPage>;
  /** Token usage of the matching runs, overall and per provider. */
  getUsageSummary(query?: UsageQuery | null): Promise<UsageSummary>;
  /** Cost of the matching runs, overall, per provider and per model. */
  getCostSummary(query?: CostQuery | null): Promise<CostSummary>;
  /** A page of events across sessions and the cursor of the next. */
  searchEvents(query?: EventSearch | null): Promise<EventPage>;
  /** How many events match (`limit` and `cursor` are ignored). */
  countEvents(query?: EventSearch | null): Promise<number>;
  /** The session with its runs, events and artifacts; `session_not_found` when absent. */
  exportSession(sessionId: string, options: ExportOptions & { include_artifacts: true }): Promise<SessionExport & { artifacts: ExportedArtifact[] }>;
  /** The session with its runs and events (and, with `{ include_artifacts: true }`, artifacts); `session_not_found` when absent. */
  exportSession(sessionId: string, options?: ExportOptions | null): Promise<SessionExport>;

  /** Runs every retention step of the policy (soft delete, hard delete, prune, orphans); failed steps are listed in `errors`. */
  execute(policy?: RetentionPolicy | null): Promise<MaintenanceReport>;
  /** What `execute(policy)` would do now, changing nothing (not in ASM v0.8). */
  plan(policy?: RetentionPolicy | null): Promise<MaintenanceReport>;
  /** Prunes one session's log down to `max_events_per_session`; answers how many events went. */
  pruneSessionEvents(sessionId: string, policy?: RetentionPolicy | null): Promise<number>;
  /** Soft-deletes sessions past the policy's age that are not exempt; answers how many. */
  softDeleteExpiredSessions(policy?: RetentionPolicy | null): Promise<number>;
  /** Hard-deletes sessions soft-deleted longer than the policy allows, with everything they own; answers how many. */
  hardDeleteExpiredSessions(policy?: RetentionPolicy | null): Promise<number>;
  /** Deletes artifact rows whose session is gone; answers how many. */
  cleanOrphanedArtifacts(): Promise<number>;
  /** The store's consistency problems, as messages; empty when healthy. */
  healthCheck(): Promise<string[]>;

  /** Records artifact metadata and answers the stored artifact. */
  registerArtifact(attrs: NewArtifact): Promise<Artifact>;
  /** The live artifact with this key, or `null`. */
  getArtifact(key: string): Promise<Artifact | null>;
  /** The session's live artifacts, oldest first. */
  listArtifacts(sessionId: string): Promise<Artifact[]>;
  /** Count and total size of the session's live artifacts. */
  artifactStats(sessionId: string): Promise<ArtifactStats>;
  /** Soft-deletes the artifact with this key; idempotent. */
  deleteArtifact(key: string): Promise<void>;
  /** Every artifact row (soft-deleted ones too) in id order, `limit` (1 to 10000) after the id `after`: what a check of rows against bytes reads. */
  scanArtifacts(after: string | null, limit: number): Promise<Artifact[]>;

  /**
   * Stores an artifact with its bytes: the bytes first (under `blobs/<artifact id>`), then the
   * row, whose `byte_size`, `checksum_sha256`, `storage_backend` and `storage_ref` come from
   * what was written. Declared values (`options`, or `byte_size`/`checksum_sha256` in `attrs`)
   * must match (`validation_error`, nothing kept); a key already taken is `persistence_error`.
   */
  storeArtifact(attrs: StoreArtifactInput, body: BlobBody, options?: PutOptions | null): Promise<Artifact>;
  /** The live artifact with `key` and its bytes (or a range of them); `not_found` "Artifact not found: <key>" when there is none. */
  openArtifact(key: string, range?: ByteRangeInput | null): Promise<OpenedArtifact>;
  /** Deletes an artifact: its row (a soft delete), then its bytes; idempotent. */
  removeArtifact(key: string): Promise<void>;
  /** Removes bytes no live row describes that are older than the grace period (`execute` does it too). */
  sweepArtifacts(): Promise<SweepReport>;
  /** The artifact backend's name (`file`, `opfs`, `r2`, `memory`, …), or `null` without one. */
  readonly artifactBackend: string | null;

  /** ASM's `ArtifactStore.put`, streamed: stores `body` under `key`, replacing the old object only once all of it was read and checked. */
  putBlob(key: string, body: BlobBody, options?: PutOptions | null): Promise<BlobInfo>;
  /** ASM's `ArtifactStore.get`, streamed; `not_found` "Artifact not found: <key>" when missing. */
  getBlob(key: string, range?: ByteRangeInput | null): Promise<OpenedBlob>;
  /** The description of the object under `key`, or `null`. */
  headBlob(key: string): Promise<BlobInfo | null>;
  /** ASM's `ArtifactStore.delete`: idempotent. */
  deleteBlob(key: string): Promise<void>;
  /** Objects whose keys start with `prefix`, in key order (`limit` 1 to 1000, default 100). */
  listBlobs(prefix?: string, options?: { after?: string | null; limit?: number | null } | null): Promise<BlobInfo[]>;
}

/** Makes a store over `executor` and, unless `{ migrate: false }`, creates the `asm_*` tables when missing. */
export declare function openStore(executor: Executor, options?: OpenStoreOptions | null): Promise<Store>;

/** A new `pending` session (ASM's `Session.new`) with the host's clock and `crypto.getRandomValues`; throws an `AsmError` on bad attributes. */
export declare function newSession(attrs: NewSession): Session;

/** A new `pending` run (ASM's `Run.new`) with the host's clock and randomness; throws an `AsmError` on bad attributes. */
export declare function newRun(attrs: NewRun): Run;

/** A new event (ASM's `Event.new`) with the host's clock and randomness; throws an `AsmError` on bad attributes. */
export declare function newEvent(attrs: NewEvent): Event;

/**
 * The statements that create (`'up'`, the default) or drop (`'down'`) the `asm_*` tables and
 * indexes on a dialect, one per entry without a trailing semicolon, for your own migration tool.
 */
export declare function migrationStatements(dialect: Dialect, direction?: 'up' | 'down' | null): string[];
