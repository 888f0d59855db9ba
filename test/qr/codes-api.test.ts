import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createSubaccount } from '../../src/subaccounts/service.js';
import { findVisibleCode, updateCode } from '../../src/qr/service.js';
import { createOtherAccount, describeEachEngine, ownerActor } from '../support/app.js';
import { actorOf, call, createUser, sessionCookie, startQrApp, zbar, type QrTestApp } from './support.js';

const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const CONTENTS = [
  { type: 'url', url: 'https://example.com/spring?x=1' },
  { type: 'text', text: 'Hola, ¿qué tal?' },
  { type: 'vcard', firstName: 'Ada', lastName: 'Lovelace', phones: [{ kind: 'cell', number: '+34 600 123 456' }], email: 'ada@example.com' },
  { type: 'wifi', ssid: 'Office', encryption: 'WPA', password: 'correct-horse' },
  { type: 'email', to: 'hello@example.com', subject: 'Hi' },
  { type: 'sms', phone: '+34600123456', message: 'Yes' },
  { type: 'phone', phone: '+34 600 123 456' },
  { type: 'geo', latitude: 40.416775, longitude: -3.70379 },
  { type: 'event', summary: 'Launch', start: '2030-05-01T18:00:00+02:00', end: '2030-05-01T20:00:00+02:00' },
];

