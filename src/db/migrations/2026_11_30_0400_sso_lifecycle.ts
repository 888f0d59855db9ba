import type { Kysely } from 'kysely';

// SSO lifecycle: bounded retention of the SSO log (per account, default 14 days) and a lease so that
// only one instance refreshes IdP metadata at a time.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sso_connections').addColumn('log_retention_days', 'integer', (c) => c.notNull().defaultTo(14)).execute();
  // Last refresh attempt, successful or not (metadata_fetched_at stays the last successful read), so a
  // broken metadata URL is retried once per refresh period, not at every check.
  await db.schema.alterTable('sso_connections').addColumn('metadata_checked_at', 'bigint').execute();
  await db.schema
    .createTable('sso_leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sso_log_created_idx').on('sso_log').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('sso_log_created_idx').ifExists().execute();
  await db.schema.dropTable('sso_leases').ifExists().execute();
  await db.schema.alterTable('sso_connections').dropColumn('metadata_checked_at').execute();
  await db.schema.alterTable('sso_connections').dropColumn('log_retention_days').execute();
}
