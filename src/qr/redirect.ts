import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pickLocale, translator } from '../platform/i18n.js';
import { clientAddress, fromTrustedProxy, proxyTrust } from '../web/client-address.js';
import type { AppDeps } from '../web/deps.js';
import type { RedirectTarget } from './cache.js';
import type { QrModule } from './module.js';
import type { RawScan } from './scans/recorder.js';
import { SHORT_CODE_LENGTH, SHORT_CODE_PATTERN } from './short-codes.js';
import { redirectProblemPage, type RedirectProblem } from './views.js';
import { getAccount } from '../accounts/store.js';
import { textOnColor } from '../accounts/branding.js';

const STATUS: Record<RedirectProblem, number> = { unknown: 404, paused: 404, expired: 410 };
// no-store: every scan must reach us, to be counted and to follow a new destination.
// The redirect skips helmet (it is benchmarked); these two constant headers are what a 302 needs.
const REDIRECT_HEADERS = { 'cache-control': 'private, no-store', 'content-length': '0', 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin' } as const;
// The problem page's only inline content is its constant stylesheet, allowed by hash.
const PROBLEM_HEADERS = { 'cache-control': 'no-store', 'x-robots-tag': 'noindex', 'x-content-type-options': 'nosniff', 'referrer-policy': 'same-origin', 'x-frame-options': 'DENY' } as const;

/** The checks, as early returns, against an explicit clock. */
export function decide(target: RedirectTarget, now: number): { problem: RedirectProblem } | { destination: string; codeId: string; accountId: string; userId: string } {
  if (!target.found) return { problem: 'unknown' };
  if (target.paused) return { problem: 'paused' };
  if (target.expiresAt !== null && target.expiresAt <= now) return { problem: 'expired' };
  return target;
}

type Headers = IncomingMessage['headers'];

function scanOf(target: { codeId: string; accountId: string; userId: string }, now: number, ip: string, headers: Headers, fromProxy: boolean): RawScan {
  return {
    codeId: target.codeId,
    accountId: target.accountId,
    userId: target.userId,
    at: now,
    ip,
    userAgent: headers['user-agent'],
    referer: headers.referer,
    // Country only from a proxy we were told to trust (no GeoIP database).
    country: fromProxy ? (headers['cf-ipcountry'] ?? headers['x-country']) : undefined,
  };
}

/** Off the hot path: a paused or expired code's page in its account's name and colours. */
async function problem(deps: AppDeps, request: FastifyRequest, reply: FastifyReply, kind: RedirectProblem, accountId: string | null): Promise<FastifyReply> {
  const account = accountId ? await getAccount(deps.db, accountId) : undefined;
  const t = translator(deps.messages, pickLocale(null, request.headers['accept-language'], account?.default_locale ?? 'en'));
  const brand = account ? { name: account.name, primary: account.primary_color, onPrimary: textOnColor(account.primary_color) } : { name: deps.config.PLATFORM_NAME };
  const page = redirectProblemPage(t, kind, brand);
  return reply.code(STATUS[kind]).headers(PROBLEM_HEADERS).header('content-security-policy', page.csp).type('text/html; charset=utf-8').send(page.body);
}

/**
 * GET /<short code>: one straight line, Shlink-style. Resolve the code (memory first) →
 * early returns for unknown, paused, expired (the clock is passed in) → queue the scan →
 * 302. No session, no cookie, no per-request log line, no database write on the way.
 */
export async function qrRedirect(app: FastifyInstance, deps: AppDeps, qr: QrModule): Promise<void> {
  const { cache, recorder } = qr;
  const trust = proxyTrust(deps.config.trustProxy);
  app.get<{ Params: { code: string } }>(
    `/:code(${SHORT_CODE_PATTERN})`,
    { config: { anonymous: true }, helmet: false, logLevel: 'warn', schema: { hide: true } },
    async (request, reply) => {
      const code = request.params.code;
      const now = deps.clock.now().getTime();
      const target = cache.peek(code, now) ?? (await cache.resolve(code, now));
      const outcome = decide(target, now);
      if ('problem' in outcome) return problem(deps, request, reply, outcome.problem, target.found ? target.accountId : null);
      // HEAD is what link checkers send; only a GET is someone following the code.
      if (request.method === 'GET') recorder.enqueue(scanOf(outcome, now, request.ip, request.headers, fromTrustedProxy(request.raw, trust)));
      return reply.code(302).header('location', outcome.destination).headers(REDIRECT_HEADERS).send();
    },
  );
}

const CODE_CHAR = /^[1-9A-HJ-NP-Za-km-z]$/;

/**
 * The same redirect, answered before Fastify when the destination is already cached: the
 * commonest request Blanca serves then costs a Map lookup, a push and a 302, which keeps its
 * throughput close to a bare node:http server (bench/redirect.ts). Anything else (a cache
 * miss, a paused/expired/unknown code, any other path, shutdown in progress) returns false
 * and goes through Fastify and the route above, so behaviour is defined in one place
 * (decide) and the fast path is only a shortcut for its commonest outcome.
 */
export function fastRedirect(deps: AppDeps, qr: QrModule): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { cache, recorder } = qr;
  const trust = proxyTrust(deps.config.trustProxy);
  const length = SHORT_CODE_LENGTH + 1;
  return (req, res) => {
    const url = req.url ?? '';
    if (qr.closing || (req.method !== 'GET' && req.method !== 'HEAD') || url.charCodeAt(0) !== 47 /* / */) return false;
    if (url.length !== length && url.charCodeAt(length) !== 63 /* ? */) return false;
    const code = url.slice(1, length);
    for (let i = 0; i < code.length; i++) if (!CODE_CHAR.test(code[i] as string)) return false;
    const now = deps.clock.now().getTime();
    const target = cache.peek(code, now);
    if (!target) return false;
    const outcome = decide(target, now);
    if ('problem' in outcome) return false;
    if (req.method === 'GET') {
      // The same address Fastify's request.ip gives: X-Forwarded-For only as far as trusted proxies vouch for it.
      recorder.enqueue(scanOf(outcome, now, clientAddress(req, trust), req.headers, fromTrustedProxy(req, trust)));
    }
    res.writeHead(302, { location: outcome.destination, ...REDIRECT_HEADERS });
    res.end();
    return true;
  };
}
