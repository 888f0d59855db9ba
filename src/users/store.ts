import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { WhitelabelUsersTable } from './tables.js';
import { deriveRoleValue, firstFreeRoleValue, roleKey } from './role-values.js';

export type UserRow = Selectable<WhitelabelUsersTable>;

export function listUsers(db: Db | Tx, accountId: string, onlyIds?: readonly string[]): Promise<UserRow[]> {
  let query = db.selectFrom('whitelabel_users').selectAll().where('account_id', '=', accountId);
  if (onlyIds) {
    if (onlyIds.length === 0) return Promise.resolve([]);
    query = query.where('id', 'in', onlyIds);
  }
  return query.orderBy('name').execute();
}

export const getUser = (db: Db | Tx, accountId: string, id: string): Promise<UserRow | undefined> =>
  db.selectFrom('whitelabel_users').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();

export const getUserByName = (db: Db | Tx, accountId: string, name: string): Promise<UserRow | undefined> =>
  db.selectFrom('whitelabel_users').selectAll().where('account_id', '=', accountId).where('name', '=', name).executeTakeFirst();

export const getUserByUsername = (db: Db | Tx, accountId: string, username: string): Promise<UserRow | undefined> =>
  db.selectFrom('whitelabel_users').selectAll().where('account_id', '=', accountId).where('username', '=', username).executeTakeFirst();

export const getUserByRoleKey = (db: Db | Tx, accountId: string, key: string): Promise<UserRow | undefined> =>
  db.selectFrom('whitelabel_users').selectAll().where('account_id', '=', accountId).where('sso_role_key', '=', key).executeTakeFirst();

/** The users whose SSO role value matches one of `roles` (compared by roleKey); only those rows are read. */
export async function usersByRoleValues(db: Db | Tx, accountId: string, roles: readonly string[]): Promise<UserRow[]> {
  const keys = [...new Set(roles.map(roleKey).filter(Boolean))];
  if (keys.length === 0) return [];
  return db.selectFrom('whitelabel_users').selectAll().where('account_id', '=', accountId).where('sso_role_key', 'in', keys).execute();
}

/** A free SSO role value derived from `name` (CustomerService, CustomerService2, …). */
export async function freeRoleValue(db: Db | Tx, accountId: string, name: string): Promise<string> {
  const base = deriveRoleValue(name);
  const rows = await db.selectFrom('whitelabel_users').select('sso_role_key').where('account_id', '=', accountId).where('sso_role_key', 'like', `${roleKey(base)}%`).execute();
  return firstFreeRoleValue(base, new Set(rows.map((r) => r.sso_role_key ?? '')));
}

/** Inserts a user; without an SSO role value one is derived from the name. */
export async function insertUser(db: Db | Tx, row: Insertable<WhitelabelUsersTable>): Promise<void> {
  const value = row.sso_role_value ?? (await freeRoleValue(db, row.account_id, row.name));
  await db.insertInto('whitelabel_users').values({ ...row, sso_role_value: value, sso_role_key: roleKey(value) }).execute();
}

/** Deactivated (SCIM) or active again; the caller ends the sessions. */
export async function setUserDeactivated(db: Db | Tx, accountId: string, id: string, at: number | null, now: Date): Promise<void> {
  await db.updateTable('whitelabel_users').set({ deactivated_at: at, updated_at: now.getTime() }).where('account_id', '=', accountId).where('id', '=', id).execute();
}

export async function updateUserRow(db: Db | Tx, accountId: string, id: string, changes: Updateable<WhitelabelUsersTable>): Promise<void> {
  const withKey = changes.sso_role_value ? { ...changes, sso_role_key: roleKey(changes.sso_role_value) } : changes;
  await db.updateTable('whitelabel_users').set(withKey).where('account_id', '=', accountId).where('id', '=', id).execute();
}

export async function deleteUserRow(db: Db | Tx, accountId: string, id: string): Promise<void> {
  await db.deleteFrom('whitelabel_users').where('account_id', '=', accountId).where('id', '=', id).execute();
}

/**
 * Touches the user row inside a transaction (a row lock on PostgreSQL, the write lock on SQLite)
 * so that work counted against the user's quota is serialised per user.
 */
export async function lockUserRow(tx: Tx, id: string): Promise<void> {
  await tx.updateTable('whitelabel_users').set({ updated_at: sql`updated_at` }).where('id', '=', id).execute();
}

/** The values to create as app roles in Entra, one per white-label user (the SSO tab lists them). */
export async function ssoRoleValuesFor(db: Db | Tx, accountId: string): Promise<Array<{ userId: string; name: string; roleValue: string }>> {
  const rows = await db.selectFrom('whitelabel_users').select(['id', 'name', 'sso_role_value']).where('account_id', '=', accountId).orderBy('name').execute();
  return rows.map((r) => ({ userId: r.id, name: r.name, roleValue: r.sso_role_value ?? deriveRoleValue(r.name) }));
}

/** A free user name for a person: `name`, else "name (email)", else "name (xxxxxxxx)" (names are unique per account). */
export async function freeUserName(db: Db | Tx, accountId: string, name: string, qualifier: string, ownId: string | undefined): Promise<string> {
  const candidates = [name, `${name} (${qualifier})`.slice(0, 80), `${name.slice(0, 60)} (${qualifier.slice(0, 12)}…)`];
  for (const candidate of candidates) {
    const clash = await getUserByName(db, accountId, candidate);
    if (!clash || clash.id === ownId) return candidate;
  }
  return `${name.slice(0, 60)} ${Math.random().toString(36).slice(2, 10)}`;
}

export const findUserBySsoSubject = (db: Db | Tx, accountId: string, subjects: readonly string[]): Promise<UserRow | undefined> =>
  subjects.length === 0 ? Promise.resolve(undefined) : db.selectFrom('whitelabel_users').selectAll().where('account_id', '=', accountId).where('sso_subject', 'in', [...subjects]).executeTakeFirst();

export const findUnlinkedUserByEmail = (db: Db | Tx, accountId: string, email: string): Promise<UserRow | undefined> =>
  db.selectFrom('whitelabel_users').selectAll().where('account_id', '=', accountId).where('email', '=', email).where('sso_subject', 'is', null).executeTakeFirst();
