export interface AccountsTable {
  id: string;
  name: string;
  /** Short name people type on the sign-in page to reach their account. */
  slug: string;
  logo_url: string | null;
  /** The account's own portal host name (CNAME to the platform), lower case, unique. */
  portal_domain: string | null;
  primary_color: string;
  accent_color: string;
  /** Operator switch: SSO is an enterprise feature. */
  sso_enabled: number;
  /** When 1, administrators must use TOTP two-factor authentication. */
  require_admin_2fa: number;
  default_locale: string;
  created_at: number;
  updated_at: number;
}
