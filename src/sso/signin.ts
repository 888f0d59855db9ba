import { sql } from 'kysely';
import type { AccountRow } from '../accounts/store.js';
import { recordAudit } from '../audit/store.js';
import { createSession } from '../auth/sessions.js';
import type { Config } from '../config.js';
import type { Db, Engine } from '../db/database.js';
import type { MessageKey } from '../platform/i18n.js';
import { writeAnonymousSsoLog } from './anonymous-log.js';
import { safeLocalPath } from '../platform/local-path.js';
import { mapAttributes, type AttributeNames, type MappedPerson } from './attributes.js';
import { encodeLogMessages, type LogMessages } from './log-messages.js';
import { failureMessages, noAccessText, refusedText, signedInText, stored, testSucceededText } from './log-texts.js';
import { provisionPerson, type MappingReport } from './provision.js';
import { buildAuthnRequestRedirect } from './saml/requests.js';
import { createResponseVerifier, type SamlLogin } from './saml/verify.js';
import type { SamlFailureCode } from './saml/failures.js';
import { attributeNamesOf, certificatesOf, spDecryptionKeys, spEndpoints, spSigningKey, type SpEndpoints } from './service.js';
import { getConnection, rememberRequest, replayCache, requestIdStore, writeSsoLog, type ConnectionRow, type NewLogEntry, type PendingRequest } from './store.js';

// The SAML sign-in, top to bottom: start → receive → verify → map attributes → provision → session.
// Every outcome is written to the account's SSO log; the person sees only a short, safe message.
const REQUEST_TTL_MS = 10 * 60 * 1000;

export interface SsoDeps {
  db: Db;
  engine: Engine;
  config: Config;
  sessionTtlMs: number;
}

export type StartResult = { ok: true; redirectUrl: string } | { ok: false; reason: 'not_connected' };

/** SP-initiated: an AuthnRequest whose id is remembered (shared by all instances) with the return path. */
export async function startSignIn(deps: SsoDeps, account: AccountRow, pending: PendingRequest, now: Date): Promise<StartResult> {
  const connection = await getConnection(deps.db, account.id);
  if (!connection || connection.status !== 'connected' || account.sso_enabled !== 1 || !connection.idp_sso_url || !connection.idp_entity_id) return { ok: false, reason: 'not_connected' };
  const sp = spEndpoints(deps.config.publicUrl, account.slug);
  const { url, requestId } = await buildAuthnRequestRedirect({
    sp: { entityId: sp.entityId, acsUrl: sp.acsUrl, sloUrl: sp.sloUrl, signing: spSigningKey(connection) },
    idp: { entityId: connection.idp_entity_id, ssoUrl: connection.idp_sso_url, certificates: certificatesOf(connection) },
    now,
    // Optional per account; always with the current SP key (the next one only after Finish rotation).
    sign: connection.sign_authn_requests === 1,
    // Opaque: the return path stays on the server, so RelayState can never redirect elsewhere.
    relayState: 'sp',
  });
  await rememberRequest(deps.db, account.id, requestId, pending, now, REQUEST_TTL_MS);
  // Anyone can open a sign-in URL: those starts are budgeted; an administrator's test is always kept.
  const write = pending.purpose === 'test' ? writeSsoLog : (db: Db, entry: NewLogEntry, at: Date) => writeAnonymousSsoLog(db, entry, 'start', at);
  await write(deps.db, { account_id: account.id, direction: 'out', kind: 'authn_request', outcome: 'info', person: null, summary: `Sent the person to the IdP to sign in (${pending.purpose === 'test' ? 'test connection' : 'sign-in'}), request ${requestId}${connection.sign_authn_requests === 1 ? ', signed with the current SP key' : ''}.`, fix: null, failure_code: null, xml: null, attributes: null, mapping: null, messages: encodeLogMessages({ summary: { key: connection.sign_authn_requests === 1 ? 'sso.msg.requestSentSigned' : 'sso.msg.requestSent', params: { id: requestId, purpose: { key: pending.purpose === 'test' ? 'sso.msg.purpose.test' : 'sso.msg.purpose.signin' } } } }) }, now);
  return { ok: true, redirectUrl: url };
}

export const DEFAULT_SSO_SESSION_HOURS = 12;

/**
 * An SSO session ends when the IdP says (AuthnStatement SessionNotOnOrAfter), else after the account's
 * "SSO session lifetime" (default 12 h), never the password sessions' 14 days; the sliding expiry never passes it.
 */
