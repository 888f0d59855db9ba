import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { AppError } from '../platform/errors.js';
import { html, raw } from '../platform/html.js';
import type { AppDeps } from '../web/deps.js';
import { setFlash, takeFlash } from '../web/flash.js';
import { textField } from '../web/forms.js';
import { contextOf, personOf } from './http/context.js';
import { redirectTo } from '../web/guards.js';
import { portalPage } from '../web/page.js';
import { newTotpSecret, totpUri } from './totp.js';
import { deleteSessionsOf } from './sessions.js';
import { recordAudit } from '../audit/store.js';
import { auditActor } from '../audit/actor.js';
import { SESSION_COOKIE } from '../web/cookies.js';
import { minutesFrom } from './attempts.js';
import { disableTwoFactor, enableTwoFactor, SecondFactorRefused, totpSecretOf } from './two-factor.js';

/** "My security": TOTP two-factor set-up for the signed-in person. */
export async function securityPortal(app: FastifyInstance, deps: AppDeps): Promise<void> {
  async function page(request: FastifyRequest, reply: FastifyReply, error?: { path: string; message: string }, pendingSecret?: string) {
    const person = personOf(request);
    const t = request.t;
    const enabled = (await totpSecretOf(deps.db, person.kind, person.accountId, person.id)) !== null;
    const required = (request.query as Record<string, unknown>).required === '1';
    // The form posts its secret back; a page shown again only reuses one that is a real secret.
    const secret = pendingSecret !== undefined && /^[A-Z2-7]{32}$/.test(pendingSecret) ? pendingSecret : newTotpSecret();
    const qr = enabled ? '' : await QRCode.toString(totpUri(secret, person.name, request.account?.name ?? deps.config.PLATFORM_NAME), { type: 'svg', margin: 2, width: 200 });
    const errors = error ? [error] : [];
    return portalPage(request, reply, deps, { title: t('security.title'), current: '/security', flash: takeFlash(request, reply), ...(error ? { status: 400 } : {}) }, (csrf) => html`
<h1>${t('security.title')}</h1>
${required && !enabled ? html`<div class="error-summary" role="alert">${t('security.required')}</div>` : ''}
<p>${enabled ? t('security.enabled') : t('security.disabled')}</p>
${enabled
  ? html`<form method="post" action="/security/disable" class="stack">${csrf}
      ${textField({ name: 'code', label: t('login.totpCode'), autocomplete: 'one-time-code', required: true, errors })}
      <div class="actions"><button type="submit" class="danger">${t('security.disable')}</button></div></form>`
  : html`<form method="post" action="/security/enable" class="stack">${csrf}
      <p>${t('security.scan')}</p><div aria-hidden="true">${raw(qr)}</div>
      <p>${t('security.key')}: <code>${secret}</code></p>
      <input type="hidden" name="secret" value="${secret}">
      ${textField({ name: 'code', label: t('login.totpCode'), autocomplete: 'one-time-code', required: true, errors })}
      <div class="actions"><button type="submit">${t('security.enable')}</button></div></form>`}
<h2>${t('security.sessionsTitle')}</h2>
<form method="post" action="/security/sign-out-everywhere" class="stack">${csrf}
  <p id="sign-out-everywhere-help">${t('security.signOutEverywhereHelp')}</p>
  <div class="actions"><button type="submit" class="danger" aria-describedby="sign-out-everywhere-help">${t('security.signOutEverywhere')}</button></div></form>`);
  }

  app.get('/security', async (request, reply) => page(request, reply));

  app.post('/security/enable', async (request, reply) => {
    const body = request.body as Record<string, unknown>;
    try {
      await enableTwoFactor(contextOf(request, deps), String(body.secret ?? ''), String(body.code ?? ''));
    } catch (error) {
      if (error instanceof AppError && error.fieldErrors[0]) return page(request, reply, error.fieldErrors[0], String(body.secret ?? ''));
      throw error;
    }
    setFlash(reply, request.t('security.enabled'), deps.config.secureCookies);
    return redirectTo(reply, '/security');
  });

  // Ends every session of this person (stolen laptop, shared computer); audited.
  app.post('/security/sign-out-everywhere', async (request, reply) => {
    const person = personOf(request);
    const now = deps.clock.now();
    await deleteSessionsOf(deps.db, person.kind, person.id);
    await recordAudit(deps.db, { accountId: person.accountId, actor: auditActor(person), action: 'auth.sign_out_everywhere', object: { type: person.kind, id: person.id, label: person.name } }, now);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return redirectTo(reply, '/login');
  });

  app.post('/security/disable', async (request, reply) => {
    try {
      await disableTwoFactor(contextOf(request, deps), String((request.body as Record<string, unknown>).code ?? ''));
    } catch (error) {
      if (error instanceof SecondFactorRefused) {
        const { check } = error;
        const message = check.reason === 'locked' ? request.t('login.totpLocked', { minutes: minutesFrom(check.retryAfterMs) }) : request.t(check.reason === 'reused' ? 'login.totpReused' : 'login.totpInvalid');
        return page(request, reply, { path: 'code', message });
      }
      if (error instanceof AppError && error.fieldErrors[0]) return page(request, reply, error.fieldErrors[0]);
      throw error;
    }
    setFlash(reply, request.t('security.disabled'), deps.config.secureCookies);
    return redirectTo(reply, '/security');
  });
}
