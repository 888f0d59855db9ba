/**
 * Issue 9 item 2: a database fault never kills the process. Real Blanca processes
 * (`src/main.ts`) on a real port, against PostgreSQL through a TCP proxy on loopback that the
 * test cuts and restores; pg_terminate_backend on the app's own connections (application_name
 * per test schema) in the middle of a redirect load. Plus the start-up messages, and SQLite's
 * SQLITE_BUSY answered as 503 with the scans kept.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import SQLite from 'better-sqlite3';
import { createApiToken } from '../../src/auth/tokens.js';
import { resolveActor } from '../../src/auth/resolve.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/connect.js';
import { databaseFault } from '../../src/db/faults.js';
import { createBlanca } from '../../src/server.js';
import { ENGINES, OWNER_PASSWORD, PG_URL, ownerActor, testConfig, tokenFor } from '../support/app.js';
import { PHONE_UA } from '../qr/support.js';
import { DatabaseProxy, redirectLoad, spawnBlanca, statusOf, waitFor, type Instance } from './support-faults.js';

const skipPg = ENGINES.includes('postgres') ? false : 'PostgreSQL not reachable';
const METRICS_TOKEN = 'faults-test-metrics-token';
const pgUrl = new URL(PG_URL);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function adminQuery(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

/** The `scans` of the `stopped` line src/main.ts logs after a graceful shutdown. */
function finalTally(output: string): { queued: number; written: number; skippedDeletedCode: number; dropped: number } {
  const line = output.split('\n').find((l) => l.includes('"msg":"stopped"'));
  if (!line) throw new Error(`no "stopped" line in the instance's log:\n${output.slice(-3000)}`);
  return (JSON.parse(line) as { scans: { queued: number; written: number; skippedDeletedCode: number; dropped: number } }).scans;
}

