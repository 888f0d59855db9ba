import type { Generated } from 'kysely';
// The QR domain's tables (Kysely habit: one interface per table, rows derived in store.ts).

export type CodeKind = 'static' | 'dynamic';
export type CodeStatus = 'active' | 'paused';

/** A QR code of one white-label user of one account. */
export interface QrCodesTable {
  id: string;
  account_id: string;
  user_id: string;
  kind: CodeKind;
  /** Dynamic codes only: the path of the short link (7 base58 characters), unique across the instance. */
  short_code: string | null;
  name: string;
  content_type: string;
  /** JSON of the validated QrContent; for a dynamic code its URL is the redirect destination. */
  content: string;
  /** JSON of the validated QrDesign, without the logo (see logo_hash). */
  design: string;
  /** sha256 of the code's logo in `logos` (stored once per account); null: no logo. */
  logo_hash: string | null;
  folder: string | null;
  status: CodeStatus;
  /** Epoch ms after which a dynamic code answers "expired"; null: never. */
  expires_at: number | null;
  /** Bulk-created codes only: "<file sha256>:<line>" of the CSV row, unique per user, so a re-run skips it. */
  import_key: string | null;
  /** Name, folder and content folded (no accents, lower case) for search; written by store.ts only. */
  search_text: Generated<string>;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface QrCodeTagsTable {
  code_id: string;
  account_id: string;
  tag: string;
}

/**
 * One scan of a dynamic code. No raw IP is ever stored: `visitor` is a truncated
 * sha256 of (daily salt, IP, user agent), and the salt is deleted after two days.
 */
export interface QrScansTable {
  code_id: string;
  account_id: string;
  user_id: string;
  scanned_at: number;
  visitor: string;
  device: string;
  os: string;
  country: string | null;
  /** Host of the Referer header only, never the full URL. */
  referrer: string | null;
  /** 1: a bot or link-preview crawler; kept for diagnosis, left out of every count. */
  is_bot: number;
}

/** Per-account QR settings. */
export interface QrAccountSettingsTable {
  account_id: string;
  /** Scans older than this many days are deleted; null keeps them. */
  scan_retention_days: number | null;
  updated_at: number;
}

/** `interrupted`: the process running it stopped (its heartbeat went stale) before the last row. */
export type BulkJobStatus = 'running' | 'done' | 'interrupted';

/** A CSV bulk creation, stored so that any instance can show its progress and report. */
export interface QrBulkJobsTable {
  id: string;
  account_id: string;
  user_id: string;
  created_by: string;
  status: BulkJobStatus;
  total: number;
  processed: number;
  succeeded: number;
  /** Legacy; the report lives in qr_bulk_rows (migration 2026_12_04_0501 moved old reports there). */
  report: string;
  /** Epoch ms, renewed while the job runs; a running job with a stale heartbeat is marked interrupted. */
  heartbeat_at: number | null;
  /** sha256 of the CSV: with the line number, the import key of each created code. */
  file_hash: string | null;
  created_at: number;
  updated_at: number;
}

export type BulkRowOutcome = 'created' | 'skipped' | 'failed';

/** One processed CSV row; a created row is written in the transaction that creates its code. */
export interface QrBulkRowsTable {
  job_id: string;
  line: number;
  outcome: BulkRowOutcome;
  code_id: string | null;
  name: string | null;
  /** JSON array of field errors (failed rows). */
  errors: string | null;
}
