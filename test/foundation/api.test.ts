import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { api, createOtherAccount, describeEachEngine, startTestApp, type TestApp } from '../support/app.js';

describeEachEngine('users, subaccounts and account API', (engine) => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp(engine);
  });
  after(() => app.close());

  test('creates, lists, edits and deletes white-label users', async () => {
    const created = await api(app, 'POST', '/users', app.adminToken, { name: 'Marketing', email: 'marketing@example.com', maxCodes: 50 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.name, 'Marketing');
    assert.equal(created.body.maxCodes, 50);
    assert.deepEqual(created.body.features, ['static_codes', 'dynamic_codes', 'design', 'bulk_create', 'analytics', 'api_access']);
    assert.equal('password_hash' in created.body, false, 'rows never leak as payloads');

    const list = await api(app, 'GET', '/users', app.adminToken);
    assert.deepEqual(list.body.users.map((u: { name: string }) => u.name), ['Marketing']);

    const edited = await api(app, 'PATCH', `/users/${created.body.id}`, app.adminToken, { maxCodes: 75, features: ['static_codes'] });
    assert.equal(edited.status, 200);
    assert.equal(edited.body.maxCodes, 75);
    assert.deepEqual(edited.body.features, ['static_codes']);

    const duplicate = await api(app, 'POST', '/users', app.adminToken, { name: 'Marketing' });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.body.errors[0].path, 'name');

    assert.equal((await api(app, 'DELETE', `/users/${created.body.id}`, app.adminToken)).status, 204);
    assert.equal((await api(app, 'GET', `/users/${created.body.id}`, app.adminToken)).status, 404);
  });

  test('rejects bad input at the door with field paths', async () => {
    const bad = await api(app, 'POST', '/users', app.adminToken, { name: '', email: 'not-an-email', maxCodes: -1, features: ['flying'], extra: 1 });
    assert.equal(bad.status, 400);
    assert.equal(bad.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(bad.body.code, 'validation_failed');
    const paths = bad.body.errors.map((e: { path: string }) => e.path).sort();
    for (const expected of ['email', 'maxCodes', 'name']) assert.ok(paths.includes(expected), `error for ${expected} in ${paths}`);
    assert.ok(bad.body.errors.find((e: { path: string }) => e.path === 'email').message.includes('email'));
    const missing = await api(app, 'POST', '/subaccounts', app.adminToken, { name: 'x' });
    assert.equal(missing.status, 400);
    assert.ok(missing.body.errors.some((e: { path: string; message: string }) => e.path === 'email' && /required/.test(e.message)));
  });

  test('a failed write leaves nothing half-written', async () => {
    const user = await api(app, 'POST', '/users', app.adminToken, { name: 'Support' });
    const before = await app.blanca.deps.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const bad = await api(app, 'POST', '/subaccounts', app.adminToken, { name: 'Lead', email: 'lead@example.com', role: 'team_leader', userIds: [user.body.id, 'no-such-user'] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].path, 'userIds[1]');
    const subaccounts = await app.blanca.deps.db.selectFrom('subaccounts').select('email').where('email', '=', 'lead@example.com').execute();
    assert.equal(subaccounts.length, 0);
    const after = await app.blanca.deps.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n));
  });

  test('subaccounts with roles and assigned users; audit records who did what', async () => {
    const marketing = await api(app, 'POST', '/users', app.adminToken, { name: 'Marketing 2' });
    const lead = await api(app, 'POST', '/subaccounts', app.adminToken, { name: 'Lena', email: 'Lena@Example.com', role: 'team_leader', password: 'lena-password-1', userIds: [marketing.body.id] });
    assert.equal(lead.status, 201, JSON.stringify(lead.body));
    assert.equal(lead.body.email, 'lena@example.com');
    assert.deepEqual(lead.body.userIds, [marketing.body.id]);
    const moved = await api(app, 'PATCH', `/subaccounts/${lead.body.id}`, app.adminToken, { role: 'manager', userIds: [] });
    assert.equal(moved.body.role, 'manager');
    assert.deepEqual(moved.body.userIds, []);
    const audit = await api(app, 'GET', '/audit?limit=10', app.adminToken);
    const actions = audit.body.entries.map((e: { action: string }) => e.action);
    assert.ok(actions.includes('subaccount.update') && actions.includes('subaccount.create') && actions.includes('user.create'), actions.join());
    const entry = audit.body.entries.find((e: { action: string }) => e.action === 'subaccount.update');
    assert.equal(entry.object.label, 'lena@example.com');
    assert.match(entry.actor.label, /API token/);
  });

  test('account settings and branding', async () => {
    const updated = await api(app, 'PATCH', '/account', app.adminToken, { name: 'Acme Iberia', primaryColor: '#AA0000', defaultLocale: 'es' });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.primaryColor, '#aa0000');
    assert.equal(updated.body.defaultLocale, 'es');
    const bad = await api(app, 'PATCH', '/account', app.adminToken, { primaryColor: 'red' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].path, 'primaryColor');
  });

  test("another account's objects answer 404", async () => {
    const other = await createOtherAccount(app);
    const mine = await api(app, 'POST', '/users', app.adminToken, { name: 'Private' });
    assert.equal((await api(app, 'GET', `/users/${mine.body.id}`, other.adminToken)).status, 404);
    assert.equal((await api(app, 'PATCH', `/users/${mine.body.id}`, other.adminToken, { maxCodes: 1 })).status, 404);
    assert.equal((await api(app, 'DELETE', `/users/${mine.body.id}`, other.adminToken)).status, 404);
    const theirs = await api(app, 'GET', '/users', other.adminToken);
    assert.deepEqual(theirs.body.users, []);
    const link = await api(app, 'POST', '/subaccounts', other.adminToken, { name: 'Spy', email: 'spy@example.com', role: 'team_leader', userIds: [mine.body.id] });
    assert.equal(link.status, 400, 'cannot link a user of another account');
  });

  test('the OpenAPI document comes from the same schemas', async () => {
    const response = await app.blanca.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    const doc = JSON.parse(response.body);
    assert.equal(doc.openapi, '3.0.3');
    for (const path of ['/api/v1/users', '/api/v1/users/{id}', '/api/v1/subaccounts', '/api/v1/account', '/api/v1/audit', '/api/v1/tokens']) assert.ok(doc.paths[path], `${path} documented`);
    assert.equal(doc.paths['/api/v1/users'].post.requestBody.content['application/json'].schema.properties.maxCodes.maximum, 1_000_000);
  });

  test('API without a token answers 401 problem JSON', async () => {
    const response = await api(app, 'GET', '/users', null);
    assert.equal(response.status, 401);
    assert.equal(response.body.code, 'authentication_required');
    assert.equal((await api(app, 'GET', '/users', 'blanca_fake.token')).status, 401);
  });
});
