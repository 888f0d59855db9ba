import { X509Certificate } from 'node:crypto';
/**
 * The SSO tab through the REST API (GET/PUT /api/v1/sso, POST /api/v1/sso/metadata,
 * GET /api/v1/sso/sp-metadata, GET /api/v1/sso/log), on both engines.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { ENTRA_ATTRIBUTES } from '../../src/sso/attributes.js';
import { api, describeEachEngine, startTestApp, tokenFor, ownerActor, type TestApp } from '../support/app.js';
import { PortalClient } from '../support/portal.js';
import { localText, testKeys } from '../support/saml-fixtures.js';
import { schemaErrors, toolSkip } from '../support/xml-tools.js';

const PUBLIC_URL = 'https://qr.blanca.test';
const ENTRA = {
  metadata: () => localText('entra/metadata/entra-app-metadata-ssoready.xml'),
  entityId: 'https://sts.windows.net/a9054a0f-2011-4e31-b3ac-fd8c354146ec/',
  ssoUrl: 'https://login.microsoftonline.com/a9054a0f-2011-4e31-b3ac-fd8c354146ec/saml2',
};

describeEachEngine('SSO tab API', (engine) => {
  let app: TestApp;
  let slug: string;

  before(async () => {
    app = await startTestApp(engine, { env: { PUBLIC_URL } });
    slug = (await app.blanca.deps.db.selectFrom('accounts').select('slug').where('id', '=', app.accountId).executeTakeFirstOrThrow()).slug;
  });
  after(() => app.close());

  async function put(body: unknown, token = app.adminToken) {
    const r = await app.blanca.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    return { status: r.statusCode, body: JSON.parse(r.body) as any };
  }
  const spMetadata = (token = app.adminToken) => app.blanca.app.inject({ method: 'GET', url: '/api/v1/sso/sp-metadata', headers: { authorization: `Bearer ${token}` } });

  test('403 feature_disabled on every SSO endpoint until the operator switches SSO on', async () => {
    const calls = [
      await api(app, 'GET', '/sso', app.adminToken),
      await put({ ssoType: 'user', idpMetadataXml: ENTRA.metadata() }),
      await api(app, 'POST', '/sso/metadata', app.adminToken, { xml: ENTRA.metadata() }),
      await api(app, 'GET', '/sso/log', app.adminToken),
    ];
    for (const r of calls) {
      assert.equal(r.status, 403);
      assert.equal(r.body.code, 'feature_disabled');
      assert.match(r.body.detail, /enterprise feature/);
    }
    const sp = await spMetadata();
    assert.equal(sp.statusCode, 403);
    assert.equal(JSON.parse(sp.body).code, 'feature_disabled');
    // Nor is the public SP descriptor there.
    assert.equal((await app.blanca.app.inject({ method: 'GET', url: `/sso/${slug}/metadata` })).statusCode, 404);
    await setSsoEnabled(app.blanca.deps.db, app.accountId, true, new Date());
  });

  test('GET /sso before anything is saved: not configured, Entra attribute names, SP endpoints from PUBLIC_URL', async () => {
    const r = await api(app, 'GET', '/sso', app.adminToken);
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'not_configured');
    assert.deepEqual(r.body.attributes, ENTRA_ATTRIBUTES);
    assert.deepEqual(r.body.sp, {
      entityId: `${PUBLIC_URL}/sso/${slug}/metadata`,
      descriptorUrl: `${PUBLIC_URL}/sso/${slug}/metadata`,
      acsUrl: `${PUBLIC_URL}/sso/${slug}/acs`,
      sloUrl: `${PUBLIC_URL}/sso/${slug}/slo`,
      signInUrl: `${PUBLIC_URL}/sso/${slug}/login`,
    });
  });

  test('POST /sso/metadata reads what it pre-fills, saves nothing; bad XML and blocked URLs are 400 with the field path', async () => {
    const ok = await api(app, 'POST', '/sso/metadata', app.adminToken, { xml: ENTRA.metadata() });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.entityId, ENTRA.entityId);
    assert.equal(ok.body.ssoUrl, ENTRA.ssoUrl);
    assert.equal(ok.body.sloUrl, ENTRA.ssoUrl);
    assert.equal(ok.body.certificates.length, 1);
    assert.match(ok.body.certificates[0].subject, /Microsoft Azure Federated SSO Certificate/);
    assert.equal((await api(app, 'GET', '/sso', app.adminToken)).body.status, 'draft', 'nothing connected');

    const bad = await api(app, 'POST', '/sso/metadata', app.adminToken, { xml: '<html><body>Sign in</body></html>' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'validation_failed');
    assert.equal(bad.body.errors[0].path, 'xml');

    const internal = await api(app, 'POST', '/sso/metadata', app.adminToken, { url: 'http://127.0.0.1:9/federationmetadata.xml' });
    assert.equal(internal.status, 400);
    assert.equal(internal.body.errors[0].path, 'url');

    const empty = await api(app, 'POST', '/sso/metadata', app.adminToken, {});
    assert.equal(empty.status, 400);
    const notUrl = await api(app, 'POST', '/sso/metadata', app.adminToken, { url: 'login.microsoftonline.com/x' });
    assert.equal(notUrl.status, 400);
    assert.deepEqual(notUrl.body.errors, [{ path: 'url', message: 'Enter an address starting with https:// (or http://).' }]);

    const log = (await api(app, 'GET', '/sso/log?outcome=failure', app.adminToken)).body.entries;
    assert.ok(log.some((e: { failureCode: string }) => e.failureCode === 'metadata_fetch_failed'));
    assert.ok(log.some((e: { failureCode: string }) => e.failureCode === 'metadata_invalid'));
  });

  test('PUT /sso: clear 400s with field paths — no certificate, no login URL, no entity ID, bad metadata, bad certificate, bad values', async () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ ssoType: 'user', idpEntityId: ENTRA.entityId, idpSsoUrl: ENTRA.ssoUrl }, 'idpCertificates', /signing certificate/],
      [{ ssoType: 'user', idpEntityId: ENTRA.entityId, idpCertificates: [testKeys.idpA.cert] }, 'idpSsoUrl', /SSO login service URL/],
      [{ ssoType: 'user', idpSsoUrl: ENTRA.ssoUrl, idpCertificates: [testKeys.idpA.cert] }, 'idpEntityId', /entity ID/],
      [{ ssoType: 'user', idpMetadataXml: '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>' }, 'idpMetadataXml', /by hand/],
      [{ ssoType: 'user', idpEntityId: ENTRA.entityId, idpSsoUrl: ENTRA.ssoUrl, idpCertificates: ['not a certificate'] }, 'idpCertificates[0]', /not an X\.509 certificate/],
      [{ ssoType: 'user', idpEntityId: ENTRA.entityId, idpSsoUrl: 'ftp://idp.example/sso', idpCertificates: [testKeys.idpA.cert] }, 'idpSsoUrl', /https:\/\//],
      [{ ssoType: 'both' }, 'ssoType', /./],
      [{ ssoType: 'user', attributes: { ...ENTRA_ATTRIBUTES, email: '' } }, 'attributes.email', /attribute \(claim\) name/],
      [{ ssoType: 'user', emailDomains: ['not a domain'] }, 'emailDomains[0]', /example\.com/],
      [{ ssoType: 'user', clockSkewSeconds: 3600 }, 'clockSkewSeconds', /0 to 600/],
    ];
    for (const [body, path, message] of cases) {
      const r = await put(body);
      assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 80)} → ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, 'validation_failed');
      const error = r.body.errors?.find((e: { path: string }) => e.path === path);
      assert.ok(error, `expected an error at ${path}: ${JSON.stringify(r.body.errors)}`);
      assert.match(error.message, message);
    }
    assert.equal((await api(app, 'GET', '/sso', app.adminToken)).body.status, 'draft', 'a refused Connect changes nothing');
  });

  test('PUT /sso from pasted Entra metadata connects; typed values win over the metadata; GET shows it', async () => {
    const r = await put({ ssoType: 'subaccount', idpMetadataXml: ENTRA.metadata(), idpSloUrl: null, emailDomains: ['example.com', 'example.com'], attributes: { ...ENTRA_ATTRIBUTES, role: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'connected');
    assert.equal(r.body.ssoType, 'subaccount');
    assert.equal(r.body.idpEntityId, ENTRA.entityId);
    assert.equal(r.body.idpSsoUrl, ENTRA.ssoUrl);
    assert.equal(r.body.idpSloUrl, null, 'logout URL explicitly left out');
    assert.equal(r.body.idpCertificates.length, 1);
    assert.equal(r.body.idpCertificates[0].notAfter.slice(0, 10), '2026-11-16');
    assert.deepEqual(r.body.emailDomains, ['example.com']);
    assert.equal(r.body.attributes.role, 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role');
    const again = await api(app, 'GET', '/sso', app.adminToken);
    assert.deepEqual(again.body, r.body);
    // A second Connect with a typed certificate replaces the metadata's (rollover by hand).
    const typed = await put({ ssoType: 'user', idpCertificates: [testKeys.idpA.cert, testKeys.idpB.cert] });
    assert.equal(typed.status, 200, JSON.stringify(typed.body));
    assert.equal(typed.body.idpCertificates.length, 2);
    assert.equal(typed.body.idpEntityId, ENTRA.entityId, 'kept');
    const log = (await api(app, 'GET', '/sso/log?limit=5', app.adminToken)).body.entries;
    assert.ok(log.some((e: { kind: string; outcome: string; summary: string }) => e.kind === 'metadata' && e.outcome === 'info' && e.summary.includes(ENTRA.entityId)));
  });

  test('GET /sso/sp-metadata: the SP descriptor, valid against the SAML metadata XSD, identical to the public descriptor URL', { skip: toolSkip('xmllint') }, async () => {
    const r = await spMetadata();
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^application\/samlmetadata\+xml/);
    assert.equal(schemaErrors(r.body, 'saml-schema-metadata-2.0.xsd'), '');
    assert.match(r.body, new RegExp(`entityID="${PUBLIC_URL}/sso/${slug}/metadata"`));
    assert.match(r.body, new RegExp(`Location="${PUBLIC_URL}/sso/${slug}/acs"`));
    assert.match(r.body, /WantAssertionsSigned="false"/);
    const pub = await app.blanca.app.inject({ method: 'GET', url: `/sso/${slug}/metadata?download=1` });
    assert.equal(pub.body, r.body);
    // White-label: the file Entra receives is named after the account, never the vendor.
    assert.equal(pub.headers['content-disposition'], `attachment; filename="${slug}-sp-metadata.xml"`);
    // The SP certificate's subject is the account's name (CN=<account name>), not the vendor's.
    const certificate = new X509Certificate(`-----BEGIN CERTIFICATE-----\n${/<ds:X509Certificate>([^<]+)</.exec(r.body)![1]}\n-----END CERTIFICATE-----`);
    assert.equal(certificate.subject, `CN=${(await api(app, 'GET', '/account', app.adminToken)).body.name}`);
    assert.doesNotMatch(certificate.subject, /Blanca/i);
  });

  test('GET /sso/log: newest first, filters by outcome and person, 400 on a bad filter', async () => {
    const all = await api(app, 'GET', '/sso/log', app.adminToken);
    assert.equal(all.status, 200);
    assert.ok(all.body.entries.length >= 5);
    const times = all.body.entries.map((e: { at: string }) => e.at);
    assert.deepEqual([...times].sort().reverse(), times);
    const failures = await api(app, 'GET', '/sso/log?outcome=failure&limit=2', app.adminToken);
    assert.equal(failures.body.entries.length, 2);
    assert.ok(failures.body.entries.every((e: { outcome: string; fix: string | null }) => e.outcome === 'failure' && e.fix), JSON.stringify(failures.body.entries.map((e: { summary: string; fix: string | null }) => [e.summary, e.fix])));
    const one = await api(app, 'GET', `/sso/log/${failures.body.entries[0].id}`, app.adminToken);
    assert.equal(one.status, 200);
    assert.equal(one.body.id, failures.body.entries[0].id);
    assert.equal((await api(app, 'GET', '/sso/log?outcome=maybe', app.adminToken)).status, 400);
    assert.equal((await api(app, 'GET', '/sso/log?limit=0', app.adminToken)).status, 400);
  });

  test('403 for a manager (portal SSO tab and log; no account token) and for a user-scoped token', async () => {
    const manager = await api(app, 'POST', '/subaccounts', app.adminToken, { email: 'monica@example.com', name: 'Monica', role: 'manager', password: 'monica-password-1' });
    assert.equal(manager.status, 201, JSON.stringify(manager.body));
    const portal = new PortalClient(app.blanca.app);
    const signedIn = await portal.signIn('monica@example.com', 'monica-password-1');
    assert.equal(signedIn.status, 303);
    assert.equal((await portal.get('/settings/sso')).status, 403);
    assert.equal((await portal.get('/settings/sso/log')).status, 403);
    assert.equal((await portal.post('/settings/sso', { ssoType: 'user', action: 'connect' })).status, 403);
    // A manager cannot get an account (administrator) token to reach the API either.
    assert.equal((await portal.post('/tokens', { name: 'mine' })).status, 403);

    const user = await api(app, 'POST', '/users', app.adminToken, { name: 'Marketing' });
    const userToken = await tokenFor(app.blanca, app.accountId, await ownerActor(app.blanca, app.accountId), user.body.id);
    for (const r of [await api(app, 'GET', '/sso', userToken), await api(app, 'GET', '/sso/log', userToken), await api(app, 'POST', '/sso/metadata', userToken, { xml: ENTRA.metadata() }), await put({ ssoType: 'user' }, userToken)]) {
      assert.equal(r.status, 403);
      assert.equal(r.body.code, 'forbidden');
    }
    assert.equal((await spMetadata(userToken)).statusCode, 403);
    assert.equal((await api(app, 'GET', '/sso', null)).status, 401);
  });
});
