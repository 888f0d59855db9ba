import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pageBrandOf } from '../../accounts/branding.js';
import { getAccount, getAccountBySlug, getAccountByPortalDomain, type AccountRow } from '../../accounts/store.js';
import { resolvePerson } from '../resolve.js';
import { pageChrome } from './page-chrome.js';
import './request-context.js';
import { validateSessionToken } from '../sessions.js';
import { resolveApiToken } from '../tokens.js';
import { pickLocale, translator } from '../../platform/i18n.js';
import { LANGUAGE_COOKIE, SESSION_COOKIE } from '../../web/cookies.js';
import type { AppDeps } from '../../web/deps.js';

export const ACCOUNT_COOKIE = 'qrp_account';

/**
 * The account an anonymous visitor is signing in to: the account's own front door (its portal
 * domain in the Host header, or /a/<slug>/…), else chosen by ?account=, remembered, or the only one.
 */
export async function anonymousAccount(deps: AppDeps, request: FastifyRequest): Promise<AccountRow | null> {
  const frontDoor = await frontDoorAccount(deps, request);
  if (frontDoor) return frontDoor;
  const chosen = (request.query as Record<string, unknown> | undefined)?.account ?? request.cookies[ACCOUNT_COOKIE];
  if (typeof chosen === 'string' && chosen.length <= 64) {
    const account = await getAccountBySlug(deps.db, chosen);
    if (account) return account;
  }
  // Two rows at most: enough to know whether there is exactly one, whatever the number of accounts.
  const accounts = await deps.db.selectFrom('accounts').selectAll().limit(2).execute();
  return accounts.length === 1 ? (accounts[0] ?? null) : null;
}

/** The account whose own front door this request came through, if any. */
export async function frontDoorAccount(deps: AppDeps, request: FastifyRequest): Promise<AccountRow | null> {
  const slug = (request.params as Record<string, unknown> | undefined)?.slug;
  if (request.routeOptions.url?.startsWith('/a/:slug/') && typeof slug === 'string' && slug.length <= 64) return (await getAccountBySlug(deps.db, slug)) ?? null;
  // request.hostname: the Host header, or X-Forwarded-Host only from a trusted proxy (TRUST_PROXY).
  const host = request.hostname.toLowerCase();
  if (host.length > 0 && host.length <= 253 && host !== deps.config.publicHost) return (await getAccountByPortalDomain(deps.db, host)) ?? null;
  return null;
}

/**
 * Resolves who is asking, once per request: on API routes (route config `bearerOnly`, set by the
 * API scope) a bearer token and never a cookie; elsewhere the session cookie. A session waiting for
 * its second factor has no actor.
 */
export function installSessionHook(app: FastifyInstance, deps: AppDeps): void {
  app.decorateRequest('actor', null);
  app.decorateRequest('session', null);
  app.decorateRequest('account', null);
  // The page layout (web/) brands itself with the account without knowing the accounts domain.
  app.decorateRequest('brand', {
    getter(this: FastifyRequest) {
      return this.account ? pageBrandOf(this.account) : null;
    },
  });
  app.decorateRequest('chrome', null);
  app.decorateRequest('locale', 'en');
  app.decorateRequest('t', undefined as never);

  app.addHook('onRequest', async (request) => {
    // Hot paths (QR redirects, health checks) opt out: they need no person.
    if ((request.routeOptions.config as { anonymous?: boolean } | undefined)?.anonymous) return;
    const now = deps.clock.now();
    const ttlMs = deps.config.SESSION_TTL_HOURS * 3600_000;
    const authorization = request.headers.authorization;
    let personChoice: string | null = null;
    if (request.routeOptions.config?.bearerOnly) {
      if (authorization?.startsWith('Bearer ')) request.actor = await resolveApiToken(deps.db, authorization.slice(7).trim(), now);
    } else {
      const token = request.cookies[SESSION_COOKIE];
      const session = token ? await validateSessionToken(deps.db, token, now, ttlMs) : null;
      if (session) {
        request.session = session;
        if (session.two_factor_pending === 0) {
          const person = await resolvePerson(deps.db, session.account_id, session.principal_kind, session.principal_id);
          request.actor = person?.actor ?? null;
          personChoice = person?.locale ?? null;
          if (person) request.chrome = await pageChrome(deps.db, person, session.acting_user_id);
        }
      }
    }
    const accountId = request.actor?.accountId ?? request.session?.account_id;
    request.account = accountId ? ((await getAccount(deps.db, accountId)) ?? null) : await anonymousAccount(deps, request);
    const choice = personChoice ?? request.cookies[LANGUAGE_COOKIE];
    request.locale = pickLocale(choice, request.headers['accept-language'], request.account?.default_locale ?? 'en');
    request.t = translator(deps.messages, request.locale);
  });
}
