import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { ScimGroupsTable, ScimTokensTable, ScimUsersTable } from './tables.js';

export type ScimTokenRow = Selectable<ScimTokensTable>;
export type ScimUserRow = Selectable<ScimUsersTable>;
export type ScimGroupRow = Selectable<ScimGroupsTable>;
type DbOrTx = Db | Tx;

// Tokens.
export const insertScimToken = async (db: DbOrTx, row: Insertable<ScimTokensTable>) => void (await db.insertInto('scim_tokens').values(row).execute());
export const listScimTokens = (db: DbOrTx, accountId: string) => db.selectFrom('scim_tokens').selectAll().where('account_id', '=', accountId).orderBy('created_at', 'desc').execute();
export const getScimToken = (db: DbOrTx, id: string) => db.selectFrom('scim_tokens').selectAll().where('id', '=', id).executeTakeFirst();
export const deleteScimTokenRow = async (db: DbOrTx, accountId: string, id: string) => void (await db.deleteFrom('scim_tokens').where('account_id', '=', accountId).where('id', '=', id).execute());
export const touchScimToken = async (db: DbOrTx, id: string, at: number) => void (await db.updateTable('scim_tokens').set({ last_used_at: at }).where('id', '=', id).execute());

/** Provisioning is on while the account has a SCIM token: SCIM is then the source of truth for who may sign in. */
export async function provisioningOn(db: DbOrTx, accountId: string): Promise<boolean> {
  return (await db.selectFrom('scim_tokens').select('id').where('account_id', '=', accountId).limit(1).executeTakeFirst()) !== undefined;
}

// Users.
export const insertScimUser = async (db: DbOrTx, row: Insertable<ScimUsersTable>) => void (await db.insertInto('scim_users').values(row).execute());
export const updateScimUser = async (db: DbOrTx, accountId: string, id: string, changes: Updateable<ScimUsersTable>) => void (await db.updateTable('scim_users').set(changes).where('account_id', '=', accountId).where('id', '=', id).execute());
export const deleteScimUserRow = async (db: DbOrTx, accountId: string, id: string) => void (await db.deleteFrom('scim_users').where('account_id', '=', accountId).where('id', '=', id).execute());
export const getScimUser = (db: DbOrTx, accountId: string, id: string) => db.selectFrom('scim_users').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
export const getScimUserByUserName = (db: DbOrTx, accountId: string, userName: string) => db.selectFrom('scim_users').selectAll().where('account_id', '=', accountId).where('user_name_key', '=', userName.toLowerCase()).executeTakeFirst();

/** The SCIM person a SAML sign-in stands for: NameID as userName or externalId, else the email as userName. */
export async function scimUserForSignIn(db: DbOrTx, accountId: string, nameId: string, email: string | null): Promise<ScimUserRow | undefined> {
  const keys = [nameId.toLowerCase(), ...(email ? [email.toLowerCase()] : [])];
  return db
    .selectFrom('scim_users')
    .selectAll()
    .where('account_id', '=', accountId)
    .where((eb) => eb.or([eb('user_name_key', 'in', keys), eb('external_id', '=', nameId)]))
    .orderBy('created_at')
    .executeTakeFirst();
}

/** Equality conditions a filter was reduced to (all must hold). */
export interface Conditions {
  id?: string;
  userNameKey?: string;
  externalId?: string;
  displayName?: string;
  /** Groups only: has this member. */
  memberId?: string;
}

export async function listScimUsers(db: DbOrTx, accountId: string, where: Conditions, offset: number, limit: number): Promise<{ total: number; rows: ScimUserRow[] }> {
  let query = db.selectFrom('scim_users').where('account_id', '=', accountId);
  if (where.id !== undefined) query = query.where('id', '=', where.id);
  if (where.userNameKey !== undefined) query = query.where('user_name_key', '=', where.userNameKey);
  if (where.externalId !== undefined) query = query.where('external_id', '=', where.externalId);
  if (where.displayName !== undefined) query = query.where('display_name', '=', where.displayName);
  const { count } = await query.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  const rows = limit === 0 ? [] : await query.selectAll().orderBy('created_at').orderBy('id').offset(offset).limit(limit).execute();
  return { total: Number(count), rows };
}

// Groups.
export const insertScimGroup = async (db: DbOrTx, row: Insertable<ScimGroupsTable>) => void (await db.insertInto('scim_groups').values(row).execute());
export const updateScimGroup = async (db: DbOrTx, accountId: string, id: string, changes: Updateable<ScimGroupsTable>) => void (await db.updateTable('scim_groups').set(changes).where('account_id', '=', accountId).where('id', '=', id).execute());
export const deleteScimGroupRow = async (db: DbOrTx, accountId: string, id: string) => void (await db.deleteFrom('scim_groups').where('account_id', '=', accountId).where('id', '=', id).execute());
export const getScimGroup = (db: DbOrTx, accountId: string, id: string) => db.selectFrom('scim_groups').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();

export async function listScimGroups(db: DbOrTx, accountId: string, where: Conditions, offset: number, limit: number): Promise<{ total: number; rows: ScimGroupRow[] }> {
  let query = db.selectFrom('scim_groups').where('account_id', '=', accountId);
  if (where.id !== undefined) query = query.where('id', '=', where.id);
  if (where.displayName !== undefined) query = query.where('display_key', '=', where.displayName.toLowerCase());
  if (where.externalId !== undefined) query = query.where('external_id', '=', where.externalId);
  if (where.memberId !== undefined) {
    const memberId = where.memberId;
    query = query.where('id', 'in', (eb) => eb.selectFrom('scim_group_members').select('group_id').where('user_id', '=', memberId));
  }
  const { count } = await query.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  const rows = limit === 0 ? [] : await query.selectAll().orderBy('created_at').orderBy('id').offset(offset).limit(limit).execute();
  return { total: Number(count), rows };
}

export async function groupMemberIds(db: DbOrTx, groupId: string): Promise<string[]> {
  return (await db.selectFrom('scim_group_members').select('user_id').where('group_id', '=', groupId).orderBy('user_id').execute()).map((r) => r.user_id);
}

/** Adds the members not there yet (Entra's retries add nothing twice); returns the ids added. */
export async function addGroupMembers(tx: Tx, accountId: string, groupId: string, userIds: readonly string[]): Promise<string[]> {
  const present = new Set(await groupMemberIds(tx, groupId));
  const fresh = [...new Set(userIds)].filter((id) => !present.has(id));
  if (fresh.length) await tx.insertInto('scim_group_members').values(fresh.map((user_id) => ({ account_id: accountId, group_id: groupId, user_id }))).execute();
  return fresh;
}

export async function removeGroupMembers(tx: Tx, groupId: string, userIds: readonly string[]): Promise<void> {
  if (userIds.length) await tx.deleteFrom('scim_group_members').where('group_id', '=', groupId).where('user_id', 'in', [...userIds]).execute();
}

/** Display names of the groups a SCIM user belongs to (1:n: they select white-label users like roles). */
export async function groupNamesOf(db: DbOrTx, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('scim_group_members').innerJoin('scim_groups', 'scim_groups.id', 'scim_group_members.group_id').select('scim_groups.display_name').where('scim_group_members.user_id', '=', userId).execute();
  return rows.map((r) => r.display_name);
}

/** Only the ids that are SCIM users of this account. */
export async function existingScimUserIds(db: DbOrTx, accountId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  return (await db.selectFrom('scim_users').select('id').where('account_id', '=', accountId).where('id', 'in', [...ids]).execute()).map((r) => r.id);
}
