import { html, type SafeHtml } from '../platform/html.js';
import type { Translate } from '../platform/i18n.js';

// SSO tab block (issue 11 item 2): the app-role values to create in Entra, one per white-label user.
// The data comes from users/store.ts ssoRoleValuesFor(db, accountId), which the Entra walk-through may call too.
export function roleValuesSection(t: Translate, values: ReadonlyArray<{ userId: string; name: string; roleValue: string }>): SafeHtml {
  return html`<section aria-labelledby="role-values-heading" id="sso-role-values"><h2 id="role-values-heading">${t('sso.roleValues.title')}</h2>
  <p class="hint">${t('sso.roleValues.help')}</p>
  ${values.length
    ? html`<table><caption class="visually-hidden">${t('sso.roleValues.title')}</caption><thead><tr><th scope="col">${t('sso.roleValues.value')}</th><th scope="col">${t('sso.roleValues.user')}</th></tr></thead>
  <tbody>${values.map((v) => html`<tr><td><code>${v.roleValue}</code></td><td><a href="/users/${v.userId}/edit">${v.name}</a></td></tr>`)}</tbody></table>`
    : html`<p>${t('users.none')}</p>`}
</section>`;
}
