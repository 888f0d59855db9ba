/**
 * Issue 11 against a real IdP (SimpleSAMLphp on loopback) in Chromium: the ways Entra and other IdPs
 * are really configured. Response-only signing ("Sign SAML response") and both signatures; single
 * logout against an IdP that compares the NameID (Format and qualifiers) exactly.
 *
 * Blanca is connected through the API (the SSO tab itself is driven in e2e.test.ts); SQLite only, the
 * storage paths are covered on both engines by the non-browser tests.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { SESSION_COOKIE } from '../../src/web/cookies.js';
import { api, startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser, loginAtIdp, type BrowserHandle } from '../support/browser.js';
import { articleUsers, startSimpleSamlIdp, type IdpHandle, type RemoteSpSettings } from '../support/simplesamlphp.js';

const SLUG = 'acme';
const password = (username: string) => `${username}-Passw0rd!`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

let idp: IdpHandle;
let browser: BrowserHandle;
let app: TestApp;
let base: string;
let spEntityId: string;
const contexts: BrowserContext[] = [];

async function startSite(): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = await startTestApp('sqlite', { env: { PUBLIC_URL: base, SSO_METADATA_ALLOWED_HOSTS: '127.0.0.1' } });
    try {
      await app.blanca.app.listen({ port, host: '127.0.0.1' });
      return;
    } catch (error) {
      await app.close();
      if (attempt >= 2) throw error;
    }
  }
}

async function putSso(body: Record<string, unknown>) {
  const response = await app.blanca.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ ssoType: 'user', ...body }) });
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
}

/** Registers Blanca's current SP metadata at the IdP with these signing settings. */
async function registerAtIdp(settings: RemoteSpSettings = {}): Promise<void> {
  await idp.addSp({ metadataXml: await (await fetch(spEntityId)).text(), ...settings });
}

before(async () => {
  [idp, browser] = await Promise.all([startSimpleSamlIdp({ users: articleUsers() }), launchBrowser()]);
  await startSite();
  await setSsoEnabled(app.blanca.deps.db, app.accountId, true, new Date());
  const connected = await putSso({ idpMetadataUrl: idp.metadataUrl });
  assert.equal(connected.status, 200, JSON.stringify(connected.body));
  spEntityId = `${base}/sso/${SLUG}/metadata`;
  await registerAtIdp();
});
after(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await browser?.close();
  await app?.close();
  await idp?.stop();
});

async function newPerson(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  return context.newPage();
}

async function backAtBlanca(page: Page): Promise<void> {
  await page.waitForURL((url) => url.origin === base && url.pathname !== `/sso/${SLUG}/login`);
  await page.waitForLoadState('domcontentloaded');
}

async function ssoSignIn(username: string, page?: Page): Promise<Page> {
  page ??= await newPerson();
  await page.goto(`${base}/sso/${SLUG}/login`);
  await loginAtIdp(page, username, password(username));
  await backAtBlanca(page);
  return page;
}

