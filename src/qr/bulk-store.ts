import type { Db, Tx } from '../db/database.js';
import type { BulkRowOutcome, QrBulkJobsTable, QrBulkRowsTable } from './tables.js';

// Storage of bulk jobs and their per-row report (qr_bulk_jobs, qr_bulk_rows).

export async function insertBulkJob(db: Db, job: QrBulkJobsTable): Promise<void> {
  await db.insertInto('qr_bulk_jobs').values(job).execute();
}

export function getBulkJobRow(db: Db, accountId: string, jobId: string): Promise<QrBulkJobsTable | undefined> {
  return db.selectFrom('qr_bulk_jobs').selectAll().where('account_id', '=', accountId).where('id', '=', jobId).executeTakeFirst();
}

export function bulkRowsOf(db: Db, jobId: string): Promise<QrBulkRowsTable[]> {
  return db.selectFrom('qr_bulk_rows').selectAll().where('job_id', '=', jobId).orderBy('line').execute();
}

export async function insertBulkRow(db: Db | Tx, row: { jobId: string; line: number; outcome: BulkRowOutcome; codeId?: string | null; name?: string | null; errors?: unknown[] | null }): Promise<void> {
  await db
    .insertInto('qr_bulk_rows')
    .values({ job_id: row.jobId, line: row.line, outcome: row.outcome, code_id: row.codeId ?? null, name: row.name ?? null, errors: row.errors ? JSON.stringify(row.errors) : null })
    .execute();
}

/** The code an earlier run created from this (file, line), if it still exists. */
export function codeByImportKey(db: Db, userId: string, importKey: string): Promise<{ id: string; name: string } | undefined> {
  return db.selectFrom('qr_codes').select(['id', 'name']).where('user_id', '=', userId).where('import_key', '=', importKey).executeTakeFirst();
}

/** Renews the job's heartbeat; false when the job is no longer running (someone marked it interrupted). */
export async function beatBulkJob(db: Db, jobId: string, nowMs: number, progress: { processed: number; succeeded: number }): Promise<boolean> {
  const result = await db
    .updateTable('qr_bulk_jobs')
    .set({ heartbeat_at: nowMs, updated_at: nowMs, processed: progress.processed, succeeded: progress.succeeded })
    .where('id', '=', jobId)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function finishBulkJob(db: Db, jobId: string, nowMs: number, progress: { processed: number; succeeded: number }): Promise<void> {
  await db
    .updateTable('qr_bulk_jobs')
    .set({ status: 'done', heartbeat_at: nowMs, updated_at: nowMs, processed: progress.processed, succeeded: progress.succeeded })
    .where('id', '=', jobId)
    .where('status', '=', 'running')
    .execute();
}

/**
 * Running jobs whose heartbeat is older than `staleBefore` lost their process: they become
 * `interrupted` (optionally only one job; Number.MAX_SAFE_INTEGER: every running job).
 */
export async function interruptStaleBulkJobs(db: Db, staleBefore: number, jobId?: string): Promise<number> {
  let query = db
    .updateTable('qr_bulk_jobs')
    .set({ status: 'interrupted' })
    .where('status', '=', 'running')
    .where((eb) => eb.or([eb('heartbeat_at', '<', staleBefore), eb.and([eb('heartbeat_at', 'is', null), eb('updated_at', '<', staleBefore)])]));
  if (jobId) query = query.where('id', '=', jobId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}
