import type { FastifyRequest } from 'fastify';

/** How a sign-in attempt ended, as the sign-in path itself says (counted by the metrics, never read from a status code). */
export type SignInOutcome = { method: 'password'; outcome: 'success' | 'invalid' | 'locked' | 'rejected' } | { method: 'sso'; outcome: 'success' | 'test' | 'no_access' | 'failure' };

declare module 'fastify' {
  interface FastifyRequest {
    signInOutcome: SignInOutcome | null;
  }
}

export function reportSignIn(request: FastifyRequest, outcome: SignInOutcome): void {
  request.signInOutcome = outcome;
}
