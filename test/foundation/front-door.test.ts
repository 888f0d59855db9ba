import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { contrastRatio, textOnColor } from '../../src/accounts/branding.js';
import { createAccountWithOwner } from '../../src/accounts/service.js';
import { api, describeEachEngine, OWNER_PASSWORD, startTestApp, type TestApp } from '../support/app.js';

describeEachEngine('white-label front door', (engine) => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp(engine);
    await createAccountWithOwner(app.blanca.deps.db, { name: 'Other Secret Corp', slug: 'other-secret', ownerEmail: 'o@other.example' }, new Date());
  });
  after(() => app.close());

  test('/a/<slug>/login shows only that account, fixed; the shared /login lists no account', async () => {
    const slug = (await api(app, 'GET', '/account', app.adminToken)).body.slug as string;
    const own = await app.blanca.app.inject({ url: `/a/${slug}/login` });
    assert.equal(own.statusCode, 200);
    assert.match(own.body, new RegExp(`<input type="hidden" name="account" value="${slug}">`));
    assert.match(own.body, new RegExp(`action="/a/${slug}/login"`));
    assert.doesNotMatch(own.body, /Other Secret Corp|other-secret|Blanca/);
    const shared = await app.blanca.app.inject({ url: '/login' });
    assert.doesNotMatch(shared.body, /Other Secret Corp|other-secret|Blanca/);
    assert.equal((await app.blanca.app.inject({ url: '/a/nobody-here/login' })).statusCode, 404);
  });

  test('a portal domain set in Account settings is recognised from the Host header', async () => {
    const set = await api(app, 'PATCH', '/account', app.adminToken, { portalDomain: 'QR.Acme-Example.com' });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.equal(set.body.portalDomain, 'qr.acme-example.com');
    const page = await app.blanca.app.inject({ url: '/login', headers: { host: 'qr.acme-example.com' } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(`<input type="hidden" name="account" value="${set.body.slug}">`));
    assert.match(page.body, new RegExp(`<title>[^<]* · ${set.body.name}</title>`));
    const plain = await app.blanca.app.inject({ url: '/login' });
    assert.match(plain.body, /name="account" type="text"|id="f-account"/);
    const bad = await api(app, 'PATCH', '/account', app.adminToken, { portalDomain: 'https://x.example/path' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].path, 'portalDomain');
  });

  test('text on the primary colour is chosen for WCAG AA contrast, and weak colours are warned about', async () => {
    for (const colour of ['#ffff00', '#1d4ed8', '#777777', '#00ff00', '#000080']) assert.ok(contrastRatio(colour, textOnColor(colour)) >= 4.5, colour);
    const set = await api(app, 'PATCH', '/account', app.adminToken, { primaryColor: '#ffff00', accentColor: '#ffee00' });
    assert.equal(set.status, 200);
    const page = await app.blanca.app.inject({ url: '/login', headers: { host: 'qr.acme-example.com' } });
    assert.match(page.body, /--on-primary:#000000/);
    void OWNER_PASSWORD;
  });
});
