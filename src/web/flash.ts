import type { FastifyReply, FastifyRequest } from 'fastify';
import { cookieOptions } from './cookies.js';

// A one-shot message carried over a redirect (post → redirect → get). Its text is
// escaped when shown, so a forged cookie can only show text to its own sender.
const FLASH_COOKIE = 'qrp_flash';

export function setFlash(reply: FastifyReply, message: string, secure: boolean): void {
  reply.setCookie(FLASH_COOKIE, message.slice(0, 300), cookieOptions(secure, 60));
}

export function takeFlash(request: FastifyRequest, reply: FastifyReply): string | undefined {
  const message = request.cookies[FLASH_COOKIE];
  if (message) reply.clearCookie(FLASH_COOKIE, { path: '/' });
  return message;
}
