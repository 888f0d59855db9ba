/**
 * Database faults, classified in one place: which errors mean "the database is not usable
 * right now" (answer 503, keep the scans, retry) as opposed to a bug (500). Used by the error
 * handler (web/errors.ts), /readyz, the scan queue, the pool's error listeners and start-up.
 */

/** `unreachable`: network, restart, fail-over, overload. `refused`: it answers but will not let us in (wrong database, role or password). */
export type FaultKind = 'unreachable' | 'refused';

export interface DatabaseFault {
  kind: FaultKind;
  /** One short line for logs: an error code and, for PostgreSQL, its message. Never a password. */
  reason: string;
}

// Node socket errors seen when the database host is down, unknown, or the connection dies.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED']);
// PostgreSQL SQLSTATEs: class 08 connection exception, 57P0x shut-down/terminated/starting up,
// 53xxx insufficient resources (disk full, out of memory, too many connections), 58xxx system errors.
const PG_UNREACHABLE = /^(08...|57P0[1-5]|53...|58...)$/;
// 3D000 no such database, 28xxx authentication, 3F000 no such schema (search_path in DATABASE_URL).
const PG_REFUSED = /^(3D000|28...|3F000)$/;
// better-sqlite3: another writer holds the lock past busy_timeout, disk full, I/O errors, unopenable file.
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|NOMEM|PROTOCOL|READONLY)/;
// pg and pg-pool report a dead or unobtainable connection by message only.
const PG_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Query read timeout)/;

/** The fault an error stands for, or null when it is not a database-availability problem. */
export function databaseFault(error: unknown, depth = 0): DatabaseFault | null {
  if (!error || typeof error !== 'object' || depth > 4) return null;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message.split('\n')[0]!.slice(0, 200) : '';
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return { kind: 'unreachable', reason: code };
    if (PG_UNREACHABLE.test(code)) return { kind: 'unreachable', reason: `${code} ${text}` };
    if (PG_REFUSED.test(code)) return { kind: 'refused', reason: `${code} ${text}` };
    if (SQLITE_UNAVAILABLE.test(code)) return { kind: 'unreachable', reason: code };
  }
  if (PG_MESSAGES.test(text)) return { kind: 'unreachable', reason: text };
  // Node reports a connection to a name with several addresses as an AggregateError; pg keeps the first error as `cause` in places.
  for (const inner of [...((error as { errors?: unknown[] }).errors ?? []), (error as { cause?: unknown }).cause]) {
    const fault = databaseFault(inner, depth + 1);
    if (fault) return fault;
  }
  return null;
}

export const isDatabaseUnavailable = (error: unknown): boolean => databaseFault(error) !== null;

/** `host:port/database` of a postgres:// URL, for messages: never the user or password. */
export function databaseTarget(databaseUrl: string | undefined): string {
  if (!databaseUrl) return 'sqlite';
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname && url.pathname !== '/' ? url.pathname : ''}`;
  } catch {
    return 'postgres (DATABASE_URL not parseable)';
  }
}

/** A start-up failure worth one line on the console (no stack trace): main.ts prints `message` and exits. */
export class DatabaseStartupError extends Error {}

export interface WaitOptions {
  /** How long to keep retrying before giving up (ms); 0 tries once. */
  maxWaitMs: number;
  /** Where the one-line messages go (default: stderr). */
  say?: (line: string) => void;
  /** First delay (ms), doubled up to 30 s. */
  firstDelayMs?: number;
}

/**
 * Runs `attempt` (connect, migrate, bootstrap) until it succeeds. A database fault is retried
 * with backoff and one line per attempt naming host and port; after `maxWaitMs` it becomes a
 * DatabaseStartupError. Any other error (a failing migration, a bug) is thrown as it is.
 */
export async function retryWhileUnavailable<T>(target: string, attempt: () => Promise<T>, options: WaitOptions): Promise<T> {
  const say = options.say ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = Date.now();
  let delayMs = options.firstDelayMs ?? 1000;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const fault = databaseFault(error);
      if (!fault) throw error;
      const what = fault.kind === 'unreachable' ? `database ${target} unreachable (${fault.reason})` : `database ${target} refused the connection (${fault.reason})`;
      const waited = Date.now() - started;
      if (waited + delayMs > options.maxWaitMs) {
        throw new DatabaseStartupError(`${what}; giving up after ${Math.round(waited / 1000)} s (DATABASE_WAIT_SECONDS=${Math.round(options.maxWaitMs / 1000)})`);
      }
      say(`${what}; retrying in ${formatSeconds(delayMs)}`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      delayMs = Math.min(delayMs * 2, 30_000);
    }
  }
}

const formatSeconds = (ms: number): string => `${Number.isInteger(ms / 1000) ? ms / 1000 : (ms / 1000).toFixed(1)} s`;
