/**
 * One account's IdP can never sign anyone into another account (SPEC §3.4), on both engines.
 * Accounts A and B each have their own IdP (test keys idp-a / idp-b; responses signed with
 * test/support/saml-signer.ts as an IdP would). Everything is posted to Blanca's ACS via app.inject.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { api, createOtherAccount, describeEachEngine, startTestApp, type TestApp } from '../support/app.js';
import { buildResponse, signAssertion, toBase64, type ResponseSpec, type SignOptions } from '../support/saml-signer.js';
import { testKeys } from '../support/saml-fixtures.js';

const PUBLIC_URL = 'http://blanca.test';
const IDP_A = 'https://sts.windows.net/aaaaaaaa-0000-4000-8000-00000000000a/';
const IDP_B = 'https://sts.windows.net/bbbbbbbb-0000-4000-8000-00000000000b/';
const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

interface Side {
  accountId: string;
  slug: string;
  token: string;
  entityId: string;
  acsUrl: string;
}

describeEachEngine('account isolation at the ACS', (engine) => {
  let app: TestApp;
  let a: Side;
  let b: Side;

  async function put(side: Side, body: Record<string, unknown>) {
    const response = await app.blanca.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${side.token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    assert.equal(response.statusCode, 200, response.body);
    return JSON.parse(response.body) as { sp: { entityId: string; acsUrl: string } };
  }

  async function side(accountId: string, token: string, idpEntityId: string, cert: string): Promise<Side> {
    await setSsoEnabled(app.blanca.deps.db, accountId, true, new Date());
    const { slug } = await app.blanca.deps.db.selectFrom('accounts').select('slug').where('id', '=', accountId).executeTakeFirstOrThrow();
    const s: Side = { accountId, slug, token, entityId: '', acsUrl: '' };
    const view = await put(s, { ssoType: 'user', idpEntityId, idpSsoUrl: `${idpEntityId}saml2`, idpCertificates: [cert], allowIdpInitiated: true });
    return { ...s, entityId: view.sp.entityId, acsUrl: view.sp.acsUrl };
  }

  before(async () => {
    app = await startTestApp(engine, { env: { PUBLIC_URL } });
    const other = await createOtherAccount(app, 'Other Corp');
    a = await side(app.accountId, app.adminToken, IDP_A, testKeys.idpA.cert);
    b = await side(other.accountId, other.adminToken, IDP_B, testKeys.idpB.cert);
    assert.notEqual(a.slug, b.slug);
  });
  after(() => app.close());

  const signA: SignOptions = { key: testKeys.idpA.key, cert: testKeys.idpA.cert };
  const signB: SignOptions = { key: testKeys.idpB.key, cert: testKeys.idpB.cert };

  /** A response as the IdP issues it for `to` (Destination, Recipient, Audience = that SP). */
  function response(issuer: string, to: Side, sign: SignOptions, overrides: Partial<ResponseSpec> = {}): string {
    const now = new Date();
    const spec: ResponseSpec = {
      assertionId: `_${randomUUID()}`,
      responseId: `_${randomUUID()}`,
      issuer,
      destination: to.acsUrl,
      recipient: to.acsUrl,
      audiences: [to.entityId],
      nameId: 'mallory@example.test',
      attributes: { [`${CLAIMS}/emailaddress`]: ['mallory@example.test'], [`${CLAIMS}/givenname`]: ['Mallory'], 'http://schemas.microsoft.com/identity/claims/displayname': ['Mallory'], Role: ['whitelabel_admin'] },
      issueInstant: now,
      notBefore: new Date(now.getTime() - 60_000),
      notOnOrAfter: new Date(now.getTime() + 5 * 60_000),
      ...overrides,
    };
    return toBase64(signAssertion(buildResponse(spec), sign));
  }

  async function post(to: Side, samlResponse: string) {
    const r = await app.blanca.app.inject({ method: 'POST', url: `/sso/${to.slug}/acs`, payload: new URLSearchParams({ SAMLResponse: samlResponse }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const cookie = ([] as string[]).concat(r.headers['set-cookie'] ?? []).find((c) => c.startsWith('qrp_session='));
    return { status: r.statusCode, location: r.headers.location as string | undefined, cookie, body: r.body };
  }

  async function failures(of: Side) {
    return (await api(app, 'GET', '/sso/log?outcome=failure&limit=500', of.token)).body.entries as Array<{ id: string; failureCode: string; summary: string; fix: string | null }>;
  }

  async function sessionsOf(of: Side): Promise<number> {
    return (await app.blanca.deps.db.selectFrom('sessions').select('id').where('account_id', '=', of.accountId).where('sso_name_id', 'is not', null).execute()).length;
  }
  async function principalsOf(of: Side): Promise<number> {
    const db = app.blanca.deps.db;
    const users = await db.selectFrom('whitelabel_users').select('id').where('account_id', '=', of.accountId).execute();
    const subs = await db.selectFrom('subaccounts').select('id').where('account_id', '=', of.accountId).execute();
    return users.length + subs.length;
  }

  async function refusedAtB(samlResponse: string, code: string, reason: RegExp) {
    const before = { sessions: await sessionsOf(b), principals: await principalsOf(b) };
    const seen = new Set((await failures(b)).map((e) => e.id));
    const r = await post(b, samlResponse);
    assert.equal(r.status, 400, r.body.slice(0, 300));
    assert.equal(r.cookie, undefined, 'no session cookie');
    const added = (await failures(b)).filter((e) => !seen.has(e.id));
    assert.equal(added.length, 1);
    const entry = added[0];
    assert.equal(entry?.failureCode, code, entry?.summary);
    assert.match(entry!.summary, reason);
    assert.deepEqual({ sessions: await sessionsOf(b), principals: await principalsOf(b) }, before, 'nobody signed in or created in B');
  }

  test('positive controls: each IdP signs its own people into its own account (303, session cookie)', async () => {
    const intoA = await post(a, response(IDP_A, a, signA));
    assert.equal(intoA.status, 303, intoA.body.slice(0, 300));
    assert.ok(intoA.cookie);
    const intoB = await post(b, response(IDP_B, b, signB));
    assert.equal(intoB.status, 303, intoB.body.slice(0, 300));
    assert.ok(intoB.cookie);
  });

  test("A's response, as issued for A, posted to B's ACS: refused (A's certificate is not B's)", async () => {
    await refusedAtB(response(IDP_A, a, signA), 'certificate_not_configured', /certificate/i);
  });

  test("A's IdP addressing B (Destination, Recipient, Audience of B): refused, the signature is not from B's IdP", async () => {
    await refusedAtB(response(IDP_A, b, signA), 'certificate_not_configured', /certificate/i);
    // Pretending to be B's IdP (B's issuer), with no certificate in KeyInfo: the signature does not verify with B's.
    await refusedAtB(response(IDP_B, b, { key: testKeys.idpA.key, cert: null }), 'signature_invalid', /signature/i);
  });

  test('B trusts the same signing certificate as A (e.g. a shared key): issuer, destination and audience still keep A out', async () => {
    await put(b, { ssoType: 'user', idpEntityId: IDP_B, idpSsoUrl: `${IDP_B}saml2`, idpCertificates: [testKeys.idpB.cert, testKeys.idpA.cert], allowIdpInitiated: true });
    try {
      await refusedAtB(response(IDP_A, a, signA), 'destination_mismatch', new RegExp(`expected the ACS URL "${b.acsUrl}"`));
      await refusedAtB(response(IDP_A, b, signA), 'issuer_mismatch', new RegExp(`expected the configured IdP entity ID "${IDP_B.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`));
      await refusedAtB(response(IDP_B, b, signA, { audiences: [a.entityId] }), 'audience_mismatch', /expected the SP entity ID/);
      await refusedAtB(response(IDP_B, b, signA, { recipient: a.acsUrl, destination: null }), 'recipient_mismatch', /Recipient/);

      // A sign-in request started at A cannot be completed at B: request state belongs to one account.
      const started = await app.blanca.app.inject({ method: 'GET', url: `/sso/${a.slug}/login` });
      assert.equal(started.statusCode, 303);
      const pending = await app.blanca.deps.db.selectFrom('sso_requests').select('id').where('account_id', '=', a.accountId).execute();
      assert.ok(pending.length > 0);
      await refusedAtB(response(IDP_B, b, signA, { inResponseTo: pending.at(-1)!.id }), 'in_response_to_unknown', /not a pending sign-in request of this account/);
    } finally {
      await put(b, { ssoType: 'user', idpEntityId: IDP_B, idpSsoUrl: `${IDP_B}saml2`, idpCertificates: [testKeys.idpB.cert], allowIdpInitiated: true });
    }
  });

  test("B's SSO log holds the refusals; A's log shows none of them", async () => {
    const aFailures = (await api(app, 'GET', '/sso/log?outcome=failure', a.token)).body.entries;
    assert.equal(aFailures.length, 0);
    const bFailures = (await api(app, 'GET', '/sso/log?outcome=failure', b.token)).body.entries;
    assert.equal(bFailures.length, 8);
    // A's administrator cannot read B's entries either.
    const foreign = await api(app, 'GET', `/sso/log/${bFailures[0].id}`, a.token);
    assert.equal(foreign.status, 404);
  });
});
