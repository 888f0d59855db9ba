import type { Selectable } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { SsoSetupLinksTable } from './tables.js';

// Storage of SSO set-up links (table sso_setup_links, written only here).
export type SetupLinkRow = Selectable<SsoSetupLinksTable>;

export async function insertSetupLink(db: Db | Tx, row: SetupLinkRow): Promise<void> {
  await db.insertInto('sso_setup_links').values(row).execute();
}

export const listSetupLinks = (db: Db, accountId: string, limit = 50): Promise<SetupLinkRow[]> =>
  db.selectFrom('sso_setup_links').selectAll().where('account_id', '=', accountId).orderBy('created_at', 'desc').limit(limit).execute();

export const getSetupLink = (db: Db | Tx, accountId: string, id: string): Promise<SetupLinkRow | undefined> =>
  db.selectFrom('sso_setup_links').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();

export const findSetupLinkByHash = (db: Db, tokenHash: string): Promise<SetupLinkRow | undefined> =>
  db.selectFrom('sso_setup_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();

/** Usable: not revoked and not expired. The session hook reads this on every request of a set-up session. */
export const getUsableSetupLink = (db: Db, accountId: string, id: string, now: Date): Promise<SetupLinkRow | undefined> =>
  db.selectFrom('sso_setup_links').selectAll().where('account_id', '=', accountId).where('id', '=', id).where('revoked_at', 'is', null).where('expires_at', '>', now.getTime()).executeTakeFirst();

/** Revokes once: only a link not revoked yet is changed (the caller audits when this returns true). */
export async function revokeSetupLinkRow(db: Db | Tx, accountId: string, id: string, by: string, now: Date): Promise<boolean> {
  const result = await db.updateTable('sso_setup_links').set({ revoked_at: now.getTime(), revoked_by: by }).where('account_id', '=', accountId).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows ?? 0n) === 1;
}

export async function markSetupLinkUsed(db: Db | Tx, id: string, now: Date): Promise<void> {
  await db.updateTable('sso_setup_links').set({ last_used_at: now.getTime() }).where('id', '=', id).execute();
}
