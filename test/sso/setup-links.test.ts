/**
 * Issue 11 items 7 and 8 without a browser, on both engines: SSO set-up links (create, open, the
 * restricted session that reaches only the SSO tab, revoke, expiry, audit), the walk-through's values,
 * Enter submitting Connect, and the SSO log that replaces SAML-tracer (missing role attribute named,
 * mapping tables, indented XML with download, summaries and fixes in the reader's language).
 * Responses are signed with test/support/saml-signer.ts as an IdP would and posted to the ACS.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { ENTRA_ATTRIBUTES } from '../../src/sso/attributes.js';
import { prettyXml } from '../../src/sso/portal/pretty-xml.js';
import { api, describeEachEngine, OWNER_PASSWORD, startTestApp, type TestApp } from '../support/app.js';
import { PortalClient } from '../support/portal.js';
import { SESSION_COOKIE } from '../../src/web/cookies.js';
import { buildResponse, signAssertion, toBase64 } from '../support/saml-signer.js';
import { testKeys } from '../support/saml-fixtures.js';

const PUBLIC_URL = 'http://blanca.test';
const IDP = 'https://sts.windows.net/cccccccc-0000-4000-8000-00000000000c/';
const CLAIMS = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims';

/** Elements, attributes and non-blank text in document order: what indenting must not change. */
function meaning(xml: string): string[] {
  const out: string[] = [];
  const walk = (node: Node) => {
    if (node.nodeType === 1) {
      const e = node as Element;
      const attributes = Array.from({ length: e.attributes.length }, (_, i) => `${e.attributes.item(i)!.name}=${e.attributes.item(i)!.value}`).sort();
      out.push(`<${e.namespaceURI ?? ''}|${e.localName} ${attributes.join(' ')}>`);
    } else if ((node.nodeType === 3 || node.nodeType === 4) && (node.nodeValue ?? '').trim()) out.push(`text:${(node.nodeValue ?? '').trim()}`);
    else if (node.nodeType === 8) out.push(`comment:${node.nodeValue}`);
    for (let i = 0; i < (node.childNodes?.length ?? 0); i++) walk(node.childNodes.item(i)!);
  };
  walk(new DOMParser().parseFromString(xml, 'text/xml'));
  return out;
}

test('the XML is indented for display without changing its meaning; what does not parse is shown as it is', () => {
  const signed = signAssertion(
    buildResponse({ issuer: IDP, destination: 'https://sp/acs', recipient: 'https://sp/acs', audiences: ['https://sp'], nameId: 'a@example.test', attributes: { Role: ['Marketing', 'R&D <x>'] }, issueInstant: new Date(), notBefore: new Date(), notOnOrAfter: new Date(Date.now() + 60_000) }),
    { key: testKeys.idpA.key, cert: testKeys.idpA.cert },
  );
  const pretty = prettyXml(signed);
  assert.ok(pretty.split('\n').length > 20, 'one element per line');
  assert.match(pretty, /\n {4,}<saml:Attribute /, 'nested elements are indented');
  assert.deepEqual(meaning(pretty), meaning(signed));
  assert.match(pretty, /R&amp;D &lt;x&gt;/, 'text stays escaped');
  assert.equal(prettyXml('<a><b>unclosed</a>'), '<a><b>unclosed</a>');
  assert.equal(prettyXml('<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>'), '<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>', 'a DOCTYPE is never parsed');
});

