import type { FastifyReply, FastifyRequest } from 'fastify';

export function redirectTo(reply: FastifyReply, path: string): FastifyReply {
  return reply.redirect(path, 303);
}
