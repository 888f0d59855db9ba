import type { SubaccountRole } from '../subaccounts/tables.js';
import type { Actor } from './actor.js';

// The whole permission model in one table-like module (SPEC §1). The
// permission-matrix test walks every role through every action against it.
export type Permission =
  | 'account.manage' // settings, branding, SSO, account API tokens
  | 'sso.configure' // the SSO tab: connect, read metadata, test connection, SSO log (administrators and SSO set-up links)
  | 'users.manage' // create, edit, delete white-label users
  | 'subaccounts.manage'
  | 'audit.read';

const ROLE_PERMISSIONS: Record<SubaccountRole, readonly Permission[]> = {
  admin: ['account.manage', 'sso.configure', 'users.manage', 'subaccounts.manage', 'audit.read'],
  manager: ['users.manage', 'subaccounts.manage', 'audit.read'],
  team_leader: [],
  sso: [],
};

export function hasPermission(actor: Actor, permission: Permission): boolean {
  switch (actor.kind) {
    case 'subaccount':
      return ROLE_PERMISSIONS[actor.role].includes(permission);
    case 'token':
      // An account token carries administrator rights; a user token only its space.
      return actor.userId === null;
    case 'user':
      return false;
    case 'sso_setup':
      return permission === 'sso.configure';
  }
}

/** Sees every white-label user of the account (administrators, managers, account tokens). */
export function seesAllUsers(actor: Actor): boolean {
  return hasPermission(actor, 'users.manage');
}

/** Whether the actor may see a white-label user and work in its space. */
export function canAccessUser(actor: Actor, userId: string): boolean {
  if (seesAllUsers(actor)) return true;
  switch (actor.kind) {
    case 'subaccount':
      return actor.linkedUserIds.includes(userId);
    case 'user':
      return actor.id === userId;
    case 'token':
      return actor.userId === userId;
    case 'sso_setup':
      return false;
  }
}

/** Roles an actor may give or take away: a manager never creates or edits an administrator. */
export function canManageRole(actor: Actor, role: SubaccountRole): boolean {
  if (!hasPermission(actor, 'subaccounts.manage')) return false;
  if (actor.kind === 'subaccount' && actor.role === 'manager') return role !== 'admin';
  return true;
}
