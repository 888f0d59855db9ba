import type { Kysely } from 'kysely';

// White-label front door: an account's own portal host name (unique, lower case).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('portal_domain', 'text').execute();
  await db.schema.createIndex('accounts_portal_domain_unique').on('accounts').column('portal_domain').unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('accounts_portal_domain_unique').execute();
  await db.schema.alterTable('accounts').dropColumn('portal_domain').execute();
}
