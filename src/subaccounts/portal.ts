import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canManageRole } from '../auth/permissions.js';
import { AppError, type FieldError } from '../platform/errors.js';
import { html } from '../platform/html.js';
import { parseInput } from '../platform/validation.js';
import type { AppDeps } from '../web/deps.js';
import { setFlash, takeFlash } from '../web/flash.js';
import { asArray, blankToUndefined, checkboxGroup, errorSummary, selectField, textField } from '../web/forms.js';
import { contextOf } from '../auth/http/context.js';
import { redirectTo } from '../web/guards.js';
import { portalPage } from '../web/page.js';
import { confirmDeleteBody } from '../web/confirm-delete.js';
import { CreateSubaccountBody, UpdateSubaccountBody, type SubaccountView } from './schemas.js';
import { createSubaccount, deleteSubaccount, getSubaccountView, linkableUsers, listSubaccountViews, updateSubaccount } from './service.js';

type Params = { id: string };

function formInput(body: unknown): Record<string, unknown> {
  const raw = blankToUndefined({ ...(body as Record<string, unknown>) }, ['password']);
  delete raw._csrf;
  raw.userIds = asArray(raw.userIds);
  return raw;
}

export async function subaccountsPortal(app: FastifyInstance, deps: AppDeps): Promise<void> {
  async function subaccountForm(request: FastifyRequest, reply: FastifyReply, state: { existing?: SubaccountView; values?: Record<string, unknown>; errors?: FieldError[] }) {
    const ctx = contextOf(request, deps);
    const t = request.t;
    const users = await linkableUsers(ctx);
    const existing = state.existing;
    const ownerLocked = existing?.isOwner === true && !(ctx.actor.kind === 'subaccount' && ctx.actor.id === existing.id);
    const v = state.values ?? (existing ? { ...existing } : { role: 'team_leader', userIds: [] });
    const errors = state.errors ?? [];
    const roles = (['admin', 'manager', 'team_leader'] as const).filter((r) => canManageRole(ctx.actor, r) || existing?.role === r);
    const title = existing ? t('subaccounts.edit') : t('subaccounts.create');
    return portalPage(request, reply, deps, { title, current: '/subaccounts', ...(errors.length ? { status: 400 } : {}) }, (csrf) => html`
<h1>${title}</h1>
${errorSummary(t, errors)}
<form method="post" action="${existing ? `/subaccounts/${existing.id}` : '/subaccounts'}" class="stack" novalidate>
  ${csrf}
  ${textField({ name: 'name', label: t('users.name'), value: v.name as string, required: true, errors })}
  ${ownerLocked
    ? html`<p><strong>${t('users.email')}:</strong> ${existing?.email} — ${t('subaccounts.ownerOnly')}</p>`
    : textField({ name: 'email', label: t('users.email'), type: 'email', value: v.email as string, required: true, autocomplete: 'off', errors })}
  ${existing?.role === 'sso' || existing?.isOwner ? html`<p>${t('subaccounts.role')}: ${t(`role.${existing.role}`)}</p>` : selectField({ name: 'role', label: t('subaccounts.role'), value: String(v.role), options: roles.map((r) => ({ value: r, label: t(`role.${r}`) })), errors })}
  ${ownerLocked ? '' : textField({ name: 'password', label: `${t('users.password')}${existing ? ` (${t('form.optional')})` : ''}`, type: 'password', hint: t('users.passwordHelp'), autocomplete: 'new-password', errors })}
  ${checkboxGroup({ name: 'userIds', legend: t('subaccounts.assigned'), hint: t('subaccounts.assignedHelp'), options: users.map((u) => ({ value: u.id, label: u.name })), checked: asArray(v.userIds), errors })}
  <div class="actions"><button type="submit">${existing ? t('form.save') : t('form.create')}</button><a class="button secondary" href="/subaccounts">${t('form.cancel')}</a></div>
</form>`);
  }

  app.get('/subaccounts', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const t = request.t;
    const subaccounts = await listSubaccountViews(ctx);
    const names = new Map((await linkableUsers(ctx)).map((u) => [u.id, u.name]));
    return portalPage(request, reply, deps, { title: t('subaccounts.title'), current: '/subaccounts', flash: takeFlash(request, reply) }, () => html`
<h1>${t('subaccounts.title')}</h1>
<p><a class="button" href="/subaccounts/new">${t('subaccounts.create')}</a></p>
<table><caption class="visually-hidden">${t('subaccounts.title')}</caption>
<thead><tr><th scope="col">${t('users.name')}</th><th scope="col">${t('users.email')}</th><th scope="col">${t('subaccounts.role')}</th><th scope="col">${t('subaccounts.assigned')}</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${subaccounts.map((s) => html`<tr>
  <td>${s.name} ${s.isOwner ? html`<span class="pill">${t('subaccounts.owner')}</span>` : ''}</td><td>${s.email}</td><td>${t(`role.${s.role}`)}</td>
  <td>${s.userIds.map((id) => names.get(id) ?? id).join(', ')}</td>
  <td class="actions">${canManageRole(ctx.actor, s.role)
    ? html`<a class="button secondary" href="/subaccounts/${s.id}/edit" aria-label="${t('form.edit')} ${s.name}">${t('form.edit')}</a>
      ${s.isOwner ? '' : html`<a class="button danger" href="/subaccounts/${s.id}/delete" aria-label="${t('form.delete')} ${s.name}">${t('form.delete')}</a>`}`
    : ''}</td></tr>`)}</tbody></table>`);
  });

  app.get('/subaccounts/new', async (request, reply) => subaccountForm(request, reply, {}));

  app.post('/subaccounts', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const values = formInput(request.body);
    try {
      const created = await createSubaccount(ctx, parseInput(CreateSubaccountBody, values));
      setFlash(reply, request.t('subaccounts.created', { name: created.name }), deps.config.secureCookies);
      return redirectTo(reply, '/subaccounts');
    } catch (error) {
      if (error instanceof AppError && error.fieldErrors.length > 0) return subaccountForm(request, reply, { values, errors: error.fieldErrors });
      throw error;
    }
  });

  app.get<{ Params: Params }>('/subaccounts/:id/edit', async (request, reply) =>
    subaccountForm(request, reply, { existing: await getSubaccountView(contextOf(request, deps), request.params.id) }),
  );

  app.post<{ Params: Params }>('/subaccounts/:id', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const existing = await getSubaccountView(ctx, request.params.id);
    const values = formInput(request.body);
    if (existing.role === 'sso' || existing.isOwner) delete values.role;
    try {
      const saved = await updateSubaccount(ctx, existing.id, parseInput(UpdateSubaccountBody, values));
      setFlash(reply, request.t('subaccounts.updated', { name: saved.name }), deps.config.secureCookies);
      return redirectTo(reply, '/subaccounts');
    } catch (error) {
      if (error instanceof AppError && error.fieldErrors.length > 0) return subaccountForm(request, reply, { existing, values, errors: error.fieldErrors });
      throw error;
    }
  });

  app.get<{ Params: Params }>('/subaccounts/:id/delete', async (request, reply) => {
    const existing = await getSubaccountView(contextOf(request, deps), request.params.id);
    const t = request.t;
    const body = confirmDeleteBody(t, { name: existing.name, question: t('subaccounts.deleteConfirm', { name: existing.name }), action: `/subaccounts/${existing.id}/delete`, cancelHref: '/subaccounts' });
    return portalPage(request, reply, deps, { title: t('form.delete'), current: '/subaccounts' }, body);
  });

  app.post<{ Params: Params }>('/subaccounts/:id/delete', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const existing = await getSubaccountView(ctx, request.params.id);
    await deleteSubaccount(ctx, existing.id);
    setFlash(reply, request.t('subaccounts.deleted', { name: existing.name }), deps.config.secureCookies);
    return redirectTo(reply, '/subaccounts');
  });
}
