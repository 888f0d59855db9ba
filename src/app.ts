import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import http from 'node:http';
import { sql } from 'kysely';
import { accountsApi } from './accounts/api.js';
import { accountsPortal } from './accounts/portal.js';
import { auditApi, auditPortal } from './audit/routes.js';
import { authPortal } from './auth/portal.js';
import { ssoApi } from './sso/api.js';
import { scimApi } from './scim/api.js';
import { scimRoutes } from './scim/routes.js';
import { ssoSignInExtensions } from './sso/login-extensions.js';
import { ssoPortal } from './sso/portal.js';
import { ssoPublicRoutes } from './sso/routes.js';
import { qrApi } from './qr/api.js';
import { createQrModule, type QrModule, type QrOptions } from './qr/module.js';
import { qrPortal } from './qr/portal.js';
import { fastRedirect, qrRedirect } from './qr/redirect.js';
import { securityPortal } from './auth/security-portal.js';
import { tokensApi, tokensPortal } from './auth/tokens-routes.js';
import { subaccountsApi } from './subaccounts/api.js';
import { subaccountsPortal } from './subaccounts/portal.js';
import { usersApi } from './users/api.js';
import { usersPortal } from './users/portal.js';
import { requireApiActor, requireSignedIn, requireTwoFactorEnrolment } from './auth/http/access.js';
import type { AppDeps } from './web/deps.js';
import { installApiErrorHandling, installErrorHandling } from './web/errors.js';
import { installInputGuard, parseFormBody } from './web/input-guard.js';
import { installSessionHook } from './auth/http/session-hook.js';
import { RETRY_AFTER_SECONDS } from './web/unavailable.js';
import { proxyTrust } from './web/client-address.js';
import { connectRateLimitRedis, rateLimitRedis } from './web/rate-limit-store.js';
import { securityHeaders } from './web/security-headers.js';
import './web/request-context.js';
import './web/route-config.js';
import { MAX_BODY_BYTES } from './platform/input-limits.js';
import { bearerMatches, Metrics } from './ops/metrics.js';
import './web/sign-in-outcome.js';

/** /readyz answers 503 when the database does not answer `select 1` within this. */
const READY_TIMEOUT_MS = 2000;

export interface AppOptions {
  logger?: boolean | object;
  /** QR domain tuning (cache TTL, scan flush); defaults suit production. */
  qr?: QrOptions;
  /** Prefix of the rate-limit keys in Redis (tests isolate themselves with a random one). */
  rateLimitNamespace?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The QR domain's caches and scan queue (tests flush it; onClose drains it). */
    qr: QrModule;
    /** Prometheus counters of this instance (served at /metrics when METRICS_TOKEN is set). */
    metrics: Metrics;
    /** Every route registered (method, URL pattern); the permission-matrix test walks it. */
    routeTable: ReadonlyArray<{ method: string; url: string }>;
  }
}

/**
 * Infrastructure first (cookies, forms, sessions, errors), then each domain's
 * routes inside the scope whose hook decides who may enter (Fastify's habit).
 */
