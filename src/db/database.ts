import type { Kysely, Transaction } from 'kysely';
import type { AccountsTable } from '../accounts/tables.js';
import type { AuditLogTable } from '../audit/tables.js';
import type { ApiTokensTable, PasswordResetsTable, SecondFactorStateTable, SessionsTable, SignInThrottleTable } from '../auth/tables.js';
import type { InstanceSettingsTable } from './instance-settings.js';
import type { QrAccountSettingsTable, QrBulkJobsTable, QrBulkRowsTable, QrCodeTagsTable, QrCodesTable, QrScansTable } from '../qr/tables.js';
import type { SsoConnectionsTable, SsoGroupMappingsTable, SsoLogTable, SsoLogWindowsTable, SsoReplayTable, SsoRequestsTable, SsoSetupLinksTable } from '../sso/tables.js';
import type { LogosTable } from '../logos/tables.js';
import type { SsoDomainsTable } from '../sso/domains/tables.js';
import type { ScimGroupMembersTable, ScimGroupsTable, ScimTokensTable, ScimUsersTable } from '../scim/tables.js';
import type { SubaccountUsersTable, SubaccountsTable } from '../subaccounts/tables.js';
import type { WhitelabelUsersTable } from '../users/tables.js';

// One Database type assembled from each domain's tables (Kysely's habit).
export interface Database {
  accounts: AccountsTable;
  whitelabel_users: WhitelabelUsersTable;
  subaccounts: SubaccountsTable;
  subaccount_users: SubaccountUsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  sign_in_throttle: SignInThrottleTable;
  second_factor_state: SecondFactorStateTable;
  password_resets: PasswordResetsTable;
  instance_settings: InstanceSettingsTable;
  audit_log: AuditLogTable;
  sso_connections: SsoConnectionsTable;
  sso_requests: SsoRequestsTable;
  sso_replay: SsoReplayTable;
  sso_log: SsoLogTable;
  sso_log_windows: SsoLogWindowsTable;
  sso_group_mappings: SsoGroupMappingsTable;
  sso_domains: SsoDomainsTable;
  sso_setup_links: SsoSetupLinksTable;
  qr_codes: QrCodesTable;
  qr_code_tags: QrCodeTagsTable;
  qr_scans: QrScansTable;
  qr_account_settings: QrAccountSettingsTable;
  qr_bulk_jobs: QrBulkJobsTable;
  qr_bulk_rows: QrBulkRowsTable;
  logos: LogosTable;
  scim_tokens: ScimTokensTable;
  scim_users: ScimUsersTable;
  scim_groups: ScimGroupsTable;
  scim_group_members: ScimGroupMembersTable;
}

export type Db = Kysely<Database>;
/** Store functions that must run inside a transaction take this type. */
export type Tx = Transaction<Database>;
export type Engine = 'sqlite' | 'postgres';
