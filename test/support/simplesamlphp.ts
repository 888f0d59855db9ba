/**
 * A real SAML 2.0 IdP (Debian's SimpleSAMLphp 1.19) on loopback, for Blanca's end-to-end tests.
 *
 * Each harness instance gets a private temp dir: a config dir (SIMPLESAMLPHP_CONFIG_DIR) holding the
 * PHP files from ./simplesamlphp/ plus JSON state files they read on every request, a metadata dir,
 * keys, sessions and logs, and a docroot with one symlink `simplesaml -> /usr/share/simplesamlphp/www`.
 * `php -S 127.0.0.1:PORT -t <docroot>` then serves /simplesaml/... with PATH_INFO
 * (module.php/core/loginuserpass.php) and static assets natively, and SimpleSAMLphp's self-URL logic
 * works because realpath() of the script lands inside its own www/. No router script is needed.
 *
 * The IdP behaves like Entra ID by default: assertion signed (rsa-sha256), response unsigned, claim
 * URIs as attribute names without NameFormat, NameID emailAddress unless the SP asks otherwise.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SIMPLESAMLPHP_ROOT = '/usr/share/simplesamlphp';
const TEMPLATE_DIR = fileURLToPath(new URL('./simplesamlphp/', import.meta.url));

/** Claim (attribute) names exactly as Entra ID sends them; `role` is the claim the article creates. */
export const ENTRA_CLAIMS = {
  givenName: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
  surname: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
  email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  name: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
  displayName: 'http://schemas.microsoft.com/identity/claims/displayname',
  role: 'Role',
  roleUri: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
} as const;

export const NAMEID_FORMAT = {
  emailAddress: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
} as const;

const BINDING_REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const BINDING_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const ATTRNAME_UNSPECIFIED = 'urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified';
/** Internal attributes that feed the NameID filters; stripped before the assertion is built. */
const INTERNAL_PREFIX = 'urn:x-blanca-harness:';

export interface IdpUser {
  /** Login name at the IdP form; must not contain ':'. */
  username: string;
  password: string;
  /** Attribute name → values. An empty list means the claim is not sent at all (as Entra does). */
  attributes: Record<string, string[]>;
  /** NameID value for emailAddress/unspecified formats. Default: email claim, else name claim, else username. */
  nameId?: string;
}

/** Per-SP settings shared by both ways of describing an SP. */
export interface RemoteSpSettings {
  sloUrl?: string;
  /** Binding(s) of sloUrl the IdP may use to reach the SP. Default 'redirect' (what Entra uses). */
  sloBinding?: 'redirect' | 'post' | 'both';
  /** SP certificate (PEM): verifies signed AuthnRequest/LogoutRequest/LogoutResponse, and encrypts. */
  certificatePem?: string;
  /** Require signed AuthnRequests and logout messages from this SP. Default: true iff certificatePem is given. */
  validateRequests?: boolean;
  /** Override the IdP-wide signing policy for this SP (IdP default: response false, assertion true). */
  signResponse?: boolean;
  signAssertion?: boolean;
  /** Encrypt the assertion to certificatePem. Default false (Entra default). */
  encryptAssertion?: boolean;
  /** NameID format used when the AuthnRequest names none (and for IdP-initiated sign-in). */
  nameIdFormat?: string;
  /** Raw saml20-sp-remote keys merged last (escape hatch, e.g. { ForceAuthn: true }). */
  extra?: Record<string, unknown>;
}

export interface RemoteSpByUrls extends RemoteSpSettings {
  entityId: string;
  acsUrl: string;
  metadataXml?: undefined;
}

/** The SP described by its metadata XML (parsed by SimpleSAMLphp itself); explicit fields win. */
export interface RemoteSpByMetadata extends RemoteSpSettings {
  metadataXml: string;
  entityId?: string;
  acsUrl?: string;
}

export type RemoteSp = RemoteSpByUrls | RemoteSpByMetadata;

export interface StartIdpOptions {
  /** Default: articleUsers(). */
  users?: IdpUser[];
  sps?: RemoteSp[];
  /** Default: a free port on 127.0.0.1. */
  port?: number;
  /** Default: SimpleSAMLphp's `<baseUrl>saml2/idp/metadata.php`. Entra-like: `https://sts.windows.net/<tenant>/`. */
  entityId?: string;
  /** IdP-wide; default false / true like Entra. Per SP: RemoteSp.signResponse / signAssertion. */
  signResponse?: boolean;
  signAssertion?: boolean;
  /** Log SAML messages (debug.saml) to the IdP log; see IdpHandle.logs(). Default false. */
  debugSaml?: boolean;
  startTimeoutMs?: number;
}

