// Exercises the subpath exports asm-edge/drizzle, asm-edge/kysely and asm-edge/sql as a user
// would, and proves with `@ts-expect-error` that wrong columns and types are rejected, so the
// typed views stay as useful as the tables are. Only type-checked (tsc --noEmit), never run;
// typed-access.test.mjs runs the same queries.

import Database from 'better-sqlite3';
import pg from 'pg';
import { asc, eq, type InferSelectModel } from 'drizzle-orm';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { Kysely, PostgresDialect, SqliteDialect, type Insertable, type Selectable } from 'kysely';
import type { EventType, JsonObject, JsonValue, SessionStatus } from 'asm-edge';
import { pg as pgNamespace, sqlite as sqliteNamespace } from 'asm-edge/drizzle';
import * as sqliteSchema from 'asm-edge/drizzle/sqlite';
import * as pgSchema from 'asm-edge/drizzle/pg';
import type { Database as AnyDatabase, PostgresDatabase, SqliteDatabase } from 'asm-edge/kysely';
import { d1, postgres, sqlite, type Migration } from 'asm-edge/sql';

/** Fails to compile unless `T` is exactly `U`. */
type Equals<T, U> = (<V>() => V extends T ? 1 : 2) extends <V>() => V extends U ? 1 : 2 ? true : false;
function assertEquals<T, U>(_proof: Equals<T, U>): void {}

// ---- asm-edge/sql -----------------------------------------------------------------------------

const migrations: Migration[] = [sqlite, d1, postgres];
const upText: string = postgres.up;
// @ts-expect-error the migration text is read-only
sqlite.up = '';

// ---- asm-edge/drizzle -------------------------------------------------------------------------

assertEquals<typeof sqliteNamespace.asmEvents, typeof sqliteSchema.asmEvents>(true);
assertEquals<typeof pgNamespace.asmEvents, typeof pgSchema.asmEvents>(true);

type SqliteEvent = InferSelectModel<typeof sqliteSchema.asmEvents>;
type PgEvent = InferSelectModel<typeof pgSchema.asmEvents>;
assertEquals<SqliteEvent['sequenceNumber'], number>(true);
assertEquals<SqliteEvent['type'], EventType>(true);
assertEquals<SqliteEvent['data'], JsonObject | null>(true);
assertEquals<SqliteEvent['timestamp'], string>(true);
assertEquals<PgEvent['timestamp'], string>(true);
assertEquals<PgEvent['runId'], string | null>(true);
assertEquals<InferSelectModel<typeof sqliteSchema.asmSessions>['tags'], string[] | null>(true);
assertEquals<InferSelectModel<typeof pgSchema.asmSessions>['tags'], string[] | null>(true);
assertEquals<InferSelectModel<typeof pgSchema.asmSessions>['status'], SessionStatus>(true);
assertEquals<InferSelectModel<typeof pgSchema.asmRuns>['input'], JsonValue | null>(true);
assertEquals<InferSelectModel<typeof pgSchema.asmArtifacts>['byteSize'], number>(true);

async function drizzleReads(sessionId: string) {
  const db = drizzleSqlite(new Database('asm.db', { readonly: true }));
  const { asmEvents } = sqliteSchema;
  const events = await db.select().from(asmEvents).where(eq(asmEvents.sessionId, sessionId)).orderBy(asc(asmEvents.sequenceNumber));
  const first: number | undefined = events[0]?.sequenceNumber;
  // @ts-expect-error not a column of asm_events
  void asmEvents.sequence;
  // @ts-expect-error sequence numbers are numbers
  const wrong: string | undefined = events[0]?.sequenceNumber;

  const onPg = drizzlePg({ client: new pg.Pool(), schema: pgSchema });
  const pgEvents = await onPg.query.asmEvents.findMany({
    where: (e, { eq: equals }) => equals(e.sessionId, sessionId),
    orderBy: (e, { asc: ascending }) => [ascending(e.sequenceNumber)],
  });
  return { first, wrong, pgEvents };
}

// ---- asm-edge/kysely --------------------------------------------------------------------------

assertEquals<Selectable<SqliteDatabase['asm_events']>['timestamp'], string>(true);
assertEquals<Selectable<PostgresDatabase['asm_events']>['timestamp'], Date>(true);
assertEquals<Selectable<AnyDatabase['asm_events']>['timestamp'], string | Date>(true);
assertEquals<Selectable<SqliteDatabase['asm_events']>['data'], string | null>(true);
assertEquals<Selectable<PostgresDatabase['asm_events']>['data'], JsonObject | null>(true);
assertEquals<Selectable<PostgresDatabase['asm_sessions']>['tags'], string[] | null>(true);
assertEquals<Selectable<PostgresDatabase['asm_artifacts']>['byte_size'], string>(true);
assertEquals<Selectable<SqliteDatabase['asm_artifacts']>['byte_size'], number>(true);
// Columns with a database default are optional on insert (Kysely's Generated).
const sequence: Insertable<SqliteDatabase['asm_session_sequences']> = { session_id: 'ses_1' };

async function kyselyReads(sessionId: string) {
  const db = new Kysely<SqliteDatabase>({ dialect: new SqliteDialect({ database: new Database('asm.db') }) });
  const events = await db
    .selectFrom('asm_events')
    .select(['id', 'sequence_number', 'data'])
    .where('session_id', '=', sessionId)
    .orderBy('sequence_number')
    .execute();
  const n: number | undefined = events[0]?.sequence_number;
  // @ts-expect-error not a column of asm_events
  await db.selectFrom('asm_events').select('sequence').execute();
  // @ts-expect-error not an asm_* table
  await db.selectFrom('events').selectAll().execute();

  const onPg = new Kysely<PostgresDatabase>({ dialect: new PostgresDialect({ pool: new pg.Pool() }) });
  const row = await onPg.selectFrom('asm_runs').select(['cost_usd', 'token_usage']).executeTakeFirst();
  const cost: number | null | undefined = row?.cost_usd;
  const usage: JsonObject | null | undefined = row?.token_usage;
  return { n, cost, usage };
}

export { migrations, upText, drizzleReads, kyselyReads, sequence };
