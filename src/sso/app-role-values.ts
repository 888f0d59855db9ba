import { ADMIN_ROLE, MANAGER_ROLE } from './provision.js';

export interface AppRoleValue {
  /** The app-role value to create at the IdP (Entra: Value). */
  value: string;
  kind: 'user' | 'admin' | 'manager';
  /** The white-label user the value selects (kind 'user'). */
  userName: string | null;
}

/** The app-role values an IdP needs for this account: each white-label user's SSO role value, then the two administrative roles. */
export function appRoleValues(users: ReadonlyArray<{ name: string; roleValue: string }>): AppRoleValue[] {
  return [
    ...users.map((u) => ({ value: u.roleValue, kind: 'user' as const, userName: u.name })).sort((a, b) => a.value.localeCompare(b.value)),
    { value: ADMIN_ROLE, kind: 'admin', userName: null },
    { value: MANAGER_ROLE, kind: 'manager', userName: null },
  ];
}
