import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { insertAccount } from '../accounts/store.js';
import { newSignInState } from '../auth/sign-in-state.js';
import type { Db } from '../db/database.js';
import { saveScanSettings } from '../qr/settings.js';
import { insertCode } from '../qr/store.js';
import { insertSubaccount, replaceLinks } from '../subaccounts/store.js';
import { insertUser } from '../users/store.js';
import { newId } from '../platform/ids.js';
import { fieldPath } from '../platform/validation.js';
import { CODE_KINDS, CODE_STATUSES } from '../qr/schemas.js';
import { SUBACCOUNT_ROLES } from '../subaccounts/schemas.js';
import { cleanLogoDataUrl } from '../logos/service.js';
import { getLogo, logoDataUrl, putLogo } from '../logos/store.js';

/**
 * `blanca account export SLUG > file.json` / `blanca account import < file.json`: one account's
 * configuration and content, to move it to another instance or engine (SQLite ⇄ PostgreSQL).
 *
 * Included: the account (name, short name, branding, enterprise switches), its QR settings, its
 * white-label users (quota, features, short-link domain), its subaccounts (role, owner flag) with
 * their links to users, and every QR code with its tags, design and short code (printed codes keep
 * working once DNS points at the new instance).
 *
 * Left out on purpose, because they are secrets or per-instance state: password hashes, TOTP
 * secrets, sessions, API tokens, the SSO connection (it holds the SP private key; set SSO up again
 * on the target), lock-out counters, scans, the audit log, the SSO log and bulk jobs. Imported
 * people therefore have no password: give the owner one with `blanca owner reset-password SLUG`,
 * and the owner then sets the others' in the portal (SSO people sign in through the IdP as before
 * once SSO is configured again).
 *
 * Import makes new ids for everything and runs in one transaction: it is all or nothing.
 */
export const EXPORT_FORMAT = 'blanca-account-export';
export const EXPORT_VERSION = 1;

const Text = Type.String({ maxLength: 10_000 });
const NullableText = Type.Union([Text, Type.Null()]);
const Millis = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 });
const OneOf = <T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v))) as unknown as TSchema & { static: T[number] };
/** The whole file is read into memory: bound every list so a hostile file cannot exhaust it. */
const List = <T extends TSchema>(item: T, maxItems: number) => Type.Array(item, { maxItems });

/** The export file's shape: import validates a file against it before touching the database. */
export const AccountExportSchema = Type.Object({
  format: Type.Literal(EXPORT_FORMAT),
  version: Type.Literal(EXPORT_VERSION),
  exportedAt: Text,
  account: Type.Object({ name: Text, slug: Type.String({ minLength: 1, maxLength: 100 }), logoUrl: NullableText, primaryColor: Text, accentColor: Text, ssoEnabled: Type.Boolean(), requireAdmin2fa: Type.Boolean(), defaultLocale: Text, createdAt: Millis }),
  qrSettings: Type.Union([Type.Object({ scanRetentionDays: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]) }), Type.Null()]),
  users: List(Type.Object({ id: Text, name: Text, email: NullableText, username: NullableText, maxCodes: Type.Integer({ minimum: 0 }), features: Type.Unknown(), shortDomain: NullableText, locale: NullableText, ssoSubject: NullableText, ssoRoleValue: Type.Optional(NullableText), createdAt: Millis }), 100_000),
  subaccounts: List(
    Type.Object({
      id: Text,
      email: Text,
      name: Text,
      role: OneOf(SUBACCOUNT_ROLES),
      isOwner: Type.Boolean(),
      locale: NullableText,
      ssoSubject: NullableText,
      createdAt: Millis,
      users: List(Type.Object({ userId: Text, source: OneOf(['manual', 'sso'] as const) }), 100_000),
    }),
    100_000,
  ),
  codes: List(
    Type.Object({
      id: Text,
      userId: Text,
      kind: OneOf(CODE_KINDS),
      shortCode: NullableText,
      name: Text,
      contentType: Text,
      content: Type.Unknown(),
      design: Type.Unknown(),
      folder: NullableText,
      status: OneOf(CODE_STATUSES),
      expiresAt: Type.Union([Millis, Type.Null()]),
      createdBy: Text,
      createdAt: Millis,
      updatedAt: Millis,
      tags: List(Text, 1000),
    }),
    1_000_000,
  ),
});

