import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { openTestDatabase, testConfig } from '../support/app.js';
import { createBlanca, type Blanca } from '../../src/server.js';

// Issue 9 item 3: with TRUST_PROXY=true any client could name its own address in X-Forwarded-For,
// so the per-address limit on POST /login never fired (10 000+ guesses in 20 s). Now only named
// proxies are believed, and with REDIS_URL every instance counts in the same place.
const LOGIN_LIMIT = 30;
const REDIS_URL = 'redis://127.0.0.1:6379';

async function redisReachable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    if (process.env.BLANCA_REQUIRE_REDIS === '1') throw new Error(`Redis is required (BLANCA_REQUIRE_REDIS=1) but ${REDIS_URL} is not reachable`);
    console.warn(`# Redis at ${REDIS_URL} is not reachable: skipping the shared rate-limit store tests`);
    return false;
  } finally {
    probe.disconnect();
  }
}
const redisUp = await redisReachable();

async function start(env: Record<string, string>, rateLimitNamespace?: string): Promise<Blanca> {
  const { database } = await openTestDatabase('sqlite');
  return createBlanca(testConfig(env), { database, ...(rateLimitNamespace ? { rateLimitNamespace } : {}) });
}

/** A POST /login as a browser would not send it (no CSRF token): the limit counts it before anything else. */
function loginAttempt(blanca: Blanca, remoteAddress: string, forwardedFor?: string) {
  return blanca.app.inject({ method: 'POST', url: '/login', remoteAddress, headers: { 'content-type': 'application/x-www-form-urlencoded', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) }, payload: 'identifier=a%40b.example&password=x' });
}

async function statuses(count: number, attempt: (i: number) => Promise<{ statusCode: number }>): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await attempt(i)).statusCode);
  return seen;
}

describe('per-address rate limit and trusted proxies', () => {
  const apps: Blanca[] = [];
  after(async () => {
    for (const app of apps) await app.close();
  });

  test('a spoofed X-Forwarded-For from a peer that is not a trusted proxy does not change the key', async () => {
    const blanca = await start({ TRUST_PROXY: '10.0.0.0/8' });
    apps.push(blanca);
    const seen = await statuses(LOGIN_LIMIT + 1, (i) => loginAttempt(blanca, '203.0.113.9', `198.51.100.${i}`));
    assert.ok(seen.slice(0, LOGIN_LIMIT).every((s) => s === 403), seen.join());
    assert.equal(seen[LOGIN_LIMIT], 429, 'the 31st guess from the same peer is refused whatever it claims');
  });

  test('a trusted proxy is believed: each client behind it has its own counter', async () => {
    const blanca = await start({ TRUST_PROXY: '10.0.0.0/8' });
    apps.push(blanca);
    const distinct = await statuses(LOGIN_LIMIT + 5, (i) => loginAttempt(blanca, '10.1.2.3', `198.51.100.${i}`));
    assert.ok(distinct.every((s) => s === 403), 'different clients behind the balancer do not share a limit');
    const same = await statuses(LOGIN_LIMIT + 1, () => loginAttempt(blanca, '10.1.2.3', '192.0.2.77'));
    assert.equal(same[LOGIN_LIMIT], 429, 'one client behind the balancer is limited');
  });

  test('a hop count believes only that many hops: a client cannot prepend addresses', async () => {
    const blanca = await start({ TRUST_PROXY: '1' });
    apps.push(blanca);
    // The one proxy appends the address it saw; whatever the client wrote before it is ignored.
    const seen = await statuses(LOGIN_LIMIT + 1, (i) => loginAttempt(blanca, '10.9.9.9', `198.51.100.${i}, 192.0.2.10`));
    assert.equal(seen[LOGIN_LIMIT], 429, seen.join());
  });

  test('without TRUST_PROXY nothing is believed', async () => {
    const blanca = await start({});
    apps.push(blanca);
    const seen = await statuses(LOGIN_LIMIT + 1, (i) => loginAttempt(blanca, '127.0.0.1', `198.51.100.${i}`));
    assert.equal(seen[LOGIN_LIMIT], 429);
  });
});

describe('rate-limit counters shared through Redis', { skip: redisUp ? false : 'Redis not reachable' }, () => {
  const apps: Blanca[] = [];
  after(async () => {
    for (const app of apps) await app.close();
  });

  test('two instances count the same client together', async () => {
    const namespace = `blanca-test:${randomUUID()}:`;
    const first = await start({ REDIS_URL }, namespace);
    const second = await start({ REDIS_URL }, namespace);
    apps.push(first, second);
    const seen = await statuses(LOGIN_LIMIT + 1, (i) => loginAttempt(i % 2 === 0 ? first : second, '203.0.113.20'));
    assert.ok(seen.slice(0, LOGIN_LIMIT).every((s) => s === 403), seen.join());
    assert.equal(seen[LOGIN_LIMIT], 429, 'the 31st request is refused although each instance saw only about 15');
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${namespace}*`);
      assert.equal(keys.length, 1, keys.join());
      await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  test('Redis unreachable: requests are served (limits fail open), the process stays up', async () => {
    // Port 1 on loopback: connection refused at once.
    const blanca = await start({ REDIS_URL: 'redis://127.0.0.1:1' }, `blanca-test:${randomUUID()}:`);
    apps.push(blanca);
    const seen = await statuses(LOGIN_LIMIT + 5, () => loginAttempt(blanca, '203.0.113.30'));
    assert.ok(seen.every((s) => s === 403), seen.join());
    assert.equal((await blanca.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  });
});
