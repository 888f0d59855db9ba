import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ENTRA_ATTRIBUTES, ENTRA_ROLE_CLAIM, mapAttributes } from '../../src/sso/attributes.js';
import { provisionPerson as provisionIn } from '../../src/sso/provision.js';
import type { Db } from '../../src/db/database.js';
import type { MappedPerson } from '../../src/sso/attributes.js';

const provisionPerson = (db: Db, accountId: string, type: 'user' | 'subaccount', person: MappedPerson, now: Date) => db.transaction().execute((tx) => provisionIn(tx, accountId, type, person, now));
import { api, describeEachEngine, startTestApp, type TestApp } from '../support/app.js';

const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';
function entraPerson(login: string, display: string, roles: string[] = [], roleClaim = 'Role') {
  return mapAttributes(ENTRA_ATTRIBUTES, `${login}@example.test`, {
    [`${CLAIMS}/givenname`]: [display],
    [`${CLAIMS}/surname`]: ['Example'],
    [`${CLAIMS}/emailaddress`]: [`${login}@example.test`],
    'http://schemas.microsoft.com/identity/claims/displayname': [display],
    ...(roles.length ? { [roleClaim]: roles } : {}),
  });
}

test('attribute mapping: Entra names, the standard role claim, fallbacks for the name', () => {
  const mapped = entraPerson('eve', 'Eve', ['Marketing', 'Customer Service'], ENTRA_ROLE_CLAIM);
  assert.deepEqual(mapped.roles, ['Marketing', 'Customer Service']);
  assert.equal(mapped.name, 'Eve');
  assert.equal(mapped.email, 'eve@example.test');
  const bare = mapAttributes(ENTRA_ATTRIBUTES, 'nameid-123', { [`${CLAIMS}/givenname`]: ['Ana'], [`${CLAIMS}/surname`]: ['Ruiz'] });
  assert.equal(bare.name, 'Ana Ruiz');
  assert.equal(bare.email, null);
  assert.equal(mapAttributes(ENTRA_ATTRIBUTES, 'nameid-123', {}).name, 'nameid-123');
});

