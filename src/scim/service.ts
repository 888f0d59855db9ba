import type { AccountRow } from '../accounts/store.js';
import { recordAudit, type AuditEvent } from '../audit/store.js';
import { deleteSessionsOf } from '../auth/sessions.js';
import { newSignInState } from '../auth/sign-in-state.js';
import type { Db, Tx } from '../db/database.js';
import { newId } from '../platform/ids.js';
import { ADMIN_ROLE, MANAGER_ROLE } from '../sso/provision.js';
import { getConnection } from '../sso/store.js';
import { deleteSubaccountRow, findSubaccountBySsoSubject, getSubaccount, getSubaccountByEmail, insertSubaccount, replaceLinks, setSubaccountDeactivated, updateSubaccountRow, type SubaccountRow } from '../subaccounts/store.js';
import type { SubaccountRole } from '../subaccounts/tables.js';
import { USER_FEATURES } from '../users/schemas.js';
import { findUnlinkedUserByEmail, findUserBySsoSubject, freeUserName, getUser, insertUser, setUserDeactivated, updateUserRow, usersByRoleValues, type UserRow } from '../users/store.js';
import { invalidValue, ScimError, scimNotFound } from './errors.js';
import { applyPatch, booleanOf, isObject, parsePatchBody, attribute, type Json, type Resource } from './patch.js';
import { personOf, type ScimPerson } from './people.js';
import {
  addGroupMembers, deleteScimGroupRow, deleteScimUserRow, existingScimUserIds, getScimGroup, getScimUser, getScimUserByUserName, groupMemberIds, groupNamesOf, insertScimGroup, insertScimUser,
  listScimGroups, listScimUsers, removeGroupMembers, updateScimGroup, updateScimUser, type Conditions, type ScimGroupRow, type ScimUserRow,
} from './store.js';

// SCIM Users and Groups → Blanca (issue 12). Type user (1:1): a SCIM User is a white-label user; type
// subaccount (1:n): an SSO subaccount whose links follow its roles and the displayNames of its SCIM Groups,
// matched to the users' SSO role values; whitelabel_admin / whitelabel_manager make an Administrator /
// Manager subaccount in either type, as in SAML. SCIM and SAML find the same person: the person's
// sso_subject is the userName (Entra's NameID), and an existing person is adopted by userName, externalId
// or email, never duplicated. Every change is audited in the same transaction.
export interface ScimContext {
  db: Db;
  now: Date;
  account: AccountRow;
  token: { id: string; name: string };
}

const READ_ONLY = ['id', 'meta', 'schemas'];

function actorOf(ctx: ScimContext): AuditEvent['actor'] {
  return { kind: 'scim', id: ctx.token.id, label: `SCIM: ${ctx.token.name}` };
}

async function audit(tx: Tx, ctx: ScimContext, action: string, object: AuditEvent['object'], detail?: Record<string, unknown>): Promise<void> {
  await recordAudit(tx, { accountId: ctx.account.id, actor: actorOf(ctx), action, object, ...(detail ? { detail } : {}) }, ctx.now);
}

/** A unique-index violation (a concurrent retry of the same create) becomes SCIM's 409 uniqueness. */
function uniqueness(error: unknown, detail: string): never {
  const code = (error as { code?: string })?.code ?? '';
  if (code === '23505' || code.startsWith('SQLITE_CONSTRAINT')) throw new ScimError(409, detail, 'uniqueness');
  throw error;
}

function cleanAttributes(body: Record<string, Json>): Resource {
  const copy: Resource = {};
  for (const [key, value] of Object.entries(body)) if (!READ_ONLY.includes(key.toLowerCase())) copy[key] = value;
  return copy;
}

// ---- Blanca side -------------------------------------------------------------------------------

type Target = { kind: 'user' | 'subaccount'; id: string };

async function ssoTypeOf(tx: Tx, accountId: string): Promise<'user' | 'subaccount'> {
  return (await getConnection(tx, accountId))?.sso_type ?? 'user';
}

async function endSessions(tx: Tx, target: Target): Promise<void> {
  await deleteSessionsOf(tx, target.kind, target.id);
}

