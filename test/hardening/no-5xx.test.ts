import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { setSsoEnabled } from '../../src/accounts/service.js';
import { createSession } from '../../src/auth/sessions.js';
import { createApiToken } from '../../src/auth/tokens.js';
import { startBulkJob } from '../../src/qr/bulk.js';
import { parseCreateCode } from '../../src/qr/schemas.js';
import { createCode } from '../../src/qr/service.js';
import { createSubaccount } from '../../src/subaccounts/service.js';
import { USER_FEATURES } from '../../src/users/schemas.js';
import { createUser } from '../../src/users/service.js';
import { SESSION_COOKIE } from '../../src/web/cookies.js';
import { describeEachEngine, ownerActor, startTestApp, tokenFor, type TestApp } from '../support/app.js';

// Issue 9 item 8 as a property: whatever a client sends to any route of the route table (every
// API route and every portal form, signed in with a valid CSRF token), the answer is never a 5xx.
// Requests start from a plausible shape (the OpenAPI schema of an API route, the fields of the
// portal's own form) and get hostile values: huge and odd numbers, NUL, non-characters, lone
// surrogates, header-unsafe redirect targets, deep and huge bracketed names, giant strings,
// wrong JSON types. RUNS per route keeps the file fast; a failure prints the seed to replay.
const RUNS = Number(process.env.NO_5XX_RUNS ?? 3);

// ------------------------------------------------------------------ hostile values

const NASTY = ['\u0000', '\uFFFE', '\uFFFF', '\uFDD0', '\uFDEF', '\uD800', '\uDFFF', '\u{10FFFF}', '\u{1FFFE}', '\r\n', '\n', '\t', '\u2028', '\u202E', '\u00e9', '\u2603', '\u{1F600}', '\\', '//', '%', '%00', '%zz', '"', "'", '<', '>', '&', '${x}', '../', '\u007f'];
const NUMBERS = ['1e20', '-1', '1e300', '-1e300', 'NaN', 'Infinity', '-Infinity', '99999999999999999999', '9007199254740993', '0x10', '1.5', '-0', '0', '', ' ', '1,5', '+5', '00000000000000000001'];
// Hosts are loopback only: a value may land in a URL Blanca fetches (IdP metadata), and tests stay on 127.0.0.1.
const REDIRECTS = ['/\r\nSet-Cookie: x=1', '/caf\u00e9', '/\u2603', '//127.0.0.1:9/', '/\\127.0.0.1:9', 'http://127.0.0.1:9/', 'javascript:alert(1)', '/%0d%0aX:%20y', `/${'a'.repeat(3000)}`, '/\u0000'];
const NAMES = ['c.x[1000000000]', 'c.phones[99999999].number', `c.${'[0]'.repeat(60)}`, `${'a.'.repeat(60)}b`, 'x'.repeat(5000), '__proto__', 'constructor', 'prototype', '__proto__[polluted]', 'c.__proto__.x', 'd.logo', '_csrf', '[]', '.', 'c.', 'a[-1]', 'a[1e3]'];

const nastyText = fc.oneof(
  fc.constantFrom(...NASTY, ...NUMBERS, ...REDIRECTS),
  fc.tuple(fc.string({ maxLength: 4 }), fc.constantFrom(...NASTY), fc.string({ maxLength: 4 })).map((parts) => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(100, 5_000, 70_000).map((n) => 'a'.repeat(n)),
);
const fieldName = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...NAMES) }, { weight: 1, arbitrary: nastyText.map((s) => s.slice(0, 200)) });

const deep = fc.integer({ min: 1, max: 40 }).map((depth) => {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = i % 2 ? { a: value } : [value];
  return value;
});
const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyText },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(1e20, -1, 1e300, -1e300, 1.5, -0, 0, 2 ** 53 + 2, true, false, null, [], {}, [null], { '': '' }) },
  { weight: 1, arbitrary: fc.array(nastyText, { maxLength: 3 }) },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: fc.dictionary(fieldName, nastyText, { maxKeys: 3 }) },
);
const formValue = fc.oneof({ weight: 4, arbitrary: nastyText }, { weight: 1, arbitrary: fc.array(nastyText, { minLength: 2, maxLength: 3 }) });

