import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/database.js';
import { recordAudit } from '../audit/store.js';
import { getSubaccount, getSubaccountByEmail, updateSubaccountRow } from '../subaccounts/store.js';
import { deleteSessionsOf } from './sessions.js';
import { passwordChange } from './sign-in-state.js';

/** How long a mailed link works. */
export const RESET_LINK_MINUTES = 30;
/** Links a person can be sent per RESET_LINK_MINUTES; further requests send nothing (and say the same). */
const LINKS_PER_WINDOW = 3;

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export interface ResetRecipient {
  email: string;
  name: string;
  locale: string | null;
}

/**
 * A new single-use link for the password subaccount with this email, or null when there is none
 * (unknown, SSO-only, deactivated) or it already got LINKS_PER_WINDOW links lately. The caller
 * answers the same in every case.
 */
export async function issuePasswordReset(db: Db, input: { accountId: string; email: string; now: Date }): Promise<{ token: string; recipient: ResetRecipient } | null> {
  const person = await getSubaccountByEmail(db, input.accountId, input.email.trim());
  if (!person || !person.password_hash || person.deactivated_at !== null) return null;
  const now = input.now.getTime();
  const recent = await db
    .selectFrom('password_resets')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('principal_kind', '=', 'subaccount')
    .where('principal_id', '=', person.id)
    .where('created_at', '>', now - RESET_LINK_MINUTES * 60_000)
    .executeTakeFirstOrThrow();
  if (Number(recent.n) >= LINKS_PER_WINDOW) return null;
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('password_resets')
    .values({ token_hash: hashOf(token), account_id: input.accountId, principal_kind: 'subaccount', principal_id: person.id, created_at: now, expires_at: now + RESET_LINK_MINUTES * 60_000, used_at: null })
    .execute();
  return { token, recipient: { email: person.email, name: person.name, locale: person.locale } };
}

/** Whether the link still works (for showing the form; redeeming checks again, atomically). */
export async function resetLinkValid(db: Db, token: string, now: Date): Promise<boolean> {
  if (token.length === 0 || token.length > 100) return false;
  const row = await db.selectFrom('password_resets').select('token_hash').where('token_hash', '=', hashOf(token)).where('used_at', 'is', null).where('expires_at', '>', now.getTime()).executeTakeFirst();
  return row !== undefined;
}

/**
 * Sets the new password if the link is unused and unexpired: marks it used (one atomic update, so
 * two parallel uses cannot both win), writes the password, ends all the person's sessions, audits.
 */
export async function redeemPasswordReset(db: Db, input: { token: string; password: string; now: Date }): Promise<{ ok: true; accountId: string } | { ok: false }> {
  if (input.token.length === 0 || input.token.length > 100) return { ok: false };
  const now = input.now.getTime();
  const changes = await passwordChange(input.password);
  return db.transaction().execute(async (tx) => {
    const claimed = await tx
      .updateTable('password_resets')
      .set({ used_at: now })
      .where('token_hash', '=', hashOf(input.token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['account_id', 'principal_kind', 'principal_id'])
      .executeTakeFirst();
    if (!claimed) return { ok: false as const };
    const person = await getSubaccount(tx, claimed.account_id, claimed.principal_id);
    if (!person || person.deactivated_at !== null) return { ok: false as const };
    await updateSubaccountRow(tx, claimed.account_id, person.id, { ...changes, updated_at: now });
    await deleteSessionsOf(tx, 'subaccount', person.id);
    // Other links of this person stop working too: the password they were for is gone.
    await tx.updateTable('password_resets').set({ used_at: now }).where('principal_kind', '=', 'subaccount').where('principal_id', '=', person.id).where('used_at', 'is', null).execute();
    await recordAudit(tx, { accountId: claimed.account_id, actor: { kind: 'subaccount', id: person.id, label: person.name }, action: 'auth.password_reset', object: { type: 'subaccount', id: person.id, label: person.name }, detail: { method: 'email_link' } }, input.now);
    return { ok: true as const, accountId: claimed.account_id };
  });
}

/** The clean-up job's part: links past their expiry are useless. */
export async function deleteExpiredResets(db: Db, now: Date): Promise<void> {
  await db.deleteFrom('password_resets').where('expires_at', '<', now.getTime() - 24 * 3600_000).execute();
}
