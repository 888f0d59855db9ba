import type { ColumnType } from 'kysely';
/** 'sso_setup': a session opened with an SSO set-up link (principal_id = the link's id). */
export type PrincipalKind = 'subaccount' | 'user' | 'sso_setup';

export interface SessionsTable {
  id: string;
  /** sha256 of the secret half of the token; the token itself is never stored. */
  secret_hash: string;
  account_id: string;
  principal_kind: PrincipalKind;
  principal_id: string;
  /** The white-label user an administrator, manager or team leader works as. */
  acting_user_id: string | null;
  two_factor_pending: number;
  sso_name_id: string | null;
  sso_session_index: string | null;
  /** The NameID's Format, NameQualifier and SPNameQualifier exactly as the assertion carried them (single logout). */
  sso_name_id_format: ColumnType<string | null, string | null | undefined, string | null>;
  sso_name_qualifier: ColumnType<string | null, string | null | undefined, string | null>;
  sso_sp_name_qualifier: ColumnType<string | null, string | null | undefined, string | null>;
  /** Hard end (SSO: SessionNotOnOrAfter or the account's SSO session lifetime); the sliding expiry never passes it. */
  absolute_expires_at: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: number;
  expires_at: number;
  refreshed_at: number;
}

export interface ApiTokensTable {
  id: string;
  account_id: string;
  /** null: an account token (administrator rights); else the white-label user's own space. */
  user_id: string | null;
  name: string;
  secret_hash: string;
  created_by: string;
  created_at: number;
  last_used_at: number | null;
}

/** Wrong passwords per (account, identifier, address) or per (account, identifier); see auth/throttle.ts. */
export interface SignInThrottleTable {
  /** "pair:" or "all:" and a sha256 of the parts, so no identifier or address is stored in clear. */
  key: string;
  failures: number;
  /** How many blocks so far: each one lasts twice as long as the one before. */
  locks: number;
  blocked_until: number | null;
  /** pair rows: the last correct password from this address, which exempts it from the "all" block. */
  last_success_at: number | null;
  updated_at: number;
}

/** Wrong TOTP codes of a person and the time step of the last accepted code; see auth/second-factor.ts. */
export interface SecondFactorStateTable {
  principal_kind: PrincipalKind;
  principal_id: string;
  failures: number;
  locks: number;
  locked_until: number | null;
  last_step: number | null;
  updated_at: number;
}

/** "Forgot password" links (auth/password-reset.ts): single use, short-lived; the token itself is never stored. */
export interface PasswordResetsTable {
  /** sha256 (hex) of the token in the mailed link. */
  token_hash: string;
  account_id: string;
  principal_kind: PrincipalKind;
  principal_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}
