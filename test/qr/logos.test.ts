import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Migrator, sql, type Kysely } from 'kysely';
import { MIGRATIONS } from '../../src/db/migrate.js';
import { openTestDatabase, describeEachEngine } from '../support/app.js';
import { LOGO_PNG, LOGO_SVG } from '../qr-render/support/fixtures.js';
import { call, createUser, startQrApp, zbar, type QrTestApp } from './support.js';

// Issue 9 item 11: logos are raster images (PNG, JPEG, WebP) or SVG rasterised on upload;
// branding logo URLs are https or site paths only; a logo is stored once by content hash and
// lists never load its bytes; the migration moves inline logos out of the code designs.
const fixture = (name: string) => readFileSync(new URL(`../fixtures/logos/${name}`, import.meta.url));
const dataUrl = (mime: string, bytes: Buffer) => `data:${mime};base64,${bytes.toString('base64')}`;

/** A PNG header claiming width × height (no pixels): refused before anything is decoded. */
function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(ihdr);
  ihdr.writeUInt32BE(13, 8);
  ihdr.write('IHDR', 12, 'latin1');
  ihdr.writeUInt32BE(width, 16);
  ihdr.writeUInt32BE(height, 20);
  ihdr[24] = 8;
  ihdr[25] = 6;
  return ihdr;
}

