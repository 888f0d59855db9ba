import type { Kysely } from 'kysely';

// Rotation of Blanca's own SP key per account: a next key pair published next to the current one
// during the overlap, and the optional signing of AuthnRequests.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sso_connections').addColumn('sp_next_private_key', 'text').execute();
  await db.schema.alterTable('sso_connections').addColumn('sp_next_certificate', 'text').execute();
  await db.schema.alterTable('sso_connections').addColumn('sp_rotation_started_at', 'bigint').execute();
  await db.schema.alterTable('sso_connections').addColumn('sign_authn_requests', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sso_connections').dropColumn('sign_authn_requests').execute();
  await db.schema.alterTable('sso_connections').dropColumn('sp_rotation_started_at').execute();
  await db.schema.alterTable('sso_connections').dropColumn('sp_next_certificate').execute();
  await db.schema.alterTable('sso_connections').dropColumn('sp_next_private_key').execute();
}