type LogEntry = { id: string; kind: string; outcome: string; person: string | null; summary: string; fix: string | null; failureCode: string | null };
async function lastLog(filter = ''): Promise<LogEntry[]> {
  return (await api(app, 'GET', `/sso/log?limit=20${filter}`, app.adminToken)).body.entries as LogEntry[];
}
async function logXml(id: string): Promise<string> {
  return ((await api(app, 'GET', `/sso/log/${id}`, app.adminToken)).body as { xml: string | null }).xml ?? '';
}
async function sessionOf(page: Page) {
  const token = (await page.context().cookies(base)).find((c) => c.name === SESSION_COOKIE)?.value;
  const id = token?.split('.')[0];
  if (!id) return null;
  return (await app.blanca.deps.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}
const path = (page: Page) => new URL(page.url()).pathname;

describe('the IdP signs only the Response, then both (Entra "Sign SAML response", "Sign SAML response and assertion")', () => {
  test('assertion only (Entra\'s default): nora signs in; the SSO log says the assertion\'s own signature verified', async () => {
    await registerAtIdp();
    const page = await ssoSignIn('nora');
    const entry = (await lastLog())[0]!;
    assert.equal(path(page), '/codes', JSON.stringify(entry));
    assert.match(entry.summary, /Signature verified: the assertion's own/);
  });

  test('Response-only: adam signs in; the SSO log says the Response signature covered the assertion', async () => {
    await registerAtIdp({ signResponse: true, signAssertion: false });
    const page = await ssoSignIn('adam');
    assert.equal(path(page), '/codes');
    const entry = (await lastLog('&outcome=success')).find((e) => e.person === 'adam@example.test' && e.kind === 'response');
    assert.ok(entry, JSON.stringify(await lastLog()));
    assert.match(entry.summary, /Signature verified: the Response's, which covers the assertion/);
    const xml = await logXml(entry.id);
    // The IdP really signed only the Response: one Signature, directly under samlp:Response.
    assert.equal(xml.match(/<ds:Signature[\s>]/g)?.length, 1, xml);
    assert.match(xml, /<samlp:Response[^>]*>(?:(?!<saml:Assertion).)*<ds:Signature[\s>]/s);
  });

  test('Response and assertion signed: eve signs in, both recorded', async () => {
    await registerAtIdp({ signResponse: true, signAssertion: true });
    const page = await ssoSignIn('eve');
    assert.equal(path(page), '/codes');
    const entry = (await lastLog('&outcome=success')).find((e) => e.person === 'eve@example.test' && e.kind === 'response');
    assert.match(entry?.summary ?? '', /Signatures verified: the Response's and the assertion's/);
    assert.equal((await logXml(entry!.id)).match(/<ds:Signature[\s>]/g)?.length, 2);
  });

  test('"Require signed assertions": the SP metadata says WantAssertionsSigned="true" and a Response-only sign-in is refused with the setting named', async () => {
    assert.match(await (await fetch(spEntityId)).text(), /WantAssertionsSigned="false"/);
    assert.equal((await putSso({ requireSignedAssertions: true })).status, 200);
    try {
      assert.match(await (await fetch(spEntityId)).text(), /WantAssertionsSigned="true"/);
      await registerAtIdp({ signResponse: true, signAssertion: false });
      const page = await ssoSignIn('steve');
      assert.equal(path(page), `/sso/${SLUG}/acs`);
      const entry = (await lastLog('&outcome=failure'))[0]!;
      assert.equal(entry.failureCode, 'signature_missing');
      assert.match(entry.summary, /Only the Response is signed \(and its signature verifies\)/);
      assert.match(entry.fix ?? '', /Sign SAML response and assertion/);
    } finally {
      assert.equal((await putSso({ requireSignedAssertions: false })).status, 200);
      await registerAtIdp();
    }
  });
});

describe('single logout against an IdP that compares the NameID exactly (Format, SPNameQualifier)', () => {
  const EMAIL_FORMAT = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

  test('the LogoutRequest carries the NameID as received: the IdP ends its session, and the next sign-in asks for the password', async () => {
    await registerAtIdp();
    const page = await ssoSignIn('juan');
    const session = await sessionOf(page);
    assert.equal(session?.sso_name_id, 'juan@example.test');
    // What SimpleSAMLphp put in the assertion is stored with the session, exactly.
    assert.equal(session?.sso_name_id_format, EMAIL_FORMAT);
    assert.equal(session?.sso_sp_name_qualifier, spEntityId);
    assert.ok(session?.sso_session_index);
    await idp.setStrictLogout({ format: EMAIL_FORMAT, spNameQualifier: spEntityId, nameQualifier: null });
    try {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${base}/login`);
      assert.equal(await app.blanca.deps.db.selectFrom('sessions').select('id').where('id', '=', session!.id).executeTakeFirst(), undefined);
      const log = await lastLog();
      assert.ok(log.some((e) => e.kind === 'logout_response' && e.outcome === 'success'), JSON.stringify(log.slice(0, 3)));
      assert.match(log.find((e) => e.kind === 'logout_request')?.summary ?? '', new RegExp(`Format ${EMAIL_FORMAT}, SPNameQualifier ${spEntityId.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}; SessionIndex _`));
      // The IdP session really ended: signing in again shows the IdP's password form.
      await page.goto(`${base}/sso/${SLUG}/login`);
      await page.waitForSelector('#username');
      assert.equal(new URL(page.url()).origin, idp.origin, 'the IdP asks for credentials again');
    } finally {
      await idp.setStrictLogout(null);
    }
  });

  test('when the IdP refuses (Responder / RequestDenied): Blanca\'s session has ended, the person is told the company session may still be open, the SSO log keeps the sub-status', async () => {
    await registerAtIdp();
    const page = await ssoSignIn('monica');
    const session = await sessionOf(page);
    assert.ok(session);
    // This IdP expects another Format than the one it issued: it refuses every LogoutRequest.
    await idp.setStrictLogout({ format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent' });
    try {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${base}/login?sso_logout=incomplete`);
      assert.match(await page.locator('#sso-logout-incomplete').innerText(), /your company session may still be open/);
      assert.equal(await app.blanca.deps.db.selectFrom('sessions').select('id').where('id', '=', session.id).executeTakeFirst(), undefined, 'Blanca\'s session ended first');
      const refused = (await lastLog('&outcome=failure')).find((e) => e.kind === 'logout_response');
      assert.equal(refused?.failureCode, 'logout_status_not_success');
      assert.match(refused?.summary ?? '', /urn:oasis:names:tc:SAML:2\.0:status:Responder \/ urn:oasis:names:tc:SAML:2\.0:status:RequestDenied: "The NameID does not match the session/);
      // The IdP kept its session, which is why the person was warned: a new sign-in needs no password.
      await page.goto(`${base}/sso/${SLUG}/login`);
      await backAtBlanca(page);
      assert.equal(path(page), '/users');
    } finally {
      await idp.setStrictLogout(null);
    }
  });
});
