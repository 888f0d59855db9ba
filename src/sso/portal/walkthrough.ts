import { html, type SafeHtml } from '../../platform/html.js';
import type { MessageKey, Translate } from '../../platform/i18n.js';
import type { AppRoleValue } from '../app-role-values.js';
import type { SpEndpoints } from '../service.js';
import { copyable } from './client.js';

// The SSO tab's walk-through: per IdP, the steps in the article's order with copy buttons for exactly
// the values that IdP asks for. Pure: everything it shows comes in as arguments.
export const WALKTHROUGH_IDPS = ['entra', 'okta', 'google', 'adfs', 'keycloak'] as const;
export type WalkthroughIdp = (typeof WALKTHROUGH_IDPS)[number];

type ValueName = 'entityId' | 'acsUrl' | 'signOnUrl' | 'logoutUrl' | 'descriptorUrl' | 'claimName' | 'claimSource';

interface Step {
  text: MessageKey;
  values?: ValueName[];
  roleValues?: boolean;
}

const STEPS: Record<WalkthroughIdp, Step[]> = {
  // The article: enterprise app → SAML, copy the metadata URL → Blanca: type, URL, Connect →
  // upload the SP metadata → Role claim from user.assignedroles → app roles → assign users → test.
  entra: [
    { text: 'sso.wt.entra.1' },
    { text: 'sso.wt.entra.2' },
    { text: 'sso.wt.connectHere' },
    { text: 'sso.wt.entra.4', values: ['entityId', 'acsUrl', 'signOnUrl', 'logoutUrl'] },
    { text: 'sso.wt.entra.5', values: ['claimName', 'claimSource'] },
    { text: 'sso.wt.entra.6', roleValues: true },
    { text: 'sso.wt.entra.7' },
    { text: 'sso.wt.testHere' },
  ],
  okta: [
    { text: 'sso.wt.okta.1' },
    { text: 'sso.wt.okta.2', values: ['acsUrl', 'entityId', 'logoutUrl'] },
    { text: 'sso.wt.okta.3' },
    { text: 'sso.wt.okta.4', roleValues: true },
    { text: 'sso.wt.okta.5' },
    { text: 'sso.wt.connectHere' },
    { text: 'sso.wt.testHere' },
  ],
  google: [
    { text: 'sso.wt.google.1' },
    { text: 'sso.wt.google.2' },
    { text: 'sso.wt.google.3', values: ['acsUrl', 'entityId', 'signOnUrl'] },
    { text: 'sso.wt.google.4', roleValues: true },
    { text: 'sso.wt.google.5' },
    { text: 'sso.wt.testHere' },
  ],
  adfs: [
    { text: 'sso.wt.adfs.1', values: ['descriptorUrl', 'entityId', 'acsUrl'] },
    { text: 'sso.wt.adfs.2' },
    { text: 'sso.wt.adfs.3', roleValues: true },
    { text: 'sso.wt.adfs.4' },
    { text: 'sso.wt.connectHere' },
    { text: 'sso.wt.testHere' },
  ],
  keycloak: [
    { text: 'sso.wt.keycloak.1', values: ['descriptorUrl', 'entityId'] },
    { text: 'sso.wt.keycloak.2', values: ['acsUrl', 'logoutUrl'] },
    { text: 'sso.wt.keycloak.3' },
    { text: 'sso.wt.keycloak.4', roleValues: true },
    { text: 'sso.wt.keycloak.5' },
    { text: 'sso.wt.connectHere' },
    { text: 'sso.wt.testHere' },
  ],
};

const VALUE_LABEL: Record<ValueName, MessageKey> = {
  entityId: 'sso.wt.value.entityId',
  acsUrl: 'sso.wt.value.acsUrl',
  signOnUrl: 'sso.wt.value.signOnUrl',
  logoutUrl: 'sso.wt.value.logoutUrl',
  descriptorUrl: 'sso.wt.value.descriptorUrl',
  claimName: 'sso.wt.value.claimName',
  claimSource: 'sso.wt.value.claimSource',
};

function valueOf(name: ValueName, sp: SpEndpoints): string {
  switch (name) {
    case 'entityId':
      return sp.entityId;
    case 'acsUrl':
      return sp.acsUrl;
    case 'signOnUrl':
      return sp.signInUrl;
    case 'logoutUrl':
      return sp.sloUrl;
    case 'descriptorUrl':
      return sp.descriptorUrl;
    case 'claimName':
      return 'Role';
    case 'claimSource':
      return 'user.assignedroles';
  }
}

function roleValueLabel(t: Translate, r: AppRoleValue): string {
  if (r.kind === 'admin') return t('sso.wt.roleAdmin', { value: r.value });
  if (r.kind === 'manager') return t('sso.wt.roleManager', { value: r.value });
  return t('sso.wt.roleValueOf', { value: r.value, name: r.userName ?? '' });
}

export function walkthroughSection(t: Translate, input: { sp: SpEndpoints; roleValues: AppRoleValue[]; open?: WalkthroughIdp }): SafeHtml {
  const copy = (id: string, value: string, name: string) => copyable(id, value, t('sso.copy'), t('sso.copied'), name);
  const open = input.open ?? 'entra';
  return html`<section aria-labelledby="wt-heading" id="sso-walkthrough"><h2 id="wt-heading">${t('sso.wt.title')}</h2>
<p class="hint">${t('sso.wt.intro')}</p>
${WALKTHROUGH_IDPS.map((idp) => html`<details id="wt-${idp}"${idp === open ? html` open` : ''}><summary>${t(`sso.wt.idp.${idp}`)}</summary>
<ol class="stack">${STEPS[idp].map((step, index) => html`<li>${t(step.text)}
  ${step.values ? html`<dl class="copy-values">${step.values.map((name) => html`<dt>${t(VALUE_LABEL[name])}</dt><dd>${copy(`wt-${idp}-${index}-${name}`, valueOf(name, input.sp), t(VALUE_LABEL[name]))}</dd>`)}</dl>` : ''}
  ${step.roleValues ? html`<p>${t('sso.wt.roleValues')}</p><ul class="role-values">${input.roleValues.map((r, i) => html`<li>${copy(`wt-${idp}-${index}-role-${i}`, r.value, roleValueLabel(t, r))} <span class="hint">${roleValueLabel(t, r)}</span></li>`)}</ul>` : ''}
</li>`)}</ol></details>`)}
</section>`;
}
