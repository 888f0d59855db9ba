import type { FieldError } from '../../platform/errors.js';
import { html, type SafeHtml } from '../../platform/html.js';
import type { Translate } from '../../platform/i18n.js';
import { textField } from '../../web/forms.js';
import { SETUP_LINK_HOURS, type SetupLinkView } from '../schemas.js';
import { copyable } from './client.js';

// Views of SSO set-up links (pure): the administrator's list and form on the SSO tab, the link shown
// once after creation, and the page the IT contact opens.
const day = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 16) + ' UTC' : '—');

export function setupLinksSection(t: Translate, csrf: SafeHtml, links: SetupLinkView[], state: { values?: Record<string, string>; errors?: FieldError[] } = {}): SafeHtml {
  const errors = state.errors ?? [];
  return html`<section aria-labelledby="setup-links-heading" id="setup-links"><h2 id="setup-links-heading">${t('sso.setupLinks.title')}</h2>
<p class="hint">${t('sso.setupLinks.help')}</p>
${links.length === 0
    ? html`<p>${t('sso.setupLinks.none')}</p>`
    : html`<table id="setup-links-table"><thead><tr><th scope="col">${t('sso.setupLinks.label')}</th><th scope="col">${t('sso.setupLinks.createdBy')}</th><th scope="col">${t('sso.setupLinks.expires')}</th><th scope="col">${t('sso.setupLinks.lastUsed')}</th><th scope="col">${t('sso.setupLinks.status')}</th><th scope="col"><span class="visually-hidden">${t('sso.setupLinks.revoke')}</span></th></tr></thead>
<tbody>${links.map((l) => html`<tr><td>${l.label}</td><td>${l.createdBy}</td><td>${day(l.expiresAt)}</td><td>${day(l.lastUsedAt)}</td><td><span class="pill">${t(`sso.setupLinks.status.${l.status}`)}</span></td>
<td>${l.status === 'active' ? html`<form method="post" action="/settings/sso/setup-links/${l.id}/revoke">${csrf}<button type="submit" class="danger" aria-label="${t('sso.setupLinks.revoke')}: ${l.label}">${t('sso.setupLinks.revoke')}</button></form>` : ''}</td></tr>`)}</tbody></table>`}
<form method="post" action="/settings/sso/setup-links" class="stack" novalidate>${csrf}
  ${textField({ name: 'label', label: t('sso.setupLinks.label'), hint: t('sso.setupLinks.labelHint'), value: state.values?.label ?? '', errors })}
  ${textField({ name: 'expiresInHours', label: t('sso.setupLinks.hours'), type: 'number', hint: t('sso.setupLinks.hoursHint'), value: state.values?.expiresInHours ?? String(SETUP_LINK_HOURS.default), errors })}
  <div class="actions"><button type="submit">${t('sso.setupLinks.create')}</button></div>
</form></section>`;
}

export function setupLinkCreated(t: Translate, link: SetupLinkView, url: string): SafeHtml {
  return html`<h1>${t('sso.setupLinks.title')}</h1>
<p role="status">${t('sso.setupLinks.created', { label: link.label, date: day(link.expiresAt) })}</p>
<p>${copyable('setup-link-url', url, t('sso.copy'), t('sso.copied'), link.label)}</p>
<p><a href="/settings/sso#setup-links">${t('sso.setupLinks.back')}</a></p>`;
}

export function setupLinkOpenBody(t: Translate, csrf: SafeHtml, input: { token: string; label: string; creator: string; account: string; expiresAt: string }): SafeHtml {
  return html`<h1>${t('sso.setupLink.openTitle')}</h1>
<p>${t('sso.setupLink.openIntro', { creator: input.creator, account: input.account, label: input.label, date: day(input.expiresAt) })}</p>
<form method="post" action="/sso-setup/${input.token}">${csrf}<div class="actions"><button type="submit">${t('sso.setupLink.continue')}</button></div></form>`;
}

export function setupLinkBanner(t: Translate, label: string, expiresAt: string): SafeHtml {
  return html`<p class="flash" role="note" id="setup-link-banner">${t('sso.setupLink.banner', { label, date: day(expiresAt) })}</p>`;
}
