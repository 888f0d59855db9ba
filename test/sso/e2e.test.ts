/**
 * The SSO issue end to end: a real SAML 2.0 IdP (SimpleSAMLphp on loopback, Entra claim names) and
 * Blanca listening on 127.0.0.1, driven in Chromium exactly as the article describes — the owner
 * connects the IdP on the SSO tab (metadata URL → Read from URL → Connect → Download descriptor XML,
 * which is then registered at the IdP), and then the people of the article sign in, in both SSO types.
 *
 * One IdP for the whole file and one Blanca per SSO type; every person gets a fresh browser context
 * (own cookies at Blanca and at the IdP). SQLite only: the storage paths are covered on both
 * engines by the non-browser tests.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { SESSION_COOKIE } from '../../src/web/cookies.js';
import { api, OWNER_PASSWORD, startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser, loginAtIdp, type BrowserHandle } from '../support/browser.js';
import { testKeys } from '../support/saml-fixtures.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { articleUsers, ENTRA_CLAIMS, startSimpleSamlIdp, type IdpHandle, type IdpUser } from '../support/simplesamlphp.js';

const SLUG = 'acme';
const DOMAIN = 'example.test';

/**
 * The article's people. Their display name is their first name, as in the article's screenshots
 * (users "Adam", "Eve", "Steve"); NameID is the UPN, which stays when the email address changes.
 */
function people(change: (u: IdpUser) => IdpUser = (u) => u): IdpUser[] {
  return articleUsers().map((u) => {
    const first = u.attributes[ENTRA_CLAIMS.givenName]![0]!;
    return change({ ...u, nameId: `${u.username}@${DOMAIN}`, attributes: { ...u.attributes, [ENTRA_CLAIMS.displayName]: [first] } });
  });
}
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
let dns: TestDnsServer;
const contexts: BrowserContext[] = [];

before(async () => {
  [idp, browser, dns] = await Promise.all([startSimpleSamlIdp({ users: people() }), launchBrowser(), startDnsServer()]);
});
after(async () => {
  await dns?.close();
  await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  await browser?.close();
  await idp?.stop();
});

/** A fresh browser context: a different person, signed in nowhere. */
async function newPerson(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  return context.newPage();
}

interface Site {
  app: TestApp;
  base: string;
  spEntityId: string;
  /** The owner's page, signed in with the password. */
  owner: Page;
}

/** Blanca on a port chosen first, so that PUBLIC_URL (and so the SP entity ID and ACS URL) is known up front. */
async function startSite(): Promise<{ app: TestApp; base: string }> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const app = await startTestApp('sqlite', { env: { PUBLIC_URL: base, SSO_METADATA_ALLOWED_HOSTS: '127.0.0.1', DNS_SERVERS: dns.address } });
    try {
      await app.blanca.app.listen({ port, host: '127.0.0.1' });
      return { app, base };
    } catch (error) {
      await app.close();
      if (attempt >= 2) throw error;
    }
  }
}

async function stopSite(site: Site | undefined): Promise<void> {
  await site?.app.close();
}

