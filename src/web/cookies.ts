import type { CookieSerializeOptions } from '@fastify/cookie';

export const SESSION_COOKIE = 'blanca_session';
export const LANGUAGE_COOKIE = 'blanca_lang';

export function cookieOptions(secure: boolean, maxAgeSeconds?: number): CookieSerializeOptions {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure, ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}) };
}
