import { AUTH_MESSAGES_EN, AUTH_MESSAGES_ES } from './auth/messages.js';
import { PLATFORM_MESSAGES, type Catalogue } from './platform/i18n.js';
import { QR_MESSAGES_EN, QR_MESSAGES_ES } from './qr/messages.js';
import { SSO_MESSAGES_EN, SSO_MESSAGES_ES } from './sso/messages.js';

/**
 * The portal's whole catalogue, assembled at the top from each domain's own texts. The type demands
 * every key of every domain in both languages, so a domain that declares keys but is left out here,
 * or a missing Spanish text, fails the type check.
 */
export const MESSAGES: Catalogue = {
  en: { ...PLATFORM_MESSAGES.en, ...SSO_MESSAGES_EN, ...QR_MESSAGES_EN, ...AUTH_MESSAGES_EN },
  es: { ...PLATFORM_MESSAGES.es, ...SSO_MESSAGES_ES, ...QR_MESSAGES_ES, ...AUTH_MESSAGES_ES },
};
