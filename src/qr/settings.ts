import { auditActor } from '../audit/actor.js';
import { recordAudit } from '../audit/store.js';
import { hasPermission } from '../auth/permissions.js';
import { forbidden } from '../platform/errors.js';
import type { ServiceContext } from '../auth/context.js';
import type { Db, Tx } from '../db/database.js';
import type { ScanSettingsInput } from './schemas.js';

export interface ScanSettings {
  scanRetentionDays: number | null;
}

/** Account setting: read, like changed, by administrators (and account tokens) only. */
export async function getScanSettings(ctx: ServiceContext): Promise<ScanSettings> {
  if (!hasPermission(ctx.actor, 'account.manage')) throw forbidden('Only administrators can see the account settings.');
  const row = await ctx.db.selectFrom('qr_account_settings').select('scan_retention_days').where('account_id', '=', ctx.actor.accountId).executeTakeFirst();
  return { scanRetentionDays: row?.scan_retention_days ?? null };
}

/** Account setting (administrators): how long scans are kept. Applied by the hourly purge. */
export async function setScanSettings(ctx: ServiceContext, input: ScanSettingsInput): Promise<ScanSettings> {
  if (!hasPermission(ctx.actor, 'account.manage')) throw forbidden('Only administrators can change how long scans are kept.');
  const accountId = ctx.actor.accountId;
  await ctx.db.transaction().execute(async (tx) => {
    await saveScanSettings(tx, accountId, input.scanRetentionDays, ctx.now);
    await recordAudit(tx, { accountId, actor: auditActor(ctx.actor), action: 'qr.settings', object: { type: 'account', id: accountId, label: null }, detail: { scanRetentionDays: input.scanRetentionDays } }, ctx.now);
  });
  return { scanRetentionDays: input.scanRetentionDays };
}

/** Stores an account's scan retention (inserted or replaced). */
export async function saveScanSettings(db: Db | Tx, accountId: string, scanRetentionDays: number | null, now: Date): Promise<void> {
  const values = { account_id: accountId, scan_retention_days: scanRetentionDays, updated_at: now.getTime() };
  await db
    .insertInto('qr_account_settings')
    .values(values)
    .onConflict((oc) => oc.column('account_id').doUpdateSet({ scan_retention_days: values.scan_retention_days, updated_at: values.updated_at }))
    .execute();
}
