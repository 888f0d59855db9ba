import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import type { CodeListQuery } from './schemas.js';
import type { QrCodesTable } from './tables.js';

// search_text is the store's own business: callers never read it.
export type CodeRow = Omit<Selectable<QrCodesTable>, 'search_text'>;
export type CodeWithTags = CodeRow & { tags: string[] };

/** Accents and case left out, so "lopez" finds "López" on both engines (SQLite has no unaccent). */
export const foldForSearch = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
const searchTextOf = (row: { name: string; folder?: string | null; content: string }) => foldForSearch([row.name, row.folder ?? '', row.content].join('\n'));

export async function insertCode(tx: Tx, row: Insertable<QrCodesTable>, tags: readonly string[]): Promise<void> {
  await tx.insertInto('qr_codes').values({ ...row, search_text: searchTextOf(row) }).execute();
  await replaceTags(tx, row.account_id, row.id, tags);
}

export async function replaceTags(tx: Tx, accountId: string, codeId: string, tags: readonly string[]): Promise<void> {
  await tx.deleteFrom('qr_code_tags').where('code_id', '=', codeId).execute();
  if (tags.length > 0) await tx.insertInto('qr_code_tags').values(tags.map((tag) => ({ code_id: codeId, account_id: accountId, tag }))).execute();
}

export async function updateCodeRow(tx: Tx, accountId: string, id: string, changes: Updateable<QrCodesTable>): Promise<void> {
  let set = changes;
  if (changes.name !== undefined || changes.folder !== undefined || changes.content !== undefined) {
    const current = await tx.selectFrom('qr_codes').select(['name', 'folder', 'content']).where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
    if (current) set = { ...changes, search_text: searchTextOf({ ...current, ...(changes as Partial<typeof current>) }) };
  }
  await tx.updateTable('qr_codes').set(set).where('account_id', '=', accountId).where('id', '=', id).execute();
}

export async function deleteCodeRow(tx: Tx, accountId: string, id: string): Promise<void> {
  await tx.deleteFrom('qr_codes').where('account_id', '=', accountId).where('id', '=', id).execute();
}

async function withTags(db: Db | Tx, rows: CodeRow[]): Promise<CodeWithTags[]> {
  if (rows.length === 0) return [];
  const tags = await db.selectFrom('qr_code_tags').select(['code_id', 'tag']).where('code_id', 'in', rows.map((r) => r.id)).orderBy('tag').execute();
  const byCode = new Map<string, string[]>();
  for (const t of tags) byCode.set(t.code_id, [...(byCode.get(t.code_id) ?? []), t.tag]);
  return rows.map((r) => ({ ...r, tags: byCode.get(r.id) ?? [] }));
}

/** Always scoped by account: an id from another account finds nothing. */
export async function getCode(db: Db | Tx, accountId: string, id: string): Promise<CodeWithTags | undefined> {
  const row = await db.selectFrom('qr_codes').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return row ? (await withTags(db, [row]))[0] : undefined;
}

export async function countCodesOf(db: Db | Tx, accountId: string, userId: string): Promise<number> {
  const row = await db.selectFrom('qr_codes').select((eb) => eb.fn.countAll<number | string>().as('n')).where('account_id', '=', accountId).where('user_id', '=', userId).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function shortCodeTaken(db: Db | Tx, shortCode: string): Promise<boolean> {
  return (await db.selectFrom('qr_codes').select('id').where('short_code', '=', shortCode).executeTakeFirst()) !== undefined;
}

const likePattern = (text: string) => `%${foldForSearch(text).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * Codes of an account, narrowed to `userIds` (null: every user of the account) and the
 * filters. Newest first.
 */
export async function listCodes(db: Db, accountId: string, userIds: readonly string[] | null, filters: CodeListQuery, now: number): Promise<{ codes: CodeWithTags[]; total: number }> {
  if (userIds !== null && userIds.length === 0) return { codes: [], total: 0 };
  let query = db.selectFrom('qr_codes').where('qr_codes.account_id', '=', accountId);
  if (userIds !== null) query = query.where('qr_codes.user_id', 'in', userIds);
  if (filters.userId) query = query.where('qr_codes.user_id', '=', filters.userId);
  if (filters.kind) query = query.where('kind', '=', filters.kind);
  if (filters.contentType) query = query.where('content_type', '=', filters.contentType);
  if (filters.folder) query = query.where('folder', '=', filters.folder);
  if (filters.shortCode) query = query.where('short_code', '=', filters.shortCode);
  if (filters.tag) {
    const tag = filters.tag;
    query = query.where((eb) => eb.exists(eb.selectFrom('qr_code_tags').select('tag').whereRef('qr_code_tags.code_id', '=', 'qr_codes.id').where('qr_code_tags.tag', '=', tag)));
  }
  if (filters.state === 'paused') query = query.where('status', '=', 'paused');
  if (filters.state === 'active') query = query.where('status', '=', 'active').where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
  if (filters.state === 'expired') query = query.where('status', '=', 'active').where('expires_at', '<=', now);
  const q = filters.q?.trim();
  if (q) {
    const pattern = likePattern(q);
    query = query.where((eb) =>
      eb.or([
        sql<boolean>`qr_codes.search_text like ${pattern} escape '\\'`,
        eb('short_code', '=', q),
      ]),
    );
  }
  const [rows, count] = await Promise.all([
    query.selectAll('qr_codes').orderBy('created_at', 'desc').orderBy('id').limit(filters.limit).offset(filters.offset).execute(),
    query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { codes: await withTags(db, rows), total: Number(count.n) };
}

export async function foldersAndTags(db: Db, accountId: string, userIds: readonly string[] | null): Promise<{ folders: string[]; tags: string[] }> {
  if (userIds !== null && userIds.length === 0) return { folders: [], tags: [] };
  let folders = db.selectFrom('qr_codes').select('folder').distinct().where('account_id', '=', accountId).where('folder', 'is not', null);
  let tags = db.selectFrom('qr_code_tags').innerJoin('qr_codes', 'qr_codes.id', 'qr_code_tags.code_id').select('qr_code_tags.tag').distinct().where('qr_code_tags.account_id', '=', accountId);
  if (userIds !== null) {
    folders = folders.where('user_id', 'in', userIds);
    tags = tags.where('qr_codes.user_id', 'in', userIds);
  }
  const [f, t] = await Promise.all([folders.orderBy('folder').execute(), tags.orderBy('qr_code_tags.tag').execute()]);
  return { folders: f.map((r) => r.folder as string), tags: t.map((r) => r.tag) };
}

/** What the redirect needs, and nothing else (the design may hold a large logo). */
export interface RedirectRow {
  id: string;
  account_id: string;
  user_id: string;
  content: string;
  status: string;
  expires_at: number | null;
}

export function findRedirectRow(db: Db, shortCode: string): Promise<RedirectRow | undefined> {
  return db.selectFrom('qr_codes').select(['id', 'account_id', 'user_id', 'content', 'status', 'expires_at']).where('short_code', '=', shortCode).where('kind', '=', 'dynamic').executeTakeFirst();
}
