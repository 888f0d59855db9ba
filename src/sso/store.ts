import { sql } from 'kysely';
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import { newId } from '../platform/ids.js';
import type { RequestIdStore, ReplayCache } from './saml/verify.js';
import type { SsoConnectionsTable, SsoLogTable } from './tables.js';

export type ConnectionRow = Selectable<SsoConnectionsTable>;
export type SsoLogRow = Selectable<SsoLogTable>;

export const getConnection = (db: Db | Tx, accountId: string): Promise<ConnectionRow | undefined> =>
  db.selectFrom('sso_connections').selectAll().where('account_id', '=', accountId).executeTakeFirst();

export async function insertConnection(db: Db | Tx, row: Insertable<SsoConnectionsTable>): Promise<void> {
  await db.insertInto('sso_connections').values(row).onConflict((oc) => oc.column('account_id').doNothing()).execute();
}

export async function updateConnection(db: Db | Tx, accountId: string, changes: Updateable<SsoConnectionsTable>): Promise<void> {
  await db.updateTable('sso_connections').set(changes).where('account_id', '=', accountId).execute();
}

export interface PendingRequest {
  returnTo: string;
  purpose: string;
}

/** InResponseTo state in the database, so a sign-in started on one instance completes on another. */
export async function rememberRequest(db: Db, accountId: string, id: string, pending: PendingRequest, now: Date, ttlMs: number): Promise<void> {
  await db.insertInto('sso_requests').values({ id, account_id: accountId, return_to: pending.returnTo, purpose: pending.purpose, created_at: now.getTime(), expires_at: now.getTime() + ttlMs }).execute();
}

/** One-time: the row is deleted by the same statement that finds it, so two instances cannot both take it. */
export async function takeRequest(db: Db, accountId: string, id: string, now: Date): Promise<PendingRequest | null> {
  const rows = await db.deleteFrom('sso_requests').where('id', '=', id).where('account_id', '=', accountId).returning(['return_to', 'purpose', 'expires_at']).execute();
  const row = rows[0];
  if (!row || row.expires_at <= now.getTime()) return null;
  return { returnTo: row.return_to, purpose: row.purpose };
}

export function requestIdStore(db: Db, accountId: string, now: Date, taken: Map<string, PendingRequest>): RequestIdStore {
  return {
    async take(id) {
      const pending = await takeRequest(db, accountId, id, now);
      if (pending) taken.set(id, pending);
      return pending !== null;
    },
  };
}

/** Replay cache on a primary key: the insert of an assertion id seen before fails on every instance. */
export function replayCache(db: Db, accountId: string, now: Date): ReplayCache {
  return {
    async remember(assertionId, notOnOrAfter) {
      const result = await db
        .insertInto('sso_replay')
        .values({ account_id: accountId, assertion_id: assertionId, expires_at: Math.max(notOnOrAfter.getTime(), now.getTime()) })
        .onConflict((oc) => oc.columns(['account_id', 'assertion_id']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
  };
}

export async function deleteExpiredSsoState(db: Db, now: Date): Promise<void> {
  await db.deleteFrom('sso_requests').where('expires_at', '<=', now.getTime()).execute();
  await db.deleteFrom('sso_replay').where('expires_at', '<=', now.getTime()).execute();
  await deleteOldLogWindows(db, now.getTime() - 2 * 60 * 60 * 1000);
}

export type NewLogEntry = Omit<Insertable<SsoLogTable>, 'id' | 'created_at'>;

export async function writeSsoLog(db: Db | Tx, entry: NewLogEntry, now: Date): Promise<string> {
  const id = newId();
  await db.insertInto('sso_log').values({ ...entry, id, created_at: now.getTime() }).execute();
  return id;
}

export async function listSsoLog(db: Db, accountId: string, filter: { person?: string | undefined; outcome?: string | undefined; limit: number }): Promise<SsoLogRow[]> {
  let query = db.selectFrom('sso_log').selectAll().where('account_id', '=', accountId);
  if (filter.person) query = query.where('person', 'like', `%${filter.person.replace(/[%_]/g, '')}%`);
  if (filter.outcome) query = query.where('outcome', '=', filter.outcome as SsoLogRow['outcome']);
  return query.orderBy('created_at', 'desc').limit(filter.limit).execute();
}

export const getSsoLogEntry = (db: Db, accountId: string, id: string): Promise<SsoLogRow | undefined> =>
  db.selectFrom('sso_log').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();

export const DEFAULT_LOG_RETENTION_DAYS = 14;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Bounded retention: deletes every SSO log entry (and so every assertion XML it holds) older than
 * its account's `log_retention_days`; accounts without a connection row use the default.
 */
export async function purgeSsoLog(db: Db, now: Date): Promise<number> {
  let deleted = 0;
  const retentions = await db.selectFrom('sso_connections').select('log_retention_days').distinct().execute();
  for (const { log_retention_days: days } of retentions) {
    const result = await db
      .deleteFrom('sso_log')
      .where('created_at', '<', now.getTime() - days * DAY_MS)
      .where('account_id', 'in', db.selectFrom('sso_connections').select('account_id').where('log_retention_days', '=', days))
      .executeTakeFirst();
    deleted += Number(result.numDeletedRows ?? 0n);
  }
  const orphans = await db
    .deleteFrom('sso_log')
    .where('created_at', '<', now.getTime() - DEFAULT_LOG_RETENTION_DAYS * DAY_MS)
    .where('account_id', 'not in', db.selectFrom('sso_connections').select('account_id'))
    .executeTakeFirst();
  return deleted + Number(orphans.numDeletedRows ?? 0n);
}

// --- Anonymous traffic budget (issue 9 item 6): hourly counters and the one-per-message XML. ---

/** Counts one anonymous entry in its account's hour and kind; returns how many that hour holds now. */
export async function countAnonymousEntry(db: Db, accountId: string, kind: string, windowStart: number): Promise<number> {
  const row = await db
    .insertInto('sso_log_windows')
    .values({ account_id: accountId, window_start: windowStart, kind, entries: 1 })
    .onConflict((oc) => oc.columns(['account_id', 'window_start', 'kind']).doUpdateSet({ entries: sql<number>`sso_log_windows.entries + 1` }))
    .returning('entries')
    .executeTakeFirstOrThrow();
  return Number(row.entries);
}

/** The entry that already keeps the XML of this message, if any. */
export async function entryWithDigest(db: Db, accountId: string, digest: string): Promise<string | undefined> {
  const row = await db.selectFrom('sso_log').select('id').where('account_id', '=', accountId).where('message_digest', '=', digest).where('xml', 'is not', null).limit(1).executeTakeFirst();
  return row?.id;
}

/** The hour's summary row past the cap: made by the first entry over it, then counted up. */
export async function countIntoSummary(db: Db, id: string, entry: NewLogEntry, now: Date): Promise<void> {
  await db
    .insertInto('sso_log')
    .values({ ...entry, id, created_at: now.getTime(), repeats: 1 })
    .onConflict((oc) => oc.column('id').doUpdateSet({ repeats: sql<number>`coalesce(sso_log.repeats, 0) + 1` }))
    .execute();
}

export async function deleteOldLogWindows(db: Db, before: number): Promise<void> {
  await db.deleteFrom('sso_log_windows').where('window_start', '<', before).execute();
}
