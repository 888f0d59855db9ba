import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setSsoEnabled } from '../../src/accounts/service.js';
import type { Actor } from '../../src/auth/actor.js';
import { resolveActor } from '../../src/auth/resolve.js';
import { createSession } from '../../src/auth/sessions.js';
import { createApiToken } from '../../src/auth/tokens.js';
import { startBulkJob } from '../../src/qr/bulk.js';
import { createCode } from '../../src/qr/service.js';
import { parseCreateCode } from '../../src/qr/schemas.js';
import { insertDomainClaim } from '../../src/sso/domains/store.js';
import { createSetupLink } from '../../src/sso/setup-links.js';
import { writeSsoLog } from '../../src/sso/store.js';
import { createScimToken } from '../../src/scim/tokens.js';
import { createSubaccount } from '../../src/subaccounts/service.js';
import { insertSubaccount, replaceLinks } from '../../src/subaccounts/store.js';
import { createUser } from '../../src/users/service.js';
import { USER_FEATURES } from '../../src/users/schemas.js';
import { SESSION_COOKIE } from '../../src/web/cookies.js';
import { describeEachEngine, ownerActor, startTestApp, tokenFor, type TestApp } from '../support/app.js';

// The permission matrix, generated from the app's own route table: every registered route
// must have a rule below (a new route without one fails the first test), and every route is
// called as every role, checking the real answer. "ok" is a 2xx or a 3xx that is not the
// sign-in page; "denied" is 401/403/404 or the redirect to /login.
//
// Portal roles sign in with a session cookie; API roles with a bearer token (the API takes
// no cookies and the portal no tokens, so each side is walked with its own roles).
// it_contact: a session opened with an SSO set-up link (only the SSO tab's pages and actions).
const PORTAL_ROLES = ['anonymous', 'owner', 'admin', 'manager', 'team_leader', 'sso', 'user', 'it_contact'] as const;
const API_ROLES = ['anonymous', 'account_token', 'user_token'] as const;
type PortalRole = (typeof PORTAL_ROLES)[number];
type ApiRole = (typeof API_ROLES)[number];
type Role = PortalRole | ApiRole;

interface Fixture {
  app: TestApp;
  /** White-label user linked to the team leader and the SSO subaccount; the "user" role signs in as it. */
  linkedUserId: string;
  unlinkedUserId: string;
  codeId: string;
  bulkJobId: string;
  ssoLogId: string;
  subaccountIds: Record<'admin' | 'manager' | 'team_leader' | 'sso', string>;
  ownerId: string;
  owner: Actor;
  fresh: {
    user(): Promise<string>;
    teamLeader(): Promise<string>;
    code(): Promise<string>;
    userToken(): Promise<string>;
    setupLink(): Promise<string>;
  };
}

type Params = (f: Fixture) => Record<string, string> | Promise<Record<string, string>>;
interface Rule {
  /** Roles that get an ok answer; every other role of that side must be denied. */
  allow: readonly Role[] | 'public';
  /** Why a public route is public (sign-in, IdP endpoints, health, short links). */
  why?: string;
  params?: Params;
  query?: string;
  body?: (f: Fixture) => Record<string, unknown>;
  /**
   * For allowed roles a 400 also counts as passing the permission gate: the request reached
   * the checks of its input (TOTP codes, an IdP to reach). Denied roles must still be refused.
   */
  inputChecked?: boolean;
  /** The route ends the caller's sessions (and answers with the sign-in page): sign everyone in again afterwards. */
  throwawaySession?: boolean;
}

const MANAGERS = ['owner', 'admin', 'manager'] as const;
const ADMINS = ['owner', 'admin'] as const;
const SSO_TAB = [...ADMINS, 'it_contact'] as const;
const STAFF = ['owner', 'admin', 'manager', 'team_leader', 'sso'] as const;
const SIGNED_IN = [...STAFF, 'user'] as const;
const TOKENS = ['account_token', 'user_token'] as const;
const ACCOUNT_TOKEN = ['account_token'] as const;

