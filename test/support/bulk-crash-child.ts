// Child process of test/qr/bulk-recovery.test.ts: starts a bulk job and dies with SIGKILL
// (no clean-up of any kind, like a crash or an OOM kill) right after row CRASH_AFTER_LINE.
import { readFileSync } from 'node:fs';
import { resolveActor } from '../../src/auth/resolve.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/connect.js';
import { startBulkJob } from '../../src/qr/bulk.js';
import { createBlanca } from '../../src/server.js';

const env = process.env;
const crashAfter = Number(env.CRASH_AFTER_LINE);
const database = env.PG_SCHEMA ? openDatabase({ databaseUrl: env.PG_URL!, pgSchema: env.PG_SCHEMA }) : openDatabase({ sqliteFile: env.SQLITE_FILE! });
const config = loadConfig({ BLANCA_ADMIN_EMAIL: 'owner@example.com', BLANCA_ADMIN_PASSWORD: 'owner-password-123', LOG_LEVEL: 'silent', DATA_DIR: '/nonexistent' });
const blanca = await createBlanca(config, {
  database,
  qr: { bulkHooks: { afterRow: (line) => (line === crashAfter ? void process.kill(process.pid, 'SIGKILL') : undefined) } },
});
const owner = await blanca.deps.db.selectFrom('subaccounts').select(['id', 'account_id']).where('is_owner', '=', 1).executeTakeFirstOrThrow();
const actor = (await resolveActor(blanca.deps.db, owner.account_id, 'subaccount', owner.id))!;
const qr = blanca.app.qr;
const job = await startBulkJob({ db: blanca.deps.db, now: new Date(), actor }, qr.runtime, blanca.app.log, qr.track, { userId: env.USER_ID!, csv: readFileSync(env.CSV_FILE!, 'utf8') }, qr.bulkHooks);
process.stdout.write(`${job.id}\n`);
// Keep running until the hook kills the process.
setInterval(() => undefined, 1000);
