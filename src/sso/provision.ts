import { forbidden } from '../platform/errors.js';
import type { Tx } from '../db/database.js';
import { recordAudit } from '../audit/store.js';
import { newId } from '../platform/ids.js';
import { deleteSessionsOf } from '../auth/sessions.js';
import { insertSubaccount, replaceLinks, updateSubaccountRow, type SubaccountRow } from '../subaccounts/store.js';
import type { SubaccountRole } from '../subaccounts/tables.js';
import { insertUser, ssoRoleValuesFor, updateUserRow, usersByRoleValues, type UserRow } from '../users/store.js';
import { roleKey } from '../users/role-values.js';
import { provisioningOn, scimUserForSignIn } from '../scim/store.js';
import { getUser } from '../users/store.js';
import { getSubaccount, linkedUserIds } from '../subaccounts/store.js';
import { USER_FEATURES } from '../users/schemas.js';
import type { MappedPerson } from './attributes.js';
import type { SsoType } from './tables.js';
import { newSignInState } from '../auth/sign-in-state.js';

// Just-in-time provisioning, SPEC §3.2 / the article's section 7:
//   whitelabel_admin / whitelabel_manager → an Administrator / Manager subaccount (either SSO type);
//   User (1:1) → a white-label user named after the person, updated on later sign-ins;
//   Subaccount (1:n) → an "SSO" subaccount linked to the users named by the roles,
//   the links following the roles at every sign-in.
export const ADMIN_ROLE = 'whitelabel_admin';
export const MANAGER_ROLE = 'whitelabel_manager';

export interface MappingReport {
  ssoType: SsoType;
  rolesReceived: string[];
  adminRole: 'admin' | 'manager' | null;
  linkedUsers: string[];
  ignoredRoles: Array<{ role: string; why: string }>;
  target: { type: 'user' | 'subaccount'; id: string; name: string; created: boolean } | null;
}

export type ProvisionOutcome =
  | { kind: 'signed_in'; principal: { kind: 'user' | 'subaccount'; id: string; name: string }; actingUserId: string | null; chooseUser: boolean; report: MappingReport }
  | { kind: 'no_access'; rolesReceived: string[]; existingUsers: string[]; expectedRoleValues: string[]; report: MappingReport }
  /** The person exists but may not sign in (deactivated by SCIM provisioning); never re-created or re-activated here. */
  | { kind: 'refused'; reason: 'deactivated' | 'not_provisioned'; detail: string; report: MappingReport };

const SSO_ACTOR = (person: MappedPerson) => ({ kind: 'sso' as const, id: null, label: `SSO: ${person.email ?? person.nameId}` });

function adminRoleOf(roles: readonly string[]): 'admin' | 'manager' | null {
  if (roles.includes(ADMIN_ROLE)) return 'admin';
  if (roles.includes(MANAGER_ROLE)) return 'manager';
  return null;
}

async function findSubaccount(tx: Tx, accountId: string, person: MappedPerson): Promise<SubaccountRow | undefined> {
  const bySubject = await tx.selectFrom('subaccounts').selectAll().where('account_id', '=', accountId).where('sso_subject', '=', person.nameId).executeTakeFirst();
  if (bySubject) return bySubject;
  const email = person.email ?? person.nameId.toLowerCase();
  return tx.selectFrom('subaccounts').selectAll().where('account_id', '=', accountId).where('email', '=', email).executeTakeFirst();
}

