import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { isShortCode, newShortCode, RESERVED_WORDS, SHORT_CODE_ALPHABET } from '../../src/qr/short-codes.js';
import { classifyUserAgent } from '../../src/qr/scans/user-agent.js';
import { describeEachEngine } from '../support/app.js';
import { call, countScans, PHONE_UA, startQrApp, type QrTestApp } from './support.js';

let userId = '';

async function dynamicCode(app: QrTestApp, url: string, extra: Record<string, unknown> = {}) {
  const created = await call(app, 'POST', '/codes', app.adminToken, { userId, kind: 'dynamic', name: `Poster ${url}`, content: { type: 'url', url }, ...extra });
  assert.equal(created.status, 201, created.text);
  return created.body as { id: string; shortCode: string; shortUrl: string };
}

const scan = (app: QrTestApp, code: string, headers: Record<string, string> = { 'user-agent': PHONE_UA }, method: 'GET' | 'HEAD' = 'GET') =>
  app.blanca.app.inject({ method, url: `/${code}`, headers });

test('short codes: 7 characters of base58, never a reserved word', () => {
  const sequence = [...'users12'].map((c) => SHORT_CODE_ALPHABET.indexOf(c));
  let i = 0;
  // A generator that first produces "users12"-like reserved text must move on.
  const scripted = (max: number) => (i < 7 ? sequence[i++]! : Math.floor(Math.random() * max));
  const reserved = 'account';
  const forced = [...reserved].map((c) => SHORT_CODE_ALPHABET.indexOf(c));
  let j = 0;
  const code = newShortCode((max) => (j < 7 ? forced[j++]! : Math.floor(Math.random() * max)));
  assert.notEqual(code.toLowerCase(), reserved);
  assert.ok(isShortCode(code));
  assert.ok(isShortCode(newShortCode(scripted)));
  for (let n = 0; n < 1000; n++) assert.match(newShortCode(), /^[1-9A-HJ-NP-Za-km-z]{7}$/);
});

