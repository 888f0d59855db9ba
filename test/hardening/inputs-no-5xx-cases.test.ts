import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { MAX_BODY_BYTES, MAX_LOCAL_PATH_LENGTH, MAX_OFFSET } from '../../src/platform/input-limits.js';
import { safeLocalPath } from '../../src/platform/local-path.js';
import { api, describeEachEngine, OWNER_PASSWORD, startTestApp, type TestApp } from '../support/app.js';
import { PortalClient } from '../support/portal.js';
import { localText } from '../support/saml-fixtures.js';

// Issue 9 item 8: the 5xx answers found for bad input, each reproduced, and the class fixed:
// one redirect-target sanitiser, bounded integers, NUL and non-characters refused at the door,
// error pages that work whichever hook did not run.

describe('one sanitiser for every redirect target', () => {
  test('only same-origin paths of header-safe characters pass; anything else is the fallback', () => {
    for (const good of ['/', '/codes', '/codes?q=a%20b&offset=50', '/settings/sso/log/abc#top', '/a:b@c', "/x!$&'()*+,;=~"]) assert.equal(safeLocalPath(good, '/'), good, good);
    const bad = [
      undefined, 42, ['/codes'], '', 'codes', 'https://evil.example/', '//evil.example', '/\\evil.example', '/codes\\..\\x', '\\\\evil',
      '/caf\u00e9', '/\u2603', '/a\r\nSet-Cookie: x=1', '/a\nb', '/a\tb', '/a b', '/\u0000', '/\u007f', '/\uFFFE', '/\uD800',
      `/${'a'.repeat(MAX_LOCAL_PATH_LENGTH)}`, 'javascript:alert(1)', '/%0d%0aX',
    ];
    for (const target of bad) {
      const result = safeLocalPath(target, '/fallback');
      if (target === '/%0d%0aX') assert.equal(result, '/%0d%0aX', 'percent-escapes are header-safe text and stay escaped');
      else assert.equal(result, '/fallback', JSON.stringify(target));
    }
  });
});