/** Creates or updates the person's subaccount; a manual subaccount keeps the role an administrator gave it. */
async function upsertSubaccount(tx: Tx, accountId: string, person: MappedPerson, role: SubaccountRole, now: Date): Promise<{ row: SubaccountRow; created: boolean }> {
  const existing = await findSubaccount(tx, accountId, person);
  // The owner is the account's break-glass sign-in: whoever controls the IdP (any administrator can
  // configure it) could otherwise assert the owner's email and act as the owner.
  if (existing?.is_owner === 1) throw forbidden("The account owner signs in with the owner's own password, never through single sign-on.");
  if (existing) {
    const manual = existing.sso_subject === null;
    const keepManualRole = manual && (existing.is_owner === 1 || role === 'sso');
    const nextRole = keepManualRole ? existing.role : role;
    await updateSubaccountRow(tx, accountId, existing.id, { name: person.name, sso_subject: person.nameId, role: nextRole, updated_at: now.getTime() });
    if (nextRole !== existing.role) {
      await deleteSessionsOf(tx, 'subaccount', existing.id);
      await recordAudit(tx, { accountId, actor: SSO_ACTOR(person), action: 'sso.role_change', object: { type: 'subaccount', id: existing.id, label: existing.email }, detail: { from: existing.role, to: nextRole } }, now);
    }
    return { row: { ...existing, name: person.name, sso_subject: person.nameId, role: nextRole }, created: false };
  }
  const row: SubaccountRow = {
    id: newId(),
    account_id: accountId,
    email: person.email ?? person.nameId.toLowerCase(),
    name: person.name,
    role,
    ...newSignInState(null),
    is_owner: 0,
    sso_subject: person.nameId,
    created_at: now.getTime(),
    updated_at: now.getTime(),
  };
  await insertSubaccount(tx, row);
  await recordAudit(tx, { accountId, actor: SSO_ACTOR(person), action: 'sso.subaccount_create', object: { type: 'subaccount', id: row.id, label: row.email }, detail: { role } }, now);
  return { row, created: true };
}

/** 1:1: the person's own white-label user, found by NameID, else by email, else created. */
async function upsertUser(tx: Tx, accountId: string, person: MappedPerson, now: Date): Promise<{ row: UserRow; created: boolean }> {
  let existing = await tx.selectFrom('whitelabel_users').selectAll().where('account_id', '=', accountId).where('sso_subject', '=', person.nameId).executeTakeFirst();
  if (!existing && person.email) {
    existing = await tx.selectFrom('whitelabel_users').selectAll().where('account_id', '=', accountId).where('email', '=', person.email).where('sso_subject', 'is', null).executeTakeFirst();
  }
  const name = await uniqueUserName(tx, accountId, person, existing?.id);
  if (existing) {
    await updateUserRow(tx, accountId, existing.id, { name, email: person.email ?? existing.email, sso_subject: person.nameId, updated_at: now.getTime() });
    return { row: { ...existing, name, email: person.email ?? existing.email, sso_subject: person.nameId }, created: false };
  }
  const row: UserRow = {
    id: newId(),
    account_id: accountId,
    name,
    email: person.email,
    username: null,
    ...newSignInState(null),
    max_codes: 100,
    features: JSON.stringify(USER_FEATURES),
    short_domain: null,
    sso_subject: person.nameId,
    sso_role_value: null,
    sso_role_key: null,
    created_at: now.getTime(),
    updated_at: now.getTime(),
  };
  await insertUser(tx, row);
  await recordAudit(tx, { accountId, actor: SSO_ACTOR(person), action: 'sso.user_create', object: { type: 'user', id: row.id, label: row.name } }, now);
  return { row, created: true };
}

/** User names are unique per account: a second "Adam" becomes "Adam (adam2@…)". */
async function uniqueUserName(tx: Tx, accountId: string, person: MappedPerson, ownId: string | undefined): Promise<string> {
  const candidates = [person.name, `${person.name} (${person.email ?? person.nameId})`.slice(0, 80), `${person.name.slice(0, 60)} (${person.nameId.slice(0, 12)}…)`];
  for (const candidate of candidates) {
    const clash = await tx.selectFrom('whitelabel_users').select('id').where('account_id', '=', accountId).where('name', '=', candidate).executeTakeFirst();
    if (!clash || clash.id === ownId) return candidate;
  }
  return `${person.name.slice(0, 40)} ${newId().slice(0, 8)}`;
}

