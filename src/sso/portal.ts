import { ssoRoleValuesFor } from '../users/store.js';
import { roleValuesSection } from './role-values-view.js';
import { provisioningSection, scimPortal, tenantUrlOf } from '../scim/portal.js';
import { listScimTokenViews } from '../scim/tokens.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { settingsTabs } from '../accounts/portal.js';
import { hasPermission } from '../auth/permissions.js';
import { AppError, forbidden, type FieldError } from '../platform/errors.js';
import { html } from '../platform/html.js';
import type { Translate } from '../platform/i18n.js';
import { parseInput } from '../platform/validation.js';
import { visibleUsers } from '../users/service.js';
import type { AppDeps } from '../web/deps.js';
import { setFlash, takeFlash } from '../web/flash.js';
import { errorSummary, selectField, textField } from '../web/forms.js';
import { contextOf } from '../auth/http/context.js';
import { redirectTo } from '../web/guards.js';
import { portalPage, scriptNonce } from '../web/page.js';
import { ATTRIBUTE_PRESETS, type AttributeNames } from './attributes.js';
import { ConnectBody, type ConnectionView } from './schemas.js';
import { expiringCertificates } from './lifecycle.js';
import { connect, ensureConnection, finishSpKeyRotation, getConnectionView, readIdpMetadata, refreshMetadataNow, spEndpoints, startSpKeyRotation, toConnectionView } from './service.js';
import { ssoDeps } from './routes.js';
import { startSignIn } from './signin.js';
import { getSsoLogEntry, listSsoLog } from './store.js';
import { domainsSection, ssoDomainsPortal } from './domains/portal.js';
import { toDomainView } from './domains/service.js';
import { listDomainClaims } from './domains/store.js';
import { appRoleValues } from './app-role-values.js';
import { localizedLogText } from './log-messages.js';
import { copyable, ssoClientScript } from './portal/client.js';
import { latestOutcomes, logEntryBody, outcomeLabel, when, xmlFileName } from './portal/log-view.js';
import { setupLinkBanner, setupLinkCreated, setupLinksSection } from './portal/setup-links.js';
import { walkthroughSection } from './portal/walkthrough.js';
import { CreateSetupLinkBody } from './schemas.js';
import { createSetupLink, listSetupLinkViews, revokeSetupLink } from './setup-links.js';
import { getUsableSetupLink } from './setup-link-store.js';

/** Routes a session opened with an SSO set-up link may reach (the SSO tab's pages and actions); all others answer it 404. */
const SETUP = { config: { ssoSetup: true } } as const;

type FormValues = Record<string, string>;

function valuesOf(view: ConnectionView): FormValues {
  return {
    ssoType: view.ssoType,
    idpMetadataUrl: view.idpMetadataUrl ?? '',
    idpEntityId: view.idpEntityId ?? '',
    idpSsoUrl: view.idpSsoUrl ?? '',
    idpSloUrl: view.idpSloUrl ?? '',
    idpCertificates: '',
    idpMetadataXml: '',
    attrFirstName: view.attributes.firstName,
    attrLastName: view.attributes.lastName,
    attrEmail: view.attributes.email,
    attrDisplayName: view.attributes.displayName,
    attrRole: view.attributes.role,
    allowIdpInitiated: view.allowIdpInitiated ? 'true' : '',
    allowSha1: view.allowSha1 ? 'true' : '',
    signAuthnRequests: view.signAuthnRequests ? 'true' : '',
    requireSignedAssertions: view.requireSignedAssertions ? 'true' : '',
    sessionLifetimeHours: String(view.sessionLifetimeHours),
    enforceSso: view.enforceSso ? 'true' : '',
    logRetentionDays: String(view.logRetentionDays),
    emailDomains: view.emailDomains.join(', '),
  };
}

/** PEM blocks or bare base64 bodies, one or several, as pasted. */
function splitCertificates(text: string): string[] {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
  if (blocks) return blocks;
  return text.split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean);
}

