import './platform/formats.js';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Resolver } from 'node:dns/promises';
import path from 'node:path';
import proxyaddr from '@fastify/proxy-addr';

// Configuration comes from the environment only, validated once at start so a bad
// value stops Blanca with a message naming the variable instead of failing later.
const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'HTTP port' }),
  HOST: Type.String({ default: '127.0.0.1', description: 'Interface to listen on (0.0.0.0 behind a proxy or in a container)' }),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^/]+$', description: 'Origin people use, e.g. https://qr.example.com (no trailing slash)' })),
  DATA_DIR: Type.String({ default: './data', description: 'Folder of the embedded SQLite database' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'postgres://… selects PostgreSQL instead of SQLite' })),
  SECRET_KEY: Type.Optional(Type.String({ minLength: 32, description: 'Shared secret for CSRF tokens; generated and stored in the database when unset' })),
  PLATFORM_NAME: Type.String({ default: 'QR platform', minLength: 1, maxLength: 60, pattern: '^[^<>\\x00-\\x1f]*\\S[^<>\\x00-\\x1f]*$', description: 'The name customers see for the platform (page titles without an account, the API description, the not-found scan page)' }),
  BLANCA_ACCOUNT_NAME: Type.String({ default: 'My company', minLength: 1 }),
  BLANCA_ADMIN_EMAIL: Type.String({ default: 'admin@example.com', format: 'email' }),
  BLANCA_ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 10, description: 'Owner password for the first start; generated and printed once when unset' })),
  SESSION_TTL_HOURS: Type.Integer({ minimum: 1, maximum: 24 * 90, default: 24 * 14 }),
  TRUST_PROXY: Type.String({ default: 'false', maxLength: 2000, description: 'Which proxies in front of Blanca to believe about X-Forwarded-*: false, a hop count, or a comma list of addresses/CIDRs' }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://[^\\s]+$', maxLength: 2000, description: 'redis://… shares rate-limit counters across instances; in memory per instance when unset' })),
  SSO_METADATA_ALLOWED_HOSTS: Type.String({ default: '', description: 'Comma-separated hosts Blanca may fetch IdP metadata from although they resolve to internal addresses (e.g. an on-premises AD FS)' }),
  DNS_SERVERS: Type.String({ default: '', maxLength: 2000, description: 'Comma-separated DNS servers (address or address:port) for email-domain verification; the system resolver when unset' }),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, pattern: '^[\\x21-\\x7e]+$', description: 'Serve GET /metrics (Prometheus) to requests with Authorization: Bearer <this token>; /metrics answers 404 when unset' })),
  DATABASE_WAIT_SECONDS: Type.Integer({ minimum: 0, maximum: 86400, default: 60, description: 'At start, how long to keep retrying an unreachable (or not yet created) database before exiting; 0 tries once' }),
  SCAN_QUEUE_MAX: Type.Integer({ minimum: 1000, maximum: 10_000_000, default: 100_000, description: 'Scans kept in memory per instance while the database is unreachable; beyond it new scans are dropped and counted' }),
  JOBS_INTERVAL_SECONDS: Type.Integer({ minimum: 10, maximum: 86400, default: 3600, description: 'How often the fleet runs the clean-up jobs (scan retention, expired sessions and SSO state)' }),
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://[^\\s]+$', maxLength: 2000, description: 'smtp://user:password@host:port (or smtps://…): sends "Forgot password" mails; without it passwords are reset by an administrator or the operator CLI' })),
  SMTP_FROM: Type.Optional(Type.String({ format: 'email', maxLength: 254, description: 'Sender address of mails; no-reply@<PUBLIC_URL host> when unset' })),
  LOG_LEVEL: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('silent')], { default: 'info' }),
});

/** What Fastify's trustProxy gets: nobody, the n proxies nearest Blanca, or these addresses/CIDRs. */
export type TrustedProxies = false | number | string[];

export type Config = Static<typeof ConfigSchema> & { publicUrl: string; /** Host name of PUBLIC_URL (never taken for an account's portal domain). */ publicHost: string; secureCookies: boolean; databaseFile: string; ssoMetadataAllowedHosts: string[]; trustProxy: TrustedProxies; dnsServers: string[] };

