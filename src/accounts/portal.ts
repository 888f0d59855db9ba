import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasPermission } from '../auth/permissions.js';
import { AppError, forbidden, type FieldError } from '../platform/errors.js';
import { html, type SafeHtml } from '../platform/html.js';
import { parseInput } from '../platform/validation.js';
import type { AppDeps } from '../web/deps.js';
import { setFlash, takeFlash } from '../web/flash.js';
import { errorSummary, selectField, textField } from '../web/forms.js';
import { contextOf } from '../auth/http/context.js';
import { redirectTo } from '../web/guards.js';
import { portalPage } from '../web/page.js';
import { UpdateAccountBody } from './schemas.js';
import { getAccountView, updateAccountSettings } from './service.js';
import { brandWarnings } from './branding.js';

/** The tab bar of Account settings; the SSO domain renders its tab with the same bar. */
export function settingsTabs(request: FastifyRequest, current: 'general' | 'sso'): SafeHtml {
  const t = request.t;
  const tabs = [
    // An SSO set-up link opens only the SSO tab.
    ...(request.actor?.kind === 'sso_setup' ? [] : [{ id: 'general', href: '/settings', label: t('settings.general') }]),
    ...(request.account?.sso_enabled ? [{ id: 'sso', href: '/settings/sso', label: t('settings.sso') }] : []),
  ];
  return html`<nav class="tabs" aria-label="${t('settings.title')}">${tabs.map((tab) => html`<a href="${tab.href}"${tab.id === current ? html` aria-current="page"` : ''}>${tab.label}</a>`)}</nav>`;
}

export async function accountsPortal(app: FastifyInstance, deps: AppDeps): Promise<void> {
  async function generalTab(request: FastifyRequest, reply: FastifyReply, state: { values?: Record<string, unknown>; errors?: FieldError[] }) {
    const ctx = contextOf(request, deps);
    if (!hasPermission(ctx.actor, 'account.manage')) throw forbidden();
    const t = request.t;
    const account = await getAccountView(ctx);
    const v = state.values ?? account;
    const errors = state.errors ?? [];
    return portalPage(request, reply, deps, { title: t('settings.title'), current: '/settings', flash: takeFlash(request, reply), ...(errors.length ? { status: 400 } : {}) }, (csrf) => html`
<h1>${t('settings.title')}</h1>
${settingsTabs(request, 'general')}
${errorSummary(t, errors)}
<form method="post" action="/settings" class="stack" novalidate>
  ${csrf}
  ${textField({ name: 'name', label: t('settings.name'), value: v.name as string, required: true, errors })}
  <p><strong>${t('settings.slug')}:</strong> <code>${account.slug}</code></p>
  ${textField({ name: 'logoUrl', label: `${t('settings.logo')} (${t('form.optional')})`, type: 'url', hint: t('settings.logoHelp'), value: (v.logoUrl as string | null) ?? '', errors })}
  ${textField({ name: 'primaryColor', label: t('settings.primary'), type: 'color', value: v.primaryColor as string, errors })}
  ${textField({ name: 'accentColor', label: t('settings.accent'), type: 'color', value: v.accentColor as string, errors })}
  ${brandWarnings(String(v.primaryColor), String(v.accentColor)).map((w) => html`<p class="warning" role="status">${t(`settings.warning.${w}`)}</p>`)}
  ${textField({ name: 'portalDomain', label: `${t('settings.portalDomain')} (${t('form.optional')})`, hint: t('settings.portalDomainHelp', { host: new URL(deps.config.publicUrl).hostname }), value: (v.portalDomain as string | null) ?? '', errors })}
  ${selectField({ name: 'defaultLocale', label: t('settings.locale'), value: String(v.defaultLocale), options: [{ value: 'en', label: 'English' }, { value: 'es', label: 'Español' }], errors })}
  <label class="checkbox" for="f-requireAdmin2fa"><input type="checkbox" id="f-requireAdmin2fa" name="requireAdmin2fa" value="true"${v.requireAdmin2fa ? html` checked` : ''}> ${t('settings.require2fa')}</label>
  <div class="actions"><button type="submit">${t('form.save')}</button></div>
</form>`);
  }

  app.get('/settings', async (request, reply) => generalTab(request, reply, {}));

  app.post('/settings', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const body = { ...(request.body as Record<string, unknown>) };
    delete body._csrf;
    const values = { ...body, logoUrl: body.logoUrl ? body.logoUrl : null, portalDomain: body.portalDomain ? body.portalDomain : null, requireAdmin2fa: body.requireAdmin2fa === 'true' };
    try {
      await updateAccountSettings(ctx, parseInput(UpdateAccountBody, values));
      setFlash(reply, request.t('settings.saved'), deps.config.secureCookies);
      return redirectTo(reply, '/settings');
    } catch (error) {
      if (error instanceof AppError && error.fieldErrors.length > 0) return generalTab(request, reply, { values, errors: error.fieldErrors });
      throw error;
    }
  });
}
