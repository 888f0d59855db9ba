import type { Kysely } from 'kysely';

// Background-job leases: one row per job; the instance whose lease has not expired runs it
// (src/ops/lease.ts). Used on PostgreSQL only; on SQLite there is a single process.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ops_leases')
    .addColumn('name', 'varchar(100)', (c) => c.primaryKey())
    .addColumn('owner', 'varchar(100)', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ops_leases').ifExists().execute();
}
