import type { Db } from '../db/database.js';
import { isDatabaseUnavailable } from '../db/faults.js';
import { encodeContent, type QrContent } from './content/index.js';
import { findRedirectRow } from './store.js';

/** What the redirect needs to answer, resolved from the database at most once per TTL. */
export type RedirectTarget =
  | { found: true; codeId: string; accountId: string; userId: string; destination: string; paused: boolean; expiresAt: number | null }
  | { found: false };

interface Entry {
  target: RedirectTarget;
  freshUntil: number;
}

export interface DestinationCacheOptions {
  /**
   * How long an entry is trusted. Edits on this instance invalidate at once; other
   * instances (scale-out) see an edit within this time. 2 s keeps the database to one
   * lookup per code per 2 s per instance however hot the code is.
   */
  ttlMs?: number;
  maxEntries?: number;
}

/**
 * Short code → destination, an LRU on a Map (insertion order = recency). Unknown codes are
 * cached too, so random probing costs one query per code per TTL. Concurrent misses for one
 * code share one query.
 */
export class DestinationCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<RedirectTarget>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  /** Bumped on every invalidation so that a load that raced with an edit is not cached. */
  private generation = 0;

  constructor(
    private readonly db: Db,
    options: DestinationCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 2000;
    this.maxEntries = options.maxEntries ?? 50_000;
  }

  /** The cached target when fresh (no promise, no allocation), else undefined. */
  peek(shortCode: string, now: number): RedirectTarget | undefined {
    const entry = this.entries.get(shortCode);
    if (!entry || entry.freshUntil <= now) return undefined;
    // Recency is refreshed when an entry is reloaded (every TTL), not on each hit: a
    // delete+set per redirect would cost more than a slightly inexact LRU.
    return entry.target;
  }

  resolve(shortCode: string, now: number): Promise<RedirectTarget> {
    const pending = this.loading.get(shortCode);
    if (pending) return pending;
    const generation = this.generation;
    const load = this.load(shortCode)
      .then(
        (target) => {
          if (generation === this.generation) this.store(shortCode, target, now);
          return target;
        },
        (error: unknown) => {
          // Database unreachable: a printed code keeps working with the destination it last had
          // (nobody can edit it meanwhile); trusted for one more TTL so the database is not asked per scan.
          const stale = this.entries.get(shortCode);
          if (!stale || !isDatabaseUnavailable(error)) throw error;
          if (generation === this.generation) this.store(shortCode, stale.target, now);
          return stale.target;
        },
      )
      .finally(() => this.loading.delete(shortCode));
    this.loading.set(shortCode, load);
    return load;
  }

  invalidate(shortCode: string): void {
    this.generation++;
    this.entries.delete(shortCode);
    this.loading.delete(shortCode);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private store(shortCode: string, target: RedirectTarget, now: number): void {
    this.entries.delete(shortCode);
    this.entries.set(shortCode, { target, freshUntil: now + this.ttlMs });
    if (this.entries.size > this.maxEntries) {
      // Oldest insertion first: entries of hot codes are re-inserted every TTL.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  private async load(shortCode: string): Promise<RedirectTarget> {
    const row = await findRedirectRow(this.db, shortCode);
    if (!row) return { found: false };
    return {
      found: true,
      codeId: row.id,
      accountId: row.account_id,
      userId: row.user_id,
      destination: encodeContent(JSON.parse(row.content) as QrContent),
      paused: row.status === 'paused',
      expiresAt: row.expires_at,
    };
  }
}
