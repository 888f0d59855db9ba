import type { AccountRow } from '../accounts/store.js';
import type { Actor } from '../auth/actor.js';
import type { Session } from '../auth/sessions.js';
import type { Locale, Translate } from '../platform/i18n.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the session or API-token hook; null for anonymous requests. */
    actor: Actor | null;
    session: Session | null;
    /** The account whose branding the page shows (the signed-in one, or the one chosen on the sign-in page). */
    account: AccountRow | null;
    locale: Locale;
    t: Translate;
  }
}
