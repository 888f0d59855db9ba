/**
 * Issue 11 item 2: SSO role values. Each white-label user has a space-free value derived from its name
 * (CustomerService), editable and unique in the account (compared ignoring case and space _ - .), listed
 * on the SSO tab; 1:n roles reach users through it — also through the real SimpleSAMLphp IdP.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { ENTRA_ATTRIBUTES, mapAttributes } from '../../src/sso/attributes.js';
import { provisionPerson } from '../../src/sso/provision.js';
import { deriveRoleValue, roleKey } from '../../src/users/role-values.js';
import { api, describeEachEngine, OWNER_PASSWORD, startTestApp, type TestApp } from '../support/app.js';
import { PortalClient } from '../support/portal.js';
import { samlSignInOverHttp } from '../support/saml-http.js';
import { ENTRA_CLAIMS, startSimpleSamlIdp, type IdpHandle, type IdpUser } from '../support/simplesamlphp.js';

test('derived values and the comparison key', () => {
  assert.equal(deriveRoleValue('Customer Service'), 'CustomerService');
  assert.equal(deriveRoleValue('Atención al cliente'), 'AtencionAlCliente');
  assert.equal(deriveRoleValue('marketing & sales (EU)'), 'MarketingSalesEU');
  assert.equal(deriveRoleValue('***'), 'User');
  for (const v of ['Customer Service', 'CustomerService', 'customer_service', 'customer-service', 'Customer.Service', 'CUSTOMERSERVICE']) assert.equal(roleKey(v), 'customerservice', v);
});

const person = (login: string, roles: string[]) =>
  mapAttributes(ENTRA_ATTRIBUTES, `${login}@example.test`, { [ENTRA_CLAIMS.email]: [`${login}@example.test`], [ENTRA_CLAIMS.displayName]: [login], ...(roles.length ? { Role: roles } : {}) });

describeEachEngine('SSO role values', (engine) => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp(engine);
  });
  after(() => app.close());

  test('derived on create, unique by key (409 with the field), editable, shown in the API', async () => {
    const service = (await api(app, 'POST', '/users', app.adminToken, { name: 'Customer Service' })).body;
    assert.equal(service.ssoRoleValue, 'CustomerService');
    assert.equal(service.active, true);
    const second = (await api(app, 'POST', '/users', app.adminToken, { name: 'Customer-Service' })).body;
    assert.equal(second.ssoRoleValue, 'CustomerService2', 'the derived value is made unique');
    const clash = await api(app, 'PATCH', `/users/${second.id}`, app.adminToken, { ssoRoleValue: 'customer_service' });
    assert.equal(clash.status, 409);
    assert.equal(clash.body.errors[0].path, 'ssoRoleValue');
    assert.match(clash.body.errors[0].message, /Customer Service/);
    const spaces = await api(app, 'PATCH', `/users/${second.id}`, app.adminToken, { ssoRoleValue: 'Customer Service' });
    assert.equal(spaces.status, 400, 'Entra values have no spaces');
    assert.equal(spaces.body.errors[0].path, 'ssoRoleValue');
    const renamed = await api(app, 'PATCH', `/users/${second.id}`, app.adminToken, { ssoRoleValue: 'Support' });
    assert.equal(renamed.body.ssoRoleValue, 'Support');
    const created = await api(app, 'POST', '/users', app.adminToken, { name: 'Marketing', ssoRoleValue: 'support' });
    assert.equal(created.status, 409);
  });

  test('1:n roles reach users by role value: Customer Service, CustomerService and customer_service alike', async () => {
    const db = app.blanca.deps.db;
    const users = (await api(app, 'GET', '/users', app.adminToken)).body.users as Array<{ id: string; name: string }>;
    const service = users.find((u) => u.name === 'Customer Service')!;
    for (const [login, role] of [['ana', 'Customer Service'], ['bo', 'CustomerService'], ['cy', 'customer_service']] as const) {
      const outcome = await db.transaction().execute((tx) => provisionPerson(tx, app.accountId, 'subaccount', person(login, [role]), new Date()));
      assert.ok(outcome.kind === 'signed_in' && outcome.actingUserId === service.id, `${role} → ${JSON.stringify(outcome)}`);
    }
    const none = await db.transaction().execute((tx) => provisionPerson(tx, app.accountId, 'subaccount', person('dee', ['Sales']), new Date()));
    assert.equal(none.kind, 'no_access');
    if (none.kind === 'no_access') assert.deepEqual([...none.expectedRoleValues].sort(), ['CustomerService', 'Support']);
  });

  test('the SSO tab lists the values to create in Entra', async () => {
    await setSsoEnabled(app.blanca.deps.db, app.accountId, true, new Date());
    const owner = new PortalClient(app.blanca.app);
    await owner.signIn(app.ownerEmail, OWNER_PASSWORD);
    const tab = await owner.get('/settings/sso');
    assert.equal(tab.status, 200);
    const section = /<section[^>]*id="sso-role-values"[\s\S]*?<\/section>/.exec(tab.body)?.[0] ?? '';
    assert.match(section, /<code>CustomerService<\/code>/);
    assert.match(section, /<code>Support<\/code>/);
    // The Provisioning block: Tenant URL with Copy, no token yet; creating one shows the secret once.
    assert.match(tab.body, /<code id="scim-tenant-url">http:\/\/localhost:3000\/scim\/v2\/[a-z0-9-]+<\/code> <button type="button" class="secondary" data-copy=/);
    assert.match(tab.body, /id="scim-off"/);
    const created = await owner.post('/settings/sso/scim-tokens', { name: 'Entra' });
    assert.equal(created.status, 200);
    const secret = /<code id="scim-secret">(scim_[^<]+)<\/code>/.exec(created.body)?.[1];
    assert.ok(secret, 'the secret is shown once');
    const probe = await app.blanca.app.inject({ method: 'GET', url: `/scim/v2/${(await app.blanca.deps.db.selectFrom('accounts').select('slug').where('id', '=', app.accountId).executeTakeFirstOrThrow()).slug}/Users?filter=${encodeURIComponent('userName eq "x"')}`, headers: { authorization: `Bearer ${secret}` } });
    assert.equal(probe.statusCode, 200);
    const again = await owner.get('/settings/sso');
    assert.doesNotMatch(again.body, new RegExp(secret!.split('.')[1]!), 'never shown again');
    const id = /action="\/settings\/sso\/scim-tokens\/([^/]+)\/revoke"/.exec(again.body)?.[1];
    assert.equal((await owner.post(`/settings/sso/scim-tokens/${id}/revoke`, {})).status, 303);
    assert.match((await owner.get('/settings/sso')).body, /id="scim-off"/);
  });
});

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

function idpUser(username: string, roles: string[]): IdpUser {
  const email = `${username}@example.test`;
  return { username, password: `${username}-Passw0rd!`, nameId: email, attributes: { [ENTRA_CLAIMS.email]: [email], [ENTRA_CLAIMS.displayName]: [username], [ENTRA_CLAIMS.givenName]: [username], [ENTRA_CLAIMS.surname]: ['Example'], [ENTRA_CLAIMS.role]: roles } };
}

/** Blanca listening on loopback, connected in `ssoType` to a fresh SimpleSAMLphp with `users`. */
export async function connectedSite(ssoType: 'user' | 'subaccount', users: IdpUser[]): Promise<{ app: TestApp; base: string; idp: IdpHandle; slug: string; close(): Promise<void> }> {
  const idp = await startSimpleSamlIdp({ users });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = await startTestApp('sqlite', { env: { PUBLIC_URL: base, SSO_METADATA_ALLOWED_HOSTS: '127.0.0.1' } });
  await app.blanca.app.listen({ port, host: '127.0.0.1' });
  await setSsoEnabled(app.blanca.deps.db, app.accountId, true, new Date());
  const connected = await api(app, 'PUT', '/sso', app.adminToken, { ssoType, idpMetadataXml: await idp.fetchMetadata() });
  assert.equal(connected.status, 200, JSON.stringify(connected.body));
  const slug = (await app.blanca.deps.db.selectFrom('accounts').select('slug').where('id', '=', app.accountId).executeTakeFirstOrThrow()).slug;
  await idp.addSp({ metadataXml: await (await fetch(`${base}/sso/${slug}/metadata`)).text() });
  return { app, base, idp, slug, close: async () => { await app.close(); await idp.stop(); } };
}

