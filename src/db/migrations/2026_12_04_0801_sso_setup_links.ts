import type { Kysely } from 'kysely';

// SSO set-up links: an administrator lets the customer's IT contact open only the SSO tab of one
// account, for a limited time. Only sha256 of the link's secret is stored. The SSO log also keeps the
// message keys of its summary and fix, so each reader sees them in their own language.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sso_setup_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_by_label', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('revoked_by', 'text')
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('sso_setup_links_account').on('sso_setup_links').columns(['account_id', 'created_at']).execute();
  await db.schema.alterTable('sso_log').addColumn('messages', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sso_log').dropColumn('messages').execute();
  await db.schema.dropTable('sso_setup_links').execute();
}
