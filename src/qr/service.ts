import { auditActor } from '../audit/actor.js';
import { recordAudit } from '../audit/store.js';
import { actorLabel } from '../auth/actor.js';
import { seesAllUsers } from '../auth/permissions.js';
import { AppError, invalid, notFound } from '../platform/errors.js';
import { newId } from '../platform/ids.js';
import type { ServiceContext } from '../auth/context.js';
import type { Tx } from '../db/database.js';
import type { Clock } from '../platform/clock.js';
import { cleanLogoDataUrl } from '../logos/service.js';
import { getLogo, logoDataUrl, putLogo, type StoredLogo } from '../logos/store.js';
import type { UserFeature } from '../users/schemas.js';
import { findVisibleUser, visibleUsers } from '../users/service.js';
import { getUser, listUsers, lockUserRow, type UserRow } from '../users/store.js';
import { encodeContent, fitsInQrCode, payloadCapacity, type QrContent } from './content/index.js';
import { checkContrast, effectiveErrorCorrection, validateDesign, type QrDesign } from './render/index.js';
import type { CodeListQuery, CodeView, CreateCodeInput, DesignPatchInput, UpdateCodeInput } from './schemas.js';
import { newShortCode } from './short-codes.js';
import { countCodesOf, deleteCodeRow, foldersAndTags, getCode, insertCode, listCodes, replaceTags, shortCodeTaken, updateCodeRow, type CodeWithTags } from './store.js';

/** What the QR services need beyond the request context: where short links point, and who to tell when one changes. */
export interface QrRuntime {
  publicUrl: string;
  /** Called after a dynamic code's destination, status or expiry changed, or it was deleted or created. */
  onShortCodeChange(shortCode: string): void;
  /** The instance's clock, for background work that outlives its request (bulk heartbeats). */
  clock: Clock;
}

// ---------------------------------------------------------------- views

export function shortUrlOf(runtime: Pick<QrRuntime, 'publicUrl'>, user: Pick<UserRow, 'short_domain'> | undefined, shortCode: string): string {
  // A user's own short-link domain is served over HTTPS by the customer's proxy; without
  // one, short links live on Blanca's own address.
  return user?.short_domain ? `https://${user.short_domain}/${shortCode}` : `${runtime.publicUrl}/${shortCode}`;
}

/** The string a scanner reads: the short link for dynamic codes, the content itself for static ones. */
export function payloadOf(runtime: Pick<QrRuntime, 'publicUrl'>, code: Pick<CodeWithTags, 'kind' | 'short_code' | 'content'>, user: Pick<UserRow, 'short_domain'> | undefined): string {
  if (code.kind === 'dynamic' && code.short_code) return shortUrlOf(runtime, user, code.short_code);
  return encodeContent(JSON.parse(code.content) as QrContent);
}

/** The saved design, without the logo: its bytes live in `logos` (see storedLogoOf). */
export function designOf(code: Pick<CodeWithTags, 'design'>): QrDesign {
  const { logo: _inline, ...design } = JSON.parse(code.design) as QrDesign;
  return design;
}

/** The code's logo for rendering, read from `logos` by hash only when an image is drawn. */
export function storedLogoOf(ctx: ServiceContext, code: Pick<CodeWithTags, 'account_id' | 'logo_hash'>): { hash: string; dataUrl: () => Promise<string> } | undefined {
  const hash = code.logo_hash;
  if (!hash) return undefined;
  return {
    hash,
    dataUrl: async () => {
      const logo = await getLogo(ctx.db, code.account_id, hash);
      if (!logo) throw new Error(`logo ${hash} of code missing`);
      return logoDataUrl(logo);
    },
  };
}

/** A logo sent as a data URL → cleaned, hashed bytes (PNG or JPEG), or a 400 naming design.logo. */
async function cleanInputLogo(dataUrl: string): Promise<StoredLogo> {
  const cleaned = await cleanLogoDataUrl(dataUrl);
  if (!cleaned.ok) throw invalid('design.logo', cleaned.message);
  return cleaned.logo;
}

export function isExpired(code: Pick<CodeWithTags, 'expires_at'>, now: Date): boolean {
  return code.expires_at !== null && code.expires_at <= now.getTime();
}

