import type { Kysely } from 'kysely';

// Search that ignores accents and case on both engines (SQLite has no unaccent): each code keeps
// its name, folder and content folded (NFD, marks removed, lower case) in search_text, written by
// the QR store; existing rows are folded here.
const fold = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('qr_codes').addColumn('search_text', 'text', (c) => c.notNull().defaultTo('')).execute();
  const rows = await db.selectFrom('qr_codes').select(['id', 'name', 'folder', 'content']).execute();
  for (const row of rows) {
    await db.updateTable('qr_codes').set({ search_text: fold([row.name, row.folder ?? '', row.content].join('\n')) }).where('id', '=', row.id).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('qr_codes').dropColumn('search_text').execute();
}
