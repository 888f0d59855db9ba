import type { ColumnType } from 'kysely';

export type SsoType = 'user' | 'subaccount';

/** One SAML connection per account: the account's IdP and Blanca's SP keys for it. */
export interface SsoConnectionsTable {
  account_id: string;
  sso_type: SsoType;
  /** 'draft' until Connect succeeds; only 'connected' accepts sign-ins. */
  status: 'draft' | 'connected';
  idp_metadata_url: string | null;
  idp_entity_id: string | null;
  idp_sso_url: string | null;
  idp_slo_url: string | null;
  /** JSON array of PEM bodies: every signing certificate the IdP lists (rollover). */
  idp_certificates: string;
  attr_first_name: string;
  attr_last_name: string;
  attr_email: string;
  attr_display_name: string;
  attr_role: string;
  allow_idp_initiated: number;
  allow_sha1: number;
  clock_skew_seconds: number;
  /** Email domains whose people are sent to this IdP from the sign-in page. */
  email_domains: string;
  sp_private_key: string;
  sp_certificate: string;
  /** The next SP key pair during a rotation (both certificates are published); null otherwise. */
  sp_next_private_key: ColumnType<string | null, string | null | undefined, string | null>;
  sp_next_certificate: ColumnType<string | null, string | null | undefined, string | null>;
  sp_rotation_started_at: ColumnType<number | null, number | null | undefined, number | null>;
  /** 1: AuthnRequests are signed with the current SP key (AuthnRequestsSigned="true" in the SP metadata). */
  sign_authn_requests: ColumnType<number, number | undefined, number>;
  /** 1: the assertion itself must be signed (WantAssertionsSigned="true"); 0: a Response signature over it suffices. */
  require_signed_assertions: ColumnType<number, number | undefined, number>;
  /** Hours an SSO session lasts when the assertion gives no SessionNotOnOrAfter. */
  session_lifetime_hours: ColumnType<number, number | undefined, number>;
  /** 1: password sign-in is off for everyone but the account owner (break-glass). */
  enforce_sso: ColumnType<number, number | undefined, number>;
  /** The groups claim (Entra: object IDs, or names of cloud groups assigned to the application). */
  attr_groups: ColumnType<string, string | undefined, string>;
  metadata_fetched_at: number | null;
  /** Days the SSO log (with the XML it holds) is kept; the clean-up job deletes older entries. */
  log_retention_days: ColumnType<number, number | undefined, number>;
  /** Last metadata refresh attempt (successful or not); the schedule refreshes by this. */
  metadata_checked_at: ColumnType<number | null, number | null | undefined, number | null>;
  connected_at: number | null;
  created_at: number;
  updated_at: number;
}

/** AuthnRequest ids Blanca sent and not yet seen answered (InResponseTo), shared by all instances. */
export interface SsoRequestsTable {
  id: string;
  account_id: string;
  /** Blanca path to return to after sign-in (deep link), checked to be local. */
  return_to: string;
  /** 'signin' or 'test' (Test connection ends on a report instead of a session). */
  purpose: string;
  created_at: number;
  expires_at: number;
}

/** One-time use of assertions: an id seen once is refused until it would have expired anyway. */
export interface SsoReplayTable {
  account_id: string;
  assertion_id: string;
  expires_at: number;
}

/** The SSO log: every SAML exchange an administrator may need to see. */
export interface SsoLogTable {
  id: string;
  account_id: string;
  created_at: number;
  /** 'in' (from the IdP) or 'out' (to the IdP). */
  direction: 'in' | 'out';
  /** authn_request, response, logout_request, logout_response, metadata, test */
  kind: string;
  outcome: 'success' | 'failure' | 'info';
  /** NameID or email of the person, for search. */
  person: string | null;
  /** Plain-words result: why it failed, or what it did. */
  summary: string;
  /** What to try when it failed. */
  fix: string | null;
  failure_code: string | null;
  /** The decoded XML (Blanca's own secrets never appear in messages). */
  xml: string | null;
  /** JSON: attributes received (name → values). */
  attributes: string | null;
  /** JSON: the mapping result (user/subaccount, roles used and ignored). */
  mapping: string | null;
  /** Anonymous entries: sha256 of failure code and XML, so each distinct message keeps its XML once. */
  message_digest: ColumnType<string | null, string | null | undefined, string | null>;
  /** Summary rows of an hour's anonymous traffic past the cap: how many more were only counted. */
  repeats: ColumnType<number | null, number | null | undefined, number | null>;
  /** JSON `{ summary: {key, params}, fix?: {key, params} }`: catalogue keys, so each reader sees their language; null on older entries. */
  messages: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Hourly counter of anonymous SSO log entries per account and kind ('failure', 'start'). */
export interface SsoLogWindowsTable {
  account_id: string;
  window_start: number;
  kind: string;
  entries: number;
}

/** Group claim value → a white-label user (`user:<id>`) or a role (`role:administrator`, `role:manager`). */
export interface SsoGroupMappingsTable {
  account_id: string;
  group_value: string;
  target: string;
  created_at: number;
}

/** A set-up link: lets the customer's IT contact open only the SSO tab of one account until it expires or is revoked. */
export interface SsoSetupLinksTable {
  id: string;
  account_id: string;
  /** sha256 of the link's secret; the link itself is shown once. */
  token_hash: string;
  /** Who it is for (e.g. "Contoso IT"), shown in the list and the audit log. */
  label: string;
  created_by: string;
  created_by_label: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoked_by: string | null;
  last_used_at: number | null;
}