async function syncUser(tx: Tx, ctx: ScimContext, person: ScimPerson, current: Target | null): Promise<Target> {
  const accountId = ctx.account.id;
  const subjects = [person.userName, ...(person.externalId ? [person.externalId] : [])];
  let existing: UserRow | undefined = current?.kind === 'user' ? await getUser(tx, accountId, current.id) : undefined;
  existing ??= await findUserBySsoSubject(tx, accountId, subjects);
  if (!existing && person.email) existing = await findUnlinkedUserByEmail(tx, accountId, person.email);
  const name = await freeUserName(tx, accountId, person.name, person.email ?? person.userName, existing?.id);
  if (existing) {
    if (existing.name !== name || existing.email !== (person.email ?? existing.email) || existing.sso_subject !== person.userName) {
      await updateUserRow(tx, accountId, existing.id, { name, email: person.email ?? existing.email, sso_subject: person.userName, updated_at: ctx.now.getTime() });
      await audit(tx, ctx, 'scim.user_update', { type: 'user', id: existing.id, label: name }, { userName: person.userName });
    }
    return { kind: 'user', id: existing.id };
  }
  const id = newId();
  await insertUser(tx, { id, account_id: accountId, name, email: person.email, username: null, ...newSignInState(null), max_codes: 100, features: JSON.stringify(USER_FEATURES), short_domain: null, sso_subject: person.userName, created_at: ctx.now.getTime(), updated_at: ctx.now.getTime() });
  await audit(tx, ctx, 'scim.user_create', { type: 'user', id, label: name }, { userName: person.userName });
  return { kind: 'user', id };
}

async function syncSubaccount(tx: Tx, ctx: ScimContext, person: ScimPerson, role: SubaccountRole, roles: string[], current: Target | null): Promise<Target> {
  const accountId = ctx.account.id;
  const subjects = [person.userName, ...(person.externalId ? [person.externalId] : [])];
  const email = (person.email ?? person.userName).toLowerCase().slice(0, 254);
  let existing: SubaccountRow | undefined = current?.kind === 'subaccount' ? await getSubaccount(tx, accountId, current.id) : undefined;
  existing ??= await findSubaccountBySsoSubject(tx, accountId, subjects);
  existing ??= await getSubaccountByEmail(tx, accountId, email);
  const linked = (await usersByRoleValues(tx, accountId, roles.filter((r) => r !== ADMIN_ROLE && r !== MANAGER_ROLE))).map((u) => u.id);
  if (existing) {
    // Like SAML: an administrator-made subaccount (or the owner) keeps the role it was given.
    const keep = existing.is_owner === 1 || (existing.sso_subject === null && role === 'sso') ;
    const nextRole = keep ? existing.role : role;
    const clash = email !== existing.email ? await getSubaccountByEmail(tx, accountId, email) : undefined;
    await updateSubaccountRow(tx, accountId, existing.id, { name: person.name, ...(clash ? {} : { email }), sso_subject: person.userName, role: nextRole, updated_at: ctx.now.getTime() });
    await replaceLinks(tx, accountId, existing.id, linked, 'sso', ctx.now);
    if (nextRole !== existing.role) await deleteSessionsOf(tx, 'subaccount', existing.id);
    await audit(tx, ctx, 'scim.subaccount_update', { type: 'subaccount', id: existing.id, label: email }, { userName: person.userName, role: nextRole, userIds: linked });
    return { kind: 'subaccount', id: existing.id };
  }
  const id = newId();
  await insertSubaccount(tx, { id, account_id: accountId, email, name: person.name, role, ...newSignInState(null), is_owner: 0, sso_subject: person.userName, created_at: ctx.now.getTime(), updated_at: ctx.now.getTime() });
  await replaceLinks(tx, accountId, id, linked, 'sso', ctx.now);
  await audit(tx, ctx, 'scim.subaccount_create', { type: 'subaccount', id, label: email }, { userName: person.userName, role, userIds: linked });
  return { kind: 'subaccount', id };
}

/** Deactivated: no sign-in of any kind, every session ended now, the user's API tokens refused; the owner is never locked out. */
async function applyActive(tx: Tx, ctx: ScimContext, target: Target, active: boolean): Promise<void> {
  const accountId = ctx.account.id;
  const row = target.kind === 'user' ? await getUser(tx, accountId, target.id) : await getSubaccount(tx, accountId, target.id);
  if (!row) return;
  if (target.kind === 'subaccount' && (row as SubaccountRow).is_owner === 1) return;
  const label = target.kind === 'user' ? row.name : (row as SubaccountRow).email;
  if (!active && row.deactivated_at === null) {
    if (target.kind === 'user') await setUserDeactivated(tx, accountId, target.id, ctx.now.getTime(), ctx.now);
    else await setSubaccountDeactivated(tx, accountId, target.id, ctx.now.getTime(), ctx.now);
    await endSessions(tx, target);
    await audit(tx, ctx, 'scim.deactivate', { type: target.kind, id: target.id, label });
  } else if (active && row.deactivated_at !== null) {
    if (target.kind === 'user') await setUserDeactivated(tx, accountId, target.id, null, ctx.now);
    else await setSubaccountDeactivated(tx, accountId, target.id, null, ctx.now);
    await audit(tx, ctx, 'scim.reactivate', { type: target.kind, id: target.id, label });
  }
}

