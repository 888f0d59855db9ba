import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from './app.js';
import { ensureFirstAccount, instanceSecret, type FirstStart } from './bootstrap.js';
import type { Config } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { systemClock, type Clock } from './platform/clock.js';
import type { AppDeps } from './web/deps.js';

export interface Blanca {
  app: FastifyInstance;
  deps: AppDeps;
  firstStart: FirstStart | null;
  /** Stops accepting requests, finishes the ones in flight, then closes the database. */
  close(): Promise<void>;
}

export async function createBlanca(config: Config, options: AppOptions & { clock?: Clock; database?: DatabaseHandle } = {}): Promise<Blanca> {
  const database = options.database ?? openDatabase({ databaseUrl: config.DATABASE_URL, sqliteFile: config.databaseFile });
  await migrateToLatest(database.db, database.schema);
  const clock = options.clock ?? systemClock;
  const deps: AppDeps = { db: database.db, engine: database.engine, config, clock, secretKey: await instanceSecret(database.db, config.SECRET_KEY) };
  const firstStart = await ensureFirstAccount(database.db, config, clock.now());
  const app = await buildApp(deps, options);
  return {
    app,
    deps,
    firstStart,
    async close() {
      await app.close();
      await database.close();
    },
  };
}
