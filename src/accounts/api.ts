import type { FastifyInstance } from 'fastify';
import { problemResponses } from '../web/api-schemas.js';
import type { AppDeps } from '../web/deps.js';
import { contextOf } from '../auth/http/context.js';
import { AccountView, UpdateAccountBody, type UpdateAccountInput } from './schemas.js';
import { getAccountView, updateAccountSettings } from './service.js';

const tags = ['Account'];

export async function accountsApi(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get('/account', { schema: { tags, summary: 'Account settings and branding', response: { 200: AccountView, ...problemResponses } } }, async (request) => getAccountView(contextOf(request, deps)));

  app.patch<{ Body: UpdateAccountInput }>('/account', { schema: { tags, summary: 'Change account settings and branding (administrators)', body: UpdateAccountBody, response: { 200: AccountView, ...problemResponses } } }, async (request) =>
    updateAccountSettings(contextOf(request, deps), request.body),
  );
}
