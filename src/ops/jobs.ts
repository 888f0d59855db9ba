import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../platform/clock.js';
import type { LeaseStore } from './lease.js';

export interface Job {
  /** Lease name: unique across the fleet. */
  name: string;
  /** How often the fleet runs it (once per interval, on whichever instance holds the lease). */
  intervalMs: number;
  run(now: Date): Promise<void>;
}

export interface JobsOptions {
  /** Delay before the first attempt (default 60–120 s, random, so instances started together spread out and short-lived test apps never run it). */
  firstDelayMs?: number;
}

export interface Scheduler {
  /** Runs every job once now, under its lease (tests; the timers do the same). Returns the names that ran here. */
  runDue(): Promise<string[]>;
  /**
   * Stops the timers and waits for a running job. Leases are kept until they expire, so a
   * rolling restart does not make another instance run the same job again within the interval.
   */
  stop(): Promise<void>;
}

/**
 * A small fleet-wide scheduler. Each job has a timer per instance; when it fires, the instance
 * tries to take the job's lease for one interval. Only the holder runs the job, so with N
 * instances behind a load balancer each job runs once per interval across the fleet, and when
 * the holder stops (or dies) another instance takes over once the lease expires.
 */
export function startJobs(jobs: Job[], leases: LeaseStore, clock: Clock, log: FastifyBaseLogger, options: JobsOptions = {}): Scheduler {
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  let stopped = false;

  async function attempt(job: Job): Promise<boolean> {
    if (stopped) return false;
    const now = clock.now();
    // A little shorter than the interval: this instance's next tick can renew it.
    if (!(await leases.acquire(job.name, Math.max(1000, job.intervalMs - 1000), now))) return false;
    const started = Date.now();
    await job.run(now);
    log.debug({ job: job.name, ms: Date.now() - started }, 'background job done');
    return true;
  }

  function tracked<T>(work: Promise<T>): Promise<T> {
    running.add(work);
    void work.finally(() => running.delete(work)).catch(() => undefined);
    return work;
  }

  const tick = (job: Job) => void tracked(attempt(job)).catch((err: unknown) => log.error({ err, job: job.name }, 'background job failed'));

  for (const job of jobs) {
    const first = setTimeout(() => {
      tick(job);
      const every = setInterval(() => tick(job), job.intervalMs);
      every.unref();
      timers.push(every);
    }, options.firstDelayMs ?? 60_000 + Math.floor(Math.random() * 60_000));
    first.unref();
    timers.push(first);
  }

  return {
    async runDue() {
      const ran: string[] = [];
      for (const job of jobs) if (await tracked(attempt(job))) ran.push(job.name);
      return ran;
    },
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      await Promise.allSettled([...running]);
    },
  };
}