describe('SSO role values through SimpleSAMLphp (Subaccount 1:n)', () => {
  let site: Awaited<ReturnType<typeof connectedSite>>;
  before(async () => {
    site = await connectedSite('subaccount', [idpUser('bo', ['CustomerService']), idpUser('cy', ['customer_service']), idpUser('dee', ['Sales'])]);
  });
  after(() => site?.close());

  test('CustomerService and customer_service both reach "Customer Service"; a wrong value shows the expected ones', async () => {
    const service = (await api(site.app, 'POST', '/users', site.app.adminToken, { name: 'Customer Service' })).body;
    for (const login of ['bo', 'cy']) {
      const answer = await samlSignInOverHttp(site.base, site.slug, site.idp, login, `${login}-Passw0rd!`);
      assert.equal(answer.status, 303, answer.body.slice(0, 300));
      assert.ok(answer.session, 'signed in');
    }
    const subs = (await api(site.app, 'GET', '/subaccounts', site.app.adminToken)).body.subaccounts as Array<{ email: string; userIds: string[] }>;
    for (const email of ['bo@example.test', 'cy@example.test']) assert.deepEqual(subs.find((s) => s.email === email)?.userIds, [service.id], email);
    const refused = await samlSignInOverHttp(site.base, site.slug, site.idp, 'dee', 'dee-Passw0rd!');
    assert.equal(refused.status, 403);
    assert.match(refused.body, /<ul id="roles-expected"><li>CustomerService — gives access to “Customer Service”<\/li><\/ul>/);
    const log = (await api(site.app, 'GET', '/sso/log?outcome=failure', site.app.adminToken)).body.entries as Array<{ summary: string }>;
    assert.match(log[0]!.summary, /Expected one of: CustomerService\./);
  });
});
