import type { Kysely } from 'kysely';

// The SSO metadata refresh runs under the fleet-wide job lease (ops_leases) like every other job;
// its own lease table is no longer used.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sso_leases').ifExists().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sso_leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}
