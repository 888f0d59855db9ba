/**
 * Issue 11 item 3 (part): Entra's groups overage claim. A signed response carrying
 * http://schemas.microsoft.com/claims/groups.link instead of the groups is logged with the fix
 * (use app roles, or emit only groups assigned to the application), in English and Spanish.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { GROUPS_OVERAGE_CLAIM } from '../../src/sso/signin.js';
import { SSO_MESSAGES_ES } from '../../src/sso/messages.js';
import { api, describeEachEngine, startTestApp, type TestApp } from '../support/app.js';
import { buildResponse, signAssertion, toBase64 } from '../support/saml-signer.js';
import { testKeys } from '../support/saml-fixtures.js';

const PUBLIC_URL = 'http://blanca.test';
const IDP = 'https://sts.windows.net/aaaaaaaa-0000-4000-8000-00000000000a/';
const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

describeEachEngine('groups overage claim', (engine) => {
  let app: TestApp;
  let slug: string;
  let sp: { entityId: string; acsUrl: string };
  before(async () => {
    app = await startTestApp(engine, { env: { PUBLIC_URL } });
    await setSsoEnabled(app.blanca.deps.db, app.accountId, true, new Date());
    slug = (await app.blanca.deps.db.selectFrom('accounts').select('slug').where('id', '=', app.accountId).executeTakeFirstOrThrow()).slug;
    const put = await api(app, 'PUT', '/sso', app.adminToken, { ssoType: 'user', idpEntityId: IDP, idpSsoUrl: `${IDP}saml2`, idpCertificates: [testKeys.idpA.cert], allowIdpInitiated: true });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    sp = put.body.sp;
  });
  after(() => app.close());

  test('a signed response with the overage claim is logged with the fix', async () => {
    const now = new Date();
    const xml = buildResponse({
      assertionId: `_${randomUUID()}`, responseId: `_${randomUUID()}`, issuer: IDP, destination: sp.acsUrl, recipient: sp.acsUrl, audiences: [sp.entityId], nameId: 'gus@example.test',
      attributes: { [`${CLAIMS}/emailaddress`]: ['gus@example.test'], [`${CLAIMS}/givenname`]: ['Gus'], Role: ['whitelabel_admin'], [GROUPS_OVERAGE_CLAIM]: ['https://graph.windows.net/aaaaaaaa-0000-4000-8000-00000000000a/users/1/getMemberObjects'] },
      issueInstant: now, notBefore: new Date(now.getTime() - 60_000), notOnOrAfter: new Date(now.getTime() + 5 * 60_000),
    });
    const posted = await app.blanca.app.inject({ method: 'POST', url: `/sso/${slug}/acs`, payload: new URLSearchParams({ SAMLResponse: toBase64(signAssertion(xml, { key: testKeys.idpA.key, cert: testKeys.idpA.cert })) }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(posted.statusCode, 303, posted.body);
    const entries = (await api(app, 'GET', '/sso/log?person=gus%40example.test', app.adminToken)).body.entries as Array<{ kind: string; summary: string }>;
    const entry = entries.find((e) => e.kind === 'response');
    assert.ok(entry, JSON.stringify(entries));
    assert.match(entry.summary, /groups overage claim/);
    assert.match(entry.summary, /use app roles/);
    assert.match(SSO_MESSAGES_ES['sso.msg.groupsOverage'], /roles de aplicación/);
  });
});