export interface RotateOptions {
  /** Sign with the new key from now on. false = only announce it in metadata. Default true. */
  signWithNew?: boolean;
  /** When signing with the new key, keep listing the old certificate in metadata. Default true. */
  keepOld?: boolean;
}

export interface IdpHandle {
  /** `http://127.0.0.1:PORT/simplesaml/` (trailing slash). */
  readonly baseUrl: string;
  readonly origin: string;
  readonly port: number;
  /** Private temp dir (config, keys, sessions, logs); removed by stop(). */
  readonly workDir: string;
  readonly entityId: string;
  /** `<baseUrl>saml2/idp/metadata.php` — the "App Federation Metadata Url". */
  readonly metadataUrl: string;
  /** SSO endpoint, HTTP-Redirect and HTTP-POST. */
  readonly ssoUrl: string;
  /** SLO endpoint, HTTP-Redirect and HTTP-POST. */
  readonly sloUrl: string;
  /** The certificate the IdP currently signs with (changes after rotateCertificate). */
  readonly certificatePem: string;
  /** All certificates the metadata currently lists. */
  readonly metadataCertificatesPem: string[];
  /** IdP-initiated sign-in (Entra "My Apps"). */
  idpInitiatedUrl(spEntityId: string, relayState?: string): string;
  /** IdP-initiated single logout of the browser's IdP session; returns to `returnTo` (must be on 127.0.0.1/localhost). */
  idpInitiatedLogoutUrl(returnTo?: string): string;
  setUsers(users: IdpUser[]): Promise<void>;
  /** Adds or replaces (same entity ID) an SP; returns the entity ID. */
  addSp(sp: RemoteSp): Promise<string>;
  removeSp(entityId: string): Promise<void>;
  /**
   * Makes the IdP compare the NameID of SP-initiated LogoutRequests exactly (as Entra does): a Format,
   * NameQualifier or SPNameQualifier (null = must be absent) that differs gets a signed LogoutResponse
   * Responder / RequestDenied, and the IdP session stays. `null` switches the check off.
   */
  setStrictLogout(rules: { format?: string | null; nameQualifier?: string | null; spNameQualifier?: string | null } | null): Promise<void>;
  rotateCertificate(opts?: RotateOptions): Promise<{ newCertificatePem: string }>;
  /** After rotateCertificate({ signWithNew: false }): start signing with the announced key. */
  completeRotation(opts?: { keepOld?: boolean }): Promise<void>;
  fetchMetadata(): Promise<string>;
  /** SimpleSAMLphp log + php server output, for failure messages. */
  logs(): Promise<string>;
  stop(): Promise<void>;
}

const ARTICLE_PASSWORD_SUFFIX = '-Passw0rd!';

function entraUser(username: string, given: string, surname: string, roles: string[]): IdpUser {
  const email = `${username}@example.test`;
  return {
    username,
    password: `${username}${ARTICLE_PASSWORD_SUFFIX}`,
    attributes: {
      [ENTRA_CLAIMS.givenName]: [given],
      [ENTRA_CLAIMS.surname]: [surname],
      [ENTRA_CLAIMS.email]: [email],
      [ENTRA_CLAIMS.name]: [email],
      [ENTRA_CLAIMS.displayName]: [`${given} ${surname}`],
      // Entra's default "User" role sends no Role claim at all.
      [ENTRA_CLAIMS.role]: roles,
    },
  };
}

/**
 * The people of the source article, with Entra's claim names. Password = `<username>-Passw0rd!`.
 * adam, eve: Marketing + Customer Service; steve: Customer Service; juan: whitelabel_admin;
 * monica: whitelabel_manager; nora: no Role claim (Entra's default "User" role).
 */
export function articleUsers(): IdpUser[] {
  return [
    entraUser('adam', 'Adam', 'Smith', ['Marketing', 'Customer Service']),
    entraUser('eve', 'Eve', 'Jones', ['Marketing', 'Customer Service']),
    entraUser('steve', 'Steve', 'Miller', ['Customer Service']),
    entraUser('juan', 'Juan', 'García', ['whitelabel_admin']),
    entraUser('monica', 'Mónica', 'López', ['whitelabel_manager']),
    entraUser('nora', 'Nora', 'Brown', []),
  ];
}

