import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { currentTotp } from '../../src/auth/totp.js';
import { api, describeEachEngine, OWNER_PASSWORD, startTestApp, type TestApp } from '../support/app.js';
import { PortalClient } from '../support/portal.js';

describeEachEngine('portal sign-in and safety', (engine) => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp(engine);
  });
  after(() => app.close());

  test('the owner signs in with a password and reaches Users', async () => {
    const client = new PortalClient(app.blanca.app);
    const page = await client.get('/login');
    assert.equal(page.status, 200);
    assert.match(page.body, /<label for="f-identifier">/);
    assert.match(page.body, /Acme/, 'sign-in page carries the account branding');
    const signedIn = await client.signIn(app.ownerEmail, OWNER_PASSWORD);
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.location, '/');
    const cookie = client.cookie('qrp_session')!;
    assert.match(cookie, /^[\w-]+\.[\w-]+$/);
    const stored = await app.blanca.deps.db.selectFrom('sessions').select('secret_hash').executeTakeFirstOrThrow();
    assert.ok(!cookie.includes(stored.secret_hash), 'only a hash of the secret is stored');
    const users = await client.get('/users');
    assert.equal(users.status, 200);
    assert.match(users.body, /Create user/);
  });

  test('session and anonymous cookies are HttpOnly and SameSite=Lax', async () => {
    const client = new PortalClient(app.blanca.app);
    await client.get('/login');
    const anon = client.lastSetCookies.find((c) => c.startsWith('qrp_anon='));
    assert.ok(anon && /HttpOnly/i.test(anon) && /SameSite=Lax/i.test(anon), anon);
    await client.post('/login', { identifier: app.ownerEmail, password: OWNER_PASSWORD });
    const session = client.lastSetCookies.find((c) => c.startsWith('qrp_session='));
    assert.ok(session && /HttpOnly/i.test(session) && /SameSite=Lax/i.test(session) && /Path=\//.test(session), session);
    assert.ok(!/Secure/i.test(session), 'plain-http PUBLIC_URL: not Secure');
    const https = await startTestApp(engine, { env: { PUBLIC_URL: 'https://qr.example.com' } });
    try {
      const secureClient = new PortalClient(https.blanca.app);
      await secureClient.signIn(https.ownerEmail, OWNER_PASSWORD);
      assert.match(secureClient.lastSetCookies.find((c) => c.startsWith('qrp_session=')) ?? '', /Secure/i, 'https PUBLIC_URL: Secure');
    } finally {
      await https.close();
    }
  });

  test('forms without a valid CSRF token are refused', async () => {
    const client = new PortalClient(app.blanca.app);
    await client.signIn(app.ownerEmail, OWNER_PASSWORD);
    await client.get('/users/new');
    const forged = await client.post('/users', { name: 'Forged', maxCodes: '1' }, { csrf: 'forged-token' });
    assert.equal(forged.status, 403);
    assert.match(forged.body, /form expired/i);
    const missing = await client.post('/users', { name: 'Forged', maxCodes: '1' }, { csrf: null });
    assert.equal(missing.status, 403);
    const users = await api(app, 'GET', '/users', app.adminToken);
    assert.ok(!users.body.users.some((u: { name: string }) => u.name === 'Forged'));
    const loginForgery = await new PortalClient(app.blanca.app).post('/login', { identifier: app.ownerEmail, password: OWNER_PASSWORD }, { csrf: 'x' });
    assert.equal(loginForgery.status, 403, 'login CSRF is refused too');
  });

  test('invalid portal input is shown inline next to the field', async () => {
    const client = new PortalClient(app.blanca.app);
    await client.signIn(app.ownerEmail, OWNER_PASSWORD);
    await client.get('/users/new');
    const response = await client.post('/users', { name: '', email: 'nope', maxCodes: 'abc' });
    assert.equal(response.status, 400);
    assert.match(response.body, /role="alert"/);
    assert.match(response.body, /id="f-email"[^>]*aria-invalid="true"/);
    assert.match(response.body, /<p class="field-error" id="f-email-error">Enter a valid email address.<\/p>/);
  });

  test('repeated wrong passwords lock the sign-in with a clear message', async () => {
    await api(app, 'POST', '/subaccounts', app.adminToken, { name: 'Locky', email: 'locky@example.com', role: 'manager', password: 'locky-password-1' });
    const client = new PortalClient(app.blanca.app);
    for (let i = 0; i < 4; i++) assert.equal((await client.signIn('locky@example.com', 'wrong-password')).status, 401);
    const locked = await client.signIn('locky@example.com', 'wrong-password');
    assert.equal(locked.status, 423);
    assert.match(locked.body, /locked for 15 minutes/);
    const evenRight = await client.signIn('locky@example.com', 'locky-password-1');
    assert.equal(evenRight.status, 423, 'the right password does not open a locked sign-in');
    const unknown = await client.signIn('nobody@example.com', 'whatever-123');
    assert.equal(unknown.status, 401);
    assert.match(unknown.body, /email, user name or password is wrong/);
  });

  test('TOTP two-factor: enrol, then sign-in asks for the code', async () => {
    await api(app, 'POST', '/subaccounts', app.adminToken, { name: 'Tess', email: 'tess@example.com', role: 'admin', password: 'tess-password-1' });
    const client = new PortalClient(app.blanca.app);
    await client.signIn('tess@example.com', 'tess-password-1');
    const page = await client.get('/security');
    const secret = /name="secret" value="([A-Z2-7]+)"/.exec(page.body)![1]!;
    const wrong = await client.post('/security/enable', { secret, code: '000000' });
    assert.equal(wrong.status, 400);
    const ok = await client.post('/security/enable', { secret, code: currentTotp(secret, new Date()) });
    assert.equal(ok.status, 303);

    const next = new PortalClient(app.blanca.app);
    const step1 = await next.signIn('tess@example.com', 'tess-password-1');
    assert.match(step1.location!, /^\/login\/2fa/);
    assert.equal((await next.get('/users')).location, '/login/2fa', 'no access before the second factor');
    await next.get('/login/2fa');
    assert.equal((await next.post('/login/2fa', { code: '123456' })).status, 401);
    // The enrolment used up this step's code (a code works once); the app's next code is accepted.
    const done = await next.post('/login/2fa', { code: currentTotp(secret, new Date(Date.now() + 30_000)) });
    assert.equal(done.status, 303);
    assert.equal((await next.get('/users')).status, 200);
  });

  test('enforced two-factor sends administrators without it to set it up', async () => {
    await api(app, 'PATCH', '/account', app.adminToken, { requireAdmin2fa: true });
    const client = new PortalClient(app.blanca.app);
    await client.signIn(app.ownerEmail, OWNER_PASSWORD);
    const users = await client.get('/users');
    assert.equal(users.location, '/security?required=1');
    await api(app, 'PATCH', '/account', app.adminToken, { requireAdmin2fa: false });
  });

  test('language follows the choice, then the browser', async () => {
    const spanishBrowser = new PortalClient(app.blanca.app, { 'accept-language': 'es-ES,es;q=0.9' });
    assert.match((await spanishBrowser.get('/login')).body, /<html lang="es">[\s\S]*Inicio de sesión/);
    const client = new PortalClient(app.blanca.app, { 'accept-language': 'es' });
    await client.get('/login');
    await client.post('/language', { locale: 'en', returnTo: '/login' });
    assert.match((await client.get('/login')).body, /<html lang="en">[\s\S]*Sign in/);
  });

  test('the sign-in return path never leaves the site', async () => {
    const client = new PortalClient(app.blanca.app);
    await client.get('/login');
    const response = await client.post('/login', { identifier: app.ownerEmail, password: OWNER_PASSWORD, returnTo: '//evil.example/phish' });
    assert.equal(response.location, '/');
  });

  test('log in as a user is audited and shows the banner', async () => {
    const user = await api(app, 'POST', '/users', app.adminToken, { name: 'Brand A' });
    const client = new PortalClient(app.blanca.app);
    await client.signIn(app.ownerEmail, OWNER_PASSWORD);
    await client.get('/users');
    const act = await client.post(`/users/${user.body.id}/act-as`, {});
    assert.equal(act.location, '/space');
    const space = await client.follow('/space');
    assert.match(space.body, /You are working as the user &quot;Brand A&quot;/);
    const audit = await api(app, 'GET', '/audit?action=user.act_as', app.adminToken);
    assert.equal(audit.body.entries[0].object.label, 'Brand A');
    await client.post('/act-as/stop', {});
    assert.equal((await client.get('/')).location, '/users');
  });

  test('white-label users sign in with their user name to their own space only', async () => {
    const user = await api(app, 'POST', '/users', app.adminToken, { name: 'Brand B', username: 'brandb', password: 'brand-b-password' });
    const client = new PortalClient(app.blanca.app);
    const signedIn = await client.signIn('brandb', 'brand-b-password');
    assert.equal(signedIn.status, 303);
    assert.equal((await client.get('/')).location, '/space');
    assert.match((await client.follow('/space')).body, /Brand B/);
    assert.equal((await client.get('/subaccounts')).status, 403);
    assert.equal((await client.get('/settings')).status, 403);
    assert.equal((await client.get(`/users/${user.body.id}/edit`)).status, 403);
  });

  test('sign out everywhere ends every session of the person', async () => {
    const laptop = new PortalClient(app.blanca.app);
    const phone = new PortalClient(app.blanca.app);
    await laptop.signIn(app.ownerEmail, OWNER_PASSWORD);
    await phone.signIn(app.ownerEmail, OWNER_PASSWORD);
    assert.equal((await phone.get('/users')).status, 200);
    await laptop.get('/security');
    const out = await laptop.post('/security/sign-out-everywhere', {});
    assert.equal(out.location, '/login');
    assert.match((await phone.get('/users')).location ?? '', /^\/login/);
    assert.match((await laptop.get('/users')).location ?? '', /^\/login/);
    const audit = await api(app, 'GET', '/audit?action=auth.sign_out_everywhere', app.adminToken);
    assert.equal(audit.body.entries.length, 1);
  });

  test('health and readiness', async () => {
    assert.equal((await app.blanca.app.inject({ url: '/healthz' })).statusCode, 200);
    const ready = await app.blanca.app.inject({ url: '/readyz' });
    assert.deepEqual(JSON.parse(ready.body), { status: 'ready', database: engine });
  });
});