export function toCodeView(runtime: Pick<QrRuntime, 'publicUrl'>, code: CodeWithTags, user: Pick<UserRow, 'short_domain'> | undefined, now: Date): CodeView {
  const design = designOf(code);
  const content = JSON.parse(code.content) as QrContent;
  return {
    id: code.id,
    userId: code.user_id,
    kind: code.kind,
    name: code.name,
    contentType: code.content_type,
    content,
    design,
    hasLogo: code.logo_hash !== null,
    shortCode: code.short_code,
    shortUrl: code.short_code ? shortUrlOf(runtime, user, code.short_code) : null,
    destination: code.kind === 'dynamic' ? encodeContent(content) : null,
    folder: code.folder,
    tags: code.tags,
    status: code.status,
    expired: isExpired(code, now),
    expiresAt: code.expires_at === null ? null : new Date(code.expires_at).toISOString(),
    warnings: checkContrast(designOf(code)).warnings,
    createdAt: new Date(code.created_at).toISOString(),
    updatedAt: new Date(code.updated_at).toISOString(),
  };
}

// ---------------------------------------------------------------- access

export function featuresOf(user: UserRow): UserFeature[] {
  return JSON.parse(user.features) as UserFeature[];
}

export function requireFeature(user: UserRow, feature: UserFeature, what: string): void {
  if (!featuresOf(user).includes(feature)) throw new AppError('feature_disabled', `${what} is not enabled for the user "${user.name}". An administrator can switch it on under Users.`);
}

/** A user token works only while its user has API access (an account token acts for the administrators). */
export async function assertApiAccess(ctx: ServiceContext): Promise<void> {
  const actor = ctx.actor;
  if (actor.kind !== 'token' || actor.userId === null) return;
  const user = await getUser(ctx.db, actor.accountId, actor.userId);
  if (!user) throw new AppError('authentication_required');
  requireFeature(user, 'api_access', 'API access');
}

/** The user ids whose codes the actor sees; null means every user of the account. */
export async function visibleUserIds(ctx: ServiceContext): Promise<string[] | null> {
  if (seesAllUsers(ctx.actor)) return null;
  return (await visibleUsers(ctx)).map((u) => u.id);
}

/** 404 for codes of other accounts and of users the actor may not see: ids reveal nothing. */
export async function findVisibleCode(ctx: ServiceContext, codeId: string): Promise<{ code: CodeWithTags; user: UserRow }> {
  const code = await getCode(ctx.db, ctx.actor.accountId, codeId);
  if (!code) throw notFound('This QR code');
  const user = await findVisibleUser(ctx, code.user_id).catch(() => undefined);
  if (!user) throw notFound('This QR code');
  return { code, user };
}

/** The owner of a new code: the one asked for, else the only user the actor can work as. */
export async function targetUser(ctx: ServiceContext, userId: string | undefined): Promise<UserRow> {
  if (userId) {
    try {
      return await findVisibleUser(ctx, userId);
    } catch {
      throw invalid('userId', 'No such user, or you cannot work as this user.');
    }
  }
  const actor = ctx.actor;
  const own = actor.kind === 'user' ? actor.id : actor.kind === 'token' ? actor.userId : null;
  if (own) return findVisibleUser(ctx, own);
  const users = await visibleUsers(ctx);
  if (users.length === 1 && users[0]) return users[0];
  throw invalid('userId', 'Choose the user who owns the code.');
}

// ---------------------------------------------------------------- rules

/** Any design field, even one equal to the default, is use of the design feature. */
function usesDesign(design: QrDesign | DesignPatchInput | undefined): boolean {
  return design !== undefined && Object.keys(design).length > 0;
}

function checkKindRules(kind: 'static' | 'dynamic', content: QrContent | undefined, input: { status?: string | undefined; expiresAt?: string | null | undefined }): void {
  if (kind === 'dynamic' && content && content.type !== 'url') throw invalid('content.type', 'A dynamic code redirects to a web address: choose the type "url", or make a static code.');
  if (kind === 'static' && input.expiresAt) throw invalid('expiresAt', 'Only dynamic codes can expire: a static code holds its content itself.');
  if (kind === 'static' && input.status === 'paused') throw invalid('status', 'Only dynamic codes can be paused: a static code holds its content itself.');
}

function checkFits(payload: string, design: QrDesign): void {
  const level = effectiveErrorCorrection(design);
  if (!fitsInQrCode(payload, level)) {
    const hint = design.logo ? 'A logo needs error correction H; remove the logo or shorten the content.' : 'Choose a lower error correction level or shorten the content.';
    throw invalid('content', `The content is too long for error correction ${level} (at most ${payloadCapacity(level)} bytes). ${hint}`);
  }
}

