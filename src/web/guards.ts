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

/** Only paths on this site: "/x" but never "//evil" or "/\\evil" (open redirects). */
export function safeLocalPath(target: unknown, fallback = '/'): string {
  if (typeof target !== 'string' || target.length > 2000) return fallback;
  if (!target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\') || /[\r\n\t]/.test(target)) return fallback;
  return target;
}

export function redirectTo(reply: FastifyReply, path: string): FastifyReply {
  return reply.redirect(path, 303);
}
