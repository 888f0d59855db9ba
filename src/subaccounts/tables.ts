export type SubaccountRole = 'admin' | 'manager' | 'team_leader' | 'sso';

/** A person who signs in to the administration side with a role. */
export interface SubaccountsTable {
  id: string;
  account_id: string;
  email: string;
  name: string;
  role: SubaccountRole;
  password_hash: string | null;
  totp_secret: string | null;
  is_owner: number;
  locale: string | null;
  failed_logins: number;
  locked_until: number | null;
  /** NameID of the IdP person for subaccounts made or matched by SSO. */
  sso_subject: string | null;
  /** Set when SCIM deactivated the person: no sign-in of any kind until reactivated. */
  deactivated_at: number | null;
  created_at: number;
  updated_at: number;
}

/** Which white-label users a team leader or SSO subaccount may work as. */
export interface SubaccountUsersTable {
  account_id: string;
  subaccount_id: string;
  user_id: string;
  /** 'manual' (assigned in the portal) or 'sso' (follows the IdP roles). */
  source: 'manual' | 'sso';
  created_at: number;
}