const parseInstant = (value: string | null | undefined): number | null | undefined => (value === undefined ? undefined : value === null ? null : Date.parse(value));

// ---------------------------------------------------------------- commands

export async function listVisibleCodes(ctx: ServiceContext, runtime: QrRuntime, filters: CodeListQuery): Promise<{ codes: CodeView[]; total: number }> {
  const userIds = await visibleUserIds(ctx);
  if (filters.userId && userIds !== null && !userIds.includes(filters.userId)) return { codes: [], total: 0 };
  const { codes, total } = await listCodes(ctx.db, ctx.actor.accountId, userIds, filters, ctx.now.getTime());
  const users = new Map((await listUsers(ctx.db, ctx.actor.accountId, [...new Set(codes.map((c) => c.user_id))])).map((u) => [u.id, u]));
  return { codes: codes.map((c) => toCodeView(runtime, c, users.get(c.user_id), ctx.now)), total };
}

export async function visibleFoldersAndTags(ctx: ServiceContext): Promise<{ folders: string[]; tags: string[] }> {
  return foldersAndTags(ctx.db, ctx.actor.accountId, await visibleUserIds(ctx));
}

/** Bulk creation: the row's import key, and its report row written in the same transaction as the code. */
export interface CreateCodeOptions {
  importKey?: string;
  inTransaction?: (tx: Tx, code: CodeWithTags) => Promise<void>;
}

export async function createCode(ctx: ServiceContext, runtime: QrRuntime, input: CreateCodeInput, options: CreateCodeOptions = {}): Promise<{ code: CodeWithTags; user: UserRow }> {
  const user = await targetUser(ctx, input.userId);
  requireFeature(user, input.kind === 'static' ? 'static_codes' : 'dynamic_codes', input.kind === 'static' ? 'Static codes' : 'Dynamic codes');
  if (usesDesign(input.design)) requireFeature(user, 'design', 'Design');
  const content = input.content as QrContent;
  checkKindRules(input.kind, content, input);
  const { logo: logoInput, ...design } = input.design ?? {};
  const logo = logoInput ? await cleanInputLogo(logoInput) : null;
  const nowMs = ctx.now.getTime();
  const id = newId();
  const code: CodeWithTags = {
    id,
    account_id: user.account_id,
    user_id: user.id,
    kind: input.kind,
    short_code: null,
    name: input.name.trim(),
    content_type: content.type,
    content: JSON.stringify(content),
    design: JSON.stringify(design),
    logo_hash: logo?.hash ?? null,
    folder: input.folder?.trim() || null,
    status: input.status ?? 'active',
    expires_at: parseInstant(input.expiresAt) ?? null,
    import_key: options.importKey ?? null,
    created_by: actorLabel(ctx.actor),
    created_at: nowMs,
    updated_at: nowMs,
    tags: [...new Set(input.tags ?? [])].map((t) => t.trim()),
  };
  await ctx.db.transaction().execute(async (tx) => {
    // Touching the user row first serialises concurrent creations for this user
    // (a row lock on PostgreSQL, the write lock on SQLite), so the quota holds under races.
    await lockUserRow(tx, user.id);
    const used = await countCodesOf(tx, user.account_id, user.id);
    if (used >= user.max_codes) {
      throw new AppError('quota_exceeded', `The user "${user.name}" has reached its limit of ${user.max_codes} QR codes. Delete codes you no longer need, or ask an administrator to raise the maximum.`);
    }
    if (code.kind === 'dynamic') {
      let shortCode = newShortCode();
      while (await shortCodeTaken(tx, shortCode)) shortCode = newShortCode();
      code.short_code = shortCode;
    }
    checkFits(payloadOf(runtime, code, user), logo ? { ...design, logo: logoDataUrl(logo) } : design);
    const { tags, ...row } = code;
    if (logo) await putLogo(tx, user.account_id, logo, ctx.now);
    await insertCode(tx, row, tags);
    await recordAudit(tx, { accountId: user.account_id, actor: auditActor(ctx.actor), action: 'qr.create', object: { type: 'qr_code', id, label: code.name }, detail: { userId: user.id, kind: code.kind, contentType: code.content_type, shortCode: code.short_code } }, ctx.now);
    await options.inTransaction?.(tx, code);
  });
  if (code.short_code) runtime.onShortCodeChange(code.short_code);
  return { code, user };
}

