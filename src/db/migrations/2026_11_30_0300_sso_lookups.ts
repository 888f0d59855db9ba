import type { Kysely } from 'kysely';

// Every SSO sign-in finds its person by NameID, and every IdP logout its sessions.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('subaccounts_sso_subject_idx').on('subaccounts').columns(['account_id', 'sso_subject']).execute();
  await db.schema.createIndex('whitelabel_users_sso_subject_idx').on('whitelabel_users').columns(['account_id', 'sso_subject']).execute();
  await db.schema.createIndex('whitelabel_users_email_idx').on('whitelabel_users').columns(['account_id', 'email']).execute();
  await db.schema.createIndex('sessions_sso_name_id_idx').on('sessions').columns(['account_id', 'sso_name_id']).execute();
  await db.schema.createIndex('sso_log_person_idx').on('sso_log').columns(['account_id', 'person']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ['sso_log_person_idx', 'sessions_sso_name_id_idx', 'whitelabel_users_email_idx', 'whitelabel_users_sso_subject_idx', 'subaccounts_sso_subject_idx']) await db.schema.dropIndex(index).ifExists().execute();
}
