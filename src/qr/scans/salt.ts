import { createHash } from 'node:crypto';
import type { Db } from '../../db/database.js';
import { deleteSettings, settingKeysWithPrefix, sharedSetting } from '../../db/instance-settings.js';
import { newSecret } from '../../platform/ids.js';

const DAY_MS = 86_400_000;
const KEY_PREFIX = 'qr_scan_salt:';

export const utcDay = (epochMs: number): number => Math.floor(epochMs / DAY_MS);
export const dayString = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/**
 * Unique visitors without cookies and without storing an IP: visitor = sha256(salt of the
 * UTC day, IP, user agent), truncated to 64 bits. The salt is random, kept in
 * instance_settings so every instance hashes alike, and deleted after two days: from then
 * on nobody, not even the operator, can link a hash back to an IP or across days.
 */
export class DailySalts {
  private readonly cache = new Map<number, string>();

  constructor(private readonly db: Db) {}

  async saltFor(day: number): Promise<string> {
    const cached = this.cache.get(day);
    if (cached) return cached;
    const key = `${KEY_PREFIX}${dayString(day)}`;
    // Two instances racing on the first scan of a day agree on one salt.
    const salt = await sharedSetting(this.db, key, () => newSecret(32));
    if (this.cache.size > 4) this.cache.clear();
    this.cache.set(day, salt);
    return salt;
  }

  /** Forgets salts older than yesterday (yesterday's is kept for scans queued around midnight). */
  async purge(today: number): Promise<void> {
    const keep = new Set([dayString(today), dayString(today - 1), dayString(today + 1)].map((d) => `${KEY_PREFIX}${d}`));
    const old = (await settingKeysWithPrefix(this.db, KEY_PREFIX)).filter((key) => !keep.has(key));
    await deleteSettings(this.db, old);
    for (const day of this.cache.keys()) if (day < today - 1) this.cache.delete(day);
  }
}

export function visitorHash(salt: string, ip: string, userAgent: string): string {
  return createHash('sha256').update(salt).update('\0').update(ip).update('\0').update(userAgent).digest('hex').slice(0, 16);
}
