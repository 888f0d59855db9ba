import type { FastifyRequest } from 'fastify';
import type { SignInExtensions } from '../auth/portal.js';
import type { AccountRow } from '../accounts/store.js';
import { html, type SafeHtml } from '../platform/html.js';
import { safeLocalPath } from '../platform/local-path.js';
import type { AppDeps } from '../web/deps.js';
import { idpLogoutUrl } from './logout.js';
import { ssoDeps } from './routes.js';
import { getConnection } from './store.js';

/** What SSO adds to the password sign-in page and to signing out. */
export function ssoSignInExtensions(deps: AppDeps): SignInExtensions {
  return {
    async loginButtons(request: FastifyRequest, csrf: SafeHtml) {
      const t = request.t;
      const account = request.account;
      const connection = account?.sso_enabled ? await getConnection(deps.db, account.id) : undefined;
      const returnTo = safeLocalPath((request.query as Record<string, unknown>).returnTo, '/');
      const logoutIncomplete = (request.query as Record<string, unknown>).sso_logout === 'incomplete';
      return html`<section aria-labelledby="sso-heading" class="stack sso-sign-in">
  ${connection?.status === 'connected' && connection.enforce_sso === 1 ? html`<p class="flash" role="status" id="sso-enforced">${t('sso.enforcedNotice')}</p>` : ''}
  ${logoutIncomplete ? html`<p class="flash" role="alert" id="sso-logout-incomplete">${t('sso.logout.idpSessionOpen')}</p>` : ''}
  <h2 id="sso-heading">${t('sso.signIn')}</h2>
  ${connection?.status === 'connected' && account ? html`<p><a class="button" id="sso-account-button" href="/sso/${account.slug}/login?returnTo=${encodeURIComponent(returnTo)}">${t('sso.signIn')}: ${account.name}</a></p>` : ''}
  <form method="post" action="/login/sso">${csrf}<input type="hidden" name="returnTo" value="${returnTo}">
    <label for="sso-email">${t('sso.emailLabel')}</label><p class="hint" id="sso-email-hint">${t('sso.emailHelp')}</p>
    <input type="email" id="sso-email" name="email" autocomplete="email" aria-describedby="sso-email-hint">
    <div class="actions sso-sign-in-actions"><button type="submit" class="secondary">${t('sso.signIn')}</button></div>
  </form></section>`;
    },
    async enforcesSso(account: AccountRow) {
      if (account.sso_enabled !== 1) return false;
      const connection = await getConnection(deps.db, account.id);
      return connection?.status === 'connected' && connection.enforce_sso === 1;
    },
    async beforeLogout(request: FastifyRequest) {
      if (!request.session || !request.account) return null;
      return idpLogoutUrl(ssoDeps(deps), request.account, request.session, deps.clock.now());
    },
  };
}
