import type { FastifyBaseLogger } from 'fastify';
import { AppError, invalid, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import type { ServiceContext } from '../platform/context.js';
import { parseCsv } from './csv.js';
import { contentFromFlat } from './form-input.js';
import { parseCreateCode, type BulkJobView, type BulkRowResult } from './schemas.js';
import { createCode, requireBulk, targetUser, visibleUserIds, type QrRuntime } from './service.js';
import type { QrBulkJobsTable } from './tables.js';

export const MAX_BULK_ROWS = 5000;
const CODE_COLUMNS = new Set(['name', 'kind', 'type', 'folder', 'tags', 'expiresAt', 'status']);
const PROGRESS_EVERY_MS = 300;

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

function toView(row: QrBulkJobsTable): BulkJobView {
  const rows = JSON.parse(row.report) as BulkRowResult[];
  return { id: row.id, userId: row.user_id, status: row.status, total: row.total, processed: row.processed, succeeded: row.succeeded, failed: row.processed - row.succeeded, rows };
}

/**
 * Starts a bulk creation and returns at once; rows are created one by one in the
 * background, each through createCode in its own transaction, so a bad row (invalid, over
 * quota, feature off) is reported and never stops or half-applies the others. Progress and
 * the per-row report are stored, so any instance can show them. `track` keeps the run
 * alive through a graceful shutdown.
 */
export async function startBulkJob(ctx: ServiceContext, runtime: QrRuntime, log: FastifyBaseLogger, track: (run: Promise<void>) => void, input: { userId?: string | undefined; csv: string }): Promise<BulkJobView> {
  const user = await targetUser(ctx, input.userId);
  requireBulk(user);
  const rows = parseCsv(input.csv);
  const header = (rows.shift() ?? []).map((h) => h.trim());
  if (!header.includes('name') || !header.includes('type')) throw invalid('csv', 'The first line must name the columns, with at least "name" and "type" (e.g. name,kind,type,url).');
  if (rows.length === 0) throw invalid('csv', 'The file has a header but no rows.');
  if (rows.length > MAX_BULK_ROWS) throw invalid('csv', `At most ${MAX_BULK_ROWS} rows per file; this one has ${rows.length}.`);
  const nowMs = ctx.now.getTime();
  const job: QrBulkJobsTable = { id: newId(), account_id: user.account_id, user_id: user.id, created_by: ctx.actor.id, status: 'running', total: rows.length, processed: 0, succeeded: 0, report: '[]', created_at: nowMs, updated_at: nowMs };
  await ctx.db.insertInto('qr_bulk_jobs').values(job).execute();

  const run = async () => {
    const report: BulkRowResult[] = [];
    let succeeded = 0;
    let lastSave = Date.now();
    const save = (status: 'running' | 'done') =>
      ctx.db.updateTable('qr_bulk_jobs').set({ status, processed: report.length, succeeded, report: JSON.stringify(report), updated_at: Date.now() }).where('id', '=', job.id).execute();
    for (const [index, cells] of rows.entries()) {
      const line = index + 2;
      try {
        const parsed = parseCreateCode(rowToInput(header, cells, user.id));
        const { code } = await createCode(ctx, runtime, parsed);
        succeeded++;
        report.push({ row: line, ok: true, codeId: code.id, name: code.name });
      } catch (error) {
        if (!(error instanceof AppError)) log.error({ err: error, jobId: job.id, row: line }, 'bulk row failed unexpectedly');
        const errors = error instanceof AppError ? (error.fieldErrors.length ? error.fieldErrors : [{ path: '', message: error.detail ?? error.message }]) : [{ path: '', message: 'Something went wrong on our side with this row.' }];
        report.push({ row: line, ok: false, errors, ...(cells[header.indexOf('name')] ? { name: cells[header.indexOf('name')] } : {}) });
      }
      if (Date.now() - lastSave >= PROGRESS_EVERY_MS) {
        lastSave = Date.now();
        await save('running');
      }
    }
    await save('done');
  };
  track(run().catch((error: unknown) => log.error({ err: error, jobId: job.id }, 'bulk job failed')));
  return toView(job);
}

export async function getBulkJob(ctx: ServiceContext, jobId: string): Promise<BulkJobView> {
  const row = await ctx.db.selectFrom('qr_bulk_jobs').selectAll().where('account_id', '=', ctx.actor.accountId).where('id', '=', jobId).executeTakeFirst();
  const visible = await visibleUserIds(ctx);
  if (!row || (visible !== null && !visible.includes(row.user_id))) throw notFound('This bulk creation');
  return toView(row);
}
