import { html, type SafeHtml } from '../../platform/html.js';
import type { MessageKey, Translate } from '../../platform/i18n.js';
import { deriveRoleValue } from '../../users/role-values.js';
import { ENTRA_ROLE_CLAIM, type AttributeNames } from '../attributes.js';
import { localizedLogText } from '../log-messages.js';
import { ADMIN_ROLE, MANAGER_ROLE, type MappingReport } from '../provision.js';
import type { SsoLogRow } from '../store.js';
import { copyable } from './client.js';
import { prettyXml } from './pretty-xml.js';

// The SSO log entry page, which replaces SAML-tracer: summary and fix in the reader's language, the
// attributes, the mapping as tables (attribute → field → value; role value → white-label user; ignored
// values and why) and the XML indented, with copy and download. Pure: the entry comes in as a row.
interface StoredMapping {
  person?: { nameId?: string; name?: string; email?: string | null; roles?: string[] };
  attributeNames?: AttributeNames;
  result?: MappingReport;
}

function parseJson<T>(text: string | null): T | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

const FIELDS: Array<{ field: keyof AttributeNames; label: MessageKey }> = [
  { field: 'firstName', label: 'sso.attr.firstName' },
  { field: 'lastName', label: 'sso.attr.lastName' },
  { field: 'email', label: 'sso.attr.email' },
  { field: 'displayName', label: 'sso.attr.displayName' },
  { field: 'role', label: 'sso.attr.role' },
];

export const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

export function outcomeLabel(t: Translate, outcome: string): string {
  return outcome === 'success' || outcome === 'failure' || outcome === 'info' ? t(`sso.log.outcome.${outcome}`) : outcome;
}

function roleResult(t: Translate, role: string, result: MappingReport | undefined): string {
  if (role === ADMIN_ROLE) return t('sso.log.roles.admin');
  if (role === MANAGER_ROLE) return t('sso.log.roles.manager');
  if (!result) return '—';
  const ignored = result.ignoredRoles.find((i) => i.role === role);
  if (ignored) {
    if (/no white-label user/i.test(ignored.why)) return t('sso.log.roles.noUser');
    if (/only select/i.test(ignored.why)) return t('sso.log.roles.oneToOne');
    return t('sso.log.roles.ignored', { why: ignored.why });
  }
  const key = (s: string) => s.toLowerCase().replace(/[\s_.-]/g, '');
  const user = result.linkedUsers.find((name) => name === role || key(deriveRoleValue(name)) === key(role) || key(name) === key(role));
  return t('sso.log.roles.linked', { name: user ?? role });
}

function mappingTables(t: Translate, attributes: Record<string, string[]>, mapping: StoredMapping, currentNames: AttributeNames): SafeHtml {
  const names = mapping.attributeNames ?? currentNames;
  const valueOf = (name: string) => attributes[name]?.filter((v) => v.trim() !== '') ?? null;
  const roles = mapping.result?.rolesReceived ?? mapping.person?.roles ?? [];
  const roleSources = [names.role, ...(names.role !== ENTRA_ROLE_CLAIM && attributes[ENTRA_ROLE_CLAIM] ? [ENTRA_ROLE_CLAIM] : [])];
  const target = mapping.result?.target;
  return html`<table id="log-mapping-table"><caption>${t('sso.log.mapping')}</caption>
<thead><tr><th scope="col">${t('sso.log.mapping.attribute')}</th><th scope="col">${t('sso.log.mapping.field')}</th><th scope="col">${t('sso.log.mapping.value')}</th></tr></thead>
<tbody><tr><td>—</td><th scope="row">${t('sso.log.mapping.nameId')}</th><td>${mapping.person?.nameId ?? ''}</td></tr>
${FIELDS.map(({ field, label }) => {
    const sources = field === 'role' ? roleSources : [names[field]];
    const values = sources.flatMap((s) => valueOf(s) ?? []);
    const present = sources.some((s) => valueOf(s) !== null);
    return html`<tr><td><code>${sources.join(' + ')}</code></td><th scope="row">${t(label)}</th><td>${present ? values.join(', ') : html`<em class="field-error">${t('sso.log.mapping.missing')}</em>`}</td></tr>`;
  })}
${mapping.person?.name ? html`<tr><td>—</td><th scope="row">${t('sso.log.mapping.shownName')}</th><td>${mapping.person.name}</td></tr>` : ''}
</tbody></table>
${roles.length ? html`<table id="log-roles"><caption>${t('sso.log.roles')}</caption><thead><tr><th scope="col">${t('sso.log.roles.role')}</th><th scope="col">${t('sso.log.roles.result')}</th></tr></thead>
<tbody>${roles.map((role) => html`<tr><th scope="row"><code>${role}</code></th><td>${roleResult(t, role, mapping.result)}</td></tr>`)}</tbody></table>` : ''}
${target ? html`<p id="log-target">${t('sso.log.target', { type: t(target.type === 'user' ? 'sso.log.target.user' : 'sso.log.target.subaccount'), name: target.name })} ${target.created ? t('sso.log.target.created') : ''}</p>` : ''}`;
}