const codeParams: Params = (f) => ({ id: f.codeId });
const linkedUser: Params = (f) => ({ id: f.linkedUserId });
const codeBody = (f: Fixture) => ({ userId: f.linkedUserId, name: `Route ${Math.random()}`, kind: 'static', type: 'text', 'c.text': 'hello' });
const apiCodeBody = (f: Fixture) => ({ userId: f.linkedUserId, name: `Route ${Math.random()}`, kind: 'static', content: { type: 'text', text: 'hello' } });

/** A new pending email-domain claim of the account per call (checks and releases use one up). */
let lastDomainClaim = '';
async function freshDomainClaim(f: Fixture): Promise<string> {
  lastDomainClaim = `perm-${Math.random().toString(36).slice(2)}.example`;
  await insertDomainClaim(f.app.blanca.deps.db, { id: crypto.randomUUID(), account_id: f.app.accountId, domain: lastDomainClaim, token: 'route-permissions', state: 'pending', created_at: 0, created_by: 'test', verified_at: null, verified_by: null, checked_at: null, last_check_error: null });
  return lastDomainClaim;
}

export const RULES: Record<string, Rule> = {
  // ------------------------------------------------------------------ public
  'GET /:code(^[1-9A-HJ-NP-Za-km-z]{7}$)': { allow: 'public', why: 'short links are printed on paper' },
  'GET /healthz': { allow: 'public', why: 'load balancer' },
  'GET /readyz': { allow: 'public', why: 'load balancer' },
  'GET /login': { allow: 'public', why: 'sign-in' },
  'POST /login': { allow: 'public', why: 'sign-in' },
  'GET /a/:slug/login': { allow: 'public', why: "an account's own sign-in page" },
  'POST /a/:slug/login': { allow: 'public', why: "an account's own sign-in page" },
  'GET /login/2fa': { allow: 'public', why: 'sign-in (second factor of a pending session)' },
  'POST /login/2fa': { allow: 'public', why: 'sign-in' },
  'POST /login/sso': { allow: 'public', why: 'sign-in' },
  'GET /login/forgot': { allow: 'public', why: 'forgot password (SMTP_URL set)' },
  'POST /login/forgot': { allow: 'public', why: 'forgot password: mails a link, answers the same for anyone' },
  'GET /login/reset': { allow: 'public', why: 'forgot password: the mailed single-use link' },
  'POST /login/reset': { allow: 'public', why: 'forgot password: the token is the credential' },
  'POST /logout': { allow: 'public', why: 'signing out needs no role' },
  'POST /language': { allow: 'public', why: 'language choice before sign-in' },
  'GET /sso/:slug/login': { allow: 'public', why: 'SAML: starts the IdP sign-in' },
  'GET /sso/:slug/metadata': { allow: 'public', why: 'SAML: SP metadata the IdP reads' },
  'POST /sso/:slug/acs': { allow: 'public', why: 'SAML: IdP posts the response' },
  'GET /sso/:slug/slo': { allow: 'public', why: 'SAML: single logout' },
  'POST /sso/:slug/slo': { allow: 'public', why: 'SAML: single logout' },
  'GET /api/v1/openapi.json': { allow: 'public', why: 'API description' },
  ...Object.fromEntries(
    ['GET /ServiceProviderConfig', 'GET /ResourceTypes', 'GET /ResourceTypes/:id', 'GET /Schemas', 'GET /Schemas/:id', ...['Users', 'Groups'].flatMap((r) => [`GET /${r}`, `POST /${r}`, `GET /${r}/:id`, `PUT /${r}/:id`, `PATCH /${r}/:id`, `DELETE /${r}/:id`])].map((route) => {
      const [method, path] = route.split(' ');
      return [`${method} /scim/v2/:slug${path}`, { allow: 'public', why: "SCIM: Entra's provisioning service with the account's own SCIM bearer token, checked in test/scim" }];
    }),
  ) as Record<string, Rule>,
  'GET /assets/sso.js': { allow: 'public', why: "the SSO pages' script (copy buttons)" },
  'GET /sso-setup/:token': { allow: 'public', why: 'the IT contact opens an SSO set-up link (unknown, expired or revoked: 404)' },
  'POST /sso-setup/:token': { allow: 'public', why: 'Continue: starts the set-up session of a usable link' },

  // ------------------------------------------------------------------ portal: people
  'GET /': { allow: SIGNED_IN },
  'GET /space': { allow: SIGNED_IN },
  'GET /users': { allow: SIGNED_IN },
  'GET /users/new': { allow: MANAGERS },
  'POST /users': { allow: MANAGERS, body: () => ({ name: `New ${Math.random()}`, maxCodes: '5' }) },
  'GET /users/:id/edit': { allow: MANAGERS, params: linkedUser },
  'POST /users/:id': { allow: MANAGERS, params: linkedUser, body: () => ({ name: 'Marketing', maxCodes: '100', features: [...USER_FEATURES] }) },
  'GET /users/:id/delete': { allow: MANAGERS, params: linkedUser },
  'POST /users/:id/delete': { allow: MANAGERS, params: async (f) => ({ id: await f.fresh.user() }) },
  'POST /users/:id/act-as': { allow: STAFF, params: linkedUser },
  'POST /act-as': { allow: STAFF, body: (f) => ({ userId: f.linkedUserId }) },
  'POST /act-as/stop': { allow: SIGNED_IN },
  'GET /subaccounts': { allow: MANAGERS },
  'GET /subaccounts/new': { allow: MANAGERS },
  'POST /subaccounts': { allow: MANAGERS, body: () => ({ name: 'TL', email: `tl-${Math.random()}@example.com`, role: 'team_leader' }) },
  'GET /subaccounts/:id/edit': { allow: MANAGERS, params: (f) => ({ id: f.subaccountIds.team_leader }) },
  'POST /subaccounts/:id': { allow: MANAGERS, params: (f) => ({ id: f.subaccountIds.team_leader }), body: (f) => ({ name: 'team_leader', email: 'team_leader@example.com', role: 'team_leader', userIds: [f.linkedUserId] }) },
  'GET /subaccounts/:id/delete': { allow: MANAGERS, params: (f) => ({ id: f.subaccountIds.team_leader }) },
  'POST /subaccounts/:id/delete': { allow: MANAGERS, params: async (f) => ({ id: await f.fresh.teamLeader() }) },
  'GET /audit': { allow: MANAGERS },
  'GET /tokens': { allow: SIGNED_IN },
  'POST /tokens': { allow: ['owner', 'admin', 'manager', 'user'], body: (f) => ({ name: `t-${Math.random()}`, userId: f.linkedUserId }) },
  'POST /tokens/:id/delete': { allow: ['owner', 'admin', 'manager', 'user'], params: async (f) => ({ id: await f.fresh.userToken() }) },
  'GET /security': { allow: SIGNED_IN },
  'POST /security/enable': { allow: SIGNED_IN, body: () => ({ code: '000000' }), inputChecked: true },
  'POST /security/disable': { allow: SIGNED_IN, body: () => ({ code: '000000' }), inputChecked: true },
  'POST /security/sign-out-everywhere': { allow: SIGNED_IN, throwawaySession: true },

  // ------------------------------------------------------------------ portal: account settings and SSO
  'GET /settings': { allow: ADMINS },
  'POST /settings': { allow: ADMINS, body: () => ({ name: 'Acme', primaryColor: '#123456', accentColor: '#654321', defaultLocale: 'en' }) },
  'GET /settings/sso': { allow: SSO_TAB },
  'POST /settings/sso': { allow: SSO_TAB, body: () => ({ ssoType: 'user' }), inputChecked: true },
  'POST /settings/sso/refresh-metadata': { allow: SSO_TAB, inputChecked: true },
  'POST /settings/sso/sp-key/rotate': { allow: ADMINS, inputChecked: true },
  'POST /settings/sso/sp-key/finish': { allow: ADMINS, inputChecked: true },
  'POST /settings/sso/test': { allow: SSO_TAB, inputChecked: true },
  'GET /settings/sso/log': { allow: SSO_TAB },
  'GET /settings/sso/log/:id': { allow: SSO_TAB, params: (f) => ({ id: f.ssoLogId }) },
  'GET /settings/sso/log/:id/xml': { allow: SSO_TAB, params: (f) => ({ id: f.ssoLogId }) },
  'POST /settings/sso/setup-links': { allow: ADMINS, body: () => ({ label: 'Contoso IT', expiresInHours: '24' }) },
  'POST /settings/sso/setup-links/:id/revoke': { allow: ADMINS, params: async (f) => ({ id: await f.fresh.setupLink() }) },
  'POST /settings/sso/scim-tokens': { allow: ADMINS, body: () => ({ name: 'portal scim' }) },
  'POST /settings/sso/scim-tokens/:id/revoke': { allow: ADMINS, params: async (f) => ({ id: (await createScimToken({ db: f.app.blanca.deps.db, now: new Date(), actor: f.owner }, { name: 'to revoke' })).view.id }) },
  'POST /settings/sso/domains': { allow: ADMINS, body: () => ({ domain: `perm-${Math.random().toString(36).slice(2)}.example` }) },
  'POST /settings/sso/domains/check': { allow: ADMINS, params: async (f) => ({ domain: await freshDomainClaim(f) }), body: () => ({ domain: lastDomainClaim }) },
  'POST /settings/sso/domains/release': { allow: ADMINS, params: async (f) => ({ domain: await freshDomainClaim(f) }), body: () => ({ domain: lastDomainClaim }) },
  'GET /sso/choose': { allow: STAFF },

  // ------------------------------------------------------------------ portal: QR codes (the linked user's code)
  'GET /codes': { allow: SIGNED_IN },
  'GET /codes/new': { allow: SIGNED_IN },
  'POST /codes': { allow: SIGNED_IN, body: codeBody },
  'GET /codes/:id': { allow: SIGNED_IN, params: codeParams },
  'GET /codes/:id/edit': { allow: SIGNED_IN, params: codeParams },
  'POST /codes/:id': { allow: SIGNED_IN, params: codeParams, body: () => ({ name: 'Edited', type: 'url', 'c.url': 'https://example.com/edited' }) },
  'GET /codes/:id/image': { allow: SIGNED_IN, params: codeParams },
  'POST /codes/:id/pause': { allow: SIGNED_IN, params: codeParams },
  'POST /codes/:id/resume': { allow: SIGNED_IN, params: codeParams },
  'GET /codes/:id/delete': { allow: SIGNED_IN, params: codeParams },
  'POST /codes/:id/delete': { allow: SIGNED_IN, params: async (f) => ({ id: await f.fresh.code() }) },
  'GET /codes/:id/stats': { allow: SIGNED_IN, params: codeParams },
  'GET /codes/:id/scans.csv': { allow: SIGNED_IN, params: codeParams },
  'GET /codes/stats': { allow: SIGNED_IN, query: 'userId=LINKED' },
  'GET /codes/bulk': { allow: SIGNED_IN },
  'POST /codes/bulk': { allow: SIGNED_IN, body: (f) => ({ userId: f.linkedUserId, csv: 'name,type,text\nBulk,text,hello\n' }) },
  'GET /codes/bulk/:id': { allow: SIGNED_IN, params: (f) => ({ id: f.bulkJobId }) },
  'GET /codes/settings': { allow: ADMINS },
  'POST /codes/settings': { allow: ADMINS, body: () => ({ scanRetentionDays: '30' }) },

  // ------------------------------------------------------------------ API
  'GET /api/v1/account': { allow: TOKENS },
  'PATCH /api/v1/account': { allow: ACCOUNT_TOKEN, body: () => ({ primaryColor: '#123456' }) },
  'GET /api/v1/audit': { allow: ACCOUNT_TOKEN },
  'GET /api/v1/users': { allow: TOKENS },
  'POST /api/v1/users': { allow: ACCOUNT_TOKEN, body: () => ({ name: `Api ${Math.random()}`, maxCodes: 5, features: [] }) },
  'GET /api/v1/users/:id': { allow: TOKENS, params: linkedUser },
  'PATCH /api/v1/users/:id': { allow: ACCOUNT_TOKEN, params: linkedUser, body: () => ({ maxCodes: 100 }) },
  'DELETE /api/v1/users/:id': { allow: ACCOUNT_TOKEN, params: async (f) => ({ id: await f.fresh.user() }) },
  'GET /api/v1/users/:id/scan-stats': { allow: TOKENS, params: linkedUser },
  'GET /api/v1/users/:id/scans.csv': { allow: TOKENS, params: linkedUser },
  'GET /api/v1/subaccounts': { allow: ACCOUNT_TOKEN },
  'POST /api/v1/subaccounts': { allow: ACCOUNT_TOKEN, body: () => ({ name: 'TL', email: `tl-${Math.random()}@example.com`, role: 'team_leader', userIds: [] }) },
  'GET /api/v1/subaccounts/:id': { allow: ACCOUNT_TOKEN, params: (f) => ({ id: f.subaccountIds.team_leader }) },
  'PATCH /api/v1/subaccounts/:id': { allow: ACCOUNT_TOKEN, params: (f) => ({ id: f.subaccountIds.team_leader }), body: () => ({ name: 'team_leader' }) },
  'DELETE /api/v1/subaccounts/:id': { allow: ACCOUNT_TOKEN, params: async (f) => ({ id: await f.fresh.teamLeader() }) },
  'GET /api/v1/tokens': { allow: TOKENS },
  // A user token cannot mint or revoke tokens (only an account token or a person in the portal can).
  'POST /api/v1/tokens': { allow: ACCOUNT_TOKEN, body: (f) => ({ name: `t-${Math.random()}`, userId: f.linkedUserId }) },
  'DELETE /api/v1/tokens/:id': { allow: ACCOUNT_TOKEN, params: async (f) => ({ id: await f.fresh.userToken() }) },
  'GET /api/v1/sso': { allow: ACCOUNT_TOKEN },
  'GET /api/v1/scim/tokens': { allow: ACCOUNT_TOKEN },
  'POST /api/v1/scim/tokens': { allow: ACCOUNT_TOKEN, body: () => ({ name: `scim-${Math.random()}` }) },
  'DELETE /api/v1/scim/tokens/:id': { allow: ACCOUNT_TOKEN, params: async (f) => ({ id: (await createScimToken({ db: f.app.blanca.deps.db, now: new Date(), actor: f.owner }, { name: 'to revoke' })).view.id }) },
  'PUT /api/v1/sso': { allow: ACCOUNT_TOKEN, body: () => ({ ssoType: 'user' }), inputChecked: true },
  'POST /api/v1/sso/metadata': { allow: ACCOUNT_TOKEN, body: () => ({ xml: '<EntityDescriptor/>' }), inputChecked: true },
  'POST /api/v1/sso/metadata/refresh': { allow: ACCOUNT_TOKEN, inputChecked: true },
  'POST /api/v1/sso/sp-key/rotate': { allow: ACCOUNT_TOKEN, inputChecked: true },
  'POST /api/v1/sso/sp-key/finish': { allow: ACCOUNT_TOKEN, inputChecked: true },
  'GET /api/v1/sso/sp-metadata': { allow: ACCOUNT_TOKEN },
  'GET /api/v1/sso/log': { allow: ACCOUNT_TOKEN },
  'GET /api/v1/sso/domains': { allow: ACCOUNT_TOKEN },
  'POST /api/v1/sso/domains': { allow: ACCOUNT_TOKEN, body: () => ({ domain: `perm-${Math.random().toString(36).slice(2)}.example` }) },
  'POST /api/v1/sso/domains/:domain/check': { allow: ACCOUNT_TOKEN, params: async (f) => ({ domain: await freshDomainClaim(f) }) },
  'DELETE /api/v1/sso/domains/:domain': { allow: ACCOUNT_TOKEN, params: async (f) => ({ domain: await freshDomainClaim(f) }) },
  'GET /api/v1/sso/log/:id': { allow: ACCOUNT_TOKEN, params: (f) => ({ id: f.ssoLogId }) },
  'POST /api/v1/sso/setup-links': { allow: ACCOUNT_TOKEN, body: () => ({ label: 'Contoso IT' }) },
  'GET /api/v1/sso/setup-links': { allow: ACCOUNT_TOKEN },
  'DELETE /api/v1/sso/setup-links/:id': { allow: ACCOUNT_TOKEN, params: async (f) => ({ id: await f.fresh.setupLink() }) },
  'GET /api/v1/codes': { allow: TOKENS },
  'GET /api/v1/codes/labels': { allow: TOKENS },
  'POST /api/v1/codes': { allow: TOKENS, body: apiCodeBody },
  'GET /api/v1/codes/:id': { allow: TOKENS, params: codeParams },
  'PATCH /api/v1/codes/:id': { allow: TOKENS, params: codeParams, body: () => ({ name: 'Edited by API' }) },
  'POST /api/v1/codes/:id/pause': { allow: TOKENS, params: codeParams },
  'POST /api/v1/codes/:id/resume': { allow: TOKENS, params: codeParams },
  'DELETE /api/v1/codes/:id': { allow: TOKENS, params: async (f) => ({ id: await f.fresh.code() }) },
  'GET /api/v1/codes/:id/image': { allow: TOKENS, params: codeParams },
  'GET /api/v1/codes/:id/stats': { allow: TOKENS, params: codeParams },
  'GET /api/v1/codes/:id/scans.csv': { allow: TOKENS, params: codeParams },
  'POST /api/v1/codes/bulk': { allow: TOKENS, body: (f) => ({ userId: f.linkedUserId, csv: 'name,type,text\nBulk,text,hello\n' }) },
  'GET /api/v1/codes/bulk/:id': { allow: TOKENS, params: (f) => ({ id: f.bulkJobId }) },
  'GET /api/v1/scan-settings': { allow: ACCOUNT_TOKEN },
  'PUT /api/v1/scan-settings': { allow: ACCOUNT_TOKEN, body: () => ({ scanRetentionDays: 30 }) },
};

