import { Resvg } from '@resvg/resvg-js';
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';

// Frozen in time (Kysely<any>). Logos leave the code designs: each distinct image is stored once
// per account in `logos`, keyed by the sha256 of its bytes, and a code keeps only that hash, so
// listing codes never reads logo bytes. Inline SVG logos are rasterised to PNG on the way (as
// every new SVG upload is), so no SVG markup stays stored.
const DATA_URL = /^data:(image\/png|image\/jpeg|image\/svg\+xml);base64,([A-Za-z0-9+/]*={0,2})$/;
const BATCH = 100;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('logos')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('byte_length', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('logos_pk', ['account_id', 'hash'])
    .execute();
  await db.schema.alterTable('qr_codes').addColumn('logo_hash', 'text').execute();

  let after = '';
  for (;;) {
    const rows = (await db.selectFrom('qr_codes').select(['id', 'account_id', 'design']).where('id', '>', after).where('design', 'like', '%"logo"%').orderBy('id').limit(BATCH).execute()) as Array<{ id: string; account_id: string; design: string }>;
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    for (const row of rows) {
      const design = JSON.parse(row.design) as Record<string, unknown>;
      if (typeof design.logo !== 'string') continue;
      const match = DATA_URL.exec(design.logo);
      delete design.logo;
      let logoHash: string | null = null;
      if (match) {
        let mime = match[1]!;
        let bytes: Buffer = Buffer.from(match[2]!, 'base64');
        if (mime === 'image/svg+xml') {
          const text = bytes.toString('utf8');
          try {
            bytes = new Resvg(text, { font: { loadSystemFonts: /<text[\s>]/.test(text) }, fitTo: { mode: 'width', value: 512 } }).render().asPng();
          } catch {
            bytes = Buffer.alloc(0); // an SVG resvg cannot draw never rendered either: the code loses it
          }
          mime = 'image/png';
        }
        logoHash = bytes.length > 0 ? createHash('sha256').update(bytes).digest('hex') : null;
        if (logoHash) await db
          .insertInto('logos')
          .values({ account_id: row.account_id, hash: logoHash, mime, data: bytes.toString('base64'), byte_length: bytes.length, created_at: Date.now() })
          .onConflict((oc: any) => oc.columns(['account_id', 'hash']).doNothing())
          .execute();
      }
      await db.updateTable('qr_codes').set({ design: JSON.stringify(design), logo_hash: logoHash }).where('id', '=', row.id).execute();
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('qr_codes').dropColumn('logo_hash').execute();
  await db.schema.dropTable('logos').ifExists().execute();
}
