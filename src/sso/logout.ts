import type { AccountRow } from '../accounts/store.js';
import { writeAnonymousSsoLog } from './anonymous-log.js';
import { endSsoSessions, type Session } from '../auth/sessions.js';
import { buildLogoutRequestRedirect, buildLogoutResponseRedirect, validateLogoutRequest, validateLogoutResponse, type IncomingSamlMessage } from './saml/requests.js';
import { certificatesOf, spEndpoints, spSigningKey } from './service.js';
import type { SsoDeps } from './signin.js';
import { getConnection, rememberRequest, requestIdStore, writeSsoLog } from './store.js';

// Single logout both ways (SAML 2.0 SLO, HTTP-Redirect binding): Blanca → IdP when a person signs
// out of a session that came from SSO, and IdP → Blanca when they sign out at the IdP.
const LOGOUT_TTL_MS = 10 * 60 * 1000;
/** The sign-in page, with the note that the company (IdP) session may still be open. */
export const LOGOUT_INCOMPLETE_URL = '/login?sso_logout=incomplete';

/** The IdP logout URL (signed LogoutRequest with the NameID and SessionIndex of sign-in), or null. */
export async function idpLogoutUrl(deps: SsoDeps, account: AccountRow, session: Session, now: Date): Promise<string | null> {
  if (!session.sso_name_id) return null;
  const connection = await getConnection(deps.db, account.id);
  if (!connection?.idp_slo_url || !connection.idp_entity_id || !connection.idp_sso_url) return null;
  const sp = spEndpoints(deps.config.publicUrl, account.slug);
  const { url, requestId } = await buildLogoutRequestRedirect({
    sp: { entityId: sp.entityId, acsUrl: sp.acsUrl, sloUrl: sp.sloUrl, signing: spSigningKey(connection) },
    idp: { entityId: connection.idp_entity_id, ssoUrl: connection.idp_sso_url, sloUrl: connection.idp_slo_url, certificates: certificatesOf(connection) },
    now,
    // Exactly as received in the assertion: IdPs that compare refuse anything else and keep their session.
    nameId: session.sso_name_id,
    nameIdFormat: session.sso_name_id_format,
    nameQualifier: session.sso_name_qualifier,
    spNameQualifier: session.sso_sp_name_qualifier,
    sessionIndex: session.sso_session_index,
  });
  await rememberRequest(deps.db, account.id, requestId, { returnTo: '/login', purpose: 'logout' }, now, LOGOUT_TTL_MS);
  await writeSsoLog(deps.db, { account_id: account.id, direction: 'out', kind: 'logout_request', outcome: 'info', person: session.sso_name_id, summary: `Sent a signed LogoutRequest to the IdP for ${session.sso_name_id} (NameID as received: Format ${session.sso_name_id_format ?? '(none)'}${session.sso_name_qualifier ? `, NameQualifier ${session.sso_name_qualifier}` : ''}${session.sso_sp_name_qualifier ? `, SPNameQualifier ${session.sso_sp_name_qualifier}` : ''}; SessionIndex ${session.sso_session_index ?? '(none)'}). The portal session has already ended.`, fix: null, failure_code: null, xml: null, attributes: null, mapping: null }, now);
  return url;
}

/**
 * confirmed: a LogoutResponse from the IdP that verified (the caller ends the browser's session too).
 * idpSessionOpen: the IdP refused to end its session; the person is told it may still be open.
 */
export type SloResult = { kind: 'redirect'; url: string; confirmed?: boolean; idpSessionOpen?: boolean } | { kind: 'failed'; message: string };

export async function handleSloMessage(deps: SsoDeps, account: AccountRow, message: IncomingSamlMessage, hasRequest: boolean, now: Date): Promise<SloResult> {
  const connection = await getConnection(deps.db, account.id);
  if (!connection?.idp_entity_id || !connection.idp_sso_url) return { kind: 'failed', message: 'Single sign-on is not connected for this account.' };
  const sp = spEndpoints(deps.config.publicUrl, account.slug);
  const idp = { entityId: connection.idp_entity_id, ssoUrl: connection.idp_sso_url, ...(connection.idp_slo_url ? { sloUrl: connection.idp_slo_url } : {}), certificates: certificatesOf(connection), allowSha1: connection.allow_sha1 === 1 };
  const common = { message, sp: { entityId: sp.entityId, acsUrl: sp.acsUrl, sloUrl: sp.sloUrl }, idp, now, clockSkewMs: connection.clock_skew_seconds * 1000 };

  if (!hasRequest) {
    const response = await validateLogoutResponse({ ...common, requestIdStore: requestIdStore(deps.db, account.id, now, new Map()) });
    if (!response.ok) {
      await writeAnonymousSsoLog(deps.db, { account_id: account.id, direction: 'in', kind: 'logout_response', outcome: 'failure', person: null, summary: response.reason, fix: response.fix, failure_code: response.code, xml: response.responseXml ?? null, attributes: null, mapping: null }, 'failure', now);
      return { kind: 'redirect', url: LOGOUT_INCOMPLETE_URL, idpSessionOpen: true };
    }
    await writeSsoLog(deps.db, { account_id: account.id, direction: 'in', kind: 'logout_response', outcome: 'success', person: null, summary: 'The IdP confirmed the single logout.', fix: null, failure_code: null, xml: response.xml, attributes: null, mapping: null }, now);
    return { kind: 'redirect', url: '/login', confirmed: true };
  }

  const received = await validateLogoutRequest(common);
  if (!received.ok) {
    await writeAnonymousSsoLog(deps.db, { account_id: account.id, direction: 'in', kind: 'logout_request', outcome: 'failure', person: null, summary: received.reason, fix: received.fix, failure_code: received.code, xml: received.responseXml ?? null, attributes: null, mapping: null }, 'failure', now);
    return { kind: 'failed', message: 'The sign-out request could not be verified.' };
  }
  const request = received.request;
  const ended = await endSsoSessions(deps.db, account.id, request.nameId, request.sessionIndexes);
  await writeSsoLog(deps.db, { account_id: account.id, direction: 'in', kind: 'logout_request', outcome: 'success', person: request.nameId, summary: `The IdP signed ${request.nameId} out: ${ended} portal session(s) ended.`, fix: null, failure_code: null, xml: request.xml, attributes: null, mapping: null }, now);
  if (!connection.idp_slo_url) return { kind: 'redirect', url: '/login' };
  const { url } = await buildLogoutResponseRedirect({
    sp: { entityId: sp.entityId, acsUrl: sp.acsUrl, sloUrl: sp.sloUrl, signing: spSigningKey(connection) },
    idp: { ...idp, sloUrl: connection.idp_slo_url },
    now,
    inResponseTo: request.id,
    success: true,
    ...(request.relayState ? { relayState: request.relayState } : {}),
  });
  return { kind: 'redirect', url };
}