function connectInput(v: FormValues): unknown {
  const blank = (s: string | undefined) => (s && s.trim() !== '' ? s.trim() : undefined);
  return {
    ssoType: v.ssoType,
    ...(blank(v.idpMetadataUrl) ? { idpMetadataUrl: blank(v.idpMetadataUrl) } : {}),
    ...(blank(v.idpMetadataXml) ? { idpMetadataXml: v.idpMetadataXml } : {}),
    ...(blank(v.idpEntityId) ? { idpEntityId: blank(v.idpEntityId) } : {}),
    ...(blank(v.idpSsoUrl) ? { idpSsoUrl: blank(v.idpSsoUrl) } : {}),
    idpSloUrl: blank(v.idpSloUrl) ?? null,
    ...(blank(v.idpCertificates) ? { idpCertificates: splitCertificates(v.idpCertificates ?? '') } : {}),
    attributes: { firstName: v.attrFirstName ?? '', lastName: v.attrLastName ?? '', email: v.attrEmail ?? '', displayName: v.attrDisplayName ?? '', role: v.attrRole ?? '' },
    allowIdpInitiated: v.allowIdpInitiated === 'true',
    allowSha1: v.allowSha1 === 'true',
    signAuthnRequests: v.signAuthnRequests === 'true',
    requireSignedAssertions: v.requireSignedAssertions === 'true',
    enforceSso: v.enforceSso === 'true',
    ...(v.sessionLifetimeHours?.trim() ? { sessionLifetimeHours: /^\d+$/.test(v.sessionLifetimeHours.trim()) ? Number(v.sessionLifetimeHours.trim()) : v.sessionLifetimeHours.trim() } : {}),
    ...(blank(v.logRetentionDays) ? { logRetentionDays: /^\d+$/.test(blank(v.logRetentionDays)!) ? Number(blank(v.logRetentionDays)) : blank(v.logRetentionDays) } : {}),
    emailDomains: (v.emailDomains ?? '').split(',').map((d) => d.trim().toLowerCase()).filter(Boolean),
  };
}

/** Form field names → schema paths, so errors land next to the right field. */
const FIELD_OF_PATH: Record<string, string> = { 'attributes.firstName': 'attrFirstName', 'attributes.lastName': 'attrLastName', 'attributes.email': 'attrEmail', 'attributes.displayName': 'attrDisplayName', 'attributes.role': 'attrRole' };
const toFormErrors = (errors: FieldError[]) => errors.map((e) => ({ ...e, path: FIELD_OF_PATH[e.path] ?? e.path.replace(/\[\d+\]$/, '') }));

