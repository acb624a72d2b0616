// Stand-ins for the typings of the drivers that ship none (`@types/better-sqlite3`, `@types/pg`,
// `@types/sql.js` are not installed here): the parts the README and usage.ts touch, with the same
// shapes as those packages, so the README's examples type-check without them. PGlite ships its own
// types, which are used as they are.

declare module 'better-sqlite3' {
  interface RunResult {
    changes: number;
    lastInsertRowid: number | bigint;
  }
  interface Statement {
    reader: boolean;
    raw(toggleState?: boolean): this;
    safeIntegers(toggleState?: boolean): this;
    all(...params: unknown[]): unknown[];
    iterate(...params: unknown[]): IterableIterator<unknown>;
    run(...params: unknown[]): RunResult;
  }
  interface Transaction<F extends (...params: never[]) => unknown> {
    (...params: Parameters<F>): ReturnType<F>;
    immediate(...params: Parameters<F>): ReturnType<F>;
  }
  class Database {
    constructor(filename?: string, options?: { readonly?: boolean });
    prepare(source: string): Statement;
    transaction<F extends (...params: never[]) => unknown>(fn: F): Transaction<F>;
    close(): this;
  }
  export default Database;
}

declare module 'pg' {
  interface QueryResult {
    rows: unknown[];
    command: string;
    rowCount: number | null;
  }
  interface QueryConfig {
    text: string;
    values?: unknown[];
    rowMode?: 'array';
    types?: { getTypeParser(oid: number, format?: string): (text: string) => unknown };
  }
  /** A query object that runs itself (pg-cursor, pg-query-stream): what Kysely streams with. */
  interface Submittable {
    submit(connection: unknown): void;
  }
  class Client {
    constructor(config?: string | { connectionString?: string });
    connect(): Promise<void>;
    query<T extends Submittable>(queryStream: T): T;
    query(textOrConfig: string | QueryConfig, values?: readonly unknown[]): Promise<QueryResult>;
    end(): Promise<void>;
  }
  interface PoolClient extends Client {
    release(err?: Error | boolean): void;
  }
  interface CustomTypes {
    getTypeParser(oid: number, format?: string): (text: string) => unknown;
  }
  const types: CustomTypes & { builtins: { TIMESTAMP: number; TIMESTAMPTZ: number } };
  class Pool {
    constructor(config?: { connectionString?: string | undefined; max?: number; types?: CustomTypes });
    readonly totalCount: number;
    connect(): Promise<PoolClient>;
    query(textOrConfig: string | QueryConfig, values?: readonly unknown[]): Promise<QueryResult>;
    end(): Promise<void>;
  }
  const pg: { Pool: typeof Pool; Client: typeof Client; types: typeof types };
  export { Pool, Client, PoolClient, QueryResult, QueryConfig, CustomTypes, types };
  export default pg;
}

declare module 'sql.js' {
  type SqlValue = number | string | Uint8Array | null;
  interface Statement {
    bind(values?: SqlValue[] | null): boolean;
    step(): boolean;
    get(params?: SqlValue[] | null): SqlValue[];
    free(): boolean;
  }
  interface Database {
    exec(sql: string, params?: SqlValue[]): { columns: string[]; values: SqlValue[][] }[];
    prepare(sql: string, params?: SqlValue[]): Statement;
    getRowsModified(): number;
    export(): Uint8Array;
    close(): void;
  }
  interface SqlJsStatic {
    Database: new (data?: ArrayLike<number> | null) => Database;
  }
  interface SqlJsConfig {
    locateFile?(file: string): string;
  }
  export type { Database, Statement, SqlJsStatic, SqlJsConfig };
  export default function initSqlJs(config?: SqlJsConfig): Promise<SqlJsStatic>;
}
