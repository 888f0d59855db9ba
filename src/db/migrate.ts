import { Migrator, type Migration, type MigrationProvider, type MigrationResult } from 'kysely';
import type { Db } from './database.js';
import { isDatabaseUnavailable } from './faults.js';
import * as foundation from './migrations/2026_11_29_0001_foundation.js';
import * as qrCodes from './migrations/2026_11_30_0100_qr_codes.js';
import * as sso from './migrations/2026_11_30_0200_sso.js';
import * as ssoLookups from './migrations/2026_11_30_0300_sso_lookups.js';
import * as ssoLifecycle from './migrations/2026_11_30_0400_sso_lifecycle.js';
import * as ops from './migrations/2026_11_30_0500_ops.js';
import * as spKeyRotation from './migrations/2026_11_30_0600_sp_key_rotation.js';
import * as ssoEntraCases from './migrations/2026_12_04_0701_sso_entra_cases.js';
import * as dropSsoLeases from './migrations/2026_12_04_0900_drop_sso_leases.js';
import * as qrSearchText from './migrations/2026_12_04_1201_qr_search_text.js';
import * as ssoLogBudget from './migrations/2026_12_04_0401_sso_log_budget.js';
import * as bulkJobRecovery from './migrations/2026_12_04_0501_bulk_job_recovery.js';
import * as signInGuards from './migrations/2026_12_04_0300_sign_in_guards.js';
import * as logosByHash from './migrations/2026_12_04_0502_logos_by_hash.js';
import * as ssoDomains from './migrations/2026_12_04_0402_sso_domains.js';
import * as ssoRoleValues from './migrations/2026_12_04_0601_sso_role_values.js';
import * as deactivation from './migrations/2026_12_04_0602_deactivation.js';
import * as scim from './migrations/2026_12_04_0603_scim.js';
import * as accountFrontDoor from './migrations/2026_12_04_1000_account_front_door.js';
import * as ssoSetupLinks from './migrations/2026_12_04_0801_sso_setup_links.js';
import * as passwordResets from './migrations/2026_12_04_1101_password_resets.js';

// Listed explicitly (not read from a folder) so that the compiled and the tsx
// builds see the same migrations, in the same order.
export const MIGRATIONS: Record<string, Migration> = {
  '2026_11_29_0001_foundation': foundation,
  '2026_11_30_0100_qr_codes': qrCodes,
  '2026_11_30_0200_sso': sso,
  '2026_11_30_0300_sso_lookups': ssoLookups,
  '2026_11_30_0400_sso_lifecycle': ssoLifecycle,
  '2026_11_30_0500_ops': ops,
  '2026_11_30_0600_sp_key_rotation': spKeyRotation,
  '2026_12_04_0701_sso_entra_cases': ssoEntraCases,
  '2026_12_04_0900_drop_sso_leases': dropSsoLeases,
  '2026_12_04_1201_qr_search_text': qrSearchText,
  '2026_12_04_0401_sso_log_budget': ssoLogBudget,
  '2026_12_04_0501_bulk_job_recovery': bulkJobRecovery,
  '2026_12_04_0300_sign_in_guards': signInGuards,
  '2026_12_04_0502_logos_by_hash': logosByHash,
  '2026_12_04_0402_sso_domains': ssoDomains,
  '2026_12_04_0601_sso_role_values': ssoRoleValues,
  '2026_12_04_0602_deactivation': deactivation,
  '2026_12_04_0603_scim': scim,
  '2026_12_04_1000_account_front_door': accountFrontDoor,
  '2026_12_04_0801_sso_setup_links': ssoSetupLinks,
  '2026_12_04_1101_password_resets': passwordResets,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/** `schema`: keep Kysely's bookkeeping tables in that PostgreSQL schema too (tests use one schema each). */
/**
 * Kysely's migrator first reads the catalogue of every schema it may use (has_schema_privilege over
 * pg_namespace); a schema that another client drops at that moment makes the read fail with
 * invalid_schema_name (3F000) before any migration ran. Several Blanca databases in one PostgreSQL
 * (a test run, several tenants of a host) hit that: the read is simply tried again.
 */
function isConcurrentSchemaDrop(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '3F000';
}

export async function migrateToLatest(db: Db, schema?: string): Promise<MigrationResult[]> {
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  let { error, results } = await migrator.migrateToLatest();
  for (let attempt = 1; error && isConcurrentSchemaDrop(error) && (results ?? []).length === 0 && attempt <= 5; attempt++) {
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) {
    // Not reaching the database is no migration's fault: let the caller see (and retry) the connection error.
    if (isDatabaseUnavailable(error)) throw error;
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return results ?? [];
}