/** Roles matching white-label users' SSO role values (case, accents, space _ - . ignored); the rest are reported, never guessed. */
export function linkRoles(roles: readonly string[], users: UserRow[]): { linked: UserRow[]; ignored: MappingReport['ignoredRoles'] } {
  const byKey = new Map(users.map((u) => [u.sso_role_key, u]));
  const linked = new Map<string, UserRow>();
  const ignored: MappingReport['ignoredRoles'] = [];
  for (const role of roles) {
    if (role === ADMIN_ROLE || role === MANAGER_ROLE) continue;
    const user = byKey.get(roleKey(role));
    if (user) linked.set(user.id, user);
    else ignored.push({ role, why: `no white-label user has the SSO role value "${role}" (compared ignoring case, spaces, _ - .)` });
  }
  return { linked: [...linked.values()], ignored };
}

/** A person deactivated by SCIM stays out, whatever the assertion says (SCIM is the source of truth). */
function refusedIfDeactivated(row: { deactivated_at: number | null } | undefined, what: string, report: MappingReport): ProvisionOutcome | null {
  if (!row || row.deactivated_at === null) return null;
  return { kind: 'refused', reason: 'deactivated', detail: `The ${what} was deactivated by SCIM provisioning on ${new Date(row.deactivated_at).toISOString()}; SAML sign-in neither re-activates nor re-creates it.`, report };
}

/**
 * Provisioning (SCIM) is on: SCIM is the source of truth. The sign-in finds the person SCIM made (NameID as
 * userName or externalId), creates nothing, changes no role or link, and refuses a deactivated or unknown person.
 */
async function signInProvisioned(tx: Tx, accountId: string, ssoType: SsoType, person: MappedPerson): Promise<ProvisionOutcome> {
  const report: MappingReport = { ssoType, rolesReceived: person.roles, adminRole: null, linkedUsers: [], ignoredRoles: [], target: null };
  const scim = await scimUserForSignIn(tx, accountId, person.nameId, person.email);
  if (!scim || !scim.target_kind || !scim.target_id) {
    return { kind: 'refused', reason: 'not_provisioned', detail: `provisioning (SCIM) is on and no SCIM User has userName or externalId "${person.nameId}"${person.email ? ` or userName "${person.email}"` : ''}; sign-in creates nobody while provisioning is on.`, report };
  }
  if (scim.active !== 1) return { kind: 'refused', reason: 'deactivated', detail: `SCIM User "${scim.user_name}" is inactive (unassigned or disabled in Entra); SAML sign-in neither re-activates nor re-creates them.`, report };
  if (scim.target_kind === 'user') {
    const user = await getUser(tx, accountId, scim.target_id);
    if (!user) return { kind: 'refused', reason: 'not_provisioned', detail: `SCIM User "${scim.user_name}" has no white-label user.`, report };
    const refused = refusedIfDeactivated(user, `white-label user "${user.name}"`, report);
    if (refused) return refused;
    report.target = { type: 'user', id: user.id, name: user.name, created: false };
    return { kind: 'signed_in', principal: { kind: 'user', id: user.id, name: user.name }, actingUserId: null, chooseUser: false, report };
  }
  const sub = await getSubaccount(tx, accountId, scim.target_id);
  if (!sub) return { kind: 'refused', reason: 'not_provisioned', detail: `SCIM User "${scim.user_name}" has no subaccount.`, report };
  const refused = refusedIfDeactivated(sub, `subaccount ${sub.email}`, report);
  if (refused) return refused;
  report.adminRole = sub.role === 'admin' ? 'admin' : sub.role === 'manager' ? 'manager' : null;
  report.target = { type: 'subaccount', id: sub.id, name: sub.name, created: false };
  if (sub.role !== 'sso') return { kind: 'signed_in', principal: { kind: 'subaccount', id: sub.id, name: sub.name }, actingUserId: null, chooseUser: false, report };
  const links = await linkedUserIds(tx, sub.id);
  if (links.length === 0) {
    const values = await ssoRoleValuesFor(tx, accountId);
    return { kind: 'no_access', rolesReceived: person.roles, existingUsers: values.map((v) => v.name), expectedRoleValues: values.map((v) => v.roleValue), report };
  }
  const only = links.length === 1 ? links[0]! : null;
  return { kind: 'signed_in', principal: { kind: 'subaccount', id: sub.id, name: sub.name }, actingUserId: only, chooseUser: only === null, report };
}

