import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getAccountBySlug } from '../accounts/store.js';
import type { AccountRow } from '../accounts/store.js';
import { AppError, notFound } from '../platform/errors.js';
import { html, type SafeHtml } from '../platform/html.js';
import { isLocale } from '../platform/i18n.js';
import { parseInput } from '../platform/validation.js';
import { updateSubaccountRow } from '../subaccounts/store.js';
import { updateUserRow } from '../users/store.js';
import { cookieOptions, LANGUAGE_COOKIE, SESSION_COOKIE } from '../web/cookies.js';
import { csrfToken, verifyCsrf } from '../web/csrf.js';
import type { AppDeps } from '../web/deps.js';
import { fieldError, textField } from '../web/forms.js';
import { safeLocalPath } from '../platform/local-path.js';
import { csrfField, publicPage } from '../web/page.js';
import { deleteSession, updateSession } from './sessions.js';
import { signInWithPassword, startPasswordSession } from './signin.js';
import { setSessionCookies } from './http/session-cookies.js';
import { frontDoorAccount } from './http/session-hook.js';
import { reportSignIn } from '../web/sign-in-outcome.js';
import { totpSecretOf } from './two-factor.js';
import { passwordResetPortal } from './password-reset-portal.js';
import { minutesFrom } from './attempts.js';
import { checkSecondFactor } from './second-factor.js';

const LoginForm = Type.Object({
  account: Type.Optional(Type.String({ maxLength: 64 })),
  identifier: Type.String({ minLength: 1, maxLength: 254, errorMessage: 'Enter your email or user name.' }),
  password: Type.String({ minLength: 1, maxLength: 200, errorMessage: 'Enter your password.' }),
  returnTo: Type.Optional(Type.String({ maxLength: 2000 })),
});

/** Extension point: the SSO domain adds its sign-in button and single logout here. */
export interface SignInExtensions {
  loginButtons?: (request: FastifyRequest, csrf: SafeHtml) => Promise<SafeHtml | string>;
  /** True when the account enforces SSO: password sign-in only for the owner. */
  enforcesSso?: (account: AccountRow) => Promise<boolean>;
  /** Returns the IdP logout URL to send the person to, or null. */
  beforeLogout?: (request: FastifyRequest) => Promise<string | null>;
}

