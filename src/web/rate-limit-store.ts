import { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';

/**
 * The Redis client @fastify/rate-limit keeps its counters in when REDIS_URL is set, so every
 * instance counts the same requests. Redis being away must not stop Blanca: commands fail fast
 * (no offline queue, a short timeout) and the limiter then lets the request through (fail open,
 * logged); the lock-outs in the database still stop password and second-factor guessing.
 */
export function rateLimitRedis(url: string, log: FastifyBaseLogger): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 1000,
    // Keep trying in the background, at most every 5 s.
    retryStrategy: (attempt) => Math.min(attempt * 250, 5000),
  });
  let healthy = true;
  redis.on('error', (error: Error) => {
    // One line per outage, not one per retry.
    if (healthy) log.warn({ err: error.message }, 'rate-limit store (Redis) unreachable: limits are not enforced until it is back');
    healthy = false;
  });
  redis.on('ready', () => {
    if (!healthy) log.info('rate-limit store (Redis) reachable again');
    healthy = true;
  });
  return redis;
}

/** Connects before the first request when it can; a Redis that is down at start is retried in the background. */
export async function connectRateLimitRedis(redis: Redis): Promise<void> {
  await redis.connect().catch(() => undefined);
}
