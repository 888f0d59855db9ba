import type { Db } from './database.js';

/**
 * Instance-wide secrets shared by every instance of a fleet (the CSRF secret, the daily scan salts),
 * in the key–value table `instance_settings`. It is infrastructure, like the connection itself:
 * the domains keep their keys apart by prefix and write only through these functions.
 */
export interface InstanceSettingsTable {
  key: string;
  value: string;
}

/**
 * The value stored under `key`, created from `create()` the first time. Insert-if-absent then read,
 * so two instances racing on the first use agree on one value.
 */
export async function sharedSetting(db: Db, key: string, create: () => string): Promise<string> {
  await db.insertInto('instance_settings').values({ key, value: create() }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const row = await db.selectFrom('instance_settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}

export async function settingKeysWithPrefix(db: Db, prefix: string): Promise<string[]> {
  // LIKE's `_` matches any character: the exact prefix test is done here, alike on both engines.
  const rows = await db.selectFrom('instance_settings').select('key').where('key', 'like', `${prefix}%`).execute();
  return rows.map((r) => r.key).filter((key) => key.startsWith(prefix));
}

export async function deleteSettings(db: Db, keys: readonly string[]): Promise<void> {
  if (keys.length > 0) await db.deleteFrom('instance_settings').where('key', 'in', keys).execute();
}
