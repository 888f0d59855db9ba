import type { FastifyBaseLogger } from 'fastify';
import type { AppDeps } from '../web/deps.js';
import { interruptStaleJobs, type BulkHooks } from './bulk.js';
import { DestinationCache } from './cache.js';
import { ImageCache } from './images.js';
import { ScanRecorder } from './scans/recorder.js';
import { DailySalts, utcDay } from './scans/salt.js';
import { purgeExpiredScans } from './scans/stats.js';
import type { QrRuntime } from './service.js';

export interface QrOptions {
  /** Destination cache TTL (default 2000 ms): the longest another instance serves an old destination. */
  cacheTtlMs?: number;
  /** Scan queue flush interval (default 1000 ms). */
  scanFlushMs?: number;
  /** Scans per INSERT (default 500). */
  scanBatchSize?: number;
  /** Test seam for bulk jobs (a crash test stops the process after a given row). */
  bulkHooks?: BulkHooks;
  /** Scans kept in memory while the database is unreachable (default SCAN_QUEUE_MAX). */
  scanQueueMax?: number;
}

/**
 * The QR domain's long-lived parts, one per app instance (no module globals): the
 * destination cache, the scan queue, the image cache and background work. close() is
 * hooked to Fastify's onClose, which runs after in-flight requests finished.
 */
export interface QrModule {
  cache: DestinationCache;
  recorder: ScanRecorder;
  images: ImageCache;
  runtime: QrRuntime;
  /** Set when the app starts closing: the fast redirect path then leaves requests to Fastify (503). */
  closing: boolean;
  bulkHooks: BulkHooks;
  /** Keeps a background job (bulk creation) alive through a graceful shutdown. */
  track(run: Promise<void>): void;
  /** Salt purge and scan retention; hourly, and callable from tests. */
  maintenance(): Promise<void>;
  close(): Promise<void>;
}

export function createQrModule(deps: AppDeps, log: FastifyBaseLogger, options: QrOptions = {}): QrModule {
  const cache = new DestinationCache(deps.db, { ttlMs: options.cacheTtlMs ?? 2000 });
  const salts = new DailySalts(deps.db);
  const recorder = new ScanRecorder(deps.db, deps.engine, salts, log, { intervalMs: options.scanFlushMs ?? 1000, batchSize: options.scanBatchSize ?? 500, maxQueue: options.scanQueueMax ?? deps.config.SCAN_QUEUE_MAX });
  const running = new Set<Promise<void>>();
  const maintenance = async () => {
    const now = deps.clock.now();
    await salts.purge(utcDay(now.getTime()));
    const deleted = await purgeExpiredScans(deps.db, now);
    if (deleted > 0) log.info({ deleted }, 'scan retention: old scans deleted');
    const interrupted = await interruptStaleJobs(deps.db, now);
    if (interrupted > 0) log.warn({ interrupted }, 'bulk jobs whose process stopped marked interrupted');
  };
  // Scheduled by the fleet-wide job runner (src/ops/jobs.ts, 'qr-maintenance'), once per interval across instances.
  return {
    cache,
    recorder,
    images: new ImageCache(),
    runtime: { publicUrl: deps.config.publicUrl, onShortCodeChange: (shortCode) => cache.invalidate(shortCode), clock: deps.clock },
    closing: false,
    bulkHooks: options.bulkHooks ?? {},
    track(run) {
      running.add(run);
      void run.finally(() => running.delete(run));
    },
    maintenance,
    async close() {
      await Promise.allSettled([...running]);
      await recorder.close();
    },
  };
}