async function signInWithPassword(base: string): Promise<Page> {
  const page = await newPerson();
  await page.goto(`${base}/login`);
  await page.getByLabel('Email or user name').fill('owner@example.com');
  await page.getByLabel('Password').fill(OWNER_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${base}/users`);
  return page;
}

/** Article section 2: Account settings > SSO, type, metadata URL, Read from URL, Connect, download, upload at the IdP. */
async function connectInBrowser(ssoType: 'user' | 'subaccount'): Promise<Site> {
  const { app, base } = await startSite();
  await setSsoEnabled(app.blanca.deps.db, app.accountId, true, new Date());
  const owner = await signInWithPassword(base);

  await owner.getByRole('link', { name: 'Account settings' }).click();
  await owner.waitForURL(`${base}/settings`);
  await owner.getByRole('navigation', { name: 'Account settings' }).getByRole('link', { name: 'SSO', exact: true }).click();
  await owner.waitForURL(`${base}/settings/sso`);
  await owner.getByLabel(ssoType === 'user' ? /User \(1:1\)/ : /Subaccount \(1:n\)/).check();
  await owner.getByLabel('IdP SSO descriptor URL').fill(idp.metadataUrl);
  await owner.getByRole('button', { name: 'Read from URL' }).click();
  await owner.getByText('1 signing certificate(s) read from the metadata.').waitFor();
  assert.equal(await owner.getByLabel('IdP entity ID').inputValue(), idp.entityId);
  assert.equal(await owner.getByLabel('SSO login service URL').inputValue(), idp.ssoUrl);
  assert.equal(await owner.getByLabel(/SSO logout service URL/).inputValue(), idp.sloUrl);
  const pemBody = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, '');
  assert.equal(pemBody(await owner.locator('#f-idpCertificates').inputValue()), pemBody(idp.certificatePem));
  assert.ok(await owner.getByLabel(ssoType === 'user' ? /User \(1:1\)/ : /Subaccount \(1:n\)/).isChecked(), 'the chosen SSO type survives Read from URL');
  // Entra's claim names are the defaults of the input mapper (article section 4).
  assert.equal(await owner.getByLabel('Email', { exact: true }).inputValue(), ENTRA_CLAIMS.email);
  assert.equal(await owner.getByLabel('Role', { exact: true }).inputValue(), 'Role');
  await owner.getByLabel(/Email domains/).fill(DOMAIN);
  await owner.getByRole('button', { name: 'Connect' }).click();
  await owner.waitForURL(`${base}/settings/sso`);
  await owner.getByText('Connected. Give the SP descriptor to your IdP.').first().waitFor();
  assert.equal(await owner.locator('#sso-status').innerText(), 'Connected');
  // The work-email domain routes only once verified: publish the TXT record the tab shows, then Check now.
  const domainRow = owner.locator(`#sso-domains tr[data-domain="${DOMAIN}"]`);
  assert.equal(await domainRow.locator('.domain-state').innerText(), 'pending');
  dns.records.set(DOMAIN, [await domainRow.locator('.domain-record').innerText()]);
  await domainRow.getByRole('button', { name: 'Check now' }).click();
  await owner.getByText(`${DOMAIN} is verified`).first().waitFor();
  assert.equal(await domainRow.locator('.domain-state').innerText(), 'verified');
  const spEntityId = await owner.locator('#sp-descriptor-url').innerText();
  assert.equal(spEntityId, `${base}/sso/${SLUG}/metadata`);
  await owner.screenshot({ path: `/tmp/blanca-sso-tab-${ssoType}.png`, fullPage: true }).catch(() => undefined);

  const [download] = await Promise.all([owner.waitForEvent('download'), owner.getByRole('link', { name: 'Download descriptor XML' }).click()]);
  const metadataXml = await readFile(await download.path(), 'utf8');
  assert.match(download.suggestedFilename(), /\.xml$/);
  assert.match(metadataXml, new RegExp(`entityID="${spEntityId.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`));
  // The descriptor URL serves the same document (the article's "copy this URL into the browser").
  assert.equal(await (await fetch(spEntityId)).text(), metadataXml);
  await idp.addSp({ metadataXml });
  return { app, base, spEntityId, owner };
}

type Start = { via: 'button' } | { via: 'email'; email: string } | { via: 'deep-link'; path: string };

/** SP-initiated sign-in from Blanca's sign-in page; resolves once Blanca has answered the ACS post. */
async function ssoSignIn(site: Site, username: string, start: Start = { via: 'button' }, page?: Page): Promise<Page> {
  page ??= await newPerson();
  if (start.via === 'deep-link') {
    await page.goto(`${site.base}${start.path}`);
    await page.waitForURL((url) => url.pathname === '/login');
    assert.equal(new URL(page.url()).searchParams.get('returnTo'), start.path);
  } else {
    await page.goto(`${site.base}/login`);
  }
  if (start.via === 'email') {
    await page.getByLabel('Work email').fill(start.email);
    await page.getByRole('button', { name: 'Sign in with single sign-on (SSO)', exact: true }).click();
  } else {
    await page.locator('#sso-account-button').click();
  }
  await loginAtIdp(page, username, password(username));
  await backAtBlanca(page, site);
  return page;
}

/** After the IdP posted to the ACS: wait until Blanca's answer (a redirect's target, or a page) is shown. */
async function backAtBlanca(page: Page, site: Site): Promise<void> {
  await page.waitForURL((url) => url.origin === site.base && url.pathname !== `/sso/${SLUG}/login`);
  await page.waitForLoadState('domcontentloaded');
}

const path = (page: Page) => new URL(page.url()).pathname;
const who = (page: Page) => page.locator('header.top > span:not(.spacer)').first().innerText();
const navLinks = (page: Page) => page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts();

async function usersOf(site: Site): Promise<Array<{ id: string; name: string; email: string | null; createdBySso: boolean }>> {
  return (await api(site.app, 'GET', '/users', site.app.adminToken)).body.users;
}
async function subaccountsOf(site: Site): Promise<Array<{ id: string; name: string; email: string; role: string; userIds: string[] }>> {
  return (await api(site.app, 'GET', '/subaccounts', site.app.adminToken)).body.subaccounts;
}
async function lastLog(site: Site, filter = '') {
  return (await api(site.app, 'GET', `/sso/log?limit=20${filter}`, site.app.adminToken)).body.entries as Array<{ id: string; at: string; kind: string; outcome: string; person: string | null; summary: string; fix: string | null; failureCode: string | null; mapping: Record<string, unknown> | null }>;
}
/** The Blanca session of this browser context, as stored (null when there is none). */
async function sessionOf(page: Page, site: Site): Promise<{ id: string; sso_name_id: string | null } | null> {
  const token = (await page.context().cookies(site.base)).find((c) => c.name === SESSION_COOKIE)?.value;
  const id = token?.split('.')[0];
  if (!id) return null;
  return (await site.app.blanca.deps.db.selectFrom('sessions').select(['id', 'sso_name_id']).where('id', '=', id).executeTakeFirst()) ?? null;
}

/** Scenarios that read the same in both SSO types: admin/manager roles, IdP-initiated, deep links, single logout, failures. */
function sharedScenarios(site: () => Site) {
  test('juan (whitelabel_admin) lands as an administrator, and a deep link (/subaccounts) survives the SP-initiated round trip', async () => {
    const s = site();
    const page = await ssoSignIn(s, 'juan', { via: 'deep-link', path: '/subaccounts' });
    assert.equal(path(page), '/subaccounts');
    assert.equal(await who(page), 'Juan');
    assert.ok((await navLinks(page)).includes('Account settings'), 'an administrator sees Account settings');
    const juan = (await subaccountsOf(s)).find((x) => x.email === 'juan@example.test');
    assert.equal(juan?.role, 'admin');
    await page.getByRole('link', { name: 'Account settings' }).click();
    await page.waitForURL(`${s.base}/settings`);
    // Article section 7, "SSO debugging": instead of SAML-tracer, the SSO log shows that the role arrived.
    const entry = (await lastLog(s, '&outcome=success&person=juan')).find((e) => e.kind === 'response')!;
    await s.owner.goto(`${s.base}/settings/sso/log?person=juan`);
    await s.owner.getByRole('link', { name: new Date(entry.at).toISOString().replace('T', ' ').slice(0, 19) }).first().click();
    await s.owner.waitForURL(/\/settings\/sso\/log\/.+/);
    assert.match(await s.owner.locator('#log-attributes').getByRole('row', { name: /^Role / }).innerText(), /whitelabel_admin/);
    // The mapping as a table: the role value and what it made (the raw JSON stays under a disclosure).
    assert.match(await s.owner.locator('#log-roles').getByRole('row', { name: /^whitelabel_admin / }).innerText(), /Administrator subaccount/);
    assert.match((await s.owner.locator('#log-mapping').textContent()) ?? '', /"adminRole": "admin"/);
  });

  test('monica (whitelabel_manager) lands as a manager: Users, not Account settings', async () => {
    const s = site();
    const page = await ssoSignIn(s, 'monica');
    assert.equal(path(page), '/users');
    assert.equal(await who(page), 'Mónica');
    const nav = await navLinks(page);
    assert.ok(nav.includes('Users') && !nav.includes('Account settings'), nav.join(', '));
    assert.equal((await subaccountsOf(s)).find((x) => x.email === 'monica@example.test')?.role, 'manager');
    const settings = await page.goto(`${s.base}/settings/sso`);
    assert.equal(settings?.status(), 403);
  });

  test('IdP-initiated sign-in (Entra My Apps): a local RelayState deep link is followed, a foreign one is not', async () => {
    const s = site();
    const page = await newPerson();
    await page.goto(idp.idpInitiatedUrl(s.spEntityId, '/subaccounts'));
    await loginAtIdp(page, 'juan', password('juan'));
    await backAtBlanca(page, s);
    assert.equal(page.url(), `${s.base}/subaccounts`);
    assert.equal(await who(page), 'Juan');
    const entry = (await lastLog(s, '&outcome=success'))[0]!;
    assert.equal(entry.person, 'juan@example.test');
    // The IdP session is still there: no password this time; the foreign targets are dropped.
    for (const relay of ['https://evil.example/phish', '//evil.example/phish', '/\\evil.example']) {
      await page.goto(idp.idpInitiatedUrl(s.spEntityId, relay));
      await backAtBlanca(page, s);
      assert.equal(new URL(page.url()).origin, s.base, `RelayState ${relay} must not leave Blanca`);
      assert.equal(path(page), '/users');
    }
  });

  test('single logout from Blanca: Sign out → IdP → back; the IdP session ended, so the next sign-in asks for the password', async () => {
    const s = site();
    const page = await ssoSignIn(s, 'monica');
    // Before: the IdP session exists, so a new sign-in goes straight through without a password.
    await page.goto(`${s.base}/sso/${SLUG}/login`);
    await backAtBlanca(page, s);
    assert.equal(path(page), '/users');
    const session = await sessionOf(page, s);
    assert.equal(session?.sso_name_id, 'monica@example.test');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${s.base}/login`);
    assert.equal(await sessionOf(page, s), null);
    assert.equal(await s.app.blanca.deps.db.selectFrom('sessions').select('id').where('id', '=', session!.id).executeTakeFirst(), undefined);
    const log = await lastLog(s);
    assert.ok(log.some((e) => e.kind === 'logout_request' && e.outcome === 'info'), 'LogoutRequest sent');
    assert.ok(log.some((e) => e.kind === 'logout_response' && e.outcome === 'success'), JSON.stringify(log.slice(0, 3)));
    await page.locator('#sso-account-button').click();
    await page.waitForSelector('#username');
    assert.equal(new URL(page.url()).origin, idp.origin, 'the IdP asks for the password again');
  });

  test('single logout from the IdP ends the Blanca session', async () => {
    const s = site();
    const page = await ssoSignIn(s, 'juan');
    const session = await sessionOf(page, s);
    assert.equal(session?.sso_name_id, 'juan@example.test');
    await page.goto(idp.idpInitiatedLogoutUrl(`${s.base}/login?from=idp`));
    await page.waitForURL(`${s.base}/login?from=idp`);
    assert.equal(await s.app.blanca.deps.db.selectFrom('sessions').select('id').where('id', '=', session!.id).executeTakeFirst(), undefined, 'the Blanca session is gone');
    const entry = (await lastLog(s)).find((e) => e.kind === 'logout_request' && e.outcome === 'success');
    assert.match(entry?.summary ?? '', /The IdP signed juan@example\.test out: [1-9]\d* portal session\(s\) ended\./);
    await page.goto(`${s.base}/users`);
    await page.waitForURL((url) => url.pathname === '/login');
  });

  test('a wrong IdP certificate: the person gets a plain-words page; the SSO log has the exact reason and the fix', async () => {
    const s = site();
    const view = (await api(s.app, 'GET', '/sso', s.app.adminToken)).body;
    const put = (certificates: string[]) =>
      s.app.blanca.app.inject({
        method: 'PUT',
        url: '/api/v1/sso',
        headers: { authorization: `Bearer ${s.app.adminToken}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ ssoType: view.ssoType, idpMetadataUrl: view.idpMetadataUrl, idpEntityId: view.idpEntityId, idpSsoUrl: view.idpSsoUrl, idpSloUrl: view.idpSloUrl, idpCertificates: certificates, emailDomains: view.emailDomains }),
      });
    assert.equal((await put([testKeys.idpB.cert])).statusCode, 200);
    try {
      const page = await ssoSignIn(s, 'eve');
      assert.equal(path(page), `/sso/${SLUG}/acs`);
      assert.equal(await page.locator('h1').innerText(), 'Single sign-on did not work');
      assert.equal(await page.getByRole('alert').innerText(), 'The sign-in message could not be verified as coming from your company’s identity provider.');
      const body = await page.locator('main, body').first().innerText();
      assert.doesNotMatch(body, /certificate|thumbprint|KeyInfo/i, 'no diagnostic detail for the person');
      await page.screenshot({ path: '/tmp/blanca-sso-failed.png' }).catch(() => undefined);
      const reference = /reference ([0-9a-z]{8})/i.exec(body)?.[1];
      assert.ok(reference, body);
      assert.equal(await sessionOf(page, s), null, 'nobody was signed in');

      const failure = (await lastLog(s, '&outcome=failure'))[0]!;
      assert.equal(failure.failureCode, 'certificate_not_configured');
      assert.ok(failure.id.startsWith(reference), 'the page names the log entry');
      assert.match(failure.summary, /The assertion signature carries the certificate .+, which is not one of the 1 certificate\(s\) configured for this IdP/);
      assert.match(failure.fix ?? '', /Re-import the IdP metadata/);
      // The same entry in the SSO log page of the SSO tab.
      await s.owner.goto(`${s.base}/settings/sso/log?outcome=failure`);
      await s.owner.getByRole('cell', { name: failure.summary }).waitFor();
      await s.owner.goto(`${s.base}/settings/sso/log/${failure.id}`);
      // The page leads with the check that refused it (in the reader's language), then the verifier's exact words.
      assert.equal(await s.owner.locator('#log-summary').innerText(), `The check "the certificate in the signature's KeyInfo is a configured IdP certificate" failed. ${failure.summary}`);
      assert.equal(await s.owner.locator('#log-fix').innerText(), failure.fix);
    } finally {
      assert.equal((await put([idp.certificatePem])).statusCode, 200);
    }
    const again = await ssoSignIn(s, 'eve');
    assert.notEqual(path(again), `/sso/${SLUG}/acs`, 'with the right certificate the sign-in works again');
  });
}

