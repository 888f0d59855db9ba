import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sso_connections')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('sso_type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('idp_metadata_url', 'text')
    .addColumn('idp_entity_id', 'text')
    .addColumn('idp_sso_url', 'text')
    .addColumn('idp_slo_url', 'text')
    .addColumn('idp_certificates', 'text', (c) => c.notNull())
    .addColumn('attr_first_name', 'text', (c) => c.notNull())
    .addColumn('attr_last_name', 'text', (c) => c.notNull())
    .addColumn('attr_email', 'text', (c) => c.notNull())
    .addColumn('attr_display_name', 'text', (c) => c.notNull())
    .addColumn('attr_role', 'text', (c) => c.notNull())
    .addColumn('allow_idp_initiated', 'integer', (c) => c.notNull())
    .addColumn('allow_sha1', 'integer', (c) => c.notNull())
    .addColumn('clock_skew_seconds', 'integer', (c) => c.notNull())
    .addColumn('email_domains', 'text', (c) => c.notNull())
    .addColumn('sp_private_key', 'text', (c) => c.notNull())
    .addColumn('sp_certificate', 'text', (c) => c.notNull())
    .addColumn('metadata_fetched_at', 'bigint')
    .addColumn('connected_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sso_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('return_to', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sso_replay')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('assertion_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sso_replay_pk', ['account_id', 'assertion_id'])
    .execute();

  await db.schema
    .createTable('sso_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('person', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('fix', 'text')
    .addColumn('failure_code', 'text')
    .addColumn('xml', 'text')
    .addColumn('attributes', 'text')
    .addColumn('mapping', 'text')
    .execute();
  await db.schema.createIndex('sso_log_account_time_idx').on('sso_log').columns(['account_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['sso_log', 'sso_replay', 'sso_requests', 'sso_connections']) await db.schema.dropTable(table).ifExists().execute();
}
