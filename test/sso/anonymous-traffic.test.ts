/**
 * Issue 9 item 6: anonymous requests to the public SAML endpoints cannot fill the disk. Before,
 * each anonymous ACS post stored its XML (up to 512 KiB) in the SSO log and each sign-in start
 * wrote a row, without limit. Now the endpoints are rate-limited per client and per account, and
 * the SSO log keeps an hourly budget per account, counting the rest into one summary row.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { ANONYMOUS_ENTRIES_PER_HOUR, ANONYMOUS_XML_PER_HOUR } from '../../src/sso/anonymous-log.js';
import { SAML_REQUESTS_PER_ACCOUNT_PER_MINUTE, SAML_REQUESTS_PER_CLIENT_PER_MINUTE } from '../../src/sso/rate-limits.js';
import { api, describeEachEngine, OWNER_PASSWORD, startTestApp, type TestApp } from '../support/app.js';
import { PortalClient } from '../support/portal.js';
import { testKeys } from '../support/saml-fixtures.js';
import { buildResponse, toBase64 } from '../support/saml-signer.js';

const PUBLIC_URL = 'http://blanca.test';
const IDP = 'https://sts.windows.net/aaaaaaaa-0000-4000-8000-00000000000a/';
const KiB = 1024;
// A fixed clock keeps every entry in one hour of the budget, whenever the test runs.
const NOW = new Date('2026-12-04T10:15:00Z');

describeEachEngine('anonymous SAML traffic', (engine) => {
  let app: TestApp;
  let slug: string;
  let acsUrl: string;
  let entityId: string;
  let clientNumber = 0;
  /** A new client address per request, so only the budget (not the per-client limit) is tested. */
  const nextClient = () => `198.51.${(clientNumber >> 8) & 255}.${clientNumber++ & 255}`;

  before(async () => {
    app = await startTestApp(engine, { env: { PUBLIC_URL }, clock: { now: () => NOW } });
    await setSsoEnabled(app.blanca.deps.db, app.accountId, true, NOW);
    ({ slug } = await app.blanca.deps.db.selectFrom('accounts').select('slug').where('id', '=', app.accountId).executeTakeFirstOrThrow());
    const put = await app.blanca.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ ssoType: 'user', idpEntityId: IDP, idpSsoUrl: `${IDP}saml2`, idpCertificates: [testKeys.idpA.cert], allowIdpInitiated: true }) });
    assert.equal(put.statusCode, 200, put.body);
    ({ acsUrl, entityId } = (JSON.parse(put.body) as { sp: { acsUrl: string; entityId: string } }).sp);
  });
  after(() => app.close());

  /** An unsigned response (refused: signature_missing) padded to about `size` bytes of XML. */
  function forged(size: number, padding = randomBytes(size / 2).toString('hex')): string {
    const xml = buildResponse({ assertionId: `_${randomUUID()}`, responseId: '_forged', issuer: IDP, destination: acsUrl, recipient: acsUrl, audiences: [entityId], nameId: 'mallory@example.test', attributes: { padding: [padding] }, issueInstant: NOW, notBefore: NOW, notOnOrAfter: new Date(NOW.getTime() + 60_000) });
    return toBase64(xml);
  }

  const postAcs = (samlResponse: string, remoteAddress = nextClient()) =>
    app.blanca.app.inject({ method: 'POST', url: `/sso/${slug}/acs`, remoteAddress, payload: new URLSearchParams({ SAMLResponse: samlResponse }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });

  const logStats = async (kind: string) => {
    const rows = await app.blanca.deps.db.selectFrom('sso_log').select(['xml', 'repeats', 'kind']).where('account_id', '=', app.accountId).execute();
    const ofKind = rows.filter((r) => r.kind === kind);
    return { rows: ofKind.length, withXml: ofKind.filter((r) => r.xml !== null).length, xmlBytes: ofKind.reduce((sum, r) => sum + (r.xml?.length ?? 0), 0), all: rows };
  };

  test('the same anonymous message keeps its XML once', async () => {
    const same = forged(64 * KiB);
    for (let i = 0; i < 5; i++) assert.equal((await postAcs(same)).statusCode, 400);
    const stats = await logStats('response');
    assert.equal(stats.rows, 5);
    assert.equal(stats.withXml, 1, 'one copy of the XML for five identical posts');
  });

  test('a flood of 150 distinct 256 KiB posts stays within the hourly cap, the rest counted', async () => {
    const posts = 150;
    for (let i = 0; i < posts; i++) assert.equal((await postAcs(forged(256 * KiB))).statusCode, 400);
    const stats = await logStats('response');
    assert.equal(stats.rows, ANONYMOUS_ENTRIES_PER_HOUR, 'rows kept one by one');
    assert.ok(stats.withXml <= ANONYMOUS_XML_PER_HOUR, `${stats.withXml} rows keep XML`);
    // Before: 155 posts kept ~39 MiB of XML. Now at most ANONYMOUS_XML_PER_HOUR messages.
    assert.ok(stats.xmlBytes <= ANONYMOUS_XML_PER_HOUR * 260 * KiB, `${stats.xmlBytes} bytes of XML`);
    const summary = stats.all.filter((r) => r.kind === 'similar_failures');
    assert.equal(summary.length, 1);
    assert.equal(summary[0]!.repeats, posts + 5 - ANONYMOUS_ENTRIES_PER_HOUR);

    // The count is shown in the SSO log (portal and API).
    const portal = new PortalClient(app.blanca.app);
    await portal.signIn(app.ownerEmail, OWNER_PASSWORD);
    const page = await portal.get('/settings/sso/log');
    assert.equal(page.status, 200);
    assert.match(page.body, new RegExp(`and ${posts + 5 - ANONYMOUS_ENTRIES_PER_HOUR} similar failures`));
    const listed = await api(app, 'GET', '/sso/log?limit=500', app.adminToken);
    assert.equal(listed.body.entries.find((e: { kind: string }) => e.kind === 'similar_failures').repeats, posts + 5 - ANONYMOUS_ENTRIES_PER_HOUR);
  });

  test('sign-in starts do not write a row per request', async () => {
    const starts = ANONYMOUS_ENTRIES_PER_HOUR + 30;
    for (let i = 0; i < starts; i++) {
      const response = await app.blanca.app.inject({ method: 'GET', url: `/sso/${slug}/login`, remoteAddress: nextClient() });
      assert.equal(response.statusCode, 303);
    }
    const stats = await logStats('authn_request');
    assert.equal(stats.rows, ANONYMOUS_ENTRIES_PER_HOUR);
    assert.equal(stats.all.find((r) => r.kind === 'similar_starts')?.repeats, 30);
  });

  test('one client is limited across the public SAML endpoints; others are not', async () => {
    const client = '203.0.113.9';
    let refused: { statusCode: number; headers: Record<string, unknown> } | undefined;
    let allowed = 0;
    for (let i = 0; i <= SAML_REQUESTS_PER_CLIENT_PER_MINUTE && !refused; i++) {
      const response = await app.blanca.app.inject({ method: 'GET', url: `/sso/${slug}/metadata`, remoteAddress: client });
      if (response.statusCode === 429) refused = response;
      else allowed++;
    }
    assert.equal(allowed, SAML_REQUESTS_PER_CLIENT_PER_MINUTE);
    assert.ok(refused, 'the request past the limit is refused');
    assert.ok(Number(refused.headers['retry-after']) > 0);
    // The ACS too, before its body is read; and another client is not affected.
    assert.equal((await postAcs(forged(2 * KiB), client)).statusCode, 429);
    assert.equal((await app.blanca.app.inject({ method: 'GET', url: `/sso/${slug}/metadata`, remoteAddress: '203.0.113.10' })).statusCode, 200);
  });

  test('all clients together are limited per account', async () => {
    // Another account name (unknown slugs count too, so probing cannot bypass the limit).
    let status = 0;
    let requests = 0;
    while (requests <= SAML_REQUESTS_PER_ACCOUNT_PER_MINUTE) {
      requests++;
      status = (await app.blanca.app.inject({ method: 'GET', url: '/sso/flooded/metadata', remoteAddress: nextClient() })).statusCode;
      if (status === 429) break;
    }
    assert.equal(status, 429);
    assert.equal(requests, SAML_REQUESTS_PER_ACCOUNT_PER_MINUTE + 1);
    // The account under attack is the only one limited.
    assert.equal((await app.blanca.app.inject({ method: 'GET', url: `/sso/${slug}/metadata`, remoteAddress: nextClient() })).statusCode, 200);
  });
});
