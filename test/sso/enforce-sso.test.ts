/**
 * Issue 11 item 6: "Enforce SSO". Password sign-in is off for everyone but the account owner
 * (break-glass); the setting is on the SSO tab API and audited on change; the login page says so.
 * A wrong password still gets the usual answer; a right one is told to use SSO. On both engines.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { testKeys } from '../support/saml-fixtures.js';
import { api, describeEachEngine, OWNER_PASSWORD, startTestApp, type TestApp } from '../support/app.js';
import { PortalClient } from '../support/portal.js';

const MANAGER_PASSWORD = 'manager-password-123';

describeEachEngine('enforce SSO', (engine) => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp(engine);
    await setSsoEnabled(app.blanca.deps.db, app.accountId, true, new Date());
    const created = await api(app, 'POST', '/subaccounts', app.adminToken, { email: 'mia@example.com', name: 'Mia', role: 'manager', password: MANAGER_PASSWORD });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });
  after(() => app.close());

  const put = (body: Record<string, unknown>) => api(app, 'PUT', '/sso', app.adminToken, { ssoType: 'user', idpEntityId: 'https://idp.test/', idpSsoUrl: 'https://idp.test/sso', idpCertificates: [testKeys.idpA.cert], ...body });
  async function signIn(identifier: string, password: string, locale?: string) {
    const client = new PortalClient(app.blanca.app, locale ? { 'accept-language': locale } : {});
    const page = await client.get('/login?account=acme');
    const response = await client.post('/login', { account: 'acme', identifier, password });
    return { page, response };
  }

  test('off by default: the manager signs in with a password', async () => {
    const connected = await put({});
    assert.equal(connected.status, 200, JSON.stringify(connected.body));
    assert.equal((connected.body as { enforceSso: boolean }).enforceSso, false);
    assert.equal((await signIn('mia@example.com', MANAGER_PASSWORD)).response.status, 303);
  });

  test('on: the manager is told to use SSO, a wrong password gets the usual answer, the owner still gets in; audited', async () => {
    const on = await put({ enforceSso: true });
    assert.equal(on.status, 200, JSON.stringify(on.body));
    assert.equal((on.body as { enforceSso: boolean }).enforceSso, true);
    assert.equal((await put({})).status, 200, 'saving again without the field keeps it on');
    assert.equal(((await api(app, 'GET', '/sso', app.adminToken)).body as { enforceSso: boolean }).enforceSso, true);

    const refused = await signIn('mia@example.com', MANAGER_PASSWORD);
    assert.equal(refused.response.status, 403);
    assert.match(refused.response.body, /This account signs in with single sign-on/);
    assert.match(refused.response.body, /id="sso-account-button"/, 'the SSO button is on the same page');
    assert.match(refused.page.body, /id="sso-enforced"/, 'the login page says to use SSO');
    assert.doesNotMatch(String(refused.response.headers['set-cookie'] ?? ''), /qrp_session=[^;]/, 'no session');

    const wrong = await signIn('mia@example.com', 'not-the-password');
    assert.equal(wrong.response.status, 401);
    assert.doesNotMatch(wrong.response.body, /signs in with single sign-on: password/);

    const spanish = await signIn('mia@example.com', MANAGER_PASSWORD, 'es');
    assert.match(spanish.response.body, /Esta cuenta inicia sesión con inicio de sesión único/);

    assert.equal((await signIn('owner@example.com', OWNER_PASSWORD)).response.status, 303, 'the owner is the break-glass account');

    const audit = await app.blanca.deps.db.selectFrom('audit_log').select(['action']).where('account_id', '=', app.accountId).where('action', 'in', ['sso.enforce_on', 'sso.enforce_off']).execute();
    assert.deepEqual(audit.map((a) => a.action), ['sso.enforce_on'], 'audited once, on the change only');
  });

  test('off again: audited, and the manager signs in with a password', async () => {
    assert.equal((await put({ enforceSso: false })).status, 200);
    assert.equal((await signIn('mia@example.com', MANAGER_PASSWORD)).response.status, 303);
    const audit = await app.blanca.deps.db.selectFrom('audit_log').select(['action']).where('account_id', '=', app.accountId).where('action', '=', 'sso.enforce_off').execute();
    assert.equal(audit.length, 1);
  });
});
