import type { Config } from '../config.js';
import type { Db, Engine } from '../db/database.js';
import type { Clock } from '../platform/clock.js';
import type { Catalogue } from '../platform/i18n.js';

/** What the infrastructure hands every domain's routes; nothing else is global. */
export interface AppDeps {
  db: Db;
  engine: Engine;
  config: Config;
  clock: Clock;
  /** Instance-wide secret for CSRF tokens (shared by every instance through the database). */
  secretKey: string;
  /** Every portal text in every language (src/messages.ts). */
  messages: Catalogue;
}