/** Makes Blanca match the SCIM User; returns the Blanca person it stands for. */
async function syncPerson(tx: Tx, ctx: ScimContext, row: ScimUserRow, resource: Resource): Promise<Target> {
  const person = personOf(resource, row.active === 1);
  const ssoType = await ssoTypeOf(tx, ctx.account.id);
  const roles = [...person.roles, ...(await groupNamesOf(tx, row.id))];
  const adminRole = roles.includes(ADMIN_ROLE) ? 'admin' : roles.includes(MANAGER_ROLE) ? 'manager' : null;
  const current: Target | null = row.target_kind && row.target_id ? { kind: row.target_kind, id: row.target_id } : null;
  const target = adminRole || ssoType === 'subaccount' ? await syncSubaccount(tx, ctx, person, adminRole ?? 'sso', ssoType === 'subaccount' ? roles : [], current) : await syncUser(tx, ctx, person, current);
  // 1:1 person who lost whitelabel_admin: the former subaccount keeps no rights (as after a SAML sign-in).
  if (current && current.kind === 'subaccount' && target.kind === 'user') {
    const former = await getSubaccount(tx, ctx.account.id, current.id);
    if (former && former.is_owner === 0 && former.sso_subject !== null) {
      await updateSubaccountRow(tx, ctx.account.id, former.id, { role: 'sso', updated_at: ctx.now.getTime() });
      await replaceLinks(tx, ctx.account.id, former.id, [], 'sso', ctx.now);
      await deleteSessionsOf(tx, 'subaccount', former.id);
    }
  }
  await applyActive(tx, ctx, target, person.active);
  if (!current || current.id !== target.id || current.kind !== target.kind) await updateScimUser(tx, ctx.account.id, row.id, { target_kind: target.kind, target_id: target.id });
  return target;
}

/** SCIM DELETE: in 1:1 the white-label user's space and codes stay (unlinked, no sign-in) for an administrator to hand on; a subaccount goes. */
async function removePerson(tx: Tx, ctx: ScimContext, row: ScimUserRow): Promise<void> {
  if (!row.target_kind || !row.target_id) return;
  const target: Target = { kind: row.target_kind, id: row.target_id };
  await endSessions(tx, target);
  if (target.kind === 'user') {
    const user = await getUser(tx, ctx.account.id, target.id);
    if (!user) return;
    await updateUserRow(tx, ctx.account.id, user.id, { sso_subject: null, deactivated_at: user.deactivated_at ?? ctx.now.getTime(), updated_at: ctx.now.getTime() });
    await audit(tx, ctx, 'scim.user_unlink', { type: 'user', id: user.id, label: user.name }, { userName: row.user_name, spaceKept: true });
    return;
  }
  const sub = await getSubaccount(tx, ctx.account.id, target.id);
  if (!sub) return;
  if (sub.is_owner === 1) {
    await updateSubaccountRow(tx, ctx.account.id, sub.id, { sso_subject: null, updated_at: ctx.now.getTime() });
    return;
  }
  await deleteSubaccountRow(tx, ctx.account.id, sub.id);
  await audit(tx, ctx, 'scim.subaccount_delete', { type: 'subaccount', id: sub.id, label: sub.email }, { userName: row.user_name });
}

// ---- SCIM resources ---------------------------------------------------------------------------

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export function userResource(row: ScimUserRow, baseUrl: string): Resource {
  const attributes = JSON.parse(row.attributes) as Resource;
  const hasEnterprise = Object.keys(attributes).some((k) => k.toLowerCase() === ENTERPRISE_SCHEMA.toLowerCase());
  const rest: Resource = {};
  for (const [key, value] of Object.entries(attributes)) if (!['username', 'externalid', 'active'].includes(key.toLowerCase())) rest[key] = value;
  return {
    schemas: [USER_SCHEMA, ...(hasEnterprise ? [ENTERPRISE_SCHEMA] : [])],
    id: row.id,
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    userName: row.user_name,
    ...rest,
    active: row.active === 1,
    meta: { resourceType: 'User', created: new Date(row.created_at).toISOString(), lastModified: new Date(row.updated_at).toISOString(), version: `W/"${row.version}"`, location: `${baseUrl}/Users/${row.id}` },
  };
}

