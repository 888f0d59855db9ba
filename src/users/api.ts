import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { IdParams, problemResponses } from '../web/api-schemas.js';
import type { AppDeps } from '../web/deps.js';
import { contextOf } from '../auth/http/context.js';
import { CreateUserBody, UpdateUserBody, UserView, type CreateUserInput, type UpdateUserInput } from './schemas.js';
import { createUser, deleteUser, findVisibleUser, toUserView, updateUser, visibleUsers } from './service.js';

const tags = ['Users'];

export async function usersApi(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get('/users', { schema: { tags, summary: 'List the white-label users you can see', response: { 200: Type.Object({ users: Type.Array(UserView) }), ...problemResponses } } }, async (request) => {
    const users = await visibleUsers(contextOf(request, deps));
    return { users: users.map(toUserView) };
  });

  app.post<{ Body: CreateUserInput }>('/users', { schema: { tags, summary: 'Create user', body: CreateUserBody, response: { 201: UserView, ...problemResponses } } }, async (request, reply) => {
    const user = await createUser(contextOf(request, deps), request.body);
    return reply.code(201).send(toUserView(user));
  });

  app.get<{ Params: { id: string } }>('/users/:id', { schema: { tags, summary: 'Get a user', params: IdParams, response: { 200: UserView, ...problemResponses } } }, async (request) =>
    toUserView(await findVisibleUser(contextOf(request, deps), request.params.id)),
  );

  app.patch<{ Params: { id: string }; Body: UpdateUserInput }>('/users/:id', { schema: { tags, summary: 'Edit a user', params: IdParams, body: UpdateUserBody, response: { 200: UserView, ...problemResponses } } }, async (request) =>
    toUserView(await updateUser(contextOf(request, deps), request.params.id, request.body)),
  );

  app.delete<{ Params: { id: string } }>('/users/:id', { schema: { tags, summary: 'Delete a user and its QR codes', params: IdParams, response: { 204: Type.Null(), ...problemResponses } } }, async (request, reply) => {
    await deleteUser(contextOf(request, deps), request.params.id);
    return reply.code(204).send();
  });
}
