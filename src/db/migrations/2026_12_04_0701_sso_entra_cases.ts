import type { Kysely } from 'kysely';

// Issue 11 (every way Entra is really configured): response-only signing, the NameID exactly as received
// for single logout, SSO sessions that follow the IdP, enforce SSO, and group claims.
export async function up(db: Kysely<any>): Promise<void> {
  // "Require signed assertions" (WantAssertionsSigned); off: a Response signature over the assertion suffices.
  await db.schema.alterTable('sso_connections').addColumn('require_signed_assertions', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // "SSO session lifetime" when the assertion has no SessionNotOnOrAfter.
  await db.schema.alterTable('sso_connections').addColumn('session_lifetime_hours', 'integer', (c) => c.notNull().defaultTo(12)).execute();
  // "Enforce SSO": password sign-in off for everyone but the owner.
  await db.schema.alterTable('sso_connections').addColumn('enforce_sso', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('sso_connections').addColumn('attr_groups', 'text', (c) => c.notNull().defaultTo('http://schemas.microsoft.com/ws/2008/06/identity/claims/groups')).execute();

  // The NameID as the assertion carried it, for the LogoutRequest; and a hard end the sliding expiry never passes.
  await db.schema.alterTable('sessions').addColumn('sso_name_id_format', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('sso_name_qualifier', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('sso_sp_name_qualifier', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('absolute_expires_at', 'bigint').execute();

  // Group claim value → white-label user ('user:<id>') or role ('role:administrator' / 'role:manager').
  await db.schema
    .createTable('sso_group_mappings')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('group_value', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sso_group_mappings_pk', ['account_id', 'group_value', 'target'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sso_group_mappings').ifExists().execute();
  for (const column of ['absolute_expires_at', 'sso_sp_name_qualifier', 'sso_name_qualifier', 'sso_name_id_format']) await db.schema.alterTable('sessions').dropColumn(column).execute();
  for (const column of ['attr_groups', 'enforce_sso', 'session_lifetime_hours', 'require_signed_assertions']) await db.schema.alterTable('sso_connections').dropColumn(column).execute();
}
