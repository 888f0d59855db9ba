import type { Kysely } from 'kysely';

// Anonymous SAML traffic cannot fill the disk: the SSO log keeps one XML per distinct message
// (message_digest), and an hourly counter per account and kind caps the rows, the rest counted
// into one summary row (repeats).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sso_log').addColumn('message_digest', 'text').execute();
  await db.schema.alterTable('sso_log').addColumn('repeats', 'integer').execute();
  await db.schema.createIndex('sso_log_account_digest_idx').on('sso_log').columns(['account_id', 'message_digest']).execute();
  await db.schema
    .createTable('sso_log_windows')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('entries', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('sso_log_windows_pk', ['account_id', 'window_start', 'kind'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sso_log_windows').ifExists().execute();
  await db.schema.dropIndex('sso_log_account_digest_idx').ifExists().execute();
  await db.schema.alterTable('sso_log').dropColumn('repeats').execute();
  await db.schema.alterTable('sso_log').dropColumn('message_digest').execute();
}
