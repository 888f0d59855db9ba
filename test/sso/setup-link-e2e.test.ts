/**
 * Issue 11 item 8, as it is checked: the customer's IT contact gets an SSO set-up link from an
 * administrator, opens it in Chromium, connects a real IdP (SimpleSAMLphp on loopback, metadata URL
 * → Enter → Connect), registers the SP descriptor at the IdP, runs Test connection, and can reach
 * nothing else. The walk-through's copy button copies the exact value. SQLite only (the storage paths
 * run on both engines in setup-links.test.ts).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { api, startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser, loginAtIdp, type BrowserHandle } from '../support/browser.js';
import { startSimpleSamlIdp, type IdpHandle } from '../support/simplesamlphp.js';

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
let context: BrowserContext;

before(async () => {
  [idp, browser] = await Promise.all([startSimpleSamlIdp(), launchBrowser()]);
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    app = await startTestApp('sqlite', { env: { PUBLIC_URL: base, SSO_METADATA_ALLOWED_HOSTS: '127.0.0.1' } });
    try {
      await app.blanca.app.listen({ port, host: '127.0.0.1' });
      break;
    } catch (error) {
      await app.close();
      if (attempt >= 2) throw error;
    }
  }
  await setSsoEnabled(app.blanca.deps.db, app.accountId, true, new Date());
  for (const name of ['Marketing', 'Customer Service']) assert.equal((await api(app, 'POST', '/users', app.adminToken, { name, maxCodes: 10, features: [] })).status, 201);
  context = await browser.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
});
after(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close();
  await app?.close();
  await idp?.stop();
});

test('the IT contact opens the set-up link, connects, runs Test connection, and can reach nothing else', async () => {
  const created = await api(app, 'POST', '/sso/setup-links', app.adminToken, { label: 'Contoso IT', expiresInHours: 24 });
  assert.equal(created.status, 201);
  const page: Page = await context.newPage();

  // The link: an invitation page, then Continue starts the restricted session on the SSO tab.
  await page.goto(created.body.url);
  await page.getByText('Contoso IT', { exact: false }).first().waitFor();
  await page.getByRole('button', { name: 'Continue to the SSO tab' }).click();
  await page.waitForURL(`${base}/settings/sso`);
  await page.locator('#setup-link-banner').waitFor();
  assert.deepEqual(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts(), ['SSO']);

  // Connect: the metadata URL, then Enter in that field submits Connect (not "Read from URL").
  await page.getByLabel(/Subaccount \(1:n\)/).check();
  await page.getByLabel('IdP SSO descriptor URL').fill(idp.metadataUrl);
  await page.getByLabel('IdP SSO descriptor URL').press('Enter');
  await page.waitForURL(`${base}/settings/sso`);
  await page.getByText('Connected. Give the SP descriptor to your IdP.').first().waitFor();
  assert.equal(await page.locator('#sso-status').innerText(), 'Connected');
  const view = (await api(app, 'GET', '/sso', app.adminToken)).body;
  assert.equal(view.idpEntityId, idp.entityId);
  assert.equal(view.ssoType, 'subaccount');

  // The walk-through's copy button puts exactly Entra's Identifier (Entity ID) on the clipboard.
  const entra = page.locator('#wt-entra');
  await entra.getByRole('button', { name: 'Copy: Identifier (Entity ID)' }).click();
  await entra.getByRole('button', { name: 'Copy: Identifier (Entity ID)' }).getByText('Copied').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), view.sp.entityId);
  assert.ok(await entra.getByText('CustomerService', { exact: true }).isVisible());

  // The IdP side of the article: upload the SP descriptor.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download descriptor XML' }).click()]);
  await idp.addSp({ metadataXml: await readFile(await download.path(), 'utf8') });

  // Test connection: IdP → ACS → the report, in the restricted session.
  await page.getByRole('button', { name: 'Test connection' }).click();
  await loginAtIdp(page, 'adam', 'adam-Passw0rd!');
  await page.waitForURL(/\/settings\/sso\/log\/[^/]+$/);
  assert.equal(await page.locator('#log-outcome').innerText(), 'info');
  assert.match(await page.locator('#log-summary').innerText(), /^Test connection succeeded for adam@example\.test/);
  assert.ok(await page.locator('#log-xml').isVisible());
  await page.goto(`${base}/settings/sso`);
  assert.match(await page.locator('#latest-success, #latest-failure').allInnerTexts().then((t) => t.join(' ')), /Latest/);

  // Nothing else: every other page does not exist for this session.
  for (const path of ['/', '/users', '/codes', '/subaccounts', '/settings', '/audit', '/tokens', '/security']) {
    const response = await page.goto(`${base}${path}`);
    assert.equal(response?.status(), 404, path);
  }
  const actions = (await api(app, 'GET', '/audit?limit=20', app.adminToken)).body.entries.filter((e: { actor: { kind: string } }) => e.actor.kind === 'sso_setup').map((e: { action: string }) => e.action);
  assert.ok(actions.includes('sso.setup_link_open') && actions.includes('sso.connect'), actions.join(', '));

  // Revoked: the next request is signed out.
  await api(app, 'DELETE', `/sso/setup-links/${created.body.link.id}`, app.adminToken);
  await page.goto(`${base}/settings/sso`);
  await page.waitForURL((url) => url.pathname === '/login');
});
