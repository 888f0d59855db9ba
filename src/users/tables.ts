/** A white-label user: a separate QR space with its own quota, permissions and sign-in. */
export interface WhitelabelUsersTable {
  id: string;
  account_id: string;
  name: string;
  email: string | null;
  /** Sign-in name; null for users that only exist through SSO or impersonation. */
  username: string | null;
  password_hash: string | null;
  totp_secret: string | null;
  max_codes: number;
  /** JSON array of feature names, see USER_FEATURES in users/schemas.ts. */
  features: string;
  short_domain: string | null;
  locale: string | null;
  failed_logins: number;
  locked_until: number | null;
  sso_subject: string | null;
  /** SSO role value (issue 11): matched against IdP roles via sso_role_key (see role-values.ts). Null only for rows written by old code. */
  sso_role_value: string | null;
  sso_role_key: string | null;
  /** Set when SCIM deactivated the person: no sign-in of any kind, no API token; the space and its codes stay. */
  deactivated_at: number | null;
  created_at: number;
  updated_at: number;
}
