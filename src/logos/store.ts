import type { Db, Tx } from '../db/database.js';
import type { LogosTable } from './tables.js';

export interface StoredLogo {
  hash: string;
  mime: LogosTable['mime'];
  bytes: Buffer;
}

/** Idempotent: the same image for the same account is stored once. */
export async function putLogo(db: Db | Tx, accountId: string, logo: StoredLogo, now: Date): Promise<void> {
  await db
    .insertInto('logos')
    .values({ account_id: accountId, hash: logo.hash, mime: logo.mime, data: logo.bytes.toString('base64'), byte_length: logo.bytes.length, created_at: now.getTime() })
    .onConflict((oc) => oc.columns(['account_id', 'hash']).doNothing())
    .execute();
}

export async function getLogo(db: Db | Tx, accountId: string, hash: string): Promise<StoredLogo | undefined> {
  const row = await db.selectFrom('logos').select(['hash', 'mime', 'data']).where('account_id', '=', accountId).where('hash', '=', hash).executeTakeFirst();
  return row ? { hash: row.hash, mime: row.mime, bytes: Buffer.from(row.data, 'base64') } : undefined;
}

export const logoDataUrl = (logo: StoredLogo): string => `data:${logo.mime};base64,${logo.bytes.toString('base64')}`;
