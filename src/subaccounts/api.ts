import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { IdParams, problemResponses } from '../web/api-schemas.js';
import type { AppDeps } from '../web/deps.js';
import { contextOf } from '../auth/http/context.js';
import { CreateSubaccountBody, SubaccountView, UpdateSubaccountBody, type CreateSubaccountInput, type UpdateSubaccountInput } from './schemas.js';
import { createSubaccount, deleteSubaccount, getSubaccountView, listSubaccountViews, updateSubaccount } from './service.js';

const tags = ['Subaccounts'];

export async function subaccountsApi(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get('/subaccounts', { schema: { tags, summary: 'List subaccounts', response: { 200: Type.Object({ subaccounts: Type.Array(SubaccountView) }), ...problemResponses } } }, async (request) => ({
    subaccounts: await listSubaccountViews(contextOf(request, deps)),
  }));

  app.post<{ Body: CreateSubaccountInput }>('/subaccounts', { schema: { tags, summary: 'Create a subaccount (administrator, manager or team leader)', body: CreateSubaccountBody, response: { 201: SubaccountView, ...problemResponses } } }, async (request, reply) =>
    reply.code(201).send(await createSubaccount(contextOf(request, deps), request.body)),
  );

  app.get<{ Params: { id: string } }>('/subaccounts/:id', { schema: { tags, summary: 'Get a subaccount', params: IdParams, response: { 200: SubaccountView, ...problemResponses } } }, async (request) =>
    getSubaccountView(contextOf(request, deps), request.params.id),
  );

  app.patch<{ Params: { id: string }; Body: UpdateSubaccountInput }>('/subaccounts/:id', { schema: { tags, summary: 'Edit a subaccount, its role or its assigned users', params: IdParams, body: UpdateSubaccountBody, response: { 200: SubaccountView, ...problemResponses } } }, async (request) =>
    updateSubaccount(contextOf(request, deps), request.params.id, request.body),
  );

  app.delete<{ Params: { id: string } }>('/subaccounts/:id', { schema: { tags, summary: 'Delete a subaccount', params: IdParams, response: { 204: Type.Null(), ...problemResponses } } }, async (request, reply) => {
    await deleteSubaccount(contextOf(request, deps), request.params.id);
    return reply.code(204).send();
  });
}
