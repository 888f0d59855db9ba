import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Actor } from '../../src/auth/actor.js';
import { resolveActor } from '../../src/auth/resolve.js';
import { createSession } from '../../src/auth/sessions.js';
import type { DatabaseHandle } from '../../src/db/connect.js';
import type { Engine } from '../../src/db/database.js';
import type { QrOptions } from '../../src/qr/module.js';
import type { Clock } from '../../src/platform/clock.js';
import { createBlanca, type Blanca } from '../../src/server.js';
import { SESSION_COOKIE } from '../../src/web/cookies.js';
import { api, openTestDatabase, ownerActor, testConfig, tokenFor } from '../support/app.js';

export { api };

const run = promisify(execFile);

/**
 * Like support/app.ts's startTestApp, but the database outlives the app: tests can close
 * Blanca (graceful shutdown) and then count what reached the database.
 */
export interface QrTestApp {
  blanca: Blanca;
  accountId: string;
  adminToken: string;
  database: DatabaseHandle;
  /** Closes Blanca (if still open), then the database and the PostgreSQL schema. */
  close(): Promise<void>;
}

export async function startQrApp(engine: Engine, options: { clock?: Clock; qr?: QrOptions; env?: Record<string, string> } = {}): Promise<QrTestApp> {
  const { database, dropSchema } = await openTestDatabase(engine, 6);
  // Blanca's close() closes the handle it is given; keep ours open until the test is done.
  const lent: DatabaseHandle = { ...database, close: async () => {} };
  const blanca = await createBlanca(testConfig(options.env), { database: lent, ...(options.clock ? { clock: options.clock } : {}), ...(options.qr ? { qr: options.qr } : {}) });
  const account = await blanca.deps.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
  const adminToken = await tokenFor(blanca, account.id, await ownerActor(blanca, account.id));
  let closed = false;
  const origClose = blanca.close.bind(blanca);
  blanca.close = async () => {
    if (closed) return;
    closed = true;
    await origClose();
  };
  return {
    blanca,
    accountId: account.id,
    adminToken,
    database,
    async close() {
      await blanca.close();
      await database.close();
      await dropSchema();
    },
  };
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export async function call(app: QrTestApp, method: Method, url: string, token: string | null, body?: unknown) {
  const response = await app.blanca.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  const type = String(response.headers['content-type'] ?? '');
  return { status: response.statusCode, body: type.includes('json') && response.body ? (JSON.parse(response.body) as any) : null, raw: response.rawPayload, text: response.body, headers: response.headers };
}

export async function createUser(app: QrTestApp, name: string, extra: Record<string, unknown> = {}): Promise<{ id: string; token: string }> {
  const created = await call(app, 'POST', '/users', app.adminToken, { name, ...extra });
  if (created.status !== 201) throw new Error(`user: ${created.status} ${created.text}`);
  const owner = await ownerActor(app.blanca, app.accountId);
  return { id: created.body.id, token: await tokenFor(app.blanca, app.accountId, owner, created.body.id) };
}

export async function actorOf(app: QrTestApp, kind: 'subaccount' | 'user', id: string): Promise<Actor> {
  return (await resolveActor(app.blanca.deps.db, app.accountId, kind, id))!;
}

/** A portal session cookie for a subaccount or user, optionally acting as a user. */
export async function sessionCookie(app: QrTestApp, kind: 'subaccount' | 'user', id: string, actingUserId: string | null = null): Promise<string> {
  const { token } = await createSession(app.blanca.deps.db, { accountId: app.accountId, principalKind: kind, principalId: id, actingUserId }, new Date(), 3600_000);
  return `${SESSION_COOKIE}=${token}`;
}

export async function countScans(app: QrTestApp, codeId?: string): Promise<number> {
  let query = app.database.db.selectFrom('qr_scans').select((eb) => eb.fn.countAll<number | string>().as('n'));
  if (codeId) query = query.where('code_id', '=', codeId);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

/** Decodes every QR code in an image file with Debian's zbarimg (an independent decoder). */
export async function zbar(bytes: Buffer, extension: 'png' | 'pdf'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'blanca-qr-'));
  try {
    let file = path.join(dir, `code.${extension}`);
    await fs.writeFile(file, bytes);
    if (extension === 'pdf') {
      await run('pdftoppm', ['-png', '-r', '150', '-singlefile', file, path.join(dir, 'page')]);
      file = path.join(dir, 'page.png');
    }
    const { stdout } = await run('zbarimg', ['--quiet', '--raw', '-Sbinary', file]);
    return stdout.replace(/\n$/, '');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export const PHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