export function ssoSessionEnd(login: Pick<SamlLogin, 'sessionNotOnOrAfter'>, connection: Pick<ConnectionRow, 'session_lifetime_hours'>, now: Date): number {
  if (login.sessionNotOnOrAfter) return login.sessionNotOnOrAfter.getTime();
  return now.getTime() + (connection.session_lifetime_hours || DEFAULT_SSO_SESSION_HOURS) * 3600_000;
}

export type SignInResult =
  | { kind: 'session'; token: string; expiresAt: number; returnTo: string; chooseUser: boolean; report: MappingReport }
  | { kind: 'no_access'; rolesReceived: string[]; existingUsers: string[]; expectedRoleValues: string[] }
  /** Deactivated (or not provisioned) by SCIM: the person sees a short message, the SSO log says why. */
  | { kind: 'refused'; logId: string }
  | { kind: 'test_report'; logId: string }
  | { kind: 'failed'; code: SamlFailureCode | 'not_connected'; logId: string | null };

/**
 * `sp` is the account's own SP (from PUBLIC_URL and the slug) unless given: recorded responses of
 * other SPs (the Entra fixtures) can then be checked against the SP identifiers they were issued for.
 */
export async function completeSignIn(deps: SsoDeps, account: AccountRow, form: { SAMLResponse?: string | undefined; RelayState?: string | undefined }, now: Date, sp: SpEndpoints = spEndpoints(deps.config.publicUrl, account.slug)): Promise<SignInResult> {
  // 1. receive
  const connection = await getConnection(deps.db, account.id);
  if (!connection || connection.status !== 'connected' || account.sso_enabled !== 1) {
    const logId = await writeAnonymousSsoLog(deps.db, { account_id: account.id, direction: 'in', kind: 'response', outcome: 'failure', person: null, summary: 'A SAML response arrived but single sign-on is not connected for this account.', fix: 'Finish the SSO tab and press Connect.', failure_code: 'not_connected', xml: null, attributes: null, mapping: null, messages: encodeLogMessages({ summary: { key: 'sso.msg.notConnected' }, fix: { key: 'sso.fix.notConnected' } }) }, 'failure', now);
    return { kind: 'failed', code: 'not_connected', logId };
  }

  // 2. verify
  const taken = new Map<string, PendingRequest>();
  const verified = await verifyResponse(deps, account, connection, sp, form.SAMLResponse ?? '', now, taken);
  if (!verified.ok) {
    // Not yet verified, so anyone may have sent it: budgeted, the XML kept once per distinct message.
    const logId = await writeAnonymousSsoLog(deps.db, { account_id: account.id, direction: 'in', kind: 'response', outcome: 'failure', person: null, summary: verified.reason, fix: verified.fix, failure_code: verified.code, xml: verified.responseXml ?? null, attributes: null, mapping: null, messages: failureMessages(verified.code, verified.reason, sp) }, 'failure', now);
    return { kind: 'failed', code: verified.code, logId };
  }
  const login = verified.login;
  const pending = login.inResponseTo ? taken.get(login.inResponseTo) : undefined;

  // 3. map attributes
  const names = attributeNamesOf(connection);
  const person = mapAttributes(names, login.nameId, login.attributes);

  // Test connection: report what arrived and how it would map, without signing anyone in.
  if (pending?.purpose === 'test') {
    const logId = await writeSsoLog(deps.db, logEntry(account.id, login, person, names, 'info', testSucceededText(person), null), now);
    return { kind: 'test_report', logId };
  }

  // 4. provision and 5. session, bound to the IdP session for single logout: one transaction,
  // so a sign-in commits once and never leaves a person half-made.
  const written = await deps.db.transaction().execute(async (tx) => {
    // The one-time state (request id, replay) was already committed durably by the verifier; this
    // commit may skip the disk flush: a crash can only lose a fresh session, and the person signs in again.
    if (deps.engine === 'postgres') await sql`set local synchronous_commit = off`.execute(tx);
    const outcome = await provisionPerson(tx, account.id, connection.sso_type, person, now);
    if (outcome.kind === 'no_access') {
      await writeSsoLog(tx, logEntry(account.id, login, person, names, 'failure', noAccessText(person, names, login.attributes, outcome.rolesReceived, outcome.expectedRoleValues), outcome.report, 'no_usable_role'), now);
      return { kind: 'no_access' as const, outcome };
    }
    if (outcome.kind === 'refused') {
      const logId = await writeSsoLog(tx, logEntry(account.id, login, person, names, 'failure', refusedText(person, outcome.reason, outcome.detail), outcome.report, outcome.reason === 'deactivated' ? 'deactivated_by_scim' : 'not_provisioned'), now);
      return { kind: 'refused' as const, logId };
    }
    const session = {
      accountId: account.id,
      principalKind: outcome.principal.kind,
      principalId: outcome.principal.id,
      actingUserId: outcome.actingUserId,
      sso: { nameId: login.nameId, sessionIndex: login.sessionIndex, nameIdFormat: login.nameIdFormat, nameQualifier: login.nameQualifier, spNameQualifier: login.spNameQualifier },
      absoluteExpiresAt: ssoSessionEnd(login, connection, now),
    };
    const { token } = await createSession(tx, session, now, deps.sessionTtlMs);
    const target = outcome.report.target;
    await writeSsoLog(tx, logEntry(account.id, login, person, names, 'success', signedInText(person, target), outcome.report), now);
    await recordAudit(tx, { accountId: account.id, actor: { kind: outcome.principal.kind, id: outcome.principal.id, label: outcome.principal.name }, action: 'auth.sign_in', object: { type: outcome.principal.kind, id: outcome.principal.id, label: outcome.principal.name }, detail: { method: 'sso', idpInitiated: login.inResponseTo === null } }, now);
    return { kind: 'session' as const, outcome, token, expiresAt: session.absoluteExpiresAt };
  });
  if (written.kind === 'no_access') return { kind: 'no_access', rolesReceived: written.outcome.rolesReceived, existingUsers: written.outcome.existingUsers, expectedRoleValues: written.outcome.expectedRoleValues };
  if (written.kind === 'refused') return { kind: 'refused', logId: written.logId };
  const { outcome, token, expiresAt } = written;
  // IdP-initiated: RelayState may carry a deep link; only a path on this site is followed.
  const returnTo = pending ? pending.returnTo : safeLocalPath(form.RelayState, '/');
  return { kind: 'session', token, expiresAt, returnTo: outcome.chooseUser ? '/sso/choose' : returnTo, chooseUser: outcome.chooseUser, report: outcome.report };
}

