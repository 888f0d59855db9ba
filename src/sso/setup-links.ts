import { auditActor } from '../audit/actor.js';
import { recordAudit } from '../audit/store.js';
import { getAccount } from '../accounts/store.js';
import { deleteSessionsOf } from '../auth/sessions.js';
import { hasPermission } from '../auth/permissions.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { AppError, forbidden, notFound } from '../platform/errors.js';
import type { ServiceContext } from '../auth/context.js';
import { newId, newSecret, sha256Hex } from '../platform/ids.js';
import { SETUP_LINK_HOURS, type CreateSetupLinkInput, type SetupLinkView } from './schemas.js';
import { findSetupLinkByHash, getSetupLink, insertSetupLink, listSetupLinks, markSetupLinkUsed, revokeSetupLinkRow, type SetupLinkRow } from './setup-link-store.js';

// SSO set-up links: an administrator lets the customer's IT contact open only the SSO tab of this
// account (connect, read metadata, test connection, SSO log) until the link expires or is revoked.
// The link's secret is shown once; only its sha256 is stored. Creating, revoking and opening are audited.
const HOUR_MS = 3600_000;

export function setupLinkUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/sso-setup/${token}`;
}

function statusOf(row: SetupLinkRow, now: Date): SetupLinkView['status'] {
  if (row.revoked_at !== null) return 'revoked';
  return row.expires_at <= now.getTime() ? 'expired' : 'active';
}

export function toSetupLinkView(row: SetupLinkRow, now: Date): SetupLinkView {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return { id: row.id, label: row.label, createdBy: row.created_by_label, createdAt: iso(row.created_at)!, expiresAt: iso(row.expires_at)!, revokedAt: iso(row.revoked_at), lastUsedAt: iso(row.last_used_at), status: statusOf(row, now) };
}

/** Only administrators (and account tokens) hand out set-up links; a set-up link cannot make another. */
async function requireLinkAdmin(ctx: ServiceContext): Promise<void> {
  if (!hasPermission(ctx.actor, 'account.manage')) throw forbidden('Only administrators can create or revoke SSO set-up links.');
  const account = await getAccount(ctx.db, ctx.actor.accountId);
  if (!account) throw notFound('This account');
  if (account.sso_enabled !== 1) throw new AppError('feature_disabled', 'Single sign-on is an enterprise feature. Ask the platform operator to switch it on for this account.');
}

export async function createSetupLink(ctx: ServiceContext, config: Config, input: CreateSetupLinkInput): Promise<{ link: SetupLinkView; url: string }> {
  await requireLinkAdmin(ctx);
  const label = input.label.trim();
  if (!label) throw new AppError('validation_failed', 'Say who the link is for.', [{ path: 'label', message: 'Say who the link is for (1 to 80 characters).' }]);
  const hours = input.expiresInHours ?? SETUP_LINK_HOURS.default;
  const token = newSecret(32);
  const row: SetupLinkRow = {
    id: newId(),
    account_id: ctx.actor.accountId,
    token_hash: sha256Hex(token),
    label,
    created_by: ctx.actor.id,
    created_by_label: auditActor(ctx.actor).label,
    created_at: ctx.now.getTime(),
    expires_at: ctx.now.getTime() + hours * HOUR_MS,
    revoked_at: null,
    revoked_by: null,
    last_used_at: null,
  };
  await ctx.db.transaction().execute(async (tx) => {
    await insertSetupLink(tx, row);
    await recordAudit(tx, { accountId: row.account_id, actor: auditActor(ctx.actor), action: 'sso.setup_link_create', object: { type: 'sso_setup_link', id: row.id, label }, detail: { expiresAt: new Date(row.expires_at).toISOString(), hours } }, ctx.now);
  });
  return { link: toSetupLinkView(row, ctx.now), url: setupLinkUrl(config.publicUrl, token) };
}

export async function listSetupLinkViews(ctx: ServiceContext): Promise<SetupLinkView[]> {
  await requireLinkAdmin(ctx);
  return (await listSetupLinks(ctx.db, ctx.actor.accountId)).map((row) => toSetupLinkView(row, ctx.now));
}

/** Revoking ends the sessions opened with the link at once (the session hook also re-checks the link on every request). */
export async function revokeSetupLink(ctx: ServiceContext, id: string): Promise<SetupLinkView> {
  await requireLinkAdmin(ctx);
  const row = await getSetupLink(ctx.db, ctx.actor.accountId, id);
  if (!row) throw notFound('This set-up link');
  await ctx.db.transaction().execute(async (tx) => {
    if (await revokeSetupLinkRow(tx, row.account_id, row.id, ctx.actor.id, ctx.now)) {
      await recordAudit(tx, { accountId: row.account_id, actor: auditActor(ctx.actor), action: 'sso.setup_link_revoke', object: { type: 'sso_setup_link', id: row.id, label: row.label } }, ctx.now);
    }
  });
  await deleteSessionsOf(ctx.db, 'sso_setup', row.id);
  return toSetupLinkView((await getSetupLink(ctx.db, row.account_id, row.id))!, ctx.now);
}

export type OpenedSetupLink = { ok: true; link: SetupLinkRow } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'sso_disabled' };

/** The link a visitor holds, if it may still be used; bounded before it is hashed. */
export async function findSetupLink(db: Db, token: string, now: Date): Promise<OpenedSetupLink> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { ok: false, reason: 'unknown' };
  const link = await findSetupLinkByHash(db, sha256Hex(token));
  if (!link) return { ok: false, reason: 'unknown' };
  if (link.revoked_at !== null) return { ok: false, reason: 'revoked' };
  if (link.expires_at <= now.getTime()) return { ok: false, reason: 'expired' };
  const account = await getAccount(db, link.account_id);
  if (account?.sso_enabled !== 1) return { ok: false, reason: 'sso_disabled' };
  return { ok: true, link };
}

/** Opening (the visitor pressed Continue): audited as the link, which is the actor of everything done with it. */
export async function recordSetupLinkOpened(db: Db, link: SetupLinkRow, now: Date): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await markSetupLinkUsed(tx, link.id, now);
    await recordAudit(tx, { accountId: link.account_id, actor: { kind: 'sso_setup', id: link.id, label: link.label }, action: 'sso.setup_link_open', object: { type: 'sso_setup_link', id: link.id, label: link.label } }, now);
  });
}
