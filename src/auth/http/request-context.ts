import type { AccountRow } from '../../accounts/store.js';
import type { Actor } from '../actor.js';
import type { Session } from '../sessions.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the session or API-token hook; null for anonymous requests. */
    actor: Actor | null;
    session: Session | null;
    /** The signed-in account, or the one chosen on the sign-in page; the page brand reads it. */
    account: AccountRow | null;
  }
}
