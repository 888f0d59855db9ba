// Child process of bench/redirect.ts: serves either Blanca or a bare node:http server that
// answers the same 302, so the two are measured under identical conditions.
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/connect.js';
import { createCode } from '../src/qr/service.js';
import { createBlanca } from '../src/server.js';
import { createUser } from '../src/users/service.js';
import { resolveActor } from '../src/auth/resolve.js';
import { openTestDatabase } from '../test/support/app.js';

const DESTINATION = 'https://example.com/landing-page?utm_source=qr';
const send = (message: unknown) => process.send?.(message);

async function bare(): Promise<void> {
  const server = http.createServer((request, response) => {
    response.writeHead(302, { location: DESTINATION, 'cache-control': 'private, no-store', 'content-length': '0' });
    response.end();
  });
  server.listen(0, '127.0.0.1', () => send({ ready: true, port: (server.address() as AddressInfo).port, code: 'abcdefg' }));
  process.on('message', () => server.close(() => send({ closed: true, scans: 0 })));
}

async function blanca(engine: 'sqlite' | 'postgres'): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blanca-bench-'));
  const config = loadConfig({ DATA_DIR: dir, BLANCA_ADMIN_PASSWORD: 'bench-password-1', LOG_LEVEL: 'info' });
  // PostgreSQL: a throwaway schema of its own, dropped at the end.
  const { database, dropSchema } = engine === 'postgres' ? await openTestDatabase('postgres', 10) : { database: openDatabase({ sqliteFile: config.databaseFile }), dropSchema: async () => {} };
  const lent = { ...database, close: async () => {} };
  // The production logger (pino at info); the redirect route logs only warnings.
  const app = await createBlanca(config, { database: lent, logger: { level: 'info', stream: fs.createWriteStream('/dev/null') } });
  const account = await app.deps.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
  const owner = await app.deps.db.selectFrom('subaccounts').select('id').where('is_owner', '=', 1).executeTakeFirstOrThrow();
  const actor = (await resolveActor(app.deps.db, account.id, 'subaccount', owner.id))!;
  const ctx = { db: app.deps.db, now: new Date(), actor };
  const user = await createUser(ctx, { name: 'Bench', maxCodes: 100, features: ['dynamic_codes', 'static_codes', 'analytics'] });
  const { code } = await createCode(ctx, app.app.qr.runtime, { userId: user.id, kind: 'dynamic', name: 'Bench', content: { type: 'url', url: DESTINATION } });
  // BENCH_CPU_PROF=<file>: a V8 CPU profile of this server for the whole run (open in Chrome DevTools).
  const profiler = process.env.BENCH_CPU_PROF ? new Session() : null;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  send({ ready: true, port: (app.app.server.address() as AddressInfo).port, code: code.short_code, engine: app.deps.engine });
  process.on('message', async (message) => {
    if (message === 'memory') return send({ rssMb: Math.round(process.memoryUsage().rss / 1048576), heapMb: Math.round(process.memoryUsage().heapUsed / 1048576) });
    await app.close(); // graceful: waits for requests, then writes every queued scan
    if (profiler) fs.writeFileSync(process.env.BENCH_CPU_PROF as string, JSON.stringify((await profiler.post('Profiler.stop')).profile));
    const row = await database.db.selectFrom('qr_scans').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    await database.close();
    await dropSchema();
    fs.rmSync(dir, { recursive: true, force: true });
    send({ closed: true, scans: Number(row.n), counters: app.app.qr.recorder.counters });
  });
}

await (process.argv[2] === 'bare' ? bare() : blanca(process.argv[3] === 'postgres' ? 'postgres' : 'sqlite'));
