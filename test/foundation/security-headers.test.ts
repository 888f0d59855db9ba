import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { api, describeEachEngine, OWNER_PASSWORD, startTestApp, type TestApp } from '../support/app.js';
import { PortalClient } from '../support/portal.js';

// Issue 9 item 7: before, no response carried a CSP, frame-ancestors, nosniff or Referrer-Policy
// (every portal action could be framed and clickjacked) and secrets were cacheable.
type HeaderMap = Record<string, string | string[] | number | undefined>;

function assertBaseline(headers: HeaderMap, where: string): void {
  assert.equal(headers['x-content-type-options'], 'nosniff', where);
  assert.equal(headers['referrer-policy'], 'same-origin', where);
}

function assertFramingRefused(headers: HeaderMap, where: string): void {
  assertBaseline(headers, where);
  assert.equal(headers['x-frame-options'], 'DENY', where);
  assert.match(String(headers['content-security-policy']), /frame-ancestors 'none'/, where);
}

/** The page's CSP, and that every inline <style>/<script> of the page carries its nonce; no inline handlers. */
function assertStrictCsp(headers: HeaderMap, body: string, where: string): void {
  assertFramingRefused(headers, where);
  const csp = String(headers['content-security-policy']);
  assert.match(csp, /default-src 'none'/, where);
  const scriptNonce = /script-src 'nonce-([0-9a-f]+)'/.exec(csp)?.[1];
  const styleNonce = /style-src 'nonce-([0-9a-f]+)'/.exec(csp)?.[1];
  assert.ok(scriptNonce && styleNonce, `${where}: ${csp}`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, where);
  for (const tag of body.match(/<style[^>]*>/g) ?? []) assert.equal(tag, `<style nonce="${styleNonce}">`, where);
  for (const tag of body.match(/<script[^>]*>/g) ?? []) assert.equal(tag, `<script nonce="${scriptNonce}">`, where);
  assert.ok((body.match(/<style/g) ?? []).length >= 1, `${where}: the portal stylesheet is there`);
  assert.doesNotMatch(body, /\son[a-z]+="/, `${where}: no inline event handlers`);
  assert.doesNotMatch(body, /\sstyle="/, `${where}: no style attributes`);
  assert.equal(headers['cache-control'], 'no-store', `${where}: pages carry CSRF tokens`);
}

function headersOf(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

describeEachEngine('security headers', (engine) => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp(engine);
  });
  after(() => app.close());

  test('portal pages: strict CSP with per-response nonces, no framing, nosniff, Referrer-Policy, no-store', async () => {
    const client = new PortalClient(app.blanca.app);
    const login = await client.get('/login');
    assertStrictCsp(login.headers, login.body, 'GET /login');
    await client.signIn(app.ownerEmail, OWNER_PASSWORD);
    for (const path of ['/users', '/codes', '/settings', '/security', '/tokens']) {
      const page = await client.get(path);
      assert.equal(page.status, 200, path);
      assertStrictCsp(page.headers, page.body, path);
    }
    const again = await client.get('/users');
    const first = /nonce-([0-9a-f]+)/.exec(String(login.headers['content-security-policy']))![1];
    assert.notEqual(/nonce-([0-9a-f]+)/.exec(String(again.headers['content-security-policy']))![1], first, 'a new nonce per response');
    assert.equal(login.headers['strict-transport-security'], undefined, 'no HSTS on a plain-http PUBLIC_URL');
  });

  test('secrets are never cached: a new API token (portal and API), TOTP enrolment', async () => {
    const client = new PortalClient(app.blanca.app);
    await client.signIn(app.ownerEmail, OWNER_PASSWORD);
    await client.get('/tokens');
    const created = await client.post('/tokens', { name: 'ci', userId: '' });
    assert.match(created.body, /id="new-token">qrp_/);
    assert.equal(created.headers['cache-control'], 'no-store');
    const enrol = await client.get('/security');
    assert.match(enrol.body, /name="secret"/);
    assert.equal(enrol.headers['cache-control'], 'no-store');
    const token = await app.blanca.app.inject({ method: 'POST', url: '/api/v1/tokens', headers: { authorization: `Bearer ${app.adminToken}` }, payload: { name: 'api' } });
    assert.equal(token.statusCode, 201);
    assert.equal(token.headers['cache-control'], 'no-store');
    assertFramingRefused(token.headers, 'POST /api/v1/tokens');
  });

  test('API answers, error pages and problem JSON carry the headers too', async () => {
    const list = await api(app, 'GET', '/users', app.adminToken);
    assert.equal(list.status, 200);
    const raw = await app.blanca.app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: `Bearer ${app.adminToken}` } });
    assertFramingRefused(raw.headers, 'GET /api/v1/users');
    assert.equal(raw.headers['cache-control'], 'no-store');
    const problem = await app.blanca.app.inject({ method: 'GET', url: '/api/v1/users', headers: { authorization: 'Bearer nope' } });
    assert.equal(problem.statusCode, 401);
    assertFramingRefused(problem.headers, 'API 401');
    const client = new PortalClient(app.blanca.app);
    const missing = await client.get('/no/such/page');
    assert.equal(missing.status, 404);
    assertStrictCsp(missing.headers, missing.body, '404 page');
  });

  test('short-link redirects (Fastify route and the fast path) and their problem page', async () => {
    const user = await api(app, 'POST', '/users', app.adminToken, { name: 'Headers' });
    const code = await api(app, 'POST', '/codes', app.adminToken, { userId: user.body.id, kind: 'dynamic', name: 'Poster', content: { type: 'url', url: 'https://example.com/h' } });
    assert.equal(code.status, 201);
    const shortCode = code.body.shortCode as string;
    await app.blanca.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.blanca.app.server.address() as AddressInfo).port;
    // The first GET resolves through the Fastify route, the second is answered from the cache before Fastify.
    for (const via of ['route', 'fast path']) {
      const response = await fetch(`http://127.0.0.1:${port}/${shortCode}`, { redirect: 'manual' });
      assert.equal(response.status, 302, via);
      assertBaseline(headersOf(response), `redirect via ${via}`);
    }
    const unknown = await fetch(`http://127.0.0.1:${port}/zzzzzzz`, { redirect: 'manual' });
    assert.equal(unknown.status, 404);
    const headers = headersOf(unknown);
    assertFramingRefused(headers, 'short-link problem page');
    const body = await unknown.text();
    const hash = /style-src '(sha256-[^']+)'/.exec(headers['content-security-policy']!)?.[1];
    const css = /<style>([^<]*)<\/style>/.exec(body)?.[1];
    const { createHash } = await import('node:crypto');
    assert.equal(`sha256-${createHash('sha256').update(css!).digest('base64')}`, hash, 'the page stylesheet is allowed by its hash');
  });

  test('HSTS when PUBLIC_URL is https', async () => {
    const https = await startTestApp(engine, { env: { PUBLIC_URL: 'https://qr.example.com' } });
    try {
      const page = await new PortalClient(https.blanca.app).get('/login');
      assert.equal(page.headers['strict-transport-security'], 'max-age=31536000');
    } finally {
      await https.close();
    }
  });
});
