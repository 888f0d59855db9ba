/**
 * Issue 11 item 5: what the IdP's metadata asks for, and what admins really paste, with the real
 * documents (test/fixtures/saml, and ../shared/fixtures/entra for the unlicensed tenant-independent one).
 * Through the API (PUT /api/v1/sso, POST /api/v1/sso/metadata), on both engines.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { api, describeEachEngine, startTestApp, type TestApp } from '../support/app.js';
import { localText, sharedFixture, sharedSkip } from '../support/saml-fixtures.js';

const PUBLIC_URL = 'https://qr.blanca.test';
const COMMON = 'metadata/entra-common-metadata-2026-erikgrootoonk.xml';

describeEachEngine('IdP metadata cases at Connect', (engine) => {
  let app: TestApp;
  let slug: string;
  let server: Server;
  let served = localText('entra/metadata/entra-app-metadata-ssoready.xml');
  let metadataUrl: string;

  before(async () => {
    app = await startTestApp(engine, { env: { PUBLIC_URL, SSO_METADATA_ALLOWED_HOSTS: '127.0.0.1' } });
    await setSsoEnabled(app.blanca.deps.db, app.accountId, true, new Date());
    slug = (await app.blanca.deps.db.selectFrom('accounts').select('slug').where('id', '=', app.accountId).executeTakeFirstOrThrow()).slug;
    server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/samlmetadata+xml' }).end(served));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    metadataUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/federationmetadata/2007-06/federationmetadata.xml`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await app.close();
  });

  async function put(body: Record<string, unknown>) {
    const r = await app.blanca.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ ssoType: 'user', ...body }) });
    return { status: r.statusCode, body: JSON.parse(r.body) as any };
  }
  const log = async () => (await api(app, 'GET', '/sso/log?limit=5', app.adminToken)).body.entries as Array<{ kind: string; outcome: string; summary: string; fix: string | null }>;

  test('WantAuthnRequestsSigned="true" (Keycloak): Connect turns signed AuthnRequests on and says so; the request the IdP gets is signed', async () => {
    const keycloak = localText('other-idps/keycloak-metadata-ssoready.xml');
    assert.match(keycloak, /WantAuthnRequestsSigned="true"/);
    const r = await put({ idpMetadataXml: keycloak });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.signAuthnRequests, true);
    assert.deepEqual(r.body.notices, ['signed_requests_required']);
    assert.ok((await log()).some((e) => /WantAuthnRequestsSigned="true": signed AuthnRequests were switched on/.test(e.summary)));
    const sp = await app.blanca.app.inject({ method: 'GET', url: `/sso/${slug}/metadata` });
    assert.match(sp.body, /AuthnRequestsSigned="true"/);
    const start = await app.blanca.app.inject({ method: 'GET', url: `/sso/${slug}/login` });
    assert.equal(start.statusCode, 303);
    const location = new URL(String(start.headers.location));
    assert.ok(location.searchParams.get('Signature'), 'the AuthnRequest is signed');
    assert.equal(location.searchParams.get('SigAlg'), 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    // A later Connect with the same metadata says nothing new.
    assert.deepEqual((await put({ idpMetadataXml: keycloak })).body.notices, []);
  });

  test('Entra\'s tenant-independent metadata is refused, asking for the App Federation Metadata URL', { skip: sharedSkip(COMMON) }, async () => {
    const common = sharedFixture(COMMON).toString('utf8');
    const r = await put({ idpMetadataXml: common });
    assert.equal(r.status, 400);
    const field = r.body.errors.find((e: { path: string }) => e.path === 'idpMetadataXml');
    assert.match(field.message, /tenant-independent metadata \(entity ID https:\/\/sts\.windows\.net\/\{tenantid\}\/\).*App Federation Metadata Url/);
    const imported = await app.blanca.app.inject({ method: 'POST', url: '/api/v1/sso/metadata', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ xml: common }) });
    assert.equal(imported.statusCode, 400, imported.body);
    assert.match(imported.body, /App Federation Metadata Url/);
    assert.equal((await log())[0]!.outcome, 'failure');
  });

  test('a PEM certificate pasted as metadata is recognised and the admin told where it goes', async () => {
    const pem = localText('entra/responses/entra-response-tercen-2022.cert.pem');
    const r = await put({ idpMetadataXml: pem });
    assert.equal(r.status, 400);
    assert.match(r.body.errors[0].message, /This is a certificate \(PEM, .*Microsoft Azure Federated SSO Certificate.*\), not metadata\. Paste it under "IdP signing certificates"/);
  });

  test('Connect with a metadata URL re-reads it (not only Refresh metadata)', async () => {
    served = localText('entra/metadata/entra-app-metadata-ssoready.xml');
    const first = await put({ idpMetadataUrl: metadataUrl, signAuthnRequests: false });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const before = first.body.idpCertificates.map((c: { sha1Thumbprint: string }) => c.sha1Thumbprint);
    // The IdP's document changes (another application's certificate): the same URL, Connect again.
    served = localText('entra/metadata/entra-tenant-metadata-xml-crypto.xml');
    const second = await put({ idpMetadataUrl: metadataUrl });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    const after = second.body.idpCertificates.map((c: { sha1Thumbprint: string }) => c.sha1Thumbprint);
    assert.notDeepEqual(after, before, 'the certificates come from the document read now');
    // The URL stops answering with metadata: the saved values stay, and the admin is told.
    served = 'not metadata';
    const third = await put({ idpMetadataUrl: metadataUrl });
    assert.equal(third.status, 200, JSON.stringify(third.body));
    assert.deepEqual(third.body.notices, ['metadata_reread_failed']);
    assert.deepEqual(third.body.idpCertificates.map((c: { sha1Thumbprint: string }) => c.sha1Thumbprint), after);
  });
});
