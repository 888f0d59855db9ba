/**
 * SSO lifecycle (issue 5): bounded SSO log retention, the metadata refresh (on demand and on
 * schedule, under a lease), the certificate diff in the SSO log, certificate expiry warnings, and
 * the one-time replay cache shared by two Blanca instances on one PostgreSQL schema.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { openDatabase } from '../../src/db/connect.js';
import { createBlanca, type Blanca } from '../../src/server.js';
import { createLeaseStore } from '../../src/ops/lease.js';
import { runMetadataRefresh, runSsoCleanup, ssoJobDefinitions } from '../../src/sso/jobs.js';
import { expiringCertificates } from '../../src/sso/lifecycle.js';
import { generateSpKeyPair } from '../../src/sso/saml/sp-keys.js';
import { writeSsoLog } from '../../src/sso/store.js';
import { PortalClient } from '../support/portal.js';
import { api, createOtherAccount, describeEachEngine, OWNER_PASSWORD, ownerActor, PG_URL, postgresAvailable, startTestApp, testConfig, tokenFor, type TestApp } from '../support/app.js';
import { testKeys } from '../support/saml-fixtures.js';
import { buildAssertion, buildResponse, signAssertion, toBase64, type SignOptions } from '../support/saml-signer.js';

const PUBLIC_URL = 'http://blanca.test';
const IDP = 'https://idp.example.test/metadata';
const DAY = 24 * 60 * 60 * 1000;
const body = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');

function metadata(certs: string[]): string {
  return `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${IDP}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${certs
    .map((c) => `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${body(c)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`)
    .join('')}<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
}

/** The IdP's metadata endpoint; `certs` is what it publishes right now. */
async function metadataServer(): Promise<{ url: string; certs: string[]; close(): Promise<void> }> {
  const state = { certs: [testKeys.idpA.cert] };
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/samlmetadata+xml' });
    response.end(metadata(state.certs));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/federationmetadata.xml`,
    get certs() { return state.certs; },
    set certs(value: string[]) { state.certs = value; },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function signedResponse(acsUrl: string, entityId: string, sign: SignOptions, assertionId = `_${randomUUID()}`): string {
  const now = new Date();
  const spec = {
    assertionId,
    responseId: `_${randomUUID()}`,
    issuer: IDP,
    destination: acsUrl,
    recipient: acsUrl,
    audiences: [entityId],
    nameId: 'rita@example.test',
    attributes: { 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': ['rita@example.test'], Role: ['whitelabel_admin'] },
    issueInstant: now,
    notBefore: new Date(now.getTime() - 60_000),
    notOnOrAfter: new Date(now.getTime() + 5 * 60_000),
  };
  return toBase64(buildResponse(spec, signAssertion(buildAssertion(spec), sign)));
}

async function postAcs(blanca: Blanca, slug: string, samlResponse: string) {
  const r = await blanca.app.inject({ method: 'POST', url: `/sso/${slug}/acs`, payload: new URLSearchParams({ SAMLResponse: samlResponse }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const cookie = ([] as string[]).concat(r.headers['set-cookie'] ?? []).find((c) => c.startsWith('qrp_session='));
  return { status: r.statusCode, signedIn: cookie !== undefined, body: r.body };
}

describeEachEngine('SSO lifecycle', (engine) => {
  let app: TestApp;
  let idp: Awaited<ReturnType<typeof metadataServer>>;
  let slug: string;
  let sp: { entityId: string; acsUrl: string };

  before(async () => {
    idp = await metadataServer();
    app = await startTestApp(engine, { env: { PUBLIC_URL, SSO_METADATA_ALLOWED_HOSTS: '127.0.0.1' } });
    await setSsoEnabled(app.blanca.deps.db, app.accountId, true, new Date());
    slug = (await app.blanca.deps.db.selectFrom('accounts').select('slug').where('id', '=', app.accountId).executeTakeFirstOrThrow()).slug;
    const put = await app.blanca.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ ssoType: 'user', idpMetadataUrl: idp.url, allowIdpInitiated: true, logRetentionDays: 3 }) });
    assert.equal(put.statusCode, 200, put.body);
    const view = JSON.parse(put.body);
    assert.equal(view.logRetentionDays, 3);
    assert.deepEqual(view.warnings, []);
    sp = view.sp;
  });
  after(async () => {
    await app.close();
    await idp.close();
  });

  test('retention: entries older than the account setting (3 days) or the default (14 days) are deleted, newer ones kept', async () => {
    const db = app.blanca.deps.db;
    const other = await createOtherAccount(app, 'Retention Corp');
    await setSsoEnabled(db, other.accountId, true, new Date());
    assert.equal((await api(app, 'GET', '/sso', other.adminToken)).body.logRetentionDays, 14); // row made with the default
    const now = new Date();
    const entry = (accountId: string, ageDays: number, summary: string) =>
      writeSsoLog(db, { account_id: accountId, direction: 'in', kind: 'response', outcome: 'success', person: 'p', summary, fix: null, failure_code: null, xml: '<samlp:Response/>', attributes: null, mapping: null }, new Date(now.getTime() - ageDays * DAY));
    await entry(app.accountId, 5, 'mine-old');
    await entry(app.accountId, 1, 'mine-new');
    await entry(other.accountId, 10, 'other-kept');
    await entry(other.accountId, 20, 'other-old');
    await runSsoCleanup(db, now);
    const left = (await db.selectFrom('sso_log').select('summary').where('summary', 'in', ['mine-old', 'mine-new', 'other-kept', 'other-old']).execute()).map((r) => r.summary).sort();
    assert.deepEqual(left, ['mine-new', 'other-kept']);
  });

  test('retention setting is validated (1 to 365 days)', async () => {
    const r = await app.blanca.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ ssoType: 'user', logRetentionDays: 0 }) });
    assert.equal(r.statusCode, 400);
  });

  test('rotation at the IdP: Refresh metadata adds the new certificate, then removes the old; the diff is in the SSO log; sign-in continues', async () => {
    const signB: SignOptions = { key: testKeys.idpB.key, cert: testKeys.idpB.cert };
    // Before the refresh, a response signed with the new key is refused.
    assert.equal((await postAcs(app.blanca, slug, signedResponse(sp.acsUrl, sp.entityId, signB))).signedIn, false);
    idp.certs = [testKeys.idpA.cert, testKeys.idpB.cert];
    const first = await api(app, 'POST', '/sso/metadata/refresh', app.adminToken);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.ok, true);
    assert.equal(first.body.added.length, 1);
    assert.deepEqual(first.body.removed, []);
    assert.equal(first.body.connection.idpCertificates.length, 2);
    assert.ok((await postAcs(app.blanca, slug, signedResponse(sp.acsUrl, sp.entityId, signB))).signedIn, 'signed in with the new certificate');
    idp.certs = [testKeys.idpB.cert];
    const second = await api(app, 'POST', '/sso/metadata/refresh', app.adminToken);
    assert.deepEqual([second.body.added.length, second.body.removed.length], [0, 1]);
    assert.equal((await postAcs(app.blanca, slug, signedResponse(sp.acsUrl, sp.entityId, { key: testKeys.idpA.key, cert: testKeys.idpA.cert }))).signedIn, false, 'the removed certificate is no longer trusted');
    assert.ok((await postAcs(app.blanca, slug, signedResponse(sp.acsUrl, sp.entityId, signB))).signedIn);
    const log = (await api(app, 'GET', '/sso/log?outcome=info&limit=50', app.adminToken)).body.entries as Array<{ kind: string; summary: string; mapping: { added: string[]; removed: string[] } | null }>;
    const refreshes = log.filter((e) => e.kind === 'metadata' && e.summary.startsWith('Metadata refresh (on request)'));
    assert.ok(refreshes.some((e) => /removed "CN=Blanca test idp-a/.test(e.summary) && e.mapping?.removed.length === 1), JSON.stringify(refreshes.map((e) => e.summary)));
    assert.ok(refreshes.some((e) => /added "CN=Blanca test idp-b/.test(e.summary) && e.mapping?.added.length === 1));
  });

  test('a refresh that fails keeps the certificates and logs why', async () => {
    idp.certs = [];
    const r = await api(app, 'POST', '/sso/metadata/refresh', app.adminToken);
    assert.equal(r.body.ok, false);
    assert.equal(r.body.connection.idpCertificates.length, 1);
    const failures = (await api(app, 'GET', '/sso/log?outcome=failure&limit=10', app.adminToken)).body.entries as Array<{ kind: string; summary: string }>;
    assert.ok(failures.some((e) => e.kind === 'metadata' && /Metadata refresh \(on request\).*kept/.test(e.summary)));
    idp.certs = [testKeys.idpB.cert];
  });

  test('scheduled refresh: due connections only, accounts without a metadata URL skipped, one instance at a time (lease)', async () => {
    const db = app.blanca.deps.db;
    const other = await createOtherAccount(app, 'No Metadata Corp');
    await setSsoEnabled(db, other.accountId, true, new Date());
    // A connected account without a metadata URL: the scheduled refresh must skip it.
    assert.equal((await app.blanca.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${other.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ ssoType: 'user', idpEntityId: 'https://other.example.test/', idpSsoUrl: 'https://other.example.test/sso', idpCertificates: [testKeys.idpB.cert] }) })).statusCode, 200);
    const now = new Date(Date.now() + 13 * 60 * 60 * 1000);
    // The refresh runs under the fleet-wide job lease (src/ops/jobs.ts); on PostgreSQL another
    // instance holding it keeps this one from running the job.
    if (app.blanca.deps.engine === 'postgres') {
      const [refreshJob] = ssoJobDefinitions({ db, config: app.config }).filter((j) => j.name === 'sso-metadata-refresh');
      assert.ok(refreshJob);
      assert.ok(await createLeaseStore(db, 'postgres', 'instance-2').acquire(refreshJob.name, 60_000, now));
      assert.equal(await createLeaseStore(db, 'postgres').acquire(refreshJob.name, 60_000, now), false);
    }
    const later = new Date(now.getTime() + 61_000);
    idp.certs = [testKeys.idpB.cert, testKeys.idpA.cert];
    const pass = await runMetadataRefresh({ db, config: app.config }, later);
    assert.deepEqual(pass, { refreshed: 1, failed: 0 });
    assert.equal((await api(app, 'GET', '/sso', app.adminToken)).body.idpCertificates.length, 2);
    // Just refreshed: not due again within 12 hours.
    assert.deepEqual(await runMetadataRefresh({ db, config: app.config }, new Date(later.getTime() + 60_000)), { refreshed: 0, failed: 0 });
    const log = (await api(app, 'GET', '/sso/log?outcome=info&limit=50', app.adminToken)).body.entries as Array<{ summary: string }>;
    assert.ok(log.some((e) => /^Metadata refresh \(on schedule\).*added "CN=Blanca test idp-a/.test(e.summary)));
  });

  test('a scheduled refresh that fails is logged, keeps the certificates, and is retried a period later, not at every check', async () => {
    const db = app.blanca.deps.db;
    const before = (await api(app, 'GET', '/sso', app.adminToken)).body.idpCertificates.length;
    idp.certs = [];
    const at = new Date(Date.now() + 30 * 60 * 60 * 1000);
    assert.deepEqual(await runMetadataRefresh({ db, config: app.config }, at), { refreshed: 0, failed: 1 });
    assert.deepEqual(await runMetadataRefresh({ db, config: app.config }, new Date(at.getTime() + 60 * 60 * 1000)), { refreshed: 0, failed: 0 });
    assert.equal((await api(app, 'GET', '/sso', app.adminToken)).body.idpCertificates.length, before);
    const failures = (await api(app, 'GET', '/sso/log?outcome=failure&limit=10', app.adminToken)).body.entries as Array<{ summary: string }>;
    assert.match(failures[0]!.summary, /^Metadata refresh \(on schedule\) .* failed: .*kept\.$/);
    idp.certs = [testKeys.idpB.cert];
    assert.deepEqual(await runMetadataRefresh({ db, config: app.config }, new Date(at.getTime() + 13 * 60 * 60 * 1000)), { refreshed: 1, failed: 0 });
  });

  test('the SSO jobs are plain definitions for the fleet-wide scheduler, and each runs', async () => {
    const definitions = ssoJobDefinitions({ db: app.blanca.deps.db, config: app.config });
    assert.deepEqual(definitions.map((d) => [d.name, d.intervalMs]), [['sso-log-retention', 15 * 60_000], ['sso-metadata-refresh', 60 * 60_000]]);
    for (const definition of definitions) await definition.run(new Date());
  });

  test('warnings: an IdP certificate in use that expires within 60 days is reported by GET /api/v1/sso and the SSO tab', async () => {
    const soon = await generateSpKeyPair({ commonName: 'Expiring IdP cert', now: new Date(), validDays: 30 });
    const put = await app.blanca.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ ssoType: 'user', idpCertificates: [soon.certificatePem, testKeys.idpB.cert] }) });
    assert.equal(put.statusCode, 200, put.body);
    const view = (await api(app, 'GET', '/sso', app.adminToken)).body;
    assert.equal(view.warnings.length, 1);
    assert.match(view.warnings[0], /Expiring IdP cert.*expires on .* \(in (29|30) days\)/);
    assert.equal(expiringCertificates([testKeys.idpA.cert], new Date()).length, 0);
    assert.equal(expiringCertificates([testKeys.idpA.cert], new Date('2051-07-01T00:00:00Z')).length, 1);
  });

  test('SSO tab: certificate warning (English and Spanish), Refresh metadata button, SHA-1 checkbox and retention saved from the form', async () => {
    const owner = new PortalClient(app.blanca.app);
    const signedIn = await owner.signIn(app.ownerEmail, OWNER_PASSWORD, slug);
    const tab = await owner.get('/settings/sso');
    assert.equal(tab.status, 200, `${signedIn.status} ${signedIn.location} ${tab.location} ${signedIn.body.slice(0, 300)}`);
    assert.match(tab.body, /id="sso-warnings"[\s\S]*Expiring IdP cert[\s\S]*expires on/);
    assert.match(tab.body, /<button[^>]*id="refresh-metadata"[^>]*>Refresh metadata<\/button>/);
    assert.match(tab.body, /<input type="checkbox" name="allowSha1" id="f-allowSha1" value="true"[^>]*>/);
    assert.doesNotMatch(tab.body, /name="allowSha1"[^>]*checked/);
    assert.match(tab.body, /name="logRetentionDays"[^>]*value="3"|value="3"[^>]*name="logRetentionDays"/);

    const spanish = new PortalClient(app.blanca.app, { 'accept-language': 'es' });
    await spanish.signIn(app.ownerEmail, OWNER_PASSWORD, slug);
    const es = await spanish.get('/settings/sso');
    assert.match(es.body, /id="sso-warnings"[\s\S]*caduca el/);
    assert.match(es.body, /Actualizar metadatos/);
    assert.match(es.body, /Aceptar firmas SHA-1/);

    const view = (await api(app, 'GET', '/sso', app.adminToken)).body;
    const saved = await owner.post('/settings/sso', {
      action: 'connect', ssoType: 'user', idpMetadataUrl: view.idpMetadataUrl, idpEntityId: view.idpEntityId, idpSsoUrl: view.idpSsoUrl, idpSloUrl: '',
      attrFirstName: view.attributes.firstName, attrLastName: view.attributes.lastName, attrEmail: view.attributes.email, attrDisplayName: view.attributes.displayName, attrRole: view.attributes.role,
      allowIdpInitiated: 'true', allowSha1: 'true', logRetentionDays: '7', emailDomains: '',
    });
    assert.equal(saved.status, 303, saved.body.slice(0, 500));
    const after = (await api(app, 'GET', '/sso', app.adminToken)).body;
    assert.equal(after.allowSha1, true);
    assert.equal(after.logRetentionDays, 7);
    assert.match((await owner.get('/settings/sso/log')).body, /id="log-retention">Entries, with the SAML messages they hold, are deleted after 7 days/);
    const bad = await owner.post('/settings/sso', { action: 'connect', ssoType: 'user', idpEntityId: view.idpEntityId, idpSsoUrl: view.idpSsoUrl, attrFirstName: 'a', attrLastName: 'b', attrEmail: 'c', attrDisplayName: 'd', attrRole: 'e', logRetentionDays: '0' });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /1 to 365 days/);

    idp.certs = [testKeys.idpB.cert];
    await owner.get('/settings/sso');
    const refreshed = await owner.post('/settings/sso/refresh-metadata', {});
    assert.equal(refreshed.status, 303);
    const page = await owner.follow('/settings/sso');
    assert.match(page.body, /Metadata refreshed: \d+ certificate\(s\) added, \d+ removed, 1 trusted\./);
  });
});

describe('replay across two Blanca instances on one PostgreSQL schema', async () => {
  const reachable = await postgresAvailable();
  test('the same assertion posted to both instances signs in exactly once; a request id started on one is answered once on either', { skip: reachable ? false : 'PostgreSQL not reachable' }, async () => {
    const schema = `t_${Math.random().toString(36).slice(2, 12)}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const config = testConfig({ PUBLIC_URL });
    const one = await createBlanca(config, { database: openDatabase({ databaseUrl: PG_URL, pgSchema: schema, poolSize: 4 }) });
    const two = await createBlanca(config, { database: openDatabase({ databaseUrl: PG_URL, pgSchema: schema, poolSize: 4 }) });
    try {
      const db = one.deps.db;
      const account = await db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
      await setSsoEnabled(db, account.id, true, new Date());
      const token = await tokenFor(one, account.id, await ownerActor(one, account.id));
      const put = await one.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ ssoType: 'user', idpEntityId: IDP, idpSsoUrl: 'https://idp.example.test/sso', idpCertificates: [testKeys.idpA.cert], allowIdpInitiated: true }) });
      assert.equal(put.statusCode, 200, put.body);
      const view = JSON.parse(put.body);
      const signA: SignOptions = { key: testKeys.idpA.key, cert: testKeys.idpA.cert };
      // Sequential: accepted by instance one, refused as a replay by instance two.
      const response = signedResponse(view.sp.acsUrl, view.sp.entityId, signA);
      assert.ok((await postAcs(one, account.slug, response)).signedIn);
      const replay = await postAcs(two, account.slug, response);
      assert.equal(replay.signedIn, false);
      const failure = await two.deps.db.selectFrom('sso_log').select(['failure_code']).where('account_id', '=', account.id).where('outcome', '=', 'failure').orderBy('created_at', 'desc').executeTakeFirst();
      assert.equal(failure?.failure_code, 'replayed_assertion');
      // InResponseTo: a sign-in started on instance one completes on instance two, once.
      const started = await one.app.inject({ method: 'GET', url: `/sso/${account.slug}/login` });
      assert.equal(started.statusCode, 303);
      const pending = await db.selectFrom('sso_requests').select('id').where('account_id', '=', account.id).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
      const answer = (assertionId: string) => {
        const now = new Date();
        const spec = { assertionId, issuer: IDP, destination: view.sp.acsUrl, recipient: view.sp.acsUrl, audiences: [view.sp.entityId], inResponseTo: pending.id, nameId: 'rita@example.test', attributes: { Role: ['whitelabel_admin'] }, issueInstant: now, notBefore: new Date(now.getTime() - 60_000), notOnOrAfter: new Date(now.getTime() + 5 * 60_000) };
        return toBase64(buildResponse(spec, signAssertion(buildAssertion(spec), signA)));
      };
      assert.ok((await postAcs(two, account.slug, answer(`_${randomUUID()}`))).signedIn, 'request id found by the other instance');
      assert.equal((await postAcs(one, account.slug, answer(`_${randomUUID()}`))).signedIn, false, 'a request id answers once, fleet-wide');
      const unknown = await one.deps.db.selectFrom('sso_log').select(['failure_code']).where('account_id', '=', account.id).where('outcome', '=', 'failure').orderBy('created_at', 'desc').executeTakeFirst();
      assert.equal(unknown?.failure_code, 'in_response_to_unknown');
      // Concurrent: a fresh assertion raced to both instances at once signs in exactly once.
      for (let round = 0; round < 3; round++) {
        const raced = signedResponse(view.sp.acsUrl, view.sp.entityId, signA);
        const results = await Promise.all([postAcs(one, account.slug, raced), postAcs(two, account.slug, raced)]);
        assert.equal(results.filter((r) => r.signedIn).length, 1, JSON.stringify(results.map((r) => r.status)));
      }
    } finally {
      await one.close();
      await two.close();
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop schema ${schema} cascade`);
      await client.end();
    }
  });
});
