/**
 * Proves the SimpleSAMLphp IdP harness end to end: a tiny SP (node:http + @node-saml/node-saml on
 * 127.0.0.1) signs people in through the real IdP in headless Chromium.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { promisify } from 'node:util';
import { SAML, ValidateInResponseTo, type CacheProvider, type Profile, type SamlConfig } from '@node-saml/node-saml';
import { launchBrowser, loginAtIdp, type BrowserHandle } from '../support/browser.js';
import {
  articleUsers,
  ENTRA_CLAIMS,
  NAMEID_FORMAT,
  startSimpleSamlIdp,
  type IdpHandle,
} from '../support/simplesamlphp.js';

const pw = (username: string) => articleUsers().find((u) => u.username === username)!.password;

type SpEvent =
  | { kind: 'login'; profile: Profile; relayState: string | undefined }
  | { kind: 'login-failed'; error: string }
  | { kind: 'logout-response'; query: Record<string, string> }
  | { kind: 'logout-request'; profile: Profile }
  | { kind: 'sp-error'; path: string; error: string };

/** A minimal SAML SP, enough to drive the IdP; Blanca's real SP lives in src/. */
class TinySp {
  readonly events: SpEvent[] = [];
  private waiters: Array<(e: SpEvent) => void> = [];
  /** Certificates the SP trusts for the IdP; read on every validation. */
  trustedIdpCerts: string[];
  private server!: Server;
  origin = '';
  readonly entityId = 'urn:blanca:test-sp';
  private profiles = new Map<string, Profile>(); // session cookie → profile
  /** Outstanding AuthnRequest IDs, shared by every SAML instance (InResponseTo checks). */
  private readonly requestIds = new Map<string, { value: string; createdAt: number }>();
  private readonly cacheProvider: CacheProvider = {
    saveAsync: async (key, value) => {
      if (this.requestIds.has(key)) return null;
      const item = { value, createdAt: Date.now() };
      this.requestIds.set(key, item);
      return item;
    },
    getAsync: async (key) => this.requestIds.get(key)?.value ?? null,
    removeAsync: async (key) => {
      if (key === null || !this.requestIds.delete(key)) return null;
      return key;
    },
  };

  constructor(
    private readonly idp: IdpHandle,
    private readonly key: string,
    readonly cert: string,
  ) {
    this.trustedIdpCerts = [idp.certificatePem];
  }

