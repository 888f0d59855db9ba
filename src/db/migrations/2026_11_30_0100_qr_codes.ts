import type { Kysely } from 'kysely';

// Frozen in time: migrations use Kysely<any> and never import domain types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('qr_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('whitelabel_users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('short_code', 'text', (c) => c.unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('design', 'text', (c) => c.notNull())
    .addColumn('folder', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('qr_codes_account_user_idx').on('qr_codes').columns(['account_id', 'user_id', 'created_at']).execute();
  await db.schema.createIndex('qr_codes_account_folder_idx').on('qr_codes').columns(['account_id', 'folder']).execute();

  await db.schema
    .createTable('qr_code_tags')
    .addColumn('code_id', 'text', (c) => c.notNull().references('qr_codes.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('tag', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('qr_code_tags_pk', ['code_id', 'tag'])
    .execute();
  await db.schema.createIndex('qr_code_tags_account_tag_idx').on('qr_code_tags').columns(['account_id', 'tag']).execute();

  await db.schema
    .createTable('qr_scans')
    .addColumn('code_id', 'text', (c) => c.notNull().references('qr_codes.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('scanned_at', 'bigint', (c) => c.notNull())
    .addColumn('visitor', 'text', (c) => c.notNull())
    .addColumn('device', 'text', (c) => c.notNull())
    .addColumn('os', 'text', (c) => c.notNull())
    .addColumn('country', 'text')
    .addColumn('referrer', 'text')
    .addColumn('is_bot', 'integer', (c) => c.notNull())
    .execute();
  // Every statistic is an aggregate over one code's or one user's scans in a time range.
  await db.schema.createIndex('qr_scans_code_time_idx').on('qr_scans').columns(['code_id', 'scanned_at']).execute();
  await db.schema.createIndex('qr_scans_user_time_idx').on('qr_scans').columns(['user_id', 'scanned_at']).execute();
  await db.schema.createIndex('qr_scans_account_time_idx').on('qr_scans').columns(['account_id', 'scanned_at']).execute();

  await db.schema
    .createTable('qr_account_settings')
    .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
    .addColumn('scan_retention_days', 'integer')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('qr_bulk_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('whitelabel_users.id').onDelete('cascade'))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('processed', 'integer', (c) => c.notNull())
    .addColumn('succeeded', 'integer', (c) => c.notNull())
    .addColumn('report', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['qr_bulk_jobs', 'qr_account_settings', 'qr_scans', 'qr_code_tags', 'qr_codes']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
