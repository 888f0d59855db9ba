import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getAccount } from '../accounts/store.js';
import { createSession, deleteSession } from '../auth/sessions.js';
import { html } from '../platform/html.js';
import { cookieOptions, SESSION_COOKIE } from '../web/cookies.js';
import { verifyCsrf } from '../web/csrf.js';
import type { AppDeps } from '../web/deps.js';
import { publicPage } from '../web/page.js';
import { ACCOUNT_COOKIE } from '../auth/http/session-hook.js';
import { SSO_CLIENT_JS, SSO_CLIENT_PATH } from './portal/client.js';
import { setupLinkOpenBody } from './portal/setup-links.js';
import { findSetupLink, recordSetupLinkOpened } from './setup-links.js';

type TokenParams = { token: string };

/**
 * Public routes of SSO set-up links: the page the IT contact opens (GET shows who invites them; the
 * session starts only on Continue, a CSRF-checked POST, so link scanners and prefetchers start none),
 * and the SSO pages' script file.
 */
export async function ssoSetupLinkRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const secure = deps.config.secureCookies;

  app.get(SSO_CLIENT_PATH, { config: { anonymous: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(SSO_CLIENT_JS),
  );

  function unusable(request: FastifyRequest, reply: FastifyReply) {
    return publicPage(request, reply, deps, { title: request.t('sso.setupLink.openTitle'), status: 404 }, () => html`<h1>${request.t('sso.setupLink.openTitle')}</h1><p role="alert">${request.t('sso.setupLink.unusable')}</p>`);
  }

  app.get<{ Params: TokenParams }>('/sso-setup/:token', async (request, reply) => {
    const now = deps.clock.now();
    const found = await findSetupLink(deps.db, request.params.token, now);
    reply.header('referrer-policy', 'no-referrer').header('cache-control', 'no-store');
    if (!found.ok) return unusable(request, reply);
    const account = await getAccount(deps.db, found.link.account_id);
    request.account = account ?? null;
    return publicPage(request, reply, deps, { title: request.t('sso.setupLink.openTitle') }, (csrf) =>
      setupLinkOpenBody(request.t, csrf, { token: request.params.token, label: found.link.label, creator: found.link.created_by_label, account: account?.name ?? '', expiresAt: new Date(found.link.expires_at).toISOString() }),
    );
  });

  app.post<{ Params: TokenParams }>('/sso-setup/:token', async (request, reply) => {
    verifyCsrf(request, deps.secretKey);
    const now = deps.clock.now();
    const found = await findSetupLink(deps.db, request.params.token, now);
    if (!found.ok) return unusable(request, reply);
    const link = found.link;
    // The session lives no longer than the link; the session hook also re-checks the link on every request.
    const ttlMs = Math.min(deps.config.SESSION_TTL_HOURS * 3600_000, link.expires_at - now.getTime());
    if (request.session) await deleteSession(deps.db, request.session.id);
    const { token } = await createSession(deps.db, { accountId: link.account_id, principalKind: 'sso_setup', principalId: link.id }, now, ttlMs);
    await recordSetupLinkOpened(deps.db, link, now);
    const account = await getAccount(deps.db, link.account_id);
    reply.setCookie(SESSION_COOKIE, token, cookieOptions(secure, Math.floor(ttlMs / 1000)));
    if (account) reply.setCookie(ACCOUNT_COOKIE, account.slug, cookieOptions(secure, 3600 * 24 * 365));
    return reply.redirect('/settings/sso', 303);
  });
}
