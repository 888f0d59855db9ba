import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createUser } from '../../src/users/service.js';
import { USER_FEATURES } from '../../src/users/schemas.js';
import type { DatabaseHandle } from '../../src/db/connect.js';
import { openDatabase } from '../../src/db/connect.js';
import { BULK_STALE_MS } from '../../src/qr/bulk.js';
import { createBlanca, type Blanca } from '../../src/server.js';
import { describeEachEngine, openTestDatabase, ownerActor, PG_URL, testConfig, tokenFor } from '../support/app.js';

// Issue 9 item 12: a bulk job whose process dies. Before: the job stayed "running" for ever,
// its report missed the rows created after its last periodic save, and sending the same file
// again created every row a second time. Now: the job is marked interrupted (SQLite: at
// start-up; PostgreSQL: once its heartbeat is stale), its report lists every committed row,
// and the re-run skips the rows already created.
const ROWS = 30;
const CRASH_AFTER_LINE = 12; // lines 2..12 are committed: 11 codes
const CSV = ['name,kind,type,text', ...Array.from({ length: ROWS }, (_, i) => `Row ${i + 2},static,text,hello ${i + 2}`)].join('\n') + '\n';
const child = fileURLToPath(new URL('../support/bulk-crash-child.ts', import.meta.url));

describeEachEngine('bulk job interrupted by a crash', (engine) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'blanca-bulk-'));
  const csvFile = path.join(dir, 'codes.csv');
  let open: () => DatabaseHandle;
  let dropSchema = async () => {};
  let pgSchema: string | undefined;
  let userId: string;
  let blanca: Blanca;

  before(async () => {
    writeFileSync(csvFile, CSV);
    if (engine === 'sqlite') {
      open = () => openDatabase({ sqliteFile: path.join(dir, 'blanca.sqlite') });
    } else {
      const first = await openTestDatabase('postgres');
      pgSchema = first.database.schema!;
      dropSchema = first.dropSchema;
      await first.database.close();
      open = () => openDatabase({ databaseUrl: PG_URL, pgSchema });
    }
    const setup = await createBlanca(testConfig(), { database: open() });
    const account = await setup.deps.db.selectFrom('accounts').select('id').executeTakeFirstOrThrow();
    const owner = await ownerActor(setup, account.id);
    userId = (await createUser({ db: setup.deps.db, now: new Date(), actor: owner }, { name: 'Marketing', maxCodes: 1000, features: [...USER_FEATURES] })).id;
    await setup.close();
  });
  after(async () => {
    await blanca?.close();
    await dropSchema();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the killed job is marked interrupted, its report is complete, and the same file again skips what was created', async () => {
    const env = { ...process.env, CRASH_AFTER_LINE: String(CRASH_AFTER_LINE), USER_ID: userId, CSV_FILE: csvFile, PG_URL, ...(pgSchema ? { PG_SCHEMA: pgSchema } : { SQLITE_FILE: path.join(dir, 'blanca.sqlite') }) };
    const run = spawn(process.execPath, ['--import', 'tsx', child], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    run.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => run.on('exit', (_code, sig) => resolve(sig)));
    assert.equal(signal, 'SIGKILL', 'the child died the hard way');
    const jobId = out.trim();
    assert.ok(jobId, 'the child started a job');

    // The next instance: on PostgreSQL its clock is past the dead job's heartbeat lease.
    const skew = engine === 'postgres' ? BULK_STALE_MS + 5_000 : 0;
    blanca = await createBlanca(testConfig(), { database: open(), clock: { now: () => new Date(Date.now() + skew) } });
    const account = await blanca.deps.db.selectFrom('accounts').select('id').executeTakeFirstOrThrow();
    const token = await tokenFor(blanca, account.id, await ownerActor(blanca, account.id));
    const get = async (url: string) => {
      const response = await blanca.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` } });
      return response.json();
    };
    const created = await blanca.deps.db.selectFrom('qr_codes').select(['id', 'name']).where('user_id', '=', userId).orderBy('name').execute();
    assert.equal(created.length, CRASH_AFTER_LINE - 1, 'rows up to the crash were committed');

    const job = await get(`/codes/bulk/${jobId}`);
    assert.equal(job.status, 'interrupted');
    assert.equal(job.processed, CRASH_AFTER_LINE - 1, 'the report has every committed row');
    assert.deepEqual(job.rows.map((r: { row: number }) => r.row), Array.from({ length: CRASH_AFTER_LINE - 1 }, (_, i) => i + 2));
    assert.deepEqual(new Set(job.rows.map((r: { codeId: string }) => r.codeId)), new Set(created.map((c) => c.id)));

    const page = await blanca.app.inject({ method: 'POST', url: '/api/v1/codes/bulk', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ userId, csv: CSV }) });
    assert.equal(page.statusCode, 202);
    const rerunId = page.json().id as string;
    let rerun = await get(`/codes/bulk/${rerunId}`);
    for (let i = 0; i < 600 && rerun.status === 'running'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      rerun = await get(`/codes/bulk/${rerunId}`);
    }
    assert.equal(rerun.status, 'done');
    assert.equal(rerun.processed, ROWS);
    assert.equal(rerun.skipped, CRASH_AFTER_LINE - 1);
    assert.equal(rerun.succeeded, ROWS);
    const skipped = rerun.rows.filter((r: { skipped?: boolean }) => r.skipped);
    assert.deepEqual(new Set(skipped.map((r: { codeId: string }) => r.codeId)), new Set(created.map((c) => c.id)), 'skipped rows point at the codes made before the crash');
    const all = await blanca.deps.db.selectFrom('qr_codes').select('name').where('user_id', '=', userId).execute();
    assert.equal(all.length, ROWS, 'no duplicates');
    assert.equal(new Set(all.map((c) => c.name)).size, ROWS);
  });
});
