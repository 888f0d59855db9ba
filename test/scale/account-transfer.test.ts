/**
 * `blanca account export SLUG > file.json` and `blanca account import < file.json` (issue #6):
 * from an SQLite instance to a PostgreSQL one (or to another SQLite file when PostgreSQL is not
 * reachable), through the real command line. The import is checked by exporting it again.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import type { AccountExport } from '../../src/ops/account-transfer.js';
import { createBlanca } from '../../src/server.js';
import { ENGINES, OWNER_PASSWORD, PG_URL, ownerActor, testConfig, tokenFor } from '../support/app.js';
import { PortalClient } from '../support/portal.js';
import { PHONE_UA } from '../qr/support.js';

const run = promisify(execFile);
const sourceDir = mkdtempSync(path.join(tmpdir(), 'blanca-export-'));
const targetDir = mkdtempSync(path.join(tmpdir(), 'blanca-import-'));
const schema = `t_${Math.random().toString(36).slice(2, 12)}`;
const toPostgres = ENGINES.includes('postgres');
const targetEnv = toPostgres ? { DATABASE_URL: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`, DATA_DIR: targetDir } : { DATABASE_URL: '', DATA_DIR: targetDir };
const sourceEnv = { DATABASE_URL: '', DATA_DIR: sourceDir };

const cli = (env: Record<string, string>, ...args: string[]) => run(process.execPath, ['bin/blanca.mjs', ...args], { env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });

function cliWithInput(env: Record<string, string>, input: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/blanca.mjs', ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** The export with ids replaced by the users' names (stable across instances), in a fixed order, without the export time. */
function normalised(x: AccountExport): unknown {
  const nameOf = new Map(x.users.map((u) => [u.id, u.name]));
  const by = <T>(key: (item: T) => string) => (p: T, q: T) => key(p).localeCompare(key(q));
  return {
    ...x,
    exportedAt: null,
    users: x.users.map((u) => ({ ...u, id: null })).sort(by((u) => u.name)),
    subaccounts: x.subaccounts.map((s) => ({ ...s, id: null, users: s.users.map((l) => ({ ...l, userId: nameOf.get(l.userId) })).sort(by((l) => l.userId ?? '')) })).sort(by((s) => s.email)),
    codes: x.codes.map((c) => ({ ...c, id: null, userId: nameOf.get(c.userId) })).sort(by((c) => c.name)),
  };
}

after(async () => {
  rmSync(sourceDir, { recursive: true, force: true });
  rmSync(targetDir, { recursive: true, force: true });
  if (toPostgres) {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
});

test(`account export (SQLite) → account import (${toPostgres ? 'PostgreSQL' : 'SQLite'}): users, subaccounts with links, codes, settings; no secrets`, { timeout: 120_000 }, async () => {
  // The source: a real SQLite file with some content, made through the API.
  const source = await createBlanca(testConfig({ DATA_DIR: sourceDir }), { jobs: { firstDelayMs: 3_600_000 } });
  const account = await source.deps.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
  const token = await tokenFor(source, account.id, await ownerActor(source, account.id));
  const call = async (method: 'POST' | 'PUT', url: string, body: unknown) => {
    const r = await source.app.inject({ method, url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    assert.ok(r.statusCode < 300, r.body);
    return JSON.parse(r.body) as any;
  };
  const marketing = await call('POST', '/users', { name: 'Marketing' });
  const sales = await call('POST', '/users', { name: 'Sales' });
  await call('POST', '/subaccounts', { email: 'lead@example.com', name: 'Team Lead', role: 'team_leader', password: 'lead-password-1', userIds: [marketing.id, sales.id] });
  const dynamic = await call('POST', '/codes', { userId: marketing.id, kind: 'dynamic', name: 'Poster', content: { type: 'url', url: 'https://example.com/poster' }, folder: 'Spring', tags: ['print', 'city'] });
  await call('POST', '/codes', { userId: sales.id, kind: 'static', name: 'Hello', content: { type: 'text', text: 'hello' } });
  await call('PUT', '/scan-settings', { scanRetentionDays: 30 });
  await source.close();

  const exported = await cli(sourceEnv, 'account', 'export', account.slug);
  const data = JSON.parse(exported.stdout) as AccountExport;
  assert.equal(data.format, 'blanca-account-export');
  assert.deepEqual([data.users.length, data.subaccounts.length, data.codes.length], [2, 2, 2]);
  assert.deepEqual(data.qrSettings, { scanRetentionDays: 30 });
  const lead = data.subaccounts.find((s) => s.email === 'lead@example.com')!;
  assert.equal(lead.users.length, 2);
  assert.deepEqual(data.codes.find((c) => c.kind === 'dynamic')?.tags, ['city', 'print']);
  assert.doesNotMatch(exported.stdout, /argon2|"password|password_?hash|totp|"token|secret|PRIVATE KEY/i, "no secrets in the export");

  if (toPostgres) {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
  }
  const imported = await cliWithInput(targetEnv, exported.stdout, 'account', 'import');
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, new RegExp(`Imported account "${account.slug}": 2 users, 2 subaccounts, 2 QR codes`));

  // Clear refusals: same short name again; another name but the same short links.
  const again = await cliWithInput(targetEnv, exported.stdout, 'account', 'import');
  assert.equal(again.code, 1);
  assert.match(again.stderr, /exists already; import with --slug/);
  const renamed = await cliWithInput(targetEnv, exported.stdout, 'account', 'import', '--slug', 'acme-copy');
  assert.equal(renamed.code, 1);
  assert.match(renamed.stderr, /short code\(s\) are in use on this instance already/);
  assert.match((await cliWithInput(targetEnv, '{"format":"other"}', 'account', 'import')).stderr, /Not a Blanca account export/);
  // A file whose shape is off is refused before anything is written, naming the field.
  const tampered = JSON.parse(exported.stdout) as { subaccounts: Array<{ role: string }>; codes: Array<{ status: string }> };
  tampered.subaccounts[0]!.role = 'superuser';
  tampered.codes[0]!.status = 'deleted';
  const refused = await cliWithInput(targetEnv, JSON.stringify(tampered), 'account', 'import', '--slug', 'acme-tampered');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /The export is not valid: .*subaccounts\[0\]\.role/);
  assert.match(refused.stderr, /codes\[0\]\.status/);

  // Round trip: exporting the import gives the same document (ids aside).
  const reexported = JSON.parse((await cli(targetEnv, 'account', 'export', account.slug)).stdout) as AccountExport;
  assert.deepEqual(normalised(reexported), normalised(data));

  // The imported account works: the short link redirects, and the owner signs in after a password reset.
  await cli(targetEnv, 'owner', 'reset-password', account.slug, '--password', OWNER_PASSWORD);
  const target = await createBlanca(testConfig(targetEnv), { jobs: { firstDelayMs: 3_600_000 } });
  try {
    assert.equal(target.firstStart, null, 'no second account bootstrapped');
    const scan = await target.app.inject({ method: 'GET', url: `/${dynamic.shortCode}`, headers: { 'user-agent': PHONE_UA } });
    assert.equal(scan.statusCode, 302);
    assert.equal(scan.headers.location, 'https://example.com/poster');
    const browser = new PortalClient(target.app);
    assert.equal((await browser.signIn('owner@example.com', OWNER_PASSWORD, account.slug)).status, 303);
    assert.notEqual((await browser.signIn('lead@example.com', 'lead-password-1', account.slug)).status, 303, 'other passwords are not carried over');
  } finally {
    await target.close();
  }
});
