import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { IdParams, problemResponses } from '../web/api-schemas.js';
import type { AppDeps } from '../web/deps.js';
import { contextOf } from '../auth/http/context.js';
import { CreateScimTokenBody, createScimToken, listScimTokenViews, revokeScimToken, ScimTokenView, type CreateScimTokenInput } from './tokens.js';

const tags = ['SCIM provisioning'];

/** /api/v1/scim/tokens: the Secret Tokens Entra's provisioning service uses (administrators only). */
export async function scimApi(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get('/scim/tokens', { schema: { tags, summary: 'List SCIM provisioning tokens', response: { 200: Type.Object({ tokens: Type.Array(ScimTokenView) }), ...problemResponses } } }, async (request) => ({ tokens: await listScimTokenViews(contextOf(request, deps)) }));
  app.post<{ Body: CreateScimTokenInput }>('/scim/tokens', { schema: { tags, summary: "Create a SCIM token (Entra's Secret Token; shown once). Provisioning is on while the account has one.", body: CreateScimTokenBody, response: { 201: Type.Object({ token: Type.String(), details: ScimTokenView }), ...problemResponses } } }, async (request, reply) => {
    const { token, view } = await createScimToken(contextOf(request, deps), request.body);
    return reply.code(201).send({ token, details: view });
  });
  app.delete<{ Params: { id: string } }>('/scim/tokens/:id', { schema: { tags, summary: 'Revoke a SCIM token', params: IdParams, response: { 204: Type.Null(), ...problemResponses } } }, async (request, reply) => {
    await revokeScimToken(contextOf(request, deps), request.params.id);
    return reply.code(204).send();
  });
}
