import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { Clock } from '../platform/clock.js';
import { connectionsDueForRefresh, refreshIdpMetadata } from './lifecycle.js';
import { acquireLease, deleteExpiredSsoState, purgeSsoLog, releaseLease } from './store.js';

export const METADATA_REFRESH_EVERY_MS = 12 * 60 * 60 * 1000;
/** Retention is enforced to within this much: an entry is gone at most 15 minutes after its retention ends. */
export const CLEANUP_EVERY_MS = 15 * 60 * 1000;
const REFRESH_CHECK_EVERY_MS = 60 * 60 * 1000;
const LEASE = 'sso.metadata_refresh';
const LEASE_TTL_MS = 15 * 60 * 1000;

export interface SsoJobDeps {
  db: Db;
  config: Config;
  clock: Clock;
  /** Optional: where a job's unexpected error is reported (default: ignored, the next tick retries). */
  onError?: (error: unknown, job: 'cleanup' | 'metadata_refresh') => void;
}

export interface SsoJobOptions {
  /** How often the SSO log and one-time state are cleaned (default 15 min). */
  cleanupEveryMs?: number;
  /** How often metadata is checked; a connection is refreshed when it was last read this long ago (default 12 h). */
  metadataRefreshEveryMs?: number;
  /** This instance's name in the lease (default: a random UUID). */
  instanceId?: string;
}

/** One clean-up pass: SSO log entries past their account's retention, expired request ids and replay entries. */
export async function runSsoCleanup(db: Db, now: Date): Promise<{ logEntriesDeleted: number }> {
  const logEntriesDeleted = await purgeSsoLog(db, now);
  await deleteExpiredSsoState(db, now);
  return { logEntriesDeleted };
}

/**
 * One scheduled refresh pass, under a lease so that on a shared PostgreSQL database only one
 * instance refreshes at a time. Accounts without a metadata URL are skipped.
 * Returns null when another instance holds the lease.
 */
export async function runMetadataRefresh(deps: Pick<SsoJobDeps, 'db' | 'config'>, now: Date, holder: string, everyMs = METADATA_REFRESH_EVERY_MS): Promise<{ refreshed: number; failed: number } | null> {
  if (!(await acquireLease(deps.db, LEASE, holder, now, LEASE_TTL_MS))) return null;
  let refreshed = 0;
  let failed = 0;
  try {
    for (const row of await connectionsDueForRefresh(deps.db, new Date(now.getTime() - everyMs))) {
      const result = await refreshIdpMetadata(deps.db, deps.config, row.account_id, now, 'schedule');
      if (result.ok) refreshed++;
      else failed++;
    }
  } finally {
    await releaseLease(deps.db, LEASE, holder);
  }
  return { refreshed, failed };
}

/**
 * Starts the in-process SSO jobs (to be called once by the app after migrations): SSO log retention
 * and one-time state clean-up, and the scheduled IdP metadata refresh. Timers are unref'd; `stop()`
 * clears them and waits for a pass that is running.
 */
export function startSsoJobs(deps: SsoJobDeps, options: SsoJobOptions = {}): { stop(): Promise<void> } {
  const holder = options.instanceId ?? randomUUID();
  const cleanupEvery = options.cleanupEveryMs ?? CLEANUP_EVERY_MS;
  const refreshEvery = options.metadataRefreshEveryMs ?? METADATA_REFRESH_EVERY_MS;
  // The refresh is checked more often than it is due, so a restart never delays it by a full period.
  const refreshCheckEvery = Math.min(refreshEvery, REFRESH_CHECK_EVERY_MS);
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const run = (job: 'cleanup' | 'metadata_refresh', work: () => Promise<unknown>) => {
    if (stopped) return;
    running = running.then(work).catch((error) => deps.onError?.(error, job));
  };
  const cleanup = () => run('cleanup', () => runSsoCleanup(deps.db, deps.clock.now()));
  const refresh = () => run('metadata_refresh', () => runMetadataRefresh(deps, deps.clock.now(), holder, refreshEvery));
  const timers = [setInterval(cleanup, cleanupEvery), setInterval(refresh, refreshCheckEvery)];
  for (const timer of timers) timer.unref();
  cleanup();
  refresh();
  return {
    async stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      await running;
    },
  };
}

/**
 * The same two jobs as plain definitions `{ name, intervalMs, run(now) }`, for an app-wide scheduler
 * that already takes a fleet lease per job name (structurally the `Job` of src/ops/jobs.ts). Use either
 * this or `startSsoJobs`, not both. The metadata job still takes its own `sso_leases` row, which is harmless.
 */
export function ssoJobDefinitions(deps: Pick<SsoJobDeps, 'db' | 'config'>, options: Pick<SsoJobOptions, 'cleanupEveryMs' | 'metadataRefreshEveryMs' | 'instanceId'> = {}): Array<{ name: string; intervalMs: number; run(now: Date): Promise<void> }> {
  const holder = options.instanceId ?? randomUUID();
  const refreshEvery = options.metadataRefreshEveryMs ?? METADATA_REFRESH_EVERY_MS;
  return [
    { name: 'sso-log-retention', intervalMs: options.cleanupEveryMs ?? CLEANUP_EVERY_MS, run: async (now) => void (await runSsoCleanup(deps.db, now)) },
    { name: 'sso-metadata-refresh', intervalMs: Math.min(refreshEvery, REFRESH_CHECK_EVERY_MS), run: async (now) => void (await runMetadataRefresh(deps, now, holder, refreshEvery)) },
  ];
}
