import type { FastifyReply } from 'fastify';
import { cookieOptions, SESSION_COOKIE } from '../../web/cookies.js';
import { ACCOUNT_COOKIE } from './session-hook.js';

const A_YEAR_SECONDS = 3600 * 24 * 365;

/**
 * The cookies of a new session, for every way of signing in (password, SSO): the session cookie
 * lives no longer than the session itself, and the account is remembered for the next sign-in page.
 */
export function setSessionCookies(reply: FastifyReply, session: { token: string; expiresAt: number; accountSlug: string }, now: Date, secure: boolean): void {
  const seconds = Math.max(1, Math.floor((session.expiresAt - now.getTime()) / 1000));
  reply.setCookie(SESSION_COOKIE, session.token, cookieOptions(secure, seconds));
  reply.setCookie(ACCOUNT_COOKIE, session.accountSlug, cookieOptions(secure, A_YEAR_SECONDS));
}
