import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actAsUser, stopActingAs } from '../auth/act-as.js';
import { hasPermission } from '../auth/permissions.js';
import { AppError, type FieldError } from '../platform/errors.js';
import { html } from '../platform/html.js';
import { parseInput } from '../platform/validation.js';
import type { AppDeps } from '../web/deps.js';
import { setFlash, takeFlash } from '../web/flash.js';
import { asArray, blankToUndefined, checkboxGroup, errorSummary, textField } from '../web/forms.js';
import { contextOf } from '../auth/http/context.js';
import { redirectTo } from '../web/guards.js';
import { portalPage } from '../web/page.js';
import { confirmDeleteBody } from '../web/confirm-delete.js';
import { CreateUserBody, UpdateUserBody, USER_FEATURES } from './schemas.js';
import { createUser, deleteUser, findVisibleUser, updateUser, visibleUsers } from './service.js';
import type { UserRow } from './store.js';

type Params = { id: string };

function formInput(body: unknown, forUpdate: boolean): Record<string, unknown> {
  const raw = blankToUndefined({ ...(body as Record<string, unknown>) }, ['email', 'username', 'password', 'shortDomain', 'maxCodes', 'ssoRoleValue']);
  delete raw._csrf;
  raw.features = asArray(raw.features);
  if (forUpdate) {
    for (const key of ['email', 'username', 'shortDomain'] as const) if (!(key in raw)) raw[key] = null;
  }
  return raw;
}

