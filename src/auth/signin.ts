import type { Db } from '../db/database.js';
import { getSubaccountByEmail, updateSubaccountRow } from '../subaccounts/store.js';
import { getUserByUsername, updateUserRow } from '../users/store.js';
import { dummyPasswordHash, verifyPassword } from './passwords.js';
import type { PrincipalKind } from './tables.js';

export const MAX_FAILED_SIGN_INS = 5;
export const LOCKOUT_MS = 15 * 60 * 1000;

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
  | { ok: false; reason: 'locked'; retryAfterMinutes: number };

/**
 * Password sign-in for subaccounts (by email) and white-label users (by user
 * name). Wrong passwords count towards a temporary lock-out per person.
 */
export async function signInWithPassword(db: Db, input: { accountId: string; identifier: string; password: string; now: Date }): Promise<SignInResult> {
  const identifier = input.identifier.trim();
  const now = input.now.getTime();
  const subaccount = identifier.includes('@') ? await getSubaccountByEmail(db, input.accountId, identifier) : undefined;
  const user = subaccount ? undefined : await getUserByUsername(db, input.accountId, identifier);
  const person = subaccount ?? user;
  if (!person || !person.password_hash) {
    await verifyPassword(await dummyPasswordHash(), input.password);
    return { ok: false, reason: 'invalid_credentials' };
  }
  if (person.locked_until !== null && person.locked_until > now) {
    return { ok: false, reason: 'locked', retryAfterMinutes: Math.ceil((person.locked_until - now) / 60_000) };
  }
  const update = (changes: { failed_logins: number; locked_until: number | null }) =>
    subaccount ? updateSubaccountRow(db, input.accountId, subaccount.id, changes) : updateUserRow(db, input.accountId, person.id, changes);
  if (!(await verifyPassword(person.password_hash, input.password))) {
    const failures = person.failed_logins + 1;
    if (failures >= MAX_FAILED_SIGN_INS) {
      await update({ failed_logins: 0, locked_until: now + LOCKOUT_MS });
      return { ok: false, reason: 'locked', retryAfterMinutes: LOCKOUT_MS / 60_000 };
    }
    await update({ failed_logins: failures, locked_until: null });
    return { ok: false, reason: 'invalid_credentials' };
  }
  if (person.failed_logins > 0 || person.locked_until !== null) await update({ failed_logins: 0, locked_until: null });
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
