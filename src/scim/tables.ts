// SCIM 2.0 provisioning (issue 12): written only by src/scim/store.ts.

/** Bearer tokens Entra's provisioning service uses; only sha256(secret) is stored. */
export interface ScimTokensTable {
  id: string;
  account_id: string;
  name: string;
  secret_hash: string;
  created_by: string;
  created_at: number;
  last_used_at: number | null;
}

/** A SCIM User: the attributes Entra sent, and the Blanca person it stands for. */
export interface ScimUsersTable {
  id: string;
  account_id: string;
  user_name: string;
  /** lower-case userName: unique per account (userName is caseExact false). */
  user_name_key: string;
  external_id: string | null;
  display_name: string | null;
  active: number;
  /** JSON: the resource as Entra last set it, without id and meta. */
  attributes: string;
  /** 'user' (white-label user, 1:1) or 'subaccount' (1:n, or an administrator/manager role). */
  target_kind: 'user' | 'subaccount' | null;
  target_id: string | null;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface ScimGroupsTable {
  id: string;
  account_id: string;
  display_name: string;
  /** lower-case displayName: unique per account. */
  display_key: string;
  external_id: string | null;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface ScimGroupMembersTable {
  account_id: string;
  group_id: string;
  user_id: string;
}
