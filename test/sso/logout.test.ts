import assert from 'node:assert/strict';
import { inflateRawSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { createSession } from '../../src/auth/sessions.js';
import { buildLogoutRequestRedirect, buildLogoutResponseRedirect } from '../../src/sso/saml/requests.js';
import { api, describeEachEngine, OWNER_PASSWORD, startTestApp, type TestApp } from '../support/app.js';
import { PortalClient } from '../support/portal.js';
import { testKeys } from '../support/saml-fixtures.js';

// Issue 9 item 9: GET /sso/<slug>/slo without a SAML message cleared the cookie but left the
// session valid, and any site could trigger it. Now a state change needs a POST with CSRF or a
// verified SAML message, and every logout deletes the session row.
const PUBLIC_URL = 'http://blanca.test';
const IDP = 'https://idp.example.test/metadata';
const IDP_SLO = 'https://idp.example.test/slo';
const idpSeat = { privateKeyPem: testKeys.idpA.key, certificatePem: testKeys.idpA.cert };

describeEachEngine('logout means logout', (engine) => {
  let app: TestApp;
  let slug: string;
  let sloUrl: string;

  before(async () => {
    app = await startTestApp(engine, { env: { PUBLIC_URL } });
    await setSsoEnabled(app.blanca.deps.db, app.accountId, true, new Date());
    slug = (await app.blanca.deps.db.selectFrom('accounts').select('slug').where('id', '=', app.accountId).executeTakeFirstOrThrow()).slug;
    sloUrl = `${PUBLIC_URL}/sso/${slug}/slo`;
    const put = await app.blanca.app.inject({
      method: 'PUT',
      url: '/api/v1/sso',
      headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ ssoType: 'user', idpEntityId: IDP, idpSsoUrl: 'https://idp.example.test/sso', idpSloUrl: IDP_SLO, idpCertificates: [testKeys.idpA.cert], allowIdpInitiated: true }),
    });
    assert.equal(put.statusCode, 200, put.body);
  });
  after(() => app.close());

  const sessionRow = (id: string) => app.blanca.deps.db.selectFrom('sessions').select('id').where('id', '=', id).executeTakeFirst();
  const sessionIdOf = (client: PortalClient) => client.cookie('qrp_session')!.split('.')[0]!;

  /** A browser holding an SSO session of `nameId` (as the ACS would have made it). */
  async function ssoBrowser(nameId: string): Promise<{ client: PortalClient; sessionId: string }> {
    const owner = await app.blanca.deps.db.selectFrom('subaccounts').select('id').where('account_id', '=', app.accountId).where('is_owner', '=', 1).executeTakeFirstOrThrow();
    const { token, session } = await createSession(app.blanca.deps.db, { accountId: app.accountId, principalKind: 'subaccount', principalId: owner.id, sso: { nameId, sessionIndex: '_idx1' } }, new Date(), 3600_000);
    const client = new PortalClient(app.blanca.app).setCookie('qrp_session', token);
    assert.equal((await client.get('/users')).status, 200);
    return { client, sessionId: session.id };
  }

  test('GET or POST /sso/<slug>/slo without a SAML message changes nothing; the page offers a CSRF-protected sign-out', async () => {
    const client = new PortalClient(app.blanca.app);
    await client.signIn(app.ownerEmail, OWNER_PASSWORD);
    const id = sessionIdOf(client);
    for (const method of ['GET', 'POST'] as const) {
      const page = method === 'GET' ? await client.get(`/sso/${slug}/slo`) : await client.post(`/sso/${slug}/slo`, {}, { csrf: null });
      assert.equal(page.status, 200, method);
      assert.ok(!client.lastSetCookies.some((c) => c.startsWith('qrp_session=')), `${method}: the cookie is left alone`);
      assert.ok(await sessionRow(id), `${method}: the session is still there`);
      assert.equal((await client.get('/users')).status, 200, `${method}: and still works`);
      assert.match(page.body, /<form method="post" action="\/logout"[^>]*><input type="hidden" name="_csrf" value="[^"]+">/);
    }
    // A forged sign-out (another site's form has no CSRF token) is refused.
    assert.equal((await client.post('/logout', {}, { csrf: 'forged' })).status, 403);
    assert.ok(await sessionRow(id));
    // The page's own button signs out: the row is deleted, the old cookie no longer works.
    const cookie = client.cookie('qrp_session')!;
    await client.get(`/sso/${slug}/slo`);
    const out = await client.post('/logout', {});
    assert.equal(out.status, 303);
    assert.equal(await sessionRow(id), undefined, 'the session row is deleted');
    const replayed = new PortalClient(app.blanca.app).setCookie('qrp_session', cookie);
    assert.match((await replayed.get('/users')).location ?? '', /^\/login/, 'the old cookie is worthless');
  });

  test('an unverifiable LogoutResponse changes nothing', async () => {
    const { client, sessionId } = await ssoBrowser('nina@example.test');
    const forged = await client.get(`/sso/${slug}/slo?SAMLResponse=${encodeURIComponent(Buffer.from('<x/>').toString('base64'))}`);
    assert.equal(forged.status, 303);
    assert.ok(await sessionRow(sessionId), 'the session is still there');
    assert.equal((await client.get('/users')).status, 200);
  });

  test('sign-out of an SSO session: the row is deleted before the IdP is asked; its verified answer ends nothing more', async () => {
    const { client, sessionId } = await ssoBrowser('olga@example.test');
    const cookie = client.cookie('qrp_session') ?? '';
    await client.get('/users');
    const out = await client.post('/logout', {});
    assert.equal(out.status, 303);
    assert.ok(out.location?.startsWith(`${IDP_SLO}?SAMLRequest=`), out.location);
    assert.equal(await sessionRow(sessionId), undefined, 'deleted at once, whatever the IdP does');
    // The IdP's signed LogoutResponse to the request Blanca sent.
    const sent = inflateRawSync(Buffer.from(new URL(out.location!).searchParams.get('SAMLRequest')!, 'base64')).toString();
    const requestId = /ID="([^"]+)"/.exec(sent)![1]!;
    const { url } = await buildLogoutResponseRedirect({ sp: { entityId: IDP, acsUrl: 'https://unused.test', signing: idpSeat }, idp: { entityId: 'unused', ssoUrl: sloUrl, sloUrl, certificates: [] }, now: new Date(), inResponseTo: requestId, success: true });
    const back = await app.blanca.app.inject({ method: 'GET', url: `/sso/${slug}/slo${new URL(url).search}`, headers: { cookie: `qrp_session=${cookie}` } });
    assert.equal(back.statusCode, 303);
    assert.equal(back.headers.location, '/login');
    const log = (await api(app, 'GET', '/sso/log?limit=5', app.adminToken)).body.entries as Array<{ kind: string; outcome: string }>;
    assert.ok(log.some((e) => e.kind === 'logout_response' && e.outcome === 'success'), JSON.stringify(log));
    assert.match((await new PortalClient(app.blanca.app).setCookie('qrp_session', cookie).get('/users')).location ?? '', /^\/login/, 'the old cookie is worthless');
  });

  test('a verified LogoutRequest from the IdP deletes that person’s sessions; the old cookie no longer works', async () => {
    const { client, sessionId } = await ssoBrowser('paula@example.test');
    const bystander = await ssoBrowser('quim@example.test');
    const { url } = await buildLogoutRequestRedirect({
      sp: { entityId: IDP, acsUrl: 'https://unused.test', signing: idpSeat },
      idp: { entityId: 'unused', ssoUrl: sloUrl, sloUrl, certificates: [] },
      now: new Date(),
      nameId: 'paula@example.test',
      nameIdFormat: null,
      sessionIndex: '_idx1',
    });
    const answer = await client.get(`/sso/${slug}/slo${new URL(url).search}`);
    assert.equal(answer.status, 303);
    assert.ok(answer.location?.startsWith(`${IDP_SLO}?SAMLResponse=`), answer.location);
    assert.equal(await sessionRow(sessionId), undefined);
    assert.match((await client.get('/users')).location ?? '', /^\/login/);
    assert.ok(await sessionRow(bystander.sessionId), 'another person is not signed out');
  });

  test('sign out everywhere deletes every session of the person', async () => {
    const first = new PortalClient(app.blanca.app);
    await first.signIn(app.ownerEmail, OWNER_PASSWORD);
    const second = new PortalClient(app.blanca.app);
    await second.signIn(app.ownerEmail, OWNER_PASSWORD);
    await first.get('/security');
    assert.equal((await first.post('/security/sign-out-everywhere', {})).status, 303);
    assert.match((await second.get('/users')).location ?? '', /^\/login/);
    assert.equal(await sessionRow(sessionIdOf(second)), undefined);
  });
});
