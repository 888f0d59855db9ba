/**
 * Scale-out (issue #6): two Blanca instances (two app builds, two loopback ports, two connection
 * pools) on the same PostgreSQL schema, as behind a load balancer (same PUBLIC_URL). Sessions,
 * the SAML request/replay state and scans live in the database, so any instance may answer.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/connect.js';
import { createBlanca, type Blanca } from '../../src/server.js';
import { ENGINES, OWNER_PASSWORD, PG_URL, openTestDatabase, ownerActor, testConfig, tokenFor } from '../support/app.js';
import { buildResponse, signAssertion, toBase64 } from '../support/saml-signer.js';
import { testKeys } from '../support/saml-fixtures.js';
import { PHONE_UA } from '../qr/support.js';
import { authnRequestOf, hammer, HttpBrowser, originOf } from './support.js';

const PUBLIC_URL = 'http://blanca.test';
const IDP = 'https://sts.windows.net/aaaaaaaa-0000-4000-8000-00000000000a/';
const METRICS_TOKEN = 'two-instances-metrics-token';
const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

describe('two instances on one PostgreSQL schema', { skip: ENGINES.includes('postgres') ? false : 'PostgreSQL not reachable' }, () => {
  let shared: DatabaseHandle;
  let dropSchema: () => Promise<void>;
  let a: Blanca;
  let b: Blanca;
  let originA: string;
  let originB: string;
  let accountId: string;
  let slug: string;
  let adminToken: string;
  const handles: DatabaseHandle[] = [];

  before(async () => {
    ({ database: shared, dropSchema } = await openTestDatabase('postgres'));
    const config = testConfig({ PUBLIC_URL, METRICS_TOKEN });
    // Each instance has its own pool, as separate processes would; the first one migrates and bootstraps.
    const open = () => {
      const handle = openDatabase({ databaseUrl: PG_URL, pgSchema: shared.schema!, poolSize: 4 });
      handles.push(handle);
      return handle;
    };
    const lend = (handle: DatabaseHandle): DatabaseHandle => ({ ...handle, close: async () => {} });
    const qr = { scanFlushMs: 60_000, scanBatchSize: 5000 };
    a = await createBlanca(config, { database: lend(open()), qr, jobs: { firstDelayMs: 3_600_000 } });
    b = await createBlanca(config, { database: lend(open()), qr, jobs: { firstDelayMs: 3_600_000 } });
    assert.ok(a.firstStart && !b.firstStart, 'only the first instance bootstraps the account');
    await a.app.listen({ port: 0, host: '127.0.0.1' });
    await b.app.listen({ port: 0, host: '127.0.0.1' });
    originA = originOf(a.app);
    originB = originOf(b.app);
    const account = await shared.db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
    accountId = account.id;
    slug = account.slug;
    adminToken = await tokenFor(a, accountId, await ownerActor(a, accountId));
  });

  after(async () => {
    await a?.close();
    await b?.close();
    for (const handle of handles) await handle.close();
    await shared?.close();
    await dropSchema?.();
  });

  const apiCall = async (origin: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${origin}/api/v1${path}`, { method, headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: response.status, body: (await response.json()) as any };
  };

  test('password sign-in: form from A, posted to B, session used on A; sign-out on B ends it on A', async () => {
    const browser = new HttpBrowser();
    assert.equal((await browser.get(originA, '/login')).status, 200);
    const signedIn = await browser.post(originB, '/login', { _csrf: browser.csrf, account: slug, identifier: 'owner@example.com', password: OWNER_PASSWORD });
    assert.equal(signedIn.status, 303, signedIn.body.slice(0, 300));
    assert.ok(browser.cookies.has('qrp_session'));
    assert.equal((await browser.get(originA, '/users')).status, 200, 'the session made on B is valid on A');
    assert.equal((await browser.get(originB, '/users')).status, 200);
    const signOutForm = await browser.get(originA, '/users');
    assert.ok(browser.csrf, signOutForm.body.slice(0, 200));
    const out = await browser.post(originB, '/logout', { _csrf: browser.csrf });
    assert.equal(out.status, 303);
    const stranger = new HttpBrowser();
    for (const [k, v] of browser.cookies) stranger.cookies.set(k, v);
    const afterOut = await stranger.get(originA, '/users');
    assert.notEqual(afterOut.status, 200, 'signed out everywhere');
  });

  test('SSO: AuthnRequest started on A completes on B; the replayed response is refused on A', async () => {
    await setSsoEnabled(shared.db, accountId, true, new Date());
    const put = await apiCall(originA, 'PUT', '/sso', { ssoType: 'user', idpEntityId: IDP, idpSsoUrl: `${IDP}saml2`, idpCertificates: [testKeys.idpA.cert], allowIdpInitiated: false });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const { entityId, acsUrl } = put.body.sp as { entityId: string; acsUrl: string };
    assert.equal(acsUrl, `${PUBLIC_URL}/sso/${slug}/acs`, 'both instances advertise the load balancer URL');

    const browser = new HttpBrowser();
    const started = await browser.get(originA, `/sso/${slug}/login?returnTo=${encodeURIComponent('/users')}`);
    assert.equal(started.status, 303);
    assert.ok(started.location?.startsWith(`${IDP}saml2`), started.location);
    const request = authnRequestOf(started.location!);

    const now = new Date();
    const samlResponse = toBase64(
      signAssertion(
        buildResponse({
          responseId: `_${randomUUID()}`,
          assertionId: `_${randomUUID()}`,
          issuer: IDP,
          destination: acsUrl,
          recipient: acsUrl,
          audiences: [entityId],
          inResponseTo: request.id,
          nameId: 'grace@example.test',
          attributes: { [`${CLAIMS}/emailaddress`]: ['grace@example.test'], [`${CLAIMS}/givenname`]: ['Grace'], 'http://schemas.microsoft.com/identity/claims/displayname': ['Grace'], Role: ['whitelabel_admin'] },
          issueInstant: now,
          notBefore: new Date(now.getTime() - 60_000),
          notOnOrAfter: new Date(now.getTime() + 5 * 60_000),
        }),
        { key: testKeys.idpA.key, cert: testKeys.idpA.cert },
      ),
    );
    const form = { SAMLResponse: samlResponse, ...(request.relayState ? { RelayState: request.relayState } : {}) };
    const completed = await browser.post(originB, `/sso/${slug}/acs`, form);
    assert.equal(completed.status, 303, completed.body.slice(0, 400));
    assert.equal(completed.location, '/users', 'the return path remembered on A is used on B');
    assert.ok(browser.cookies.has('qrp_session'));
    assert.equal((await browser.get(originA, '/users')).status, 200, 'the SSO session from B works on A');

    // The same response again, this time to A (an attacker replaying a captured POST): refused, no session.
    const attacker = new HttpBrowser();
    const replayed = await attacker.post(originA, `/sso/${slug}/acs`, form);
    assert.equal(replayed.status, 400, replayed.body.slice(0, 400));
    assert.equal(attacker.cookies.has('qrp_session'), false);
    // And to B too.
    assert.equal((await new HttpBrowser().post(originB, `/sso/${slug}/acs`, form)).status, 400);
    const sessions = await shared.db.selectFrom('sessions').select('id').where('account_id', '=', accountId).where('sso_name_id', 'is not', null).execute();
    assert.equal(sessions.length, 1, 'exactly one SSO session');

    // Each instance counts its own sign-ins: B the success and a refused replay, A a refused replay.
    const scrape = async (origin: string) => (await fetch(`${origin}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const [metricsA, metricsB] = [await scrape(originA), await scrape(originB)];
    assert.match(metricsB, /^blanca_sign_ins_total\{method="sso",outcome="success"\} 1$/m);
    assert.match(metricsB, /^blanca_sign_ins_total\{method="sso",outcome="failure"\} 1$/m);
    assert.match(metricsA, /^blanca_sign_ins_total\{method="sso",outcome="failure"\} 1$/m);
    assert.doesNotMatch(metricsA, /method="sso",outcome="success"/, 'no SSO success on A');
    assert.match(metricsB, /^blanca_sign_ins_total\{method="password",outcome="success"\} 1$/m, 'the password sign-in was posted to B');
  });

  test('scans split over both instances are each counted once after both close', async () => {
    const user = await apiCall(originA, 'POST', '/users', { name: 'Scale' });
    assert.equal(user.status, 201);
    const code = await apiCall(originB, 'POST', '/codes', { userId: user.body.id, kind: 'dynamic', name: 'Split', content: { type: 'url', url: 'https://example.com/split' } });
    assert.equal(code.status, 201, JSON.stringify(code.body));
    const [onA, onB] = await Promise.all([hammer(originA, `/${code.body.shortCode}`, 1200, PHONE_UA), hammer(originB, `/${code.body.shortCode}`, 800, PHONE_UA)]);
    assert.deepEqual(onA, { 302: 1200 });
    assert.deepEqual(onB, { 302: 800 });
    assert.deepEqual([a.app.qr.recorder.pending, b.app.qr.recorder.pending], [1200, 800], 'the flush interval is a minute and a batch 5000: every scan waits in a queue');
    await Promise.all([a.close(), b.close()]);
    const count = await shared.db.selectFrom('qr_scans').select((eb) => eb.fn.countAll<string | number>().as('n')).where('code_id', '=', code.body.id).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 2000, 'every scan from both instances, once');
  });
});
