import { describe } from 'node:test';
import pg from 'pg';
import { createAccountWithOwner } from '../../src/accounts/service.js';
import type { Actor } from '../../src/auth/actor.js';
import { resolveActor } from '../../src/auth/resolve.js';
import { createApiToken } from '../../src/auth/tokens.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/connect.js';
import type { Engine } from '../../src/db/database.js';
import type { Clock } from '../../src/platform/clock.js';
import { createBlanca, type Blanca } from '../../src/server.js';

// Every storage and API test runs on both engines. PostgreSQL tests isolate
// themselves in a schema of their own; CI sets BLANCA_REQUIRE_PG=1 so a missing
// server fails the run instead of skipping quietly.
export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const OWNER_PASSWORD = 'owner-password-123';

let pgCheck: Promise<boolean> | undefined;
export function postgresAvailable(): Promise<boolean> {
  pgCheck ??= (async () => {
    // A few tries: on a loaded 2-core machine a first connection can take seconds.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
      try {
        await client.connect();
        await client.query('select 1');
        return true;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    if (process.env.BLANCA_REQUIRE_PG === '1') throw new Error(`PostgreSQL is required (BLANCA_REQUIRE_PG=1) but ${PG_URL} is not reachable`);
    console.warn(`# PostgreSQL at ${PG_URL} is not reachable: skipping the PostgreSQL variants of the tests`);
    return false;
  })();
  return pgCheck;
}

const pgReachable = await postgresAvailable();
export const ENGINES: Engine[] = pgReachable ? ['sqlite', 'postgres'] : ['sqlite'];

/** describe() once per engine; the PostgreSQL one is skipped with a message when no server is reachable. */
export function describeEachEngine(name: string, body: (engine: Engine) => void): void {
  for (const engine of ['sqlite', 'postgres'] as const) {
    const skip = engine === 'postgres' && !pgReachable ? 'PostgreSQL not reachable' : false;
    describe(`${name} [${engine}]`, { skip }, () => body(engine));
  }
}

export interface TestApp {
  blanca: Blanca;
  config: Config;
  accountId: string;
  ownerEmail: string;
  /** Account API token of the owner (administrator rights). */
  adminToken: string;
  close(): Promise<void>;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ BLANCA_ADMIN_EMAIL: 'owner@example.com', BLANCA_ADMIN_PASSWORD: OWNER_PASSWORD, BLANCA_ACCOUNT_NAME: 'Acme', LOG_LEVEL: 'silent', DATA_DIR: '/nonexistent', ...overrides });
}

/** A fresh, empty database: in-memory SQLite, or a PostgreSQL schema of its own (dropped by dropSchema). */
export async function openTestDatabase(engine: Engine, poolSize = 4): Promise<{ database: DatabaseHandle; dropSchema: () => Promise<void> }> {
  if (engine === 'sqlite') return { database: openDatabase({ sqliteFile: ':memory:' }), dropSchema: async () => {} };
  const schema = `t_${Math.random().toString(36).slice(2, 12)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const database = openDatabase({ databaseUrl: PG_URL, pgSchema: schema, poolSize });
  const dropSchema = async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`drop schema ${schema} cascade`);
    await client.end();
  };
  return { database, dropSchema };
}

export async function startTestApp(engine: Engine, options: { clock?: Clock; env?: Record<string, string> } = {}): Promise<TestApp> {
  const config = testConfig(options.env);
  const { database, dropSchema } = await openTestDatabase(engine);
  const blanca = await createBlanca(config, { database, ...(options.clock ? { clock: options.clock } : {}) });
  const account = await blanca.deps.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
  const adminToken = await tokenFor(blanca, account.id, await ownerActor(blanca, account.id));
  return {
    blanca,
    config,
    accountId: account.id,
    ownerEmail: 'owner@example.com',
    adminToken,
    async close() {
      await blanca.close();
      await dropSchema();
    },
  };
}

export async function ownerActor(blanca: Blanca, accountId: string): Promise<Actor> {
  const owner = await blanca.deps.db.selectFrom('subaccounts').select('id').where('account_id', '=', accountId).where('is_owner', '=', 1).executeTakeFirstOrThrow();
  return (await resolveActor(blanca.deps.db, accountId, 'subaccount', owner.id))!;
}

export async function tokenFor(blanca: Blanca, accountId: string, actor: Actor, userId: string | null = null): Promise<string> {
  const { token } = await createApiToken({ db: blanca.deps.db, now: new Date(), actor }, { name: `test-${Math.random()}`, userId });
  return token;
}

/** A second account with its own owner, for isolation tests. */
export async function createOtherAccount(app: TestApp, name = 'Other Corp'): Promise<{ accountId: string; adminToken: string; ownerEmail: string }> {
  const ownerEmail = `owner@${name.toLowerCase().replace(/\W+/g, '')}.example`;
  const created = await createAccountWithOwner(app.blanca.deps.db, { name, ownerEmail, ownerPassword: OWNER_PASSWORD }, new Date());
  const adminToken = await tokenFor(app.blanca, created.account.id, await ownerActor(app.blanca, created.account.id));
  return { accountId: created.account.id, adminToken, ownerEmail };
}

/** Calls the API through app.inject (no port) with a bearer token. */
export async function api(app: TestApp, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, token: string | null, body?: unknown) {
  const response = await app.blanca.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  const text = response.body;
  return { status: response.statusCode, body: text ? (JSON.parse(text) as any) : null, headers: response.headers };
}