async function metric(origin: string, name: string): Promise<number> {
  const text = await (await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no ${name} in /metrics`);
  return Number(line.split(' ')[1]);
}

describe('PostgreSQL faults under a redirect load', { skip: skipPg, timeout: 120_000 }, () => {
  const schema = `t_${Math.random().toString(36).slice(2, 12)}`;
  const applicationName = `blanca_${schema}`;
  const proxy = new DatabaseProxy(pgUrl.hostname, Number(pgUrl.port || 5432));
  let instance: Instance | undefined;
  let direct: DatabaseHandle;

  before(async () => {
    await adminQuery(`create schema ${schema}`);
    await proxy.start();
    direct = openDatabase({ databaseUrl: PG_URL, pgSchema: schema, poolSize: 2 });
  });

  after(async () => {
    if (instance && instance.child.exitCode === null) instance.child.kill('SIGKILL');
    await proxy.cut();
    await direct?.close();
    await adminQuery(`drop schema ${schema} cascade`);
  });

  test('terminated backends, then the database unreachable and back: the process stays up, /readyz 503 then 200, 503s meanwhile, no scan lost', async () => {
    const databaseUrl = `postgres://${pgUrl.username || 'postgres'}@127.0.0.1:${proxy.port}${pgUrl.pathname}?options=${encodeURIComponent(`-c search_path=${schema}`)}&application_name=${applicationName}`;
    instance = await spawnBlanca({ DATABASE_URL: databaseUrl, METRICS_TOKEN, BLANCA_ADMIN_EMAIL: 'owner@example.com', BLANCA_ADMIN_PASSWORD: OWNER_PASSWORD, SECRET_KEY: 'faults-test-secret-key-0123456789abcdef' });
    const blanca = instance;
    const logs = () => `stdout:\n${blanca.stdout().slice(-3000)}\nstderr:\n${blanca.stderr().slice(-3000)}`;
    await waitFor('ready', async () => (await statusOf(`${blanca.origin}/readyz`)) === 200, 40_000, logs);

    const account = await direct.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
    const owner = await direct.db.selectFrom('subaccounts').select('id').where('account_id', '=', account.id).where('is_owner', '=', 1).executeTakeFirstOrThrow();
    const { token } = await createApiToken({ db: direct.db, now: new Date(), actor: (await resolveActor(direct.db, account.id, 'subaccount', owner.id))! }, { name: 'faults', userId: null });
    const apiCall = (method: string, apiPath: string, body?: unknown) =>
      fetch(`${blanca.origin}/api/v1${apiPath}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const user = (await (await apiCall('POST', '/users', { name: 'Faults' })).json()) as { id: string };
    const created = await apiCall('POST', '/codes', { userId: user.id, kind: 'dynamic', name: 'Faults', content: { type: 'url', url: 'https://example.com/faults' } });
    assert.equal(created.status, 201);
    const code = (await created.json()) as { id: string; shortCode: string };

    const load = redirectLoad(blanca.origin, `/${code.shortCode}`, PHONE_UA);
    await sleep(1500);

    // 1. The server drops every connection of this instance (as a restart or pg_terminate_backend does).
    const terminated = await adminQuery('select pg_terminate_backend(pid) as gone from pg_stat_activity where application_name = $1', [applicationName]);
    assert.ok(terminated.rowCount! >= 1, 'the instance had connections to terminate');
    await sleep(1000);
    assert.equal(blanca.child.exitCode, null, `still running after pg_terminate_backend\n${logs()}`);
    await waitFor('API answers again after the terminated connections', async () => (await apiCall('GET', '/codes')).status === 200, 10_000, logs);

    // 2. The database becomes unreachable (port closed, open connections reset).
    await proxy.cut();
    await waitFor('/readyz 503', async () => (await statusOf(`${blanca.origin}/readyz`)) === 503, 10_000, logs);
    const problem = await apiCall('GET', '/codes');
    assert.equal(problem.status, 503);
    assert.match(problem.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.ok(Number(problem.headers.get('retry-after')) > 0, 'Retry-After');
    assert.equal(((await problem.json()) as { code: string }).code, 'not_ready');
    const pageEs = await fetch(`${blanca.origin}/login`, { headers: { 'accept-language': 'es-ES,es;q=0.9' } });
    assert.equal(pageEs.status, 503);
    assert.match(pageEs.headers.get('content-type') ?? '', /^text\/html/);
    assert.ok(pageEs.headers.get('retry-after'));
    const htmlEs = await pageEs.text();
    assert.match(htmlEs, /<html lang="es">/);
    assert.match(htmlEs, /No disponible temporalmente/);
    // Styled under the CSP like every page: the inline <style> carries this answer's nonce.
    const nonce = /style-src 'nonce-([^']+)'/.exec(pageEs.headers.get('content-security-policy') ?? '')?.[1];
    assert.ok(nonce && htmlEs.includes(`<style nonce="${nonce}">`), 'style nonce matches the CSP');
    const pageEn = await fetch(`${blanca.origin}/codes`, { headers: { cookie: 'blanca_lang=en' } });
    assert.equal(pageEn.status, 503);
    assert.match(await pageEn.text(), /Temporarily unavailable/);
    // A short link this instance has not seen cannot be resolved: 503, never a 500.
    assert.equal(await statusOf(`${blanca.origin}/zzzzzzz`), 503);
    // Known codes keep redirecting from the cache; their scans wait in memory.
    await sleep(2500);
    const pendingWhileDown = await metric(blanca.origin, 'blanca_scans_pending');
    assert.ok(pendingWhileDown > 0, 'scans are kept in memory while the database is unreachable');
    assert.equal(blanca.child.exitCode, null, `still running while the database is unreachable\n${logs()}`);

    // 3. The database is back: everything works again without a restart; the kept scans are written.
    await proxy.restore();
    await waitFor('/readyz 200 again', async () => (await statusOf(`${blanca.origin}/readyz`)) === 200, 20_000, logs);
    assert.equal((await apiCall('GET', '/codes')).status, 200);
    assert.equal(await statusOf(`${blanca.origin}/login`), 200);
    await sleep(1000);
    const statuses = await load.stop();
    await waitFor('queued scans written after the database returned', async () => (await metric(blanca.origin, 'blanca_scans_pending')) === 0, 20_000, logs);
    assert.equal(await metric(blanca.origin, 'blanca_scans_dropped_total'), 0);

    blanca.child.kill('SIGTERM');
    assert.equal(await blanca.exited, 0, logs());
    const tally = finalTally(blanca.stdout());
    const redirects = statuses['302'] ?? 0;
    console.log(`# fault run: ${JSON.stringify(statuses)}, ${terminated.rowCount} backends terminated, ${pendingWhileDown} scans pending while unreachable; tally ${JSON.stringify(tally)}`);
    assert.ok(redirects > 100, 'the load was served');
    assert.deepEqual(Object.keys(statuses).filter((s) => s !== '302' && s !== '503'), [], 'only 302 (and 503 for what needs the database), no 500, no broken connection');
    assert.equal(tally.dropped, 0);
    const count = await direct.db.selectFrom('qr_scans').select((eb) => eb.fn.countAll<string | number>().as('n')).where('code_id', '=', code.id).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), redirects, 'one scan in the database per 302 answered');

    // Every fault was logged as one JSON line, with no stack trace and no uncaught exception.
    // (The first start prints the owner's credentials as plain text once; everything after it is JSON.)
    const lines = blanca.stdout().trim().split('\n').filter((l) => l.startsWith('{'));
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `a JSON line: ${line.slice(0, 200)}`);
    const faultLines = lines.filter((l) => /database|scans failed|works again/.test(l)).map((l) => JSON.parse(l) as { msg: string; reason?: string });
    console.log(`# fault log lines: ${faultLines.map((l) => `${l.msg}${l.reason ? ` (${l.reason})` : ''}`).join(' | ').slice(0, 1500)}`);
    assert.ok(lines.some((l) => l.includes('database connection lost')), 'the dropped connections were logged');
    assert.ok(lines.some((l) => l.includes('database unavailable: answering 503')), 'the 503s were logged');
    assert.doesNotMatch(blanca.stdout() + blanca.stderr(), /uncaught|\n\s+at /i);
  });
});

