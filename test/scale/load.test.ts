/**
 * Bounded load (issue #6), loopback only, about 20 s: two Blanca processes (`node --import tsx
 * src/main.ts`, as in production) on one PostgreSQL schema; autocannon keeps 64 connections
 * (32 per instance) on a short link. A is never stopped and must answer every request with a
 * 302; B gets SIGTERM in the middle of the load and must finish what it accepted and write its
 * queued scans before exiting. Afterwards the database holds exactly one scan per 302 answered.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import autocannon from 'autocannon';
import pg from 'pg';
import { createApiToken } from '../../src/auth/tokens.js';
import { resolveActor } from '../../src/auth/resolve.js';
import { openDatabase } from '../../src/db/connect.js';
import { ENGINES, OWNER_PASSWORD, PG_URL } from '../support/app.js';
import { PHONE_UA } from '../qr/support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECONDS = 8;
const SIGTERM_AFTER_MS = 3000;

interface Tally {
  '1xx': number;
  '2xx': number;
  '3xx': number;
  '4xx': number;
  '5xx': number;
  errors: number;
  timeouts: number;
  requests: { total: number };
  latency: { p99: number };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Instance {
  child: ChildProcess;
  origin: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** The `stopped` line src/main.ts logs after a graceful shutdown. */
function finalTally(output: string): { queued: number; written: number; skippedDeletedCode: number; dropped: number } {
  const line = output.split('\n').find((l) => l.includes('"msg":"stopped"'));
  if (!line) throw new Error(`no "stopped" line in the instance's log:\n${output.slice(-2000)}`);
  return (JSON.parse(line) as { scans: { queued: number; written: number; skippedDeletedCode: number; dropped: number } }).scans;
}

async function startInstance(schema: string): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATABASE_URL: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: 'http://blanca.test',
      LOG_LEVEL: 'info',
      BLANCA_ADMIN_EMAIL: 'owner@example.com',
      BLANCA_ADMIN_PASSWORD: OWNER_PASSWORD,
      SECRET_KEY: 'load-test-secret-key-0123456789abcdef',
    },
  });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const origin = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 30_000; ; ) {
    if (child.exitCode !== null) throw new Error(`instance exited early (${child.exitCode}):\n${log}`);
    try {
      if ((await fetch(`${origin}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`instance not ready in 30 s:\n${log}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return { child, origin, output: () => log, exited };
}

test('64 connections on two instances, SIGTERM to one mid-load: no error response, no scan lost', { skip: ENGINES.includes('postgres') ? false : 'PostgreSQL not reachable', timeout: 60_000 }, async () => {
  const schema = `t_${Math.random().toString(36).slice(2, 12)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const database = openDatabase({ databaseUrl: PG_URL, pgSchema: schema, poolSize: 2 });
  const instances: Instance[] = [];
  try {
    // One after the other: the first migrates and creates the account.
    instances.push(await startInstance(schema));
    instances.push(await startInstance(schema));
    const [a, b] = instances as [Instance, Instance];

    const account = await database.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
    const owner = await database.db.selectFrom('subaccounts').select('id').where('account_id', '=', account.id).where('is_owner', '=', 1).executeTakeFirstOrThrow();
    const actor = (await resolveActor(database.db, account.id, 'subaccount', owner.id))!;
    const { token } = await createApiToken({ db: database.db, now: new Date(), actor }, { name: 'load', userId: null });
    const post = async (origin: string, path: string, body: unknown) => {
      const response = await fetch(`${origin}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json = (await response.json()) as any;
      assert.equal(response.status, 201, JSON.stringify(json));
      return json;
    };
    const user = await post(a.origin, '/users', { name: 'Load' });
    const code = await post(b.origin, '/codes', { userId: user.id, kind: 'dynamic', name: 'Load', content: { type: 'url', url: 'https://example.com/load' } });

    const load = (origin: string) => autocannon({ url: `${origin}/${code.shortCode}`, connections: 32, duration: SECONDS, headers: { 'user-agent': PHONE_UA } }) as unknown as Promise<Tally>;
    const started = Date.now();
    const sigterm = new Promise<void>((resolve) =>
      setTimeout(() => {
        b.child.kill('SIGTERM');
        resolve();
      }, SIGTERM_AFTER_MS),
    );
    const [onA, onB] = await Promise.all([load(a.origin), load(b.origin), sigterm]);
    const exitB = await b.exited;
    console.log(`# load ${Date.now() - started} ms: A ${onA['3xx']} redirects (p99 ${onA.latency.p99} ms), B ${onB['3xx']} redirects until SIGTERM (+${onB['5xx']} 503 while closing, ${onB.errors} refused connections after)`);

    assert.equal(exitB, 0, `B exits cleanly after SIGTERM:\n${b.output()}`);
    assert.ok(onA['3xx'] > 500 && onB['3xx'] > 100, 'both instances served load');
    assert.deepEqual({ '1xx': onA['1xx'], '2xx': onA['2xx'], '4xx': onA['4xx'], '5xx': onA['5xx'], errors: onA.errors, timeouts: onA.timeouts }, { '1xx': 0, '2xx': 0, '4xx': 0, '5xx': 0, errors: 0, timeouts: 0 }, 'A: only 302s');
    // B: 302 until it stops; while closing, requests on open keep-alive connections get 503 (a load
    // balancer retries them elsewhere) and new connections are refused. Never a 4xx or another 5xx.
    assert.equal(onB['4xx'], 0);
    assert.equal(onB['2xx'] + onB['1xx'], 0);

    a.child.kill('SIGTERM');
    assert.equal(await a.exited, 0, a.output());
    const tallyA = finalTally(a.output());
    const tallyB = finalTally(b.output());
    console.log(`# final tallies: A ${JSON.stringify(tallyA)}, B ${JSON.stringify(tallyB)}`);
    for (const tally of [tallyA, tallyB]) {
      assert.equal(tally.dropped, 0, 'nothing dropped');
      assert.equal(tally.written + tally.skippedDeletedCode, tally.queued, 'every queued scan written before exit');
    }
    const count = await database.db.selectFrom('qr_scans').select((eb) => eb.fn.countAll<string | number>().as('n')).where('code_id', '=', code.id).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), tallyA.queued + tallyB.queued, 'the database holds every scan either instance queued, once');
    // The client's view: every 302 it received is a scan. autocannon does not count the last
    // response in flight on a connection when it stops (end of the run, or B closing), so the
    // database may hold up to one more scan per connection than the client saw, never fewer.
    const answered = onA['3xx'] + onB['3xx'];
    assert.ok(Number(count.n) >= answered && Number(count.n) <= answered + 64, `${count.n} scans for ${answered} redirects seen by the client`);
  } finally {
    for (const instance of instances) if (instance.child.exitCode === null) instance.child.kill('SIGKILL');
    await database.close();
    const dropper = new pg.Client({ connectionString: PG_URL });
    await dropper.connect();
    await dropper.query(`drop schema ${schema} cascade`);
    await dropper.end();
  }
});
