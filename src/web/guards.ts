import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../auth/actor.js';
import { AppError } from '../platform/errors.js';
import type { ServiceContext } from '../platform/context.js';
import type { AppDeps } from './deps.js';

/** The service context of a request that passed its scope's sign-in hook. */
export function contextOf(request: FastifyRequest, deps: AppDeps): ServiceContext {
  if (!request.actor) throw new AppError('authentication_required');
  return { db: deps.db, now: deps.clock.now(), actor: request.actor };
}

export function personOf(request: FastifyRequest): Extract<Actor, { kind: 'subaccount' | 'user' }> {
  const actor = request.actor;
  if (!actor || actor.kind === 'token') throw new AppError('authentication_required');
  return actor;
}

export function redirectTo(reply: FastifyReply, path: string): FastifyReply {
  return reply.redirect(path, 303);
}
