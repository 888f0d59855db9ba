import { Nullable } from '../platform/schema.js';
import { Type, type Static } from '@sinclair/typebox';
import { auditActor } from '../audit/actor.js';
import { recordAudit } from '../audit/store.js';
import type { Db } from '../db/database.js';
import { AppError, forbidden, notFound } from '../platform/errors.js';
import { constantTimeEqual, newId, newSecret, sha256Hex } from '../platform/ids.js';
import type { ServiceContext } from './context.js';
import { getUser } from '../users/store.js';
import type { Actor } from './actor.js';
import { canAccessUser, hasPermission } from './permissions.js';

// API tokens read "qrp_<id>.<secret>"; like sessions, only sha256(secret) is stored. Tokens made
// before the platform lost its vendor name read "blanca_…" and keep working.
export const TOKEN_PREFIX = 'qrp_';
const TOKEN_PREFIXES = [TOKEN_PREFIX, 'blanca_'];
const LAST_USED_WRITE_INTERVAL_MS = 60 * 60 * 1000;

export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 80, pattern: '\\S', errorMessage: 'Enter a name of 1 to 80 characters.' }),
    userId: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()], { description: 'null or missing: an account token with administrator rights; else a token limited to this white-label user' })),
  },
  { additionalProperties: false },
);
export type CreateTokenInput = Static<typeof CreateTokenBody>;

export const TokenView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  userId: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Nullable(Type.String({ format: 'date-time' })),
});
export type TokenView = Static<typeof TokenView>;

function mayManageTokensFor(actor: Actor, userId: string | null): boolean {
  if (userId === null) return hasPermission(actor, 'account.manage');
  if (actor.kind === 'token') return actor.userId === null;
  if (actor.kind === 'user') return actor.id === userId;
  return hasPermission(actor, 'users.manage') && canAccessUser(actor, userId);
}

export async function createApiToken(ctx: ServiceContext, input: CreateTokenInput): Promise<{ token: string; view: TokenView }> {
  const userId = input.userId ?? null;
  if (userId !== null && !(await getUser(ctx.db, ctx.actor.accountId, userId))) throw new AppError('validation_failed', 'No such user in this account.', [{ path: 'userId', message: 'No such user in this account.' }]);
  if (!mayManageTokensFor(ctx.actor, userId)) throw forbidden(userId === null ? 'Only administrators can create account tokens.' : 'You cannot create tokens for this user.');
  const id = newId();
  const secret = newSecret(32);
  const row = { id, account_id: ctx.actor.accountId, user_id: userId, name: input.name.trim(), secret_hash: sha256Hex(secret), created_by: ctx.actor.id, created_at: ctx.now.getTime(), last_used_at: null };
  await ctx.db.transaction().execute(async (tx) => {
    await tx.insertInto('api_tokens').values(row).execute();
    await recordAudit(tx, { accountId: row.account_id, actor: auditActor(ctx.actor), action: 'token.create', object: { type: 'api_token', id, label: row.name }, detail: { userId } }, ctx.now);
  });
  return { token: `${TOKEN_PREFIX}${id}.${secret}`, view: toTokenView(row) };
}

/**
 * The operator's `blanca token create SLUG`: an account token with administrator rights, made
 * from the command line (the first token of a new account needs no portal sign-in), audited as
 * the operator. created_by names no person: "operator".
 */
export async function createOperatorToken(db: Db, accountId: string, name: string, now: Date): Promise<{ token: string; view: TokenView }> {
  const id = newId();
  const secret = newSecret(32);
  const row = { id, account_id: accountId, user_id: null, name: name.trim(), secret_hash: sha256Hex(secret), created_by: 'operator', created_at: now.getTime(), last_used_at: null };
  await db.transaction().execute(async (tx) => {
    await tx.insertInto('api_tokens').values(row).execute();
    await recordAudit(tx, { accountId, actor: { kind: 'system', id: null, label: 'operator (command line)' }, action: 'token.create', object: { type: 'api_token', id, label: row.name }, detail: { userId: null } }, now);
  });
  return { token: `${TOKEN_PREFIX}${id}.${secret}`, view: toTokenView(row) };
}

function toTokenView(row: { id: string; name: string; user_id: string | null; created_at: number; last_used_at: number | null }): TokenView {
  return { id: row.id, name: row.name, userId: row.user_id, createdAt: new Date(row.created_at).toISOString(), lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at).toISOString() };
}

export async function listApiTokens(ctx: ServiceContext): Promise<TokenView[]> {
  const rows = await ctx.db.selectFrom('api_tokens').selectAll().where('account_id', '=', ctx.actor.accountId).orderBy('created_at', 'desc').execute();
  return rows.filter((row) => mayManageTokensFor(ctx.actor, row.user_id)).map(toTokenView);
}

export async function deleteApiToken(ctx: ServiceContext, id: string): Promise<void> {
  const row = await ctx.db.selectFrom('api_tokens').selectAll().where('account_id', '=', ctx.actor.accountId).where('id', '=', id).executeTakeFirst();
  if (!row || !mayManageTokensFor(ctx.actor, row.user_id)) throw notFound('This token');
  await ctx.db.transaction().execute(async (tx) => {
    await tx.deleteFrom('api_tokens').where('id', '=', id).execute();
    await recordAudit(tx, { accountId: row.account_id, actor: auditActor(ctx.actor), action: 'token.delete', object: { type: 'api_token', id, label: row.name } }, ctx.now);
  });
}

/** Bearer token → actor; null for anything that is not a live token. */
export async function resolveApiToken(db: Db, token: string, now: Date): Promise<Actor | null> {
  const prefix = TOKEN_PREFIXES.find((p) => token.startsWith(p));
  if (!prefix) return null;
  const [id, secret] = token.slice(prefix.length).split('.');
  if (!id || !secret || id.length > 64 || secret.length > 128) return null;
  const row = await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || !constantTimeEqual(row.secret_hash, sha256Hex(secret))) return null;
  // The tokens of a white-label user deactivated by SCIM stop working at once (and work again on re-activation).
  if (row.user_id !== null && (await getUser(db, row.account_id, row.user_id))?.deactivated_at != null) return null;
  if (row.last_used_at === null || now.getTime() - row.last_used_at > LAST_USED_WRITE_INTERVAL_MS) {
    await db.updateTable('api_tokens').set({ last_used_at: now.getTime() }).where('id', '=', id).execute();
  }
  return { kind: 'token', accountId: row.account_id, id: row.id, name: row.name, userId: row.user_id };
}
