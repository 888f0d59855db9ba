import { auditActor } from '../audit/actor.js';
import { recordAudit } from '../audit/store.js';
import { canManageRole, hasPermission } from '../auth/permissions.js';
import { hashPassword } from '../auth/passwords.js';
import { deleteSessionsOf } from '../auth/sessions.js';
import { AppError, forbidden, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import type { Db } from '../db/database.js';
import type { ServiceContext } from '../auth/context.js';
import { listUsers } from '../users/store.js';
import type { CreateSubaccountInput, SubaccountView, UpdateSubaccountInput } from './schemas.js';
import { deleteSubaccountRow, getSubaccount, getSubaccountByEmail, insertSubaccount, linkedUserIds, linksBySubaccount, listSubaccounts, replaceLinks, updateSubaccountRow, type SubaccountRow } from './store.js';
import { newSignInState, passwordChange } from '../auth/sign-in-state.js';

export function toSubaccountView(row: SubaccountRow, userIds: string[]): SubaccountView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    isOwner: row.is_owner === 1,
    twoFactorEnabled: row.totp_secret !== null,
    createdBySso: row.sso_subject !== null,
    userIds,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

function requireManage(ctx: ServiceContext): void {
  if (!hasPermission(ctx.actor, 'subaccounts.manage')) throw forbidden('Only administrators and managers can manage subaccounts.');
}

export async function listSubaccountViews(ctx: ServiceContext): Promise<SubaccountView[]> {
  requireManage(ctx);
  const [rows, links] = await Promise.all([listSubaccounts(ctx.db, ctx.actor.accountId), linksBySubaccount(ctx.db, ctx.actor.accountId)]);
  return rows.map((row) => toSubaccountView(row, links.get(row.id) ?? []));
}

/** The white-label users a subaccount form offers to link: only for those who manage subaccounts. */
export async function linkableUsers(ctx: ServiceContext): Promise<Array<{ id: string; name: string }>> {
  requireManage(ctx);
  return (await listUsers(ctx.db, ctx.actor.accountId)).map((u) => ({ id: u.id, name: u.name }));
}

/** Only the owner changes the owner's sign-in (email, password) or role: another administrator could otherwise take the account. */
function requireOwnerForOwnerCredentials(ctx: ServiceContext, existing: SubaccountRow, input: UpdateSubaccountInput): void {
  if (existing.is_owner !== 1) return;
  const self = ctx.actor.kind === 'subaccount' && ctx.actor.id === existing.id;
  const touchesSignIn = Boolean(input.password) || (input.email !== undefined && input.email.toLowerCase() !== existing.email) || (input.role !== undefined && input.role !== existing.role);
  if (touchesSignIn && !self) throw forbidden("Only the account owner can change the owner's email, password or role.");
}

export async function getSubaccountView(ctx: ServiceContext, id: string): Promise<SubaccountView> {
  requireManage(ctx);
  const row = await getSubaccount(ctx.db, ctx.actor.accountId, id);
  if (!row) throw notFound('This subaccount');
  return toSubaccountView(row, await linkedUserIds(ctx.db, row.id));
}

/** Every id must be a user of this account: a foreign id is reported, never linked. */
async function checkUserIds(ctx: ServiceContext, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  const found = new Set((await listUsers(ctx.db, ctx.actor.accountId, userIds)).map((u) => u.id));
  const index = userIds.findIndex((id) => !found.has(id));
  if (index >= 0) throw new AppError('validation_failed', `User ${userIds[index]} does not exist in this account.`, [{ path: `userIds[${index}]`, message: 'No such user in this account.' }]);
}

export async function createSubaccount(ctx: ServiceContext, input: CreateSubaccountInput): Promise<SubaccountView> {
  requireManage(ctx);
  if (!canManageRole(ctx.actor, input.role)) throw forbidden('Managers cannot create administrators.');
  if (input.role === 'sso') throw new AppError('validation_failed', 'SSO subaccounts are created by single sign-on.', [{ path: 'role', message: 'Choose Administrator, Manager or Team leader.' }]);
  if (await getSubaccountByEmail(ctx.db, ctx.actor.accountId, input.email)) throw new AppError('conflict', `A subaccount with the email ${input.email} already exists.`, [{ path: 'email', message: 'This email is already used by a subaccount.' }]);
  await checkUserIds(ctx, input.userIds);
  const now = ctx.now.getTime();
  const row: SubaccountRow = {
    id: newId(),
    account_id: ctx.actor.accountId,
    email: input.email.toLowerCase(),
    name: input.name.trim(),
    role: input.role,
    ...newSignInState(input.password ? await hashPassword(input.password) : null),
    is_owner: 0,
    sso_subject: null,
    created_at: now,
    updated_at: now,
  };
  await ctx.db.transaction().execute(async (tx) => {
    await insertSubaccount(tx, row);
    await replaceLinks(tx, row.account_id, row.id, input.userIds, 'manual', ctx.now);
    await recordAudit(tx, { accountId: row.account_id, actor: auditActor(ctx.actor), action: 'subaccount.create', object: { type: 'subaccount', id: row.id, label: row.email }, detail: { role: row.role, userIds: input.userIds } }, ctx.now);
  });
  return toSubaccountView(row, input.userIds);
}

export async function updateSubaccount(ctx: ServiceContext, id: string, input: UpdateSubaccountInput): Promise<SubaccountView> {
  requireManage(ctx);
  const existing = await getSubaccount(ctx.db, ctx.actor.accountId, id);
  if (!existing) throw notFound('This subaccount');
  if (!canManageRole(ctx.actor, existing.role) || (input.role && !canManageRole(ctx.actor, input.role))) throw forbidden('Managers cannot change administrators.');
  requireOwnerForOwnerCredentials(ctx, existing, input);
  if (existing.is_owner === 1 && input.role && input.role !== 'admin') throw new AppError('validation_failed', 'The account owner stays an administrator.', [{ path: 'role', message: 'The owner must remain an administrator.' }]);
  if (input.role === 'sso' && existing.role !== 'sso') throw new AppError('validation_failed', 'The SSO role is given by single sign-on only.', [{ path: 'role', message: 'Choose Administrator, Manager or Team leader.' }]);
  if (input.email && input.email.toLowerCase() !== existing.email) {
    if (await getSubaccountByEmail(ctx.db, ctx.actor.accountId, input.email)) throw new AppError('conflict', `A subaccount with the email ${input.email} already exists.`, [{ path: 'email', message: 'This email is already used by a subaccount.' }]);
  }
  if (input.userIds) await checkUserIds(ctx, input.userIds);
  const changes = {
    ...(input.email !== undefined ? { email: input.email.toLowerCase() } : {}),
    ...(input.name !== undefined ? { name: input.name.trim() } : {}),
    ...(input.role !== undefined ? { role: input.role } : {}),
    ...(input.password ? await passwordChange(input.password) : {}),
    updated_at: ctx.now.getTime(),
  };
  await ctx.db.transaction().execute(async (tx) => {
    await updateSubaccountRow(tx, existing.account_id, existing.id, changes);
    if (input.userIds) await replaceLinks(tx, existing.account_id, existing.id, input.userIds, 'manual', ctx.now);
    await recordAudit(tx, { accountId: existing.account_id, actor: auditActor(ctx.actor), action: 'subaccount.update', object: { type: 'subaccount', id: existing.id, label: changes.email ?? existing.email }, detail: { fields: Object.keys(input).filter((k) => k !== 'password'), role: input.role, userIds: input.userIds, passwordChanged: Boolean(input.password) } }, ctx.now);
  });
  if (input.password || (input.role && input.role !== existing.role)) await deleteSessionsOf(ctx.db, 'subaccount', existing.id);
  return getSubaccountView(ctx, existing.id);
}

export async function deleteSubaccount(ctx: ServiceContext, id: string): Promise<void> {
  requireManage(ctx);
  const existing = await getSubaccount(ctx.db, ctx.actor.accountId, id);
  if (!existing) throw notFound('This subaccount');
  if (!canManageRole(ctx.actor, existing.role)) throw forbidden('Managers cannot delete administrators.');
  if (existing.is_owner === 1) throw new AppError('validation_failed', 'The account owner cannot be deleted.', [{ path: 'id', message: 'The owner cannot be deleted.' }]);
  if (ctx.actor.kind === 'subaccount' && ctx.actor.id === existing.id) throw new AppError('validation_failed', 'You cannot delete yourself.', [{ path: 'id', message: 'You cannot delete yourself.' }]);
  await ctx.db.transaction().execute(async (tx) => {
    await deleteSessionsOf(tx, 'subaccount', existing.id);
    await deleteSubaccountRow(tx, existing.account_id, existing.id);
    await recordAudit(tx, { accountId: existing.account_id, actor: auditActor(ctx.actor), action: 'subaccount.delete', object: { type: 'subaccount', id: existing.id, label: existing.email } }, ctx.now);
  });
}

/**
 * The operator's `blanca owner reset-password`: a new password for the account's owner, the lock-out
 * cleared and every session of the owner ended; audited as a system action.
 */
export async function resetOwnerPassword(db: Db, accountId: string, password: string, now: Date): Promise<void> {
  const owner = (await listSubaccounts(db, accountId)).find((s) => s.is_owner === 1);
  if (!owner) throw notFound('The owner of this account');
  await db.transaction().execute(async (tx) => {
    await updateSubaccountRow(tx, accountId, owner.id, { ...(await passwordChange(password)), updated_at: now.getTime() });
    await deleteSessionsOf(tx, 'subaccount', owner.id);
    await recordAudit(tx, { accountId, actor: { kind: 'system', id: null, label: 'operator (command line)' }, action: 'subaccount.update', object: { type: 'subaccount', id: owner.id, label: owner.email }, detail: { fields: [], passwordChanged: true } }, now);
  });
}
