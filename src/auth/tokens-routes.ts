import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../platform/errors.js';
import { html } from '../platform/html.js';
import { parseInput } from '../platform/validation.js';
import { findVisibleUser, visibleUsers } from '../users/service.js';
import { IdParams, problemResponses } from '../web/api-schemas.js';
import type { AppDeps } from '../web/deps.js';
import { errorSummary, selectField, textField } from '../web/forms.js';
import { contextOf } from './http/context.js';
import { redirectTo } from '../web/guards.js';
import { portalPage } from '../web/page.js';
import { hasPermission } from './permissions.js';
import { CreateTokenBody, createApiToken, deleteApiToken, listApiTokens, TokenView, type CreateTokenInput } from './tokens.js';

const tags = ['API tokens'];

export async function tokensApi(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get('/tokens', { schema: { tags, summary: 'List API tokens', response: { 200: Type.Object({ tokens: Type.Array(TokenView) }), ...problemResponses } } }, async (request) => ({
    tokens: await listApiTokens(contextOf(request, deps)),
  }));
  app.post<{ Body: CreateTokenInput }>('/tokens', { schema: { tags, summary: 'Create an API token (the secret is returned once)', body: CreateTokenBody, response: { 201: Type.Object({ token: Type.String(), details: TokenView }), ...problemResponses } } }, async (request, reply) => {
    const { token, view } = await createApiToken(contextOf(request, deps), request.body);
    return reply.code(201).send({ token, details: view });
  });
  app.delete<{ Params: { id: string } }>('/tokens/:id', { schema: { tags, summary: 'Revoke an API token', params: IdParams, response: { 204: Type.Null(), ...problemResponses } } }, async (request, reply) => {
    await deleteApiToken(contextOf(request, deps), request.params.id);
    return reply.code(204).send();
  });
}

export async function tokensPortal(app: FastifyInstance, deps: AppDeps): Promise<void> {
  async function page(request: FastifyRequest, reply: FastifyReply, state: { created?: string; errors?: AppError['fieldErrors'] }) {
    const ctx = contextOf(request, deps);
    const t = request.t;
    const tokens = await listApiTokens(ctx);
    const users = ctx.actor.kind === 'user' ? [await findVisibleUser(ctx, ctx.actor.id)] : hasPermission(ctx.actor, 'users.manage') ? await visibleUsers(ctx) : [];
    const scopes = [...(hasPermission(ctx.actor, 'account.manage') ? [{ value: '', label: t('tokens.account') }] : []), ...users.map((u) => ({ value: u.id, label: u.name }))];
    const names = new Map(users.map((u) => [u.id, u.name]));
    return portalPage(request, reply, deps, { title: t('tokens.title'), current: '/tokens', ...(state.errors?.length ? { status: 400 } : {}) }, (csrf) => html`
<h1>${t('tokens.title')}</h1>
${state.created ? html`<div class="flash" role="status"><p>${t('tokens.copy')}</p><p><code id="new-token">${state.created}</code></p></div>` : ''}
${errorSummary(t, state.errors)}
${tokens.length ? html`<table><thead><tr><th scope="col">${t('tokens.name')}</th><th scope="col">${t('tokens.scope')}</th><th scope="col">${t('tokens.lastUsed')}</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${tokens.map((tok) => html`<tr><td>${tok.name}</td><td>${tok.userId ? names.get(tok.userId) ?? tok.userId : t('tokens.account')}</td><td>${tok.lastUsedAt ?? t('tokens.never')}</td>
<td><form method="post" action="/tokens/${tok.id}/delete">${csrf}<button class="danger" type="submit" aria-label="${t('tokens.revoke')} ${tok.name}">${t('tokens.revoke')}</button></form></td></tr>`)}</tbody></table>` : ''}
${scopes.length ? html`<h2>${t('tokens.create')}</h2><form method="post" action="/tokens" class="stack">${csrf}
  ${textField({ name: 'name', label: t('tokens.name'), required: true, errors: state.errors ?? [] })}
  ${selectField({ name: 'userId', label: t('tokens.scope'), value: '', options: scopes, errors: state.errors ?? [] })}
  <div class="actions"><button type="submit">${t('tokens.create')}</button></div></form>` : ''}`);
  }

  app.get('/tokens', async (request, reply) => page(request, reply, {}));
  app.post('/tokens', async (request, reply) => {
    const body = request.body as Record<string, unknown>;
    try {
      const input = parseInput(CreateTokenBody, { name: body.name, userId: body.userId ? body.userId : null });
      const { token } = await createApiToken(contextOf(request, deps), input);
      return page(request, reply, { created: token });
    } catch (error) {
      if (error instanceof AppError && error.fieldErrors.length > 0) return page(request, reply, { errors: error.fieldErrors });
      throw error;
    }
  });
  app.post<{ Params: { id: string } }>('/tokens/:id/delete', async (request, reply) => {
    await deleteApiToken(contextOf(request, deps), request.params.id);
    return redirectTo(reply, '/tokens');
  });
}
