import type { Kysely } from 'kysely';

// Issue 11 item 2: each white-label user gets an SSO role value (a space-free key made from its name) and
// the key it is compared by; existing users are filled with unique derived values. Frozen copy of the
// derivation in src/users/role-values.ts as it was on 2026-12-04.
const key = (value: string) => value.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[\s_.\-]+/gu, '');
function derive(name: string): string {
  const words = name.normalize('NFKD').replace(/\p{M}/gu, '').split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('').slice(0, 60) || 'User';
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('whitelabel_users').addColumn('sso_role_value', 'text').execute();
  await db.schema.alterTable('whitelabel_users').addColumn('sso_role_key', 'text').execute();
  const rows = await db.selectFrom('whitelabel_users').select(['id', 'account_id', 'name']).orderBy('created_at').orderBy('id').execute();
  const taken = new Map<string, Set<string>>();
  for (const row of rows as Array<{ id: string; account_id: string; name: string }>) {
    const keys = taken.get(row.account_id) ?? new Set<string>();
    taken.set(row.account_id, keys);
    const base = derive(row.name);
    let value = base;
    for (let n = 2; keys.has(key(value)); n++) value = `${base}${n}`;
    keys.add(key(value));
    await db.updateTable('whitelabel_users').set({ sso_role_value: value, sso_role_key: key(value) }).where('id', '=', row.id).execute();
  }
  await db.schema.createIndex('whitelabel_users_sso_role_key').on('whitelabel_users').columns(['account_id', 'sso_role_key']).unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('whitelabel_users_sso_role_key').execute();
  await db.schema.alterTable('whitelabel_users').dropColumn('sso_role_key').execute();
  await db.schema.alterTable('whitelabel_users').dropColumn('sso_role_value').execute();
}
