import type { Config } from './config.js';
import { createAccountWithOwner } from './accounts/service.js';
import { listAccounts } from './accounts/store.js';
import type { Db } from './db/database.js';
import { sharedSetting } from './db/instance-settings.js';
import { newSecret } from './platform/ids.js';

/** The CSRF secret all instances share: from SECRET_KEY, else created once in the database. */
export async function instanceSecret(db: Db, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  return sharedSetting(db, 'secret_key', () => newSecret(32));
}

export interface FirstStart {
  accountSlug: string;
  email: string;
  /** Only when Blanca generated it: shown once on the console. */
  generatedPassword: string | null;
}

/** On the very first start, an account and its owner, so there is someone to sign in as. */
export async function ensureFirstAccount(db: Db, config: Config, now: Date): Promise<FirstStart | null> {
  if ((await listAccounts(db)).length > 0) return null;
  const created = await createAccountWithOwner(db, { name: config.BLANCA_ACCOUNT_NAME, ownerEmail: config.BLANCA_ADMIN_EMAIL, ownerPassword: config.BLANCA_ADMIN_PASSWORD }, now);
  return { accountSlug: created.account.slug, email: config.BLANCA_ADMIN_EMAIL, generatedPassword: created.generatedPassword ? created.ownerPassword : null };
}
