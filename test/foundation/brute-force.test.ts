import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { deleteQuietSecondFactorState } from '../../src/auth/second-factor.js';
import { deleteQuietThrottles } from '../../src/auth/throttle.js';
import { currentTotp, newTotpSecret } from '../../src/auth/totp.js';
import { api, describeEachEngine, startTestApp, type TestApp } from '../support/app.js';
import { PortalClient } from '../support/portal.js';

// Issue 9 item 3: wrong TOTP codes were unlimited per person, a code could be used again, the
// password lock-out answered differently for unknown identifiers and anyone could renew it for ever.
const STEP_MS = 30_000;

class TestClock {
  constructor(public at = Date.now()) {}
  now() {
    return new Date(this.at);
  }
  advance(ms: number) {
    this.at += ms;
  }
}

let addressCounter = 0;
/** A fresh client address per client: the per-address rate limits (30 and 10 a minute) stay out of the way. */
function newAddress(): string {
  addressCounter++;
  return `198.51.${Math.floor(addressCounter / 250)}.${(addressCounter % 250) + 1}`;
}

function wrongCode(secret: string, now: Date): string {
  const valid = new Set([-1, 0, 1].map((d) => currentTotp(secret, new Date(now.getTime() + d * STEP_MS))));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

describeEachEngine('brute force: second factor and password lock-out', (engine) => {
  let app: TestApp;
  const clock = new TestClock();
  let people = 0;

  before(async () => {
    app = await startTestApp(engine, { clock });
  });
  after(() => app.close());

  async function personWithTotp(): Promise<{ email: string; password: string; secret: string }> {
    people++;
    const email = `tfa${people}@example.com`;
    const password = `tfa-password-${people}`;
    const created = await api(app, 'POST', '/subaccounts', app.adminToken, { name: `Tfa ${people}`, email, role: 'manager', password });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const secret = newTotpSecret();
    await app.blanca.deps.db.updateTable('subaccounts').set({ totp_secret: secret }).where('id', '=', created.body.id).execute();
    return { email, password, secret };
  }

  /** A new browser at a new address that passed the password step. */
  async function pendingClient(person: { email: string; password: string }, address = newAddress()): Promise<PortalClient> {
    const client = new PortalClient(app.blanca.app, {}, { remoteAddress: address });
    const step1 = await client.signIn(person.email, person.password);
    assert.match(step1.location ?? '', /^\/login\/2fa/, `password step: ${step1.status}`);
    await client.get('/login/2fa');
    return client;
  }

  test('wrong TOTP codes are limited per person, across sessions, with a growing lock', async () => {
    const person = await personWithTotp();
    const statuses: number[] = [];
    // Each guess from another browser and address: the limit is the person's, not the session's.
    for (let i = 0; i < 5; i++) statuses.push((await (await pendingClient(person)).post('/login/2fa', { code: wrongCode(person.secret, clock.now()) })).status);
    assert.deepEqual(statuses, [401, 401, 401, 401, 423]);
    const fresh = await pendingClient(person);
    const locked = await fresh.post('/login/2fa', { code: currentTotp(person.secret, clock.now()) });
    assert.equal(locked.status, 423, 'even the right code is refused while locked');
    assert.match(locked.body, /Too many wrong codes\. Two-factor sign-in is locked for 15 minutes/);
    clock.advance(15 * 60_000 + 1000);
    for (let i = 0; i < 4; i++) assert.equal((await fresh.post('/login/2fa', { code: wrongCode(person.secret, clock.now()) })).status, 401);
    const second = await fresh.post('/login/2fa', { code: wrongCode(person.secret, clock.now()) });
    assert.equal(second.status, 423);
    assert.match(second.body, /locked for 30 minutes/, 'the second lock lasts twice as long');
    clock.advance(30 * 60_000 + 1000);
    const ok = await fresh.post('/login/2fa', { code: currentTotp(person.secret, clock.now()) });
    assert.equal(ok.status, 303, 'after the lock the right code works');
    assert.equal((await fresh.get('/users')).status, 200);
  });

  test('parallel guesses cannot check more codes than the limit allows', async () => {
    const person = await personWithTotp();
    const clients = await Promise.all(Array.from({ length: 20 }, () => pendingClient(person)));
    const results = await Promise.all(clients.map((c) => c.post('/login/2fa', { code: wrongCode(person.secret, clock.now()) })));
    const checked = results.filter((r) => r.status === 401).length;
    const refused = results.filter((r) => r.status === 423).length;
    assert.equal(checked + refused, 20, results.map((r) => r.status).join());
    assert.ok(checked <= 4, `at most 5 codes were checked (the fifth wrong one locks): ${checked} answered 401`);
  });

  test('a TOTP code works once, also from another session', async () => {
    const person = await personWithTotp();
    const code = currentTotp(person.secret, clock.now());
    const first = await pendingClient(person);
    assert.equal((await first.post('/login/2fa', { code })).status, 303);
    const thief = await pendingClient(person);
    const replay = await thief.post('/login/2fa', { code });
    assert.equal(replay.status, 401);
    assert.match(replay.body, /That code was already used/);
    assert.equal((await thief.get('/users')).location, '/login/2fa', 'the replayed code opened nothing');
    clock.advance(STEP_MS);
    assert.equal((await thief.post('/login/2fa', { code: currentTotp(person.secret, clock.now()) })).status, 303, 'the next code works');
  });

  test('the lock-out answers the same for known and unknown identifiers', async () => {
    const known = await api(app, 'POST', '/subaccounts', app.adminToken, { name: 'Known', email: 'known@example.com', role: 'manager', password: 'known-password-1' });
    assert.equal(known.status, 201);
    const answers = async (identifier: string) => {
      const client = new PortalClient(app.blanca.app, {}, { remoteAddress: newAddress() });
      const seen: Array<{ status: number; message: string }> = [];
      for (let i = 0; i < 7; i++) {
        const response = await client.signIn(identifier, 'wrong-password');
        seen.push({ status: response.status, message: /<div class="error-summary"[^>]*><p>([^<]*)<\/p>/.exec(response.body)?.[1] ?? '' });
      }
      return seen;
    };
    const forKnown = await answers('known@example.com');
    const forUnknown = await answers('nobody-here@example.com');
    assert.deepEqual(forKnown.map((a) => a.status), [401, 401, 401, 401, 423, 423, 423]);
    assert.deepEqual(forUnknown, forKnown, 'same statuses and messages whether the person exists or not');
  });

  test('a stranger cannot keep a person locked out: blocks are per address, and the usual address is kept', async () => {
    const email = 'victim@example.com';
    const password = 'victim-password-1';
    assert.equal((await api(app, 'POST', '/subaccounts', app.adminToken, { name: 'Victim', email, role: 'manager', password })).status, 201);
    const home = newAddress();
    assert.equal((await new PortalClient(app.blanca.app, {}, { remoteAddress: home }).signIn(email, password)).status, 303, 'the person signs in from home once');

    const stranger = new PortalClient(app.blanca.app, {}, { remoteAddress: newAddress() });
    for (let i = 0; i < 5; i++) await stranger.signIn(email, 'guess-123456');
    assert.equal((await stranger.signIn(email, password)).status, 423, 'the stranger is blocked, even with the right password');
    assert.equal((await new PortalClient(app.blanca.app, {}, { remoteAddress: newAddress() }).signIn(email, password)).status, 303, 'another address is not affected');

    // Guessing spread over many addresses: after 20 wrong passwords in all, new addresses wait…
    for (let i = 0; i < 20; i++) await new PortalClient(app.blanca.app, {}, { remoteAddress: newAddress() }).signIn(email, `spread-guess-${i}`);
    const newDevice = await new PortalClient(app.blanca.app, {}, { remoteAddress: newAddress() }).signIn(email, password);
    assert.equal(newDevice.status, 423, 'distributed guessing is stopped too');
    // …but not the address the person signed in from.
    assert.equal((await new PortalClient(app.blanca.app, {}, { remoteAddress: home }).signIn(email, password)).status, 303, 'the person still signs in from home');
    // And every block ends.
    const later = new PortalClient(app.blanca.app, {}, { remoteAddress: newAddress() });
    clock.advance(15 * 60_000 + 1000);
    assert.equal((await later.signIn(email, password)).status, 303, 'the block ends by itself');
  });

  test('switching two-factor off needs a fresh code and counts wrong ones too (in the person’s language)', async () => {
    const person = await personWithTotp();
    const client = new PortalClient(app.blanca.app, { 'accept-language': 'es' }, { remoteAddress: newAddress() });
    await client.signIn(person.email, person.password);
    await client.get('/login/2fa');
    const code = currentTotp(person.secret, clock.now());
    assert.equal((await client.post('/login/2fa', { code })).status, 303);
    await client.get('/security');
    const reused = await client.post('/security/disable', { code });
    assert.equal(reused.status, 400);
    assert.match(reused.body, /Ese código ya se ha usado/);
    for (let i = 0; i < 3; i++) assert.match((await client.post('/security/disable', { code: wrongCode(person.secret, clock.now()) })).body, /El código no es correcto/);
    const locked = await client.post('/security/disable', { code: wrongCode(person.secret, clock.now()) });
    assert.match(locked.body, /Demasiados códigos incorrectos\. El segundo factor está bloqueado durante 15 minutos/);
    const evenRight = await client.post('/security/disable', { code: currentTotp(person.secret, new Date(clock.at + STEP_MS)) });
    assert.match(evenRight.body, /bloqueado/, 'locked: the right code does not switch it off');
    const row = await app.blanca.deps.db.selectFrom('subaccounts').select('totp_secret').where('email', '=', person.email).executeTakeFirstOrThrow();
    assert.equal(row.totp_secret, person.secret, 'two-factor is still on');
  });

  test('the clean-up job forgets quiet counts but keeps the addresses people sign in from', async () => {
    const db = app.blanca.deps.db;
    const later = new Date(clock.at + 2 * 24 * 3600_000);
    await deleteQuietThrottles(db, later);
    await deleteQuietSecondFactorState(db, later);
    const throttles = await db.selectFrom('sign_in_throttle').select(['key', 'last_success_at']).execute();
    assert.ok(throttles.length > 0 && throttles.every((row) => row.key.startsWith('pair:') && row.last_success_at !== null), 'only trusted addresses remain');
    assert.equal((await db.selectFrom('second_factor_state').select('principal_id').execute()).length, 0);
  });
});
