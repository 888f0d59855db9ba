/**
 * Blanca's own SP key (issue 5 item 5): rotation with both certificates published during the overlap,
 * encrypted assertions decrypted with either key until Finish, optional signed AuthnRequests, and the
 * encryption certificate always offered in the SP metadata.
 */
import assert from 'node:assert/strict';
import { createPublicKey, randomUUID, verify as verifySignature } from 'node:crypto';
import { before, after, test } from 'node:test';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { getAccount } from '../../src/accounts/store.js';
import type { Session } from '../../src/auth/sessions.js';
import { idpLogoutUrl } from '../../src/sso/logout.js';
import { ssoDeps } from '../../src/sso/routes.js';
import { buildAuthnRequestPost } from '../../src/sso/saml/requests.js';
import { spSigningKey } from '../../src/sso/service.js';
import { api, describeEachEngine, OWNER_PASSWORD, startTestApp, type TestApp } from '../support/app.js';
import { PortalClient } from '../support/portal.js';
import { testKeys } from '../support/saml-fixtures.js';
import { buildAssertion, buildResponse, encryptAssertion, signAssertion, toBase64 } from '../support/saml-signer.js';
import { hasTool, schemaErrors, toolSkip, xmlsecVerifies } from '../support/xml-tools.js';

const PUBLIC_URL = 'http://blanca.test';
const IDP = 'https://idp.example.test/metadata';
const body = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');

function keyDescriptors(xml: string, use: 'signing' | 'encryption'): string[] {
  return [...xml.matchAll(new RegExp(`<md:KeyDescriptor use="${use}">[\\s\\S]*?<ds:X509Certificate>([^<]+)</ds:X509Certificate>`, 'g'))].map((m) => m[1]!);
}

