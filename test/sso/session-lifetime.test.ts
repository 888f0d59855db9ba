/**
 * Issue 11 item 6: SSO sessions follow the IdP. The end is SessionNotOnOrAfter, else the account's
 * "SSO session lifetime" (default 12 h), never the password sessions' 14 days; the sliding expiry
 * never passes it. On both engines, against the real sessions table.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createSession, validateSessionToken } from '../../src/auth/sessions.js';
import { ssoSessionEnd } from '../../src/sso/signin.js';
import { describeEachEngine, startTestApp, type TestApp } from '../support/app.js';

const HOUR = 3600_000;
const NOW = new Date('2030-01-01T08:00:00.000Z');
const TTL = 336 * HOUR;

test('the end of an SSO session: SessionNotOnOrAfter when present, else the account lifetime (default 12 h)', () => {
  assert.equal(ssoSessionEnd({ sessionNotOnOrAfter: new Date(NOW.getTime() + 8 * HOUR) }, { session_lifetime_hours: 12 }, NOW), NOW.getTime() + 8 * HOUR);
  assert.equal(ssoSessionEnd({ sessionNotOnOrAfter: null }, { session_lifetime_hours: 12 }, NOW), NOW.getTime() + 12 * HOUR);
  assert.equal(ssoSessionEnd({ sessionNotOnOrAfter: null }, { session_lifetime_hours: 3 }, NOW), NOW.getTime() + 3 * HOUR);
});

describeEachEngine('SSO session hard end', (engine) => {
  let app: TestApp;
  let ownerId: string;
  before(async () => {
    app = await startTestApp(engine);
    ownerId = (await app.blanca.deps.db.selectFrom('subaccounts').select('id').where('account_id', '=', app.accountId).where('is_owner', '=', 1).executeTakeFirstOrThrow()).id;
  });
  after(() => app.close());

  test('an active person is still signed out at the hard end: the sliding expiry never passes it', async () => {
    const db = app.blanca.deps.db;
    const end = NOW.getTime() + 12 * HOUR;
    const { token, session } = await createSession(db, { accountId: app.accountId, principalKind: 'subaccount', principalId: ownerId, sso: { nameId: 'adam@example.test', sessionIndex: '_s1', nameIdFormat: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress', spNameQualifier: 'https://sp' }, absoluteExpiresAt: end }, NOW, TTL);
    assert.equal(session.expires_at, end, 'not the 14-day default');
    // Active every few hours: each refresh slides, but never past the end.
    for (const hours of [2, 5, 9, 11.5]) {
      const seen = await validateSessionToken(db, token, new Date(NOW.getTime() + hours * HOUR), TTL);
      assert.ok(seen, `still signed in after ${hours} h`);
      assert.equal(seen.expires_at, end);
    }
    assert.equal(await validateSessionToken(db, token, new Date(end), TTL), null, 'over at the hard end');
    assert.equal(await db.selectFrom('sessions').select('id').where('id', '=', session.id).executeTakeFirst(), undefined);
  });

  test('a password session keeps the sliding 14 days', async () => {
    const { session } = await createSession(app.blanca.deps.db, { accountId: app.accountId, principalKind: 'subaccount', principalId: ownerId }, NOW, TTL);
    assert.equal(session.expires_at, NOW.getTime() + TTL);
    assert.equal(session.absolute_expires_at, null);
  });

  test('the account sets the SSO session lifetime on the SSO tab API (1 to 336 hours)', async () => {
    const { setSsoEnabled } = await import('../../src/accounts/service.js');
    await setSsoEnabled(app.blanca.deps.db, app.accountId, true, new Date());
    const put = async (body: Record<string, unknown>) => app.blanca.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ ssoType: 'user', idpEntityId: 'https://idp.test/', idpSsoUrl: 'https://idp.test/sso', idpCertificates: [(await import('../support/saml-fixtures.js')).testKeys.idpA.cert], ...body }) });
    const ok = await put({ sessionLifetimeHours: 4 });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(JSON.parse(ok.body).sessionLifetimeHours, 4);
    const bad = await put({ sessionLifetimeHours: 0 });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /sessionLifetimeHours/);
  });
});