export function groupResource(row: ScimGroupRow, members: string[] | null, baseUrl: string): Resource {
  return {
    schemas: [GROUP_SCHEMA],
    id: row.id,
    ...(row.external_id !== null ? { externalId: row.external_id } : {}),
    displayName: row.display_name,
    ...(members ? { members: members.map((value) => ({ value, $ref: `${baseUrl}/Users/${value}` })) } : {}),
    meta: { resourceType: 'Group', created: new Date(row.created_at).toISOString(), lastModified: new Date(row.updated_at).toISOString(), version: `W/"${row.version}"`, location: `${baseUrl}/Groups/${row.id}` },
  };
}

function userColumns(resource: Resource): { user_name: string; user_name_key: string; external_id: string | null; display_name: string | null; active: number } {
  const userName = attribute(resource, 'userName');
  if (typeof userName !== 'string' || userName.trim() === '' || userName.length > 256) throw invalidValue('"userName" is required: a string of 1 to 256 characters.');
  const externalId = attribute(resource, 'externalId');
  if (externalId !== undefined && externalId !== null && (typeof externalId !== 'string' || externalId.length > 256)) throw invalidValue('"externalId" must be a string of at most 256 characters.');
  const displayName = attribute(resource, 'displayName');
  if (displayName !== undefined && displayName !== null && (typeof displayName !== 'string' || displayName.length > 256)) throw invalidValue('"displayName" must be a string of at most 256 characters.');
  const active = booleanOf(attribute(resource, 'active'), 'active') ?? true;
  return { user_name: userName.trim(), user_name_key: userName.trim().toLowerCase(), external_id: (externalId as string | undefined) ?? null, display_name: (displayName as string | undefined) ?? null, active: active ? 1 : 0 };
}

/** Keeps `active` a boolean in what is stored and returned ("False" in → false out). */
function normalised(resource: Resource, active: number): Resource {
  const copy = { ...resource };
  for (const key of Object.keys(copy)) if (key.toLowerCase() === 'active') delete copy[key];
  return { ...copy, active: active === 1 };
}

function bodyObject(body: unknown): Record<string, Json> {
  if (!isObject(body)) throw new ScimError(400, 'The body must be a SCIM JSON object.', 'invalidSyntax');
  return body as Record<string, Json>;
}

export async function createUser(ctx: ScimContext, body: unknown): Promise<ScimUserRow> {
  const resource = cleanAttributes(bodyObject(body));
  const columns = userColumns(resource);
  personOf(resource, true); // refuses a malformed work email before anything is written
  if (await getScimUserByUserName(ctx.db, ctx.account.id, columns.user_name)) throw new ScimError(409, `A User with userName "${columns.user_name}" already exists.`, 'uniqueness');
  const row: ScimUserRow = { id: newId(), account_id: ctx.account.id, ...columns, attributes: JSON.stringify(normalised(resource, columns.active)), target_kind: null, target_id: null, version: 1, created_at: ctx.now.getTime(), updated_at: ctx.now.getTime() };
  try {
    await ctx.db.transaction().execute(async (tx) => {
      await insertScimUser(tx, row);
      const target = await syncPerson(tx, ctx, row, resource);
      row.target_kind = target.kind;
      row.target_id = target.id;
      await audit(tx, ctx, 'scim.create_user', { type: 'scim_user', id: row.id, label: row.user_name }, { target });
    });
  } catch (error) {
    uniqueness(error, `A User with userName "${columns.user_name}" already exists.`);
  }
  return row;
}

export async function getUserRow(ctx: ScimContext, id: string): Promise<ScimUserRow> {
  const row = id.length <= 64 ? await getScimUser(ctx.db, ctx.account.id, id) : undefined;
  if (!row) throw scimNotFound('User', id);
  return row;
}

