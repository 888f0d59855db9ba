import { auditActor } from '../audit/actor.js';
import { recordAudit } from '../audit/store.js';
import { canAccessUser, hasPermission } from '../auth/permissions.js';
import { hashPassword } from '../auth/passwords.js';
import { deleteSessionsOf, forgetActingUser } from '../auth/sessions.js';
import { AppError, forbidden, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import type { ServiceContext } from '../auth/context.js';
import type { CreateUserInput, UpdateUserInput, UserView } from './schemas.js';
import { deleteUserRow, getUser, getUserByName, getUserByRoleKey, getUserByUsername, insertUser, listUsers, updateUserRow, type UserRow } from './store.js';
import { deriveRoleValue, roleKey } from './role-values.js';
import { newSignInState, passwordChange } from '../auth/sign-in-state.js';

export function toUserView(row: UserRow): UserView {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    username: row.username,
    maxCodes: row.max_codes,
    features: JSON.parse(row.features) as string[],
    shortDomain: row.short_domain,
    canSignIn: row.username !== null && row.password_hash !== null,
    createdBySso: row.sso_subject !== null,
    ssoRoleValue: row.sso_role_value ?? deriveRoleValue(row.name),
    active: row.deactivated_at === null,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** The users an actor can see: all of them for administrators and managers, else the linked ones. */
export async function visibleUsers(ctx: ServiceContext): Promise<UserRow[]> {
  const { actor } = ctx;
  if (hasPermission(actor, 'users.manage')) return listUsers(ctx.db, actor.accountId);
  if (actor.kind === 'subaccount') return listUsers(ctx.db, actor.accountId, actor.linkedUserIds);
  const own = actor.kind === 'user' ? actor.id : actor.kind === 'token' ? actor.userId : null;
  return own ? listUsers(ctx.db, actor.accountId, [own]) : [];
}

/** 404 for users of other accounts and for users the actor may not see, so ids reveal nothing. */
export async function findVisibleUser(ctx: ServiceContext, userId: string): Promise<UserRow> {
  const row = await getUser(ctx.db, ctx.actor.accountId, userId);
  if (!row || !canAccessUser(ctx.actor, row.id)) throw notFound('This user');
  return row;
}

function requireManage(ctx: ServiceContext): void {
  if (!hasPermission(ctx.actor, 'users.manage')) throw forbidden('Only administrators and managers can create, edit or delete users.');
}

async function assertUnique(ctx: ServiceContext, input: { name?: string | undefined; username?: string | null | undefined; ssoRoleValue?: string | undefined }, exceptId?: string): Promise<void> {
  const accountId = ctx.actor.accountId;
  if (input.ssoRoleValue) {
    // Compared like the IdP's roles are: CustomerService and customer_service would reach the same user.
    const clash = await getUserByRoleKey(ctx.db, accountId, roleKey(input.ssoRoleValue));
    if (clash && clash.id !== exceptId) throw new AppError('conflict', `The SSO role value "${input.ssoRoleValue}" already reaches the user "${clash.name}".`, [{ path: 'ssoRoleValue', message: `This SSO role value is already used by "${clash.name}" (case, spaces, _ - . are ignored).` }]);
  }
  if (input.name) {
    const clash = await getUserByName(ctx.db, accountId, input.name.trim());
    if (clash && clash.id !== exceptId) throw new AppError('conflict', `A user named "${input.name.trim()}" already exists.`, [{ path: 'name', message: 'This name is already taken.' }]);
  }
  if (input.username) {
    const clash = await getUserByUsername(ctx.db, accountId, input.username);
    if (clash && clash.id !== exceptId) throw new AppError('conflict', `The user name "${input.username}" is already taken.`, [{ path: 'username', message: 'This user name is already taken.' }]);
  }
}

export async function createUser(ctx: ServiceContext, input: CreateUserInput): Promise<UserRow> {
  requireManage(ctx);
  if (input.password && !input.username) throw new AppError('validation_failed', 'A password needs a user name to sign in with.', [{ path: 'username', message: 'Enter a user name to go with the password.' }]);
  await assertUnique(ctx, input);
  const now = ctx.now.getTime();
  const row: UserRow = {
    id: newId(),
    account_id: ctx.actor.accountId,
    name: input.name.trim(),
    email: input.email ?? null,
    username: input.username ?? null,
    ...newSignInState(input.password ? await hashPassword(input.password) : null),
    max_codes: input.maxCodes,
    features: JSON.stringify(input.features),
    short_domain: input.shortDomain ?? null,
    sso_subject: null,
    sso_role_value: input.ssoRoleValue ?? null,
    sso_role_key: null,
    created_at: now,
    updated_at: now,
  };
  await ctx.db.transaction().execute(async (tx) => {
    await insertUser(tx, row);
    await recordAudit(tx, { accountId: row.account_id, actor: auditActor(ctx.actor), action: 'user.create', object: { type: 'user', id: row.id, label: row.name }, detail: { maxCodes: row.max_codes, features: input.features } }, ctx.now);
  });
  // Re-read: the store chose the SSO role value when none was given.
  return (await getUser(ctx.db, row.account_id, row.id)) as UserRow;
}

export async function updateUser(ctx: ServiceContext, userId: string, input: UpdateUserInput): Promise<UserRow> {
  requireManage(ctx);
  const existing = await findVisibleUser(ctx, userId);
  await assertUnique(ctx, input, existing.id);
  const username = input.username === undefined ? existing.username : input.username;
  if (input.password && !username) throw new AppError('validation_failed', 'A password needs a user name to sign in with.', [{ path: 'username', message: 'Enter a user name to go with the password.' }]);
  // A person SCIM still manages (linked to the IdP) is (de)activated by provisioning only.
  if (input.active !== undefined && existing.sso_subject !== null && (existing.deactivated_at !== null) !== !input.active) {
    throw new AppError('conflict', 'This user is managed by SCIM provisioning: assign or unassign the person in Entra instead.', [{ path: 'active', message: 'Managed by provisioning (Entra).' }]);
  }
  const activity = input.active === undefined ? {} : { deactivated_at: input.active ? null : (existing.deactivated_at ?? ctx.now.getTime()) };
  const changes = {
    ...(input.name !== undefined ? { name: input.name.trim() } : {}),
    ...(input.email !== undefined ? { email: input.email } : {}),
    ...(input.username !== undefined ? { username: input.username } : {}),
    ...(input.maxCodes !== undefined ? { max_codes: input.maxCodes } : {}),
    ...(input.features !== undefined ? { features: JSON.stringify(input.features) } : {}),
    ...(input.shortDomain !== undefined ? { short_domain: input.shortDomain } : {}),
    ...(input.ssoRoleValue !== undefined ? { sso_role_value: input.ssoRoleValue } : {}),
    ...activity,
    ...(input.password ? await passwordChange(input.password) : {}),
    updated_at: ctx.now.getTime(),
  };
  const audited = Object.keys(input).filter((key) => key !== 'password');
  await ctx.db.transaction().execute(async (tx) => {
    await updateUserRow(tx, existing.account_id, existing.id, changes);
    await recordAudit(tx, { accountId: existing.account_id, actor: auditActor(ctx.actor), action: 'user.update', object: { type: 'user', id: existing.id, label: changes.name ?? existing.name }, detail: { fields: audited, passwordChanged: Boolean(input.password) } }, ctx.now);
  });
  if (input.password || input.active === false) await deleteSessionsOf(ctx.db, 'user', existing.id);
  return (await getUser(ctx.db, existing.account_id, existing.id)) as UserRow;
}

export async function deleteUser(ctx: ServiceContext, userId: string): Promise<void> {
  requireManage(ctx);
  const existing = await findVisibleUser(ctx, userId);
  await ctx.db.transaction().execute(async (tx) => {
    await deleteSessionsOf(tx, 'user', existing.id);
    await forgetActingUser(tx, existing.id);
    await deleteUserRow(tx, existing.account_id, existing.id);
    await recordAudit(tx, { accountId: existing.account_id, actor: auditActor(ctx.actor), action: 'user.delete', object: { type: 'user', id: existing.id, label: existing.name } }, ctx.now);
  });
}