export async function authPortal(app: FastifyInstance, deps: AppDeps, extensions: SignInExtensions = {}): Promise<void> {
  const ttlMs = deps.config.SESSION_TTL_HOURS * 3600_000;
  const secure = deps.config.secureCookies;
  await passwordResetPortal(app, deps);

  async function loginPage(request: FastifyRequest, reply: FastifyReply, state: { identifier?: string; error?: string; status?: number }) {
    // Through an account's own front door the account is fixed: no field, nothing of other accounts.
    const fixed = await frontDoorAccount(deps, request);
    const t = request.t;
    const query = request.query as Record<string, unknown>;
    const returnTo = safeLocalPath(query.returnTo ?? (request.body as Record<string, unknown> | undefined)?.returnTo, '/');
    const csrf = csrfField(csrfToken(request, reply, deps.secretKey, secure));
    const extra = extensions.loginButtons ? await extensions.loginButtons(request, csrf) : '';
    const errors = state.error ? [{ path: 'identifier', message: state.error }] : [];
    return publicPage(request, reply, deps, { title: t('login.title'), ...(state.status ? { status: state.status } : {}) }, (csrf) => html`
<h1>${t('login.title')}</h1>
${state.error ? html`<div class="error-summary" role="alert" id="error-summary" tabindex="-1" autofocus><p>${state.error}</p></div>` : ''}
<form method="post" action="${fixed && request.routeOptions.url?.startsWith('/a/:slug/') ? `/a/${encodeURIComponent(fixed.slug)}/login` : '/login'}" class="stack" novalidate>
  ${csrf}<input type="hidden" name="returnTo" value="${returnTo}">
  ${fixed ? html`<input type="hidden" name="account" value="${fixed.slug}">` : textField({ name: 'account', label: t('login.account'), hint: t('login.accountHelp'), value: request.account?.slug ?? '', autocomplete: 'organization', required: true })}
  ${textField({ name: 'identifier', label: t('login.identifier'), value: state.identifier ?? '', autocomplete: 'username', required: true, errors })}
  ${textField({ name: 'password', label: t('login.password'), type: 'password', autocomplete: 'current-password', required: true })}
  <div class="actions"><button type="submit">${t('login.submit')}</button></div>
</form>
${deps.config.SMTP_URL ? html`<p><a href="/login/forgot">${t('reset.forgotLink')}</a></p>` : ''}
${extra}`);
  }

  app.get('/login', async (request, reply) => {
    if (request.actor) return reply.redirect('/', 303);
    return loginPage(request, reply, {});
  });

  // An account's own sign-in page: only its branding, linkable from the customer's intranet.
  app.get<{ Params: { slug: string } }>('/a/:slug/login', { schema: { params: Type.Object({ slug: Type.String({ maxLength: 64 }) }) } }, async (request, reply) => {
    if (!(await frontDoorAccount(deps, request))) throw notFound('This sign-in page');
    if (request.actor) return reply.redirect('/', 303);
    return loginPage(request, reply, {});
  });

  const submitLogin = async (request: FastifyRequest, reply: FastifyReply) => {
    verifyCsrf(request, deps.secretKey);
    const t = request.t;
    let form;
    try {
      form = parseInput(LoginForm, request.body);
    } catch (error) {
      if (error instanceof AppError) reportSignIn(request, { method: 'password', outcome: 'rejected' });
      if (error instanceof AppError) return loginPage(request, reply, { error: fieldError(error.fieldErrors, 'identifier') ?? fieldError(error.fieldErrors, 'password') ?? t('login.invalid'), status: 400 });
      throw error;
    }
    const fixed = await frontDoorAccount(deps, request);
    const account = fixed ?? (form.account ? await getAccountBySlug(deps.db, form.account.trim().toLowerCase()) : request.account);
    if (!account) {
      reportSignIn(request, { method: 'password', outcome: 'rejected' });
      return loginPage(request, reply, { identifier: form.identifier, error: t('login.unknownAccount'), status: 400 });
    }
    request.account = account;
    const now = deps.clock.now();
    const enforcesSso = extensions.enforcesSso ? await extensions.enforcesSso(account) : false;
    const result = await signInWithPassword(deps.db, { accountId: account.id, identifier: form.identifier, password: form.password, source: request.ip, now, enforcesSso });
    if (!result.ok && result.reason === 'sso_required') {
      reportSignIn(request, { method: 'password', outcome: 'rejected' });
      return loginPage(request, reply, { identifier: form.identifier, error: t('login.ssoRequired'), status: 403 });
    }
    if (!result.ok) {
      reportSignIn(request, { method: 'password', outcome: result.reason === 'locked' ? 'locked' : 'invalid' });
      const error = result.reason === 'locked' ? t('login.locked', { minutes: result.retryAfterMinutes }) : t('login.invalid');
      return loginPage(request, reply, { identifier: form.identifier, error, status: result.reason === 'locked' ? 423 : 401 });
    }
    const session = await startPasswordSession(deps.db, result.principal, { replacesSessionId: request.session?.id ?? null, now, ttlMs });
    setSessionCookies(reply, { ...session, accountSlug: account.slug }, now, secure);
    reportSignIn(request, { method: 'password', outcome: 'success' });
    const returnTo = safeLocalPath(form.returnTo, '/');
    return reply.redirect(result.principal.hasTotp ? `/login/2fa?returnTo=${encodeURIComponent(returnTo)}` : returnTo, 303);
  };
  app.post('/login', { config: { rateLimit: { max: 30, timeWindow: '1 minute' } } }, submitLogin);
  app.post<{ Params: { slug: string } }>('/a/:slug/login', { config: { rateLimit: { max: 30, timeWindow: '1 minute' } }, schema: { params: Type.Object({ slug: Type.String({ maxLength: 64 }) }) } }, async (request, reply) => {
    if (!(await frontDoorAccount(deps, request))) throw notFound('This sign-in page');
    return submitLogin(request, reply);
  });

  async function totpPage(request: FastifyRequest, reply: FastifyReply, error?: string, status = 401) {
    const t = request.t;
    const returnTo = safeLocalPath((request.query as Record<string, unknown>).returnTo, '/');
    return publicPage(request, reply, deps, { title: t('login.totpTitle'), ...(error ? { status } : {}) }, (csrf) => html`
<h1>${t('login.totpTitle')}</h1>
<form method="post" action="/login/2fa?returnTo=${encodeURIComponent(returnTo)}" class="stack">
  ${csrf}
  ${textField({ name: 'code', label: t('login.totpCode'), autocomplete: 'one-time-code', required: true, attrs: html`inputmode="numeric" pattern="[0-9 ]*" maxlength="8" autofocus`, errors: error ? [{ path: 'code', message: error }] : [] })}
  <div class="actions"><button type="submit">${t('login.verify')}</button></div>
</form>`);
  }

  app.get('/login/2fa', async (request, reply) => {
    if (!request.session?.two_factor_pending) return reply.redirect('/login', 303);
    return totpPage(request, reply);
  });

  app.post('/login/2fa', { config: { rateLimit: { max: 10, timeWindow: '1 minute' } } }, async (request, reply) => {
    verifyCsrf(request, deps.secretKey);
    const session = request.session;
    if (!session?.two_factor_pending) return reply.redirect('/login', 303);
    const code = String((request.body as Record<string, unknown>).code ?? '');
    // A set-up link session never waits for a second factor.
    if (session.principal_kind === 'sso_setup') return totpPage(request, reply, request.t('login.totpInvalid'));
    const secret = await totpSecretOf(deps.db, session.principal_kind, session.account_id, session.principal_id);
    if (!secret) return totpPage(request, reply, request.t('login.totpInvalid'));
    // Wrong codes are limited per person across instances; each code works once (auth/second-factor.ts).
    const check = await checkSecondFactor(deps.db, { kind: session.principal_kind, id: session.principal_id }, secret, code, deps.clock.now());
    if (!check.ok) {
      if (check.reason === 'locked') return totpPage(request, reply, request.t('login.totpLocked', { minutes: minutesFrom(check.retryAfterMs) }), 423);
      return totpPage(request, reply, request.t(check.reason === 'reused' ? 'login.totpReused' : 'login.totpInvalid'));
    }
    await updateSession(deps.db, session.id, { two_factor_pending: 0 });
    return reply.redirect(safeLocalPath((request.query as Record<string, unknown>).returnTo, '/'), 303);
  });

  app.post('/logout', async (request, reply) => {
    verifyCsrf(request, deps.secretKey);
    // Blanca's session ends first, whatever happens at the IdP (request.session keeps what single logout needs).
    if (request.session) await deleteSession(deps.db, request.session.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    const idpLogout = extensions.beforeLogout ? await extensions.beforeLogout(request).catch((error: unknown) => (request.log.warn({ err: error }, 'single logout could not be started'), null)) : null;
    return reply.redirect(idpLogout ?? '/login', 303);
  });

  app.post('/language', async (request, reply) => {
    verifyCsrf(request, deps.secretKey);
    const body = request.body as Record<string, unknown>;
    const locale = body.locale;
    if (!isLocale(locale)) throw new AppError('validation_failed', 'Choose English or Español.', [{ path: 'locale', message: 'Choose English or Español.' }]);
    reply.setCookie(LANGUAGE_COOKIE, locale, { ...cookieOptions(secure, 3600 * 24 * 365), httpOnly: false });
    const actor = request.actor;
    if (actor?.kind === 'subaccount') await updateSubaccountRow(deps.db, actor.accountId, actor.id, { locale });
    if (actor?.kind === 'user') await updateUserRow(deps.db, actor.accountId, actor.id, { locale });
    return reply.redirect(safeLocalPath(body.returnTo, '/'), 303);
  });
}
