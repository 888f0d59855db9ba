import type { Db } from '../db/database.js';
import { sha256Hex } from '../platform/ids.js';
import { blockDuration, QUIET_RESET_MS, type AttemptPolicy } from './attempts.js';

// Wrong-password throttle (issue 9 item 3), in the database so every instance shares it.
//
// Why not a lock on the person: anyone who knows an email could keep that person locked out for
// ever by sending five wrong passwords every 15 minutes, and a lock only known people get tells
// which emails exist. Instead the count is kept per identifier *as typed* (existing or not, so the
// answers are the same) and per client address:
// - pair (account, identifier, address): 5 free attempts, then 15 min, 30 min, … up to 4 h. A
//   stranger only ever blocks their own address.
// - all (account, identifier) across addresses: 20 free attempts, then the same doubling. It stops
//   guessing spread over many addresses, and never applies to an address where this identifier
//   signed in correctly in the last 30 days, so the person keeps their usual devices.
// An attempt is counted *before* the password is checked, atomically, so parallel requests cannot
// slip more guesses past the limit than it allows.
export const PAIR_POLICY: AttemptPolicy = { free: 5, firstBlockMs: 15 * 60_000, maxBlockMs: 4 * 3600_000 };
export const IDENTIFIER_POLICY: AttemptPolicy = { free: 20, firstBlockMs: 15 * 60_000, maxBlockMs: 4 * 3600_000 };
const TRUSTED_SOURCE_MS = 30 * 24 * 3600_000;

export interface ThrottleSubject {
  accountId: string;
  identifier: string;
  /** The client address (request.ip: only trusted proxies may change it). */
  source: string;
}

const normalise = (identifier: string) => identifier.trim().toLowerCase();
const pairKey = (s: ThrottleSubject) => `pair:${sha256Hex(`${s.accountId}\n${normalise(s.identifier)}\n${s.source}`)}`;
const identifierKey = (s: ThrottleSubject) => `all:${sha256Hex(`${s.accountId}\n${normalise(s.identifier)}`)}`;

type Claim = { ok: true; key: string; failures: number; trusted: boolean } | { ok: false; retryAfterMs: number };

async function claim(db: Db, key: string, policy: AttemptPolicy, now: number): Promise<Claim> {
  await db.insertInto('sign_in_throttle').values({ key, failures: 0, locks: 0, blocked_until: null, last_success_at: null, updated_at: now }).onConflict((oc) => oc.column('key').doNothing()).execute();
  const quiet = now - QUIET_RESET_MS;
  const row = await db
    .updateTable('sign_in_throttle')
    .set((eb) => ({
      failures: eb.case().when('updated_at', '<', quiet).then(1).else(eb('failures', '+', 1)).end(),
      locks: eb.case().when('updated_at', '<', quiet).then(0).else(eb.ref('locks')).end(),
      updated_at: now,
    }))
    .where('key', '=', key)
    .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<=', now)]))
    .returning(['failures', 'last_success_at'])
    .executeTakeFirst();
  if (row && row.failures <= policy.free) return { ok: true, key, failures: row.failures, trusted: row.last_success_at !== null && row.last_success_at > now - TRUSTED_SOURCE_MS };
  // Over the limit without a block yet (parallel attempts, or a crash before the block was
  // written): block now, so the row can never stay refused without an end.
  if (row) await block(db, key, policy, now);
  const current = await db.selectFrom('sign_in_throttle').select('blocked_until').where('key', '=', key).executeTakeFirst();
  return { ok: false, retryAfterMs: Math.max(0, (current?.blocked_until ?? now + policy.firstBlockMs) - now) };
}

async function block(db: Db, key: string, policy: AttemptPolicy, now: number): Promise<number> {
  const row = await db.selectFrom('sign_in_throttle').select('locks').where('key', '=', key).executeTakeFirst();
  const locks = (row?.locks ?? 0) + 1;
  const duration = blockDuration(policy, locks);
  await db.updateTable('sign_in_throttle').set({ failures: 0, locks, blocked_until: now + duration, updated_at: now }).where('key', '=', key).execute();
  return duration;
}

export type Attempt = { allowed: true; settle: (correct: boolean) => Promise<{ blockedForMs: number }> } | { allowed: false; retryAfterMs: number };

/**
 * Counts one password attempt for this identifier from this address. When allowed, `settle`
 * records the outcome: a wrong password may start a block (its length is returned), a correct one
 * clears the counts and marks the address as one this identifier signs in from.
 */
export async function beginPasswordAttempt(db: Db, subject: ThrottleSubject, now: Date): Promise<Attempt> {
  const at = now.getTime();
  const pair = await claim(db, pairKey(subject), PAIR_POLICY, at);
  if (!pair.ok) return { allowed: false, retryAfterMs: pair.retryAfterMs };
  const all = pair.trusted ? null : await claim(db, identifierKey(subject), IDENTIFIER_POLICY, at);
  if (all && !all.ok) return { allowed: false, retryAfterMs: all.retryAfterMs };
  return {
    allowed: true,
    async settle(correct) {
      if (correct) {
        await db.updateTable('sign_in_throttle').set({ failures: 0, locks: 0, blocked_until: null, last_success_at: at, updated_at: at }).where('key', '=', pair.key).execute();
        await db.updateTable('sign_in_throttle').set({ failures: 0, locks: 0, blocked_until: null, updated_at: at }).where('key', '=', identifierKey(subject)).execute();
        return { blockedForMs: 0 };
      }
      let blockedForMs = 0;
      if (pair.failures >= PAIR_POLICY.free) blockedForMs = await block(db, pair.key, PAIR_POLICY, at);
      if (all?.ok && all.failures >= IDENTIFIER_POLICY.free) blockedForMs = Math.max(blockedForMs, await block(db, all.key, IDENTIFIER_POLICY, at));
      return { blockedForMs };
    },
  };
}

/** Clean-up job: rows quiet for a day are back to zero anyway (see claim), unless still blocked or a trusted address. */
export async function deleteQuietThrottles(db: Db, now: Date): Promise<void> {
  const at = now.getTime();
  await db
    .deleteFrom('sign_in_throttle')
    .where('updated_at', '<', at - QUIET_RESET_MS)
    .where((eb) => eb.or([eb('last_success_at', 'is', null), eb('last_success_at', '<', at - TRUSTED_SOURCE_MS)]))
    .where((eb) => eb.or([eb('blocked_until', 'is', null), eb('blocked_until', '<=', at)]))
    .execute();
}