/** Percent-encoding that also writes lone surrogates (as their 3-byte forms), which encodeURIComponent refuses. */
function encode(text: string): string {
  if (!/\p{Cs}/u.test(text)) return encodeURIComponent(text);
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) out += `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`;
    else out += encodeURIComponent(char);
  }
  return out;
}
const formEncode = (fields: Array<[string, string]>) => fields.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');

function multipart(fields: Array<[string, string]>): { payload: Buffer; contentType: string } {
  const boundary = `----blanca${Math.random().toString(36).slice(2)}`;
  const parts = fields.map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k.replace(/["\r\n]/g, '_')}"\r\n\r\n${v}\r\n`);
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="csv"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\nname,type,x[1000000000]\r\na,url,\u0000\r\n`);
  return { payload: Buffer.from(`${parts.join('')}--${boundary}--\r\n`), contentType: `multipart/form-data; boundary=${boundary}` };
}

// ------------------------------------------------------------------ plausible shapes

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; items?: Schema; enum?: unknown[]; const?: unknown; anyOf?: Schema[]; oneOf?: Schema[]; format?: string; minimum?: number; minLength?: number; default?: unknown };

/** A small value of the schema's shape (OpenAPI document), to be spoilt field by field. */
function sample(schema: Schema | undefined, depth = 0): unknown {
  if (!schema || depth > 6) return 'x';
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const branch = schema.anyOf ?? schema.oneOf;
  if (branch) return sample(branch[0], depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'object' || schema.properties) return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, sample(v, depth + 1)]));
  if (type === 'array') return [sample(schema.items, depth + 1)];
  if (type === 'integer' || type === 'number') return schema.minimum ?? 1;
  if (type === 'boolean') return false;
  if (schema.format === 'date-time') return '2030-01-01T00:00:00Z';
  if (schema.format === 'date') return '2030-01-01';
  if (schema.format === 'email') return 'fuzz@example.com';
  return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
}

/** Replaces values at a few paths (top level or one below) of a plausible body, and adds hostile fields. */
function spoil(base: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const paths: string[][] = [];
  for (const [key, value] of Object.entries(base)) {
    paths.push([key]);
    if (value && typeof value === 'object' && !Array.isArray(value)) for (const inner of Object.keys(value)) paths.push([key, inner]);
  }
  return fc.record({
    picks: paths.length ? fc.subarray(paths, { minLength: 1, maxLength: Math.min(3, paths.length) }) : fc.constant([] as string[][]),
    values: fc.array(jsonValue, { minLength: 3, maxLength: 3 }),
    extra: fc.dictionary(fieldName, jsonValue, { maxKeys: 2 }),
  }).map(({ picks, values, extra }) => {
    const body = structuredClone(base) as Record<string, unknown>;
    picks.forEach((path, i) => {
      const node = path.length === 1 ? body : body[path[0]!];
      // A parent spoilt by an earlier pick is already hostile.
      if (node && typeof node === 'object' && !Array.isArray(node)) (node as Record<string, unknown>)[path.at(-1)!] = values[i];
    });
    return { ...body, ...extra };
  });
}

interface Form {
  fields: Array<[string, string]>;
}

const decodeEntities = (text: string) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The POST forms of a portal page: action → its fields with the values the page gives them. */
function formsOf(html: string): Map<string, Form> {
  const forms = new Map<string, Form>();
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const attributes = match[1]!;
    if (!/method="post"/i.test(attributes)) continue;
    const action = decodeEntities(/action="([^"]*)"/.exec(attributes)?.[1] ?? '').split('?')[0]!;
    const fields: Array<[string, string]> = [];
    for (const input of match[2]!.matchAll(/<(input|select|textarea)\b([^>]*)>/g)) {
      const name = /name="([^"]*)"/.exec(input[2]!)?.[1];
      if (!name || name === '_csrf') continue;
      const type = /type="([^"]*)"/.exec(input[2]!)?.[1];
      if ((type === 'checkbox' || type === 'radio') && !/\bchecked\b/.test(input[2]!)) continue;
      if (type === 'file') continue;
      fields.push([decodeEntities(name), decodeEntities(/value="([^"]*)"/.exec(input[2]!)?.[1] ?? 'x')]);
    }
    if (!forms.has(action)) forms.set(action, { fields });
  }
  return forms;
}

