import type { MessageKey, Locale, Translate } from '../platform/i18n.js';

/** What the page layout brands itself with: the account a page belongs to, or none. */
export interface PageBrand {
  name: string;
  logo_url: string | null;
  primary_color: string;
  accent_color: string;
  /** Black or white, whichever reads on the primary colour (WCAG AA). */
  on_primary_color?: string;
  default_locale: string;
}

/**
 * The signed-in frame around a portal page (name, navigation, acting-as banner, user switcher),
 * prepared by the hook that resolved who asks, so that rendering a page reads nothing.
 */
export interface PageChrome {
  personName: string;
  nav: Array<{ href: string; label: MessageKey }>;
  /** The white-label user being acted as, if any. */
  actingAs: { id: string; name: string } | null;
  /** Users a team leader or SSO subaccount may switch between (empty for everyone else). */
  switchable: Array<{ id: string; name: string }>;
  /** Administrators and managers acting as a user may stop doing so. */
  canStopActing: boolean;
  /** Where the brand link goes (default "/"); an SSO set-up link's only page is the SSO tab. */
  home?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    locale: Locale;
    t: Translate;
    /** The account whose branding the page shows (the signed-in one, or the one chosen on the sign-in page). */
    readonly brand: PageBrand | null;
    /** Set for a signed-in person; null for anonymous requests and API tokens. */
    chrome: PageChrome | null;
  }
}