/** Runs inside the caller's transaction, so the sign-in's writes commit once, together. */
export async function provisionPerson(tx: Tx, accountId: string, ssoType: SsoType, person: MappedPerson, now: Date): Promise<ProvisionOutcome> {
  if (await provisioningOn(tx, accountId)) return signInProvisioned(tx, accountId, ssoType, person);
  const adminRole = adminRoleOf(person.roles);
  // Only the users the roles name: loading every user of the account made each sign-in O(users).
  const roleNames = person.roles.filter((r) => r !== ADMIN_ROLE && r !== MANAGER_ROLE);
  const named = ssoType === 'subaccount' ? await usersByRoleValues(tx, accountId, roleNames) : [];
  const { linked, ignored } = ssoType === 'subaccount' ? linkRoles(person.roles, named) : { linked: [], ignored: roleNames.map((role) => ({ role, why: 'roles only select users in Subaccount (1:n) mode' })) };
  const report: MappingReport = { ssoType, rolesReceived: person.roles, adminRole, linkedUsers: linked.map((u) => u.name), ignoredRoles: ignored, target: null };

  const knownSubaccount = await findSubaccount(tx, accountId, person);
  const refusedSubaccount = refusedIfDeactivated(knownSubaccount, `subaccount ${knownSubaccount?.email}`, report);
  if (refusedSubaccount) return refusedSubaccount;

  if (adminRole) {
    const { row, created } = await upsertSubaccount(tx, accountId, person, adminRole, now);
    await replaceLinks(tx, accountId, row.id, linked.map((u) => u.id), 'sso', now);
    report.target = { type: 'subaccount', id: row.id, name: row.name, created };
    return { kind: 'signed_in', principal: { kind: 'subaccount', id: row.id, name: row.name }, actingUserId: null, chooseUser: false, report };
  }

  if (ssoType === 'user') {
    // A former SSO admin who lost the role keeps no administrative rights.
    const ownUser = await tx.selectFrom('whitelabel_users').select(['name', 'deactivated_at']).where('account_id', '=', accountId).where('sso_subject', '=', person.nameId).executeTakeFirst();
    const refusedUser = refusedIfDeactivated(ownUser, `white-label user "${ownUser?.name}"`, report);
    if (refusedUser) return refusedUser;
    const former = await tx.selectFrom('subaccounts').selectAll().where('account_id', '=', accountId).where('sso_subject', '=', person.nameId).executeTakeFirst();
    if (former && former.role !== 'sso' && former.is_owner === 0) {
      await updateSubaccountRow(tx, accountId, former.id, { role: 'sso', updated_at: now.getTime() });
      await replaceLinks(tx, accountId, former.id, [], 'sso', now);
      await deleteSessionsOf(tx, 'subaccount', former.id);
    }
    const { row, created } = await upsertUser(tx, accountId, person, now);
    report.target = { type: 'user', id: row.id, name: row.name, created };
    return { kind: 'signed_in', principal: { kind: 'user', id: row.id, name: row.name }, actingUserId: null, chooseUser: false, report };
  }

  // Subaccount (1:n): links follow the roles, including losing every link.
  const existing = knownSubaccount;
  if (linked.length === 0) {
    if (existing && existing.sso_subject !== null) await replaceLinks(tx, accountId, existing.id, [], 'sso', now);
    const values = await ssoRoleValuesFor(tx, accountId);
    return { kind: 'no_access', rolesReceived: person.roles, existingUsers: values.map((v) => v.name), expectedRoleValues: values.map((v) => v.roleValue), report };
  }
  const { row, created } = await upsertSubaccount(tx, accountId, person, 'sso', now);
  await replaceLinks(tx, accountId, row.id, linked.map((u) => u.id), 'sso', now);
  report.target = { type: 'subaccount', id: row.id, name: row.name, created };
  const only = linked.length === 1 ? linked[0]!.id : null;
  return { kind: 'signed_in', principal: { kind: 'subaccount', id: row.id, name: row.name }, actingUserId: only, chooseUser: only === null, report };
}