export class ConfigError extends Error {}

// "true" would let every client choose its own address (X-Forwarded-For: anything), which
// defeats the per-address rate limits; the operator has to say which proxies to believe.
const trustProxyTrue = (value: string) =>
  `TRUST_PROXY: "true" would believe any client's X-Forwarded-For; set the number of proxies in front of Blanca (e.g. 1) or their addresses/CIDRs (e.g. 10.0.0.0/8,127.0.0.1) (got ${JSON.stringify(value)})`;

/** false, a hop count, or a comma list of addresses/CIDRs (and proxy-addr's loopback, linklocal, uniquelocal), validated like Fastify will read it. */
export function parseTrustProxy(value: string): TrustedProxies | { error: string } {
  const text = value.trim().toLowerCase();
  if (text === '' || text === 'false' || text === 'no' || text === 'off') return false;
  if (text === 'true' || text === 'yes' || text === 'on') return { error: trustProxyTrue(value) };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return hops >= 1 && hops <= 10 ? hops : hops === 0 ? false : { error: `TRUST_PROXY: a hop count is 1 to 10 (got ${JSON.stringify(value)})` };
  }
  const list = text.split(',').map((part) => part.trim()).filter(Boolean);
  try {
    proxyaddr.compile(list);
  } catch (error) {
    return { error: `TRUST_PROXY: ${(error as Error).message}; expected false, a hop count or addresses/CIDRs (got ${JSON.stringify(value)})` };
  }
  return list;
}

/** DNS_SERVERS as node:dns reads them (address, address:port, [IPv6]:port), checked by node:dns itself. */
export function parseDnsServers(value: string): string[] | { error: string } {
  const list = value.split(',').map((part) => part.trim()).filter(Boolean);
  try {
    new Resolver().setServers(list);
  } catch (error) {
    return { error: `DNS_SERVERS: ${(error as Error).message}; expected addresses such as 10.0.0.2 or 127.0.0.1:5353 (got ${JSON.stringify(value)})` };
  }
  return list;
}

const BOOLEANS: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key];
    if (value === undefined || value === '') continue;
    const kind = (ConfigSchema.properties as Record<string, { type?: string }>)[key]?.type;
    if (kind === 'integer') input[key] = /^\d+$/.test(value) ? Number(value) : value;
    else if (kind === 'boolean') input[key] = BOOLEANS[value.toLowerCase()] ?? value;
    else input[key] = value;
  }
  const withDefaults = Value.Default(ConfigSchema, input);
  const errors = [...Value.Errors(ConfigSchema, withDefaults)];
  const trustText = (withDefaults as { TRUST_PROXY?: unknown }).TRUST_PROXY;
  const trustProxy = typeof trustText === 'string' ? parseTrustProxy(trustText) : false;
  const dnsText = (withDefaults as { DNS_SERVERS?: unknown }).DNS_SERVERS;
  const dnsServers = typeof dnsText === 'string' ? parseDnsServers(dnsText) : [];
  if (errors.length > 0 || (typeof trustProxy === 'object' && !Array.isArray(trustProxy)) || !Array.isArray(dnsServers)) {
    const lines = errors.map((e) => `  ${e.path.slice(1) || '(config)'}: ${e.message} (got ${JSON.stringify(e.value)})`);
    if (typeof trustProxy === 'object' && !Array.isArray(trustProxy)) lines.push(`  ${trustProxy.error}`);
    if (!Array.isArray(dnsServers)) lines.push(`  ${dnsServers.error}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = withDefaults as Static<typeof ConfigSchema>;
  const publicUrl = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
  return {
    ...config,
    publicUrl,
    publicHost: new URL(publicUrl).hostname.toLowerCase(),
    secureCookies: publicUrl.startsWith('https://'),
    databaseFile: path.resolve(config.DATA_DIR, 'blanca.sqlite'),
    trustProxy: trustProxy as TrustedProxies,
    ssoMetadataAllowedHosts: config.SSO_METADATA_ALLOWED_HOSTS.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
    dnsServers: dnsServers as string[],
  };
}
