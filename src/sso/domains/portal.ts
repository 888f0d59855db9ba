import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../../platform/html.js';
import { AppError } from '../../platform/errors.js';
import type { Translate } from '../../platform/i18n.js';
import type { AppDeps } from '../../web/deps.js';
import { setFlash } from '../../web/flash.js';
import { contextOf } from '../../auth/http/context.js';
import { redirectTo } from '../../web/guards.js';
import { txtLookup } from './dns.js';
import { checkDomain, claimDomain, releaseDomain, type DomainView } from './service.js';

/** The SSO tab's email-domain section: each domain's state, the TXT record to create (with Copy), Check now. */
export function domainsSection(t: Translate, csrf: SafeHtml, nonce: string, domains: DomainView[]): SafeHtml {
  return html`<section id="sso-domains"><h2 id="domains-heading">${t('sso.domains.title')}</h2>
  <p class="hint">${t('sso.domains.help')}</p>
  ${domains.length ? html`<table id="domains-table"><thead><tr><th scope="col">${t('sso.domains.domain')}</th><th scope="col">${t('sso.domains.state')}</th><th scope="col">${t('sso.domains.record')}</th><th scope="col"><span class="visually-hidden">${t('sso.domains.actions')}</span></th></tr></thead><tbody>
  ${domains.map((d) => html`<tr data-domain="${d.domain}"><th scope="row"><code>${d.domain}</code></th>
    <td><span class="pill domain-state">${t(d.state === 'verified' ? 'sso.domains.verified' : 'sso.domains.pending')}</span>${d.lastCheckError && d.state === 'pending' ? html`<br><span class="hint domain-error">${d.lastCheckError}</span>` : ''}</td>
    <td>${d.state === 'pending' ? html`${t('sso.domains.createRecord', { name: d.record.name })}<br><code class="domain-record">${d.record.value}</code> <button type="button" class="secondary" data-copy="${d.record.value}">${t('sso.domains.copy')}</button>` : html`<span class="hint">${t('sso.domains.verifiedBy', { by: t(d.verifiedBy === 'dns' ? 'sso.domains.byDns' : 'sso.domains.byOperator'), date: (d.verifiedAt ?? '').slice(0, 10) })}</span>`}</td>
    <td class="actions">${d.state === 'pending' ? html`<form method="post" action="/settings/sso/domains/check">${csrf}<input type="hidden" name="domain" value="${d.domain}"><button type="submit">${t('sso.domains.check')}</button></form>` : ''}
      <form method="post" action="/settings/sso/domains/release">${csrf}<input type="hidden" name="domain" value="${d.domain}"><button type="submit" class="secondary">${t('sso.domains.remove')}</button></form></td></tr>`)}
  </tbody></table>` : html`<p id="domains-none">${t('sso.domains.none')}</p>`}
  <form method="post" action="/settings/sso/domains" class="actions">${csrf}<label for="f-new-domain">${t('sso.domains.add')}</label> <input type="text" id="f-new-domain" name="domain" maxlength="253" placeholder="example.com" autocomplete="off"> <button type="submit" class="secondary">${t('sso.domains.addButton')}</button></form>
</section>
<script nonce="${nonce}">document.querySelectorAll('#sso-domains [data-copy]').forEach((b)=>b.addEventListener('click',()=>navigator.clipboard?.writeText(b.dataset.copy)));</script>`;
}

export async function ssoDomainsPortal(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const field = (body: unknown) => String((body as Record<string, unknown> | undefined)?.domain ?? '').slice(0, 300);
  // Each action answers with a message on the SSO tab; a bad domain is a message there too, not an error page.
  // A domain another administrator removed meanwhile (a stale form) is a message too.
  async function act(request: FastifyRequest, reply: FastifyReply, message: () => Promise<string>) {
    let notice: string;
    try {
      notice = await message();
    } catch (error) {
      if (error instanceof AppError && error.code === 'not_found' && request.actor) notice = request.t('sso.domains.unknown', { domain: field(request.body) });
      else if (error instanceof AppError && error.fieldErrors.length > 0) notice = error.fieldErrors.map((e) => e.message).join(' ');
      else throw error;
    }
    setFlash(reply, notice, deps.config.secureCookies);
    return redirectTo(reply, '/settings/sso#sso-domains');
  }

  app.post('/settings/sso/domains', async (request, reply) =>
    act(request, reply, async () => {
      const claimed = await claimDomain(contextOf(request, deps), field(request.body));
      return request.t('sso.domains.added', { domain: claimed.domain, value: claimed.record.value });
    }),
  );

  app.post('/settings/sso/domains/check', async (request, reply) =>
    act(request, reply, async () => {
      const checked = await checkDomain(contextOf(request, deps), field(request.body), txtLookup(deps.config.dnsServers));
      return checked.state === 'verified' ? request.t('sso.domains.nowVerified', { domain: checked.domain }) : request.t('sso.domains.notYet', { domain: checked.domain, reason: checked.lastCheckError ?? '' });
    }),
  );

  app.post('/settings/sso/domains/release', async (request, reply) =>
    act(request, reply, async () => {
      const domain = field(request.body);
      await releaseDomain(contextOf(request, deps), domain);
      return request.t('sso.domains.removed', { domain });
    }),
  );
}
