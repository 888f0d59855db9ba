import type { Insertable, Selectable } from 'kysely';
import type { Db, Tx } from '../../db/database.js';
import type { SsoDomainsTable } from './tables.js';

export type DomainRow = Selectable<SsoDomainsTable>;

export const listDomainClaims = (db: Db | Tx, accountId: string): Promise<DomainRow[]> =>
  db.selectFrom('sso_domains').selectAll().where('account_id', '=', accountId).orderBy('domain').execute();

export const listAllDomainClaims = (db: Db | Tx): Promise<Array<DomainRow & { slug: string }>> =>
  db.selectFrom('sso_domains').innerJoin('accounts', 'accounts.id', 'sso_domains.account_id').selectAll('sso_domains').select('accounts.slug').orderBy('sso_domains.domain').orderBy('accounts.slug').execute();

export const getDomainClaim = (db: Db | Tx, accountId: string, domain: string): Promise<DomainRow | undefined> =>
  db.selectFrom('sso_domains').selectAll().where('account_id', '=', accountId).where('domain', '=', domain).executeTakeFirst();

/** The one account a domain is verified for, if any: the only lookup the shared sign-in page routes by. */
export const verifiedDomainClaim = (db: Db | Tx, domain: string): Promise<DomainRow | undefined> =>
  db.selectFrom('sso_domains').selectAll().where('domain', '=', domain).where('state', '=', 'verified').executeTakeFirst();

export async function insertDomainClaim(db: Db | Tx, row: Insertable<SsoDomainsTable>): Promise<void> {
  await db.insertInto('sso_domains').values(row).onConflict((oc) => oc.columns(['account_id', 'domain']).doNothing()).execute();
}

export async function deleteDomainClaim(db: Db | Tx, id: string): Promise<void> {
  await db.deleteFrom('sso_domains').where('id', '=', id).execute();
}

export async function recordDomainCheck(db: Db | Tx, id: string, checkedAt: number, error: string | null): Promise<void> {
  await db.updateTable('sso_domains').set({ checked_at: checkedAt, last_check_error: error }).where('id', '=', id).execute();
}

/**
 * Marks the claim verified. The partial unique index refuses a second verified claim of the same
 * domain on both engines, so two accounts checking at once cannot both win: false then.
 */
export async function markDomainVerified(db: Db | Tx, id: string, at: number, by: string): Promise<boolean> {
  try {
    const result = await db.updateTable('sso_domains').set({ state: 'verified', verified_at: at, verified_by: by, checked_at: at, last_check_error: null }).where('id', '=', id).where('state', '=', 'pending').executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(e.message ?? '');
}