describeEachEngine('QR codes API', (engine) => {
  let app: QrTestApp;
  let marketing: { id: string; token: string };
  let support: { id: string; token: string };
  before(async () => {
    app = await startQrApp(engine);
    marketing = await createUser(app, 'Marketing', { maxCodes: 30 });
    support = await createUser(app, 'Support', { maxCodes: 2, features: ['static_codes', 'api_access'] });
  });
  after(() => app.close());

  test('every content type as a static code; PNG, SVG and PDF decode back to the content', async () => {
    for (const content of CONTENTS) {
      const created = await call(app, 'POST', '/codes', marketing.token, { kind: 'static', name: `A ${content.type}`, content });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.userId, marketing.id, 'a user token creates in its own space');
    }
    const list = await call(app, 'GET', '/codes?contentType=wifi', marketing.token);
    const wifi = list.body.codes[0];
    const png = await call(app, 'GET', `/codes/${wifi.id}/image?format=png&size=400`, marketing.token);
    assert.equal(png.headers['content-type'], 'image/png');
    assert.equal(await zbar(png.raw, 'png'), 'WIFI:T:WPA;S:Office;P:correct-horse;H:false;;');
    const cached = await app.blanca.app.inject({ method: 'GET', url: `/api/v1/codes/${wifi.id}/image?format=png&size=400`, headers: { authorization: `Bearer ${marketing.token}`, 'if-none-match': String(png.headers.etag) } });
    assert.equal(cached.statusCode, 304);
    const svg = await call(app, 'GET', `/codes/${wifi.id}/image?format=svg&size=256&download=true`, marketing.token);
    assert.match(svg.text, /^<svg/);
    assert.match(String(svg.headers['content-disposition']), /attachment; filename="A-wifi.svg"/);
    const pdf = await call(app, 'GET', `/codes/${wifi.id}/image?format=pdf&size=40`, marketing.token);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal(await zbar(pdf.raw, 'pdf'), 'WIFI:T:WPA;S:Office;P:correct-horse;H:false;;');
    assert.equal((await call(app, 'GET', `/codes/${wifi.id}/image?format=png&size=9000`, marketing.token)).status, 400);
  });

  test('a dynamic code with a logo encodes its short link at level H and still decodes', async () => {
    const created = await call(app, 'POST', '/codes', marketing.token, { kind: 'dynamic', name: 'Logo', content: { type: 'url', url: 'https://example.com' }, design: { foreground: '#1d4ed8', logo: `data:image/png;base64,${PNG_1PX}`, moduleStyle: 'rounded' } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.hasLogo, true);
    assert.equal('logo' in created.body.design, false, 'logo bytes stay out of the view');
    const png = await call(app, 'GET', `/codes/${created.body.id}/image?format=png&size=600`, marketing.token);
    assert.equal(await zbar(png.raw, 'png'), created.body.shortUrl);
    const low = await call(app, 'PATCH', `/codes/${created.body.id}`, marketing.token, { design: { foreground: '#eeeeee', logo: null } });
    assert.equal(low.status, 200, low.text);
    assert.equal(low.body.hasLogo, false);
    assert.ok(low.body.warnings.some((w: { code: string }) => w.code === 'low_contrast'), 'contrast warning');
  });

  test('validation: field paths into the content, dynamic needs a URL, static cannot expire', async () => {
    const bad = await call(app, 'POST', '/codes', marketing.token, { kind: 'static', name: '', content: { type: 'wifi', ssid: '', encryption: 'WPA', password: 'short' }, extra: 1 });
    assert.equal(bad.status, 400);
    const paths = bad.body.errors.map((e: { path: string }) => e.path);
    for (const p of ['name', 'extra', 'content.ssid']) assert.ok(paths.includes(p), `${p} in ${paths}`);
    const dyn = await call(app, 'POST', '/codes', marketing.token, { kind: 'dynamic', name: 'x', content: { type: 'text', text: 'hi' } });
    assert.equal(dyn.status, 400);
    assert.equal(dyn.body.errors[0].path, 'content.type');
    const exp = await call(app, 'POST', '/codes', marketing.token, { kind: 'static', name: 'x', content: { type: 'text', text: 'hi' }, expiresAt: '2030-01-01T00:00:00Z' });
    assert.equal(exp.body.errors[0].path, 'expiresAt');
    const type = await call(app, 'POST', '/codes', marketing.token, { kind: 'static', name: 'x', content: { type: 'fax' } });
    assert.equal(type.body.errors[0].path, 'content.type');
  });

  test('quota and features of the user are enforced with clear messages', async () => {
    const text = (n: number) => ({ kind: 'static', name: `S${n}`, content: { type: 'text', text: `t${n}` } });
    assert.equal((await call(app, 'POST', '/codes', support.token, text(1))).status, 201);
    assert.equal((await call(app, 'POST', '/codes', support.token, text(2))).status, 201);
    const over = await call(app, 'POST', '/codes', support.token, text(3));
    assert.equal(over.status, 409);
    assert.equal(over.body.code, 'quota_exceeded');
    assert.match(over.body.detail, /limit of 2 QR codes/);
    const dyn = await call(app, 'POST', '/codes', app.adminToken, { userId: support.id, kind: 'dynamic', name: 'd', content: { type: 'url', url: 'https://e.com' } });
    assert.equal(dyn.status, 403);
    assert.equal(dyn.body.code, 'feature_disabled');
    const list = await call(app, 'GET', '/codes', support.token);
    const design = await call(app, 'PATCH', `/codes/${list.body.codes[0].id}`, support.token, { design: { foreground: '#111111' } });
    assert.equal(design.body.code, 'feature_disabled');
    const stats = await call(app, 'GET', `/users/${support.id}/scan-stats`, support.token);
    assert.equal(stats.body.code, 'feature_disabled', 'analytics is a feature');
    await call(app, 'PATCH', `/users/${support.id}`, app.adminToken, { features: ['static_codes'] });
    const noApi = await call(app, 'GET', '/codes', support.token);
    assert.equal(noApi.status, 403, 'a user token needs api_access');
  });

  test('folders, tags, search, filters, pause/resume, expiry', async () => {
    const mk = (name: string, extra: Record<string, unknown>) => call(app, 'POST', '/codes', marketing.token, { kind: 'dynamic', name, content: { type: 'url', url: `https://example.com/${name}` }, ...extra });
    const a = await mk('Summer poster', { folder: 'Posters', tags: ['summer', 'print'] });
    await mk('Winter flyer', { folder: 'Flyers', tags: ['winter'] });
    await mk('Old promo', { expiresAt: '2020-01-01T00:00:00Z' });
    const names = async (query: string) => (await call(app, 'GET', `/codes?${query}`, marketing.token)).body.codes.map((c: { name: string }) => c.name).sort();
    assert.deepEqual(await names('folder=Posters'), ['Summer poster']);
    assert.deepEqual(await names('tag=winter'), ['Winter flyer']);
    assert.deepEqual(await names('q=POSTER'), ['Summer poster']);
    assert.deepEqual(await names('q=example.com%2FWinter'), ['Winter flyer'], 'search in the destination');
    assert.deepEqual(await names('state=expired'), ['Old promo']);
    assert.deepEqual(await names(`q=${a.body.shortCode}`), ['Summer poster']);
    await call(app, 'POST', `/codes/${a.body.id}/pause`, marketing.token);
    assert.deepEqual(await names('state=paused'), ['Summer poster']);
    const labels = await call(app, 'GET', '/codes/labels', marketing.token);
    assert.deepEqual(labels.body.folders, ['Flyers', 'Posters']);
    assert.ok(labels.body.tags.includes('print'));
    const audit = await call(app, 'GET', '/audit?action=qr.pause', app.adminToken);
    assert.equal(audit.body.entries[0].object.id, a.body.id);
  });

  test('bulk creation from CSV: bad rows are reported, the others created', async () => {
    const user = await createUser(app, 'Bulk', { maxCodes: 3 });
    const csv = 'name,kind,type,url,ssid,encryption,password,latitude,longitude,tags\n' + 'One,dynamic,url,https://example.com/1,,,,,,a|b\n' + 'Bad wifi,static,wifi,,Net,WPA,short,,,\n' + '"Two, quoted",static,geo,,,,,40.4,-3.7,\n' + 'No type,static,,,,,,,,\n' + 'Three,static,url,example.org,,,,,,\n' + 'Four,static,url,example.net,,,,,,\n';
    const started = await call(app, 'POST', '/codes/bulk', app.adminToken, { userId: user.id, csv });
    assert.equal(started.status, 202, started.text);
    let job = started.body;
    for (let i = 0; i < 100 && job.status !== 'done'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      job = (await call(app, 'GET', `/codes/bulk/${job.id}`, app.adminToken)).body;
    }
    assert.equal(job.status, 'done');
    assert.equal(job.total, 6);
    assert.deepEqual(job.rows.map((r: { ok: boolean }) => r.ok), [true, false, true, false, true, false]);
    assert.equal(job.rows[1].errors[0].path, 'content.password');
    assert.equal(job.rows[1].row, 3, 'line numbers count the header');
    assert.match(job.rows[5].errors[0].message, /limit of 3/);
    const created = await call(app, 'GET', `/codes?userId=${user.id}`, app.adminToken);
    assert.equal(created.body.total, 3);
    assert.ok(created.body.codes.some((c: { name: string }) => c.name === 'Two, quoted'));
  });

  test('team leaders see only codes of their linked users; no account reaches another’s codes', async () => {
    const owner = await ownerActor(app.blanca, app.accountId);
    const ctx = { db: app.blanca.deps.db, now: new Date(), actor: owner };
    const lead = await createSubaccount(ctx, { name: 'Lena', email: 'lena@example.com', role: 'team_leader', userIds: [marketing.id] } as never);
    const secret = await call(app, 'POST', '/codes', app.adminToken, { userId: support.id, kind: 'static', name: 'Support only', content: { type: 'text', text: 'x' } });
    await call(app, 'PATCH', `/users/${support.id}`, app.adminToken, { maxCodes: 10 });
    const leadActor = await actorOf(app, 'subaccount', lead.id);
    const leadCtx = { db: app.blanca.deps.db, now: new Date(), actor: leadActor };
    await assert.rejects(findVisibleCode(leadCtx, secret.body.id ?? 'x'), /does not exist/);
    await assert.rejects(updateCode(leadCtx, app.blanca.app.qr.runtime, secret.body.id ?? 'x', { name: 'hacked' }), /does not exist/);
    // Through the portal with a session, as the team leader.
    const cookie = await sessionCookie(app, 'subaccount', lead.id);
    const page = await app.blanca.app.inject({ method: 'GET', url: '/codes', headers: { cookie } });
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes('Summer poster') && !page.body.includes('Support only'), 'list shows linked users only');
    const forbidden = await app.blanca.app.inject({ method: 'GET', url: `/codes/${secret.body.id}`, headers: { cookie } });
    assert.equal(forbidden.statusCode, 404);
    const image = await app.blanca.app.inject({ method: 'GET', url: `/codes/${secret.body.id}/image?format=png`, headers: { cookie } });
    assert.equal(image.statusCode, 404);

    const marketingCode = (await call(app, 'GET', '/codes?q=Summer', marketing.token)).body.codes[0];
    assert.equal((await call(app, 'GET', `/codes/${secret.body.id}`, marketing.token)).status, 404, 'a user token sees only its user');
    const other = await createOtherAccount(app as never);
    for (const [method, url] of [['GET', `/codes/${marketingCode.id}`], ['PATCH', `/codes/${marketingCode.id}`], ['DELETE', `/codes/${marketingCode.id}`], ['GET', `/codes/${marketingCode.id}/stats`], ['GET', `/codes/${marketingCode.id}/image`], ['GET', `/users/${marketing.id}/scan-stats`]] as const) {
      const response = await call(app, method, url, other.adminToken, method === 'PATCH' ? { name: 'x' } : undefined);
      assert.equal(response.status, 404, `${method} ${url}`);
    }
    const byShortCode = await call(app, 'GET', `/codes?shortCode=${marketingCode.shortCode}`, other.adminToken);
    assert.deepEqual(byShortCode.body.codes, []);
    const steal = await call(app, 'POST', '/codes', other.adminToken, { userId: marketing.id, kind: 'static', name: 'x', content: { type: 'text', text: 'x' } });
    assert.equal(steal.status, 400);
    assert.equal(steal.body.errors[0].path, 'userId');
  });

  test('scan retention setting (administrators) deletes old scans', async () => {
    const code = await call(app, 'POST', '/codes', app.adminToken, { userId: marketing.id, kind: 'dynamic', name: 'Retained', content: { type: 'url', url: 'https://example.com/r' } });
    const day = 86_400_000;
    const base = { code_id: code.body.id, account_id: app.accountId, user_id: marketing.id, visitor: '0123456789abcdef', device: 'mobile', os: 'iOS', country: null, referrer: null, is_bot: 0 };
    await app.database.db.insertInto('qr_scans').values([{ ...base, scanned_at: Date.now() - 40 * day }, { ...base, scanned_at: Date.now() - day }]).execute();
    assert.equal((await call(app, 'PUT', '/scan-settings', marketing.token, { scanRetentionDays: 30 })).status, 403);
    const set = await call(app, 'PUT', '/scan-settings', app.adminToken, { scanRetentionDays: 30 });
    assert.deepEqual(set.body, { scanRetentionDays: 30 });
    await app.blanca.app.qr.maintenance();
    const rows = await app.database.db.selectFrom('qr_scans').select('scanned_at').where('code_id', '=', code.body.id).execute();
    assert.equal(rows.length, 1);
  });

  test('portal pages render for an administrator', async () => {
    const owner = await ownerActor(app.blanca, app.accountId);
    const cookie = await sessionCookie(app, 'subaccount', owner.id);
    for (const url of ['/codes', '/codes?state=paused&q=x', '/codes/new?kind=static&type=vcard', '/codes/new?kind=static&type=event', '/codes/bulk', '/codes/settings', `/codes/stats?userId=${marketing.id}`, `/codes/stats?userId=${marketing.id}&format=csv`]) {
      const response = await app.blanca.app.inject({ method: 'GET', url, headers: { cookie } });
      assert.equal(response.statusCode, 200, `${url}: ${response.body.slice(0, 300)}`);
    }
    const vcard = await app.blanca.app.inject({ method: 'GET', url: '/codes/new?kind=static&type=vcard', headers: { cookie } });
    assert.ok(vcard.body.includes('name="c.phones[0].number"') && vcard.body.includes('name="c.address.city"'), 'vCard form from the schema');
    const space = await app.blanca.app.inject({ method: 'GET', url: '/space', headers: { cookie: await sessionCookie(app, 'user', marketing.id) } });
    assert.equal(space.headers.location, '/codes');
  });

  test('every QR action is in the OpenAPI document', async () => {
    const doc = JSON.parse((await app.blanca.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).body);
    for (const [path, method] of [['/api/v1/codes', 'get'], ['/api/v1/codes', 'post'], ['/api/v1/codes/{id}', 'patch'], ['/api/v1/codes/{id}', 'delete'], ['/api/v1/codes/{id}/pause', 'post'], ['/api/v1/codes/{id}/resume', 'post'], ['/api/v1/codes/{id}/image', 'get'], ['/api/v1/codes/{id}/stats', 'get'], ['/api/v1/codes/{id}/scans.csv', 'get'], ['/api/v1/users/{id}/scan-stats', 'get'], ['/api/v1/codes/bulk', 'post'], ['/api/v1/codes/bulk/{id}', 'get'], ['/api/v1/scan-settings', 'put']]) {
      assert.ok(doc.paths[path!]?.[method!], `${method} ${path}`);
    }
    const content = doc.paths['/api/v1/codes'].post.requestBody.content['application/json'].schema.properties.content;
    assert.equal(content.anyOf.length, 9, 'the nine content types are documented');
    assert.equal(Object.keys(doc.paths).some((p) => p.includes('{code}')), false, 'the redirect is not an API action');
  });
});