  saml(overrides: Partial<SamlConfig> = {}): SAML {
    return new SAML({
      entryPoint: this.idp.ssoUrl,
      logoutUrl: this.idp.sloUrl,
      issuer: this.entityId,
      callbackUrl: `${this.origin}/acs`,
      logoutCallbackUrl: `${this.origin}/slo`,
      idpIssuer: this.idp.entityId,
      audience: this.entityId,
      idpCert: (cb) => cb(null, this.trustedIdpCerts),
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false, // Entra (and this IdP by default) sign only the assertion
      privateKey: this.key,
      signatureAlgorithm: 'sha256',
      identifierFormat: NAMEID_FORMAT.emailAddress,
      validateInResponseTo: ValidateInResponseTo.ifPresent,
      acceptedClockSkewMs: 5_000,
      cacheProvider: this.cacheProvider,
      ...overrides,
    });
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.emit({ kind: 'sp-error', path: req.url ?? '', error: e instanceof Error ? e.message : String(e) });
        res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    const addr = this.server.address();
    assert.ok(addr && typeof addr === 'object');
    this.origin = `http://127.0.0.1:${addr.port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  metadataXml(): string {
    return this.saml().generateServiceProviderMetadata(null, this.cert);
  }

  /** Resolves with the next event the SP records. */
  next(): Promise<SpEvent> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('SP saw nothing within 15 s')), 15_000);
      this.waiters.push((e) => {
        clearTimeout(t);
        resolve(e);
      });
    });
  }

  private emit(e: SpEvent): void {
    this.events.push(e);
    for (const w of this.waiters.splice(0)) w(e);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const sid = /sid=([a-z0-9]+)/.exec(req.headers.cookie ?? '')?.[1];
    const html = (status: number, body: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(body);
    };

    if (req.method === 'GET' && url.pathname === '/login') {
      const format = url.searchParams.get('format') ?? NAMEID_FORMAT.emailAddress;
      const relay = url.searchParams.get('relay') ?? '';
      if (url.searchParams.get('binding') === 'post') {
        // A POST-binding AuthnRequest must not be deflated.
        const form = await this.saml({
          identifierFormat: format,
          authnRequestBinding: 'HTTP-POST',
          skipRequestCompression: true,
        }).getAuthorizeFormAsync(relay);
        return html(200, form);
      }
      const unsigned = url.searchParams.has('unsigned') ? { privateKey: undefined } : {};
      const target = await this.saml({ identifierFormat: format, ...unsigned }).getAuthorizeUrlAsync(relay, undefined, {});
      return html(302, '', { location: target });
    }

    if (req.method === 'POST' && url.pathname === '/acs') {
      const body = Object.fromEntries(new URLSearchParams(await readBody(req)));
      try {
        const { profile } = await this.saml().validatePostResponseAsync(body);
        assert.ok(profile);
        const newSid = Math.random().toString(36).slice(2);
        this.profiles.set(newSid, profile);
        this.emit({ kind: 'login', profile, relayState: body['RelayState'] });
        return html(200, `<p id="who">${profile.nameID}</p>`, { 'set-cookie': `sid=${newSid}; Path=/; HttpOnly` });
      } catch (e) {
        this.emit({ kind: 'login-failed', error: e instanceof Error ? e.message : String(e) });
        return html(400, '<p id="error">sign-in failed</p>');
      }
    }

    if (req.method === 'GET' && url.pathname === '/logout') {
      const profile = sid ? this.profiles.get(sid) : undefined;
      assert.ok(profile, 'logout without SP session');
      this.profiles.delete(sid!);
      return html(302, '', { location: await this.saml().getLogoutUrlAsync(profile, 'after-logout', {}) });
    }

    if (req.method === 'GET' && url.pathname === '/slo') {
      const query = Object.fromEntries(url.searchParams);
      const { profile, loggedOut } = await this.saml().validateRedirectAsync(query, url.search.slice(1));
      if (query['SAMLResponse']) {
        assert.equal(loggedOut, true);
        this.emit({ kind: 'logout-response', query });
        return html(200, '<p id="bye">logged out</p>');
      }
      // IdP-initiated logout: end the local session(s) of that person and answer the IdP.
      assert.ok(profile);
      for (const [k, p] of this.profiles) if (p.nameID === profile.nameID) this.profiles.delete(k);
      this.emit({ kind: 'logout-request', profile });
      const back = await this.saml().getLogoutResponseUrlAsync(profile, query['RelayState'] ?? '', {}, true);
      return html(302, '', { location: back });
    }

    if (url.pathname === '/after-idp-logout') return html(200, '<p id="done">idp logout done</p>');
    html(404, 'not found');
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (s += c));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}

async function makeKeyPair(): Promise<{ key: string; cert: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'blanca-sp-key-'));
  try {
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256',
      '-days', '30', '-subj', '/CN=tiny-sp', '-keyout', join(dir, 'k'), '-out', join(dir, 'c')], { timeout: 20_000 });
    return { key: await readFile(join(dir, 'k'), 'utf8'), cert: await readFile(join(dir, 'c'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Logs in at the IdP form and returns what the SP's ACS made of the response. */
async function signIn(sp: TinySp, page: Page, username: string, password = pw(username)): Promise<SpEvent> {
  const [event] = await Promise.all([sp.next(), loginAtIdp(page, username, password)]);
  return event;
}

async function signInOk(sp: TinySp, page: Page, username: string) {
  const e = await signIn(sp, page, username);
  if (e.kind !== 'login') assert.fail(`expected a sign-in, got ${JSON.stringify(e)}`);
  return e;
}

describe('SimpleSAMLphp IdP harness', { timeout: 90_000 }, () => {
  let idp: IdpHandle;
  let sp: TinySp;
  let browser: BrowserHandle;

  before(async () => {
    const [started, keys, launched] = await Promise.all([startSimpleSamlIdp({}), makeKeyPair(), launchBrowser()]);
    idp = started;
    browser = launched;
    sp = new TinySp(idp, keys.key, keys.cert);
    await sp.start();
    // Registered from the SP's own metadata (parsed by SimpleSAMLphp). Its AuthnRequestsSigned="true"
    // and certificate make the IdP require signed AuthnRequests and logout messages.
    // node-saml's metadata announces an HTTP-POST SLO endpoint; this SP answers HTTP-Redirect only.
    const id = await idp.addSp({ metadataXml: sp.metadataXml(), sloUrl: `${sp.origin}/slo`, sloBinding: 'redirect' });
    assert.equal(id, sp.entityId);
  });

  after(async () => {
    await browser?.close();
    await sp?.stop();
    await idp?.stop();
  });

  it('publishes Entra-like metadata', async () => {
    const md = await idp.fetchMetadata();
    assert.match(md, new RegExp(`entityID="${idp.entityId}"`));
    assert.match(md, /SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"/);
    assert.match(md, /SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"/);
    assert.match(md, /SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"/);
    assert.ok(md.includes(idp.certificatePem.replace(/-----[^-]+-----|\s/g, '')));
  });

  it('SP-initiated sign-in as eve delivers both roles under Entra claim names', async () => {
    const page = await browser.newPage();
    await page.goto(`${sp.origin}/login?relay=${encodeURIComponent('/qr/42?tab=stats')}`);
    await assert.rejects(loginAtIdp(page, 'eve', 'wrong'), /Incorrect username or password/);
    const { profile, relayState } = await signInOk(sp, page, 'eve');
    await page.waitForSelector('#who');

    assert.equal(relayState, '/qr/42?tab=stats');
    assert.equal(profile.issuer, idp.entityId);
    assert.equal(profile.nameIDFormat, NAMEID_FORMAT.emailAddress);
    assert.equal(profile.nameID, 'eve@example.test');
    assert.ok(profile.sessionIndex);
    const attrs = profile.attributes as Record<string, unknown>;
    assert.deepEqual(attrs[ENTRA_CLAIMS.role], ['Marketing', 'Customer Service']);
    assert.equal(attrs[ENTRA_CLAIMS.givenName], 'Eve'); // one value → string (node-saml)
    assert.equal(attrs[ENTRA_CLAIMS.surname], 'Jones');
    assert.equal(attrs[ENTRA_CLAIMS.email], 'eve@example.test');
    assert.equal(attrs[ENTRA_CLAIMS.name], 'eve@example.test');
    assert.equal(attrs[ENTRA_CLAIMS.displayName], 'Eve Jones');
    assert.deepEqual(Object.keys(attrs).filter((k) => k.startsWith('urn:x-blanca-harness')), []);

    // Entra's default: the assertion is signed with rsa-sha256, the response is not; no NameFormat.
    const xml = profile.getSamlResponseXml?.() ?? '';
    const [beforeAssertion] = xml.split(/<saml:Assertion[\s>]/);
    assert.doesNotMatch(beforeAssertion ?? '', /Signature/);
    assert.match(xml, /<saml:Assertion[\s>][^]*<ds:SignatureMethod Algorithm="http:\/\/www\.w3\.org\/2001\/04\/xmldsig-more#rsa-sha256"/);
    assert.doesNotMatch(xml, /NameFormat=/);

    // SP-initiated single logout round trip, then the IdP session is gone.
    const [e] = await Promise.all([sp.next(), page.goto(`${sp.origin}/logout`)]);
    assert.equal(e.kind, 'logout-response');
    if (e.kind === 'logout-response') {
      assert.ok(e.query['Signature'], 'IdP signs its LogoutResponse');
      assert.equal(e.query['RelayState'], 'after-logout');
    }
    await page.waitForSelector('#bye');
    await page.goto(`${sp.origin}/login`);
    await page.waitForSelector('#username'); // asked to sign in again
    await page.close();
  });

  it('IdP-initiated sign-in as steve; one role arrives as a string', async () => {
    const page = await browser.newPage();
    await page.goto(idp.idpInitiatedUrl(sp.entityId, '/dashboard'));
    const { profile, relayState } = await signInOk(sp, page, 'steve');
    assert.equal(relayState, '/dashboard');
    assert.equal(profile.inResponseTo, undefined);
    assert.equal(profile.nameID, 'steve@example.test');
    assert.equal((profile.attributes as Record<string, unknown>)[ENTRA_CLAIMS.role], 'Customer Service');

    // IdP-initiated single logout reaches the SP and comes back to the IdP.
    const [e] = await Promise.all([sp.next(), page.goto(idp.idpInitiatedLogoutUrl(`${sp.origin}/after-idp-logout`))]);
    assert.equal(e.kind, 'logout-request');
    if (e.kind === 'logout-request') assert.equal(e.profile.nameID, 'steve@example.test');
    await page.waitForSelector('#done');
    await page.close();
  });

  it('setUsers changes roles for the next sign-in (POST binding, persistent NameID); nora sends no Role', async () => {
    const users = articleUsers().map((u) =>
      u.username === 'steve' ? { ...u, attributes: { ...u.attributes, [ENTRA_CLAIMS.role]: ['Marketing', 'Sales'] } } : u,
    );
    await idp.setUsers(users);

    const page = await browser.newPage();
    await page.goto(`${sp.origin}/login?binding=post&format=${encodeURIComponent(NAMEID_FORMAT.persistent)}`);
    const { profile } = await signInOk(sp, page, 'steve');
    assert.deepEqual((profile.attributes as Record<string, unknown>)[ENTRA_CLAIMS.role], ['Marketing', 'Sales']);
    assert.equal(profile.nameIDFormat, NAMEID_FORMAT.persistent);
    assert.match(profile.nameID, /^[0-9a-f]{40}$/);
    await page.close();

    const page2 = await browser.newPage();
    await page2.goto(`${sp.origin}/login`);
    const nora = (await signInOk(sp, page2, 'nora')).profile;
    assert.equal(nora.nameID, 'nora@example.test');
    assert.equal((nora.attributes as Record<string, unknown>)[ENTRA_CLAIMS.role], undefined);
    await page2.close();
  });

  it('rotateCertificate publishes a new signing key; the SP needs it to accept new sign-ins', async () => {
    const oldPem = idp.certificatePem;
    const b64 = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');
    const { newCertificatePem } = await idp.rotateCertificate();
    assert.notEqual(b64(newCertificatePem), b64(oldPem));
    assert.equal(idp.certificatePem, newCertificatePem);
    const md = await idp.fetchMetadata();
    assert.ok(md.includes(b64(newCertificatePem)), 'new certificate listed');
    assert.ok(md.includes(b64(oldPem)), 'old certificate still listed during rollover');

    const page = await browser.newPage();
    await page.goto(`${sp.origin}/login`);
    const e = await signIn(sp, page, 'adam');
    assert.equal(e.kind, 'login-failed', 'an SP that only trusts the old key rejects the new signature');

    sp.trustedIdpCerts = [oldPem, newCertificatePem];
    const page2 = await browser.newPage();
    await page2.goto(`${sp.origin}/login`);
    assert.equal((await signInOk(sp, page2, 'adam')).profile.nameID, 'adam@example.test');
    await page.close();
    await page2.close();
  });

  it('reports IdP error pages (HTTP 200) instead of timing out', async () => {
    const page = await browser.newPage();
    await page.goto(idp.idpInitiatedUrl('urn:not-registered'));
    await assert.rejects(loginAtIdp(page, 'eve', pw('eve')), /IdP error page.*metadata not found/i);
    // The SP's metadata says AuthnRequestsSigned, so the IdP refuses an unsigned request.
    await page.goto(`${sp.origin}/login?unsigned=1`);
    await assert.rejects(loginAtIdp(page, 'eve', pw('eve')), /IdP error page.*no signature found/i);
    await page.close();
  });
});