async function writeUser(ctx: ScimContext, id: string, next: (current: Resource) => Resource, action: string): Promise<ScimUserRow> {
  try {
    return await ctx.db.transaction().execute(async (tx) => {
      const row = await getScimUser(tx, ctx.account.id, id);
      if (!row) throw scimNotFound('User', id);
      const resource = cleanAttributes(next(JSON.parse(row.attributes) as Resource));
      const columns = userColumns(resource);
      if (columns.user_name_key !== row.user_name_key) {
        const clash = await getScimUserByUserName(tx, ctx.account.id, columns.user_name);
        if (clash) throw new ScimError(409, `A User with userName "${columns.user_name}" already exists.`, 'uniqueness');
      }
      const updated: ScimUserRow = { ...row, ...columns, attributes: JSON.stringify(normalised(resource, columns.active)), version: row.version + 1, updated_at: ctx.now.getTime() };
      await updateScimUser(tx, ctx.account.id, id, { ...columns, attributes: updated.attributes, version: updated.version, updated_at: updated.updated_at });
      const target = await syncPerson(tx, ctx, updated, resource);
      await audit(tx, ctx, action, { type: 'scim_user', id, label: updated.user_name }, { target, active: columns.active === 1 });
      return { ...updated, target_kind: target.kind, target_id: target.id };
    });
  } catch (error) {
    return uniqueness(error, 'Another User already has this userName.');
  }
}

export const replaceUser = (ctx: ScimContext, id: string, body: unknown) => {
  const resource = cleanAttributes(bodyObject(body));
  return writeUser(ctx, id, () => resource, 'scim.replace_user');
};

export function patchUser(ctx: ScimContext, id: string, body: unknown): Promise<ScimUserRow> {
  const operations = parsePatchBody(body);
  return writeUser(ctx, id, (current) => applyPatch(current, operations, READ_ONLY), 'scim.patch_user');
}

export async function deleteUser(ctx: ScimContext, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    const row = await getScimUser(tx, ctx.account.id, id);
    if (!row) throw scimNotFound('User', id);
    await removePerson(tx, ctx, row);
    await deleteScimUserRow(tx, ctx.account.id, id);
    await audit(tx, ctx, 'scim.delete_user', { type: 'scim_user', id, label: row.user_name });
  });
}

export const listUsers = (ctx: ScimContext, where: Conditions, offset: number, limit: number) => listScimUsers(ctx.db, ctx.account.id, where, offset, limit);

// ---- Groups ----------------------------------------------------------------------------------

function groupColumns(resource: Resource): { display_name: string; display_key: string; external_id: string | null } {
  const displayName = attribute(resource, 'displayName');
  if (typeof displayName !== 'string' || displayName.trim() === '' || displayName.length > 256) throw invalidValue('"displayName" is required: a string of 1 to 256 characters.');
  const externalId = attribute(resource, 'externalId');
  if (externalId !== undefined && externalId !== null && (typeof externalId !== 'string' || externalId.length > 256)) throw invalidValue('"externalId" must be a string of at most 256 characters.');
  return { display_name: displayName.trim(), display_key: displayName.trim().toLowerCase(), external_id: (externalId as string | undefined) ?? null };
}

function memberIdsOf(resource: Resource): string[] {
  const members = attribute(resource, 'members');
  if (members === undefined || members === null) return [];
  if (!Array.isArray(members)) throw invalidValue('"members" must be an array.');
  return members.map((m, i) => {
    const value = isObject(m) ? attribute(m, 'value') : m;
    if (typeof value !== 'string' || value.length > 64) throw invalidValue(`members[${i}].value must be the id of a User.`);
    return value;
  });
}

async function checkMembers(tx: Tx, ctx: ScimContext, ids: string[]): Promise<void> {
  const known = new Set(await existingScimUserIds(tx, ctx.account.id, ids));
  const unknown = ids.find((id) => !known.has(id));
  if (unknown) throw invalidValue(`members: ${unknown} is not a User of this account.`);
}

/** Group names count as role values (1:n links, administrator roles): the members affected follow at once. */
async function resyncMembers(tx: Tx, ctx: ScimContext, userIds: Iterable<string>): Promise<void> {
  for (const userId of new Set(userIds)) {
    const row = await getScimUser(tx, ctx.account.id, userId);
    if (row) await syncPerson(tx, ctx, row, JSON.parse(row.attributes) as Resource);
  }
}

