import type { FastifyBaseLogger } from 'fastify';
import type { Db, Engine } from '../../db/database.js';
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
  /** Beyond this many queued scans (database down for long) the oldest are dropped, loudly. */
  maxQueue?: number;
}

type ScanRow = QrScansTable;

/**
 * Scans are queued in memory by the redirect and written in batches: one transaction with
 * a multi-row INSERT per batch, every second or every `batchSize` scans, whichever comes
 * first. The request never waits for the database. close() writes everything still queued
 * (Fastify's onClose runs it after the last in-flight request finished), so a graceful
 * shutdown loses nothing; a crash loses at most the last second.
 */
export class ScanRecorder {
  private queue: RawScan[] = [];
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly maxQueue: number;
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
    this.maxQueue = options.maxQueue ?? 500_000;
    this.timer = setInterval(() => void this.flush().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  get pending(): number {
    return this.queue.length;
  }

  /** The only call on the request path: a push, and at most one scheduled callback. */
  enqueue(scan: RawScan): void {
    this.queue.push(scan);
    this.counters.queued++;
    if (this.queue.length >= this.batchSize && !this.flushSoon && !this.closed) {
      this.flushSoon = true;
      setImmediate(() => {
        this.flushSoon = false;
        void this.flush().catch(() => undefined);
      });
    }
    if (this.queue.length > this.maxQueue) {
      const dropped = this.queue.splice(0, this.queue.length - this.maxQueue);
      this.counters.dropped += dropped.length;
      this.log.error({ dropped: dropped.length }, 'scan queue full (database unreachable?): oldest scans dropped');
    }
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

  /** Stops the timer and writes every queued scan, retrying a failing database a few times. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    for (let attempt = 1; this.queue.length > 0 || this.flushing; attempt++) {
      try {
        await this.flush();
      } catch (error) {
        if (attempt >= 5) {
          this.counters.dropped += this.queue.length;
          this.log.error({ err: error, lost: this.queue.length }, 'could not write queued scans on shutdown');
          this.queue = [];
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
        // Back to the front, in order: the next tick (or close) tries again.
        this.queue.unshift(...batch);
        this.counters.failedFlushes++;
        this.log.error({ err: error, pending: this.queue.length }, 'writing scans failed; will retry');
        throw error;
      }
    }
  }

  private classify(userAgent: string | undefined): UserAgentInfo {
    const key = userAgent ?? '';
    let info = this.uaCache.get(key);
    if (!info) {
      info = classifyUserAgent(userAgent);
      if (this.uaCache.size >= 2000) this.uaCache.clear();
      this.uaCache.set(key, info);
    }
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
