import type { FastifyBaseLogger } from 'fastify';
import type { Db, Engine } from '../../db/database.js';
import { databaseFault } from '../../db/faults.js';
import { insertScans } from './store.js';
import type { QrScansTable } from '../tables.js';
import { DailySalts, utcDay, visitorHash } from './salt.js';
import { classifyUserAgent, countryCode, referrerHost, type UserAgentInfo } from './user-agent.js';

/**
 * What the redirect hands over: the raw request facts, copied without any work. The IP
 * lives only in this in-memory queue until the flush turns it into a salted hash.
 */
export interface RawScan {
  codeId: string;
  accountId: string;
  userId: string;
  at: number;
  ip: string;
  userAgent: string | undefined;
  referer: string | undefined;
  country: string | string[] | undefined;
}

export interface RecorderOptions {
  /** Flush at least this often (ms). */
  intervalMs?: number;
  /** Rows per multi-row INSERT; a full batch also triggers a flush at once. */
  batchSize?: number;
  /** At most this many scans wait in memory (database down for long); beyond it new scans are dropped and counted. */
  maxQueue?: number;
  /** Longest wait between two attempts while the database fails (ms). */
  maxRetryDelayMs?: number;
  /** How long close() keeps trying to write the queue to a failing database (ms). */
  closeRetryMs?: number;
}

/** Default bound of the in-memory queue (SCAN_QUEUE_MAX): a few hundred bytes a scan, so ~50 MB at most. */
export const DEFAULT_SCAN_QUEUE_MAX = 100_000;

type ScanRow = QrScansTable;

/** Distinct user agents remembered with their classification (a few hundred bytes each). */
const UA_CACHE_SIZE = 1000;

/**
 * Scans are queued in memory by the redirect and written in batches: one transaction with
 * a multi-row INSERT per batch, every second or every `batchSize` scans, whichever comes
 * first. The request never waits for the database. close() writes everything still queued
 * (Fastify's onClose runs it after the last in-flight request finished), so a graceful
 * shutdown loses nothing; a crash loses at most the last second.
 *
 * While the database is unreachable the scans stay queued and the flush is retried with
 * backoff (1 s doubling to 5 s, one log line per attempt); when it answers again everything
 * queued is written, in order. The queue is bounded by `maxQueue`: when full, the arriving
 * scan is dropped (not the oldest: O(1) on the request path, and the queue stays the
 * earliest contiguous stretch of scans) and counted in `dropped` (blanca_scans_dropped_total).
 */
export class ScanRecorder {
  private queue: RawScan[] = [];
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly maxQueue: number;
  private readonly maxRetryDelayMs: number;
  private readonly closeRetryMs: number;
  /** Set after a failed write until the next attempt is due: no flush is started meanwhile. */
  private backingOff = false;
  private retryDelayMs = 0;
  private failuresInRow = 0;
  private overflowLoggedAt = 0;
  private overflowSinceLog = 0;
  private readonly uaCache = new Map<string, UserAgentInfo>();
  private flushSoon = false;
  private closed = false;
  /** Counters for health checks and tests. */
  readonly counters = { queued: 0, written: 0, skippedDeletedCode: 0, dropped: 0, failedFlushes: 0, writeMs: 0 };

  constructor(
    private readonly db: Db,
    private readonly engine: Engine,
    private readonly salts: DailySalts,
    private readonly log: FastifyBaseLogger,
    options: RecorderOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.batchSize = options.batchSize ?? 500;
    this.maxQueue = options.maxQueue ?? DEFAULT_SCAN_QUEUE_MAX;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5000;
    this.closeRetryMs = options.closeRetryMs ?? 10_000;
    this.timer = setInterval(() => {
      if (!this.backingOff) void this.flush().catch(() => undefined);
    }, this.intervalMs);
    this.timer.unref();
  }

  get pending(): number {
    return this.queue.length;
  }

  /** The only call on the request path: a push, and at most one scheduled callback. */
  enqueue(scan: RawScan): void {
    this.counters.queued++;
    if (this.queue.length >= this.maxQueue) return this.overflow();
    this.queue.push(scan);
    if (this.queue.length >= this.batchSize && !this.flushSoon && !this.closed && !this.backingOff) {
      this.flushSoon = true;
      setImmediate(() => {
        this.flushSoon = false;
        void this.flush().catch(() => undefined);
      });
    }
  }

  private overflow(): void {
    this.counters.dropped++;
    this.overflowSinceLog++;
    const now = Date.now();
    if (now - this.overflowLoggedAt < 10_000) return;
    this.log.error({ dropped: this.overflowSinceLog, pending: this.queue.length, max: this.maxQueue }, 'scan queue full (database unreachable?): new scans dropped');
    this.overflowLoggedAt = now;
    this.overflowSinceLog = 0;
  }

