// The arithmetic shared by the password throttle and the second-factor lock: a few free attempts,
// then a block that doubles each time (capped), and everything forgotten after a quiet day.

export interface AttemptPolicy {
  /** Attempts allowed before a block. */
  free: number;
  firstBlockMs: number;
  maxBlockMs: number;
}

/** After this long without an attempt, the count and the doubling start again from zero. */
export const QUIET_RESET_MS = 24 * 3600_000;

export function blockDuration(policy: AttemptPolicy, locks: number): number {
  return Math.min(policy.maxBlockMs, policy.firstBlockMs * 2 ** Math.max(0, locks - 1));
}

export const minutesFrom = (ms: number): number => Math.max(1, Math.ceil(ms / 60_000));