/** SimpleSAMLphp error pages answer HTTP 200; returns the error text if `html` is one, else null. */
export function simpleSamlErrorFromHtml(html: string): string | null {
  if (!html.includes('id="trackid"')) return null;
  const title = /<h2>([^<]*)<\/h2>/.exec(html)?.[1]?.trim() ?? 'SimpleSAMLphp error';
  // The debug box holds the exception; wrapped ones ("UNHANDLEDEXCEPTION") name the cause in the trace.
  const detail = /<div style="border: 1px solid #eee[^>]*>\s*<p[^>]*>([^<]*)<\/p>/.exec(html)?.[1]?.trim();
  const cause = /Caused by: ([^\n<]*)/.exec(html)?.[1]?.trim();
  const text = [title, cause ?? detail].filter(Boolean).join(': ');
  return decodeEntities(text);
}

function decodeEntities(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

// ---------------------------------------------------------------------------------------------
// Process bookkeeping: nothing outlives the test process.

const live = new Set<Instance>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const inst of live) inst.killSync();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const inst of live) inst.killSync();
      // Keep the default "die on signal" unless someone else handles it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

// ---------------------------------------------------------------------------------------------

interface KeyPair {
  keyPath: string;
  certPath: string;
  pem: string;
}

function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { env: opts.env ?? process.env, timeout: 20_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || err.message}`));
        else resolve(stdout);
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

async function writeAtomic(path: string, content: string): Promise<void> {
  // php reads these files on every request; rename() keeps a request from seeing half a file.
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, path);
}

function pemBody(pem: string): string {
  return pem
    .replace(/-----(BEGIN|END) CERTIFICATE-----/g, '')
    .replace(/\s+/g, '');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Resolves true when `p` settles within `ms`, else false; the timer never outlives the race. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

class Instance implements IdpHandle {
  readonly baseUrl: string;
  readonly origin: string;
  readonly entityId: string;
  readonly metadataUrl: string;
  readonly ssoUrl: string;
  readonly sloUrl: string;

  private proc: ChildProcess | undefined;
  private procOutput = '';
  private exited: Promise<void> = Promise.resolve();
  private readonly sps = new Map<string, Record<string, unknown>>();
  private signing!: KeyPair;
  private extra: KeyPair | undefined; // listed in metadata, not used to sign
  private pendingIsNew = false; // extra is an announced future key (not an old one)
  private keySeq = 0;
  private stopped = false;

  readonly configDir: string;
  readonly metadataDir: string;
  private readonly certDir: string;
  private readonly logDir: string;

  constructor(
    readonly workDir: string,
    readonly port: number,
    private readonly opts: StartIdpOptions,
  ) {
    this.origin = `http://127.0.0.1:${port}`;
    this.baseUrl = `${this.origin}/simplesaml/`;
    this.metadataUrl = `${this.baseUrl}saml2/idp/metadata.php`;
    this.ssoUrl = `${this.baseUrl}saml2/idp/SSOService.php`;
    this.sloUrl = `${this.baseUrl}saml2/idp/SingleLogoutService.php`;
    this.entityId = opts.entityId ?? this.metadataUrl;
    this.configDir = join(workDir, 'config');
    this.metadataDir = join(workDir, 'metadata');
    this.certDir = join(workDir, 'cert');
    this.logDir = join(workDir, 'log');
  }

  get certificatePem(): string {
    return this.signing.pem;
  }

  get metadataCertificatesPem(): string[] {
    return this.extra ? [this.signing.pem, this.extra.pem] : [this.signing.pem];
  }

  idpInitiatedUrl(spEntityId: string, relayState?: string): string {
    const q = new URLSearchParams({ spentityid: spEntityId });
    if (relayState !== undefined) q.set('RelayState', relayState);
    return `${this.ssoUrl}?${q}`;
  }

  idpInitiatedLogoutUrl(returnTo?: string): string {
    const q = new URLSearchParams();
    if (returnTo !== undefined) q.set('RelayState', returnTo);
    return `${this.baseUrl}saml2/idp/initSLO.php?${q}`;
  }

  async prepare(): Promise<void> {
    for (const d of [this.configDir, this.metadataDir, this.certDir, this.logDir, join(this.workDir, 'data'),
      join(this.workDir, 'tmp'), join(this.workDir, 'sessions'), join(this.workDir, 'docroot')]) {
      await mkdir(d, { recursive: true });
    }
    await symlink(join(SIMPLESAMLPHP_ROOT, 'www'), join(this.workDir, 'docroot', 'simplesaml'));
    for (const f of ['config.php', 'authsources.php']) {
      await copyFile(join(TEMPLATE_DIR, f), join(this.configDir, f));
    }
    for (const f of ['saml20-idp-hosted.php', 'saml20-sp-remote.php']) {
      await copyFile(join(TEMPLATE_DIR, f), join(this.metadataDir, f));
    }
    await writeAtomic(
      join(this.configDir, 'harness-config.json'),
      JSON.stringify({
        baseurlpath: this.baseUrl,
        certdir: `${this.certDir}/`,
        loggingdir: `${this.logDir}/`,
        datadir: `${join(this.workDir, 'data')}/`,
        tempdir: join(this.workDir, 'tmp'),
        metadatadir: `${this.metadataDir}/`,
        sessiondir: join(this.workDir, 'sessions'),
        // Fixed, so a persistent NameID depends only on (IdP entity ID, SP entity ID, username).
        secretsalt: 'blanca-test-harness-salt',
        adminpassword: randomBytes(12).toString('hex'),
        trusted_domains: ['(127\\.0\\.0\\.1|localhost)(:[0-9]+)?'],
        debug_saml: this.opts.debugSaml ?? false,
      }),
    );
    this.signing = await this.newKeyPair();
    await this.writeIdp();
    await this.setUsers(this.opts.users ?? articleUsers());
    await this.writeSps();
    for (const sp of this.opts.sps ?? []) await this.addSp(sp);
  }

  private async newKeyPair(): Promise<KeyPair> {
    const n = ++this.keySeq;
    const keyPath = join(this.certDir, `idp-${n}.key`);
    const certPath = join(this.certDir, `idp-${n}.crt`);
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650',
      '-subj', `/CN=Blanca test IdP key ${n}`, '-keyout', keyPath, '-out', certPath]);
    return { keyPath, certPath, pem: await readFile(certPath, 'utf8') };
  }

  private async writeIdp(): Promise<void> {
    const idp: Record<string, unknown> = {
      entityid: this.entityId,
      host: '__DEFAULT__',
      auth: 'harness-users',
      privatekey: this.signing.keyPath,
      certificate: this.signing.certPath,
      'saml20.sign.response': this.opts.signResponse ?? false,
      'saml20.sign.assertion': this.opts.signAssertion ?? true,
      'signature.algorithm': RSA_SHA256,
      'sign.logout': true,
      'attributes.NameFormat': ATTRNAME_UNSPECIFIED, // omitted on the wire, as Entra does
      SingleSignOnServiceBinding: [BINDING_REDIRECT, BINDING_POST],
      SingleLogoutServiceBinding: [BINDING_REDIRECT, BINDING_POST],
      // First entry = NameID format when neither the request nor the SP entry names one.
      NameIDFormat: [NAMEID_FORMAT.emailAddress, NAMEID_FORMAT.persistent, NAMEID_FORMAT.unspecified,
        NAMEID_FORMAT.transient],
      authproc: {
        10: { class: 'saml:AttributeNameID', attribute: `${INTERNAL_PREFIX}email`, Format: NAMEID_FORMAT.emailAddress },
        11: { class: 'saml:AttributeNameID', attribute: `${INTERNAL_PREFIX}email`, Format: NAMEID_FORMAT.unspecified },
        12: { class: 'saml:PersistentNameID', attribute: `${INTERNAL_PREFIX}username` },
        90: {
          class: 'core:PHP',
          code: `foreach (array_keys($attributes) as $n) { if (strncmp($n, '${INTERNAL_PREFIX}', ${INTERNAL_PREFIX.length}) === 0) { unset($attributes[$n]); } }`,
        },
      },
    };
    // SimpleSAMLphp lists new_certificate in metadata next to certificate; it never signs with it.
    if (this.extra) idp['new_certificate'] = this.extra.certPath;
    await writeAtomic(join(this.metadataDir, 'harness-idp.json'), JSON.stringify(idp));
  }

  async setUsers(users: IdpUser[]): Promise<void> {
    const out: Record<string, Record<string, string[]>> = {};
    for (const u of users) {
      if (u.username.includes(':')) throw new Error(`IdP username must not contain ':': ${u.username}`);
      const attrs: Record<string, string[]> = {};
      for (const [name, values] of Object.entries(u.attributes)) {
        if (values.length > 0) attrs[name] = [...values];
      }
      const nameId = u.nameId ?? attrs[ENTRA_CLAIMS.email]?.[0] ?? attrs[ENTRA_CLAIMS.name]?.[0] ?? u.username;
      attrs[`${INTERNAL_PREFIX}email`] = [nameId];
      attrs[`${INTERNAL_PREFIX}username`] = [u.username];
      out[`${u.username}:${u.password}`] = attrs;
    }
    await writeAtomic(join(this.configDir, 'harness-users.json'), JSON.stringify(out));
  }

  async addSp(sp: RemoteSp): Promise<string> {
    let md: Record<string, unknown> = {};
    if (sp.metadataXml !== undefined) {
      const parsed = JSON.parse(
        await run('php', [join(TEMPLATE_DIR, 'parse-sp-metadata.php')], {
          input: sp.metadataXml,
          env: { ...process.env, SIMPLESAMLPHP_CONFIG_DIR: this.configDir },
        }),
      ) as Record<string, unknown>[];
      const first = parsed[0];
      if (!first) throw new Error('SP metadata holds no SP');
      md = first;
      // SimpleSAMLphp turns an SP's WantAssertionsSigned="false" into "do not sign the assertion";
      // Entra ignores that attribute and signs as its own Signing Option says: so does the harness.
      delete md['saml20.sign.assertion'];
    }
    const entityId = sp.entityId ?? (typeof md['entityid'] === 'string' ? md['entityid'] : undefined);
    if (!entityId) throw new Error('RemoteSp needs entityId (or metadataXml with one)');
    md['entityid'] = entityId;
    if (sp.acsUrl !== undefined) {
      md['AssertionConsumerService'] = [{ Binding: BINDING_POST, Location: sp.acsUrl, index: 0 }];
    }
    if (!md['AssertionConsumerService']) throw new Error(`RemoteSp ${entityId} needs acsUrl`);
    if (sp.sloUrl !== undefined) {
      const binding = sp.sloBinding ?? 'redirect';
      const bindings = binding === 'both' ? [BINDING_REDIRECT, BINDING_POST] : [binding === 'post' ? BINDING_POST : BINDING_REDIRECT];
      md['SingleLogoutService'] = bindings.map((b) => ({ Binding: b, Location: sp.sloUrl }));
    }
    if (sp.certificatePem !== undefined) {
      delete md['keys'];
      md['certData'] = pemBody(sp.certificatePem);
    }
    const hasCert = md['certData'] !== undefined || md['keys'] !== undefined;
    const validate = sp.validateRequests ?? (sp.certificatePem !== undefined || md['validate.authnrequest'] === true);
    md['validate.authnrequest'] = validate;
    md['validate.logout'] = validate;
    if (validate && !hasCert) throw new Error(`RemoteSp ${entityId}: validateRequests needs a certificate`);
    if (sp.signResponse !== undefined) md['saml20.sign.response'] = sp.signResponse;
    if (sp.signAssertion !== undefined) md['saml20.sign.assertion'] = sp.signAssertion;
    if (sp.encryptAssertion !== undefined) md['assertion.encryption'] = sp.encryptAssertion;
    if (sp.nameIdFormat !== undefined) md['NameIDFormat'] = sp.nameIdFormat;
    Object.assign(md, sp.extra ?? {});
    this.sps.set(entityId, md);
    await this.writeSps();
    return entityId;
  }

  async setStrictLogout(rules: { format?: string | null; nameQualifier?: string | null; spNameQualifier?: string | null } | null): Promise<void> {
    await writeAtomic(join(this.configDir, 'harness-strict-logout.json'), JSON.stringify(rules ?? {}));
  }

  async removeSp(entityId: string): Promise<void> {
    this.sps.delete(entityId);
    await this.writeSps();
  }

  private async writeSps(): Promise<void> {
    await writeAtomic(join(this.metadataDir, 'harness-sps.json'), JSON.stringify(Object.fromEntries(this.sps)));
  }

  async rotateCertificate(opts: RotateOptions = {}): Promise<{ newCertificatePem: string }> {
    const next = await this.newKeyPair();
    if (opts.signWithNew ?? true) {
      this.extra = (opts.keepOld ?? true) ? this.signing : undefined;
      this.signing = next;
      this.pendingIsNew = false;
    } else {
      this.extra = next;
      this.pendingIsNew = true;
    }
    await this.writeIdp();
    return { newCertificatePem: next.pem };
  }

  async completeRotation(opts: { keepOld?: boolean } = {}): Promise<void> {
    if (!this.extra || !this.pendingIsNew) throw new Error('no announced certificate to switch to');
    const old = this.signing;
    this.signing = this.extra;
    this.extra = (opts.keepOld ?? true) ? old : undefined;
    this.pendingIsNew = false;
    await this.writeIdp();
  }

  async fetchMetadata(): Promise<string> {
    const res = await fetch(this.metadataUrl, { signal: AbortSignal.timeout(5_000) });
    const body = await res.text();
    if (!res.ok || !body.includes('EntityDescriptor')) {
      throw new Error(`IdP metadata: HTTP ${res.status}: ${simpleSamlErrorFromHtml(body) ?? body.slice(0, 300)}`);
    }
    return body;
  }

  async logs(): Promise<string> {
    const ssp = await readFile(join(this.logDir, 'simplesamlphp.log'), 'utf8').catch(() => '');
    return `--- simplesamlphp.log ---\n${ssp}\n--- php -S ---\n${this.procOutput}`;
  }

  /** Starts php; resolves once the metadata URL answers. Rejects (after cleanup of php) on failure. */
  async launch(timeoutMs: number): Promise<void> {
    const child = spawn(
      'php',
      ['-d', 'opcache.enable_cli=0', '-d', 'display_errors=stderr', '-d', `auto_prepend_file=${join(TEMPLATE_DIR, 'strict-logout.php')}`, '-S', `127.0.0.1:${this.port}`,
        '-t', join(this.workDir, 'docroot')],
      {
        cwd: this.workDir,
        detached: true, // own process group: stop() kills the server and its workers together
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SIMPLESAMLPHP_CONFIG_DIR: this.configDir, PHP_CLI_SERVER_WORKERS: '4' },
      },
    );
    this.proc = child;
    const keep = (b: Buffer) => {
      this.procOutput = (this.procOutput + b.toString()).slice(-64 * 1024);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exitedEarly = false;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', () => {
        exitedEarly = true;
        resolve();
      });
    });
    child.unref();
    (child.stdout as { unref?: () => void } | null)?.unref?.();
    (child.stderr as { unref?: () => void } | null)?.unref?.();

    const until = Date.now() + timeoutMs;
    let lastError = '';
    while (Date.now() < until) {
      if (exitedEarly) throw new Error(`php -S exited: ${this.procOutput.trim()}`);
      try {
        await this.fetchMetadata();
        return;
      } catch (e) {
        lastError = e instanceof Error ? e.message : String(e);
      }
      await sleep(100);
    }
    throw new Error(`SimpleSAMLphp did not answer ${this.metadataUrl} within ${timeoutMs} ms: ${lastError}`);
  }

  killSync(): void {
    const pid = this.proc?.pid;
    if (pid !== undefined && this.proc?.exitCode === null && this.proc.signalCode === null) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    try {
      // php may still be dying and touching its session/log files: retry ENOTEMPTY and friends.
      rmSync(this.workDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    } catch {
      /* best effort while the process exits */
    }
    live.delete(this);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const pid = this.proc?.pid;
    if (pid !== undefined && this.proc?.exitCode === null && this.proc.signalCode === null) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      if (!(await within(this.exited, 3_000))) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
        await within(this.exited, 2_000);
      }
    }
    await rm(this.workDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    live.delete(this);
  }
}

/** Starts SimpleSAMLphp as a SAML 2.0 IdP on 127.0.0.1. Always `stop()` it (e.g. in `after`). */
export async function startSimpleSamlIdp(opts: StartIdpOptions = {}): Promise<IdpHandle> {
  installExitHook();
  const attempts = opts.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const port = opts.port ?? (await freePort());
    const dir = await mkdtemp(join(tmpdir(), 'blanca-ssp-'));
    const inst = new Instance(dir, port, opts);
    live.add(inst);
    try {
      await inst.prepare();
      await inst.launch(opts.startTimeoutMs ?? 15_000);
      return inst;
    } catch (e) {
      lastError = e;
      await inst.stop();
      // Another process may have taken the port between probe and bind: try a fresh one.
      if (!(e instanceof Error && /Failed to listen|Address already in use/i.test(e.message))) break;
    }
  }
  throw lastError;
}
