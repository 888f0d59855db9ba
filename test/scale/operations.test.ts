/**
 * Operations (issue #6): configuration messages, /metrics (token-only, Prometheus text), the job
 * lease and the fleet-wide scheduler.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startJobs } from '../../src/ops/jobs.js';
import { createLeaseStore } from '../../src/ops/lease.js';
import { searchPathSchema } from '../../src/ops/pg-schema.js';
import { createSession } from '../../src/auth/sessions.js';
import { openDatabase } from '../../src/db/connect.js';
import { rememberRequest } from '../../src/sso/store.js';
import { createBlanca } from '../../src/server.js';
import { describeEachEngine, ENGINES, OWNER_PASSWORD, PG_URL, openTestDatabase, testConfig } from '../support/app.js';
import { PortalClient } from '../support/portal.js';
import { call, PHONE_UA, startQrApp, type QrTestApp } from '../qr/support.js';

const silent = { info() {}, debug() {}, error() {}, warn() {} } as never;

describe('configuration is validated at start', () => {
  const messageFor = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      return error.message;
    }
    assert.fail(`no error for ${JSON.stringify(env)}`);
  };

  test('each bad value is named with the reason and the value given', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: 'eighty' }, /PORT: Expected integer \(got "eighty"\)/],
      [{ PORT: '70000' }, /PORT: Expected integer to be less or equal to 65535 \(got 70000\)/],
      [{ PUBLIC_URL: 'https://qr.example.com/' }, /PUBLIC_URL: Expected string to match '\^https\?:\/\/\[\^\/\]\+\$' \(got "https:\/\/qr\.example\.com\/"\)/],
      [{ DATABASE_URL: 'mysql://db/blanca' }, /DATABASE_URL: Expected string to match .* \(got "mysql:\/\/db\/blanca"\)/],
      [{ SECRET_KEY: 'short' }, /SECRET_KEY: Expected string length greater or equal to 32 \(got "short"\)/],
      [{ BLANCA_ADMIN_EMAIL: 'not-an-email' }, /BLANCA_ADMIN_EMAIL: Expected string to match 'email' format \(got "not-an-email"\)/],
      [{ BLANCA_ADMIN_PASSWORD: 'short' }, /BLANCA_ADMIN_PASSWORD: Expected string length greater or equal to 10/],
      [{ SESSION_TTL_HOURS: '0' }, /SESSION_TTL_HOURS: Expected integer to be greater or equal to 1 \(got 0\)/],
      [{ TRUST_PROXY: 'maybe' }, /TRUST_PROXY: invalid IP address: maybe; expected false, a hop count or addresses\/CIDRs \(got "maybe"\)/],
      [{ TRUST_PROXY: 'true' }, /TRUST_PROXY: "true" would believe any client's X-Forwarded-For; set the number of proxies in front of Blanca \(e\.g\. 1\) or their addresses\/CIDRs .* \(got "true"\)/],
      [{ TRUST_PROXY: '10.0.0.0/33' }, /TRUST_PROXY: invalid range on address: 10\.0\.0\.0\/33/],
      [{ REDIS_URL: 'http://cache:6379' }, /REDIS_URL: Expected string to match/],
      [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL: Expected union value \(got "loud"\)/],
      [{ METRICS_TOKEN: 'tiny' }, /METRICS_TOKEN: Expected string length greater or equal to 16 \(got "tiny"\)/],
      [{ JOBS_INTERVAL_SECONDS: '1' }, /JOBS_INTERVAL_SECONDS: Expected integer to be greater or equal to 10 \(got 1\)/],
    ];
    for (const [env, expected] of cases) {
      const message = messageFor(env);
      assert.match(message, /^Invalid configuration:\n/);
      assert.match(message, expected, message);
    }
  });

  test('several bad values are all reported at once, one line each', () => {
    const message = messageFor({ PORT: '-1', TRUST_PROXY: 'perhaps', LOG_LEVEL: 'chatty' });
    const lines = message.split('\n').slice(1);
    for (const name of ['PORT', 'TRUST_PROXY', 'LOG_LEVEL']) assert.ok(lines.some((line) => line.trimStart().startsWith(`${name}:`)), message);
    assert.ok(lines.every((line) => /^ {2}[A-Z_]+: .+ \(got .+\)$/.test(line)), message);
  });

  test('good values pass; the search_path schema is read from DATABASE_URL', () => {
    const config = loadConfig({ PORT: '8080', TRUST_PROXY: '10.0.0.0/8, 127.0.0.1', METRICS_TOKEN: 'a-long-enough-token', DATABASE_URL: 'postgres://u@db/blanca?options=-c%20search_path%3Dtenant_a' });
    assert.equal(config.PORT, 8080);
    assert.deepEqual(config.trustProxy, ['10.0.0.0/8', '127.0.0.1']);
    assert.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
    assert.equal(loadConfig({ TRUST_PROXY: 'false' }).trustProxy, false);
    assert.equal(loadConfig({}).trustProxy, false);
    assert.equal(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/0' }).REDIS_URL, 'redis://127.0.0.1:6379/0');
    assert.equal(config.JOBS_INTERVAL_SECONDS, 3600);
    assert.equal(searchPathSchema(config.DATABASE_URL), 'tenant_a');
    assert.equal(searchPathSchema('postgres://u@db/blanca'), undefined);
  });
});

const TOKEN = 'metrics-token-0123456789';

describeEachEngine('/metrics', (engine) => {
  let app: QrTestApp;
  let shortCode: string;
  before(async () => {
    app = await startQrApp(engine, { env: { METRICS_TOKEN: TOKEN }, qr: { scanFlushMs: 60_000 } });
    const user = await call(app, 'POST', '/users', app.adminToken, { name: 'Metrics' });
    const code = await call(app, 'POST', '/codes', app.adminToken, { userId: user.body.id, kind: 'dynamic', name: 'M', content: { type: 'url', url: 'https://example.com/m' } });
    assert.equal(code.status, 201, code.text);
    shortCode = code.body.shortCode;
  });
  after(() => app.close());

  const scrape = (authorization?: string) => app.blanca.app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });

  test('not public: 401 without the token or with a wrong one', async () => {
    assert.equal((await scrape()).statusCode, 401);
    assert.equal((await scrape(`Bearer ${TOKEN}x`)).statusCode, 401);
    assert.equal((await scrape(TOKEN)).statusCode, 401);
  });

  test('Prometheus text: requests by route/status, redirect latency, scans, sign-ins by outcome', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await app.blanca.app.inject({ method: 'GET', url: `/${shortCode}`, headers: { 'user-agent': PHONE_UA } })).statusCode, 302);
    const browser = new PortalClient(app.blanca.app);
    assert.equal((await browser.signIn('owner@example.com', 'wrong-password-1')).status, 401);
    assert.equal((await browser.signIn('owner@example.com', OWNER_PASSWORD)).status, 303);
    await app.blanca.app.qr.recorder.flush();
    const response = await scrape(`Bearer ${TOKEN}`);
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const text = response.body;
    assert.match(text, /^# TYPE blanca_http_requests_total counter$/m);
    assert.match(text, /^blanca_http_requests_total\{method="GET",route="\/:code",status="302"\} 3$/m);
    assert.match(text, /^blanca_http_requests_total\{method="POST",route="\/login",status="401"\} 1$/m);
    assert.match(text, /^# TYPE blanca_redirect_duration_seconds histogram$/m);
    assert.match(text, /^blanca_redirect_duration_seconds_count 3$/m);
    assert.match(text, /^blanca_redirect_duration_seconds_bucket\{le="\+Inf"\} 3$/m);
    assert.match(text, /^blanca_scans_queued_total 3$/m);
    assert.match(text, /^blanca_scans_written_total 3$/m);
    assert.match(text, /^blanca_scans_dropped_total 0$/m);
    assert.match(text, /^blanca_sign_ins_total\{method="password",outcome="invalid"\} 1$/m);
    assert.match(text, /^blanca_sign_ins_total\{method="password",outcome="success"\} 1$/m);
    // Every sample line is `name{labels} number`.
    for (const line of text.trim().split('\n')) if (!line.startsWith('#')) assert.match(line, /^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$/, line);
  });
});

describeEachEngine('/metrics without METRICS_TOKEN', (engine) => {
  test('answers 404 like any unknown path', async () => {
    const app = await startQrApp(engine);
    try {
      const response = await app.blanca.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(response.statusCode, 404);
    } finally {
      await app.close();
    }
  });
});

describe('job lease', { skip: ENGINES.includes('postgres') ? false : 'PostgreSQL not reachable' }, () => {
  test('PostgreSQL: one holder at a time; renewal by the holder; taken over after expiry', async () => {
    const { database, dropSchema } = await openTestDatabase('postgres');
    try {
      const blanca = await createBlanca(testConfig(), { database: { ...database, close: async () => {} }, jobs: { firstDelayMs: 3_600_000 } });
      await blanca.close();
      const a = createLeaseStore(database.db, 'postgres', 'a');
      const b = createLeaseStore(database.db, 'postgres', 'b');
      const t0 = new Date(1_800_000_000_000);
      const at = (ms: number) => new Date(t0.getTime() + ms);
      // Both at the same moment, many times: exactly one wins each race.
      const races = await Promise.all(Array.from({ length: 20 }, (_, i) => Promise.all([a.acquire(`race-${i}`, 1000, t0), b.acquire(`race-${i}`, 1000, t0)])));
      for (const [x, y] of races) assert.ok(x !== y, 'exactly one holder');
      assert.equal(await a.acquire('job', 10_000, t0), true);
      assert.equal(await b.acquire('job', 10_000, at(5_000)), false, 'held by a');
      assert.equal(await a.acquire('job', 10_000, at(9_000)), true, 'a renews');
      assert.equal(await b.acquire('job', 10_000, at(18_000)), false, 'renewed until 19 s');
      assert.equal(await b.acquire('job', 10_000, at(19_000)), true, 'expired: b takes over');
      assert.equal(await a.acquire('job', 10_000, at(20_000)), false);
      await b.release('job');
      assert.equal(await a.acquire('job', 10_000, at(20_000)), true, 'released');
    } finally {
      await database.close();
      await dropSchema();
    }
  });

  test('SQLite: a single process, always the holder', async () => {
    const leases = createLeaseStore(null as never, 'sqlite');
    assert.equal(await leases.acquire('job', 1000, new Date()), true);
  });

  test('scheduler: each job runs once across instances sharing the database', async () => {
    const { database, dropSchema } = await openTestDatabase('postgres');
    try {
      const blanca = await createBlanca(testConfig(), { database: { ...database, close: async () => {} }, jobs: { firstDelayMs: 3_600_000 } });
      await blanca.close();
      const runs: string[] = [];
      const clock = { now: () => new Date() };
      const instance = (owner: string) =>
        startJobs(
          [
            { name: 'one', intervalMs: 60_000, run: async () => void runs.push(`${owner}:one`) },
            { name: 'two', intervalMs: 60_000, run: async () => void runs.push(`${owner}:two`) },
          ],
          createLeaseStore(database.db, 'postgres', owner),
          clock,
          silent,
          { firstDelayMs: 3_600_000 },
        );
      const fleet = [instance('a'), instance('b'), instance('c')];
      await Promise.all(fleet.map((s) => s.runDue()));
      await Promise.all(fleet.map((s) => s.runDue()));
      assert.equal(runs.filter((r) => r.endsWith(':one')).length, 2, `${runs}`);
      assert.equal(runs.filter((r) => r.endsWith(':two')).length, 2, `${runs}`);
      // The holder of the first round ran again in the second (renewal); nobody else did.
      assert.equal(new Set(runs.filter((r) => r.endsWith(':one'))).size, 1, `${runs}`);
      await Promise.all(fleet.map((s) => s.stop()));
    } finally {
      await database.close();
      await dropSchema();
    }
  });
});

describeEachEngine('clean-up jobs started by createBlanca', (engine) => {
  test('expired sessions and SSO state are deleted (live ones kept), retention runs; once across two instances', async () => {
    const { database, dropSchema } = await openTestDatabase(engine);
    const now = new Date();
    const clock = { now: () => now };
    const jobs = { firstDelayMs: 3_600_000 };
    const a = await createBlanca(testConfig(), { database: { ...database, close: async () => {} }, clock, jobs });
    // The second instance has its own pool on PostgreSQL; on SQLite there is only ever one process.
    const second = engine === 'postgres' ? openDatabase({ databaseUrl: PG_URL, pgSchema: database.schema!, poolSize: 2 }) : null;
    const b = second ? await createBlanca(testConfig(), { database: { ...second, close: async () => {} }, clock, jobs }) : null;
    try {
      const db = database.db;
      const account = await db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
      const owner = await db.selectFrom('subaccounts').select('id').where('account_id', '=', account.id).executeTakeFirstOrThrow();
      const principal = { accountId: account.id, principalKind: 'subaccount' as const, principalId: owner.id };
      await createSession(db, principal, new Date(now.getTime() - 7_200_000), 3_600_000); // expired an hour ago
      const live = await createSession(db, principal, now, 3_600_000);
      await rememberRequest(db, account.id, '_expired', { returnTo: '/', purpose: 'signin' }, new Date(now.getTime() - 600_000), 300_000);
      await rememberRequest(db, account.id, '_live', { returnTo: '/', purpose: 'signin' }, now, 300_000);
      await db.insertInto('sso_replay').values([{ account_id: account.id, assertion_id: '_old', expires_at: now.getTime() - 1 }, { account_id: account.id, assertion_id: '_new', expires_at: now.getTime() + 60_000 }]).execute();

      const ran = await Promise.all([a.jobs.runDue(), b?.jobs.runDue() ?? Promise.resolve([])]);
      const all = ran.flat().sort();
      assert.deepEqual(all, ['expired-sessions', 'qr-maintenance', 'sso-log-retention', 'sso-metadata-refresh'], `each job ran once across the instances: ${JSON.stringify(ran)}`);

      assert.deepEqual((await db.selectFrom('sessions').select('id').execute()).map((r) => r.id), [live.session.id]);
      assert.deepEqual((await db.selectFrom('sso_requests').select('id').execute()).map((r) => r.id), ['_live']);
      assert.deepEqual((await db.selectFrom('sso_replay').select('assertion_id').execute()).map((r) => r.assertion_id), ['_new']);
    } finally {
      await b?.close();
      await a.close();
      await second?.close();
      await database.close();
      await dropSchema();
    }
  });
});