export async function usersPortal(app: FastifyInstance, deps: AppDeps): Promise<void> {
  function userForm(request: FastifyRequest, reply: FastifyReply, state: { user?: UserRow; values?: Record<string, unknown>; errors?: FieldError[] }) {
    const t = request.t;
    const editing = state.user;
    const v = state.values ?? (editing ? { name: editing.name, email: editing.email, username: editing.username, maxCodes: editing.max_codes, features: JSON.parse(editing.features), shortDomain: editing.short_domain, ssoRoleValue: editing.sso_role_value } : { maxCodes: 100, features: [...USER_FEATURES] });
    const errors = state.errors ?? [];
    const title = editing ? t('users.edit') : t('users.create');
    return portalPage(request, reply, deps, { title, current: '/users', ...(errors.length ? { status: 400 } : {}) }, (csrf) => html`
<h1>${title}</h1>
${errorSummary(t, errors)}
<form method="post" action="${editing ? `/users/${editing.id}` : '/users'}" class="stack" novalidate>
  ${csrf}
  ${textField({ name: 'name', label: t('users.name'), value: v.name as string, required: true, errors })}
  ${textField({ name: 'email', label: `${t('users.email')} (${t('form.optional')})`, type: 'email', value: v.email as string, errors })}
  ${textField({ name: 'username', label: `${t('users.username')} (${t('form.optional')})`, value: v.username as string, autocomplete: 'off', errors })}
  ${textField({ name: 'password', label: `${t('users.password')} (${t('form.optional')})`, type: 'password', hint: t('users.passwordHelp'), autocomplete: 'new-password', errors })}
  ${textField({ name: 'maxCodes', label: t('users.maxCodes'), type: 'number', value: v.maxCodes as number, required: true, errors, attrs: html`min="0" max="1000000"` })}
  ${checkboxGroup({ name: 'features', legend: t('users.features'), options: USER_FEATURES.map((f) => ({ value: f, label: t(`feature.${f}`) })), checked: asArray(v.features), errors })}
  ${textField({ name: 'shortDomain', label: `${t('users.shortDomain')} (${t('form.optional')})`, value: v.shortDomain as string, errors })}
  ${textField({ name: 'ssoRoleValue', label: editing ? t('users.ssoRoleValue') : `${t('users.ssoRoleValue')} (${t('form.optional')})`, value: v.ssoRoleValue as string, hint: t('users.ssoRoleValueHelp'), autocomplete: 'off', errors })}
  <div class="actions"><button type="submit">${editing ? t('form.save') : t('form.create')}</button><a class="button secondary" href="/users">${t('form.cancel')}</a></div>
</form>`);
  }

  app.get('/', async (request, reply) => {
    const actor = request.actor;
    if (actor?.kind === 'user' || request.session?.acting_user_id) return redirectTo(reply, '/space');
    return redirectTo(reply, '/users');
  });

  app.get('/users', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const t = request.t;
    if (ctx.actor.kind !== 'subaccount') return redirectTo(reply, '/space');
    const users = await visibleUsers(ctx);
    const manage = hasPermission(ctx.actor, 'users.manage');
    return portalPage(request, reply, deps, { title: t('users.title'), current: '/users', flash: takeFlash(request, reply) }, (csrf) => html`
<h1>${t('users.title')}</h1>
${manage ? html`<p><a class="button" href="/users/new">${t('users.create')}</a></p>` : ''}
${users.length === 0
  ? html`<p>${manage ? t('users.none') : t('switcher.none')}</p>`
  : html`<table><caption class="visually-hidden">${t('users.title')}</caption>
<thead><tr><th scope="col">${t('users.name')}</th><th scope="col">${t('users.email')}</th><th scope="col">${t('users.maxCodes')}</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${users.map((u) => html`<tr>
  <td>${u.name} ${u.sso_subject ? html`<span class="pill">${t('users.sso')}</span>` : ''}${u.deactivated_at !== null ? html` <span class="pill">${t('users.deactivated')}</span>` : ''}</td><td>${u.email ?? ''}</td><td>${u.max_codes}</td>
  <td class="actions">
    <form method="post" action="/users/${u.id}/act-as">${csrf}<button type="submit" class="secondary" aria-label="${t('users.actAs')} ${u.name}">${t('users.actAs')}</button></form>
    ${manage ? html`<a class="button secondary" href="/users/${u.id}/edit" aria-label="${t('form.edit')} ${u.name}">${t('form.edit')}</a>
    <a class="button danger" href="/users/${u.id}/delete" aria-label="${t('form.delete')} ${u.name}">${t('form.delete')}</a>` : ''}
  </td></tr>`)}</tbody></table>`}`);
  });

  app.get('/users/new', async (request, reply) => {
    const ctx = contextOf(request, deps);
    if (!hasPermission(ctx.actor, 'users.manage')) throw new AppError('forbidden');
    return userForm(request, reply, {});
  });

  app.post('/users', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const values = formInput(request.body, false);
    try {
      const user = await createUser(ctx, parseInput(CreateUserBody, values));
      setFlash(reply, request.t('users.created', { name: user.name }), deps.config.secureCookies);
      return redirectTo(reply, '/users');
    } catch (error) {
      if (error instanceof AppError && error.fieldErrors.length > 0) return userForm(request, reply, { values, errors: error.fieldErrors });
      throw error;
    }
  });

  app.get<{ Params: Params }>('/users/:id/edit', async (request, reply) => {
    const ctx = contextOf(request, deps);
    if (!hasPermission(ctx.actor, 'users.manage')) throw new AppError('forbidden');
    return userForm(request, reply, { user: await findVisibleUser(ctx, request.params.id) });
  });

  app.post<{ Params: Params }>('/users/:id', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const values = formInput(request.body, true);
    try {
      const user = await updateUser(ctx, request.params.id, parseInput(UpdateUserBody, values));
      setFlash(reply, request.t('users.updated', { name: user.name }), deps.config.secureCookies);
      return redirectTo(reply, '/users');
    } catch (error) {
      if (error instanceof AppError && error.fieldErrors.length > 0) return userForm(request, reply, { user: await findVisibleUser(ctx, request.params.id), values, errors: error.fieldErrors });
      throw error;
    }
  });

  app.get<{ Params: Params }>('/users/:id/delete', async (request, reply) => {
    const ctx = contextOf(request, deps);
    if (!hasPermission(ctx.actor, 'users.manage')) throw new AppError('forbidden');
    const user = await findVisibleUser(ctx, request.params.id);
    const t = request.t;
    const body = confirmDeleteBody(t, { name: user.name, question: t('users.deleteConfirm', { name: user.name }), action: `/users/${user.id}/delete`, cancelHref: '/users' });
    return portalPage(request, reply, deps, { title: t('form.delete'), current: '/users' }, body);
  });

  app.post<{ Params: Params }>('/users/:id/delete', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const user = await findVisibleUser(ctx, request.params.id);
    await deleteUser(ctx, user.id);
    setFlash(reply, request.t('users.deleted', { name: user.name }), deps.config.secureCookies);
    return redirectTo(reply, '/users');
  });

  app.post<{ Params: Params }>('/users/:id/act-as', async (request, reply) => {
    const ctx = contextOf(request, deps);
    await actAsUser(ctx, request.session!.id, request.params.id);
    return redirectTo(reply, '/space');
  });

  // The team leader's switcher posts the chosen user in the body.
  app.post('/act-as', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const userId = (request.body as Record<string, unknown>).userId;
    if (typeof userId !== 'string') throw new AppError('validation_failed', 'Choose a user.', [{ path: 'userId', message: 'Choose a user.' }]);
    await actAsUser(ctx, request.session!.id, userId);
    return redirectTo(reply, '/space');
  });

  app.post('/act-as/stop', async (request, reply) => {
    await stopActingAs(contextOf(request, deps), request.session!.id);
    return redirectTo(reply, '/users');
  });

  // The white-label user's own space is its list of QR codes (src/qr/portal.ts).
  app.get('/space', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const userId = ctx.actor.kind === 'user' ? ctx.actor.id : request.session?.acting_user_id;
    if (!userId) return redirectTo(reply, '/users');
    await findVisibleUser(ctx, userId);
    return redirectTo(reply, '/codes');
  });
}
