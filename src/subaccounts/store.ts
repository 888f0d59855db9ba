import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { SubaccountsTable } from './tables.js';

export type SubaccountRow = Selectable<SubaccountsTable>;

export const listSubaccounts = (db: Db | Tx, accountId: string): Promise<SubaccountRow[]> =>
  db.selectFrom('subaccounts').selectAll().where('account_id', '=', accountId).orderBy('name').execute();

export const getSubaccount = (db: Db | Tx, accountId: string, id: string): Promise<SubaccountRow | undefined> =>
  db.selectFrom('subaccounts').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();

export const getSubaccountByEmail = (db: Db | Tx, accountId: string, email: string): Promise<SubaccountRow | undefined> =>
  db.selectFrom('subaccounts').selectAll().where('account_id', '=', accountId).where('email', '=', email.toLowerCase()).executeTakeFirst();

export async function insertSubaccount(db: Db | Tx, row: Insertable<SubaccountsTable>): Promise<void> {
  await db.insertInto('subaccounts').values({ ...row, email: row.email.toLowerCase() }).execute();
}

export async function updateSubaccountRow(db: Db | Tx, accountId: string, id: string, changes: Updateable<SubaccountsTable>): Promise<void> {
  await db.updateTable('subaccounts').set(changes).where('account_id', '=', accountId).where('id', '=', id).execute();
}

export async function deleteSubaccountRow(db: Db | Tx, accountId: string, id: string): Promise<void> {
  await db.deleteFrom('subaccounts').where('account_id', '=', accountId).where('id', '=', id).execute();
}

export async function linkedUserIds(db: Db | Tx, subaccountId: string): Promise<string[]> {
  const rows = await db.selectFrom('subaccount_users').select('user_id').where('subaccount_id', '=', subaccountId).execute();
  return rows.map((r) => r.user_id);
}

/** The white-label users linked to a subaccount, with their names (one read for the sign-in and the page switcher). */
export async function linkedUsers(db: Db | Tx, subaccountId: string): Promise<Array<{ id: string; name: string }>> {
  return db
    .selectFrom('subaccount_users')
    .innerJoin('whitelabel_users', 'whitelabel_users.id', 'subaccount_users.user_id')
    .select(['whitelabel_users.id as id', 'whitelabel_users.name as name'])
    .where('subaccount_users.subaccount_id', '=', subaccountId)
    .orderBy('whitelabel_users.name')
    .execute();
}

export async function linksBySubaccount(db: Db | Tx, accountId: string): Promise<Map<string, string[]>> {
  const rows = await db.selectFrom('subaccount_users').select(['subaccount_id', 'user_id']).where('account_id', '=', accountId).execute();
  const bySubaccount = new Map<string, string[]>();
  for (const row of rows) bySubaccount.set(row.subaccount_id, [...(bySubaccount.get(row.subaccount_id) ?? []), row.user_id]);
  return bySubaccount;
}

/** Replaces the links of one source ('manual' or 'sso'), leaving the other source's links alone. */
export async function replaceLinks(tx: Tx, accountId: string, subaccountId: string, userIds: readonly string[], source: 'manual' | 'sso', now: Date): Promise<void> {
  await tx.deleteFrom('subaccount_users').where('subaccount_id', '=', subaccountId).where('source', '=', source).execute();
  const existing = new Set(await linkedUserIds(tx, subaccountId));
  const fresh = [...new Set(userIds)].filter((id) => !existing.has(id));
  if (fresh.length === 0) return;
  await tx
    .insertInto('subaccount_users')
    .values(fresh.map((user_id) => ({ account_id: accountId, subaccount_id: subaccountId, user_id, source, created_at: now.getTime() })))
    .execute();
}

export const findSubaccountBySsoSubject = (db: Db | Tx, accountId: string, subjects: readonly string[]): Promise<SubaccountRow | undefined> =>
  subjects.length === 0 ? Promise.resolve(undefined) : db.selectFrom('subaccounts').selectAll().where('account_id', '=', accountId).where('sso_subject', 'in', [...subjects]).executeTakeFirst();

/** Deactivated (SCIM) or active again; the caller ends the sessions. */
export async function setSubaccountDeactivated(db: Db | Tx, accountId: string, id: string, at: number | null, now: Date): Promise<void> {
  await db.updateTable('subaccounts').set({ deactivated_at: at, updated_at: now.getTime() }).where('account_id', '=', accountId).where('id', '=', id).execute();
}
