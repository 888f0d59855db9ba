import { domainToASCII } from 'node:url';
import { auditActor } from '../../audit/actor.js';
import { recordAudit, type AuditEvent } from '../../audit/store.js';
import { getAccount, type AccountRow } from '../../accounts/store.js';
import { hasPermission } from '../../auth/permissions.js';
import type { Db, Tx } from '../../db/database.js';
import type { ServiceContext } from '../../auth/context.js';
import { AppError, forbidden, notFound } from '../../platform/errors.js';
import { newId, newSecret } from '../../platform/ids.js';
import { getConnection, updateConnection } from '../store.js';
import { dnsFailureText, type TxtLookup } from './dns.js';
import { deleteDomainClaim, getDomainClaim, insertDomainClaim, listDomainClaims, markDomainVerified, recordDomainCheck, verifiedDomainClaim, type DomainRow } from './store.js';

// Email-domain routing (issue 9 item 4): a domain sends people from the shared sign-in page to an
// account's IdP only once that account proved it controls the domain's DNS, and for one account only.

export const TXT_PREFIX = 'blanca-domain-verification=';
const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+xn--[a-z0-9-]{1,59}$/;

export interface DomainView {
  domain: string;
  state: 'pending' | 'verified';
  /** The DNS record that verifies it: a TXT record at the domain itself (the apex, not a subdomain). */
  record: { name: string; type: 'TXT'; value: string };
  verifiedAt: string | null;
  verifiedBy: string | null;
  checkedAt: string | null;
  lastCheckError: string | null;
}

export const toDomainView = (row: DomainRow): DomainView => ({
  domain: row.domain,
  state: row.state,
  record: { name: row.domain, type: 'TXT', value: `${TXT_PREFIX}${row.token}` },
  verifiedAt: row.verified_at ? new Date(row.verified_at).toISOString() : null,
  verifiedBy: row.verified_by,
  checkedAt: row.checked_at ? new Date(row.checked_at).toISOString() : null,
  lastCheckError: row.last_check_error,
});

/** Lower-case ASCII (IDNs as punycode) without a trailing dot, or null when it is not a domain name. */
export function normalizeDomain(input: string): string | null {
  const ascii = domainToASCII(input.trim().replace(/\.$/, '').toLowerCase());
  return ascii && DOMAIN_PATTERN.test(ascii) ? ascii : null;
}

function domainOrThrow(input: string, path = 'domain'): string {
  const domain = normalizeDomain(input);
  if (!domain) throw new AppError('validation_failed', `${path}: Use a domain such as example.com.`, [{ path, message: 'Use a domain such as example.com.' }]);
  return domain;
}

/** The account people with this email domain sign in to: only a verified claim, and only with SSO connected. */
export async function accountForEmailDomain(db: Db, domain: string): Promise<AccountRow | undefined> {
  const normalized = normalizeDomain(domain);
  if (!normalized) return undefined;
  const claim = await verifiedDomainClaim(db, normalized);
  if (!claim) return undefined;
  const [account, connection] = await Promise.all([getAccount(db, claim.account_id), getConnection(db, claim.account_id)]);
  return account && account.sso_enabled === 1 && connection?.status === 'connected' ? account : undefined;
}

async function requireSsoAdmin(ctx: ServiceContext): Promise<AccountRow> {
  if (!hasPermission(ctx.actor, 'account.manage')) throw forbidden('Only administrators can manage single sign-on email domains.');
  const account = await getAccount(ctx.db, ctx.actor.accountId);
  if (!account) throw notFound('This account');
  if (account.sso_enabled !== 1) throw new AppError('feature_disabled', 'Single sign-on is an enterprise feature. Ask the platform operator to switch it on for this account.');
  return account;
}

export async function listDomains(ctx: ServiceContext): Promise<DomainView[]> {
  const account = await requireSsoAdmin(ctx);
  return (await listDomainClaims(ctx.db, account.id)).map(toDomainView);
}

/** The connection's `email_domains` mirrors the claims, so the SSO tab's list and the claims never differ. */
async function mirrorClaims(tx: Tx, accountId: string, now: Date): Promise<void> {
  const claims = await listDomainClaims(tx, accountId);
  if (await getConnection(tx, accountId)) await updateConnection(tx, accountId, { email_domains: JSON.stringify(claims.map((c) => c.domain)), updated_at: now.getTime() });
}

async function addClaim(tx: Tx, accountId: string, domain: string, actor: AuditEvent['actor'], now: Date): Promise<void> {
  if (await getDomainClaim(tx, accountId, domain)) return;
  await insertDomainClaim(tx, { id: newId(), account_id: accountId, domain, token: newSecret(16), state: 'pending', created_at: now.getTime(), created_by: actor.label, verified_at: null, verified_by: null, checked_at: null, last_check_error: null });
  await recordAudit(tx, { accountId, actor, action: 'sso.domain_claim', object: { type: 'sso_domain', id: domain, label: domain } }, now);
}

async function removeClaim(tx: Tx, claim: DomainRow, actor: AuditEvent['actor'], now: Date): Promise<void> {
  await deleteDomainClaim(tx, claim.id);
  await recordAudit(tx, { accountId: claim.account_id, actor, action: 'sso.domain_release', object: { type: 'sso_domain', id: claim.domain, label: claim.domain }, detail: { state: claim.state } }, now);
}

/** Claims a domain for the account: pending, with the TXT record to create. */
export async function claimDomain(ctx: ServiceContext, input: string): Promise<DomainView> {
  const account = await requireSsoAdmin(ctx);
  const domain = domainOrThrow(input);
  await ctx.db.transaction().execute(async (tx) => {
    await addClaim(tx, account.id, domain, auditActor(ctx.actor), ctx.now);
    await mirrorClaims(tx, account.id, ctx.now);
  });
  return toDomainView((await getDomainClaim(ctx.db, account.id, domain))!);
}

