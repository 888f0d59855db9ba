import { createHmac } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../platform/errors.js';
import { constantTimeEqual, newSecret } from '../platform/ids.js';
import { cookieOptions } from './cookies.js';

// Signed tokens bound to the session (or, before sign-in, to an anonymous cookie):
// a form from another site cannot know them. SameSite=Lax cookies are the second wall.
export const ANON_COOKIE = 'qrp_anon';

function binding(request: FastifyRequest): string | undefined {
  return request.session?.id ?? request.cookies[ANON_COOKIE];
}

export function csrfToken(request: FastifyRequest, reply: FastifyReply, secretKey: string, secure: boolean): string {
  let bound = binding(request);
  if (!bound) {
    bound = newSecret();
    request.cookies[ANON_COOKIE] = bound;
    reply.setCookie(ANON_COOKIE, bound, cookieOptions(secure, 60 * 60 * 24));
  }
  return createHmac('sha256', secretKey).update(`csrf:${bound}`).digest('base64url');
}

export function verifyCsrf(request: FastifyRequest, secretKey: string): void {
  const bound = binding(request);
  const sent = (request.body as Record<string, unknown> | undefined)?._csrf;
  const expected = bound ? createHmac('sha256', secretKey).update(`csrf:${bound}`).digest('base64url') : '';
  if (!bound || typeof sent !== 'string' || !constantTimeEqual(sent, expected)) throw new AppError('csrf_failed');
}
