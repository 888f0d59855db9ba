import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

// Email domains route sign-ins only once verified (DNS TXT or the operator), for one account only.
// The domains accounts had listed become pending claims: never verified silently.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sso_domains')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('token', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'bigint')
    .addColumn('verified_by', 'text')
    .addColumn('checked_at', 'bigint')
    .addColumn('last_check_error', 'text')
    .addUniqueConstraint('sso_domains_account_domain_unique', ['account_id', 'domain'])
    .execute();
  await db.schema.createIndex('sso_domains_verified_unique').on('sso_domains').column('domain').unique().where(sql.ref('state'), '=', 'verified').execute();

  const connections = await db.selectFrom('sso_connections').select(['account_id', 'email_domains', 'created_at']).execute();
  for (const connection of connections as Array<{ account_id: string; email_domains: string; created_at: number }>) {
    const domains = [...new Set((JSON.parse(connection.email_domains) as string[]).map((d) => d.toLowerCase().replace(/\.$/, '')))];
    for (const domain of domains) {
      await db
        .insertInto('sso_domains')
        .values({ id: randomUUID(), account_id: connection.account_id, domain, token: randomBytes(16).toString('base64url'), state: 'pending', created_at: Number(connection.created_at), created_by: 'migration (listed before verification existed)' })
        .execute();
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sso_domains').ifExists().execute();
}