function verifyResponse(deps: SsoDeps, account: AccountRow, connection: ConnectionRow, sp: SpEndpoints, samlResponse: string, now: Date, taken: Map<string, PendingRequest>) {
  const verifier = createResponseVerifier({
    sp: { entityId: sp.entityId, acsUrl: sp.acsUrl, privateKeyPem: spDecryptionKeys(connection) },
    idp: { entityId: connection.idp_entity_id ?? '', ssoUrl: connection.idp_sso_url ?? '', certificates: certificatesOf(connection), allowSha1: connection.allow_sha1 === 1, requireSignedAssertions: connection.require_signed_assertions === 1 },
    clockSkewMs: connection.clock_skew_seconds * 1000,
    allowIdpInitiated: connection.allow_idp_initiated === 1,
    requestIdStore: requestIdStore(deps.db, account.id, now, taken),
    replayCache: replayCache(deps.db, account.id, now),
  });
  return verifier.verify(samlResponse, now);
}

export const GROUPS_OVERAGE_CLAIM = 'http://schemas.microsoft.com/claims/groups.link';

// The sentence saying which signature was verified, as catalogue keys (shown in the reader's language).
const SIGNED_BY: Record<SamlLogin['signedBy'], MessageKey> = {
  assertion: 'sso.msg.signedBy.assertion',
  response: 'sso.msg.signedBy.response',
  'response and assertion': 'sso.msg.signedBy.both',
};

function logEntry(accountId: string, login: SamlLogin, person: MappedPerson, names: AttributeNames, outcome: 'success' | 'failure' | 'info', messages: LogMessages, report: MappingReport | null, code: string | null = null) {
  // Entra sends this link instead of the groups when the person is in more than 150 (the overage claim).
  const overage = login.attributes[GROUPS_OVERAGE_CLAIM] !== undefined;
  const text = stored({ ...messages, also: [{ key: SIGNED_BY[login.signedBy] }, ...(overage ? [{ key: 'sso.msg.groupsOverage' as MessageKey }] : [])], ...(login.warnings.length ? { warnings: login.warnings } : {}) });
  return {
    account_id: accountId,
    direction: 'in' as const,
    kind: 'response',
    outcome,
    person: person.email ?? person.nameId,
    summary: [text.summary, ...login.warnings].join(' '),
    fix: text.fix,
    messages: text.messages,
    failure_code: code,
    xml: login.responseXml,
    attributes: JSON.stringify(login.attributes),
    mapping: JSON.stringify({ person: { nameId: person.nameId, name: person.name, email: person.email, roles: person.roles }, attributeNames: names, ...(report ? { result: report } : {}) }),
  };
}
