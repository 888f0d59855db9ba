import type { FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';
import type { AppDeps } from '../../web/deps.js';
import type { Actor } from '../actor.js';
import type { ServiceContext } from '../context.js';

/** The service context of a request that passed its scope's sign-in hook. */
export function contextOf(request: FastifyRequest, deps: AppDeps): ServiceContext {
  if (!request.actor) throw new AppError('authentication_required');
  return { db: deps.db, now: deps.clock.now(), actor: request.actor };
}

export function personOf(request: FastifyRequest): Extract<Actor, { kind: 'subaccount' | 'user' }> {
  const actor = request.actor;
  if (!actor || actor.kind === 'token' || actor.kind === 'sso_setup') throw new AppError('authentication_required');
  return actor;
}