export async function buildApp(deps: AppDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  // QR short links whose destination is cached are answered before Fastify (see
  // src/qr/redirect.ts fastRedirect); every other request goes to Fastify as usual.
  let shortcut: ((req: http.IncomingMessage, res: http.ServerResponse) => boolean) | null = null;
  let qrModule: QrModule | null = null;
  const metrics = new Metrics(() => ({ counters: qrModule!.recorder.counters, pending: qrModule!.recorder.pending }));
  const app = Fastify({
    serverFactory: (handler) =>
      http.createServer((req, res) => {
        const started = performance.now();
        if (shortcut?.(req, res)) {
          metrics.redirect(performance.now() - started);
          metrics.shortLink(req.method ?? 'GET', res.statusCode);
          return;
        }
        handler(req, res);
      }),
    logger: options.logger ?? false,
    // Only the proxies the operator named (or the n nearest hops) may say who the client is.
    trustProxy: proxyTrust(deps.config.trustProxy) ?? false,
    bodyLimit: MAX_BODY_BYTES,
    ajv: { customOptions: { allErrors: true, verbose: true, keywords: ['errorMessage'], coerceTypes: 'array', removeAdditional: false }, plugins: [(await import('ajv-formats')).default as never] },
  });
  const routeTable: Array<{ method: string; url: string }> = [];
  app.addHook('onRoute', (route) => {
    for (const method of ([] as string[]).concat(route.method)) if (method !== 'HEAD') routeTable.push({ method, url: route.url });
  });
  app.decorate('routeTable', routeTable);
  await app.register(cookie);
  await app.register(formbody, { parser: parseFormBody });
  await app.register(helmet, securityHeaders(deps.config));
  const redis = deps.config.REDIS_URL ? rateLimitRedis(deps.config.REDIS_URL, app.log) : null;
  if (redis) {
    await connectRateLimitRedis(redis);
    app.addHook('onClose', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
  }
  // Counters per client address (request.ip, see trustProxy), in Redis when REDIS_URL is set so the
  // fleet counts together; skipOnError: a Redis outage lets requests through rather than failing them.
  await app.register(rateLimit, { global: false, ...(redis ? { redis, nameSpace: options.rateLimitNamespace ?? 'blanca:rate-limit:', skipOnError: true } : {}) });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: `${deps.config.PLATFORM_NAME} API`, version: '1', description: 'Every portal action. Authenticate with `Authorization: Bearer qrp_…` (API tokens are created under API tokens in the portal).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  // Before the session hook: it reads `?account=`, which must have passed the input door.
  installInputGuard(app);
  installSessionHook(app, deps);
  installErrorHandling(app, deps);
  app.decorate('metrics', metrics);
  app.decorateRequest('signInOutcome', null);
  app.addHook('onResponse', async (request, reply) => {
    const pattern = request.routeOptions.url;
    const status = reply.statusCode;
    if (pattern === undefined) return metrics.request(request.method, '(unmatched)', status);
    if (pattern.startsWith('/:code(')) {
      if (request.method === 'GET') metrics.redirect(reply.elapsedTime);
      return metrics.shortLink(request.method, status);
    }
    metrics.request(request.method, pattern, status);
    // Counted from what the sign-in path reported, not guessed from the status code.
    if (request.signInOutcome) metrics.signIn(request.signInOutcome.method, request.signInOutcome.outcome);
  });
  // Not public: only with METRICS_TOKEN set, and only for that bearer token (404 otherwise, like any unknown path).
  const metricsToken = deps.config.METRICS_TOKEN;
  if (metricsToken) {
    app.get('/metrics', { config: { anonymous: true }, schema: { hide: true }, logLevel: 'warn' }, async (request, reply) => {
      if (!bearerMatches(request.headers.authorization, metricsToken)) return reply.code(401).header('www-authenticate', 'Bearer').send({ status: 'unauthorized' });
      return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').header('cache-control', 'no-store').send(metrics.render());
    });
  }

  app.get('/healthz', { config: { anonymous: true }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { anonymous: true }, schema: { hide: true } }, async (_request, reply) => {
    // Bounded: a probe must get its answer even when connections to the database hang.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('readiness check timed out')), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([sql`select 1`.execute(deps.db), timeout]);
      return { status: 'ready', database: deps.engine };
    } catch {
      return reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS)).send({ status: 'not ready', database: deps.engine });
    } finally {
      clearTimeout(timer);
    }
  });

  // QR domain: one instance-wide module; closing the app writes every queued scan.
  const qr = createQrModule(deps, app.log, options.qr);
  qrModule = qr;
  app.decorate('qr', qr);
  app.addHook('preClose', async () => {
    qr.closing = true;
  });
  app.addHook('onClose', async () => qr.close());
  shortcut = fastRedirect(deps, qr);
  // Short links: GET /<code>, anonymous (no session lookup), constrained to the code alphabet.
  await app.register(async (scope) => qrRedirect(scope, deps, qr));

  // SCIM 2.0 for Entra's provisioning service: its own scope and bearer tokens (src/scim/routes.ts).
  await app.register(async (scope) => scimRoutes(scope, deps), { prefix: '/scim/v2/:slug' });

  // Public portal pages: sign-in, two-factor, language.
  await app.register(async (scope) => {
    await authPortal(scope, deps, ssoSignInExtensions(deps));
    await ssoPublicRoutes(scope, deps);
  });

  // Signed-in portal. My security stays reachable to an administrator who must enrol in 2FA first.
  await app.register(async (signedIn) => {
    signedIn.addHook('preHandler', requireSignedIn(deps));
    await securityPortal(signedIn, deps);
    await signedIn.register(async (scope) => {
      scope.addHook('preHandler', requireTwoFactorEnrolment(deps));
      await usersPortal(scope, deps);
      await subaccountsPortal(scope, deps);
      await accountsPortal(scope, deps);
      await auditPortal(scope, deps);
      await tokensPortal(scope, deps);
      await ssoPortal(scope, deps);
      await scope.register(async (inner) => qrPortal(inner, deps, qr));
    });
  });

  // REST API.
  await app.register(
    async (api) => {
      // Every API route resolves its caller from a bearer token only (see the session hook).
      api.addHook('onRoute', (route) => {
        route.config = { ...(route.config ?? {}), bearerOnly: true };
      });
      installApiErrorHandling(api);
      api.get('/openapi.json', { config: { anonymous: true }, schema: { hide: true } }, async () => app.swagger());
      await api.register(async (scope) => {
        // API answers are per-token data and some carry secrets (a new token): never cached.
        scope.addHook('onRequest', async (_request, reply) => {
          reply.header('cache-control', 'no-store');
        });
        scope.addHook('preHandler', requireApiActor());
        await accountsApi(scope, deps);
        await usersApi(scope, deps);
        await subaccountsApi(scope, deps);
        await auditApi(scope, deps);
        await tokensApi(scope, deps);
        await ssoApi(scope, deps);
        await scimApi(scope, deps);
        await scope.register(async (inner) => qrApi(inner, deps, qr));
      });
    },
    { prefix: '/api/v1' },
  );
  return app;
}
