import type { CookieSerializeOptions } from '@fastify/cookie';

export const SESSION_COOKIE = 'qrp_session';
export const LANGUAGE_COOKIE = 'qrp_lang';

export function cookieOptions(secure: boolean, maxAgeSeconds?: number): CookieSerializeOptions {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure, ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}) };
}
