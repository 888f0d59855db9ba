import type { Kysely } from 'kysely';

// Frozen in time (Kysely<any>). Bulk jobs survive a crash: a heartbeat tells a live job from
// one whose process is gone, each report row is written in the transaction that creates its
// code, and a code remembers the (file, line) it came from so a re-run skips it.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('qr_bulk_jobs').addColumn('heartbeat_at', 'bigint').execute();
  await db.schema.alterTable('qr_bulk_jobs').addColumn('file_hash', 'text').execute();
  await db.schema.alterTable('qr_codes').addColumn('import_key', 'text').execute();
  // NULLs are distinct on both engines: only imported codes take part.
  await db.schema.createIndex('qr_codes_user_import_key_idx').on('qr_codes').columns(['user_id', 'import_key']).unique().execute();

  await db.schema
    .createTable('qr_bulk_rows')
    .addColumn('job_id', 'text', (c) => c.notNull().references('qr_bulk_jobs.id').onDelete('cascade'))
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('code_id', 'text')
    .addColumn('name', 'text')
    .addColumn('errors', 'text')
    .addPrimaryKeyConstraint('qr_bulk_rows_pk', ['job_id', 'line'])
    .execute();

  // Reports saved before this migration move into the row table.
  const jobs = await db.selectFrom('qr_bulk_jobs').select(['id', 'report']).execute();
  for (const job of jobs as Array<{ id: string; report: string }>) {
    let rows: Array<{ row: number; ok: boolean; codeId?: string; name?: string; errors?: unknown[] }> = [];
    try {
      rows = JSON.parse(job.report);
    } catch {
      rows = [];
    }
    for (const r of rows) {
      await db
        .insertInto('qr_bulk_rows')
        .values({ job_id: job.id, line: r.row, outcome: r.ok ? 'created' : 'failed', code_id: r.codeId ?? null, name: r.name ?? null, errors: r.errors ? JSON.stringify(r.errors) : null })
        .onConflict((oc: any) => oc.doNothing())
        .execute();
    }
  }
  await db.updateTable('qr_bulk_jobs').set({ report: '[]' }).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('qr_bulk_rows').ifExists().execute();
  await db.schema.dropIndex('qr_codes_user_import_key_idx').ifExists().execute();
  await db.schema.alterTable('qr_codes').dropColumn('import_key').execute();
  await db.schema.alterTable('qr_bulk_jobs').dropColumn('file_hash').execute();
  await db.schema.alterTable('qr_bulk_jobs').dropColumn('heartbeat_at').execute();
}