describeEachEngine('just-in-time provisioning', (engine) => {
  let app: TestApp;
  let db: TestApp['blanca']['deps']['db'];
  before(async () => {
    app = await startTestApp(engine);
    db = app.blanca.deps.db;
  });
  after(() => app.close());

  test('User (1:1): Adam, Eve and Steve become white-label users; later sign-ins update them', async () => {
    for (const [login, name] of [['adam', 'Adam'], ['eve', 'Eve'], ['steve', 'Steve']] as const) {
      const outcome = await provisionPerson(db, app.accountId, 'user', entraPerson(login, name), new Date());
      assert.equal(outcome.kind, 'signed_in');
      if (outcome.kind === 'signed_in') assert.deepEqual([outcome.principal.kind, outcome.principal.name, outcome.report.target?.created], ['user', name, true]);
    }
    const again = await provisionPerson(db, app.accountId, 'user', entraPerson('adam', 'Adam Smith'), new Date());
    assert.equal(again.kind === 'signed_in' && again.report.target?.created, false);
    const users = (await api(app, 'GET', '/users', app.adminToken)).body.users.map((u: { name: string; createdBySso: boolean }) => `${u.name}:${u.createdBySso}`);
    assert.deepEqual(users.sort(), ['Adam Smith:true', 'Eve:true', 'Steve:true']);
  });

  test('whitelabel_admin and whitelabel_manager make Juan an administrator and Monica a manager', async () => {
    const juan = await provisionPerson(db, app.accountId, 'user', entraPerson('juan', 'Juan', ['whitelabel_admin']), new Date());
    const monica = await provisionPerson(db, app.accountId, 'subaccount', entraPerson('monica', 'Monica', ['whitelabel_manager']), new Date());
    assert.ok(juan.kind === 'signed_in' && juan.principal.kind === 'subaccount');
    assert.ok(monica.kind === 'signed_in' && monica.principal.kind === 'subaccount');
    const subs = (await api(app, 'GET', '/subaccounts', app.adminToken)).body.subaccounts;
    assert.equal(subs.find((s: { email: string }) => s.email === 'juan@example.test').role, 'admin');
    assert.equal(subs.find((s: { email: string }) => s.email === 'monica@example.test').role, 'manager');
    // Losing the role at the IdP takes the rights away at the next sign-in.
    const demoted = await provisionPerson(db, app.accountId, 'user', entraPerson('juan', 'Juan'), new Date());
    assert.ok(demoted.kind === 'signed_in' && demoted.principal.kind === 'user');
    const after = (await api(app, 'GET', '/subaccounts', app.adminToken)).body.subaccounts;
    assert.equal(after.find((s: { email: string }) => s.email === 'juan@example.test').role, 'sso');
  });

  test('Subaccount (1:n): SSO subaccounts linked by role names; links follow the roles', async () => {
    const other = await startTestApp(engine);
    try {
      const odb = other.blanca.deps.db;
      const marketing = (await api(other, 'POST', '/users', other.adminToken, { name: 'Marketing' })).body;
      const service = (await api(other, 'POST', '/users', other.adminToken, { name: 'Customer Service' })).body;
      const adam = await provisionPerson(odb, other.accountId, 'subaccount', entraPerson('adam', 'Adam', ['Marketing', 'Customer Service', 'Sales']), new Date());
      assert.equal(adam.kind, 'signed_in');
      if (adam.kind !== 'signed_in') return;
      assert.equal(adam.chooseUser, true, 'two users: the person chooses');
      assert.deepEqual(adam.report.linkedUsers.sort(), ['Customer Service', 'Marketing']);
      assert.deepEqual(adam.report.ignoredRoles, [{ role: 'Sales', why: 'no white-label user has the SSO role value "Sales" (compared ignoring case, spaces, _ - .)' }]);
      const steve = await provisionPerson(odb, other.accountId, 'subaccount', entraPerson('steve', 'Steve', ['Customer Service']), new Date());
      assert.ok(steve.kind === 'signed_in' && steve.actingUserId === service.id && !steve.chooseUser, 'one user: straight in');
      const subs = (await api(other, 'GET', '/subaccounts', other.adminToken)).body.subaccounts;
      const adamRow = subs.find((s: { email: string }) => s.email === 'adam@example.test');
      assert.equal(adamRow.role, 'sso');
      assert.deepEqual(adamRow.userIds.sort(), [marketing.id, service.id].sort());
      // Marketing removed at the IdP → the link goes at the next sign-in.
      await provisionPerson(odb, other.accountId, 'subaccount', entraPerson('adam', 'Adam', ['Customer Service']), new Date());
      const after = (await api(other, 'GET', `/subaccounts/${adamRow.id}`, other.adminToken)).body;
      assert.deepEqual(after.userIds, [service.id]);
      // No usable role: no access, and the remaining links are gone too.
      const none = await provisionPerson(odb, other.accountId, 'subaccount', entraPerson('adam', 'Adam', ['Nothing']), new Date());
      assert.equal(none.kind, 'no_access');
      if (none.kind === 'no_access') {
        assert.deepEqual(none.rolesReceived, ['Nothing']);
        assert.deepEqual(none.existingUsers.sort(), ['Customer Service', 'Marketing']);
      }
      assert.deepEqual((await api(other, 'GET', `/subaccounts/${adamRow.id}`, other.adminToken)).body.userIds, []);
      const nora = await provisionPerson(odb, other.accountId, 'subaccount', entraPerson('nora', 'Nora'), new Date());
      assert.equal(nora.kind, 'no_access');
      const count = await odb.selectFrom('subaccounts').select('id').where('email', '=', 'nora@example.test').execute();
      assert.equal(count.length, 0, 'nothing is created for a person without access');
    } finally {
      await other.close();
    }
  });
});
