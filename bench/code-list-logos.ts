// Listing codes whose designs carry large logos: GET /api/v1/codes?limit=200 with 200 codes
// that each have a ~450 KB PNG logo, once alone and then eight lists at once.
// Run: node --expose-gc --import tsx bench/code-list-logos.ts
import { deflateSync, crc32 } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { createUser } from '../src/users/service.js';
import { USER_FEATURES } from '../src/users/schemas.js';
import { startTestApp, ownerActor } from '../test/support/app.js';

const CODES = 200;

/** A noisy (incompressible) RGB PNG of about 450 KB, each one different. */
function noisyPng(side = 380): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc(side * (side * 3 + 1));
  for (let y = 0; y < side; y++) randomBytes(side * 3).copy(raw, y * (side * 3 + 1) + 1);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 0 })), chunk('IEND', Buffer.alloc(0))]);
}

const engine = (process.argv[2] as 'sqlite' | 'postgres' | undefined) ?? 'sqlite';
const app = await startTestApp(engine);
const owner = await ownerActor(app.blanca, app.accountId);
const user = await createUser({ db: app.blanca.deps.db, now: new Date(), actor: owner }, { name: 'Marketing', maxCodes: 10_000, features: [...USER_FEATURES] });
const headers = { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' };
const logo = `data:image/png;base64,${noisyPng().toString('base64')}`;
for (let i = 0; i < CODES; i++) {
  // Every code gets the same logo: stored once by content hash (after the change), 200 times inline (before).
  const response = await app.blanca.app.inject({ method: 'POST', url: '/api/v1/codes', headers, payload: JSON.stringify({ userId: user.id, name: `Code ${i}`, kind: 'static', content: { type: 'text', text: `hello ${i}` }, design: { logo } }) });
  if (response.statusCode !== 201) throw new Error(`create ${response.statusCode}: ${response.body.slice(0, 300)}`);
}
console.log(`${CODES} codes, logo ${Math.round(logo.length / 1024)} KB as a data URL, ${engine}`);

const list = () => app.blanca.app.inject({ method: 'GET', url: `/api/v1/codes?limit=${CODES}`, headers: { authorization: headers.authorization } });
const gc = (globalThis as { gc?: () => void }).gc;
async function measure(label: string, parallel: number): Promise<void> {
  gc?.();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);
  const started = performance.now();
  const answers = await Promise.all(Array.from({ length: parallel }, list));
  const ms = performance.now() - started;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (answers.some((a) => a.statusCode !== 200 || a.json().codes.length !== CODES)) throw new Error('list failed');
  console.log(`${label.padEnd(22)} ${ms.toFixed(0).padStart(6)} ms   RSS +${((peakRss - before.rss) / 2 ** 20).toFixed(0)} MiB (peak ${(peakRss / 2 ** 20).toFixed(0)} MiB)`);
}
await list(); // warm-up
await measure('one list of 200', 1);
await measure('one list of 200', 1);
await measure('eight lists at once', 8);
await app.close();
