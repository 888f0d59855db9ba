import './platform/formats.js';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import path from 'node:path';

// Configuration comes from the environment only, validated once at start so a bad
// value stops Blanca with a message naming the variable instead of failing later.
const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'HTTP port' }),
  HOST: Type.String({ default: '127.0.0.1', description: 'Interface to listen on (0.0.0.0 behind a proxy or in a container)' }),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^/]+$', description: 'Origin people use, e.g. https://qr.example.com (no trailing slash)' })),
  DATA_DIR: Type.String({ default: './data', description: 'Folder of the embedded SQLite database' }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'postgres://… selects PostgreSQL instead of SQLite' })),
  SECRET_KEY: Type.Optional(Type.String({ minLength: 32, description: 'Shared secret for CSRF tokens; generated and stored in the database when unset' })),
  BLANCA_ACCOUNT_NAME: Type.String({ default: 'My company', minLength: 1 }),
  BLANCA_ADMIN_EMAIL: Type.String({ default: 'admin@example.com', format: 'email' }),
  BLANCA_ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 10, description: 'Owner password for the first start; generated and printed once when unset' })),
  SESSION_TTL_HOURS: Type.Integer({ minimum: 1, maximum: 24 * 90, default: 24 * 14 }),
  TRUST_PROXY: Type.Boolean({ default: false, description: 'Read X-Forwarded-* headers (behind a load balancer)' }),
  SSO_METADATA_ALLOWED_HOSTS: Type.String({ default: '', description: 'Comma-separated hosts Blanca may fetch IdP metadata from although they resolve to internal addresses (e.g. an on-premises AD FS)' }),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, pattern: '^[\\x21-\\x7e]+$', description: 'Serve GET /metrics (Prometheus) to requests with Authorization: Bearer <this token>; /metrics answers 404 when unset' })),
  JOBS_INTERVAL_SECONDS: Type.Integer({ minimum: 10, maximum: 86400, default: 3600, description: 'How often the fleet runs the clean-up jobs (scan retention, expired sessions and SSO state)' }),
  LOG_LEVEL: Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('silent')], { default: 'info' }),
});

export type Config = Static<typeof ConfigSchema> & { publicUrl: string; secureCookies: boolean; databaseFile: string; ssoMetadataAllowedHosts: string[] };

export class ConfigError extends Error {}

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
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.path.slice(1) || '(config)'}: ${e.message} (got ${JSON.stringify(e.value)})`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = withDefaults as Static<typeof ConfigSchema>;
  const publicUrl = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;
  return {
    ...config,
    publicUrl,
    secureCookies: publicUrl.startsWith('https://'),
    databaseFile: path.resolve(config.DATA_DIR, 'blanca.sqlite'),
    ssoMetadataAllowedHosts: config.SSO_METADATA_ALLOWED_HOSTS.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
  };
}
