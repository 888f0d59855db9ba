import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { DatabaseFault } from '../db/faults.js';
import { AppError, toProblem } from '../platform/errors.js';
import { html, raw } from '../platform/html.js';
import { pickLocale, translator, type Catalogue, type Translate } from '../platform/i18n.js';
import { LANGUAGE_COOKIE } from './cookies.js';
import { styleNonce } from './page.js';
import { PORTAL_CSS } from './styles.js';

/** What a client (or a load balancer) should wait before trying again. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * The answer while the database is unreachable: 503 with Retry-After, problem JSON
 * (`not_ready`) for the API, a plain page for everyone else. The page needs nothing from the
 * database: the person's language when the session hook got that far, else their language
 * cookie or browser, else English; no account branding, no navigation.
 */
/** `catalogue` null: the problem JSON; otherwise the page, worded from that catalogue. */
export function sendUnavailable(request: FastifyRequest, reply: FastifyReply, catalogue: Catalogue | null): FastifyReply {
  reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS)).header('cache-control', 'no-store');
  if (!catalogue) return reply.type('application/problem+json').send(toProblem(new AppError('not_ready', 'The database is unreachable; try again in a few seconds.')));
  // request.t is set at the end of the session hook, so it is there only when the hook got through.
  const locale = (request.t as Translate | undefined) ? request.locale : pickLocale(request.cookies?.[LANGUAGE_COOKIE], request.headers['accept-language'], request.account?.default_locale ?? 'en');
  const t = translator(catalogue, locale);
  const page = html`<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${t('unavailable.title')}</title><style nonce="${styleNonce(reply)}">:root{--primary:#1d4ed8;--accent:#0f766e}${raw(PORTAL_CSS)}</style></head>
<body><main id="main" class="login"><h1>${t('unavailable.title')}</h1><p role="alert">${t('unavailable.body', { seconds: RETRY_AFTER_SECONDS })}</p><p><a href="${request.method === 'GET' ? request.url : '/'}">${t('unavailable.retry')}</a></p></main></body></html>`;
  return reply.type('text/html; charset=utf-8').send(`<!doctype html>${page.value}`);
}

/** One log line per second at most while the database is down, with how many 503s it stands for. */
export function faultLogger(): (log: FastifyBaseLogger, fault: DatabaseFault) => void {
  let lastAt = 0;
  let since = 0;
  return (log, fault) => {
    since++;
    const now = Date.now();
    if (now - lastAt < 1000) return;
    log.warn({ reason: fault.reason, answered503: since }, 'database unavailable: answering 503');
    lastAt = now;
    since = 0;
  };
}
