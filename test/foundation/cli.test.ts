import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const dataDir = mkdtempSync(path.join(tmpdir(), 'blanca-cli-'));
const cli = (...args: string[]) => run(process.execPath, ['bin/blanca.mjs', ...args], { env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' }, timeout: 60_000 });
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('operators create accounts, switch SSO on and reset the owner password from the command line', async () => {
  const created = await cli('account', 'create', '--name', 'Ñandú Corp', '--owner-email', 'owner@nandu.example');
  assert.match(created.stdout, /Created account "nandu-corp"\. Owner: owner@nandu\.example, password: \S{12,}/);
  assert.match((await cli('sso', 'enable', 'nandu-corp')).stdout, /now on/);
  assert.match((await cli('account', 'list')).stdout, /nandu-corp\tÑandú Corp\tsso=on/);
  assert.match((await cli('owner', 'reset-password', 'nandu-corp', '--password', 'a-new-password-1')).stdout, /set\./);
  await assert.rejects(cli('sso', 'enable', 'missing'), (error: { stderr: string; code: number }) => error.code === 1 && /No account with the short name "missing"/.test(error.stderr));
});

test('operators verify, list and release SSO email domains from the command line', async () => {
  await cli('account', 'create', '--name', 'Domain Corp', '--owner-email', 'owner@domain-corp.example');
  assert.match((await cli('domain', 'verify', 'domain-corp', 'Domain-Corp.example')).stdout, /domain-corp\.example is verified for "domain-corp"/);
  assert.match((await cli('domain', 'list')).stdout, /^domain-corp\.example\tdomain-corp\tverified\tby Platform operator /m);
  assert.match((await cli('domain', 'release', 'domain-corp.example')).stdout, /domain-corp\.example released/);
  assert.match((await cli('domain', 'release', 'domain-corp.example')).stdout, /not verified for any account; nothing to release/);
  await assert.rejects(cli('domain', 'verify', 'domain-corp', 'not a domain'), (error: { stderr: string; code: number }) => error.code === 1 && /is not a domain name/.test(error.stderr));
  assert.match((await cli('help')).stdout, /blanca domain verify SLUG DOMAIN/);
});
