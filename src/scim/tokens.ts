import { Type, type Static } from '@sinclair/typebox';
import { auditActor } from '../audit/actor.js';
import { recordAudit } from '../audit/store.js';
import { hasPermission } from '../auth/permissions.js';
import type { Db } from '../db/database.js';
import { forbidden, notFound } from '../platform/errors.js';
import type { ServiceContext } from '../auth/context.js';
import { constantTimeEqual, newId, newSecret, sha256Hex } from '../platform/ids.js';
import { Nullable } from '../platform/schema.js';
import { deleteScimTokenRow, getScimToken, insertScimToken, listScimTokens, touchScimToken, type ScimTokenRow } from './store.js';

// SCIM bearer tokens ("Secret Token" in Entra): "scim_<id>.<secret>", only sha256(secret) stored, made and
// revoked by account administrators like API tokens, valid only at /scim/v2/<their account>.
const PREFIX = 'scim_';
const LAST_USED_WRITE_INTERVAL_MS = 60 * 60 * 1000;

export const CreateScimTokenBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 80, pattern: '\\S', errorMessage: 'Enter a name of 1 to 80 characters.' }) }, { additionalProperties: false });
export type CreateScimTokenInput = Static<typeof CreateScimTokenBody>;
export const ScimTokenView = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.String({ format: 'date-time' }), lastUsedAt: Nullable(Type.String({ format: 'date-time' })) });
export type ScimTokenView = Static<typeof ScimTokenView>;

const view = (row: Pick<ScimTokenRow, 'id' | 'name' | 'created_at' | 'last_used_at'>): ScimTokenView => ({ id: row.id, name: row.name, createdAt: new Date(row.created_at).toISOString(), lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at).toISOString() });

function requireAdmin(ctx: ServiceContext): void {
  if (!hasPermission(ctx.actor, 'account.manage')) throw forbidden('Only administrators can manage SCIM provisioning tokens.');
}

export async function createScimToken(ctx: ServiceContext, input: CreateScimTokenInput): Promise<{ token: string; view: ScimTokenView }> {
  requireAdmin(ctx);
  const id = newId();
  const secret = newSecret(32);
  const row = { id, account_id: ctx.actor.accountId, name: input.name.trim(), secret_hash: sha256Hex(secret), created_by: ctx.actor.id, created_at: ctx.now.getTime(), last_used_at: null };
  await ctx.db.transaction().execute(async (tx) => {
    await insertScimToken(tx, row);
    await recordAudit(tx, { accountId: row.account_id, actor: auditActor(ctx.actor), action: 'scim.token_create', object: { type: 'scim_token', id, label: row.name } }, ctx.now);
  });
  return { token: `${PREFIX}${id}.${secret}`, view: view(row) };
}

export async function listScimTokenViews(ctx: ServiceContext): Promise<ScimTokenView[]> {
  requireAdmin(ctx);
  return (await listScimTokens(ctx.db, ctx.actor.accountId)).map(view);
}

export async function revokeScimToken(ctx: ServiceContext, id: string): Promise<void> {
  requireAdmin(ctx);
  const row = id.length <= 64 ? await getScimToken(ctx.db, id) : undefined;
  if (!row || row.account_id !== ctx.actor.accountId) throw notFound('This SCIM token');
  await ctx.db.transaction().execute(async (tx) => {
    await deleteScimTokenRow(tx, row.account_id, id);
    await recordAudit(tx, { accountId: row.account_id, actor: auditActor(ctx.actor), action: 'scim.token_delete', object: { type: 'scim_token', id, label: row.name } }, ctx.now);
  });
}

export type TokenCheck = { ok: true; token: { id: string; name: string } } | { ok: false; reason: string };

/** The Authorization header → this account's SCIM token, or why not (for the SSO log, never for the caller). */
export async function checkScimToken(db: Db, accountId: string, authorization: string | undefined, now: Date): Promise<TokenCheck> {
  if (!authorization) return { ok: false, reason: 'No Authorization header: Entra sends "Bearer <Secret Token>".' };
  const match = /^Bearer\s+(\S{1,300})$/i.exec(authorization.trim());
  if (!match) return { ok: false, reason: 'The Authorization header is not "Bearer <token>".' };
  const value = match[1]!;
  if (!value.startsWith(PREFIX)) return { ok: false, reason: 'The bearer token is not a SCIM token (they start with "scim_"); API tokens are not accepted here.' };
  const [id, secret] = value.slice(PREFIX.length).split('.');
  if (!id || !secret || id.length > 64 || secret.length > 128) return { ok: false, reason: 'The bearer token is malformed.' };
  const row = await getScimToken(db, id);
  if (!row || !constantTimeEqual(row.secret_hash, sha256Hex(secret))) return { ok: false, reason: 'The SCIM token is unknown or was revoked.' };
  if (row.account_id !== accountId) return { ok: false, reason: 'The SCIM token belongs to another account (check the Tenant URL).' };
  if (row.last_used_at === null || now.getTime() - row.last_used_at > LAST_USED_WRITE_INTERVAL_MS) await touchScimToken(db, id, now.getTime());
  return { ok: true, token: { id: row.id, name: row.name } };
}
