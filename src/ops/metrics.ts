import { timingSafeEqual, createHash } from 'node:crypto';

/**
 * Prometheus text exposition (format 0.0.4), dependency-free. One Metrics object per app
 * instance (no module globals: tests run several apps in one process); each instance is
 * scraped on its own and Prometheus sums across the fleet.
 */
const REDIRECT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface ScanCounters {
  queued: number;
  written: number;
  dropped: number;
  skippedDeletedCode: number;
  failedFlushes: number;
}

export type SignInMethod = 'password' | 'sso';

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly signIns = new Map<string, number>();
  private readonly shortLinks = new Map<number, number>();
  private readonly redirectBuckets = new Array<number>(REDIRECT_BUCKETS.length).fill(0);
  private redirectCount = 0;
  private redirectSum = 0;

  constructor(private readonly scans: () => { counters: ScanCounters; pending: number }) {}

  request(method: string, route: string, status: number): void {
    const key = `method="${method}",route="${escapeLabel(route)}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  /** The short-link hot path: counted by method and status only, no label string per request. */
  shortLink(method: string, status: number): void {
    const key = method === 'HEAD' ? -status : status;
    this.shortLinks.set(key, (this.shortLinks.get(key) ?? 0) + 1);
  }

  /** Server-side time of one short-link redirect (fast path or Fastify route), in ms. */
  redirect(ms: number): void {
    const seconds = ms / 1000;
    this.redirectCount++;
    this.redirectSum += seconds;
    for (let i = 0; i < REDIRECT_BUCKETS.length; i++) if (seconds <= REDIRECT_BUCKETS[i]!) this.redirectBuckets[i]!++;
  }

  signIn(method: SignInMethod, outcome: string): void {
    const key = `method="${method}",outcome="${escapeLabel(outcome)}"`;
    this.signIns.set(key, (this.signIns.get(key) ?? 0) + 1);
  }

  render(): string {
    const out: string[] = [];
    const counter = (name: string, help: string, entries: Iterable<[string, number]>) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [labels, value] of entries) out.push(labels ? `${name}{${labels}} ${value}` : `${name} ${value}`);
    };
    const requests = new Map(this.requests);
    for (const [key, value] of this.shortLinks) {
      const labels = `method="${key < 0 ? 'HEAD' : 'GET'}",route="/:code",status="${Math.abs(key)}"`;
      requests.set(labels, (requests.get(labels) ?? 0) + value);
    }
    counter('blanca_http_requests_total', 'HTTP requests answered, by method, route pattern and status.', [...requests].sort());
    out.push('# HELP blanca_redirect_duration_seconds Server-side time of short-link redirects.', '# TYPE blanca_redirect_duration_seconds histogram');
    REDIRECT_BUCKETS.forEach((le, i) => out.push(`blanca_redirect_duration_seconds_bucket{le="${le}"} ${this.redirectBuckets[i]}`));
    out.push(`blanca_redirect_duration_seconds_bucket{le="+Inf"} ${this.redirectCount}`, `blanca_redirect_duration_seconds_sum ${this.redirectSum}`, `blanca_redirect_duration_seconds_count ${this.redirectCount}`);
    const { counters, pending } = this.scans();
    counter('blanca_scans_queued_total', 'Scans queued by the redirect.', [['', counters.queued]]);
    counter('blanca_scans_written_total', 'Scans written to the database.', [['', counters.written]]);
    counter('blanca_scans_dropped_total', 'Scans dropped (queue overflow or database unreachable at shutdown).', [['', counters.dropped]]);
    counter('blanca_scans_skipped_deleted_code_total', 'Scans of codes deleted before the write.', [['', counters.skippedDeletedCode]]);
    counter('blanca_scan_flush_failures_total', 'Scan batches that failed to write (retried).', [['', counters.failedFlushes]]);
    out.push('# HELP blanca_scans_pending Scans queued in memory, not yet written.', '# TYPE blanca_scans_pending gauge', `blanca_scans_pending ${pending}`);
    counter('blanca_sign_ins_total', 'Sign-in attempts by method and outcome.', [...this.signIns].sort());
    return `${out.join('\n')}\n`;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Constant-time check of `Authorization: Bearer <token>`. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header || !header.startsWith('Bearer ')) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(header.slice('Bearer '.length)), digest(token));
}