describe('start-up against a database that is not there', { skip: skipPg, timeout: 60_000 }, () => {
  test('unreachable: one line naming host and port per retry, then it starts once the database is reachable', async () => {
    const proxy = new DatabaseProxy(pgUrl.hostname, Number(pgUrl.port || 5432));
    await proxy.start();
    await proxy.cut();
    const schema = `t_${Math.random().toString(36).slice(2, 12)}`;
    await adminQuery(`create schema ${schema}`);
    const instance = await spawnBlanca({
      DATABASE_URL: `postgres://postgres:not-shown-anywhere@127.0.0.1:${proxy.port}${pgUrl.pathname}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      DATABASE_WAIT_SECONDS: '60',
      BLANCA_ADMIN_PASSWORD: OWNER_PASSWORD,
    });
    try {
      const line = new RegExp(`^database 127\\.0\\.0\\.1:${proxy.port}${pgUrl.pathname} unreachable \\(ECONNREFUSED\\); retrying in 1 s$`, 'm');
      await waitFor('the retry message', () => line.test(instance.stderr()), 30_000, () => instance.stderr());
      await proxy.restore();
      await waitFor('ready after the database came', async () => (await statusOf(`${instance.origin}/readyz`)) === 200, 40_000, () => instance.stdout() + instance.stderr());
      instance.child.kill('SIGTERM');
      assert.equal(await instance.exited, 0);
      const stderr = instance.stderr();
      assert.doesNotMatch(stderr, /not-shown-anywhere|\n\s+at |migration/i, 'no password, no stack trace, no "migration unknown failed"');
      for (const l of stderr.trim().split('\n')) assert.match(l, /^database 127\.0\.0\.1:\d+\/\w+ unreachable \(ECONNREFUSED\); retrying in \d+ s$/);
    } finally {
      if (instance.child.exitCode === null) instance.child.kill('SIGKILL');
      await proxy.cut();
      await adminQuery(`drop schema ${schema} cascade`);
    }
  });

  test('wrong database name: one clear line and exit 1 once DATABASE_WAIT_SECONDS is over', async () => {
    const instance = await spawnBlanca({ DATABASE_URL: `postgres://postgres:not-shown-anywhere@${pgUrl.host}/blanca_no_such_database`, DATABASE_WAIT_SECONDS: '0' });
    assert.equal(await instance.exited, 1);
    const stderr = instance.stderr().trim();
    assert.equal(stderr, `database ${pgUrl.hostname}:${pgUrl.port || 5432}/blanca_no_such_database refused the connection (3D000 database "blanca_no_such_database" does not exist); giving up after 0 s (DATABASE_WAIT_SECONDS=0)`);
  });
});

describe('SQLite faults', () => {
  test('SQLITE_BUSY (another writer holds the lock): 503 problem JSON, scans kept and written once the lock is gone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blanca-faults-'));
    const file = path.join(dir, 'blanca.sqlite');
    const database = openDatabase({ sqliteFile: file });
    const blanca = await createBlanca(testConfig(), { database, qr: { scanFlushMs: 100 } });
    const other = new SQLite(file);
    try {
      const account = await blanca.deps.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
      const token = await tokenFor(blanca, account.id, await ownerActor(blanca, account.id));
      const inject = (method: 'GET' | 'POST', url: string, body?: unknown) =>
        blanca.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, 'user-agent': PHONE_UA, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { payload: JSON.stringify(body) } : {}) });
      const user = (await inject('POST', '/api/v1/users', { name: 'Busy' })).json() as { id: string };
      const code = (await inject('POST', '/api/v1/codes', { userId: user.id, kind: 'dynamic', name: 'Busy', content: { type: 'url', url: 'https://example.com/busy' } })).json() as { id: string; shortCode: string };
      // Short lock waits keep the test quick (better-sqlite3 waits on the request's thread).
      await sql`pragma busy_timeout = 100`.execute(blanca.deps.db);
      other.exec('begin immediate');

      const refused = await inject('POST', '/api/v1/users', { name: 'Waits' });
      assert.equal(refused.statusCode, 503, refused.body);
      assert.equal(refused.json().code, 'not_ready');
      assert.ok(refused.headers['retry-after']);
      let redirects = 0;
      for (let i = 0; i < 20; i++) if ((await inject('GET', `/${code.shortCode}`)).statusCode === 302) redirects++;
      assert.equal(redirects, 20);
      await assert.rejects(blanca.app.qr.recorder.flush(), (error) => databaseFault(error)?.reason === 'SQLITE_BUSY');
      assert.equal(blanca.app.qr.recorder.pending, 20, 'kept in memory');

      other.exec('commit');
      await waitFor('scans written once the lock is released', () => blanca.app.qr.recorder.pending === 0, 10_000);
      const count = await blanca.deps.db.selectFrom('qr_scans').select((eb) => eb.fn.countAll<number>().as('n')).where('code_id', '=', code.id).executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 20);
      assert.equal((await inject('POST', '/api/v1/users', { name: 'Works again' })).statusCode, 201);
    } finally {
      other.close();
      await blanca.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('databaseFault: which errors mean "database not usable now"', () => {
  const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  assert.equal(databaseFault(withCode('ECONNREFUSED'))?.kind, 'unreachable');
  assert.equal(databaseFault(withCode('57P01', 'terminating connection due to administrator command'))?.reason, '57P01 terminating connection due to administrator command');
  assert.equal(databaseFault(withCode('57P03'))?.kind, 'unreachable');
  assert.equal(databaseFault(withCode('08006'))?.kind, 'unreachable');
  assert.equal(databaseFault(withCode('53100', 'could not extend file: No space left on device'))?.kind, 'unreachable');
  assert.equal(databaseFault(withCode('3D000'))?.kind, 'refused');
  assert.equal(databaseFault(withCode('28P01'))?.kind, 'refused');
  assert.equal(databaseFault(withCode('SQLITE_BUSY'))?.kind, 'unreachable');
  assert.equal(databaseFault(withCode('SQLITE_FULL'))?.kind, 'unreachable');
  assert.equal(databaseFault(withCode('SQLITE_IOERR_WRITE'))?.kind, 'unreachable');
  assert.equal(databaseFault(new Error('Connection terminated unexpectedly'))?.kind, 'unreachable');
  assert.equal(databaseFault(new Error('timeout exceeded when trying to connect'))?.kind, 'unreachable');
  assert.equal(databaseFault(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]))?.reason, 'ECONNREFUSED');
  // Bugs and bad data stay 500/4xx.
  assert.equal(databaseFault(withCode('23505', 'duplicate key value violates unique constraint')), null);
  assert.equal(databaseFault(withCode('42P01', 'relation "x" does not exist')), null);
  assert.equal(databaseFault(withCode('SQLITE_CONSTRAINT_UNIQUE')), null);
  assert.equal(databaseFault(new TypeError('undefined is not a function')), null);
  assert.equal(databaseFault(undefined), null);
});
