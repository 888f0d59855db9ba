import type { FastifyBaseLogger } from 'fastify';
import { createHash } from 'node:crypto';
import type { Db } from '../db/database.js';
import { AppError, invalid, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import { fieldNameProblem, MAX_CSV_ROWS, MAX_FIELD_NAME_LENGTH } from '../platform/input-limits.js';
import type { ServiceContext } from '../auth/context.js';
import { parseCsv } from './csv.js';
import { contentFromFlat } from './form-input.js';
import { parseCreateCode, type BulkJobView, type BulkRowResult } from './schemas.js';
import { createCode, requireBulk, targetUser, visibleUserIds, type QrRuntime } from './service.js';
import { beatBulkJob, bulkRowsOf, codeByImportKey, finishBulkJob, getBulkJobRow, insertBulkJob, insertBulkRow, interruptStaleBulkJobs } from './bulk-store.js';
import type { QrBulkJobsTable, QrBulkRowsTable } from './tables.js';

export const MAX_BULK_ROWS = MAX_CSV_ROWS;
const CODE_COLUMNS = new Set(['name', 'kind', 'type', 'folder', 'tags', 'expiresAt', 'status']);

/** A CSV row (header → cell) → the API's create body; content columns are the content fields. */
export function rowToInput(header: string[], cells: string[], userId: string): Record<string, unknown> {
  const flat: Record<string, string> = {};
  const input: Record<string, unknown> = { userId };
  header.forEach((column, i) => {
    const cell = (cells[i] ?? '').trim();
    if (cell === '') return;
    if (column === 'tags') input.tags = cell.split('|').map((t) => t.trim()).filter(Boolean);
    else if (CODE_COLUMNS.has(column) && column !== 'type') input[column] = cell;
    else if (column !== 'type') flat[column] = cells[i] ?? '';
  });
  input.kind ??= 'static';
  const typeIndex = header.indexOf('type');
  input.content = contentFromFlat(typeIndex >= 0 ? (cells[typeIndex] ?? '').trim() : undefined, flat);
  return input;
}

/** A live job renews its heartbeat this often; one silent for BULK_STALE_MS lost its process. */
export const BULK_HEARTBEAT_MS = 5_000;
export const BULK_STALE_MS = 60_000;

/** Test seam: called after each row is committed (a test crashes the process there). */
export interface BulkHooks {
  afterRow?: (line: number) => void | Promise<void>;
}

const importKeyOf = (fileHash: string, line: number) => `${fileHash}:${line}`;

function toRowResult(row: QrBulkRowsTable): BulkRowResult {
  return {
    row: row.line,
    ok: row.outcome !== 'failed',
    ...(row.outcome === 'skipped' ? { skipped: true } : {}),
    ...(row.code_id ? { codeId: row.code_id } : {}),
    ...(row.name !== null ? { name: row.name } : {}),
    ...(row.errors ? { errors: JSON.parse(row.errors) as NonNullable<BulkRowResult['errors']> } : {}),
  };
}

function toView(job: QrBulkJobsTable, rows: QrBulkRowsTable[]): BulkJobView {
  const results = rows.map(toRowResult);
  const succeeded = results.filter((r) => r.ok).length;
  return { id: job.id, userId: job.user_id, status: job.status, total: job.total, processed: results.length, succeeded, failed: results.length - succeeded, skipped: results.filter((r) => r.skipped).length, rows: results };
}

/**
 * Starts a bulk creation and returns at once; rows are created one by one in the
 * background, each through createCode in its own transaction, so a bad row (invalid, over
 * quota, feature off) is reported and never stops or half-applies the others. Each created
 * row's report line is written in its code's transaction, so after a crash the report is
 * complete up to the last committed row. Every code carries the import key (file hash,
 * line): running the same file again skips the rows already created. A heartbeat tells a
 * live job from one whose process is gone (marked `interrupted`). `track` keeps the run
 * alive through a graceful shutdown.
 */
export async function startBulkJob(ctx: ServiceContext, runtime: QrRuntime, log: FastifyBaseLogger, track: (run: Promise<void>) => void, input: { userId?: string | undefined; csv: string }, hooks: BulkHooks = {}): Promise<BulkJobView> {
  const user = await targetUser(ctx, input.userId);
  requireBulk(user);
  const rows = parseCsv(input.csv);
  const header = (rows.shift() ?? []).map((h) => h.trim());
  if (!header.includes('name') || !header.includes('type')) throw invalid('csv', 'The first line must name the columns, with at least "name" and "type" (e.g. name,kind,type,url).');
  if (rows.length === 0) throw invalid('csv', 'The file has a header but no rows.');
  // Every row's content columns go through the form unflattener: check their names once, here.
  for (const column of header) {
    const problem = fieldNameProblem(column);
    if (problem) throw invalid('csv', `Column "${column.slice(0, MAX_FIELD_NAME_LENGTH)}": ${problem}`);
  }
  const fileHash = createHash('sha256').update(input.csv).digest('hex');
  const nowMs = runtime.clock.now().getTime();
  const job: QrBulkJobsTable = { id: newId(), account_id: user.account_id, user_id: user.id, created_by: ctx.actor.id, status: 'running', total: rows.length, processed: 0, succeeded: 0, report: '[]', heartbeat_at: nowMs, file_hash: fileHash, created_at: ctx.now.getTime(), updated_at: nowMs };
  await insertBulkJob(ctx.db, job);

  const run = async () => {
    const progress = { processed: 0, succeeded: 0 };
    const clock = () => runtime.clock.now().getTime();
    let lastBeat = clock();
    for (const [index, cells] of rows.entries()) {
      const line = index + 2;
      const importKey = importKeyOf(fileHash, line);
      const name = cells[header.indexOf('name')]?.trim() || null;
      const earlier = await codeByImportKey(ctx.db, user.id, importKey);
      if (earlier) {
        await insertBulkRow(ctx.db, { jobId: job.id, line, outcome: 'skipped', codeId: earlier.id, name: earlier.name });
        progress.succeeded++;
      } else {
        try {
          const parsed = parseCreateCode(rowToInput(header, cells, user.id));
          await createCode(ctx, runtime, parsed, { importKey, inTransaction: (tx, code) => insertBulkRow(tx, { jobId: job.id, line, outcome: 'created', codeId: code.id, name: code.name }) });
          progress.succeeded++;
        } catch (error) {
          if (!(error instanceof AppError)) log.error({ err: error, jobId: job.id, row: line }, 'bulk row failed unexpectedly');
          const errors = error instanceof AppError ? (error.fieldErrors.length ? error.fieldErrors : [{ path: '', message: error.detail ?? error.message }]) : [{ path: '', message: 'Something went wrong on our side with this row.' }];
          await insertBulkRow(ctx.db, { jobId: job.id, line, outcome: 'failed', name, errors });
        }
      }
      progress.processed++;
      await hooks.afterRow?.(line);
      if (clock() - lastBeat >= BULK_HEARTBEAT_MS) {
        lastBeat = clock();
        // Marked interrupted meanwhile (heartbeat missed for BULK_STALE_MS): stop, a re-run resumes.
        if (!(await beatBulkJob(ctx.db, job.id, lastBeat, progress))) return;
      }
    }
    await finishBulkJob(ctx.db, job.id, clock(), progress);
  };
  track(run().catch((error: unknown) => log.error({ err: error, jobId: job.id }, 'bulk job failed')));
  return toView(job, []);
}

export async function getBulkJob(ctx: ServiceContext, jobId: string): Promise<BulkJobView> {
  let row = await getBulkJobRow(ctx.db, ctx.actor.accountId, jobId);
  const visible = await visibleUserIds(ctx);
  if (!row || (visible !== null && !visible.includes(row.user_id))) throw notFound('This bulk creation');
  if (row.status === 'running' && (await interruptStaleBulkJobs(ctx.db, ctx.now.getTime() - BULK_STALE_MS, row.id)) > 0) row = { ...row, status: 'interrupted' };
  return toView(row, await bulkRowsOf(ctx.db, row.id));
}

/** Start-up on SQLite (one process per database file): a job still "running" has no process left. */
export function interruptOrphanedBulkJobs(db: Db): Promise<number> {
  return interruptStaleBulkJobs(db, Number.MAX_SAFE_INTEGER);
}

/** Fleet maintenance: jobs whose heartbeat went stale. */
export function interruptStaleJobs(db: Db, now: Date): Promise<number> {
  return interruptStaleBulkJobs(db, now.getTime() - BULK_STALE_MS);
}