describeEachEngine('logos', (engine) => {
  let app: QrTestApp;
  let userId: string;
  before(async () => {
    app = await startQrApp(engine);
    userId = (await createUser(app, 'Marketing', { maxCodes: 100, features: ['static_codes', 'dynamic_codes', 'design'] })).id;
  });
  after(() => app.close());

  const create = (logo: string, name = `Logo ${Math.random()}`) =>
    call(app, 'POST', '/codes', app.adminToken, { userId, name, kind: 'static', content: { type: 'text', text: 'Blanca logo test' }, design: { logo } });
  const storedLogo = (codeId: string) =>
    app.database.db.selectFrom('qr_codes').innerJoin('logos', (j) => j.onRef('logos.account_id', '=', 'qr_codes.account_id').onRef('logos.hash', '=', 'qr_codes.logo_hash')).select(['logos.mime', 'logos.data', 'qr_codes.design']).where('qr_codes.id', '=', codeId).executeTakeFirstOrThrow();

  test('PNG, JPEG and WebP are accepted; WebP and SVG are stored as PNG; every export still scans', async () => {
    const cases: Array<[string, string, string]> = [
      ['png', dataUrl('image/png', LOGO_PNG), 'image/png'],
      ['jpeg', dataUrl('image/jpeg', fixture('logo.jpg')), 'image/jpeg'],
      ['webp', dataUrl('image/webp', fixture('logo.webp')), 'image/png'],
      ['svg', dataUrl('image/svg+xml', Buffer.from(LOGO_SVG)), 'image/png'],
    ];
    for (const [label, logo, storedAs] of cases) {
      const created = await create(logo);
      assert.equal(created.status, 201, `${label}: ${created.text}`);
      assert.equal(created.body.hasLogo, true);
      const stored = await storedLogo(created.body.id);
      assert.equal(stored.mime, storedAs, label);
      assert.doesNotMatch(stored.design, /logo/, `${label}: the design row holds no logo`);
      if (label === 'svg') assert.doesNotMatch(Buffer.from(stored.data, 'base64').toString('latin1'), /<svg/, 'no SVG markup is stored');
      for (const format of ['png', 'pdf'] as const) {
        const image = await call(app, 'GET', `/codes/${created.body.id}/image?format=${format}`, app.adminToken);
        assert.equal(image.status, 200, `${label} ${format}`);
        assert.equal(await zbar(image.raw, format), 'Blanca logo test', `${label} ${format} decodes`);
      }
    }
  });

  test('refused: other formats, lies about the format, too many pixels, broken files, and SVG with scripts', async () => {
    const refusals: Array<[string, string, RegExp]> = [
      ['GIF', dataUrl('image/png', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1')), /not a valid image/],
      ['an SVG declared as PNG', dataUrl('image/png', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')), /not a valid image/],
      ['a 5000 × 5000 PNG', dataUrl('image/png', pngHeader(5000, 5000)), /at most 2048 × 2048 pixels/],
      ['a truncated JPEG', dataUrl('image/jpeg', fixture('logo.jpg').subarray(0, 200)), /not a valid image/],
      ['a WebP that is not one', dataUrl('image/webp', Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 garbage', 'latin1')), /not a valid image/],
      ['an SVG with a script', dataUrl('image/svg+xml', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')), /scripts/],
      ['an SVG linking out', dataUrl('image/svg+xml', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>')), /must not link/],
    ];
    for (const [label, logo, message] of refusals) {
      const response = await create(logo);
      assert.equal(response.status, 400, `${label}: ${response.status} ${response.text.slice(0, 200)}`);
      assert.match(JSON.stringify(response.body), message, label);
      assert.match(JSON.stringify(response.body.errors), /design\.logo/, `${label}: names the field`);
    }
  });

  test('a logo is stored once per account by content hash; lists carry no logo bytes', async () => {
    const logo = dataUrl('image/jpeg', fixture('logo.jpg'));
    const before = Number((await app.database.db.selectFrom('logos').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await create(logo)).body.id);
    const after = Number((await app.database.db.selectFrom('logos').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    assert.ok(after - before <= 1, 'three codes, at most one new logo row');
    const hashes = await app.database.db.selectFrom('qr_codes').select('logo_hash').where('id', 'in', ids).execute();
    assert.equal(new Set(hashes.map((h) => h.logo_hash)).size, 1);
    const list = await call(app, 'GET', `/codes?userId=${userId}&limit=500`, app.adminToken);
    assert.equal(list.status, 200);
    assert.ok(list.text.length < 2000 * list.body.codes.length, 'a listed code is small');
    assert.doesNotMatch(list.text, /base64/);
    // Editing: removing the logo, then giving one again.
    const removed = await call(app, 'PATCH', `/codes/${ids[0]}`, app.adminToken, { design: { logo: null } });
    assert.equal(removed.body.hasLogo, false);
    const again = await call(app, 'PATCH', `/codes/${ids[0]}`, app.adminToken, { design: { logo: dataUrl('image/png', LOGO_PNG) } });
    assert.equal(again.body.hasLogo, true);
    const renamed = await call(app, 'PATCH', `/codes/${ids[0]}`, app.adminToken, { name: 'Kept logo', design: { foreground: '#111111' } });
    assert.equal(renamed.body.hasLogo, true, 'a design change without a logo keeps the saved one');
  });

  test('branding logo URLs: https or a path on this site, never //host or http://', async () => {
    for (const bad of ['//evil.example/logo.png', 'http://evil.example/logo.png', '/\\evil.example/logo.png', 'https:///x', 'javascript:alert(1)']) {
      const response = await call(app, 'PATCH', '/account', app.adminToken, { logoUrl: bad });
      assert.equal(response.status, 400, bad);
    }
    for (const good of ['https://cdn.example.com/logo.png', '/static/logo.png']) {
      const response = await call(app, 'PATCH', '/account', app.adminToken, { logoUrl: good });
      assert.equal(response.status, 200, good);
    }
  });
});

describeEachEngine('logo migration', (engine) => {
  test('inline logos move to the logos table, once per distinct image; SVG ones become PNG', async () => {
    const { database, dropSchema } = await openTestDatabase(engine);
    try {
      const db = database.db as unknown as Kysely<any>;
      const provider = { getMigrations: async () => MIGRATIONS };
      const migrator = new Migrator({ db, provider, ...(database.schema ? { migrationTableSchema: database.schema } : {}) });
      const names = Object.keys(MIGRATIONS).sort();
      const previous = names[names.indexOf('2026_12_04_0502_logos_by_hash') - 1]!;
      // Another test dropping its schema meanwhile can fail Kysely's catalogue read (see db/migrate.ts): try again.
      let first = await migrator.migrateTo(previous);
      for (let i = 0; i < 5 && (first.error as { code?: string } | undefined)?.code === '3F000'; i++) first = await migrator.migrateTo(previous);
      assert.equal(first.error, undefined);
      const now = Date.now();
      await db.insertInto('accounts').values({ id: 'a1', name: 'Acme', slug: 'acme', logo_url: null, primary_color: '#000000', accent_color: '#000000', sso_enabled: 0, require_admin_2fa: 0, default_locale: 'en', created_at: now, updated_at: now }).execute();
      await db.insertInto('whitelabel_users').values({ id: 'u1', account_id: 'a1', name: 'Marketing', email: null, username: null, password_hash: null, totp_secret: null, failed_logins: 0, locked_until: null, max_codes: 10, features: '[]', short_domain: null, sso_subject: null, created_at: now, updated_at: now }).execute();
      const code = (id: string, design: object) => ({ id, account_id: 'a1', user_id: 'u1', kind: 'static', short_code: null, name: id, content_type: 'text', content: '{"type":"text","text":"x"}', design: JSON.stringify(design), folder: null, status: 'active', expires_at: null, created_by: 'test', created_at: now, updated_at: now });
      const png = dataUrl('image/png', LOGO_PNG);
      await db.insertInto('qr_codes').values([code('c1', { logo: png, foreground: '#111111' }), code('c2', { logo: png }), code('c3', { logo: dataUrl('image/svg+xml', Buffer.from(LOGO_SVG)) }), code('c4', {})]).execute();
      let rest = await migrator.migrateToLatest();
      for (let i = 0; i < 5 && (rest.error as { code?: string } | undefined)?.code === '3F000'; i++) rest = await migrator.migrateToLatest();
      assert.equal(rest.error, undefined);
      const rows = await db.selectFrom('qr_codes').select(['id', 'design', 'logo_hash']).orderBy('id').execute();
      assert.deepEqual(rows.map((r) => JSON.parse(r.design)), [{ foreground: '#111111' }, {}, {}, {}]);
      assert.equal(rows[0]!.logo_hash, rows[1]!.logo_hash, 'the same image, one hash');
      assert.ok(rows[2]!.logo_hash && rows[2]!.logo_hash !== rows[0]!.logo_hash);
      assert.equal(rows[3]!.logo_hash, null);
      const logos = await db.selectFrom('logos').select(['hash', 'mime']).orderBy('hash').execute();
      assert.equal(logos.length, 2);
      assert.deepEqual(logos.map((l) => l.mime), ['image/png', 'image/png']);
      await sql`select 1`.execute(db);
    } finally {
      await database.close();
      await dropSchema();
    }
  });
});