describe('SSO type User (1:1), real IdP, Chromium', () => {
  let site: Site | undefined;
  before(async () => {
    await idp.setUsers(people());
    site = await connectInBrowser('user');
  });
  after(() => stopSite(site));
  const s = () => site!;

  test('adam (Sign in with SSO button), eve (work email), steve: each becomes a white-label user named after them', async () => {
    const adam = await ssoSignIn(s(), 'adam');
    assert.equal(path(adam), '/codes', 'a white-label user lands in their QR space');
    assert.equal(await who(adam), 'Adam');
    const eve = await ssoSignIn(s(), 'eve', { via: 'email', email: `eve@${DOMAIN}` });
    assert.equal(await who(eve), 'Eve');
    const steve = await ssoSignIn(s(), 'steve', { via: 'email', email: `Steve@${DOMAIN.toUpperCase()}` });
    assert.equal(await who(steve), 'Steve');

    const users = await usersOf(s());
    assert.deepEqual(users.map((u) => `${u.name} <${u.email}> sso=${u.createdBySso}`).sort(), ['Adam <adam@example.test> sso=true', 'Eve <eve@example.test> sso=true', 'Steve <steve@example.test> sso=true']);
    // The owner sees them under Users (article section 7).
    await s().owner.goto(`${s().base}/users`);
    for (const name of ['Adam', 'Eve', 'Steve']) await s().owner.getByRole('row', { name: new RegExp(`^${name} created by SSO`) }).waitFor();
    const success = (await lastLog(s(), '&outcome=success')).find((e) => e.person === 'adam@example.test');
    assert.match(success?.summary ?? '', /signed in as white-label user "Adam" \(created now\)/);
  });

  test('a later sign-in updates the name and email from the IdP (same NameID)', async () => {
    await idp.setUsers(people((u) => (u.username === 'adam' ? { ...u, attributes: { ...u.attributes, [ENTRA_CLAIMS.displayName]: ['Adam Smith'], [ENTRA_CLAIMS.email]: ['adam.smith@example.test'] } } : u)));
    const page = await ssoSignIn(s(), 'adam');
    assert.equal(await who(page), 'Adam Smith');
    const users = await usersOf(s());
    assert.equal(users.length, 3, 'updated, not duplicated');
    assert.ok(users.some((u) => u.name === 'Adam Smith' && u.email === 'adam.smith@example.test'));
    await idp.setUsers(people());
  });

  test('nora (Entra default "User" role: no Role claim) gets her own user in 1:1', async () => {
    const page = await ssoSignIn(s(), 'nora');
    assert.equal(await who(page), 'Nora');
    assert.ok((await usersOf(s())).some((u) => u.name === 'Nora'));
  });

  test('juan loses whitelabel_admin at the IdP: the next sign-in gives him no administrator rights', async () => {
    // First he is an administrator (shared scenarios repeat this with the deep link).
    await ssoSignIn(s(), 'juan');
    await idp.setUsers(people((u) => (u.username === 'juan' ? { ...u, attributes: { ...u.attributes, [ENTRA_CLAIMS.role]: [] } } : u)));
    try {
      const page = await ssoSignIn(s(), 'juan');
      assert.equal(path(page), '/codes');
      assert.ok(!(await navLinks(page)).includes('Account settings'));
      assert.equal((await subaccountsOf(s())).find((x) => x.email === 'juan@example.test')?.role, 'sso');
    } finally {
      await idp.setUsers(people());
    }
  });

  test('Test connection: the owner signs in at the IdP and lands on the report; a failing test names the reason; both are in the SSO log', async () => {
    const owner = await signInWithPassword(s().base);
    const sessionsBefore = await s().app.blanca.deps.db.selectFrom('sessions').select('id').where('sso_name_id', 'is not', null).execute();
    await owner.goto(`${s().base}/settings/sso`);
    await owner.getByRole('button', { name: 'Test connection' }).click();
    await loginAtIdp(owner, 'adam', password('adam'));
    await owner.waitForURL(/\/settings\/sso\/log\/[^/]+$/);
    assert.equal(await owner.locator('#log-outcome').innerText(), 'info');
    assert.match(await owner.locator('#log-summary').innerText(), /^Test connection succeeded for adam@example\.test: nobody was signed in\. Signature verified: the assertion.s own\.$/);
    assert.match(await owner.locator('#log-attributes').innerText(), /emailaddress/);
    const sessionsAfter = await s().app.blanca.deps.db.selectFrom('sessions').select('id').where('sso_name_id', 'is not', null).execute();
    assert.equal(sessionsAfter.length, sessionsBefore.length, 'Test connection signs nobody in');

    // The same button with a certificate the IdP does not sign with: the report is a failure with the reason.
    const view = (await api(s().app, 'GET', '/sso', s().app.adminToken)).body;
    const put = (certificates: string[]) =>
      s().app.blanca.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${s().app.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ ssoType: view.ssoType, idpMetadataUrl: view.idpMetadataUrl, idpEntityId: view.idpEntityId, idpSsoUrl: view.idpSsoUrl, idpSloUrl: view.idpSloUrl, idpCertificates: certificates, emailDomains: view.emailDomains }) });
    assert.equal((await put([testKeys.idpB.cert])).statusCode, 200);
    try {
      await owner.goto(`${s().base}/settings/sso`);
      await owner.getByRole('button', { name: 'Test connection' }).click();
      // Already signed in at the IdP in this browser: it answers at once.
      await owner.waitForURL((url) => url.origin === s().base && url.pathname === `/sso/${SLUG}/acs`);
      const failure = (await lastLog(s(), '&outcome=failure'))[0]!;
      assert.equal(failure.failureCode, 'certificate_not_configured');
      await owner.goto(`${s().base}/settings/sso/log`);
      await owner.getByRole('cell', { name: failure.summary }).waitFor();
      await owner.getByRole('cell', { name: /^Test connection succeeded for adam@example\.test/ }).waitFor();
    } finally {
      assert.equal((await put([idp.certificatePem])).statusCode, 200);
    }
  });

  test('certificate rotation at the IdP: Refresh metadata adds the announced certificate, sign-in continues on the new key, the old one is removed on schedule', async () => {
    const old = idp.certificatePem;
    const { newCertificatePem } = await idp.rotateCertificate({ signWithNew: false });
    const owner = s().owner;
    await owner.goto(`${s().base}/settings/sso`);
    await owner.getByRole('button', { name: 'Refresh metadata' }).click();
    await owner.waitForURL(`${s().base}/settings/sso`);
    await owner.getByText('Metadata refreshed: 1 certificate(s) added, 0 removed, 2 trusted.', { exact: false }).waitFor();
    assert.equal(await owner.locator('#idp-certificates li').count(), 2);

    await idp.completeRotation({ keepOld: false });
    assert.equal(idp.certificatePem, newCertificatePem);
    const steve = await ssoSignIn(s(), 'steve');
    assert.notEqual(path(steve), `/sso/${SLUG}/acs`, 'signed in with the new IdP key');

    // The scheduled pass (12 h later) reads the metadata that no longer lists the old certificate.
    const { runMetadataRefresh } = await import('../../src/sso/jobs.js');
    const pass = await runMetadataRefresh({ db: s().app.blanca.deps.db, config: s().app.config }, new Date(Date.now() + 13 * 3600_000));
    assert.deepEqual(pass, { refreshed: 1, failed: 0 });
    const certificates = (await api(s().app, 'GET', '/sso', s().app.adminToken)).body.idpCertificates as unknown[];
    assert.equal(certificates.length, 1);
    const refreshes = (await lastLog(s(), '&outcome=info')).filter((e) => e.kind === 'metadata' && e.summary.startsWith('Metadata refresh'));
    assert.match(refreshes[0]!.summary, /^Metadata refresh \(on schedule\).*removed /);
    assert.match(refreshes[1]!.summary, /^Metadata refresh \(on request\).*added /);
    assert.ok(!refreshes[0]!.summary.includes('added'), 'nothing added by the second refresh');
    assert.notEqual(old, newCertificatePem);
    const again = await ssoSignIn(s(), 'eve');
    assert.notEqual(path(again), `/sso/${SLUG}/acs`, 'sign-in continues after the old certificate is gone');
  });

  test('signed AuthnRequests and encrypted assertions: the IdP validates requests and encrypts to Blanca\'s SP metadata; sign-in still works', async () => {
    const owner = s().owner;
    await owner.goto(`${s().base}/settings/sso`);
    await owner.getByLabel(/Sign authentication requests/).check();
    await owner.getByRole('button', { name: 'Connect', exact: true }).click();
    await owner.waitForURL(`${s().base}/settings/sso`);
    assert.ok(await owner.getByLabel(/Sign authentication requests/).isChecked());
    const metadataXml = await (await fetch(s().spEntityId)).text();
    assert.match(metadataXml, /AuthnRequestsSigned="true"/);
    assert.match(metadataXml, /<md:KeyDescriptor use="encryption">/);
    // The IdP gets Blanca's SP metadata (its certificates), refuses unsigned requests and encrypts the assertion.
    await idp.addSp({ metadataXml, encryptAssertion: true, validateRequests: true });
    try {
      const adam = await ssoSignIn(s(), 'adam');
      assert.equal(path(adam), '/codes', 'signed in with an encrypted assertion');
      const success = (await lastLog(s(), '&outcome=success')).find((e) => e.person === 'adam@example.test');
      assert.ok(success);
      const entry = (await api(s().app, 'GET', `/sso/log/${success.id}`, s().app.adminToken)).body as { xml: string | null };
      assert.match(entry.xml ?? '', /EncryptedAssertion/, 'the IdP really encrypted the assertion');
      const request = (await lastLog(s(), '&outcome=info')).find((e) => e.kind === 'authn_request');
      assert.match(request?.summary ?? '', /signed with the current SP key/);
    } finally {
      await idp.addSp({ metadataXml: await (await fetch(s().spEntityId)).text(), encryptAssertion: false, validateRequests: false });
      const off = await s().app.blanca.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${s().app.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ ssoType: 'user', signAuthnRequests: false }) });
      assert.equal(off.statusCode, 200, off.body);
    }
  });

  sharedScenarios(s);
});