describeEachEngine('SP key rotation, encrypted assertions, signed AuthnRequests', (engine) => {
  let app: TestApp;
  let slug: string;
  let sp: { entityId: string; acsUrl: string };

  const row = () => app.blanca.deps.db.selectFrom('sso_connections').selectAll().where('account_id', '=', app.accountId).executeTakeFirstOrThrow();
  const spMetadata = async () => (await app.blanca.app.inject({ method: 'GET', url: `/sso/${slug}/metadata` })).body;
  const put = (payload: unknown) => app.blanca.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });

  /** A signed assertion (IdP key A), encrypted to `spCertPem` as Entra's token encryption does; IdP-initiated. */
  async function encryptedResponse(spCertPem: string): Promise<string> {
    const now = new Date();
    const spec = {
      assertionId: `_${randomUUID()}`,
      responseId: `_${randomUUID()}`,
      issuer: IDP,
      destination: sp.acsUrl,
      recipient: sp.acsUrl,
      audiences: [sp.entityId],
      nameId: 'rita@example.test',
      attributes: { 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress': ['rita@example.test'], Role: ['whitelabel_admin'] },
      issueInstant: now,
      notBefore: new Date(now.getTime() - 60_000),
      notOnOrAfter: new Date(now.getTime() + 5 * 60_000),
    };
    const signed = signAssertion(buildAssertion(spec), { key: testKeys.idpA.key, cert: testKeys.idpA.cert });
    return toBase64(buildResponse(spec, await encryptAssertion(signed, spCertPem)));
  }

  async function postAcs(samlResponse: string) {
    const r = await app.blanca.app.inject({ method: 'POST', url: `/sso/${slug}/acs`, payload: new URLSearchParams({ SAMLResponse: samlResponse }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const cookie = ([] as string[]).concat(r.headers['set-cookie'] ?? []).find((c) => c.startsWith('qrp_session='));
    return { status: r.statusCode, signedIn: cookie !== undefined };
  }

  async function lastResponseLog() {
    const entries = (await api(app, 'GET', '/sso/log?limit=5', app.adminToken)).body.entries as Array<{ kind: string; outcome: string; summary: string; failureCode: string | null; fix: string | null }>;
    return entries.find((e) => e.kind === 'response');
  }

  /** The HTTP-Redirect binding signature (SAMLRequest, RelayState, SigAlg as sent) verified with `certificatePem`. */
  function redirectSignatureVerifies(location: string, certificatePem: string): boolean {
    const query = location.split('?')[1] ?? '';
    const pairs = query.split('&');
    const get = (name: string) => pairs.find((p) => p.startsWith(`${name}=`));
    const signedPart = ['SAMLRequest', 'RelayState', 'SigAlg'].map(get).filter(Boolean).join('&');
    const signature = decodeURIComponent(get('Signature')!.slice('Signature='.length));
    assert.equal(decodeURIComponent(get('SigAlg')!.slice('SigAlg='.length)), 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    return verifySignature('RSA-SHA256', Buffer.from(signedPart), createPublicKey(certificatePem), Buffer.from(signature, 'base64'));
  }

  before(async () => {
    app = await startTestApp(engine, { env: { PUBLIC_URL } });
    await setSsoEnabled(app.blanca.deps.db, app.accountId, true, new Date());
    slug = (await app.blanca.deps.db.selectFrom('accounts').select('slug').where('id', '=', app.accountId).executeTakeFirstOrThrow()).slug;
    const r = await put({ ssoType: 'user', idpEntityId: IDP, idpSsoUrl: 'https://idp.example.test/sso', idpSloUrl: 'https://idp.example.test/slo', idpCertificates: [testKeys.idpA.cert], allowIdpInitiated: true });
    assert.equal(r.statusCode, 200, r.body);
    const view = JSON.parse(r.body);
    assert.equal(view.signAuthnRequests, false);
    assert.equal(view.spKeys.next, null);
    sp = view.sp;
  });
  after(() => app.close());

  test('SP metadata always offers the encryption certificate; an assertion encrypted to it signs in', async () => {
    const xml = await spMetadata();
    const current = (await row()).sp_certificate;
    assert.deepEqual(keyDescriptors(xml, 'signing'), [body(current)]);
    assert.deepEqual(keyDescriptors(xml, 'encryption'), [body(current)]);
    assert.match(xml, /AuthnRequestsSigned="false"/);
    assert.ok((await postAcs(await encryptedResponse(current))).signedIn);
  });

  test('SP metadata with one and two signing certificates validates against saml-schema-metadata-2.0.xsd', { skip: toolSkip('xmllint') }, async () => {
    assert.equal(schemaErrors(await spMetadata(), 'saml-schema-metadata-2.0.xsd'), '');
    // During an overlap (rotation started and finished inside this test; the rest of the file does it again).
    await api(app, 'POST', '/sso/sp-key/rotate', app.adminToken);
    const xml = await spMetadata();
    assert.equal(keyDescriptors(xml, 'signing').length, 2);
    assert.equal(schemaErrors(xml, 'saml-schema-metadata-2.0.xsd'), '');
    assert.equal((await api(app, 'POST', '/sso/sp-key/finish', app.adminToken)).status, 200);
  });

  test('rotation: both certificates published during the overlap, either key decrypts; after Finish the old key is refused with a clear reason', async () => {
    const oldCert = (await row()).sp_certificate;
    const started = await api(app, 'POST', '/sso/sp-key/rotate', app.adminToken);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.ok(started.body.spKeys.next, 'the view shows the next key');
    assert.ok(started.body.spKeys.rotationStartedAt);
    const during = await row();
    const nextCert = during.sp_next_certificate!;
    assert.equal(during.sp_certificate, oldCert, 'the current key stays current until Finish');
    assert.notEqual(body(nextCert), body(oldCert));
    assert.equal((await api(app, 'POST', '/sso/sp-key/rotate', app.adminToken)).status, 409, 'one rotation at a time');

    const xml = await spMetadata();
    assert.deepEqual(keyDescriptors(xml, 'signing'), [body(oldCert), body(nextCert)]);
    assert.deepEqual(keyDescriptors(xml, 'encryption'), [body(nextCert)], 'the IdP is asked to encrypt to the next key');

    assert.ok((await postAcs(await encryptedResponse(nextCert))).signedIn, 'encrypted to the next key, during the overlap');
    assert.ok((await postAcs(await encryptedResponse(oldCert))).signedIn, 'encrypted to the current key, during the overlap');

    // Logout messages stay signed with the current key during the overlap.
    const account = (await getAccount(app.blanca.deps.db, app.accountId))!;
    const logout = await idpLogoutUrl(ssoDeps(app.blanca.deps), account, { sso_name_id: 'rita@example.test', sso_session_index: '_session1' } as Session, new Date());
    assert.ok(logout && redirectSignatureVerifies(logout, oldCert), 'LogoutRequest signed with the current key');
    assert.equal(redirectSignatureVerifies(logout, nextCert), false, 'not with the next key');

    const finished = await api(app, 'POST', '/sso/sp-key/finish', app.adminToken);
    assert.equal(finished.status, 200, JSON.stringify(finished.body));
    assert.equal(finished.body.spKeys.next, null);
    const afterRow = await row();
    assert.equal(body(afterRow.sp_certificate), body(nextCert));
    assert.equal(afterRow.sp_private_key, during.sp_next_private_key);
    assert.equal(afterRow.sp_next_private_key, null);
    assert.deepEqual(keyDescriptors(await spMetadata(), 'signing'), [body(nextCert)]);
    assert.equal((await api(app, 'POST', '/sso/sp-key/finish', app.adminToken)).status, 400, 'nothing to finish');

    assert.ok((await postAcs(await encryptedResponse(nextCert))).signedIn, 'encrypted to the (former) next key, after Finish');
    const refused = await postAcs(await encryptedResponse(oldCert));
    assert.equal(refused.signedIn, false);
    assert.equal(refused.status, 400);
    const entry = await lastResponseLog();
    assert.equal(entry?.failureCode, 'decryption_failed');
    assert.match(entry?.summary ?? '', /could not be decrypted with this account's SP key: it was encrypted to another certificate, for example an SP key retired by a finished key rotation/);
    assert.match(entry?.fix ?? '', /Upload the current SP metadata/);

    // Each step is in the SSO log and in the audit log.
    const log = (await api(app, 'GET', '/sso/log?outcome=info&limit=100', app.adminToken)).body.entries as Array<{ kind: string; summary: string }>;
    assert.ok(log.some((e) => e.kind === 'sp_key' && e.summary.startsWith('SP key rotation started')));
    assert.ok(log.some((e) => e.kind === 'sp_key' && e.summary.startsWith('SP key rotation finished')));
    const audit = await app.blanca.deps.db.selectFrom('audit_log').select('action').where('account_id', '=', app.accountId).where('action', 'like', 'sso.sp_key_rotation_%').execute();
    assert.ok(audit.some((a) => a.action === 'sso.sp_key_rotation_start'));
    assert.ok(audit.some((a) => a.action === 'sso.sp_key_rotation_finish'));
  });

  test('signed AuthnRequests: setting on → AuthnRequestsSigned="true"; the request is signed with the current key, also during a rotation', async () => {
    const unsigned = await app.blanca.app.inject({ method: 'GET', url: `/sso/${slug}/login` });
    assert.equal(unsigned.statusCode, 303);
    assert.doesNotMatch(String(unsigned.headers.location), /[?&]Signature=/);

    const r = await put({ ssoType: 'user', signAuthnRequests: true });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(JSON.parse(r.body).signAuthnRequests, true);
    assert.match(await spMetadata(), /AuthnRequestsSigned="true"/);

    const current = (await row()).sp_certificate;
    const signed = await app.blanca.app.inject({ method: 'GET', url: `/sso/${slug}/login` });
    assert.ok(redirectSignatureVerifies(String(signed.headers.location), current));

    await api(app, 'POST', '/sso/sp-key/rotate', app.adminToken);
    const next = (await row()).sp_next_certificate!;
    const during = String((await app.blanca.app.inject({ method: 'GET', url: `/sso/${slug}/login` })).headers.location);
    assert.ok(redirectSignatureVerifies(during, current), 'signed with the current key');
    assert.equal(redirectSignatureVerifies(during, next), false, 'not with the next key');
    await api(app, 'POST', '/sso/sp-key/finish', app.adminToken);
    const afterFinish = String((await app.blanca.app.inject({ method: 'GET', url: `/sso/${slug}/login` })).headers.location);
    assert.ok(redirectSignatureVerifies(afterFinish, next), 'after Finish, the new key signs');

    // HTTP-POST binding: the enveloped XML signature made with the current SP key, checked by xmlsec1.
    if (hasTool('xmlsec1')) {
      const r2 = await row();
      const post = buildAuthnRequestPost({ sp: { entityId: sp.entityId, acsUrl: sp.acsUrl, signing: spSigningKey(r2) }, idp: { entityId: IDP, ssoUrl: 'https://idp.example.test/sso', certificates: [testKeys.idpA.cert] }, now: new Date(), sign: true });
      const xml = Buffer.from(post.fields.SAMLRequest!, 'base64').toString('utf8');
      assert.ok(xmlsecVerifies(xml, r2.sp_certificate, 'urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest'));
      assert.equal(xmlsecVerifies(xml, current, 'urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest'), false, 'the retired key does not verify it');
    }

    assert.equal((await put({ ssoType: 'user', signAuthnRequests: false })).statusCode, 200);
    assert.match(await spMetadata(), /AuthnRequestsSigned="false"/);
  });

  test('SSO tab: SP key buttons and the signed-requests checkbox (English and Spanish); the buttons rotate and finish', async () => {
    const owner = new PortalClient(app.blanca.app);
    await owner.signIn(app.ownerEmail, OWNER_PASSWORD, slug);
    const tab = await owner.get('/settings/sso');
    assert.equal(tab.status, 200);
    assert.match(tab.body, /<button[^>]*id="sp-key-rotate"[^>]*>Start SP key rotation<\/button>/);
    assert.match(tab.body, /name="signAuthnRequests"/);
    const rotated = await owner.post('/settings/sso/sp-key/rotate', {});
    assert.equal(rotated.status, 303, rotated.body.slice(0, 300));
    const during = await owner.get('/settings/sso');
    assert.match(during.body, /SP key rotation started/);
    assert.match(during.body, /id="sp-key-next"/);
    assert.match(during.body, /<button[^>]*id="sp-key-finish"[^>]*>Finish rotation<\/button>/);

    const spanish = new PortalClient(app.blanca.app, { 'accept-language': 'es' });
    await spanish.signIn(app.ownerEmail, OWNER_PASSWORD, slug);
    const es = await spanish.get('/settings/sso');
    assert.match(es.body, /Terminar rotación/);
    assert.match(es.body, /Firmar las solicitudes de autenticación/);

    const finished = await owner.post('/settings/sso/sp-key/finish', {});
    assert.equal(finished.status, 303);
    assert.match((await owner.get('/settings/sso')).body, /SP key rotation finished/);
    assert.equal((await row()).sp_next_certificate, null);
  });

  test('the OpenAPI document lists the SP key endpoints and the signAuthnRequests field', async () => {
    const doc = JSON.parse((await app.blanca.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).body);
    assert.ok(doc.paths['/api/v1/sso/sp-key/rotate']?.post, 'rotate documented');
    assert.ok(doc.paths['/api/v1/sso/sp-key/finish']?.post, 'finish documented');
    assert.equal(doc.paths['/api/v1/sso'].put.requestBody.content['application/json'].schema.properties.signAuthnRequests.type, 'boolean');
  });
});