describeEachEngine('SSO set-up links, walk-through and SSO log', (engine) => {
  let app: TestApp;
  let slug: string;
  let sp: { entityId: string; acsUrl: string; sloUrl: string; signInUrl: string; descriptorUrl: string };

  async function connect(body: Record<string, unknown> = {}) {
    const response = await app.blanca.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': 'application/json' }, payload: JSON.stringify({ ssoType: 'subaccount', idpEntityId: IDP, idpSsoUrl: `${IDP}saml2`, idpSloUrl: `${IDP}slo`, idpCertificates: [testKeys.idpA.cert], allowIdpInitiated: true, ...body }) });
    assert.equal(response.statusCode, 200, response.body);
    return JSON.parse(response.body);
  }

  async function postResponse(attributes: Record<string, string[]>, nameId = 'adam@example.test') {
    const now = new Date();
    const xml = signAssertion(buildResponse({ assertionId: `_${randomUUID()}`, responseId: `_${randomUUID()}`, issuer: IDP, destination: sp.acsUrl, recipient: sp.acsUrl, audiences: [sp.entityId], nameId, attributes, issueInstant: now, notBefore: new Date(now.getTime() - 60_000), notOnOrAfter: new Date(now.getTime() + 5 * 60_000) }), { key: testKeys.idpA.key, cert: testKeys.idpA.cert });
    return app.blanca.app.inject({ method: 'POST', url: `/sso/${slug}/acs`, payload: new URLSearchParams({ SAMLResponse: toBase64(xml) }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  async function owner(headers: Record<string, string> = {}): Promise<PortalClient> {
    const client = new PortalClient(app.blanca.app, headers);
    const signedIn = await client.signIn(app.ownerEmail, OWNER_PASSWORD);
    assert.equal(signedIn.status, 303);
    return client;
  }

  before(async () => {
    app = await startTestApp(engine, { env: { PUBLIC_URL } });
    await setSsoEnabled(app.blanca.deps.db, app.accountId, true, new Date());
    ({ slug } = await app.blanca.deps.db.selectFrom('accounts').select('slug').where('id', '=', app.accountId).executeTakeFirstOrThrow());
    sp = (await connect()).sp;
    for (const name of ['Marketing', 'Customer Service']) assert.equal((await api(app, 'POST', '/users', app.adminToken, { name, maxCodes: 10, features: [] })).status, 201);
  });
  after(() => app.close());

  test('a set-up link opens only the SSO tab: connect, read metadata, test, log; everything else is 404; audited; revocable', async () => {
    const created = await api(app, 'POST', '/sso/setup-links', app.adminToken, { label: 'Contoso IT', expiresInHours: 24 });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const url = new URL(created.body.url as string);
    assert.equal(url.origin, PUBLIC_URL);
    assert.equal(created.body.link.status, 'active');
    assert.equal((await app.blanca.deps.db.selectFrom('sso_setup_links').select('token_hash').executeTakeFirstOrThrow()).token_hash.length, 64, 'only a hash is stored');
    assert.ok(!JSON.stringify((await api(app, 'GET', '/sso/setup-links', app.adminToken)).body).includes(url.pathname.split('/').pop()!), 'the list never shows the secret');

    const it = new PortalClient(app.blanca.app);
    const invitation = await it.get(url.pathname);
    assert.equal(invitation.status, 200);
    assert.match(invitation.body, /Contoso IT/);
    assert.equal(it.cookie(SESSION_COOKIE), undefined, 'opening the page alone starts no session (link scanners)');
    const opened = await it.post(url.pathname, {});
    assert.deepEqual([opened.status, opened.location], [303, '/settings/sso']);

    const tab = await it.get('/settings/sso');
    assert.equal(tab.status, 200);
    assert.match(tab.body, /id="setup-link-banner"/);
    assert.ok(!tab.body.includes('id="setup-links"') && !tab.body.includes('id="sp-key"'), 'no set-up links or SP key rotation for the IT contact');
    assert.ok(!tab.body.includes('href="/codes"') && !tab.body.includes('href="/security"'), 'the navigation offers only the SSO tab');
    // Connect (with the same values) works and is audited as the set-up link.
    const saved = await it.post('/settings/sso', { action: 'connect', ssoType: 'subaccount', idpEntityId: IDP, idpSsoUrl: `${IDP}saml2`, idpSloUrl: `${IDP}slo`, attrFirstName: `${CLAIMS}/givenname`, attrLastName: `${CLAIMS}/surname`, attrEmail: `${CLAIMS}/emailaddress`, attrDisplayName: 'http://schemas.microsoft.com/identity/claims/displayname', attrRole: 'Role', allowIdpInitiated: 'true', logRetentionDays: '14', emailDomains: '' });
    assert.deepEqual([saved.status, saved.location], [303, '/settings/sso'], saved.body.slice(0, 500));
    assert.equal((await it.get('/settings/sso/log')).status, 200);
    const test = await it.post('/settings/sso/test', {});
    assert.equal(test.status, 303);
    assert.ok(test.location?.startsWith(`${IDP}saml2?SAMLRequest=`), test.location);

    for (const path of ['/', '/users', '/codes', '/codes/new', '/subaccounts', '/settings', '/audit', '/tokens', '/security', '/sso/choose']) {
      assert.equal((await it.get(path)).status, 404, `GET ${path}`);
    }
    for (const path of ['/settings/sso/sp-key/rotate', '/settings/sso/setup-links', '/settings', '/users', '/tokens', '/act-as']) {
      assert.equal((await it.post(path, { label: 'x', name: 'x' })).status, 404, `POST ${path}`);
    }
    const cookie = `${SESSION_COOKIE}=${it.cookie(SESSION_COOKIE)}`;
    assert.equal((await app.blanca.app.inject({ method: 'GET', url: '/api/v1/sso', headers: { cookie } })).statusCode, 401, 'the API takes no cookies');

    const audit = (await api(app, 'GET', '/audit?limit=50', app.adminToken)).body.entries as Array<{ action: string; actor: { kind: string; label: string } }>;
    const actions = audit.map((e) => `${e.action}:${e.actor.kind}`);
    for (const expected of ['sso.setup_link_create:token', 'sso.setup_link_open:sso_setup', 'sso.connect:sso_setup']) assert.ok(actions.includes(expected), `${expected} in ${actions.join(', ')}`);

    const revoked = await api(app, 'DELETE', `/sso/setup-links/${created.body.link.id}`, app.adminToken);
    assert.equal(revoked.body.status, 'revoked');
    const after = await it.get('/settings/sso');
    assert.equal(after.status, 303, 'the session ended with the link');
    assert.match(after.location ?? '', /^\/login/);
    assert.equal((await new PortalClient(app.blanca.app).get(url.pathname)).status, 404);
    assert.ok((await api(app, 'GET', '/audit?limit=50', app.adminToken)).body.entries.some((e: { action: string }) => e.action === 'sso.setup_link_revoke'));
  });

  test('an expired set-up link opens nothing and its session stops working; bounds on label and hours', async () => {
    const created = await api(app, 'POST', '/sso/setup-links', app.adminToken, { label: 'Expiring', expiresInHours: 1 });
    const path = new URL(created.body.url).pathname;
    const it = new PortalClient(app.blanca.app);
    await it.get(path);
    assert.equal((await it.post(path, {})).status, 303);
    assert.equal((await it.get('/settings/sso')).status, 200);
    await app.blanca.deps.db.updateTable('sso_setup_links').set({ expires_at: Date.now() - 1000 }).where('id', '=', created.body.link.id).execute();
    assert.equal((await it.get('/settings/sso')).status, 303);
    assert.equal((await new PortalClient(app.blanca.app).get(path)).status, 404);
    assert.equal((await new PortalClient(app.blanca.app).get('/sso-setup/not-a-real-token-at-all-0000')).status, 404);
    assert.equal((await api(app, 'POST', '/sso/setup-links', app.adminToken, { label: 'x', expiresInHours: 169 })).status, 400);
    assert.equal((await api(app, 'POST', '/sso/setup-links', app.adminToken, { label: '' })).status, 400);
    const portal = await owner();
    await portal.get('/settings/sso');
    const refused = await portal.post('/settings/sso/setup-links', { label: 'x'.repeat(81), expiresInHours: '0' });
    assert.equal(refused.status, 400);
    assert.match(refused.body, /field-error/);
    const made = await portal.post('/settings/sso/setup-links', { label: 'Portal-made', expiresInHours: '2' });
    assert.equal(made.status, 201);
    assert.match(made.body, new RegExp(`${PUBLIC_URL}/sso-setup/[A-Za-z0-9_-]{40,}`));
  });

  test('the SSO tab: walk-through values for every IdP, app-role values, Enter submits Connect', async () => {
    const portal = await owner();
    const tab = (await portal.get('/settings/sso')).body;
    for (const idp of ['entra', 'okta', 'google', 'adfs', 'keycloak']) {
      const section = tab.slice(tab.indexOf(`<details id="wt-${idp}"`), tab.indexOf('</details>', tab.indexOf(`<details id="wt-${idp}"`)));
      assert.ok(section.length > 100, idp);
      assert.ok(section.includes(`>${sp.entityId}</code>`) || section.includes(`>${sp.descriptorUrl}</code>`), `${idp}: entity ID`);
      assert.ok(section.includes(`>${sp.acsUrl}</code>`), `${idp}: ACS`);
      for (const value of ['CustomerService', 'Marketing', 'whitelabel_admin', 'whitelabel_manager']) assert.ok(section.includes(`>${value}</code>`), `${idp}: ${value}`);
      assert.ok(/data-copy="[^"]+"/.test(section), `${idp}: copy buttons`);
    }
    const entra = tab.slice(tab.indexOf('<details id="wt-entra"'), tab.indexOf('</details>', tab.indexOf('<details id="wt-entra"')));
    for (const value of [sp.signInUrl, sp.sloUrl, 'Role', 'user.assignedroles']) assert.ok(entra.includes(`>${value}</code>`), `Entra: ${value}`);
    assert.ok(!/<script>/.test(tab) && !/ on[a-z]+="/.test(tab.replace(/<select id="lang"[^>]*>/, '')), 'no inline script or handler on the SSO tab');
    assert.match(tab, /<script nonce="[^"]+" src="\/assets\/sso\.js" defer><\/script>/, 'the script file carries the CSP nonce');
    const script = await app.blanca.app.inject({ method: 'GET', url: '/assets/sso.js' });
    assert.equal(script.statusCode, 200);
    assert.match(String(script.headers['content-type']), /javascript/);
    // The form's first submit button is Connect: Enter in any field submits it.
    const form = tab.slice(tab.indexOf('<form method="post" action="/settings/sso" '), tab.indexOf('</form>', tab.indexOf('<form method="post" action="/settings/sso" ')));
    assert.match(/<button[^>]*type="submit"[^>]*>/.exec(form)![0], /value="connect"/);
  });

  test('SSO log: a configured role attribute missing from the response is named, with the ones present; mapping tables; XML indented and downloadable; Spanish', async () => {
    await connect({ attributes: { firstName: `${CLAIMS}/givenname`, lastName: `${CLAIMS}/surname`, email: `${CLAIMS}/emailaddress`, displayName: 'http://schemas.microsoft.com/identity/claims/displayname', role: 'RoleX' } });
    try {
      const refused = await postResponse({ [`${CLAIMS}/emailaddress`]: ['steve@example.test'], [`${CLAIMS}/givenname`]: ['Steve'], Role: ['Marketing'] }, 'steve@example.test');
      assert.equal(refused.statusCode, 403, refused.body.slice(0, 300));
      const entry = (await api(app, 'GET', '/sso/log?outcome=failure&limit=5', app.adminToken)).body.entries[0];
      assert.equal(entry.failureCode, 'no_usable_role');
      assert.equal(entry.summary, 'steve@example.test has no usable role: the configured attribute `RoleX` is not in the response, which has `http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress`, `http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname`, `Role`. Signature verified: the assertion\'s own.');
      assert.match(entry.fix, /\(`Role`\)/, 'the fix suggests the attribute that looks like the role');

      const en = await owner();
      const page = (await en.get(`/settings/sso/log/${entry.id}`)).body;
      assert.match(page, /id="log-mapping-table"/);
      assert.match(page, /<td><code>RoleX<\/code><\/td><th scope="row">Role<\/th><td><em class="field-error">not in the response<\/em>/);
      const xml = /<pre class="xml" id="log-xml">([\s\S]*?)<\/pre>/.exec(page)![1]!;
      assert.ok(xml.split('\n').length > 20 && /\n {2,}&lt;/.test(xml), 'indented, one element per line, escaped');
      const download = await en.get(`/settings/sso/log/${entry.id}/xml`);
      assert.equal(download.status, 200);
      const raw = (await app.blanca.deps.db.selectFrom('sso_log').select('xml').where('id', '=', entry.id).executeTakeFirstOrThrow()).xml;
      assert.equal(download.body, raw, 'the download is the message exactly as received');
      const headers = (await app.blanca.app.inject({ method: 'GET', url: `/settings/sso/log/${entry.id}/xml`, headers: { cookie: `${SESSION_COOKIE}=${en.cookie(SESSION_COOKIE)}` } })).headers;
      assert.match(String(headers['content-disposition']), /^attachment; filename="sso-response-[0-9-]+\.xml"$/);
      assert.doesNotMatch(String(headers['content-disposition']), /blanca/i);

      const es = await owner({ 'accept-language': 'es' });
      const spanish = (await es.get(`/settings/sso/log/${entry.id}`)).body;
      assert.match(spanish, /steve@example\.test no tiene ningún rol útil: el atributo configurado `RoleX` no está en la respuesta, que tiene .*`Role`\. Firma verificada: la de la propia aserción\./);
      assert.match(spanish, /<span id="log-fix">En la pestaña SSO, pon en Rol/);
      assert.match(spanish, /no está en la respuesta<\/em>/);
    } finally {
      await connect({ attributes: ENTRA_ATTRIBUTES });
    }
  });

  test('a refused message: the check and the fix (with the exact value to set) in the reader\'s language, the verifier\'s words as details', async () => {
    const now = new Date();
    const xml = signAssertion(buildResponse({ assertionId: `_${randomUUID()}`, responseId: `_${randomUUID()}`, issuer: IDP, destination: sp.acsUrl, recipient: sp.acsUrl, audiences: ['spn:00000000-1111-2222-3333-444444444444'], nameId: 'x@example.test', attributes: {}, issueInstant: now, notBefore: new Date(now.getTime() - 60_000), notOnOrAfter: new Date(now.getTime() + 5 * 60_000) }), { key: testKeys.idpA.key, cert: testKeys.idpA.cert });
    const refused = await app.blanca.app.inject({ method: 'POST', url: `/sso/${slug}/acs`, payload: new URLSearchParams({ SAMLResponse: toBase64(xml) }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.ok(refused.statusCode >= 400);
    const entry = (await api(app, 'GET', '/sso/log?outcome=failure&limit=1', app.adminToken)).body.entries[0];
    assert.equal(entry.failureCode, 'audience_mismatch');
    const es = await owner({ 'accept-language': 'es' });
    const page = (await es.get(`/settings/sso/log/${entry.id}`)).body;
    assert.match(page, /<p id="log-summary">Ha fallado la comprobación «la Audience es el ID de entidad del SP». Audience is &quot;spn:/);
    assert.ok(page.includes(`<span id="log-fix">Pon el Identificador (ID de entidad) en el IDP (Entra: Configuración básica de SAML) en ${sp.entityId}.</span>`));
    const en = (await (await owner()).get(`/settings/sso/log/${entry.id}`)).body;
    assert.match(en, /<p id="log-summary">The check &quot;Audience [^<]*?&quot; failed\. Audience is/);
  });

  test('the SSO tab shows the latest success and the latest failure, linked to their entries; roles map to users in the log', async () => {
    const ok = await postResponse({ [`${CLAIMS}/emailaddress`]: ['eve@example.test'], [`${CLAIMS}/givenname`]: ['Eve'], Role: ['Marketing', 'CustomerService', 'Sales'] }, 'eve@example.test');
    assert.equal(ok.statusCode, 303, ok.body.slice(0, 300));
    const failed = await postResponse({ [`${CLAIMS}/emailaddress`]: ['zoe@example.test'], Role: ['Nobody'] }, 'zoe@example.test');
    assert.equal(failed.statusCode, 403);
    const success = (await api(app, 'GET', '/sso/log?outcome=success&limit=1', app.adminToken)).body.entries[0];
    const failure = (await api(app, 'GET', '/sso/log?outcome=failure&limit=1', app.adminToken)).body.entries[0];
    const portal = await owner();
    const tab = (await portal.get('/settings/sso')).body;
    assert.match(tab, new RegExp(`<li id="latest-success">.*href="/settings/sso/log/${success.id}"`));
    assert.match(tab, new RegExp(`<li id="latest-failure">.*href="/settings/sso/log/${failure.id}"`));
    const entry = (await portal.get(`/settings/sso/log/${success.id}`)).body;
    const roles = /<table id="log-roles">([\s\S]*?)<\/table>/.exec(entry)![1]!;
    assert.match(roles, /<code>Marketing<\/code><\/th><td>white-label user Marketing</);
    assert.match(roles, /<code>Sales<\/code><\/th><td>ignored: no white-label user/);
  });
});