describe('SSO type Subaccount (1:n), real IdP, Chromium', () => {
  let site: Site | undefined;
  const ids: Record<string, string> = {};
  before(async () => {
    await idp.setUsers(people());
    site = await connectInBrowser('subaccount');
    // Article section 2: the white-label users "Marketing" and "Customer Service" exist first.
    const owner = site.owner;
    await owner.goto(`${site.base}/users`);
    for (const name of ['Marketing', 'Customer Service']) {
      await owner.getByRole('link', { name: 'Create user' }).click();
      await owner.getByLabel('Name', { exact: true }).fill(name);
      await owner.getByRole('button', { name: 'Create' }).click();
      await owner.waitForURL(`${site.base}/users`);
      await owner.getByRole('cell', { name, exact: true }).waitFor();
    }
    for (const u of await usersOf(site)) ids[u.name] = u.id;
  });
  after(() => stopSite(site));
  const s = () => site!;

  test('adam lands on the chooser with Marketing and Customer Service, works as one and switches', async () => {
    const page = await ssoSignIn(s(), 'adam');
    assert.equal(path(page), '/sso/choose');
    const choices = await page.locator('#choose-users button').allInnerTexts();
    assert.deepEqual(choices.sort(), ['Work as Customer Service', 'Work as Marketing']);
    await page.getByRole('button', { name: 'Work as Marketing' }).click();
    await page.getByText('You are working as the user "Marketing".').waitFor();
    await page.getByLabel('Work as user').selectOption({ label: 'Customer Service' });
    await page.getByRole('button', { name: 'Switch' }).click();
    await page.getByText('You are working as the user "Customer Service".').waitFor();
    assert.ok(!(await navLinks(page)).includes('Account settings'));
  });

  test('eve (by work email) also chooses; steve goes straight to Customer Service', async () => {
    const eve = await ssoSignIn(s(), 'eve', { via: 'email', email: `eve@${DOMAIN}` });
    assert.equal(path(eve), '/sso/choose');
    await eve.getByRole('button', { name: 'Work as Customer Service' }).click();
    await eve.getByText('You are working as the user "Customer Service".').waitFor();

    const steve = await ssoSignIn(s(), 'steve');
    assert.notEqual(path(steve), '/sso/choose', 'one user: no chooser');
    await steve.getByText('You are working as the user "Customer Service".').waitFor();
    assert.deepEqual(await steve.getByLabel('Work as user').locator('option').allInnerTexts(), ['Customer Service']);
  });

  test('the owner sees SSO subaccounts linked by role (Accounts › Subaccounts); no white-label user was created', async () => {
    const subs = await subaccountsOf(s());
    const linked = (email: string) => subs.find((x) => x.email === email)!;
    assert.equal(linked('adam@example.test').role, 'sso');
    assert.deepEqual(linked('adam@example.test').userIds.sort(), [ids['Customer Service'], ids['Marketing']].sort());
    assert.deepEqual(linked('eve@example.test').userIds.sort(), [ids['Customer Service'], ids['Marketing']].sort());
    assert.deepEqual(linked('steve@example.test').userIds, [ids['Customer Service']]);
    assert.deepEqual((await usersOf(s())).map((u) => u.name).sort(), ['Customer Service', 'Marketing']);
    const owner = s().owner;
    await owner.goto(`${s().base}/subaccounts`);
    assert.match(await owner.getByRole('row', { name: /^Adam / }).innerText(), /SSO\s+(Customer Service, Marketing|Marketing, Customer Service)\s*$/m);
    assert.match(await owner.getByRole('row', { name: /^Steve / }).innerText(), /SSO\s+Customer Service\s*$/m);
  });

  test('nora (no role) gets the no-access page with the roles received and the users that exist', async () => {
    const page = await newPerson();
    const answer = page.waitForResponse((r) => r.url() === `${s().base}/sso/${SLUG}/acs`);
    await ssoSignIn(s(), 'nora', { via: 'button' }, page);
    assert.equal((await answer).status(), 403);
    assert.equal(await page.locator('h1').innerText(), 'No access');
    assert.equal(await page.locator('#roles-received').innerText(), 'none');
    assert.deepEqual((await page.locator('#users-existing li').allInnerTexts()).sort(), ['Customer Service', 'Marketing']);
    await page.screenshot({ path: '/tmp/blanca-sso-no-access.png' }).catch(() => undefined);
    assert.equal((await subaccountsOf(s())).some((x) => x.email === 'nora@example.test'), false);
    const entry = (await lastLog(s(), '&outcome=failure'))[0]!;
    assert.equal(entry.person, 'nora@example.test');
    assert.match(entry.summary, /no usable role/);
  });

  test('a role removed at the IdP removes the link at the next sign-in', async () => {
    await idp.setUsers(people((u) => (u.username === 'adam' ? { ...u, attributes: { ...u.attributes, [ENTRA_CLAIMS.role]: ['Customer Service'] } } : u)));
    try {
      const page = await ssoSignIn(s(), 'adam');
      assert.notEqual(path(page), '/sso/choose');
      await page.getByText('You are working as the user "Customer Service".').waitFor();
      assert.deepEqual((await subaccountsOf(s())).find((x) => x.email === 'adam@example.test')!.userIds, [ids['Customer Service']]);
    } finally {
      await idp.setUsers(people());
    }
    const back = await ssoSignIn(s(), 'adam');
    assert.equal(path(back), '/sso/choose', 'the role given back restores the link');
  });

  test('IdP-initiated sign-in in 1:n: one linked user → the RelayState page; several → the chooser', async () => {
    const page = await newPerson();
    await page.goto(idp.idpInitiatedUrl(s().spEntityId, '/codes'));
    await loginAtIdp(page, 'steve', password('steve'));
    await backAtBlanca(page, s());
    assert.equal(path(page), '/codes');
    await page.getByText('You are working as the user "Customer Service".').waitFor();
    const eve = await newPerson();
    await eve.goto(idp.idpInitiatedUrl(s().spEntityId, '/codes'));
    await loginAtIdp(eve, 'eve', password('eve'));
    await backAtBlanca(eve, s());
    assert.equal(path(eve), '/sso/choose');
  });

  sharedScenarios(s);
});
