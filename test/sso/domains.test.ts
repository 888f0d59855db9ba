/**
 * Issue 9 item 4: one tenant can never route another's people. Before, any account could list
 * `contoso.com` and receive that company's sign-ins from the shared sign-in page. Now a domain
 * routes only once verified (a DNS TXT record checked against a real DNS server on loopback, or
 * the operator), for one account only, exact domain only; every change is audited.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setSsoEnabled } from '../../src/accounts/service.js';
import * as domainsMigration from '../../src/db/migrations/2026_12_04_0402_sso_domains.js';
import { runDomainCommand } from '../../src/sso/domains/cli.js';
import { api, createOtherAccount, describeEachEngine, OWNER_PASSWORD, startTestApp, type TestApp } from '../support/app.js';
import { startDnsServer, type TestDnsServer } from '../support/dns-server.js';
import { PortalClient } from '../support/portal.js';
import { testKeys } from '../support/saml-fixtures.js';

const PUBLIC_URL = 'http://blanca.test';

describeEachEngine('email-domain verification', (engine) => {
  let app: TestApp;
  let dns: TestDnsServer;
  let contoso: { accountId: string; token: string; slug: string };
  let mallory: { accountId: string; token: string; slug: string };

  async function connectSso(accountId: string, token: string, idp: string, emailDomains?: string[]) {
    await setSsoEnabled(app.blanca.deps.db, accountId, true, new Date());
    const response = await app.blanca.app.inject({ method: 'PUT', url: '/api/v1/sso', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ ssoType: 'user', idpEntityId: idp, idpSsoUrl: `${idp}saml2`, idpCertificates: [testKeys.idpA.cert], ...(emailDomains ? { emailDomains } : {}) }) });
    assert.equal(response.statusCode, 200, response.body);
    const { slug } = await app.blanca.deps.db.selectFrom('accounts').select('slug').where('id', '=', accountId).executeTakeFirstOrThrow();
    return { accountId, token, slug };
  }

  /** Where the shared sign-in page sends a person who types this email. */
  async function routeOf(email: string): Promise<string | null> {
    const portal = new PortalClient(app.blanca.app);
    await portal.get('/login');
    const response = await portal.post('/login/sso', { email });
    if (response.status === 404) return null;
    assert.equal(response.status, 303, response.body);
    return /^\/sso\/([^/]+)\/login/.exec(response.location ?? '')?.[1] ?? response.location ?? '';
  }

  const audit = async (accountId: string) => (await app.blanca.deps.db.selectFrom('audit_log').select(['action', 'object_label', 'actor_label']).where('account_id', '=', accountId).where('action', 'like', 'sso.domain%').execute()).map((r) => `${r.action} ${r.object_label} by ${r.actor_label}`);

  before(async () => {
    dns = await startDnsServer();
    app = await startTestApp(engine, { env: { PUBLIC_URL, DNS_SERVERS: dns.address } });
    const other = await createOtherAccount(app, 'Mallory Corp');
    contoso = await connectSso(app.accountId, app.adminToken, 'https://sts.windows.net/contoso/');
    mallory = await connectSso(other.accountId, other.adminToken, 'https://sts.windows.net/mallory/');
  });
  after(async () => {
    await app.close();
    await dns.close();
  });

  test('a listed but unverified domain routes nobody (the old hijack)', async () => {
    // Mallory lists contoso.com, as any account could; before, alice@contoso.com was sent to Mallory's IdP.
    await connectSso(mallory.accountId, mallory.token, 'https://sts.windows.net/mallory/', ['contoso.com']);
    const listed = await api(app, 'GET', '/sso/domains', mallory.token);
    assert.deepEqual(listed.body.domains.map((d: { domain: string; state: string }) => [d.domain, d.state]), [['contoso.com', 'pending']]);
    assert.equal(await routeOf('alice@contoso.com'), null);
    // Mallory's own TXT record is not there, so Check now leaves it pending, with the reason.
    const checked = await api(app, 'POST', '/sso/domains/contoso.com/check', mallory.token);
    assert.equal(checked.status, 200);
    assert.equal(checked.body.state, 'pending');
    assert.match(checked.body.lastCheckError, /contoso\.com has no TXT records/);
    assert.ok(dns.questions.includes('contoso.com'), 'the check asked the DNS server');
  });

  test('the TXT record verifies the domain for the account that published it, and only then it routes', async () => {
    const claimed = await api(app, 'POST', '/sso/domains', contoso.token, { domain: 'Contoso.COM.' });
    assert.equal(claimed.status, 201, JSON.stringify(claimed.body));
    assert.equal(claimed.body.domain, 'contoso.com');
    assert.equal(claimed.body.record.type, 'TXT');
    assert.equal(claimed.body.record.name, 'contoso.com');
    assert.match(claimed.body.record.value, /^blanca-domain-verification=[A-Za-z0-9_-]{20,}$/);

    dns.records.set('contoso.com', ['v=spf1 -all', 'blanca-domain-verification=someone-else']);
    const early = await api(app, 'POST', '/sso/domains/contoso.com/check', contoso.token);
    assert.equal(early.body.state, 'pending');
    assert.match(early.body.lastCheckError, /No TXT record "blanca-domain-verification=.*" at contoso\.com \(2 TXT record\(s\) found, 1 with another verification token\)/);

    dns.records.set('contoso.com', ['v=spf1 -all', claimed.body.record.value]);
    const verified = await api(app, 'POST', '/sso/domains/contoso.com/check', contoso.token);
    assert.equal(verified.body.state, 'verified', JSON.stringify(verified.body));
    assert.equal(verified.body.verifiedBy, 'dns');
    assert.equal(await routeOf('alice@contoso.com'), contoso.slug);
    assert.equal(await routeOf('ALICE@Contoso.com'), contoso.slug);
  });

  test('a verified domain belongs to one account: the other claim can never verify', async () => {
    const malloryClaim = (await api(app, 'GET', '/sso/domains', mallory.token)).body.domains[0];
    // Even with Mallory's token published at contoso.com too, the domain stays with Contoso.
    dns.records.set('contoso.com', [...(dns.records.get('contoso.com') ?? []), malloryClaim.record.value]);
    const checked = await api(app, 'POST', '/sso/domains/contoso.com/check', mallory.token);
    assert.equal(checked.body.state, 'pending');
    assert.match(checked.body.lastCheckError, /already verified for another account/);
    assert.equal(await routeOf('alice@contoso.com'), contoso.slug);
    // The database refuses a second verified row whatever the code does.
    await assert.rejects(app.blanca.deps.db.updateTable('sso_domains').set({ state: 'verified' }).where('account_id', '=', mallory.accountId).where('domain', '=', 'contoso.com').execute());
  });

  test('routing is by the exact domain: a subdomain is a domain of its own', async () => {
    assert.equal(await routeOf('bob@eu.contoso.com'), null);
    assert.equal(await routeOf('bob@contoso.com.evil.example'), null);
    assert.equal(await routeOf('bob@ntoso.com'), null);
  });

  test('the operator verifies and releases with the CLI; every change is audited', async () => {
    const lines: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => void lines.push(args.join(' '));
    try {
      // A verified domain cannot be taken by the operator for another account without releasing it first.
      await assert.rejects(runDomainCommand(app.blanca.deps.db, ['verify', mallory.slug, 'contoso.com'], new Date()), /verified for another account; release it first/);
      assert.equal(await runDomainCommand(app.blanca.deps.db, ['verify', mallory.slug, 'fabrikam.example'], new Date()), 0);
      assert.equal(await runDomainCommand(app.blanca.deps.db, ['list'], new Date()), 0);
      assert.equal(await runDomainCommand(app.blanca.deps.db, ['release', 'contoso.com'], new Date()), 0);
    } finally {
      console.log = log;
    }
    assert.match(lines[0]!, /fabrikam\.example is verified for "/);
    assert.ok(lines.some((l) => /^contoso\.com\t.*\tverified\tby dns/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /^contoso\.com\t.*\tpending\tTXT blanca-domain-verification=/.test(l)), lines.join('\n'));
    assert.match(lines.at(-1)!, /contoso\.com released/);
    assert.equal(await routeOf('carol@fabrikam.example'), mallory.slug);
    assert.equal(await routeOf('alice@contoso.com'), null, 'released: nobody receives contoso.com');
    // Released from Contoso, so Mallory's pending claim could now verify, but only with its own record: it is there.
    const retaken = await api(app, 'POST', '/sso/domains/contoso.com/check', mallory.token);
    assert.equal(retaken.body.state, 'verified');
    assert.deepEqual((await api(app, 'GET', '/sso', contoso.token)).body.emailDomains, [], 'the SSO tab list follows the claims');

    assert.deepEqual((await audit(contoso.accountId)).map((line) => line.replace(/API token ".*"/, 'API token')).sort(), ['sso.domain_claim contoso.com by API token', 'sso.domain_release contoso.com by Platform operator', 'sso.domain_verify contoso.com by API token']);
    assert.ok((await audit(mallory.accountId)).includes('sso.domain_verify fabrikam.example by Platform operator'));
  });

  test('the SSO tab shows each domain with its state, the record to create, Copy and Check now', async () => {
    const portal = new PortalClient(app.blanca.app);
    await portal.signIn(app.ownerEmail, OWNER_PASSWORD, contoso.slug);
    assert.match((await portal.get('/settings/sso')).body, /Email domains for sign-in/);
    let added = await portal.post('/settings/sso/domains', { domain: 'contoso.example' });
    assert.equal(added.status, 303);
    const tab = await portal.get("/settings/sso");
    assert.equal(tab.status, 200, `${tab.location} ${added.location}`);
    const row = /<tr data-domain="contoso\.example">[\s\S]*?<\/tr>/.exec(tab.body)?.[0] ?? tab.body;
    assert.match(row, /class="pill domain-state">pending</);
    const value = /<code class="domain-record">(blanca-domain-verification=[^<]+)<\/code>/.exec(row)?.[1];
    assert.ok(value, row);
    assert.match(row, new RegExp(`data-copy="${value}"`));
    assert.match(tab.body, /Create a TXT record at contoso\.example with the value/);
    dns.records.set('contoso.example', [value]);
    added = await portal.post('/settings/sso/domains/check', { domain: 'contoso.example' });
    assert.equal(added.status, 303);
    const after = await portal.get('/settings/sso');
    assert.match(after.body, /contoso\.example is verified/);
    assert.match(/<tr data-domain="contoso\.example">[\s\S]*?<\/tr>/.exec(after.body)?.[0] ?? '', /class="pill domain-state">verified</);
    assert.match(/<tr data-domain="contoso\.example">[\s\S]*?<\/tr>/.exec(after.body)?.[0] ?? '', /Verified \(DNS record, \d{4}-\d\d-\d\d\)/);
    // In Spanish, the section is Spanish.
    await portal.post('/language', { locale: 'es' });
    const spanish = await portal.get('/settings/sso');
    assert.match(spanish.body, /Dominios de correo para iniciar sesión/);
    assert.match(spanish.body, /Verificado \(registro DNS, /);
    // A bad domain is a message on the tab, not an error page.
    const bad = await portal.post('/settings/sso/domains', { domain: 'not a domain' });
    assert.equal(bad.status, 303);
    assert.match((await portal.get('/settings/sso')).body, /Use a domain such as example\.com\./);
  });

  test('domains listed before verification existed become pending, never verified', async () => {
    const db = app.blanca.deps.db;
    await domainsMigration.down(db);
    await db.updateTable('sso_connections').set({ email_domains: JSON.stringify(['legacy.example', 'Legacy.example']) }).where('account_id', '=', mallory.accountId).execute();
    await domainsMigration.up(db);
    const claims = await db.selectFrom('sso_domains').selectAll().where('account_id', '=', mallory.accountId).execute();
    assert.deepEqual(claims.map((c) => [c.domain, c.state]), [['legacy.example', 'pending']]);
    assert.equal(await routeOf('dave@legacy.example'), null);
  });
});