export async function updateCode(ctx: ServiceContext, runtime: QrRuntime, codeId: string, input: UpdateCodeInput): Promise<{ code: CodeWithTags; user: UserRow }> {
  const { code: existing, user } = await findVisibleCode(ctx, codeId);
  const content = (input.content as QrContent | undefined) ?? (JSON.parse(existing.content) as QrContent);
  checkKindRules(existing.kind, input.content as QrContent | undefined, input);
  if (usesDesign(input.design)) requireFeature(user, 'design', 'Design');
  let design = designOf(existing);
  // undefined: keep the saved logo; null: remove it; a data URL: a new logo.
  let newLogo: StoredLogo | null | undefined;
  if (input.design) {
    const { logo: logoInput, ...changes } = input.design;
    const merged: Record<string, unknown> = { ...design, ...changes };
    const checked = validateDesign(merged);
    if (!checked.ok) throw new AppError('validation_failed', checked.errors.map((e) => `design.${e.path}: ${e.message}`).join('; '), checked.errors.map((e) => ({ path: `design.${e.path}`, message: e.message })));
    design = checked.design;
    if (logoInput === null) newLogo = null;
    else if (typeof logoInput === 'string') newLogo = await cleanInputLogo(logoInput);
  }
  const logoHash = newLogo === undefined ? existing.logo_hash : (newLogo?.hash ?? null);
  const logoForFit = newLogo ? logoDataUrl(newLogo) : logoHash ? 'stored' : undefined;
  checkFits(payloadOf(runtime, { ...existing, content: JSON.stringify(content) }, user), logoForFit ? { ...design, logo: logoForFit } : design);
  const changes = {
    ...(input.name !== undefined ? { name: input.name.trim() } : {}),
    ...(input.content !== undefined ? { content: JSON.stringify(content), content_type: content.type } : {}),
    ...(input.design !== undefined ? { design: JSON.stringify(design), logo_hash: logoHash } : {}),
    ...(input.folder !== undefined ? { folder: input.folder?.trim() || null } : {}),
    ...(input.status !== undefined ? { status: input.status } : {}),
    ...(input.expiresAt !== undefined ? { expires_at: parseInstant(input.expiresAt) ?? null } : {}),
    updated_at: ctx.now.getTime(),
  };
  const detail: Record<string, unknown> = { fields: Object.keys(input) };
  if (existing.kind === 'dynamic' && input.content !== undefined) {
    detail.destination = { from: encodeContent(JSON.parse(existing.content) as QrContent), to: encodeContent(content) };
  }
  if (input.status !== undefined && input.status !== existing.status) detail.status = input.status;
  await ctx.db.transaction().execute(async (tx) => {
    if (newLogo) await putLogo(tx, existing.account_id, newLogo, ctx.now);
    await updateCodeRow(tx, existing.account_id, existing.id, changes);
    if (input.tags !== undefined) await replaceTags(tx, existing.account_id, existing.id, [...new Set(input.tags.map((t) => t.trim()))]);
    const action = input.status === 'paused' && existing.status !== 'paused' ? 'qr.pause' : input.status === 'active' && existing.status === 'paused' ? 'qr.resume' : 'qr.update';
    await recordAudit(tx, { accountId: existing.account_id, actor: auditActor(ctx.actor), action, object: { type: 'qr_code', id: existing.id, label: changes.name ?? existing.name }, detail }, ctx.now);
  });
  // At once on this instance; other instances follow within the cache TTL (see README).
  if (existing.short_code) runtime.onShortCodeChange(existing.short_code);
  const code = await getCode(ctx.db, existing.account_id, existing.id);
  if (!code) throw notFound('This QR code');
  return { code, user };
}

export async function deleteCode(ctx: ServiceContext, runtime: QrRuntime, codeId: string): Promise<void> {
  const { code } = await findVisibleCode(ctx, codeId);
  await ctx.db.transaction().execute(async (tx) => {
    await deleteCodeRow(tx, code.account_id, code.id);
    await recordAudit(tx, { accountId: code.account_id, actor: auditActor(ctx.actor), action: 'qr.delete', object: { type: 'qr_code', id: code.id, label: code.name }, detail: { shortCode: code.short_code } }, ctx.now);
  });
  if (code.short_code) runtime.onShortCodeChange(code.short_code);
}

/** Statistics are a feature of the owning user. */
export function requireAnalytics(user: UserRow): void {
  requireFeature(user, 'analytics', 'Statistics');
}

export function requireBulk(user: UserRow): void {
  requireFeature(user, 'bulk_create', 'Bulk creation');
}
