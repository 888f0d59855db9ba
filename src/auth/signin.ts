import { recordAudit } from '../audit/store.js';
import type { Db } from '../db/database.js';
import { createSession, deleteSession } from './sessions.js';
import { getSubaccountByEmail } from '../subaccounts/store.js';
import { getUserByUsername } from '../users/store.js';
import { minutesFrom } from './attempts.js';
import { dummyPasswordHash, verifyPassword } from './passwords.js';
import type { PrincipalKind } from './tables.js';
import { beginPasswordAttempt } from './throttle.js';

export interface Principal {
  kind: PrincipalKind;
  id: string;
  accountId: string;
  name: string;
  hasTotp: boolean;
  isAdmin: boolean;
}

export type SignInResult =
  | { ok: true; principal: Principal }
  | { ok: false; reason: 'invalid_credentials' }
  /** Right password, but the account enforces SSO and this person is not the owner (break-glass). */
  | { ok: false; reason: 'sso_required' }
  | { ok: false; reason: 'locked'; retryAfterMinutes: number };

/**
 * Password sign-in for subaccounts (by email) and white-label users (by user name). Wrong
 * passwords are throttled per identifier and client address (auth/throttle.ts): known and unknown
 * identifiers get the same answers, and the same work (one Argon2 verification, or none while blocked).
 */
export async function signInWithPassword(db: Db, input: { accountId: string; identifier: string; password: string; source: string; now: Date; enforcesSso?: boolean }): Promise<SignInResult> {
  const identifier = input.identifier.trim();
  const attempt = await beginPasswordAttempt(db, { accountId: input.accountId, identifier, source: input.source }, input.now);
  if (!attempt.allowed) return { ok: false, reason: 'locked', retryAfterMinutes: minutesFrom(attempt.retryAfterMs) };
  const subaccount = identifier.includes('@') ? await getSubaccountByEmail(db, input.accountId, identifier) : undefined;
  const user = subaccount ? undefined : await getUserByUsername(db, input.accountId, identifier);
  const person = subaccount ?? user;
  let correct = false;
  // A person deactivated by SCIM provisioning is refused like a wrong password (nothing is revealed).
  if (person?.password_hash && person.deactivated_at === null) correct = await verifyPassword(person.password_hash, input.password);
  else await verifyPassword(await dummyPasswordHash(), input.password); // the same work, so timing tells nothing

  const { blockedForMs } = await attempt.settle(correct);
  if (!person || !correct) return blockedForMs > 0 ? { ok: false, reason: 'locked', retryAfterMinutes: minutesFrom(blockedForMs) } : { ok: false, reason: 'invalid_credentials' };
  // Enforce SSO: only the owner keeps password sign-in (break-glass). Told only after a right password,
  // so the answer reveals neither who the owner is nor anything to someone guessing.
  if (input.enforcesSso && subaccount?.is_owner !== 1) return { ok: false, reason: 'sso_required' };
  return {
    ok: true,
    principal: {
      kind: subaccount ? 'subaccount' : 'user',
      id: person.id,
      accountId: input.accountId,
      name: person.name,
      hasTotp: person.totp_secret !== null,
      isAdmin: subaccount?.role === 'admin',
    },
  };
}

/**
 * A verified password sign-in becomes a session, in one transaction: the browser's previous session
 * ends, the new one starts (waiting for the second factor when the person has one) and the sign-in is audited.
 */
export async function startPasswordSession(db: Db, principal: Principal, options: { replacesSessionId: string | null; now: Date; ttlMs: number }): Promise<{ token: string; expiresAt: number }> {
  return db.transaction().execute(async (tx) => {
    if (options.replacesSessionId) await deleteSession(tx, options.replacesSessionId);
    const { token, session } = await createSession(tx, { accountId: principal.accountId, principalKind: principal.kind, principalId: principal.id, twoFactorPending: principal.hasTotp }, options.now, options.ttlMs);
    await recordAudit(
      tx,
      { accountId: principal.accountId, actor: { kind: principal.kind, id: principal.id, label: principal.name }, action: 'auth.sign_in', object: { type: principal.kind, id: principal.id, label: principal.name }, detail: { method: 'password', twoFactor: principal.hasTotp } },
      options.now,
    );
    return { token, expiresAt: session.expires_at };
  });
}
