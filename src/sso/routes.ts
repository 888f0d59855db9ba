import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getAccountBySlug, type AccountRow } from '../accounts/store.js';
import { AppError, notFound } from '../platform/errors.js';
import { html } from '../platform/html.js';
import type { MessageKey } from '../platform/i18n.js';
import { pickLocale, translator } from '../platform/i18n.js';
import { LANGUAGE_COOKIE, SESSION_COOKIE } from '../web/cookies.js';
import { verifyCsrf } from '../web/csrf.js';
import type { AppDeps } from '../web/deps.js';
import { safeLocalPath } from '../platform/local-path.js';
import { publicPage } from '../web/page.js';
import { setSessionCookies } from '../auth/http/session-cookies.js';
import { reportSignIn } from '../web/sign-in-outcome.js';
import { deleteSession } from '../auth/sessions.js';
import { handleSloMessage } from './logout.js';
import type { SamlFailureCode } from './saml/failures.js';
import { spEndpoints, spMetadataXml } from './service.js';
import { samlEndpointLimits } from './rate-limits.js';
import { completeSignIn, startSignIn, type SsoDeps } from './signin.js';
import { getConnection } from './store.js';
import { accountForEmailDomain } from './domains/service.js';
import { ssoSetupLinkRoutes } from './setup-link-routes.js';

type SlugParams = { slug: string };

/** What the person is told; the exact reason is in the SSO log for the administrator. */
function personMessage(code: SamlFailureCode | 'not_connected'): MessageKey {
  switch (code) {
    case 'not_connected':
      return 'sso.failed.notConnected';
    case 'idp_error_status':
      return 'sso.failed.idp';
    case 'expired':
    case 'not_yet_valid':
    case 'replayed_assertion':
    case 'in_response_to_unknown':
    case 'unsolicited_response':
      return 'sso.failed.timing';
    case 'signature_missing':
    case 'signature_invalid':
    case 'signature_wrapping':
    case 'certificate_not_configured':
    case 'weak_signature_algorithm':
    case 'multiple_assertions':
    case 'doctype_forbidden':
    case 'in_response_to_mismatch':
      return 'sso.failed.signature';
    default:
      return 'sso.failed.config';
  }
}

export function ssoDeps(deps: AppDeps): SsoDeps {
  return { db: deps.db, engine: deps.engine, config: deps.config, sessionTtlMs: deps.config.SESSION_TTL_HOURS * 3600_000 };
}

