import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { AccountsTable } from './tables.js';

export type AccountRow = Selectable<AccountsTable>;

export const getAccount = (db: Db | Tx, id: string): Promise<AccountRow | undefined> =>
  db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();

export const getAccountBySlug = (db: Db | Tx, slug: string): Promise<AccountRow | undefined> =>
  db.selectFrom('accounts').selectAll().where('slug', '=', slug).executeTakeFirst();

export const getAccountByPortalDomain = (db: Db | Tx, host: string): Promise<AccountRow | undefined> =>
  db.selectFrom('accounts').selectAll().where('portal_domain', '=', host).executeTakeFirst();

export const listAccounts = (db: Db): Promise<AccountRow[]> => db.selectFrom('accounts').selectAll().orderBy('created_at').execute();

export async function insertAccount(db: Db | Tx, row: Insertable<AccountsTable>): Promise<void> {
  await db.insertInto('accounts').values(row).execute();
}

export async function updateAccount(db: Db | Tx, id: string, changes: Updateable<AccountsTable>): Promise<void> {
  await db.updateTable('accounts').set(changes).where('id', '=', id).execute();
}