export type AccountExport = Static<typeof AccountExportSchema>;

export class TransferError extends Error {}

export async function exportAccount(db: Db, slug: string, now: Date): Promise<AccountExport> {
  const account = await db.selectFrom('accounts').selectAll().where('slug', '=', slug).executeTakeFirst();
  if (!account) throw new TransferError(`No account with the short name "${slug}". See: blanca account list`);
  const [settings, users, subaccounts, links, codes, tags] = await Promise.all([
    db.selectFrom('qr_account_settings').selectAll().where('account_id', '=', account.id).executeTakeFirst(),
    db.selectFrom('whitelabel_users').selectAll().where('account_id', '=', account.id).orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('subaccounts').selectAll().where('account_id', '=', account.id).orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('subaccount_users').selectAll().where('account_id', '=', account.id).orderBy('subaccount_id').orderBy('user_id').execute(),
    db.selectFrom('qr_codes').selectAll().where('account_id', '=', account.id).orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('qr_code_tags').selectAll().where('account_id', '=', account.id).orderBy('code_id').orderBy('tag').execute(),
  ]);
  const logos = new Map<string, string>();
  for (const hash of new Set(codes.map((c) => c.logo_hash).filter((h): h is string => h !== null))) {
    const logo = await getLogo(db, account.id, hash);
    if (logo) logos.set(hash, logoDataUrl(logo));
  }
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: now.toISOString(),
    account: { name: account.name, slug: account.slug, logoUrl: account.logo_url, primaryColor: account.primary_color, accentColor: account.accent_color, ssoEnabled: account.sso_enabled === 1, requireAdmin2fa: account.require_admin_2fa === 1, defaultLocale: account.default_locale, createdAt: account.created_at },
    qrSettings: settings ? { scanRetentionDays: settings.scan_retention_days } : null,
    users: users.map((u) => ({ id: u.id, name: u.name, email: u.email, username: u.username, maxCodes: u.max_codes, features: JSON.parse(u.features) as unknown, shortDomain: u.short_domain, locale: u.locale, ssoSubject: u.sso_subject, ssoRoleValue: u.sso_role_value, createdAt: u.created_at })),
    subaccounts: subaccounts.map((s) => ({
      id: s.id,
      email: s.email,
      name: s.name,
      role: s.role,
      isOwner: s.is_owner === 1,
      locale: s.locale,
      ssoSubject: s.sso_subject,
      createdAt: s.created_at,
      users: links.filter((l) => l.subaccount_id === s.id).map((l) => ({ userId: l.user_id, source: l.source })),
    })),
    codes: codes.map((c) => ({
      id: c.id,
      userId: c.user_id,
      kind: c.kind,
      shortCode: c.short_code,
      name: c.name,
      contentType: c.content_type,
      content: JSON.parse(c.content) as unknown,
      // The file stays self-contained: a stored logo goes back into the design as a data URL.
      design: { ...(JSON.parse(c.design) as Record<string, unknown>), ...(c.logo_hash && logos.has(c.logo_hash) ? { logo: logos.get(c.logo_hash) } : {}) },
      folder: c.folder,
      status: c.status,
      expiresAt: c.expires_at,
      createdBy: c.created_by,
      createdAt: c.created_at,
      updatedAt: c.updated_at,
      tags: tags.filter((t) => t.code_id === c.id).map((t) => t.tag),
    })),
  };
}

function check(data: unknown): AccountExport {
  const d = data as { format?: unknown; version?: unknown } | null;
  if (!d || typeof d !== 'object' || d.format !== EXPORT_FORMAT) throw new TransferError(`Not a Blanca account export (expected "format": "${EXPORT_FORMAT}").`);
  if (d.version !== EXPORT_VERSION) throw new TransferError(`Unsupported export version ${String(d.version)} (this Blanca reads version ${EXPORT_VERSION}).`);
  const errors = [...Value.Errors(AccountExportSchema, data)].slice(0, 5);
  if (errors.length > 0) throw new TransferError(`The export is not valid: ${errors.map((e) => `${fieldPath(e.path) || '(file)'}: ${e.message}`).join('; ')}.`);
  return data as AccountExport;
}

export interface ImportResult {
  accountId: string;
  slug: string;
  users: number;
  subaccounts: number;
  codes: number;
}