export async function releaseDomain(ctx: ServiceContext, input: string): Promise<void> {
  const account = await requireSsoAdmin(ctx);
  const domain = domainOrThrow(input);
  const claim = await getDomainClaim(ctx.db, account.id, domain);
  if (!claim) throw notFound('This email domain');
  await ctx.db.transaction().execute(async (tx) => {
    await removeClaim(tx, claim, auditActor(ctx.actor), ctx.now);
    await mirrorClaims(tx, account.id, ctx.now);
  });
}

/**
 * The SSO tab's list of domains (Connect, PUT /api/v1/sso): new ones become pending claims, missing
 * ones are released. Called inside the connection's transaction.
 */
export async function syncDomainClaims(tx: Tx, accountId: string, domains: string[], actor: AuditEvent['actor'], now: Date): Promise<void> {
  const wanted = new Set(domains.map((d, index) => domainOrThrow(d, `emailDomains[${index}]`)));
  for (const claim of await listDomainClaims(tx, accountId)) if (!wanted.has(claim.domain)) await removeClaim(tx, claim, actor, now);
  for (const domain of wanted) await addClaim(tx, accountId, domain, actor, now);
  await mirrorClaims(tx, accountId, now);
}

/** "Check now": looks for the TXT record; verifies the claim unless another account holds the domain. */
export async function checkDomain(ctx: ServiceContext, input: string, lookup: TxtLookup): Promise<DomainView> {
  const account = await requireSsoAdmin(ctx);
  const domain = domainOrThrow(input);
  const claim = await getDomainClaim(ctx.db, account.id, domain);
  if (!claim) throw notFound('This email domain');
  if (claim.state === 'verified') return toDomainView(claim);
  const problem = await verificationProblem(ctx.db, claim, lookup);
  if (problem === null && (await markDomainVerified(ctx.db, claim.id, ctx.now.getTime(), 'dns'))) {
    await recordAudit(ctx.db, { accountId: account.id, actor: auditActor(ctx.actor), action: 'sso.domain_verify', object: { type: 'sso_domain', id: domain, label: domain }, detail: { by: 'dns', record: `${TXT_PREFIX}${claim.token}` } }, ctx.now);
  } else {
    await recordDomainCheck(ctx.db, claim.id, ctx.now.getTime(), problem ?? alreadyTaken(domain));
  }
  return toDomainView((await getDomainClaim(ctx.db, account.id, domain))!);
}

const alreadyTaken = (domain: string) => `${domain} is already verified for another account; the platform operator can release it.`;

async function verificationProblem(db: Db, claim: DomainRow, lookup: TxtLookup): Promise<string | null> {
  let records: string[];
  try {
    records = await lookup(claim.domain);
  } catch (error) {
    return dnsFailureText(claim.domain, error);
  }
  const expected = `${TXT_PREFIX}${claim.token}`;
  if (!records.some((record) => record.trim() === expected)) {
    const others = records.filter((record) => record.startsWith(TXT_PREFIX)).length;
    return `No TXT record "${expected}" at ${claim.domain} (${records.length} TXT record(s) found${others ? `, ${others} with another verification token` : ''}). DNS changes can take a while to appear.`;
  }
  const holder = await verifiedDomainClaim(db, claim.domain);
  return holder && holder.id !== claim.id ? alreadyTaken(claim.domain) : null;
}

// --- The platform operator (CLI): verify by hand, release, list. Audited as the operator. ---

const OPERATOR: AuditEvent['actor'] = { kind: 'system', id: null, label: 'Platform operator' };

export class DomainCommandError extends Error {}

/** Verifies a domain for an account without DNS (claiming it first when needed); refused while another account holds it. */
export async function operatorVerifyDomain(db: Db, accountId: string, input: string, now: Date): Promise<DomainView> {
  const domain = normalizeDomain(input);
  if (!domain) throw new DomainCommandError(`"${input}" is not a domain name such as example.com.`);
  const holder = await verifiedDomainClaim(db, domain);
  if (holder && holder.account_id !== accountId) throw new DomainCommandError(`${domain} is verified for another account; release it first: blanca domain release ${domain}`);
  await db.transaction().execute(async (tx) => {
    await addClaim(tx, accountId, domain, OPERATOR, now);
    await mirrorClaims(tx, accountId, now);
  });
  const claim = (await getDomainClaim(db, accountId, domain))!;
  if (claim.state !== 'verified') {
    if (!(await markDomainVerified(db, claim.id, now.getTime(), OPERATOR.label))) throw new DomainCommandError(`${domain} was just verified for another account.`);
    await recordAudit(db, { accountId, actor: OPERATOR, action: 'sso.domain_verify', object: { type: 'sso_domain', id: domain, label: domain }, detail: { by: 'operator' } }, now);
  }
  return toDomainView((await getDomainClaim(db, accountId, domain))!);
}

/** Frees a domain: the verified claim is removed (that account stops receiving its sign-ins); pending claims stay. */
export async function operatorReleaseDomain(db: Db, input: string, now: Date): Promise<{ domain: string; accountId: string } | null> {
  const domain = normalizeDomain(input);
  if (!domain) throw new DomainCommandError(`"${input}" is not a domain name such as example.com.`);
  const holder = await verifiedDomainClaim(db, domain);
  if (!holder) return null;
  await db.transaction().execute(async (tx) => {
    await removeClaim(tx, holder, OPERATOR, now);
    await mirrorClaims(tx, holder.account_id, now);
  });
  return { domain, accountId: holder.account_id };
}
