import type { Selectable } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import { constantTimeEqual, newId, newSecret, sha256Hex } from '../platform/ids.js';
import type { PrincipalKind, SessionsTable } from './tables.js';

// Lucia's scheme: the cookie holds "id.secret", the database only sha256(secret);
// expiry slides but is written at most once an hour.
export type Session = Selectable<SessionsTable>;

const REFRESH_INTERVAL_MS = 60 * 60 * 1000;

export interface NewSession {
  accountId: string;
  principalKind: PrincipalKind;
  principalId: string;
  twoFactorPending?: boolean;
  actingUserId?: string | null;
  /** The NameID exactly as the assertion carried it (Format and qualifiers too), for single logout. */
  sso?: { nameId: string; sessionIndex: string | null; nameIdFormat?: string | null; nameQualifier?: string | null; spNameQualifier?: string | null };
  /** Epoch ms the session ends at whatever its activity (SSO: the IdP's SessionNotOnOrAfter or the account's SSO lifetime). */
  absoluteExpiresAt?: number | null;
}

/** The sliding expiry, never past the session's hard end. */
function slidingExpiry(nowMs: number, ttlMs: number, absoluteExpiresAt: number | null): number {
  return absoluteExpiresAt === null ? nowMs + ttlMs : Math.min(nowMs + ttlMs, absoluteExpiresAt);
}

export async function createSession(db: Db | Tx, input: NewSession, now: Date, ttlMs: number): Promise<{ token: string; session: Session }> {
  const id = newId();
  const secret = newSecret();
  const session: Session = {
    id,
    secret_hash: sha256Hex(secret),
    account_id: input.accountId,
    principal_kind: input.principalKind,
    principal_id: input.principalId,
    acting_user_id: input.actingUserId ?? null,
    two_factor_pending: input.twoFactorPending ? 1 : 0,
    sso_name_id: input.sso?.nameId ?? null,
    sso_session_index: input.sso?.sessionIndex ?? null,
    sso_name_id_format: input.sso?.nameIdFormat ?? null,
    sso_name_qualifier: input.sso?.nameQualifier ?? null,
    sso_sp_name_qualifier: input.sso?.spNameQualifier ?? null,
    absolute_expires_at: input.absoluteExpiresAt ?? null,
    created_at: now.getTime(),
    expires_at: slidingExpiry(now.getTime(), ttlMs, input.absoluteExpiresAt ?? null),
    refreshed_at: now.getTime(),
  };
  await db.insertInto('sessions').values(session).execute();
  return { token: `${id}.${secret}`, session };
}

export async function validateSessionToken(db: Db, token: string, now: Date, ttlMs: number): Promise<Session | null> {
  const [id, secret] = token.split('.');
  if (!id || !secret || id.length > 64 || secret.length > 128) return null;
  const session = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!session || !constantTimeEqual(session.secret_hash, sha256Hex(secret))) return null;
  if (session.expires_at <= now.getTime() || (session.absolute_expires_at !== null && session.absolute_expires_at <= now.getTime())) {
    await db.deleteFrom('sessions').where('id', '=', id).execute();
    return null;
  }
  if (now.getTime() - session.refreshed_at >= REFRESH_INTERVAL_MS) {
    session.expires_at = slidingExpiry(now.getTime(), ttlMs, session.absolute_expires_at);
    session.refreshed_at = now.getTime();
    await db.updateTable('sessions').set({ expires_at: session.expires_at, refreshed_at: session.refreshed_at }).where('id', '=', id).execute();
  }
  return session;
}

export async function deleteSession(db: Db | Tx, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

/** Ends every session of a person, e.g. after a password change or deletion. */
export async function deleteSessionsOf(db: Db | Tx, kind: PrincipalKind, principalId: string): Promise<void> {
  await db.deleteFrom('sessions').where('principal_kind', '=', kind).where('principal_id', '=', principalId).execute();
}

/** The IdP's LogoutRequest: the sessions of that NameID in the account (only those SessionIndexes when given). Returns how many ended. */
export async function endSsoSessions(db: Db | Tx, accountId: string, nameId: string, sessionIndexes: readonly string[]): Promise<number> {
  let query = db.deleteFrom('sessions').where('account_id', '=', accountId).where('sso_name_id', '=', nameId);
  if (sessionIndexes.length > 0) query = query.where('sso_session_index', 'in', sessionIndexes);
  const deleted = await query.executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

/** A deleted white-label user can no longer be the one a team leader's sessions act as. */
export async function forgetActingUser(db: Db | Tx, userId: string): Promise<void> {
  await db.updateTable('sessions').set({ acting_user_id: null }).where('acting_user_id', '=', userId).execute();
}

export async function updateSession(db: Db, id: string, changes: { acting_user_id?: string | null; two_factor_pending?: number }): Promise<void> {
  await db.updateTable('sessions').set(changes).where('id', '=', id).execute();
}

export async function deleteExpiredSessions(db: Db, now: Date): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', now.getTime()).execute();
}