export function logEntryBody(t: Translate, entry: SsoLogRow, currentNames: AttributeNames): SafeHtml {
  const attributes = parseJson<Record<string, string[]>>(entry.attributes);
  const mapping = parseJson<StoredMapping>(entry.mapping);
  const text = localizedLogText(t, entry);
  const copy = (id: string, label: string) => html`<button type="button" class="secondary copy" data-copy="${id}" data-copied="${t('sso.copied')}" hidden>${label}</button>`;
  return html`<h1>${t('sso.log')}: ${entry.kind}</h1>
<p><span class="pill" id="log-outcome">${outcomeLabel(t, entry.outcome)}</span> ${when(entry.created_at)} UTC</p>
<p id="log-summary">${text.summary}</p>
${text.fix ? html`<p><strong>${t('sso.log.fix')}:</strong> <span id="log-fix">${text.fix}</span></p>` : ''}
${entry.failure_code ? html`<p>${t('sso.log.code')}: <code>${entry.failure_code}</code></p>` : ''}
${attributes ? html`<h2>${t('sso.log.attributes')}</h2><table id="log-attributes"><tbody>${Object.entries(attributes).map(([name, values]) => html`<tr><th scope="row"><code>${name}</code></th><td>${values.join(', ')}</td></tr>`)}</tbody></table>` : ''}
${mapping && attributes ? html`<h2>${t('sso.log.mapping')}</h2>${mappingTables(t, attributes, mapping, currentNames)}` : ''}
${mapping ? html`<details><summary>JSON</summary><pre id="log-mapping">${JSON.stringify(mapping, null, 2)}</pre></details>` : ''}
${entry.xml ? html`<h2>${t('sso.log.xml')}</h2><p class="hint">${t('sso.log.xmlHint')}</p>
<p class="actions">${copy('log-xml', t('sso.log.copyXml'))} <a class="button secondary" href="/settings/sso/log/${entry.id}/xml" download>${t('sso.log.downloadXml')}</a></p>
<pre class="xml" id="log-xml">${prettyXml(entry.xml)}</pre>` : ''}
<p><a href="/settings/sso/log">${t('sso.log')}</a></p>`;
}

/** The SSO tab's "latest success / latest failure", each linking to its entry. */
export function latestOutcomes(t: Translate, latest: { success: SsoLogRow | undefined; failure: SsoLogRow | undefined }): SafeHtml {
  const line = (id: string, label: string, entry: SsoLogRow | undefined) =>
    html`<li id="${id}"><strong>${label}:</strong> ${entry ? html`<a href="/settings/sso/log/${entry.id}">${when(entry.created_at)} UTC</a> — ${localizedLogText(t, entry).summary}` : t('sso.latest.none')}</li>`;
  return html`<section aria-labelledby="latest-heading" id="sso-latest"><h2 id="latest-heading">${t('sso.latest.title')}</h2>
<ul>${line('latest-success', t('sso.latest.success'), latest.success)}${line('latest-failure', t('sso.latest.failure'), latest.failure)}</ul></section>`;
}

/** Download name of an entry's XML: what and when, never the product's name (white label). */
export function xmlFileName(entry: SsoLogRow): string {
  return `sso-${entry.kind.replace(/[^a-z_]/g, '')}-${new Date(entry.created_at).toISOString().slice(0, 19).replace(/[:T]/g, '-')}.xml`;
}
