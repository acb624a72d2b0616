// Types of `asm-edge/sql`: the migrations of migrations/ as text, generated into sql.js when
// the package is built, for migration tools of your own (Drizzle Kit, Kysely's Migrator, psql).

/** One dialect's schema: `up` creates the asm_* tables and indexes, `down` drops them. */
export interface Migration {
  /** CREATE TABLE / CREATE INDEX … IF NOT EXISTS statements separated by `;`, with SQL comments. */
  readonly up: string;
  /** DROP TABLE IF EXISTS statements, children first. */
  readonly down: string;
}

/** SQLite (migrations/d1/, migrations/d1-down/). */
export declare const sqlite: Migration;
/** D1: the SQLite schema (the same object). */
export declare const d1: Migration;
/** PostgreSQL (migrations/postgres/, migrations/postgres-down/). */
export declare const postgres: Migration;