describeEachEngine('no 5xx from the inputs found in issue 9', (engine) => {
  let app: TestApp;
  let portal: PortalClient;
  before(async () => {
    app = await startTestApp(engine);
    portal = new PortalClient(app.blanca.app);
    assert.equal((await portal.signIn(app.ownerEmail, OWNER_PASSWORD)).status, 303);
  });
  after(() => app.close());

  test('a returnTo that cannot go in a header: the sign-in succeeds and lands on the start page with its cookie', async () => {
    const person = new PortalClient(app.blanca.app);
    await person.get('/login');
    const response = await person.post('/login', { identifier: app.ownerEmail, password: OWNER_PASSWORD, returnTo: '/caf\u00e9\u2603\r\nX: y' });
    assert.equal(response.status, 303, 'was 500 after the session was made');
    assert.equal(response.location, '/');
    assert.ok(person.cookie('qrp_session'), 'the session cookie is delivered');
    assert.equal((await person.get('/codes')).status, 200);
    // The language switch posts the page's own URL back as returnTo.
    const switched = await person.post('/language', { locale: 'es', returnTo: '/codes?q=\u00e9' });
    assert.equal(switched.status, 303);
    assert.equal(switched.location, '/');
    await person.get('/codes');
    assert.equal((await person.post('/language', { locale: 'en', returnTo: '/codes' })).location, '/codes');
  });

  test('offset=1e20 is 400 naming the field, on the API and in the portal', async () => {
    const listed = await api(app, 'GET', '/codes?offset=1e20', app.adminToken);
    assert.equal(listed.status, 400, 'was 500');
    assert.equal(listed.body.errors[0].path, 'offset');
    assert.match(listed.body.errors[0].message, new RegExp(String(MAX_OFFSET)));
    assert.equal((await api(app, 'GET', `/codes?offset=${MAX_OFFSET}`, app.adminToken)).status, 200, 'the largest offset is fine');
    const page = await portal.get('/codes?offset=1e20');
    assert.equal(page.status, 400);
    assert.match(page.body, /not allowed: offset/);
  });

  test('headers cannot carry NUL: Node refuses the request before Blanca reads it (the scan log stores User-Agent and Referer)', async () => {
    const address = await app.blanca.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = new URL(address);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.end('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: a\u0000b\r\nConnection: close\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 400 /);
  });

  test('a query parameter given twice on a portal page without a query schema is 400, not a list reaching the database', async () => {
    // Found by the property test: ?userId=a&userId=b went to a lookup as an array (500 on both engines).
    const page = await portal.get('/codes/stats?userId=a&userId=b');
    assert.equal(page.status, 400);
    assert.match(page.body, /gives “userId” more than once/);
    const api1 = await api(app, 'GET', '/codes?tag=a&tag=b', app.adminToken);
    assert.equal(api1.status, 400, 'routes with a query schema answer through Ajv');
    assert.equal(api1.body.errors[0].path, 'tag');
  });

  test('before=1e300 is 400 naming the field, on the API and in the portal', async () => {
    const listed = await api(app, 'GET', '/audit?before=1e300', app.adminToken);
    assert.equal(listed.status, 400, 'was 500 on PostgreSQL');
    assert.equal(listed.body.errors[0].path, 'before');
    assert.equal((await api(app, 'GET', `/audit?before=${Date.now()}`, app.adminToken)).status, 200);
    const page = await portal.get('/audit?before=1e300');
    assert.equal(page.status, 400, 'was 500 on PostgreSQL');
    assert.match(page.body, /not allowed: before/);
  });

  test('NUL, non-characters and lone surrogates are refused at the door, naming the field', async () => {
    for (const bad of ['a\u0000b', 'a\uFFFEb', 'a\uFFFF', '\uFDD0', 'x\uD800', '\uDFFFx', '\u{10FFFF}']) {
      const patched = await api(app, 'PATCH', '/account', app.adminToken, { name: bad });
      assert.equal(patched.status, 400, `${JSON.stringify(bad)}: was 500 on PostgreSQL for NUL`);
      assert.equal(patched.body.errors[0].path, 'name');
      assert.match(patched.body.errors[0].message, /not allowed \(U\+[0-9A-F]{4,6}\)/);
    }
    assert.equal((await api(app, 'PATCH', '/account', app.adminToken, { name: 'Acme \u{1F600} é' })).status, 200, 'paired surrogates (emoji) are fine');
    const query = await api(app, 'GET', '/codes?q=%00', app.adminToken);
    assert.equal(query.status, 400);
    assert.equal(query.body.errors[0].path, 'q');
    const param = await api(app, 'GET', '/users/%EF%BF%BF', app.adminToken);
    assert.equal(param.status, 400);
    assert.equal(param.body.errors[0].path, 'id');
    const nested = await api(app, 'POST', '/codes', app.adminToken, { name: 'x', kind: 'static', content: { type: 'text', text: 'a\u0000' } });
    assert.equal(nested.status, 400);
    assert.equal(nested.body.errors[0].path, 'content.text');

    await portal.get('/settings');
    const form = await portal.post('/settings', { name: 'Ac\u0000me' });
    assert.equal(form.status, 400);
    assert.match(form.body, /The field “name” contains a character that is not allowed \(U\+0000\)/);
    const anonymous = await new PortalClient(app.blanca.app).get('/login?account=%00');
    assert.equal(anonymous.status, 400, 'was 500: the session hook looked the account up');
    // Found by the property test: the remembered-account cookie is percent-decoded too.
    const cookie = await app.blanca.app.inject({ url: '/login', headers: { cookie: 'qrp_account=%00; qrp_lang=%EF%BF%BE' } });
    assert.equal(cookie.statusCode, 200, 'was 500 on PostgreSQL; a bad cookie is ignored, not a lock-out');
  });

  test('an ACS body over the limit is a 413 page in the person\'s language, not a crashing error page', async () => {
    const payload = `SAMLResponse=${'a'.repeat(MAX_BODY_BYTES + 1)}`;
    const english = await app.blanca.app.inject({ method: 'POST', url: '/sso/acme/acs', payload, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(english.statusCode, 413, 'was 500: request.t is not a function');
    assert.match(english.body, /larger than the limit of 1 MB/);
    const spanish = await app.blanca.app.inject({ method: 'POST', url: '/sso/acme/acs', payload, headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'es-ES,es;q=0.9' } });
    assert.equal(spanish.statusCode, 413);
    assert.match(spanish.body, /<html lang="es">/);
    assert.match(spanish.body, /supera el límite de 1 MB/);
    const refused = await app.blanca.app.inject({ method: 'POST', url: '/sso/acme/acs', payload: 'SAMLResponse=%00', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /SAMLResponse/);
  });

  test('a SAML message whose XML holds NUL is refused as malformed, not a 500 when the SSO log stores it', async () => {
    await setSsoEnabled(app.blanca.deps.db, app.accountId, true, new Date());
    const connected = await app.blanca.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ ssoType: 'user', allowIdpInitiated: true, idpMetadataXml: localText('entra/metadata/entra-app-metadata-ssoready.xml') }) });
    assert.equal(connected.statusCode, 200, connected.body);
    for (const xml of ['<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol">\u0000</samlp:Response>', '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="\uFFFF"/>']) {
      const response = await app.blanca.app.inject({ method: 'POST', url: '/sso/acme/acs', payload: new URLSearchParams({ SAMLResponse: Buffer.from(xml).toString('base64') }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(response.statusCode, 400, 'was 500 on PostgreSQL');
    }
    const log = await api(app, 'GET', '/sso/log?limit=5', app.adminToken);
    assert.ok(log.body.entries.some((e: { failureCode: string | null; summary: string }) => e.failureCode === 'malformed_message' && /not allowed \(U\+0000\)/.test(e.summary)), JSON.stringify(log.body.entries.slice(0, 2)));
  });
});
