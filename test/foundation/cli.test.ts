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

test('the operator prints a first API token from the command line, and it works on the API', async () => {
  await cli('account', 'create', '--name', 'Token Corp', '--owner-email', 'owner@token.example');
  const printed = await cli('token', 'create', 'token-corp', '--name', 'CRM import');
  const token = /^(qrp_\S+)$/m.exec(printed.stdout)?.[1];
  assert.ok(token, `a qrp_ token is printed: ${printed.stdout}`);
  const { loadConfig } = await import('../../src/config.js');
  const { createBlanca } = await import('../../src/server.js');
  const blanca = await createBlanca(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), { logger: false });
  try {
    const account = await blanca.app.inject({ url: '/api/v1/account', headers: { authorization: `Bearer ${token}` } });
    assert.equal(account.statusCode, 200, account.body);
    assert.equal(account.json().slug, 'token-corp');
    const audit = await blanca.deps.db.selectFrom('audit_log').select(['action', 'actor_label']).where('action', '=', 'token.create').execute();
    assert.deepEqual(audit.map((a) => a.actor_label), ['operator (command line)']);
  } finally {
    await blanca.close();
  }
  await assert.rejects(cli('token', 'create', 'missing'), (error: { stderr: string; code: number }) => error.code === 1 && /No account with the short name "missing"/.test(error.stderr));
});

test('every command has --help with an example', async () => {
  const all = (await cli('help')).stdout;
  const usages = [...all.matchAll(/^ {2}blanca (\S+(?: [a-z-]+)?)/gm)].map((m) => m[1]!.replace(/ [A-Z].*$/, ''));
  assert.ok(usages.length >= 9, all);
  for (const command of usages) {
    const words = command.split(' ').filter((w) => /^[a-z-]+$/.test(w));
    const help = (await cli(...words, '--help')).stdout;
    assert.match(help, /Example: blanca /, `${command} --help shows an example`);
  }
});
