import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { resolveActor } from '../../src/auth/resolve.js';
import { createSubaccount } from '../../src/subaccounts/service.js';
import { createUser } from '../../src/users/service.js';
import { provisionPerson } from '../../src/sso/provision.js';
import { AppError } from '../../src/platform/errors.js';
import { api, describeEachEngine, OWNER_PASSWORD, ownerActor, startTestApp, tokenFor, type TestApp } from '../support/app.js';
import { PortalClient } from '../support/portal.js';

// Issue 9 item 5: a non-owner administrator could set the owner's password and then sign in
// as the owner. Only the owner changes the owner's credentials; nobody demotes, deletes or
// acts as the owner — through the portal, the API, or "log in as".
describeEachEngine('account owner protection', (engine) => {
  let app: TestApp;
  let ownerId: string;
  let adminToken: string;
  const ADMIN_PASSWORD = 'admin-password-123';

  before(async () => {
    app = await startTestApp(engine);
    const owner = await ownerActor(app.blanca, app.accountId);
    ownerId = owner.id;
    const c = { db: app.blanca.deps.db, now: new Date(), actor: owner };
    const admin = await createSubaccount(c, { email: 'second-admin@example.com', name: 'Second admin', role: 'admin', password: ADMIN_PASSWORD, userIds: [] });
    await createUser(c, { name: 'Marketing', maxCodes: 5, features: [] });
    // An account token made by the second administrator (tokens carry administrator rights).
    adminToken = await tokenFor(app.blanca, app.accountId, (await resolveActor(app.blanca.deps.db, app.accountId, 'subaccount', admin.id))!);
  });
  after(() => app.close());

  async function signedInAdmin(): Promise<PortalClient> {
    const client = new PortalClient(app.blanca.app);
    const signIn = await client.signIn('second-admin@example.com', ADMIN_PASSWORD);
    assert.equal(signIn.status, 303);
    return client;
  }

  async function ownerCanSignInWith(password: string): Promise<boolean> {
    const client = new PortalClient(app.blanca.app);
    const response = await client.signIn(app.ownerEmail, password);
    return response.status === 303 && !String(response.location).startsWith('/login');
  }

  test('portal: another administrator cannot set the owner\'s password, email or role', async () => {
    const admin = await signedInAdmin();
    const form = await admin.get(`/subaccounts/${ownerId}/edit`);
    assert.equal(form.status, 200);
    assert.doesNotMatch(form.body, /name="password"/, 'the owner\'s edit form offers no password field to others');
    assert.doesNotMatch(form.body, /name="email"/);
    assert.match(form.body, /Only the owner can change/);

    const takeover = await admin.post(`/subaccounts/${ownerId}`, { name: 'Owner', email: app.ownerEmail, role: 'admin', password: 'taken-over-password-1' });
    assert.equal(takeover.status, 403);
    const newEmail = await admin.post(`/subaccounts/${ownerId}`, { name: 'Owner', email: 'attacker@example.com' });
    assert.equal(newEmail.status, 403);
    assert.equal(await ownerCanSignInWith('taken-over-password-1'), false, 'the attacker\'s password does not open the owner\'s account');
    assert.equal(await ownerCanSignInWith(OWNER_PASSWORD), true);
  });

  test('portal: the owner cannot be deleted, and "log in as" never reaches the owner', async () => {
    const admin = await signedInAdmin();
    await admin.get('/subaccounts');
    const del = await admin.post(`/subaccounts/${ownerId}/delete`, {});
    assert.equal(del.status, 400);
    const actAs = await admin.post(`/users/${ownerId}/act-as`, {});
    assert.equal(actAs.status, 404, 'the owner is not a white-label user one can work as');
    const actAsBody = await admin.post('/act-as', { userId: ownerId });
    assert.equal(actAsBody.status, 404);
    assert.equal(await ownerCanSignInWith(OWNER_PASSWORD), true);
  });

  test('API: no token changes the owner\'s password, email or role, nor deletes the owner', async () => {
    for (const body of [{ password: 'taken-over-password-2' }, { email: 'attacker@example.com' }, { role: 'manager' }]) {
      const response = await api(app, 'PATCH', `/subaccounts/${ownerId}`, adminToken, body);
      assert.equal(response.status, 403, JSON.stringify(body));
    }
    assert.equal((await api(app, 'DELETE', `/subaccounts/${ownerId}`, adminToken)).status, 400);
    const owner = await api(app, 'GET', `/subaccounts/${ownerId}`, adminToken);
    assert.equal(owner.body.email, app.ownerEmail);
    assert.equal(owner.body.role, 'admin');
    assert.equal(await ownerCanSignInWith('taken-over-password-2'), false);
    // Renaming the owner or changing the owner's links is not a credential: still allowed.
    assert.equal((await api(app, 'PATCH', `/subaccounts/${ownerId}`, adminToken, { name: 'The owner' })).status, 200);
  });

  test('single sign-on never signs anyone in as the owner (an administrator controls the IdP)', async () => {
    const db = app.blanca.deps.db;
    const sessionsBefore = await db.selectFrom('sessions').select('id').where('principal_id', '=', ownerId).execute();
    for (const [type, roles] of [['user', ['whitelabel_admin']], ['subaccount', ['whitelabel_admin']], ['subaccount', ['Marketing']]] as const) {
      const person = { nameId: 'attacker-controlled', email: app.ownerEmail, name: 'Owner', roles: [...roles] };
      await assert.rejects(
        db.transaction().execute((tx) => provisionPerson(tx, app.accountId, type, person as never, new Date())),
        (error: unknown) => error instanceof AppError && error.code === 'forbidden',
        `${type} ${roles.join(',')}`,
      );
    }
    const owner = await db.selectFrom('subaccounts').select(['sso_subject', 'role', 'name']).where('id', '=', ownerId).executeTakeFirstOrThrow();
    assert.equal(owner.sso_subject, null, 'the owner was not linked to the IdP identity');
    assert.equal(owner.role, 'admin');
    assert.equal((await db.selectFrom('sessions').select('id').where('principal_id', '=', ownerId).execute()).length, sessionsBefore.length);
  });

  test('the owner changes the owner\'s own password', async () => {
    const owner = new PortalClient(app.blanca.app);
    await owner.signIn(app.ownerEmail, OWNER_PASSWORD);
    const form = await owner.get(`/subaccounts/${ownerId}/edit`);
    assert.match(form.body, /name="password"/);
    const saved = await owner.post(`/subaccounts/${ownerId}`, { name: 'Owner', email: app.ownerEmail, password: 'owner-new-password-1' });
    assert.equal(saved.status, 303);
    assert.equal(await ownerCanSignInWith('owner-new-password-1'), true);
  });
});