type Outcome = 'ok' | 'denied' | `unexpected ${number}`;

function classify(status: number, location: string | undefined, inputChecked: boolean): Outcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 300 && status < 400) return location?.startsWith('/login') ? 'denied' : 'ok';
  if (status === 401 || status === 403 || status === 404) return 'denied';
  if (inputChecked && (status === 400 || status === 409 || status === 422)) return 'ok';
  return `unexpected ${status}`;
}

describeEachEngine('route permission matrix', (engine) => {
  let f: Fixture;
  const cookies = new Map<PortalRole, { cookie: string; csrf: string }>();
  const principals = new Map<PortalRole, { kind: 'subaccount' | 'user' | 'sso_setup'; id: string }>();
  async function signIn(role: PortalRole): Promise<{ cookie: string; csrf: string }> {
    const principal = principals.get(role)!;
    const { token, session } = await createSession(f.app.blanca.deps.db, { accountId: f.app.accountId, principalKind: principal.kind, principalId: principal.id }, new Date(), 3_600_000);
    return { cookie: `${SESSION_COOKIE}=${token}`, csrf: createHmac('sha256', f.app.blanca.deps.secretKey).update(`csrf:${session.id}`).digest('base64url') };
  }
  const tokens = new Map<ApiRole, string>();

  before(async () => {
    // Domain checks ask a closed loopback port, so they fail at once instead of waiting for a resolver.
    const app = await startTestApp(engine, { env: { DNS_SERVERS: '127.0.0.1:9', SMTP_URL: 'smtp://127.0.0.1:9' } });
    const { db, secretKey } = app.blanca.deps;
    const owner = await ownerActor(app.blanca, app.accountId);
    const c = () => ({ db, now: new Date(), actor: owner });
    await setSsoEnabled(db, app.accountId, true, new Date());
    const linked = await createUser(c(), { name: 'Marketing', username: 'marketing', password: 'marketing-pass-1', maxCodes: 10_000, features: [...USER_FEATURES] });
    const unlinked = await createUser(c(), { name: 'Customer Service', maxCodes: 10, features: [...USER_FEATURES] });
    const sub = async (role: 'admin' | 'manager' | 'team_leader') => (await createSubaccount(c(), { email: `${role}@example.com`, name: role, role, userIds: role === 'team_leader' ? [linked.id] : [] })).id;
    const ssoId = crypto.randomUUID();
    await insertSubaccount(db, { id: ssoId, account_id: app.accountId, email: 'adam@idp.example', name: 'Adam', role: 'sso', password_hash: null, totp_secret: null, is_owner: 0, locale: null, failed_logins: 0, locked_until: null, sso_subject: 'adam', created_at: 0, updated_at: 0 });
    await db.transaction().execute((tx) => replaceLinks(tx, app.accountId, ssoId, [linked.id], 'sso', new Date()));
    const subaccountIds = { admin: await sub('admin'), manager: await sub('manager'), team_leader: await sub('team_leader'), sso: ssoId };
    const qr = app.blanca.app.qr;
    const newCode = async () => (await createCode(c(), qr.runtime, parseCreateCode({ userId: linked.id, name: `Code ${Math.random()}`, kind: 'dynamic', content: { type: 'url', url: 'https://example.com/' } }))).code.id;
    const job = await startBulkJob(c(), qr.runtime, app.blanca.app.log, qr.track, { userId: linked.id, csv: 'name,type,text\nOne,text,hello\n' });
    const ssoLogId = await writeSsoLog(db, { account_id: app.accountId, direction: 'in', kind: 'response', outcome: 'info', person: null, summary: 'fixture', fix: null, failure_code: null, xml: '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>', attributes: null, mapping: null }, new Date());
    f = {
      app,
      linkedUserId: linked.id,
      unlinkedUserId: unlinked.id,
      codeId: await newCode(),
      bulkJobId: job.id,
      ssoLogId,
      subaccountIds,
      ownerId: owner.id,
      owner,
      fresh: {
        user: async () => (await createUser(c(), { name: `Victim ${Math.random()}`, maxCodes: 1, features: [] })).id,
        teamLeader: async () => (await createSubaccount(c(), { email: `victim-${Math.random()}@example.com`, name: 'Victim', role: 'team_leader', userIds: [] })).id,
        code: newCode,
        userToken: async () => (await createApiToken(c(), { name: `victim-${Math.random()}`, userId: linked.id })).view.id,
        setupLink: async () => (await createSetupLink(c(), app.config, { label: `Victim ${Math.random()}` })).link.id,
      },
    };
    const itContact = (await createSetupLink(c(), app.config, { label: 'IT contact', expiresInHours: 24 })).link.id;
    const people: Array<[PortalRole, 'subaccount' | 'user' | 'sso_setup', string]> = [
      ['owner', 'subaccount', owner.id],
      ['admin', 'subaccount', subaccountIds.admin],
      ['manager', 'subaccount', subaccountIds.manager],
      ['team_leader', 'subaccount', subaccountIds.team_leader],
      ['sso', 'subaccount', ssoId],
      ['user', 'user', linked.id],
      ['it_contact', 'sso_setup', itContact],
    ];
    for (const [role, kind, id] of people) {
      principals.set(role, { kind, id });
      cookies.set(role, await signIn(role));
    }
    tokens.set('account_token', app.adminToken);
    const linkedActor = (await resolveActor(db, app.accountId, 'user', linked.id))!;
    tokens.set('user_token', await tokenFor(app.blanca, app.accountId, linkedActor, linked.id));
  });
  after(() => f.app.close());

  test('every route of the route table has a rule', () => {
    const routes = f.app.blanca.app.routeTable.map((r) => `${r.method} ${r.url}`);
    const missing = routes.filter((key) => !(key in RULES));
    assert.deepEqual(missing, [], `Add a rule for each new route to RULES in test/foundation/route-permissions.test.ts: ${missing.join(', ')}`);
    const stale = Object.keys(RULES).filter((key) => !routes.includes(key));
    assert.deepEqual(stale, [], 'rules for routes that no longer exist');
  });

  async function call(key: string, rule: Rule, role: Role): Promise<{ status: number; location: string | undefined; body: string }> {
    const [method, pattern] = key.split(' ') as [string, string];
    const params = rule.params ? await rule.params(f) : {};
    let url = pattern.replace(/:(\w+)/g, (_, name: string) => params[name] ?? `missing-${name}`);
    if (rule.query) url += `?${rule.query.replace('LINKED', f.linkedUserId)}`;
    const body = rule.body?.(f);
    const isApi = pattern.startsWith('/api/');
    const headers: Record<string, string> = {};
    let payload: string | undefined;
    if (isApi) {
      const token = tokens.get(role as ApiRole);
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined || method === 'POST' || method === 'PUT' || method === 'PATCH') {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(body ?? {});
      }
    } else {
      const session = role === 'anonymous' ? undefined : cookies.get(role as PortalRole);
      if (session) headers.cookie = session.cookie;
      if (method !== 'GET') {
        const form = new URLSearchParams();
        if (session) form.append('_csrf', session.csrf);
        for (const [name, value] of Object.entries(body ?? {})) for (const v of ([] as unknown[]).concat(value)) form.append(name, String(v));
        headers['content-type'] = 'application/x-www-form-urlencoded';
        payload = form.toString();
      }
    }
    const response = await f.app.blanca.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
    return { status: response.statusCode, location: response.headers.location as string | undefined, body: response.body };
  }

  for (const [key, rule] of Object.entries(RULES)) {
    if (rule.allow === 'public') continue;
    const allow = rule.allow;
    test(key, async () => {
      const roles: readonly Role[] = key.split(' ')[1]!.startsWith('/api/') ? API_ROLES : PORTAL_ROLES;
      const got: Record<string, string> = {};
      const want: Record<string, string> = {};
      // Refused roles first: they must change nothing the allowed ones then rely on.
      const ordered = [...roles].sort((a, b) => Number(allow.includes(a)) - Number(allow.includes(b)));
      for (const role of ordered) {
        const { status, location, body } = await call(key, rule, role);
        // Signing out ends on the sign-in page itself; a refused anonymous caller goes there with ?returnTo=.
        const signedOut = rule.throwawaySession === true && status === 303 && location === '/login';
        const outcome = signedOut ? 'ok' : classify(status, location, allow.includes(role) && rule.inputChecked === true);
        got[role] = outcome.startsWith('unexpected') ? `${outcome}: ${body.slice(0, 160)}` : outcome;
        want[role] = allow.includes(role) ? 'ok' : 'denied';
      }
      // Signing out everywhere ended the roles' sessions too: sign them in again.
      if (rule.throwawaySession) for (const role of principals.keys()) cookies.set(role, await signIn(role));
      const wrong = Object.keys(want).filter((role) => got[role] !== want[role]).map((role) => `${role}: got ${got[role]}, want ${want[role]}`);
      assert.deepEqual(wrong, [], `${key}\n${wrong.join('\n')}`);
    });
  }
});
