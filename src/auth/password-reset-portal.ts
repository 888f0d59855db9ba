import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getAccountBySlug } from '../accounts/store.js';
import { AppError } from '../platform/errors.js';
import { html } from '../platform/html.js';
import { isLocale, translator } from '../platform/i18n.js';
import { smtpMailer } from '../platform/mail.js';
import { parseInput } from '../platform/validation.js';
import { verifyCsrf } from '../web/csrf.js';
import type { AppDeps } from '../web/deps.js';
import { textField } from '../web/forms.js';
import { publicPage } from '../web/page.js';
import { issuePasswordReset, redeemPasswordReset, resetLinkValid, RESET_LINK_MINUTES } from './password-reset.js';

const RequestForm = Type.Object({
  account: Type.Optional(Type.String({ maxLength: 64 })),
  email: Type.String({ minLength: 1, maxLength: 254, errorMessage: 'Enter your email.' }),
});
const ResetForm = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 100 }),
  password: Type.String({ maxLength: 200 }),
  confirm: Type.String({ maxLength: 200 }),
});
const tokenOf = (request: FastifyRequest) => {
  const token = (request.query as Record<string, unknown>).token;
  return typeof token === 'string' && token.length <= 100 ? token : '';
};

/** "Forgot password" by e-mail; registered only when SMTP_URL is set (else the operator CLI resets passwords). */
export async function passwordResetPortal(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const smtpUrl = deps.config.SMTP_URL;
  if (!smtpUrl) return;
  const mailer = smtpMailer(smtpUrl, { name: deps.config.PLATFORM_NAME, address: deps.config.SMTP_FROM ?? `no-reply@${new URL(deps.config.publicUrl).hostname}` });

  function requestPage(request: FastifyRequest, reply: FastifyReply, state: { sent?: string; error?: string; status?: number }) {
    const t = request.t;
    return publicPage(request, reply, deps, { title: t('reset.requestTitle'), flash: state.sent, ...(state.status ? { status: state.status } : {}) }, (csrf) => html`
<h1>${t('reset.requestTitle')}</h1>
<p>${t('reset.requestHelp')}</p>
<form method="post" action="/login/forgot" class="stack" novalidate>
  ${csrf}
  ${textField({ name: 'account', label: t('login.account'), hint: t('login.accountHelp'), value: request.account?.slug ?? '', autocomplete: 'organization', required: true })}
  ${textField({ name: 'email', label: t('reset.email'), type: 'email', autocomplete: 'email', required: true, errors: state.error ? [{ path: 'email', message: state.error }] : [] })}
  <div class="actions"><button type="submit">${t('reset.send')}</button></div>
</form>
<p><a href="/login">${t('reset.backToLogin')}</a></p>`);
  }

  app.get('/login/forgot', async (request, reply) => requestPage(request, reply, {}));

  app.post('/login/forgot', { config: { rateLimit: { max: 5, timeWindow: '1 minute' } } }, async (request, reply) => {
    verifyCsrf(request, deps.secretKey);
    let form;
    try {
      form = parseInput(RequestForm, request.body);
    } catch (error) {
      if (error instanceof AppError) return requestPage(request, reply, { error: request.t('reset.email'), status: 400 });
      throw error;
    }
    const account = form.account ? await getAccountBySlug(deps.db, form.account.trim().toLowerCase()) : request.account;
    const sent = request.t('reset.sent', { email: form.email.trim(), minutes: RESET_LINK_MINUTES });
    // The same answer whether or not the account or the person exists: nothing is enumerated.
    if (!account) return requestPage(request, reply, { sent });
    const issued = await issuePasswordReset(deps.db, { accountId: account.id, email: form.email, now: deps.clock.now() });
    if (issued) {
      const locale = isLocale(issued.recipient.locale) ? issued.recipient.locale : request.locale;
      const t = translator(deps.messages, locale);
      const link = `${deps.config.publicUrl}/login/reset?token=${issued.token}`;
      const mail = { to: issued.recipient.email, subject: t('reset.mailSubject', { account: account.name }), text: t('reset.mailBody', { name: issued.recipient.name, account: account.name, minutes: RESET_LINK_MINUTES, link }) };
      // Not awaited, so the answer takes as long whether or not a mail goes out.
      mailer.send(mail).catch((error: unknown) => request.log.warn({ err: error }, 'password reset mail not sent'));
    }
    return requestPage(request, reply, { sent });
  });

  function resetPage(request: FastifyRequest, reply: FastifyReply, token: string, state: { error?: string; status?: number }) {
    const t = request.t;
    return publicPage(request, reply, deps, { title: t('reset.newTitle'), ...(state.status ? { status: state.status } : {}) }, (csrf) => html`
<h1>${t('reset.newTitle')}</h1>
<form method="post" action="/login/reset" class="stack" novalidate>
  ${csrf}<input type="hidden" name="token" value="${token}">
  ${textField({ name: 'password', label: t('reset.newPassword'), hint: t('reset.newPasswordHelp'), type: 'password', autocomplete: 'new-password', required: true, errors: state.error ? [{ path: 'password', message: state.error }] : [] })}
  ${textField({ name: 'confirm', label: t('reset.confirm'), type: 'password', autocomplete: 'new-password', required: true })}
  <div class="actions"><button type="submit">${t('reset.save')}</button></div>
</form>`);
  }

  function invalidLinkPage(request: FastifyRequest, reply: FastifyReply) {
    const t = request.t;
    return publicPage(request, reply, deps, { title: t('reset.newTitle'), status: 410 }, () => html`
<h1>${t('reset.newTitle')}</h1>
<div class="error-summary" role="alert"><p>${t('reset.invalidLink')}</p></div>
<p><a href="/login/forgot">${t('reset.requestTitle')}</a></p>`);
  }

  app.get('/login/reset', async (request, reply) => {
    const token = tokenOf(request);
    if (!(await resetLinkValid(deps.db, token, deps.clock.now()))) return invalidLinkPage(request, reply);
    return resetPage(request, reply, token, {});
  });

  app.post('/login/reset', { config: { rateLimit: { max: 10, timeWindow: '1 minute' } } }, async (request, reply) => {
    verifyCsrf(request, deps.secretKey);
    let form;
    try {
      form = parseInput(ResetForm, request.body);
    } catch (error) {
      if (error instanceof AppError) return invalidLinkPage(request, reply);
      throw error;
    }
    if (form.password.length < 10) return resetPage(request, reply, form.token, { error: request.t('reset.tooShort'), status: 400 });
    if (form.password !== form.confirm) return resetPage(request, reply, form.token, { error: request.t('reset.mismatch'), status: 400 });
    const result = await redeemPasswordReset(deps.db, { token: form.token, password: form.password, now: deps.clock.now() });
    if (!result.ok) return invalidLinkPage(request, reply);
    return publicPage(request, reply, deps, { title: request.t('reset.newTitle'), flash: request.t('reset.done') }, () => html`
<h1>${request.t('reset.newTitle')}</h1>
<p><a href="/login">${request.t('login.submit')}</a></p>`);
  });
}