/** "/codes/abc/edit" matches "/codes/:id/edit". */
const matches = (pattern: string, path: string) => new RegExp(`^${pattern.replace(/:\w+(\([^)]*\))?/g, '[^/]+')}$`).test(path);

// ------------------------------------------------------------------ the property

describeEachEngine('no 5xx from hostile input, on every route', (engine) => {
  let app: TestApp;
  let ids: { user: string; code: string; subaccount: string; token: string; job: string; slug: string; short: string };
  let portal: { cookie: string; csrf: string };
  let token: string;
  let ownerId: string;
  const apiShapes = new Map<string, { body?: Schema; query: string[] }>();
  const portalForms = new Map<string, Form>();

  async function signIn(): Promise<void> {
    const { token: cookie, session } = await createSession(app.blanca.deps.db, { accountId: app.accountId, principalKind: 'subaccount', principalId: ownerId }, new Date(), 3_600_000);
    portal = { cookie: `${SESSION_COOKIE}=${cookie}`, csrf: createHmac('sha256', app.blanca.deps.secretKey).update(`csrf:${session.id}`).digest('base64url') };
  }
  const get = (url: string) => app.blanca.app.inject({ method: 'GET', url, headers: { cookie: portal.cookie } });

  before(async () => {
    app = await startTestApp(engine);
    const { db } = app.blanca.deps;
    const owner = await ownerActor(app.blanca, app.accountId);
    ownerId = owner.id;
    const c = () => ({ db, now: new Date(), actor: owner });
    await setSsoEnabled(db, app.accountId, true, new Date());
    const user = await createUser(c(), { name: 'Fuzz', maxCodes: 100_000, features: [...USER_FEATURES] });
    const qr = app.blanca.app.qr;
    const code = (await createCode(c(), qr.runtime, parseCreateCode({ userId: user.id, name: 'Fuzz code', kind: 'dynamic', content: { type: 'url', url: 'https://example.com/' } }))).code;
    const subaccount = await createSubaccount(c(), { email: 'fuzz-tl@example.com', name: 'Fuzz TL', role: 'team_leader', userIds: [user.id] });
    const victimToken = (await createApiToken(c(), { name: 'victim', userId: null })).view.id;
    const job = await startBulkJob(c(), qr.runtime, app.blanca.app.log, qr.track, { userId: user.id, csv: 'name,type,text\nOne,text,hello\n' });
    ids = { user: user.id, code: code.id, subaccount: subaccount.id, token: victimToken, job: job.id, slug: 'acme', short: code.short_code ?? 'abcdefg' };
    await signIn();
    token = app.adminToken;

    const doc = (await app.blanca.app.inject({ url: '/api/v1/openapi.json' })).json() as { paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }>; requestBody?: { content?: Record<string, { schema?: Schema }> } }>> };
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        const pattern = path.replace(/\{(\w+)\}/g, ':$1');
        apiShapes.set(`${method.toUpperCase()} ${pattern}`, { body: op.requestBody?.content?.['application/json']?.schema, query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name) });
      }
    }
    // The portal's own forms, from every page a signed-in owner can open.
    for (const route of app.blanca.app.routeTable) {
      if (route.method !== 'GET' || route.url.startsWith('/api/') || route.url.includes('(')) continue;
      const url = route.url.replace(':slug', ids.slug).replace(':id', route.url.startsWith('/users') ? ids.user : route.url.startsWith('/subaccounts') ? ids.subaccount : route.url.startsWith('/codes/bulk') ? ids.job : ids.code);
      const page = await get(url);
      if (page.statusCode === 200 && String(page.headers['content-type']).startsWith('text/html')) for (const [action, form] of formsOf(page.body)) if (!portalForms.has(action)) portalForms.set(action, form);
    }
    for (const extra of ['/codes/new?kind=static&type=vcard', '/codes/new?kind=dynamic&type=url', '/login']) {
      const page = extra === '/login' ? await app.blanca.app.inject({ url: extra }) : await get(extra);
      for (const [action, form] of formsOf(page.body)) if (!portalForms.has(action)) portalForms.set(action, form);
    }
  });
  after(() => app.close());

  /** Routes that end sessions or delete fixtures go last, so the others keep their fixtures. */
  const destructive = (key: string) => /DELETE|delete|logout|sign-out|disable|rotate|finish/.test(key);
  const routes = () => [...app.blanca.app.routeTable].map((r) => `${r.method} ${r.url}`).sort((a, b) => Number(destructive(a)) - Number(destructive(b)));

  function paramValue(name: string, pattern: string): fc.Arbitrary<string> {
    if (pattern.startsWith('/:code(')) return fc.oneof(fc.constant(ids.short), fc.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{7}$/), nastyText);
    const real = name === 'slug' ? ids.slug : pattern.includes('/users') ? ids.user : pattern.includes('/subaccounts') ? ids.subaccount : pattern.includes('/tokens') ? ids.token : pattern.includes('/bulk') ? ids.job : ids.code;
    return fc.oneof({ weight: 3, arbitrary: fc.constant(real) }, { weight: 1, arbitrary: nastyText });
  }

  function request(key: string): fc.Arbitrary<{ url: string; headers: Record<string, string>; payload?: string | Buffer }> {
    const [method, pattern] = key.split(' ') as [string, string];
    const isApi = pattern.startsWith('/api/');
    const paramNames = [...pattern.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    const shape = apiShapes.get(key);
    const queryNames = [...new Set([...(shape?.query ?? []), 'offset', 'limit', 'before', 'returnTo', 'account', 'q', 'size', 'format', 'from', 'to', 'download', 'userId', 'kind', 'type', 'state', 'person', 'outcome', 'SAMLRequest', 'SAMLResponse', 'RelayState'])];
    const params = fc.tuple(...paramNames.map((name) => paramValue(name, pattern)));
    const query = fc.array(fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...queryNames) }, { weight: 1, arbitrary: fieldName }), nastyText.map((s) => s.slice(0, 3000))), { maxLength: 4 });
    const headers = fc.record({ 'accept-language': fc.constantFrom('es', 'en', 'xx', '*;q=abc', 'é'.repeat(3), ','.repeat(500)), 'user-agent': fc.constantFrom('Mozilla/5.0', '\u00ff\u00fe', 'x'.repeat(4000)), cookieExtra: fc.constantFrom('', 'qrp_lang=es', 'qrp_account=%00', 'qrp_account=x%EF%BF%BF', 'qrp_anon=;', 'qrp_lang=\u00e9') });
    let body: fc.Arbitrary<{ payload?: string | Buffer; contentType?: string }> = fc.constant({});
    if (method !== 'GET' && method !== 'DELETE') {
      if (isApi) {
        const base = sample(shape?.body);
        body = fc.oneof(
          { weight: 4, arbitrary: (base && typeof base === 'object' && !Array.isArray(base) ? spoil(base as Record<string, unknown>) : jsonValue).map((value) => ({ payload: JSON.stringify(value), contentType: 'application/json' })) },
          { weight: 1, arbitrary: fc.constantFrom('{', '[', '"\\ud800"', 'null', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', `${'['.repeat(5000)}${']'.repeat(5000)}`).map((payload) => ({ payload, contentType: 'application/json' })) },
        );
      } else {
        const form = [...portalForms].find(([action]) => matches(pattern, action))?.[1];
        const fields = fc.record({
          spoilt: fc.array(fc.tuple(fc.nat(), formValue), { minLength: 1, maxLength: 3 }),
          extra: fc.array(fc.tuple(fieldName, formValue), { maxLength: 2 }),
          asMultipart: fc.boolean(),
        }).map(({ spoilt, extra, asMultipart }) => {
          const entries = new Map((form?.fields ?? []).map(([k, v]) => [k, v as string | string[]]));
          const names = [...entries.keys()];
          for (const [index, value] of spoilt) if (names.length) entries.set(names[index % names.length]!, value);
          for (const [name, value] of extra) entries.set(name, value);
          const flat: Array<[string, string]> = [['_csrf', portal.csrf]];
          for (const [name, value] of entries) for (const v of ([] as string[]).concat(value)) flat.push([name, v]);
          return asMultipart && pattern.startsWith('/codes') ? multipart(flat) : { payload: formEncode(flat), contentType: 'application/x-www-form-urlencoded' };
        });
        body = fields;
      }
    }
    return fc.record({ params, query, headers, body }).map(({ params: values, query: pairs, headers: h, body: b }) => {
      let i = 0;
      const path = pattern.replace(/:(\w+)(\([^)]*\))?/g, () => encode(values[i++]!));
      const search = pairs.length ? `?${pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}` : '';
      const cookie = [isApi ? '' : portal.cookie, h.cookieExtra].filter(Boolean).join('; ');
      return {
        url: `${path}${search}`,
        headers: { 'accept-language': h['accept-language'], 'user-agent': h['user-agent'], ...(cookie ? { cookie } : {}), ...(isApi ? { authorization: `Bearer ${token}` } : {}), ...(b.contentType ? { 'content-type': b.contentType } : {}) },
        ...(b.payload !== undefined ? { payload: b.payload } : {}),
      };
    });
  }

  /** The fuzzing may sign the owner out, revoke a token or demand two-factor: come back before the next route. */
  async function stillSignedIn(): Promise<void> {
    if ((await get('/codes')).statusCode !== 200) await signIn();
    if ((await get('/codes')).statusCode !== 200) await app.blanca.deps.db.updateTable('accounts').set({ require_admin_2fa: 0 }).execute();
    const probe = await app.blanca.app.inject({ method: 'GET', url: '/api/v1/account', headers: { authorization: `Bearer ${token}` } });
    if (probe.statusCode !== 200) token = await tokenFor(app.blanca, app.accountId, await ownerActor(app.blanca, app.accountId));
  }

  test('the route table and the portal forms were found', () => {
    const keys = routes();
    assert.ok(keys.length > 90, `only ${keys.length} routes`);
    assert.ok(keys.filter((k) => k.includes(' /api/')).length > 40);
    for (const action of ['/codes', '/users', '/subaccounts', '/settings', '/login', '/language', '/tokens', '/settings/sso']) assert.ok(portalForms.has(action), `the portal form ${action} was found`);
  });

  test('every route answers hostile input without a 5xx', { timeout: 600_000 }, async () => {
    const failures: string[] = [];
    const timings: Array<[string, number]> = [];
    let previous = '';
    for (const key of routes()) {
      const started = performance.now();
      // Only what can end the session or change the account settings needs a check afterwards.
      if (destructive(previous) || /account|settings|security|act-as/.test(previous)) await stillSignedIn();
      previous = key;
      const method = key.split(' ')[0] as 'GET';
      try {
        await fc.assert(
          fc.asyncProperty(request(key), async (req) => {
            const response = await app.blanca.app.inject({ method, ...req });
            if (response.statusCode >= 500) throw new Error(`${response.statusCode} ${response.body.slice(0, 300)}`);
          }),
          { numRuns: RUNS, endOnFailure: true },
        );
      } catch (error) {
        const cause = (error as Error & { cause?: Error }).cause?.message ?? '';
        failures.push(`${key}: ${cause}\n${(error as Error).message.split('\n').slice(0, 4).map((line) => line.slice(0, 600)).join('\n')}`);
      }
      timings.push([key, performance.now() - started]);
    }
    if (process.env.NO_5XX_VERBOSE) console.log(timings.sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, ms]) => `${Math.round(ms)} ms ${k}`).join('\n'));
    assert.deepEqual(failures, []);
  });
});
