import type { Db, Tx } from '../db/database.js';
import { blockDuration, QUIET_RESET_MS, type AttemptPolicy } from './attempts.js';
import type { PrincipalKind } from './tables.js';
import { totpStep } from './totp.js';

// Wrong TOTP codes are limited per person, in the database (every instance, every pending session
// of that person counts together): 5 attempts, then 15 min, 30 min, … up to 24 h. Only someone who
// already has the password can spend these attempts, so a per-person lock is the right key here.
// Each accepted code's time step is stored and only a later step is accepted: a code works once.
export const SECOND_FACTOR_POLICY: AttemptPolicy = { free: 5, firstBlockMs: 15 * 60_000, maxBlockMs: 24 * 3600_000 };

export interface SecondFactorPerson {
  kind: PrincipalKind;
  id: string;
}

export type SecondFactorCheck = { ok: true } | { ok: false; reason: 'invalid' | 'reused' } | { ok: false; reason: 'locked'; retryAfterMs: number };


async function ensureRow(db: Db | Tx, person: SecondFactorPerson, now: number): Promise<void> {
  await db
    .insertInto('second_factor_state')
    .values({ principal_kind: person.kind, principal_id: person.id, failures: 0, locks: 0, locked_until: null, last_step: null, updated_at: now })
    .onConflict((oc) => oc.columns(['principal_kind', 'principal_id']).doNothing())
    .execute();
}

async function lock(db: Db, person: SecondFactorPerson, now: number): Promise<number> {
  const row = await db.selectFrom('second_factor_state').select('locks').where('principal_kind', '=', person.kind).where('principal_id', '=', person.id).executeTakeFirst();
  const locks = (row?.locks ?? 0) + 1;
  const duration = blockDuration(SECOND_FACTOR_POLICY, locks);
  await db.updateTable('second_factor_state').set({ failures: 0, locks, locked_until: now + duration, updated_at: now }).where('principal_kind', '=', person.kind).where('principal_id', '=', person.id).execute();
  return duration;
}

/**
 * Checks a code typed by `person` against their secret. The attempt is counted before the code is
 * checked (atomically, so parallel guesses cannot exceed the limit); a correct code that is not
 * newer than the last accepted one is refused as reused.
 */
export async function checkSecondFactor(db: Db, person: SecondFactorPerson, secret: string, code: string, now: Date): Promise<SecondFactorCheck> {
  const at = now.getTime();
  await ensureRow(db, person, at);
  const quiet = at - QUIET_RESET_MS;
  const counted = await db
    .updateTable('second_factor_state')
    .set((eb) => ({
      failures: eb.case().when('updated_at', '<', quiet).then(1).else(eb('failures', '+', 1)).end(),
      locks: eb.case().when('updated_at', '<', quiet).then(0).else(eb.ref('locks')).end(),
      updated_at: at,
    }))
    .where('principal_kind', '=', person.kind)
    .where('principal_id', '=', person.id)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', at)]))
    .returning('failures')
    .executeTakeFirst();
  if (!counted || counted.failures > SECOND_FACTOR_POLICY.free) {
    if (counted) await lock(db, person, at);
    const row = await db.selectFrom('second_factor_state').select('locked_until').where('principal_kind', '=', person.kind).where('principal_id', '=', person.id).executeTakeFirst();
    return { ok: false, reason: 'locked', retryAfterMs: Math.max(0, (row?.locked_until ?? at) - at) };
  }
  const step = totpStep(secret, code, now);
  if (step === null) {
    if (counted.failures >= SECOND_FACTOR_POLICY.free) return { ok: false, reason: 'locked', retryAfterMs: await lock(db, person, at) };
    return { ok: false, reason: 'invalid' };
  }
  const claimed = await db
    .updateTable('second_factor_state')
    .set({ last_step: step, failures: 0, locks: 0, locked_until: null, updated_at: at })
    .where('principal_kind', '=', person.kind)
    .where('principal_id', '=', person.id)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
    .executeTakeFirst();
  return Number(claimed.numUpdatedRows) === 1 ? { ok: true } : { ok: false, reason: 'reused' };
}

/** At enrolment the code that proved the app works is used up like any other. */
export async function rememberEnrolmentStep(db: Db | Tx, person: SecondFactorPerson, secret: string, code: string, now: Date): Promise<boolean> {
  const step = totpStep(secret, code, now);
  if (step === null) return false;
  await ensureRow(db, person, now.getTime());
  await db.updateTable('second_factor_state').set({ last_step: step, failures: 0, locks: 0, locked_until: null, updated_at: now.getTime() }).where('principal_kind', '=', person.kind).where('principal_id', '=', person.id).execute();
  return true;
}

/**
 * Clean-up job: a person's row quiet for a day and not locked is dropped. Its last step no longer
 * matters then (only codes of the current step ±1 are accepted at all), and its counts reset anyway.
 */
export async function deleteQuietSecondFactorState(db: Db, now: Date): Promise<void> {
  const at = now.getTime();
  await db
    .deleteFrom('second_factor_state')
    .where('updated_at', '<', at - QUIET_RESET_MS)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', at)]))
    .execute();
}
