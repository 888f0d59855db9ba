import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../platform/errors.js';

// The public SAML endpoints (sign-in start, ACS, single logout, SP metadata) answer anyone, so each
// is limited per client address and per account, in whatever store @fastify/rate-limit is given
// (shared by the fleet when it is Redis). Checked on request, before a 512 KiB body is read.

/** Requests a minute one client address may make to the public SAML endpoints (all accounts together). */
export const SAML_REQUESTS_PER_CLIENT_PER_MINUTE = 120;
/** Requests a minute all clients together may make to one account's public SAML endpoints. */
export const SAML_REQUESTS_PER_ACCOUNT_PER_MINUTE = 1200;

type SlugRequest = FastifyRequest<{ Params: { slug: string } }>;

/** An onRequest hook for routes with `:slug`: 429 with Retry-After once either limit is used up. */
export function samlEndpointLimits(app: FastifyInstance): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  // IPv6 clients are grouped by /56, the size a subscriber gets, so rotating addresses does not help.
  const client = app.createRateLimit({ max: SAML_REQUESTS_PER_CLIENT_PER_MINUTE, timeWindow: 60_000, keyGenerator: (request) => `saml-client:${normalizeIP(request.ip, 56)}` });
  const account = app.createRateLimit({ max: SAML_REQUESTS_PER_ACCOUNT_PER_MINUTE, timeWindow: 60_000, keyGenerator: (request) => `saml-account:${(request as SlugRequest).params.slug}` });
  return async (request, reply) => {
    for (const limiter of [client, account]) {
      const result = await limiter(request);
      if (result.isAllowed || !result.isExceeded) continue;
      reply.header('retry-after', String(result.ttlInSeconds));
      // The ACS skips the session hook: the error handler then picks the page language itself.
      throw new AppError('rate_limited', `Too many single sign-on requests; try again in ${result.ttlInSeconds} s.`);
    }
  };
}