  /** Writes everything queued so far; resolves when it is in the database. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing.then(() => (this.queue.length > 0 ? this.flush() : undefined));
    if (this.queue.length === 0) return Promise.resolve();
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /**
   * Stops the timer and writes every queued scan, retrying a failing database for up to
   * `closeRetryMs`. What still cannot be written is counted as dropped and logged as lost,
   * never as written.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const giveUpAt = Date.now() + this.closeRetryMs;
    for (let attempt = 1; this.queue.length > 0 || this.flushing; attempt++) {
      try {
        await this.flush();
      } catch (error) {
        if (Date.now() + 200 * attempt > giveUpAt) {
          const lost = this.queue.length;
          this.counters.dropped += lost;
          this.queue = [];
          const fault = databaseFault(error);
          this.log.error({ lost, written: this.counters.written, ...(fault ? { reason: fault.reason } : { err: error }) }, 'could not write queued scans on shutdown: they are lost');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.batchSize);
      try {
        await this.write(batch);
      } catch (error) {
        // Back to the front, in order: the next attempt (or close) writes them.
        this.queue.unshift(...batch);
        this.counters.failedFlushes++;
        this.backOff(error);
        throw error;
      }
      if (this.failuresInRow > 0) {
        this.log.info({ failedAttempts: this.failuresInRow, pending: this.queue.length }, 'writing scans works again');
        this.failuresInRow = 0;
        this.retryDelayMs = 0;
      }
    }
  }

  /** After a failed write: no attempt until the delay (1 s doubling up to maxRetryDelayMs) is over; close() ignores it. */
  private backOff(error: unknown): void {
    this.failuresInRow++;
    this.retryDelayMs = Math.min(this.retryDelayMs ? this.retryDelayMs * 2 : this.intervalMs, this.maxRetryDelayMs);
    const fault = databaseFault(error);
    const details = { pending: this.queue.length, retryInMs: this.retryDelayMs, failedAttempts: this.failuresInRow };
    if (fault) this.log.warn({ ...details, reason: fault.reason }, 'writing scans failed (database unavailable); kept in memory, will retry');
    else this.log.error({ ...details, err: error }, 'writing scans failed; kept in memory, will retry');
    if (this.closed) return;
    this.backingOff = true;
    setTimeout(() => {
      this.backingOff = false;
      void this.flush().catch(() => undefined);
    }, this.retryDelayMs).unref();
  }

  /**
   * Each distinct user agent is classified once: a least-recently-used cache of UA_CACHE_SIZE entries (a Map
   * keeps insertion order, so a hit moves to the end and the first key is the oldest). A flood of unique
   * user agents only evicts; it never grows memory nor clears the phones' common strings at once.
   */
  private classify(userAgent: string | undefined): UserAgentInfo {
    const key = userAgent ?? '';
    let info = this.uaCache.get(key);
    if (info) {
      this.uaCache.delete(key);
    } else {
      info = classifyUserAgent(userAgent);
      if (this.uaCache.size >= UA_CACHE_SIZE) this.uaCache.delete(this.uaCache.keys().next().value as string);
    }
    this.uaCache.set(key, info);
    return info;
  }

  private async toRows(batch: RawScan[]): Promise<ScanRow[]> {
    // Salts per day first (one await per distinct day, not per scan), then a tight loop.
    const salts = new Map<number, string>();
    for (const scan of batch) {
      const day = utcDay(scan.at);
      if (!salts.has(day)) salts.set(day, await this.salts.saltFor(day));
    }
    const rows: ScanRow[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const scan = batch[i] as RawScan;
      const ua = this.classify(scan.userAgent);
      rows[i] = {
        code_id: scan.codeId,
        account_id: scan.accountId,
        user_id: scan.userId,
        scanned_at: scan.at,
        visitor: visitorHash(salts.get(utcDay(scan.at)) as string, scan.ip, scan.userAgent ?? ''),
        device: ua.device,
        os: ua.os,
        country: countryCode(scan.country),
        referrer: referrerHost(scan.referer),
        is_bot: ua.bot ? 1 : 0,
      };
    }
    return rows;
  }

  private async write(batch: RawScan[]): Promise<void> {
    const started = performance.now();
    const rows = await this.toRows(batch);
    const kept = await this.db.transaction().execute((tx) => insertScans(tx, this.engine, rows));
    this.counters.written += kept;
    this.counters.writeMs += performance.now() - started;
    this.counters.skippedDeletedCode += rows.length - kept;
  }
}
