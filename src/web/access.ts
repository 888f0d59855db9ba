import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { totpSecretOf } from '../auth/two-factor.js';
import { AppError } from '../platform/errors.js';
import { verifyCsrf } from './csrf.js';
import type { AppDeps } from './deps.js';

const TWO_FACTOR_SETUP_PATHS = ['/security', '/logout', '/language'];

/** Portal scope: a signed-in person, a valid CSRF token on every form post, enforced 2FA. */
export function requireSignedIn(deps: AppDeps): preHandlerAsyncHookHandler {
  return async function (request: FastifyRequest, reply: FastifyReply) {
    const actor = request.actor;
    if (!actor || actor.kind === 'token') {
      if (request.session?.two_factor_pending) return reply.redirect('/login/2fa', 303);
      return reply.redirect(`/login?returnTo=${encodeURIComponent(request.url)}`, 303);
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') verifyCsrf(request, deps.secretKey);
    const mustEnroll = request.account?.require_admin_2fa === 1 && actor.kind === 'subaccount' && actor.role === 'admin';
    if (mustEnroll && !TWO_FACTOR_SETUP_PATHS.some((p) => request.url.startsWith(p))) {
      if (!(await totpSecretOf(deps.db, 'subaccount', actor.accountId, actor.id))) return reply.redirect('/security?required=1', 303);
    }
  };
}

/** API scope: a bearer token or nothing. Cookies are not accepted, so the API needs no CSRF defence. */
export function requireApiActor(): preHandlerAsyncHookHandler {
  return async function (request: FastifyRequest) {
    if (!request.actor || request.actor.kind !== 'token') throw new AppError('authentication_required', 'Send an API token: Authorization: Bearer blanca_…');
  };
}
