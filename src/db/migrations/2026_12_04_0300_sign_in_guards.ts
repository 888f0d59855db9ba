import type { Kysely } from 'kysely';

// Brute-force guards of the auth domain (issue 9 item 3), shared by every instance:
// - sign_in_throttle: wrong passwords per (account, identifier, client address) and per
//   (account, identifier) across addresses, with a progressive block; never per person row,
//   so unknown identifiers behave exactly like known ones.
// - second_factor_state: wrong TOTP codes per person (progressive lock) and the time step of the
//   last accepted code, so each code works once, on every instance.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sign_in_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('blocked_until', 'bigint')
    .addColumn('last_success_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sign_in_throttle_updated').on('sign_in_throttle').column('updated_at').execute();
  await db.schema
    .createTable('second_factor_state')
    .addColumn('principal_kind', 'text', (c) => c.notNull())
    .addColumn('principal_id', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locks', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'bigint')
    .addColumn('last_step', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('second_factor_state_pk', ['principal_kind', 'principal_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('second_factor_state').ifExists().execute();
  await db.schema.dropTable('sign_in_throttle').ifExists().execute();
}