export async function ssoPortal(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await ssoDomainsPortal(app, deps);
  await scimPortal(app, deps);
  async function tab(request: FastifyRequest, reply: FastifyReply, state: { values?: FormValues; errors?: FieldError[]; notice?: string; setupLink?: { values: FormValues; errors: FieldError[] } }) {
    const ctx = contextOf(request, deps);
    if (!hasPermission(ctx.actor, 'sso.configure')) throw forbidden();
    const isAdmin = hasPermission(ctx.actor, 'account.manage');
    const t = request.t;
    if (!request.account?.sso_enabled) {
      return portalPage(request, reply, deps, { title: t('settings.sso'), current: '/settings' }, () => html`<h1>${t('settings.title')}</h1>${settingsTabs(request, 'sso')}<p role="status">${t('sso.tab.disabled')}</p>`);
    }
    const { account, row } = await ensureConnection(ctx);
    const view = toConnectionView(row, account, deps.config, ctx.now);
    const domains = await listDomainClaims(ctx.db, account.id);
    const roleValues = await ssoRoleValuesFor(ctx.db, account.id);
    const scimTokens = isAdmin ? await listScimTokenViews(ctx) : [];
    const certificateWarnings = expiringCertificates(JSON.parse(row.idp_certificates) as string[], ctx.now);
    const v = state.values ?? valuesOf(view);
    const errors = toFormErrors(state.errors ?? []);
    const [latestSuccess, latestFailure, setupLinks, setupLink] = await Promise.all([
      listSsoLog(deps.db, account.id, { outcome: 'success', limit: 1 }),
      listSsoLog(deps.db, account.id, { outcome: 'failure', limit: 1 }),
      isAdmin ? listSetupLinkViews(ctx) : Promise.resolve([]),
      ctx.actor.kind === 'sso_setup' ? getUsableSetupLink(deps.db, account.id, ctx.actor.id, ctx.now) : Promise.resolve(undefined),
    ]);
    const copy = (id: string, value: string, name: string) => copyable(id, value, t('sso.copy'), t('sso.copied'), name);
    const attr = (name: string, key: 'sso.attr.firstName' | 'sso.attr.lastName' | 'sso.attr.email' | 'sso.attr.displayName' | 'sso.attr.role') => textField({ name, label: t(key), value: v[name], errors });
    return portalPage(request, reply, deps, { title: t('settings.sso'), current: '/settings', flash: state.notice ?? takeFlash(request, reply), ...(errors.length || state.setupLink?.errors.length ? { status: 400 } : {}) }, (csrf) => html`
<h1>${t('settings.title')}</h1>
${settingsTabs(request, 'sso')}
${setupLink ? setupLinkBanner(t, setupLink.label, new Date(setupLink.expires_at).toISOString()) : ''}
<p>${t('sso.tab.intro')} <strong>${t('sso.status')}:</strong> <span id="sso-status">${t(`sso.status.${view.status}`)}</span> · <a href="/settings/sso/log">${t('sso.log')}</a></p>
${view.status === 'connected' ? html`<section class="flash" aria-labelledby="sp-heading"><h2 id="sp-heading">${t('sso.connected')}</h2>
  <p><strong>${t('sso.spDescriptorUrl')}:</strong> ${copy('sp-descriptor-url', view.sp.descriptorUrl, t('sso.spDescriptorUrl'))}</p>
  <p><strong>${t('sso.spEntityId')}:</strong> ${copy('sp-entity-id', view.sp.entityId, t('sso.spEntityId'))}<br><strong>${t('sso.acsUrl')}:</strong> ${copy('sp-acs-url', view.sp.acsUrl, t('sso.acsUrl'))}</p>
  <p class="actions"><a class="button" href="/sso/${account.slug}/metadata?download=1" download>${t('sso.download')}</a>
  <form method="post" action="/settings/sso/test">${csrf}<button type="submit" class="secondary">${t('sso.testConnection')}</button></form></p></section>` : ''}
${certificateWarnings.length ? html`<section class="flash" role="alert" id="sso-warnings"><ul>${certificateWarnings.map((w) => html`<li>${w.daysLeft < 0 ? t('sso.warn.certificateExpired', { subject: w.subject, date: w.notAfter.toISOString().slice(0, 10), thumbprint: w.sha1Thumbprint }) : t('sso.warn.certificateExpiring', { subject: w.subject, date: w.notAfter.toISOString().slice(0, 10), days: String(w.daysLeft), thumbprint: w.sha1Thumbprint })}</li>`)}</ul></section>` : ''}
${latestOutcomes(t, { success: latestSuccess[0], failure: latestFailure[0] })}
${walkthroughSection(t, { sp: spEndpoints(deps.config.publicUrl, account.slug), roleValues: appRoleValues(roleValues) })}
${view.idpMetadataUrl ? html`<form method="post" action="/settings/sso/refresh-metadata" class="actions">${csrf}<button type="submit" class="secondary" id="refresh-metadata">${t('sso.refreshMetadata')}</button> <span class="hint">${view.idpMetadataUrl}</span></form>` : ''}
${isAdmin ? html`<section aria-labelledby="sp-key-heading" id="sp-key"><h2 id="sp-key-heading">${t('sso.spKey.title')}</h2>
  <p class="hint">${t('sso.spKey.help')}</p>
  ${view.spKeys.current ? html`<p id="sp-key-current">${t('sso.spKey.current', { subject: view.spKeys.current.subject, date: view.spKeys.current.notAfter.slice(0, 10), thumbprint: view.spKeys.current.sha1Thumbprint })}</p>` : ''}
  ${view.spKeys.next ? html`<p id="sp-key-next">${t('sso.spKey.next', { subject: view.spKeys.next.subject, date: view.spKeys.next.notAfter.slice(0, 10), thumbprint: view.spKeys.next.sha1Thumbprint })}</p>
  <form method="post" action="/settings/sso/sp-key/finish" class="actions">${csrf}<button type="submit" id="sp-key-finish">${t('sso.spKey.finish')}</button></form>`
    : html`<form method="post" action="/settings/sso/sp-key/rotate" class="actions">${csrf}<button type="submit" class="secondary" id="sp-key-rotate">${t('sso.spKey.rotate')}</button></form>`}
</section>` : ''}
${isAdmin ? domainsSection(t, csrf, scriptNonce(reply), domains.map(toDomainView)) : ''}
${roleValuesSection(t, roleValues)}
${isAdmin ? provisioningSection(t, csrf, scriptNonce(reply), { tenantUrl: tenantUrlOf(deps.config.publicUrl, account.slug), tokens: scimTokens }) : ''}
${errorSummary(t, errors)}
<form method="post" action="/settings/sso" class="stack" novalidate>
  ${csrf}
  <!-- The form's default button: Enter in any field submits Connect, not Read from URL or the preset's OK. -->
  <button type="submit" name="action" value="connect" class="visually-hidden" tabindex="-1" aria-hidden="true">${t('sso.connect')}</button>
  <fieldset><legend>${t('sso.type')}</legend>
    <label class="checkbox"><input type="radio" name="ssoType" value="user"${v.ssoType !== 'subaccount' ? html` checked` : ''}> ${t('sso.type.user')}</label>
    <label class="checkbox"><input type="radio" name="ssoType" value="subaccount"${v.ssoType === 'subaccount' ? html` checked` : ''}> ${t('sso.type.subaccount')}</label>
  </fieldset>
  ${textField({ name: 'idpMetadataUrl', label: t('sso.metadataUrl'), type: 'url', hint: t('sso.metadataUrlHelp'), value: v.idpMetadataUrl, errors })}
  <div class="actions"><button type="submit" name="action" value="import" class="secondary">${t('sso.import')}</button></div>
  <div><label for="f-idpMetadataXml">${t('sso.metadataXml')}</label>
    <input type="file" id="metadata-file" accept=".xml,application/xml,text/xml" aria-label="${t('sso.metadataXml')}">
    <textarea id="f-idpMetadataXml" name="idpMetadataXml" rows="3">${v.idpMetadataXml ?? ''}</textarea></div>
  ${textField({ name: 'idpEntityId', label: t('sso.entityId'), value: v.idpEntityId, errors })}
  ${textField({ name: 'idpSsoUrl', label: t('sso.loginUrl'), type: 'url', value: v.idpSsoUrl, errors })}
  ${textField({ name: 'idpSloUrl', label: `${t('sso.logoutUrl')} (${t('form.optional')})`, type: 'url', hint: t('sso.logoutHelp'), value: v.idpSloUrl, errors })}
  <div><label for="f-idpCertificates">${t('sso.certificates')}</label><p class="hint" id="f-idpCertificates-hint">${t('sso.certificatesHelp')}</p>
    ${view.idpCertificates.length ? html`<ul id="idp-certificates">${view.idpCertificates.map((c) => html`<li>${c.subject} — ${c.notBefore.slice(0, 10)} → ${c.notAfter.slice(0, 10)}${c.expired ? ' (expired)' : ''} <code>${c.sha1Thumbprint}</code></li>`)}</ul>` : ''}
    <textarea id="f-idpCertificates" name="idpCertificates" rows="3" aria-describedby="f-idpCertificates-hint">${v.idpCertificates ?? ''}</textarea>
    ${errors.find((e) => e.path === 'idpCertificates') ? html`<p class="field-error">${errors.find((e) => e.path === 'idpCertificates')!.message}</p>` : ''}</div>
  <fieldset><legend>${t('sso.attributes')}</legend>
    <div class="actions">${selectField({ name: 'preset', label: t('sso.preset'), value: 'entra', options: Object.entries(ATTRIBUTE_PRESETS).map(([id, p]) => ({ value: id, label: p.label })) })}<button type="submit" name="action" value="preset" class="secondary">OK</button></div>
    ${attr('attrFirstName', 'sso.attr.firstName')}${attr('attrLastName', 'sso.attr.lastName')}${attr('attrEmail', 'sso.attr.email')}${attr('attrDisplayName', 'sso.attr.displayName')}${attr('attrRole', 'sso.attr.role')}
  </fieldset>
  <label class="checkbox"><input type="checkbox" name="allowIdpInitiated" value="true"${v.allowIdpInitiated === 'true' ? html` checked` : ''}> ${t('sso.allowIdpInitiated')}</label>
  <label class="checkbox"><input type="checkbox" name="allowSha1" id="f-allowSha1" value="true" aria-describedby="f-allowSha1-hint"${v.allowSha1 === 'true' ? html` checked` : ''}> ${t('sso.allowSha1')}</label>
  <p class="hint" id="f-allowSha1-hint">${t('sso.allowSha1Help')}</p>
  <label class="checkbox"><input type="checkbox" name="signAuthnRequests" id="f-signAuthnRequests" value="true" aria-describedby="f-signAuthnRequests-hint"${v.signAuthnRequests === 'true' ? html` checked` : ''}> ${t('sso.signAuthnRequests')}</label>
  <p class="hint" id="f-signAuthnRequests-hint">${t('sso.signAuthnRequestsHelp')}</p>
  <label class="checkbox"><input type="checkbox" name="requireSignedAssertions" id="f-requireSignedAssertions" value="true" aria-describedby="f-requireSignedAssertions-hint"${v.requireSignedAssertions === 'true' ? html` checked` : ''}> ${t('sso.requireSignedAssertions')}</label>
  <p class="hint" id="f-requireSignedAssertions-hint">${t('sso.requireSignedAssertionsHelp')}</p>
  <label class="checkbox"><input type="checkbox" name="enforceSso" id="f-enforceSso" value="true" aria-describedby="f-enforceSso-hint"${v.enforceSso === 'true' ? html` checked` : ''}> ${t('sso.enforceSso')}</label>
  <p class="hint" id="f-enforceSso-hint">${t('sso.enforceSsoHelp')}</p>
  ${textField({ name: 'sessionLifetimeHours', label: t('sso.sessionLifetimeHours'), type: 'number', hint: t('sso.sessionLifetimeHoursHelp'), value: v.sessionLifetimeHours, errors })}
  ${textField({ name: 'logRetentionDays', label: t('sso.logRetentionDays'), type: 'number', hint: t('sso.logRetentionDaysHelp'), value: v.logRetentionDays, errors })}
  ${textField({ name: 'emailDomains', label: `${t('sso.emailDomains')} (${t('form.optional')})`, hint: t('sso.emailDomainsHelp'), value: v.emailDomains, errors })}
  <div class="actions"><button type="submit" name="action" value="connect">${t('sso.connect')}</button></div>
</form>
${isAdmin ? setupLinksSection(t, csrf, setupLinks, state.setupLink ?? {}) : ''}
${ssoClientScript(scriptNonce(reply))}`);
  }

  app.get('/settings/sso', SETUP, async (request, reply) => tab(request, reply, {}));

  app.post('/settings/sso', SETUP, async (request, reply) => {
    const ctx = contextOf(request, deps);
    const body = request.body as Record<string, unknown>;
    const values: FormValues = Object.fromEntries(Object.entries(body).filter(([k]) => k !== '_csrf').map(([k, v]) => [k, String(Array.isArray(v) ? v[0] : v ?? '')]));
    if (values.action === 'preset') {
      const preset: AttributeNames | undefined = ATTRIBUTE_PRESETS[values.preset ?? '']?.names;
      if (preset) Object.assign(values, { attrFirstName: preset.firstName, attrLastName: preset.lastName, attrEmail: preset.email, attrDisplayName: preset.displayName, attrRole: preset.role });
      return tab(request, reply, { values });
    }
    if (values.action === 'import') {
      await ensureConnection(ctx);
      const read = await readIdpMetadata(ctx, deps.config, { ...(values.idpMetadataUrl ? { url: values.idpMetadataUrl } : {}), ...(values.idpMetadataXml ? { xml: values.idpMetadataXml } : {}) });
      if (!read.ok) return tab(request, reply, { values, errors: [{ path: values.idpMetadataXml ? 'idpMetadataXml' : 'idpMetadataUrl', message: `${read.reason} You can also enter the URLs and the certificate by hand.` }] });
      const m = read.metadata;
      Object.assign(values, { idpEntityId: m.entityId, idpSsoUrl: m.ssoUrls.redirect ?? m.ssoUrls.post ?? '', idpSloUrl: m.sloUrls.redirect ?? m.sloUrls.post ?? '', idpCertificates: m.signingCertificates.map((c) => c.pem).join('\n') });
      return tab(request, reply, { values, notice: [`${m.signingCertificates.length} signing certificate(s) read from the metadata.`, ...m.warnings].join(' ') });
    }
    let notices: ConnectionView['notices'] = [];
    try {
      notices = (await connect(ctx, deps.config, parseInput(ConnectBody, connectInput(values)))).notices;
    } catch (error) {
      if (error instanceof AppError && error.fieldErrors.length > 0) return tab(request, reply, { values, errors: error.fieldErrors });
      throw error;
    }
    setFlash(reply, [request.t('settings.saved'), ...(notices ?? []).map((notice) => request.t(`sso.notice.${notice}`))].join(' '), deps.config.secureCookies);
    return redirectTo(reply, '/settings/sso');
  });

  app.post('/settings/sso/refresh-metadata', SETUP, async (request, reply) => {
    const ctx = contextOf(request, deps);
    const t = request.t;
    let notice: string;
    try {
      const result = await refreshMetadataNow(ctx, deps.config);
      notice = result.ok
        ? t('sso.refreshed', { added: String(result.added.length), removed: String(result.removed.length), total: String(result.certificates) })
        : t('sso.refreshFailed', { reason: result.reason });
    } catch (error) {
      if (error instanceof AppError && error.fieldErrors.length > 0) return tab(request, reply, { errors: error.fieldErrors });
      throw error;
    }
    setFlash(reply, notice, deps.config.secureCookies);
    return redirectTo(reply, '/settings/sso');
  });

  app.post('/settings/sso/sp-key/rotate', async (request, reply) => {
    await startSpKeyRotation(contextOf(request, deps), deps.config);
    setFlash(reply, request.t('sso.spKey.started'), deps.config.secureCookies);
    return redirectTo(reply, '/settings/sso');
  });

  app.post('/settings/sso/sp-key/finish', async (request, reply) => {
    await finishSpKeyRotation(contextOf(request, deps), deps.config);
    setFlash(reply, request.t('sso.spKey.finished'), deps.config.secureCookies);
    return redirectTo(reply, '/settings/sso');
  });

  app.post('/settings/sso/test', SETUP, async (request, reply) => {
    const ctx = contextOf(request, deps);
    await getConnectionView(ctx, deps.config);
    const started = await startSignIn(ssoDeps(deps), request.account!, { returnTo: '/settings/sso/log', purpose: 'test' }, ctx.now);
    if (!started.ok) throw new AppError('validation_failed', 'Connect single sign-on first.');
    return reply.redirect(started.redirectUrl, 303);
  });

  app.get<{ Querystring: { person?: string; outcome?: string } }>('/settings/sso/log', SETUP, async (request, reply) => {
    const ctx = contextOf(request, deps);
    const view = await getConnectionView(ctx, deps.config);
    const t = request.t;
    const entries = await listSsoLog(deps.db, ctx.actor.accountId, { person: request.query.person, outcome: request.query.outcome, limit: 100 });
    return portalPage(request, reply, deps, { title: t('sso.log'), current: '/settings' }, () => html`
<h1>${t('sso.log')}</h1>
${settingsTabs(request, 'sso')}
<p class="hint" id="log-retention">${t('sso.logRetentionNote', { days: String(view.logRetentionDays) })}</p>
<form method="get" action="/settings/sso/log" class="actions">
  <label for="log-person">${t('sso.log.person')}</label><input type="text" id="log-person" name="person" value="${request.query.person ?? ''}">
  <label for="log-outcome">${t('sso.log.outcome')}</label><select id="log-outcome" name="outcome"><option value="">${t('sso.log.all')}</option>${(['success', 'failure', 'info'] as const).map((o) => html`<option value="${o}"${request.query.outcome === o ? html` selected` : ''}>${outcomeLabel(t, o)}</option>`)}</select>
  <button type="submit" class="secondary">${t('sso.log.search')}</button></form>
<table><thead><tr><th scope="col">${t('audit.when')}</th><th scope="col">${t('sso.log.direction')}</th><th scope="col">${t('sso.log.outcome')}</th><th scope="col">${t('sso.log.person')}</th><th scope="col">${t('sso.log.summary')}</th></tr></thead>
<tbody>${entries.map((e) => html`<tr><td><a href="/settings/sso/log/${e.id}">${when(e.created_at)}</a></td><td>${e.direction === 'in' ? 'IdP → SP' : 'SP → IdP'} ${e.kind}</td><td><span class="pill">${outcomeLabel(t, e.outcome)}</span></td><td>${e.person ?? ''}</td><td>${localizedLogText(t, e).summary}${similarCount(t, e)}</td></tr>`)}</tbody></table>`);
  });

  app.get<{ Params: { id: string } }>('/settings/sso/log/:id', SETUP, async (request, reply) => {
    const ctx = contextOf(request, deps);
    const view = await getConnectionView(ctx, deps.config);
    const entry = await getSsoLogEntry(deps.db, ctx.actor.accountId, request.params.id);
    if (!entry) throw new AppError('not_found');
    return portalPage(request, reply, deps, { title: request.t('sso.log'), current: '/settings' }, () => html`${logEntryBody(request.t, entry, view.attributes)}${ssoClientScript(scriptNonce(reply))}`);
  });

  // The entry's SAML message exactly as received (the signed bytes), as a file; the name says what and when, never the product.
  app.get<{ Params: { id: string } }>('/settings/sso/log/:id/xml', SETUP, async (request, reply) => {
    const ctx = contextOf(request, deps);
    await getConnectionView(ctx, deps.config);
    const entry = await getSsoLogEntry(deps.db, ctx.actor.accountId, request.params.id);
    if (!entry?.xml) throw new AppError('not_found');
    return reply.type('application/xml; charset=utf-8').header('content-disposition', `attachment; filename="${xmlFileName(entry)}"`).header('x-content-type-options', 'nosniff').header('cache-control', 'no-store').send(entry.xml);
  });

  // SSO set-up links (administrators only; a set-up link session never reaches these: no SETUP config).
  app.post('/settings/sso/setup-links', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const body = request.body as Record<string, unknown>;
    const values: FormValues = { label: String(body.label ?? '').slice(0, 200), expiresInHours: String(body.expiresInHours ?? '').slice(0, 20) };
    let created;
    try {
      const hours = values.expiresInHours!.trim();
      created = await createSetupLink(ctx, deps.config, parseInput(CreateSetupLinkBody, { label: values.label, ...(hours ? { expiresInHours: /^\d+$/.test(hours) ? Number(hours) : hours } : {}) }));
    } catch (error) {
      if (error instanceof AppError && error.fieldErrors.length > 0) return tab(request, reply, { setupLink: { values, errors: error.fieldErrors } });
      throw error;
    }
    reply.header('cache-control', 'no-store');
    return portalPage(request, reply, deps, { title: request.t('sso.setupLinks.title'), current: '/settings', status: 201 }, () => html`${setupLinkCreated(request.t, created.link, created.url)}${ssoClientScript(scriptNonce(reply))}`);
  });

  app.post<{ Params: { id: string } }>('/settings/sso/setup-links/:id/revoke', async (request, reply) => {
    const link = await revokeSetupLink(contextOf(request, deps), request.params.id.slice(0, 64));
    setFlash(reply, request.t('sso.setupLinks.revoked', { label: link.label }), deps.config.secureCookies);
    return redirectTo(reply, '/settings/sso#setup-links');
  });

  // After a 1:n sign-in with several users: the person chooses which one to work as.
  app.get('/sso/choose', async (request, reply) => {
    const ctx = contextOf(request, deps);
    // Choosing whom to work as is for subaccounts; a white-label user works only as itself.
    if (ctx.actor.kind !== 'subaccount') throw new AppError('forbidden');
    const t = request.t;
    const users = await visibleUsers(ctx);
    return portalPage(request, reply, deps, { title: t('sso.chooseTitle') }, (csrf) => html`
<h1>${t('sso.chooseTitle')}</h1><p>${t('sso.chooseHelp')}</p>
<ul class="stack" id="choose-users">${users.map((u) => html`<li><form method="post" action="/users/${u.id}/act-as">${csrf}<button type="submit">${t('sso.workAs', { name: u.name })}</button></form></li>`)}</ul>`);
  });
}

/** The count of a summary row of anonymous traffic past the hourly cap ("and 312 similar failures"). */
function similarCount(t: Translate, entry: { kind: string; repeats: number | null }) {
  if (entry.repeats === null) return '';
  return html` <strong class="similar-count">${t(entry.kind === 'similar_starts' ? 'sso.log.similarStarts' : 'sso.log.similar', { count: String(entry.repeats) })}</strong>`;
}
