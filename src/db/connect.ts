import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { Database, Db, Engine } from './database.js';
import { databaseFault, databaseTarget } from './faults.js';

// Timestamps are epoch milliseconds in BIGINT columns; pg returns int8 as a
// string by default, which would leak engine differences into every domain.
pg.types.setTypeParser(20, (value) => Number(value));

export interface DatabaseHandle {
  db: Db;
  engine: Engine;
  /** PostgreSQL schema the tables live in, when not the default. */
  schema?: string;
  /** `host:port/database` for messages (never the password); `sqlite` for SQLite. */
  target: string;
  /**
   * Where connection faults the pool notices on its own (a server restart, fail-over, idle
   * timeout or pg_terminate_backend hitting a pooled connection) are reported, one line each;
   * stderr until the app's logger takes over. They never reach `process` as an unhandled 'error'.
   */
  reportFaultsTo(listener: FaultListener): void;
  close(): Promise<void>;
}

export type FaultListener = (fault: { reason: string; database: string }) => void;

/** A connection attempt that hangs (unreachable host, black-holed packets) fails after this, so requests answer 503 instead of waiting. */
export const CONNECT_TIMEOUT_MS = 5000;

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  sqliteFile?: string;
  /** PostgreSQL schema to use (tests isolate themselves in one schema each). */
  pgSchema?: string;
  poolSize?: number;
  /** PostgreSQL application_name of the connections (default `blanca`; DATABASE_URL's own wins). */
  applicationName?: string;
}

/**
 * pg emits 'error' on an idle pooled client (and on the pool) when the server drops the
 * connection; without a listener Node turns that into an uncaught exception and every
 * instance of a fleet exits at once. The pool then discards the dead client and opens a
 * new one on the next query. A checked-out client also emits 'error' next to failing its
 * query, so each client gets a listener as soon as it connects.
 */
function watchPool(pool: pg.Pool, target: string): (listener: FaultListener) => void {
  let listener: FaultListener = ({ reason, database }) => process.stderr.write(`database ${database}: connection lost (${reason})\n`);
  const seen = new WeakSet<object>();
  const report = (error: unknown) => {
    // The same error reaches both the client's and the pool's listener: one line.
    if (error && typeof error === 'object') {
      if (seen.has(error)) return;
      seen.add(error);
    }
    const reason = databaseFault(error)?.reason ?? (error instanceof Error ? error.message.split('\n')[0]! : String(error));
    listener({ reason, database: target });
  };
  pool.on('error', report);
  pool.on('connect', (client) => client.on('error', report));
  return (next) => {
    listener = next;
  };
}

export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // TCP keep-alive notices a silently vanished server on idle connections.
      keepAlive: true,
      application_name: options.applicationName ?? 'blanca',
      ...(options.pgSchema ? { options: `-c search_path=${options.pgSchema}` } : {}),
    });
    const target = databaseTarget(options.databaseUrl);
    const reportFaultsTo = watchPool(pool, target);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: 'postgres', target, reportFaultsTo, ...(options.pgSchema ? { schema: options.pgSchema } : {}), close: () => db.destroy() };
  }
  const file = options.sqliteFile ?? ':memory:';
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  // WAL lets readers continue while a write commits; NORMAL sync is safe with WAL.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  // SQLite has no connection to lose; its faults (SQLITE_BUSY, disk full) surface on the query.
  return { db, engine: 'sqlite', target: 'sqlite', reportFaultsTo: () => undefined, close: () => db.destroy() };
}
