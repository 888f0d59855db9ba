import type { FastifyHelmetOptions } from '@fastify/helmet';
import type { Config } from '../config.js';

/**
 * Headers on every Fastify answer (@fastify/helmet). The CSP allows only Blanca's own inline
 * <style>/<script> elements, each carrying this response's nonce (page.ts); no inline handlers or
 * style attributes. Images may come from https: because an account's logo is a URL of its choice.
 * form-action is left open on purpose: sign-in and sign-out forms end in a redirect to the IdP.
 */
export function securityHeaders(config: Config): FastifyHelmetOptions {
  return {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'none'"],
        'script-src': [],
        'style-src': [],
        'img-src': ["'self'", 'data:', 'https:'],
        'connect-src': ["'self'"],
        'font-src': ["'self'"],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    // Only on https: a plain-http PUBLIC_URL (development) must not pin browsers to https.
    strictTransportSecurity: config.secureCookies ? { maxAge: 365 * 24 * 3600, includeSubDomains: false } : false,
    // Blanca's pages open IdP pages only by navigation; nothing cross-origin needs embedding.
    crossOriginEmbedderPolicy: false,
  };
}
