import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db, Engine } from '../db/database.js';

/**
 * A job lease: at most one instance of the fleet holds `name` until `expiresAt`.
 *
 * PostgreSQL: one row per job in `ops_leases` (migration 2026_11_30_0500_ops). Taking or renewing
 * it is one atomic upsert that only overwrites the row when this owner already holds it or the
 * previous holder's lease has expired, so two instances can never both get `true` for the same
 * period. SQLite is a single-process engine (one instance per database file): always `true`.
 */
export interface LeaseStore {
  readonly owner: string;
  /** true when this instance holds `name` for the next `ttlMs` (taken now or renewed). */
  acquire(name: string, ttlMs: number, now: Date): Promise<boolean>;
  /** Gives the lease up early (on shutdown) so another instance can take it at once. */
  release(name: string): Promise<void>;
}

export function createLeaseStore(db: Db, engine: Engine, owner: string = randomUUID()): LeaseStore {
  if (engine === 'sqlite') {
    return { owner, acquire: async () => true, release: async () => {} };
  }
  return {
    owner,
    async acquire(name, ttlMs, now) {
      const at = now.getTime();
      const result = await sql<{ owner: string }>`
        insert into ops_leases (name, owner, expires_at) values (${name}, ${owner}, ${at + ttlMs})
        on conflict (name) do update set owner = excluded.owner, expires_at = excluded.expires_at
        where ops_leases.owner = excluded.owner or ops_leases.expires_at <= ${at}
        returning owner`.execute(db);
      return result.rows.length === 1 && result.rows[0]?.owner === owner;
    },
    async release(name) {
      await sql`delete from ops_leases where name = ${name} and owner = ${owner}`.execute(db);
    },
  };
}
