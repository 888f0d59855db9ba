import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { totpSecretOf } from '../two-factor.js';
import { AppError } from '../../platform/errors.js';
import { verifyCsrf } from '../../web/csrf.js';
import type { AppDeps } from '../../web/deps.js';

/** Portal scope: a signed-in person and a valid CSRF token on every form post. */
export function requireSignedIn(deps: AppDeps): preHandlerAsyncHookHandler {
  return async function (request: FastifyRequest, reply: FastifyReply) {
    const actor = request.actor;
    if (!actor || actor.kind === 'token') {
      if (request.session?.two_factor_pending) return reply.redirect('/login/2fa', 303);
      return reply.redirect(`/login?returnTo=${encodeURIComponent(request.url)}`, 303);
    }
    // An SSO set-up link opens only the routes that say so; everything else does not exist for it.
    if (actor.kind === 'sso_setup' && !request.routeOptions.config.ssoSetup) throw new AppError('not_found');
    if (request.method !== 'GET' && request.method !== 'HEAD') verifyCsrf(request, deps.secretKey);
  };
}

/**
 * Portal scope of everything but My security: where the account requires administrators to use
 * two-factor authentication, an administrator without it is sent to enrol first.
 */
export function requireTwoFactorEnrolment(deps: AppDeps): preHandlerAsyncHookHandler {
  return async function (request: FastifyRequest, reply: FastifyReply) {
    const actor = request.actor;
    const mustEnroll = request.account?.require_admin_2fa === 1 && actor?.kind === 'subaccount' && actor.role === 'admin';
    if (mustEnroll && !(await totpSecretOf(deps.db, 'subaccount', actor.accountId, actor.id))) return reply.redirect('/security?required=1', 303);
  };
}

/** API scope: a bearer token or nothing. Cookies are not accepted, so the API needs no CSRF defence. */
export function requireApiActor(): preHandlerAsyncHookHandler {
  return async function (request: FastifyRequest) {
    if (!request.actor || request.actor.kind !== 'token') throw new AppError('authentication_required', 'Send an API token: Authorization: Bearer qrp_…');
  };
}