/** Imports an export as a new account (`slug` overrides the exported short name). All or nothing. */
export async function importAccount(db: Db, data: unknown, now: Date, options: { slug?: string | undefined } = {}): Promise<ImportResult> {
  const x = check(data);
  const slug = (options.slug ?? x.account.slug).trim().toLowerCase();
  if (await db.selectFrom('accounts').select('id').where('slug', '=', slug).executeTakeFirst()) throw new TransferError(`An account with the short name "${slug}" exists already; import with --slug NEW-NAME.`);
  const shortCodes = x.codes.map((c) => c.shortCode).filter((s): s is string => s !== null);
  if (shortCodes.length > 0) {
    const taken = await db.selectFrom('qr_codes').select('short_code').where('short_code', 'in', shortCodes).execute();
    if (taken.length > 0) throw new TransferError(`${taken.length} short code(s) are in use on this instance already (e.g. "${taken[0]!.short_code}"): short links must stay unique. Was this account imported here before?`);
  }
  const at = now.getTime();
  const accountId = newId();
  const userIds = new Map(x.users.map((u) => [u.id, newId()]));
  const subaccountIds = new Map(x.subaccounts.map((s) => [s.id, newId()]));
  const mapUser = (id: string) => {
    const mapped = userIds.get(id);
    if (!mapped) throw new TransferError(`The export refers to an unknown user ${id}.`);
    return mapped;
  };
  await db.transaction().execute(async (tx) => {
    const a = x.account;
    await insertAccount(tx, { id: accountId, name: a.name, slug, logo_url: a.logoUrl, primary_color: a.primaryColor, accent_color: a.accentColor, sso_enabled: a.ssoEnabled ? 1 : 0, require_admin_2fa: a.requireAdmin2fa ? 1 : 0, default_locale: a.defaultLocale, created_at: a.createdAt, updated_at: at });
    if (x.qrSettings) await saveScanSettings(tx, accountId, x.qrSettings.scanRetentionDays, now);
    // Nobody brings a password, a second factor or a lock-out along (see above).
    for (const u of x.users) {
      // An export from before SSO role values gets derived ones (users store).
      await insertUser(tx, { ...newSignInState(null), id: mapUser(u.id), account_id: accountId, name: u.name, email: u.email, username: u.username, max_codes: u.maxCodes, features: JSON.stringify(u.features), short_domain: u.shortDomain, locale: u.locale, sso_subject: u.ssoSubject, sso_role_value: u.ssoRoleValue ?? null, created_at: u.createdAt, updated_at: at });
    }
    for (const s of x.subaccounts) {
      const id = subaccountIds.get(s.id)!;
      await insertSubaccount(tx, { ...newSignInState(null), id, account_id: accountId, email: s.email, name: s.name, role: s.role, is_owner: s.isOwner ? 1 : 0, locale: s.locale, sso_subject: s.ssoSubject, created_at: s.createdAt, updated_at: at });
      for (const source of ['manual', 'sso'] as const) {
        const linked = s.users.filter((link) => link.source === source).map((link) => mapUser(link.userId));
        if (linked.length > 0) await replaceLinks(tx, accountId, id, linked, source, now);
      }
    }
    for (const c of x.codes) {
      const id = newId();
      // A logo in the file is cleaned like an upload and stored once by hash (src/logos).
      const { logo: logoUrl, ...design } = (c.design ?? {}) as Record<string, unknown>;
      let logoHash: string | null = null;
      if (typeof logoUrl === 'string') {
        const cleaned = await cleanLogoDataUrl(logoUrl);
        if (!cleaned.ok) throw new TransferError(`The logo of code "${c.name}" is refused: ${cleaned.message}`);
        await putLogo(tx, accountId, cleaned.logo, new Date(at));
        logoHash = cleaned.logo.hash;
      }
      await insertCode(
        tx,
        { id, account_id: accountId, user_id: mapUser(c.userId), kind: c.kind, short_code: c.shortCode, name: c.name, content_type: c.contentType, content: JSON.stringify(c.content), design: JSON.stringify(design), logo_hash: logoHash, folder: c.folder, status: c.status, expires_at: c.expiresAt, created_by: c.createdBy, created_at: c.createdAt, updated_at: c.updatedAt },
        c.tags,
      );
    }
  });
  return { accountId, slug, users: x.users.length, subaccounts: x.subaccounts.length, codes: x.codes.length };
}
