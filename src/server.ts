import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from './app.js';
import { ensureFirstAccount, instanceSecret, type FirstStart } from './bootstrap.js';
import type { Config } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/connect.js';
import { retryWhileUnavailable } from './db/faults.js';
import { migrateToLatest } from './db/migrate.js';
import { systemClock, type Clock } from './platform/clock.js';
import type { AppDeps } from './web/deps.js';
import { deleteExpiredSessions } from './auth/sessions.js';
import { deleteExpiredResets } from './auth/password-reset.js';
import { deleteQuietThrottles } from './auth/throttle.js';
import { deleteQuietSecondFactorState } from './auth/second-factor.js';
import { ssoJobDefinitions } from './sso/jobs.js';
import { startJobs, type JobsOptions, type Scheduler } from './ops/jobs.js';
import { createLeaseStore } from './ops/lease.js';
import { searchPathSchema } from './ops/pg-schema.js';
import { MESSAGES } from './messages.js';
import { interruptOrphanedBulkJobs } from './qr/bulk.js';

export interface Blanca {
  app: FastifyInstance;
  deps: AppDeps;
  firstStart: FirstStart | null;
  /** Clean-up jobs, run once per interval across the fleet (src/ops/jobs.ts). */
  jobs: Scheduler;
  /** Stops accepting requests, finishes the ones in flight, then closes the database. */
  close(): Promise<void>;
}

export interface CreateOptions extends AppOptions {
  clock?: Clock;
  database?: DatabaseHandle;
  jobs?: JobsOptions;
  /** Where the start-up's one-line "database unreachable; retrying" messages go (default stderr). */
  say?: (line: string) => void;
}

export async function createBlanca(config: Config, options: CreateOptions = {}): Promise<Blanca> {
  const database = options.database ?? openDatabase({ databaseUrl: config.DATABASE_URL, sqliteFile: config.databaseFile });
  const clock = options.clock ?? systemClock;
  // First connection, migrations and bootstrap are retried while the database is unreachable
  // (a fleet and its database often start together); each step is idempotent.
  const { secretKey, firstStart } = await retryWhileUnavailable(
    database.target,
    async () => {
      await migrateToLatest(database.db, database.schema ?? searchPathSchema(config.DATABASE_URL));
      const secretKey = await instanceSecret(database.db, config.SECRET_KEY);
      return { secretKey, firstStart: await ensureFirstAccount(database.db, config, clock.now()) };
    },
    { maxWaitMs: config.DATABASE_WAIT_SECONDS * 1000, ...(options.say ? { say: options.say } : {}) },
  ).catch(async (error: unknown) => {
    if (!options.database) await database.close().catch(() => undefined);
    throw error;
  });
  const deps: AppDeps = { db: database.db, engine: database.engine, config, clock, secretKey, messages: MESSAGES };
  const app = await buildApp(deps, options);
  database.reportFaultsTo(({ reason, database: target }) => app.log.warn({ database: target, reason }, 'database connection lost; the pool reconnects on the next query'));
  // One process per SQLite file: a bulk job still "running" lost its process (PostgreSQL fleets use the heartbeat).
  if (deps.engine === 'sqlite') await interruptOrphanedBulkJobs(deps.db);
  const intervalMs = config.JOBS_INTERVAL_SECONDS * 1000;
  const jobs = startJobs(
    [
      { name: 'qr-maintenance', intervalMs, run: () => app.qr.maintenance() },
      {
        name: 'expired-sessions',
        intervalMs,
        run: async (now) => {
          await deleteExpiredSessions(deps.db, now);
          await deleteQuietThrottles(deps.db, now);
          await deleteQuietSecondFactorState(deps.db, now);
          await deleteExpiredResets(deps.db, now);
        },
      },
      // SSO log retention with the expired SSO one-time state, and the scheduled IdP metadata refresh.
      ...ssoJobDefinitions({ db: deps.db, config }),
    ],
    createLeaseStore(deps.db, deps.engine),
    clock,
    app.log,
    options.jobs,
  );
  return {
    app,
    deps,
    firstStart,
    jobs,
    async close() {
      await jobs.stop();
      await app.close();
      await database.close();
    },
  };
}