/** The public SAML endpoints of each account's SP: descriptor, sign-in, ACS, single logout. */
export async function ssoPublicRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await ssoSetupLinkRoutes(app, deps);
  const sso = ssoDeps(deps);
  const secure = deps.config.secureCookies;
  const limits = samlEndpointLimits(app);

  async function accountOf(slug: string): Promise<AccountRow> {
    const account = await getAccountBySlug(deps.db, slug);
    if (!account || account.sso_enabled !== 1) throw notFound('This single sign-on connection');
    return account;
  }

  app.get<{ Params: SlugParams; Querystring: { download?: string } }>('/sso/:slug/metadata', { onRequest: limits }, async (request, reply) => {
    const account = await accountOf(request.params.slug);
    const connection = await getConnection(deps.db, account.id);
    if (!connection) throw notFound('This single sign-on connection');
    const xml = spMetadataXml(connection, spEndpoints(deps.config.publicUrl, account.slug));
    if (request.query.download) reply.header('content-disposition', `attachment; filename="${account.slug}-sp-metadata.xml"`);
    return reply.type('application/samlmetadata+xml; charset=utf-8').send(xml);
  });

  app.get<{ Params: SlugParams; Querystring: { returnTo?: string } }>('/sso/:slug/login', { onRequest: limits }, async (request, reply) => {
    const account = await accountOf(request.params.slug);
    const started = await startSignIn(sso, account, { returnTo: safeLocalPath(request.query.returnTo, '/'), purpose: 'signin' }, deps.clock.now());
    if (!started.ok) return failurePage(request, reply, account, 'not_connected', null);
    return reply.redirect(started.redirectUrl, 303);
  });

  // The IdP's POST carries no Blanca session (SameSite cookies stay behind on a cross-site POST),
  // so the ACS skips the session hook and picks the page language itself.
  app.post<{ Params: SlugParams; Body: { SAMLResponse?: string; RelayState?: string } }>('/sso/:slug/acs', { config: { anonymous: true }, onRequest: limits }, async (request, reply) => {
    const account = await accountOf(request.params.slug);
    request.account = account;
    request.locale = pickLocale(request.cookies[LANGUAGE_COOKIE], request.headers['accept-language'], account.default_locale);
    request.t = translator(deps.messages, request.locale);
    const body = (request.body ?? {}) as { SAMLResponse?: string; RelayState?: string };
    const result = await completeSignIn(sso, account, { SAMLResponse: typeof body.SAMLResponse === 'string' ? body.SAMLResponse : undefined, RelayState: typeof body.RelayState === 'string' ? body.RelayState : undefined }, deps.clock.now());
    switch (result.kind) {
      case 'session': {
        // The cookie lives no longer than the session (the IdP's SessionNotOnOrAfter or the SSO lifetime).
        const now = deps.clock.now();
        setSessionCookies(reply, { token: result.token, expiresAt: Math.min(now.getTime() + sso.sessionTtlMs, result.expiresAt), accountSlug: account.slug }, now, secure);
        reportSignIn(request, { method: 'sso', outcome: 'success' });
        return reply.redirect(result.returnTo, 303);
      }
      case 'test_report':
        reportSignIn(request, { method: 'sso', outcome: 'test' });
        return reply.redirect(`/settings/sso/log/${result.logId}`, 303);
      case 'no_access':
        reportSignIn(request, { method: 'sso', outcome: 'no_access' });
        return noAccessPage(request, reply, result.rolesReceived, result.existingUsers, result.expectedRoleValues);
      case 'refused':
        reportSignIn(request, { method: 'sso', outcome: 'failure' });
        return refusedPage(request, reply, result.logId);
      case 'failed':
        reportSignIn(request, { method: 'sso', outcome: 'failure' });
        return failurePage(request, reply, account, result.code, result.logId);
    }
  });

  async function slo(request: FastifyRequest<{ Params: SlugParams }>, reply: FastifyReply) {
    const account = await accountOf(request.params.slug);
    request.account = account;
    const rawQuery = request.raw.url?.split('?')[1] ?? '';
    const form = (request.body ?? {}) as { SAMLRequest?: string; SAMLResponse?: string; RelayState?: string };
    const query = request.query as Record<string, unknown>;
    const message = request.method === 'POST' ? { binding: 'post' as const, form } : { binding: 'redirect' as const, rawQuery };
    const fields = request.method === 'POST' ? (form as Record<string, unknown>) : query;
    const hasRequest = typeof fields.SAMLRequest === 'string';
    // No SAML message: any site can send a browser here, so nothing changes; the person may sign
    // out with the portal's own form (POST /logout with a CSRF token).
    if (!hasRequest && typeof fields.SAMLResponse !== 'string') return signOutPage(request, reply);
    const result = await handleSloMessage(sso, account, message, hasRequest, deps.clock.now());
    if (result.kind === 'failed') throw new AppError('validation_failed', result.message);
    // The IdP's verified confirmation of a logout Blanca started: /logout already deleted the
    // session; should this browser still carry a live one, it ends too. Unverified answers change nothing.
    if (result.confirmed && request.session) {
      await deleteSession(deps.db, request.session.id);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
    }
    return reply.redirect(result.url, 303);
  }

  function signOutPage(request: FastifyRequest, reply: FastifyReply) {
    const t = request.t;
    return publicPage(request, reply, deps, { title: t('sso.signOutTitle') }, (csrf) => html`
<h1>${t('sso.signOutTitle')}</h1>
${request.session ? html`<p>${t('sso.signOutConfirm')}</p>
<form method="post" action="/logout" class="stack">${csrf}<div class="actions"><button type="submit">${t('nav.signout')}</button></div></form>` : html`<p>${t('sso.signedOut')}</p><p><a class="button" href="/login">${t('login.title')}</a></p>`}`);
  }
  app.get<{ Params: SlugParams }>('/sso/:slug/slo', { onRequest: limits }, slo);
  app.post<{ Params: SlugParams }>('/sso/:slug/slo', { onRequest: limits }, slo);

  // From the sign-in page: by the account chosen, or by the domain of a work email.
  app.post('/login/sso', { config: { rateLimit: { max: 30, timeWindow: '1 minute' } } }, async (request, reply) => {
    verifyCsrf(request, deps.secretKey);
    const body = request.body as Record<string, unknown>;
    const returnTo = encodeURIComponent(safeLocalPath(body.returnTo, '/'));
    const email = typeof body.email === 'string' ? body.email.trim().toLowerCase() : '';
    if (email) {
      const domain = email.split('@')[1] ?? '';
      // Only a domain verified for one account routes (DNS TXT or the operator); exact domain, no parent match.
      const account = domain ? await accountForEmailDomain(deps.db, domain) : undefined;
      if (!account) return publicPage(request, reply, deps, { title: request.t('sso.signIn'), status: 404 }, () => html`<h1>${request.t('sso.signIn')}</h1><p role="alert">${request.t('sso.noDomain')}</p><p><a href="/login">${request.t('sso.tryAgain')}</a></p>`);
      return reply.redirect(`/sso/${encodeURIComponent(account.slug)}/login?returnTo=${returnTo}`, 303);
    }
    const slug = typeof body.account === 'string' && body.account ? body.account : request.account?.slug;
    if (!slug) return reply.redirect('/login', 303);
    return reply.redirect(`/sso/${encodeURIComponent(slug)}/login?returnTo=${returnTo}`, 303);
  });

  function failurePage(request: FastifyRequest, reply: FastifyReply, account: AccountRow, code: SamlFailureCode | 'not_connected', logId: string | null) {
    const t = request.t;
    request.account = account;
    return publicPage(request, reply, deps, { title: t('sso.failedTitle'), status: 400 }, () => html`
<h1>${t('sso.failedTitle')}</h1>
<p role="alert">${t(personMessage(code))}</p>
${logId ? html`<p>${t('sso.failed.reference', { ref: logId.slice(0, 8) })}</p>` : ''}
<p><a class="button" href="/sso/${account.slug}/login">${t('sso.tryAgain')}</a> <a class="button secondary" href="/login">${t('login.title')}</a></p>`);
  }

  function refusedPage(request: FastifyRequest, reply: FastifyReply, logId: string) {
    const t = request.t;
    return publicPage(request, reply, deps, { title: t('sso.refusedTitle'), status: 403 }, () => html`
<h1>${t('sso.refusedTitle')}</h1>
<p role="alert">${t('sso.refused')}</p>
<p>${t('sso.failed.reference', { ref: logId.slice(0, 8) })}</p>`);
  }

  /** `users[i]` is reached by the role value `values[i]`: the page shows what was expected. */
  function noAccessPage(request: FastifyRequest, reply: FastifyReply, roles: string[], users: string[], values: string[]) {
    const t = request.t;
    return publicPage(request, reply, deps, { title: t('sso.noAccessTitle'), status: 403 }, () => html`
<h1>${t('sso.noAccessTitle')}</h1>
<p role="alert">${t('sso.noAccess')}</p>
<h2>${t('sso.rolesReceived')}</h2>
${roles.length ? html`<ul id="roles-received">${roles.map((r) => html`<li><code>${r}</code></li>`)}</ul>` : html`<p id="roles-received">${t('sso.noRoles')}</p>`}
<h2>${t('sso.usersExisting')}</h2>
<ul id="users-existing">${users.map((u) => html`<li><code>${u}</code></li>`)}</ul>
<h2>${t('sso.rolesExpected')}</h2>
<ul id="roles-expected">${users.map((u, i) => html`<li>${t('sso.expectedValue', { value: values[i] ?? u, name: u })}</li>`)}</ul>
<p>${t('sso.noAccessHelp')}</p>`);
  }
}
