// SCIM cost: Entra's create-and-patch cycle (POST /Users, then PATCH displayName and the work email) at
// /scim/v2/<account> against the same changes through the REST API (POST /api/v1/users, PATCH
// /api/v1/users/:id), on loopback HTTP (fetch to 127.0.0.1), SSO type User (1:1), one request at a time,
// in interleaved rounds so that machine drift hits both alike. Prints requests/s of each side and the
// ratio SCIM / REST (1.0 = as fast as the plain API). Entra's gallery asks for 25 requests/s per tenant.
//
// Usage: node --import tsx bench/scim.ts [cyclesPerRound=100] [rounds=3]. SQLite (temp file) and
// PostgreSQL (local server, own schema) when reachable. Bounded: a fixed number of cycles.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { setSsoEnabled } from '../src/accounts/service.js';
import { openDatabase, type DatabaseHandle } from '../src/db/connect.js';
import type { Engine } from '../src/db/database.js';
import { createBlanca } from '../src/server.js';
import { ENGINES, ownerActor, PG_URL, testConfig, tokenFor } from '../test/support/app.js';

const cycles = Number(process.argv[2] ?? 100);
const rounds = Number(process.argv[3] ?? 3);

async function database(engine: Engine): Promise<{ handle: DatabaseHandle; done: () => Promise<void> }> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'blanca-scim-bench-'));
    return { handle: openDatabase({ sqliteFile: join(dir, 'bench.sqlite') }), done: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `bench_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  return {
    handle: openDatabase({ databaseUrl: PG_URL, pgSchema: schema }),
    done: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema ${schema} cascade`);
      await c.end();
    },
  };
}

async function run(engine: Engine): Promise<void> {
  const { handle, done } = await database(engine);
  const blanca = await createBlanca(testConfig({ PUBLIC_URL: 'http://127.0.0.1' }), { database: handle });
  try {
    const account = await blanca.deps.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
    await setSsoEnabled(blanca.deps.db, account.id, true, new Date());
    const apiToken = await tokenFor(blanca, account.id, await ownerActor(blanca, account.id));
    await blanca.app.listen({ port: 0, host: '127.0.0.1' });
    const address = blanca.app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const created = await (await fetch(`${base}/api/v1/scim/tokens`, { method: 'POST', headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench' }) })).json() as { token: string };
    const call = async (method: string, url: string, token: string, type: string, body: unknown, expect: number) => {
      const r = await fetch(`${base}${url}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': type }, body: JSON.stringify(body) });
      const text = await r.text();
      if (r.status !== expect) throw new Error(`${method} ${url} → ${r.status}: ${text.slice(0, 200)}`);
      return JSON.parse(text) as { id: string };
    };
    const scimCycle = async () => {
      const login = randomUUID();
      const user = await call('POST', `/scim/v2/${account.slug}/Users`, created.token, 'application/scim+json', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], externalId: login, userName: `${login}@example.test`, active: true, displayName: `P ${login}`, emails: [{ primary: true, type: 'work', value: `${login}@example.test` }], name: { givenName: 'P', familyName: login } }, 201);
      await call('PATCH', `/scim/v2/${account.slug}/Users/${user.id}`, created.token, 'application/scim+json', { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'displayName', value: `Q ${login}` }, { op: 'replace', path: 'emails[type eq "work"].value', value: `q.${login}@example.test` }] }, 200);
    };
    const restCycle = async () => {
      const login = randomUUID();
      const user = await call('POST', '/api/v1/users', apiToken, 'application/json', { name: `P ${login}`, email: `${login}@example.test` }, 201);
      await call('PATCH', `/api/v1/users/${user.id}`, apiToken, 'application/json', { name: `Q ${login}`, email: `q.${login}@example.test` }, 200);
    };
    for (let i = 0; i < 20; i++) await Promise.all([scimCycle(), restCycle()]); // warm-up
    let scimMs = 0;
    let restMs = 0;
    for (let round = 0; round < rounds; round++) {
      let started = performance.now();
      for (let i = 0; i < cycles; i++) await scimCycle();
      scimMs += performance.now() - started;
      started = performance.now();
      for (let i = 0; i < cycles; i++) await restCycle();
      restMs += performance.now() - started;
    }
    const requests = cycles * rounds * 2;
    const scimRate = requests / (scimMs / 1000);
    const restRate = requests / (restMs / 1000);
    console.log(`${engine}: SCIM ${scimRate.toFixed(0)} requests/s (${(scimMs / (cycles * rounds)).toFixed(1)} ms per create-and-patch), REST ${restRate.toFixed(0)} requests/s (${(restMs / (cycles * rounds)).toFixed(1)} ms); ratio SCIM/REST ${(scimRate / restRate).toFixed(2)}`);
  } finally {
    await blanca.close();
    await done();
  }
}

for (const engine of ENGINES) await run(engine);
