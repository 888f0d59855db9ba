import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { WhitelabelUsersTable } from './tables.js';

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

export async function insertUser(db: Db | Tx, row: Insertable<WhitelabelUsersTable>): Promise<void> {
  await db.insertInto('whitelabel_users').values(row).execute();
}

export async function updateUserRow(db: Db | Tx, accountId: string, id: string, changes: Updateable<WhitelabelUsersTable>): Promise<void> {
  await db.updateTable('whitelabel_users').set(changes).where('account_id', '=', accountId).where('id', '=', id).execute();
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