test('bots and link previews are recognised; phones are not', () => {
  for (const ua of ['Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'facebookexternalhit/1.1', 'WhatsApp/2.23.20.0', 'Twitterbot/1.0', 'TelegramBot (like TwitterBot)', 'Mozilla/5.0 (compatible; Discordbot/2.0)', 'LinkedInBot/1.0', 'curl/8.5.0', 'Googlebot/2.1', undefined]) {
    assert.equal(classifyUserAgent(ua).bot, true, String(ua));
  }
  const phone = classifyUserAgent(PHONE_UA);
  assert.deepEqual(phone, { bot: false, device: 'mobile', os: 'iOS' });
  assert.equal(classifyUserAgent('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36').os, 'Android');
});

describeEachEngine('dynamic code redirects', (engine) => {
  let app: QrTestApp;
  before(async () => {
    app = await startQrApp(engine, { qr: { scanFlushMs: 60_000, scanBatchSize: 100_000 } });
    const user = await call(app, 'POST', '/users', app.adminToken, { name: 'Marketing' });
    userId = user.body.id;
  });
  after(() => app.close());

  test('302 to the current destination; an edit applies at once', async () => {
    const code = await dynamicCode(app, 'https://example.com/first');
    assert.ok(isShortCode(code.shortCode));
    assert.equal(code.shortUrl, `http://localhost:3000/${code.shortCode}`);
    const first = await scan(app, code.shortCode);
    assert.equal(first.statusCode, 302);
    assert.equal(first.headers.location, 'https://example.com/first');
    assert.match(String(first.headers['cache-control']), /no-store/);
    assert.equal(first.headers['set-cookie'], undefined, 'no cookies on a scan');
    const edited = await call(app, 'PATCH', `/codes/${code.id}`, app.adminToken, { content: { type: 'url', url: 'example.org/second' } });
    assert.equal(edited.status, 200, edited.text);
    assert.equal(edited.body.destination, 'https://example.org/second');
    const second = await scan(app, code.shortCode);
    assert.equal(second.headers.location, 'https://example.org/second', 'no stale cache after an edit');
  });

  test('paused, expired and unknown codes show friendly pages', async () => {
    const code = await dynamicCode(app, 'https://example.com/paused');
    assert.equal((await scan(app, code.shortCode)).statusCode, 302);
    assert.equal((await call(app, 'POST', `/codes/${code.id}/pause`, app.adminToken)).body.status, 'paused');
    const paused = await scan(app, code.shortCode, { 'user-agent': PHONE_UA, 'accept-language': 'es-ES,es;q=0.9' });
    assert.equal(paused.statusCode, 404);
    assert.match(paused.body, /está en pausa/);
    // White label: in the owning account's name and primary colour, its CSP allowing exactly that stylesheet.
    const account = (await call(app, 'GET', '/account', app.adminToken)).body;
    assert.match(paused.body, new RegExp(`<header>${account.name}</header>`));
    assert.ok(paused.body.includes(`header{background:${account.primaryColor}`));
    assert.match(String(paused.headers['content-security-policy']), /style-src 'sha256-[^']+'/);
    assert.doesNotMatch(paused.body, /Blanca/);
    assert.match(String(paused.headers['content-type']), /text\/html/);
    assert.equal((await call(app, 'POST', `/codes/${code.id}/resume`, app.adminToken)).body.status, 'active');
    assert.equal((await scan(app, code.shortCode)).statusCode, 302);

    const expiring = await dynamicCode(app, 'https://example.com/expired', { expiresAt: new Date(Date.now() - 60_000).toISOString() });
    const expired = await scan(app, expiring.shortCode);
    assert.equal(expired.statusCode, 410);
    assert.match(expired.body, /has expired/);
    assert.equal((await call(app, 'PATCH', `/codes/${expiring.id}`, app.adminToken, { expiresAt: null })).status, 200);
    assert.equal((await scan(app, expiring.shortCode)).statusCode, 302, 'removing the expiry works at once');

    const unknown = await scan(app, 'zzzzzzz');
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.body, /does not exist/);
    assert.match(unknown.body, /<header>QR platform<\/header>/, 'an unknown code: neutral, with PLATFORM_NAME');
    // Not a code at all (wrong alphabet or length): the ordinary 404 of the app.
    assert.equal((await scan(app, 'abc')).statusCode, 404);
    assert.equal((await scan(app, 'users')).statusCode, 303, 'portal paths are not shadowed');
  });

  test('static codes have no short link', async () => {
    const created = await call(app, 'POST', '/codes', app.adminToken, { userId, kind: 'static', name: 'Text', content: { type: 'text', text: 'hello' } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.shortCode, null);
  });

  test('scans: bots flagged and left out, HEAD not recorded, no IP stored, counted in stats', async () => {
    const code = await dynamicCode(app, 'https://example.com/stats');
    await scan(app, code.shortCode, { 'user-agent': PHONE_UA, referer: 'https://news.example.net/article?id=1' });
    await scan(app, code.shortCode, { 'user-agent': PHONE_UA });
    await scan(app, code.shortCode, { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36' });
    await scan(app, code.shortCode, { 'user-agent': 'facebookexternalhit/1.1' });
    await scan(app, code.shortCode, { 'user-agent': PHONE_UA }, 'HEAD');
    await app.blanca.app.qr.recorder.flush();
    assert.equal(await countScans(app, code.id), 4, 'the HEAD was not recorded; the bot was');
    const rows = await app.database.db.selectFrom('qr_scans').selectAll().where('code_id', '=', code.id).execute();
    for (const row of rows) {
      assert.match(row.visitor, /^[0-9a-f]{16}$/);
      assert.ok(!JSON.stringify(row).includes('127.0.0.1'), 'no raw IP');
    }
    assert.equal(rows.find((r) => r.referrer)?.referrer, 'news.example.net', 'only the referrer host');
    const stats = await call(app, 'GET', `/codes/${code.id}/stats`, app.adminToken);
    assert.equal(stats.status, 200, stats.text);
    assert.equal(stats.body.totalScans, 3);
    assert.equal(stats.body.uniqueScans, 2, 'same IP and user agent on the same day is one visitor');
    assert.equal(stats.body.botScans, 1);
    assert.deepEqual(stats.body.devices.map((d: { key: string }) => d.key).sort(), ['desktop', 'mobile']);
    assert.equal(stats.body.series.at(-1).scans, 3);
    assert.equal(stats.body.countries[0].key, 'unknown', 'no GeoIP: country only from a trusted proxy header');
    const csv = await call(app, 'GET', `/codes/${code.id}/scans.csv`, app.adminToken);
    assert.equal(csv.status, 200);
    assert.match(String(csv.headers['content-type']), /text\/csv/);
    assert.equal(csv.text.trim().split('\r\n').length, 5);
    assert.match(csv.text, /^time_utc,code,device,os,country,referrer,bot/);
  });

  test('every top-level portal path is a reserved word or cannot be a short code', () => {
    const routes = app.blanca.app.printRoutes({ commonPrefix: false });
    // Children of the root "/" are printed at depth one: "    ├── users (GET, HEAD)".
    const segments = new Set([...routes.matchAll(/^ {4}[├└]── ([^\s(]+)/gm)].map((m) => m[1]!.split('/')[0]!.toLowerCase()));
    assert.ok(segments.has('users') && segments.has('codes') && segments.has('login'), [...segments].join());
    for (const segment of segments) {
      if (isShortCode(segment) || segment.length === 7) assert.ok(RESERVED_WORDS.has(segment), `"/${segment}" must be in RESERVED_WORDS`);
    }
  });

  test('many scans over HTTP, then a graceful shutdown: every scan is counted', async () => {
    const code = await dynamicCode(app, 'https://example.com/load');
    await app.blanca.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.blanca.app.server.address() as AddressInfo).port;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const total = 3000;
    let redirected = 0;
    const one = () =>
      new Promise<void>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: `/${code.shortCode}`, agent, headers: { 'user-agent': PHONE_UA } }, (res) => {
            if (res.statusCode === 302) redirected++;
            res.resume();
            res.on('end', resolve);
          })
          .on('error', reject);
      });
    await Promise.all(Array.from({ length: total }, one));
    agent.destroy();
    assert.equal(redirected, total);
    // The flush interval is a minute and a batch is 100 000 scans: only close() can write these.
    assert.ok(app.blanca.app.qr.recorder.pending > 0, 'scans are still queued before shutdown');
    await app.blanca.close();
    assert.equal(await countScans(app, code.id), total, 'every redirected scan was written on shutdown');
  });
});
