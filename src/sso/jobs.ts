import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { connectionsDueForRefresh, refreshIdpMetadata } from './lifecycle.js';
import { deleteExpiredSsoState, purgeSsoLog } from './store.js';

export const METADATA_REFRESH_EVERY_MS = 12 * 60 * 60 * 1000;
/** Retention is enforced to within this much: an entry is gone at most 15 minutes after its retention ends. */
export const CLEANUP_EVERY_MS = 15 * 60 * 1000;
const REFRESH_CHECK_EVERY_MS = 60 * 60 * 1000;

export interface SsoJobOptions {
  /** How often the SSO log and one-time state are cleaned (default 15 min). */
  cleanupEveryMs?: number;
  /** How often metadata is checked; a connection is refreshed when it was last read this long ago (default 12 h). */
  metadataRefreshEveryMs?: number;
}

/** One clean-up pass: SSO log entries past their account's retention, expired request ids and replay entries. */
export async function runSsoCleanup(db: Db, now: Date): Promise<{ logEntriesDeleted: number }> {
  const logEntriesDeleted = await purgeSsoLog(db, now);
  await deleteExpiredSsoState(db, now);
  return { logEntriesDeleted };
}

/**
 * One refresh pass over the connections whose metadata was last read `everyMs` ago or more
 * (accounts without a metadata URL are skipped). It runs under the fleet-wide job lease of
 * src/ops/jobs.ts, so on a shared PostgreSQL database only one instance refreshes at a time.
 */
export async function runMetadataRefresh(deps: { db: Db; config: Config }, now: Date, everyMs = METADATA_REFRESH_EVERY_MS): Promise<{ refreshed: number; failed: number }> {
  let refreshed = 0;
  let failed = 0;
  for (const row of await connectionsDueForRefresh(deps.db, new Date(now.getTime() - everyMs))) {
    const result = await refreshIdpMetadata(deps.db, deps.config, row.account_id, now, 'schedule');
    if (result.ok) refreshed++;
    else failed++;
  }
  return { refreshed, failed };
}

/**
 * The SSO module's jobs for the fleet-wide scheduler (src/ops/jobs.ts), which takes one lease per
 * job name: SSO log retention with the expired one-time state, and the scheduled metadata refresh.
 */
export function ssoJobDefinitions(deps: { db: Db; config: Config }, options: SsoJobOptions = {}): Array<{ name: string; intervalMs: number; run(now: Date): Promise<void> }> {
  const refreshEvery = options.metadataRefreshEveryMs ?? METADATA_REFRESH_EVERY_MS;
  return [
    { name: 'sso-log-retention', intervalMs: options.cleanupEveryMs ?? CLEANUP_EVERY_MS, run: async (now) => void (await runSsoCleanup(deps.db, now)) },
    // Checked more often than it is due, so a restart never delays it by a full period.
    { name: 'sso-metadata-refresh', intervalMs: Math.min(refreshEvery, REFRESH_CHECK_EVERY_MS), run: async (now) => void (await runMetadataRefresh(deps, now, refreshEvery)) },
  ];
}
