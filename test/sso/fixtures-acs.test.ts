/**
 * Real Entra ID responses (test/fixtures/saml/entra/, see SOURCES.md) against Blanca's sign-in, at
 * the clocks their source projects recorded, on both engines.
 *
 * Audience: Blanca's SP entity ID is always `<PUBLIC_URL>/sso/<slug>/metadata` and its ACS
 * `<PUBLIC_URL>/sso/<slug>/acs`, with PUBLIC_URL an origin without a path. The two signature-valid
 * fixtures were issued for `http://localhost:8080/accounts/…/saml` (ACS `…/saml/acs`) and
 * `https://devpg.tercen.com/_service/sso/auth/saml`, which no PUBLIC_URL/slug can produce. So:
 *  - at the ACS (app.inject, PUBLIC_URL http://localhost:8080) they are refused with
 *    destination_mismatch, after their real signature verified, and the SSO log says which URL to set;
 *  - their acceptance is proven one layer down, through `completeSignIn` (verify → map → provision
 *    → session → SSO log, the exact code the ACS route runs) given the SP identifiers they were issued
 *    for; the ACS route only adds the cookie (proven with test-signed responses in isolation.test.ts).
 * Edited and unsigned fixtures fail before the Destination check, so they go through the ACS itself.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { getAccount, type AccountRow } from '../../src/accounts/store.js';
import { validateSessionToken } from '../../src/auth/sessions.js';
import type { SpEndpoints } from '../../src/sso/service.js';
import { completeSignIn, type SsoDeps } from '../../src/sso/signin.js';
import { rememberRequest } from '../../src/sso/store.js';
import { api, describeEachEngine, startTestApp, type TestApp } from '../support/app.js';
import { localFixture, localText } from '../support/saml-fixtures.js';

const PUBLIC_URL = 'http://localhost:8080';
const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

const SSOREADY = {
  xml: () => localText('entra/responses/entra-response-ssoready-2023.xml'),
  now: new Date('2023-11-17T18:39:30.314Z'),
  sp: otherSp('http://localhost:8080/accounts/8155d0cc-d51b-461a-a062-821b6bd574b1/saml', 'http://localhost:8080/accounts/8155d0cc-d51b-461a-a062-821b6bd574b1/saml/acs'),
  assertionId: '_66b104aa-1f7a-402f-abe6-d131c8896400',
};
const TERCEN = {
  xml: () => localText('entra/responses/entra-response-tercen-2022.xml'),
  now: new Date('2022-02-23T17:49:18.872Z'),
  sp: otherSp('https://devpg.tercen.com/_service/sso/auth/saml', 'https://devpg.tercen.com/_service/sso/auth/saml'),
  issuer: 'https://sts.windows.net/5b5c94c6-14cf-42da-85bc-4e08722b253b/',
  inResponseTo: 'id6491e192-e2d9-4970-ab03-e38ffda6e033',
  cert: () => localText('entra/responses/entra-response-tercen-2022.cert.pem'),
};

function otherSp(entityId: string, acsUrl: string): SpEndpoints {
  return { entityId, descriptorUrl: entityId, acsUrl, sloUrl: `${acsUrl}/slo`, signInUrl: `${acsUrl}/login` };
}

const embeddedCertificates = (xml: string) => [...xml.matchAll(/<(?:\w+:)?X509Certificate>([^<]+)</g)].map((m) => m[1]!);
const b64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

describeEachEngine('Entra fixtures at Blanca', (engine) => {
  let app: TestApp;
  let account: AccountRow;
  let deps: SsoDeps;
  const clock = { current: new Date(), now() { return this.current; } };

  before(async () => {
    app = await startTestApp(engine, { clock, env: { PUBLIC_URL } });
    await setSsoEnabled(app.blanca.deps.db, app.accountId, true, new Date());
    account = (await getAccount(app.blanca.deps.db, app.accountId))!;
    deps = { db: app.blanca.deps.db, engine, config: app.config, sessionTtlMs: 3600_000 };
  });
  after(() => app.close());

  /** Connect (PUT /api/v1/sso) at the fixture's clock. */
  async function connect(now: Date, body: Record<string, unknown>): Promise<void> {
    clock.current = now;
    const response = await app.blanca.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ ssoType: 'user', allowIdpInitiated: true, ...body }) });
    assert.equal(response.statusCode, 200, response.body);
  }

  /** POSTs the form an IdP's page would post to Blanca's ACS; returns the page and its SSO log entry. */
  async function postToAcs(samlResponse: string, now: Date) {
    clock.current = now;
    const response = await app.blanca.app.inject({ method: 'POST', url: `/sso/${account.slug}/acs`, payload: new URLSearchParams({ SAMLResponse: samlResponse }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const reference = /reference ([0-9a-z]{8})/i.exec(response.body)?.[1];
    const entries = (await api(app, 'GET', '/sso/log?limit=500', app.adminToken)).body.entries as Array<{ id: string; failureCode: string | null; summary: string; fix: string | null; outcome: string; person: string | null; attributes: Record<string, string[]> | null; mapping: Record<string, unknown> | null }>;
    const entry = reference ? entries.find((e) => e.id.startsWith(reference)) : undefined;
    const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
    return { status: response.statusCode, body: response.body, entry, sessionCookie: cookies.find((c) => c.startsWith('qrp_session=')) };
  }

  async function logEntry(id: string) {
    return (await api(app, 'GET', `/sso/log/${id}`, app.adminToken)).body as { failureCode: string | null; summary: string; fix: string | null };
  }

  test('ssoready 2023 (IdP-initiated, assertion signed by Entra) at the ACS: refused only as issued for another SP; the log names the Reply URL to set', async () => {
    // Connected from Entra's App Federation Metadata XML, pasted.
    await connect(SSOREADY.now, { idpMetadataXml: localText('entra/metadata/entra-app-metadata-ssoready.xml') });
    const view = (await api(app, 'GET', '/sso', app.adminToken)).body;
    assert.equal(view.idpEntityId, 'https://sts.windows.net/a9054a0f-2011-4e31-b3ac-fd8c354146ec/');
    assert.equal(view.sp.acsUrl, `${PUBLIC_URL}/sso/${account.slug}/acs`);

    const posted = await postToAcs(b64(SSOREADY.xml()), SSOREADY.now);
    assert.equal(posted.status, 400);
    assert.equal(posted.sessionCookie, undefined);
    assert.match(posted.body, /could not be verified|not set up correctly/);
    assert.equal(posted.entry?.failureCode, 'destination_mismatch', posted.entry?.summary);
    assert.equal(posted.entry?.summary, `Response Destination is "${SSOREADY.sp.acsUrl}"; expected the ACS URL "${PUBLIC_URL}/sso/${account.slug}/acs".`);
    assert.match(posted.entry?.fix ?? '', /Reply URL/);
  });

  test('ssoready 2023 edited (display name changed) at the ACS: signature_invalid', async () => {
    const edited = SSOREADY.xml().replace('>Ulysse Carion<', '>Mallory Carion<');
    assert.notEqual(edited, SSOREADY.xml());
    const posted = await postToAcs(b64(edited), SSOREADY.now);
    assert.equal(posted.status, 400);
    assert.equal(posted.sessionCookie, undefined);
    assert.equal(posted.entry?.failureCode, 'signature_invalid', posted.entry?.summary);
    // Also with the SP it was issued for: the edit alone is the reason.
    const result = await completeSignIn(deps, account, { SAMLResponse: b64(edited) }, SSOREADY.now, SSOREADY.sp);
    assert.ok(result.kind === 'failed' && result.code === 'signature_invalid', JSON.stringify(result));
  });

  test('ssoready 2023 through completeSignIn with its SP: accepted, user "Ulysse Carion" provisioned from the Entra claims, session valid; replay refused', async () => {
    const result = await completeSignIn(deps, account, { SAMLResponse: b64(SSOREADY.xml()), RelayState: '/codes' }, SSOREADY.now, SSOREADY.sp);
    assert.equal(result.kind, 'session', JSON.stringify(result));
    if (result.kind !== 'session') return;
    assert.equal(result.returnTo, '/codes', 'IdP-initiated RelayState, a local path');
    assert.deepEqual(result.report.target && { type: result.report.target.type, name: result.report.target.name, created: result.report.target.created }, { type: 'user', name: 'Ulysse Carion', created: true });
    const session = await validateSessionToken(app.blanca.deps.db, result.token, SSOREADY.now, 3600_000);
    assert.equal(session?.principal_kind, 'user');
    assert.equal(session?.sso_name_id, 'ulysse.carion_codomaindata.com#EXT#@ulyssecarioncodomaindata.onmicrosoft.com');
    assert.equal(session?.sso_session_index, SSOREADY.assertionId);
    const users = (await api(app, 'GET', '/users', app.adminToken)).body.users as Array<{ id: string; name: string; email: string | null; createdBySso: boolean }>;
    const user = users.find((u) => u.id === session?.principal_id);
    assert.deepEqual(user && { name: user.name, email: user.email, createdBySso: user.createdBySso }, { name: 'Ulysse Carion', email: 'ulysse.carion@codomaindata.com', createdBySso: true });
    const success = (await api(app, 'GET', '/sso/log?outcome=success&person=ulysse', app.adminToken)).body.entries[0];
    assert.equal(success.attributes[`${CLAIMS}/givenname`][0], 'Ulysse');
    assert.match(success.xml, /^<samlp:Response/);

    const replay = await completeSignIn(deps, account, { SAMLResponse: b64(SSOREADY.xml()) }, SSOREADY.now, SSOREADY.sp);
    assert.ok(replay.kind === 'failed' && replay.code === 'replayed_assertion', JSON.stringify(replay));
    const logged = await logEntry(replay.logId!);
    assert.equal(logged.failureCode, 'replayed_assertion');
    assert.equal(logged.summary, `Assertion ${SSOREADY.assertionId} was already used to sign in.`);
    assert.equal((await api(app, 'GET', '/users', app.adminToken)).body.users.length, users.length, 'nothing provisioned twice');
  });

  test('ssoready 2023 one hour later: expired', async () => {
    const later = new Date(SSOREADY.now.getTime() + 3600_000 + 3 * 60_000);
    const result = await completeSignIn(deps, account, { SAMLResponse: b64(SSOREADY.xml()) }, later, SSOREADY.sp);
    assert.ok(result.kind === 'failed' && result.code === 'expired', JSON.stringify(result));
  });

  test('tercen 2022 (SP-initiated) at the ACS: destination_mismatch; through completeSignIn with its pending request: accepted, returns to the deep link', async () => {
    await connect(TERCEN.now, { idpEntityId: TERCEN.issuer, idpSsoUrl: 'https://login.microsoftonline.com/5b5c94c6-14cf-42da-85bc-4e08722b253b/saml2', idpCertificates: [TERCEN.cert()], allowIdpInitiated: false });
    const db = app.blanca.deps.db;
    await rememberRequest(db, account.id, TERCEN.inResponseTo, { returnTo: '/codes?page=2', purpose: 'signin' }, TERCEN.now, 10 * 60_000);
    const posted = await postToAcs(b64(TERCEN.xml()), TERCEN.now);
    assert.equal(posted.entry?.failureCode, 'destination_mismatch', posted.entry?.summary);
    assert.equal(posted.sessionCookie, undefined);

    const result = await completeSignIn(deps, account, { SAMLResponse: b64(TERCEN.xml()) }, TERCEN.now, TERCEN.sp);
    assert.equal(result.kind, 'session', JSON.stringify(result));
    if (result.kind !== 'session') return;
    assert.equal(result.returnTo, '/codes?page=2');
    assert.equal(result.report.target?.name, 'test', 'Entra display name claim');
    const session = await validateSessionToken(db, result.token, TERCEN.now, 3600_000);
    assert.equal(session?.sso_name_id, 'test@alexandremaurelgmail.onmicrosoft.com');

    // The same response again: its request was used up…
    const again = await completeSignIn(deps, account, { SAMLResponse: b64(TERCEN.xml()) }, TERCEN.now, TERCEN.sp);
    assert.ok(again.kind === 'failed' && again.code === 'in_response_to_unknown', JSON.stringify(again));
    // …and even with the request pending again, the assertion itself is not accepted twice.
    await rememberRequest(db, account.id, TERCEN.inResponseTo, { returnTo: '/', purpose: 'signin' }, TERCEN.now, 10 * 60_000);
    const replay = await completeSignIn(deps, account, { SAMLResponse: b64(TERCEN.xml()) }, TERCEN.now, TERCEN.sp);
    assert.ok(replay.kind === 'failed' && replay.code === 'replayed_assertion', JSON.stringify(replay));
    assert.equal((await logEntry(replay.logId!)).failureCode, 'replayed_assertion');
  });

  const edited: Array<{ name: string; now: string; issuer: string; body: () => string; code: string; certs?: () => string[] }> = [
    {
      name: 'entra-response-aspnetsaml-pr13-2018-sig-invalid.xml (edited after signing)',
      now: '2018-12-05T05:45:42.554Z',
      issuer: 'https://sts.windows.net/86c4efd3-7f59-4e51-8f64-6d7848dfcaef/',
      body: () => b64(localText('entra/responses/entra-response-aspnetsaml-pr13-2018-sig-invalid.xml')),
      code: 'signature_invalid',
    },
    {
      name: 'entra-response-saml2aws-sanitized.xml (sanitised signature)',
      now: '2019-12-31T23:59:00.000Z',
      issuer: 'https://sts.windows.net/25f4519b-eca5-405d-b516-123af862c268/',
      body: () => b64(localText('entra/responses/entra-response-saml2aws-sanitized.xml')),
      code: 'signature_invalid',
    },
    {
      name: 'entra-assertion-identitymodel-2017-edited.xml (edited, wrapped in a Response)',
      now: '2017-03-20T15:52:31.957Z',
      issuer: 'https://sts.windows.net/add29489-7269-41f4-8841-b63c95564420/',
      body: () =>
        b64(
          `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_w" Version="2.0" IssueInstant="2017-03-20T15:52:31.957Z">` +
            `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${localText('entra/responses/entra-assertion-identitymodel-2017-edited.xml')}</samlp:Response>`,
        ),
      code: 'signature_invalid',
      certs: () => embeddedCertificates(localText('entra/responses/entra-assertion-identitymodel-2017-edited.xml')),
    },
    {
      name: 'entra-response-msdocs-unsigned-minisaml.xml.b64 (signature removed)',
      now: '2013-03-18T07:40:00.000Z',
      issuer: 'https://login.microsoftonline.com/82869000-6ad1-48f0-8171-272ed18796e9/',
      body: () => localFixture('entra/responses/entra-response-msdocs-unsigned-minisaml.xml.b64').toString('utf8').trim(),
      code: 'signature_missing',
      certs: () => [TERCEN.cert()],
    },
  ];
  for (const c of edited) {
    test(`${c.name} at the ACS: ${c.code}, nobody signed in`, async () => {
      const now = new Date(c.now);
      const xml = Buffer.from(c.body(), 'base64').toString('utf8');
      await connect(now, { idpEntityId: c.issuer, idpSsoUrl: 'https://login.microsoftonline.com/x/saml2', idpCertificates: c.certs ? c.certs() : embeddedCertificates(xml) });
      const users = (await api(app, 'GET', '/users', app.adminToken)).body.users.length;
      const posted = await postToAcs(c.body(), now);
      assert.equal(posted.status, 400);
      assert.equal(posted.sessionCookie, undefined);
      assert.match(posted.body, /could not be verified as coming from your company’s identity provider/);
      assert.equal(posted.entry?.failureCode, c.code, posted.entry?.summary);
      assert.ok(posted.entry?.fix, 'the log says what to do');
      assert.equal((await api(app, 'GET', '/users', app.adminToken)).body.users.length, users);
    });
  }
});