export async function createGroup(ctx: ScimContext, body: unknown): Promise<{ row: ScimGroupRow; members: string[] }> {
  const resource = cleanAttributes(bodyObject(body));
  const columns = groupColumns(resource);
  const members = [...new Set(memberIdsOf(resource))];
  const row: ScimGroupRow = { id: newId(), account_id: ctx.account.id, ...columns, version: 1, created_at: ctx.now.getTime(), updated_at: ctx.now.getTime() };
  try {
    await ctx.db.transaction().execute(async (tx) => {
      const { rows } = await listScimGroups(tx, ctx.account.id, { displayName: columns.display_name }, 0, 1);
      if (rows.length) throw new ScimError(409, `A Group named "${columns.display_name}" already exists.`, 'uniqueness');
      await checkMembers(tx, ctx, members);
      await insertScimGroup(tx, row);
      await addGroupMembers(tx, ctx.account.id, row.id, members);
      await resyncMembers(tx, ctx, members);
      await audit(tx, ctx, 'scim.create_group', { type: 'scim_group', id: row.id, label: row.display_name }, { members: members.length });
    });
  } catch (error) {
    uniqueness(error, `A Group named "${columns.display_name}" already exists.`);
  }
  return { row, members };
}

export async function getGroupRow(ctx: ScimContext, id: string): Promise<ScimGroupRow> {
  const row = id.length <= 64 ? await getScimGroup(ctx.db, ctx.account.id, id) : undefined;
  if (!row) throw scimNotFound('Group', id);
  return row;
}

export const membersOf = (ctx: ScimContext, groupId: string) => groupMemberIds(ctx.db, groupId);

async function writeGroup(ctx: ScimContext, id: string, next: (current: Resource) => Resource, action: string): Promise<ScimGroupRow> {
  try {
    return await ctx.db.transaction().execute(async (tx) => {
      const row = await getScimGroup(tx, ctx.account.id, id);
      if (!row) throw scimNotFound('Group', id);
      const before = await groupMemberIds(tx, id);
      const current: Resource = { displayName: row.display_name, ...(row.external_id !== null ? { externalId: row.external_id } : {}), members: before.map((value) => ({ value })) };
      const resource = cleanAttributes(next(current));
      const columns = groupColumns(resource);
      const after = [...new Set(memberIdsOf(resource))];
      if (columns.display_key !== row.display_key) {
        const { rows } = await listScimGroups(tx, ctx.account.id, { displayName: columns.display_name }, 0, 1);
        if (rows.length) throw new ScimError(409, `A Group named "${columns.display_name}" already exists.`, 'uniqueness');
      }
      const added = after.filter((m) => !before.includes(m));
      const removed = before.filter((m) => !after.includes(m));
      await checkMembers(tx, ctx, added);
      const updated: ScimGroupRow = { ...row, ...columns, version: row.version + 1, updated_at: ctx.now.getTime() };
      await updateScimGroup(tx, ctx.account.id, id, { ...columns, version: updated.version, updated_at: updated.updated_at });
      await addGroupMembers(tx, ctx.account.id, id, added);
      await removeGroupMembers(tx, id, removed);
      // A renamed group changes every member's role values; otherwise only those added or removed.
      await resyncMembers(tx, ctx, columns.display_key !== row.display_key ? [...before, ...added] : [...added, ...removed]);
      await audit(tx, ctx, action, { type: 'scim_group', id, label: updated.display_name }, { added, removed, renamed: columns.display_name !== row.display_name });
      return updated;
    });
  } catch (error) {
    return uniqueness(error, 'Another Group already has this displayName.');
  }
}

export const replaceGroup = (ctx: ScimContext, id: string, body: unknown) => {
  const resource = cleanAttributes(bodyObject(body));
  return writeGroup(ctx, id, () => resource, 'scim.replace_group');
};

export function patchGroup(ctx: ScimContext, id: string, body: unknown): Promise<ScimGroupRow> {
  const operations = parsePatchBody(body);
  return writeGroup(ctx, id, (current) => applyPatch(current, operations, READ_ONLY), 'scim.patch_group');
}

export async function deleteGroup(ctx: ScimContext, id: string): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    const row = await getScimGroup(tx, ctx.account.id, id);
    if (!row) throw scimNotFound('Group', id);
    const members = await groupMemberIds(tx, id);
    await deleteScimGroupRow(tx, ctx.account.id, id);
    await resyncMembers(tx, ctx, members);
    await audit(tx, ctx, 'scim.delete_group', { type: 'scim_group', id, label: row.display_name }, { members: members.length });
  });
}

export const listGroups = (ctx: ScimContext, where: Conditions, offset: number, limit: number) => listScimGroups(ctx.db, ctx.account.id, where, offset, limit);
