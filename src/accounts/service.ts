import { auditActor } from '../audit/actor.js';
import { recordAudit } from '../audit/store.js';
import { hasPermission } from '../auth/permissions.js';
import { hashPassword } from '../auth/passwords.js';
import type { Db } from '../db/database.js';
import { AppError, forbidden, notFound } from '../platform/errors.js';
import { newId, newSecret } from '../platform/ids.js';
import type { ServiceContext } from '../auth/context.js';
import { insertSubaccount } from '../subaccounts/store.js';
import type { AccountView, UpdateAccountInput } from './schemas.js';
import { getAccount, getAccountByPortalDomain, getAccountBySlug, insertAccount, updateAccount, type AccountRow } from './store.js';
import { newSignInState } from '../auth/sign-in-state.js';

export function toAccountView(row: AccountRow): AccountView {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    logoUrl: row.logo_url,
    primaryColor: row.primary_color,
    accentColor: row.accent_color,
    requireAdmin2fa: row.require_admin_2fa === 1,
    defaultLocale: row.default_locale === 'es' ? 'es' : 'en',
    ssoEnabled: row.sso_enabled === 1,
    portalDomain: row.portal_domain,
  };
}

export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return slug || 'account';
}

export interface NewAccount {
  name: string;
  slug?: string;
  ownerEmail: string;
  ownerName?: string;
  /** Generated when missing; returned so it can be shown once. */
  ownerPassword?: string | undefined;
}

/** Operator action (first start, CLI, tests): an account and its owner, atomically. */
export async function createAccountWithOwner(db: Db, input: NewAccount, now: Date): Promise<{ account: AccountRow; ownerId: string; ownerPassword: string; generatedPassword: boolean }> {
  let slug = input.slug ?? slugify(input.name);
  if (!input.slug) {
    for (let n = 2; await getAccountBySlug(db, slug); n++) slug = `${slugify(input.name)}-${n}`;
  } else if (await getAccountBySlug(db, slug)) {
    throw new AppError('conflict', `An account with the short name "${slug}" already exists.`);
  }
  const ownerPassword = input.ownerPassword ?? newSecret(12);
  const passwordHash = await hashPassword(ownerPassword);
  const account: AccountRow = {
    id: newId(),
    name: input.name,
    slug,
    logo_url: null,
    portal_domain: null,
    primary_color: '#1d4ed8',
    accent_color: '#0f766e',
    sso_enabled: 0,
    require_admin_2fa: 0,
    default_locale: 'en',
    created_at: now.getTime(),
    updated_at: now.getTime(),
  };
  const ownerId = newId();
  await db.transaction().execute(async (tx) => {
    await insertAccount(tx, account);
    await insertSubaccount(tx, {
      id: ownerId,
      account_id: account.id,
      email: input.ownerEmail,
      name: input.ownerName ?? 'Owner',
      role: 'admin',
      ...newSignInState(passwordHash),
      is_owner: 1,
      sso_subject: null,
      created_at: now.getTime(),
      updated_at: now.getTime(),
    });
    await recordAudit(tx, { accountId: account.id, actor: { kind: 'system', id: null, label: 'Platform operator' }, action: 'account.create', object: { type: 'account', id: account.id, label: account.name }, detail: { owner: input.ownerEmail } }, now);
  });
  return { account, ownerId, ownerPassword, generatedPassword: input.ownerPassword === undefined };
}

/** Operator switch for the enterprise SSO feature. */
export async function setSsoEnabled(db: Db, accountId: string, enabled: boolean, now: Date): Promise<void> {
  const account = await getAccount(db, accountId);
  if (!account) throw notFound('This account');
  await db.transaction().execute(async (tx) => {
    await updateAccount(tx, accountId, { sso_enabled: enabled ? 1 : 0, updated_at: now.getTime() });
    await recordAudit(tx, { accountId, actor: { kind: 'system', id: null, label: 'Platform operator' }, action: enabled ? 'account.sso_enable' : 'account.sso_disable', object: { type: 'account', id: accountId, label: account.name } }, now);
  });
}

export async function getAccountView(ctx: ServiceContext): Promise<AccountView> {
  const row = await getAccount(ctx.db, ctx.actor.accountId);
  if (!row) throw notFound('This account');
  return toAccountView(row);
}

export async function updateAccountSettings(ctx: ServiceContext, input: UpdateAccountInput): Promise<AccountView> {
  if (!hasPermission(ctx.actor, 'account.manage')) throw forbidden('Only administrators can change account settings and branding.');
  const accountId = ctx.actor.accountId;
  const changes = {
    ...(input.name !== undefined ? { name: input.name.trim() } : {}),
    ...(input.logoUrl !== undefined ? { logo_url: input.logoUrl } : {}),
    ...(input.primaryColor !== undefined ? { primary_color: input.primaryColor.toLowerCase() } : {}),
    ...(input.accentColor !== undefined ? { accent_color: input.accentColor.toLowerCase() } : {}),
    ...(input.requireAdmin2fa !== undefined ? { require_admin_2fa: input.requireAdmin2fa ? 1 : 0 } : {}),
    ...(input.defaultLocale !== undefined ? { default_locale: input.defaultLocale } : {}),
    ...(input.portalDomain !== undefined ? { portal_domain: input.portalDomain ? input.portalDomain.toLowerCase() : null } : {}),
    updated_at: ctx.now.getTime(),
  };
  if (changes.portal_domain) {
    const taken = (message: string) => new AppError('validation_failed', message, [{ path: 'portalDomain', message }]);
    const holder = await getAccountByPortalDomain(ctx.db, changes.portal_domain);
    if (holder && holder.id !== accountId) throw taken('Another account already uses this portal domain.');
  }
  await ctx.db.transaction().execute(async (tx) => {
    await updateAccount(tx, accountId, changes);
    await recordAudit(tx, { accountId, actor: auditActor(ctx.actor), action: 'account.update', object: { type: 'account', id: accountId, label: changes.name ?? null }, detail: input }, ctx.now);
  });
  return getAccountView(ctx);
}
