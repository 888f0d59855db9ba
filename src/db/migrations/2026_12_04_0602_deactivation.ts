import type { Kysely } from 'kysely';

// Issue 12: SCIM deprovisioning marks white-label users and subaccounts as deactivated (no sign-in, no tokens).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('whitelabel_users').addColumn('deactivated_at', 'bigint').execute();
  await db.schema.alterTable('subaccounts').addColumn('deactivated_at', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('subaccounts').dropColumn('deactivated_at').execute();
  await db.schema.alterTable('whitelabel_users').dropColumn('deactivated_at').execute();
}
