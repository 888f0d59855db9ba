import type { Actor } from './actor.js';
import type { Db } from '../db/database.js';

/** What every domain service call receives: storage, the time, and who asks. */
export interface ServiceContext {
  db: Db;
  now: Date;
  actor: Actor;
}
