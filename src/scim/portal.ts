import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { contextOf } from '../auth/http/context.js';
import { hasPermission } from '../auth/permissions.js';
import { AppError, forbidden } from '../platform/errors.js';
import { html, type SafeHtml } from '../platform/html.js';
import type { Translate } from '../platform/i18n.js';
import { parseInput } from '../platform/validation.js';
import type { AppDeps } from '../web/deps.js';
import { setFlash } from '../web/flash.js';
import { redirectTo } from '../web/guards.js';
import { portalPage, scriptNonce } from '../web/page.js';
import { CreateScimTokenBody, createScimToken, revokeScimToken, type ScimTokenView } from './tokens.js';

// The SSO tab's Provisioning block (issue 12): the Tenant URL and Secret Token Entra asks for, with Copy
// buttons and the Entra steps; tokens are made and revoked here or with /api/v1/scim/tokens.
export const tenantUrlOf = (publicUrl: string, slug: string) => `${publicUrl}/scim/v2/${slug}`;

const copyScript = (nonce: string, scope: string) => html`<script nonce="${nonce}">document.querySelectorAll('${scope} [data-copy]').forEach((b)=>b.addEventListener('click',()=>navigator.clipboard?.writeText(b.dataset.copy)));</script>`;

export function provisioningSection(t: Translate, csrf: SafeHtml, nonce: string, data: { tenantUrl: string; tokens: ScimTokenView[] }): SafeHtml {
  return html`<section aria-labelledby="scim-heading" id="sso-provisioning"><h2 id="scim-heading">${t('scim.title')}</h2>
  <p class="hint">${t('scim.help')}</p>
  <p><strong>${t('scim.tenantUrl')}:</strong> <code id="scim-tenant-url">${data.tenantUrl}</code> <button type="button" class="secondary" data-copy="${data.tenantUrl}">${t('scim.copy')}</button></p>
  ${data.tokens.length
    ? html`<table id="scim-tokens"><caption class="visually-hidden">${t('scim.tokens')}</caption><thead><tr><th scope="col">${t('scim.tokenName')}</th><th scope="col">${t('scim.lastUsed')}</th><th scope="col"><span class="visually-hidden">${t('scim.revoke')}</span></th></tr></thead>
  <tbody>${data.tokens.map((k) => html`<tr><td>${k.name}</td><td>${k.lastUsedAt ? k.lastUsedAt.slice(0, 16).replace('T', ' ') : t('scim.never')}</td><td><form method="post" action="/settings/sso/scim-tokens/${k.id}/revoke">${csrf}<button type="submit" class="danger" aria-label="${t('scim.revoke')} ${k.name}">${t('scim.revoke')}</button></form></td></tr>`)}</tbody></table>`
    : html`<p id="scim-off">${t('scim.off')}</p>`}
  <form method="post" action="/settings/sso/scim-tokens" class="actions">${csrf}<label for="f-scim-name">${t('scim.tokenName')}</label> <input id="f-scim-name" name="name" value="Entra provisioning" maxlength="80" required> <button type="submit">${t('scim.create')}</button></form>
  <details><summary>${t('scim.stepsTitle')}</summary><ol id="scim-steps">
    <li>${t('scim.step1')}</li><li>${t('scim.step2')}</li><li>${t('scim.step3')}</li><li>${t('scim.step4')}</li><li>${t('scim.step5')}</li>
  </ol></details>
</section>
${copyScript(nonce, '#sso-provisioning')}`;
}

export async function scimPortal(app: FastifyInstance, deps: AppDeps): Promise<void> {
  // The secret is shown once, on its own page, with the Tenant URL next to it.
  app.post('/settings/sso/scim-tokens', async (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = contextOf(request, deps);
    if (!hasPermission(ctx.actor, 'account.manage')) throw forbidden();
    const name = (request.body as Record<string, unknown>).name;
    const { token } = await createScimToken(ctx, parseInput(CreateScimTokenBody, { name: typeof name === 'string' && name.trim() ? name : 'Entra provisioning' }));
    const t = request.t;
    const tenantUrl = tenantUrlOf(deps.config.publicUrl, request.account!.slug);
    return portalPage(request, reply, deps, { title: t('scim.created'), current: '/settings' }, () => html`
<h1>${t('scim.created')}</h1>
<section id="scim-created">
<p role="status">${t('scim.createdHelp')}</p>
<p><strong>${t('scim.tenantUrl')}:</strong> <code>${tenantUrl}</code> <button type="button" class="secondary" data-copy="${tenantUrl}">${t('scim.copy')}</button></p>
<p><strong>${t('scim.secretToken')}:</strong> <code id="scim-secret">${token}</code> <button type="button" class="secondary" data-copy="${token}">${t('scim.copy')}</button></p>
</section>
<p><a class="button" href="/settings/sso">${t('scim.back')}</a></p>
${copyScript(scriptNonce(reply), '#scim-created')}`);
  });

  app.post<{ Params: { id: string } }>('/settings/sso/scim-tokens/:id/revoke', async (request, reply) => {
    const ctx = contextOf(request, deps);
    if (!hasPermission(ctx.actor, 'account.manage')) throw new AppError('forbidden');
    await revokeScimToken(ctx, request.params.id);
    setFlash(reply, request.t('scim.revoked'), deps.config.secureCookies);
    return redirectTo(reply, '/settings/sso');
  });
}
