import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getAccountBySlug, type AccountRow } from '../accounts/store.js';
import { writeSsoLog } from '../sso/store.js';
import type { AppDeps } from '../web/deps.js';
import { InputRefused, refuseBadInput } from '../web/input-guard.js';
import { ScimError, scimErrorBody, invalidValue } from './errors.js';
import { filterConditions } from './filter.js';
import type { Resource } from './patch.js';
import { listResponse, MAX_PAGE, resourceTypes, schemaDocuments, serviceProviderConfig } from './schemas.js';
import * as scim from './service.js';
import { checkScimToken } from './tokens.js';

// SCIM 2.0 endpoints (RFC 7644) at <PUBLIC_URL>/scim/v2/<account slug> — Entra's "Tenant URL". Own scope:
// no portal session, no API token; a SCIM bearer token of that account only. Errors are SCIM error JSON and
// every refused request goes to the account's SSO log with its body and the reason.
export const SCIM_BODY_LIMIT = 256 * 1024;
const CONTENT_TYPE = 'application/scim+json; charset=utf-8';
const LOGGED_BODY_LIMIT = 16 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    scim: scim.ScimContext | null;
    scimAccount: AccountRow | null;
  }
}

type Params = { slug: string; id?: string };
type Query = Record<string, string | undefined>;

function projection(resource: Resource, query: Query): Resource {
  const list = (value: string | undefined, name: string) => {
    if (value === undefined) return null;
    const items = value.split(',').map((s) => s.trim()).filter(Boolean);
    if (items.length > 50 || value.length > 2000) throw invalidValue(`"${name}" names at most 50 attributes.`);
    return items.map((s) => s.replace(/^urn:ietf:params:scim:schemas:core:2\.0:(User|Group):/i, '').split('.')[0]!.toLowerCase());
  };
  const only = list(query.attributes, 'attributes');
  const excluded = list(query.excludedAttributes, 'excludedAttributes');
  const always = ['schemas', 'id', 'meta'];
  const result: Resource = {};
  for (const [key, value] of Object.entries(resource)) {
    const lower = key.toLowerCase();
    if (!always.includes(lower) && only && !only.includes(lower)) continue;
    if (!always.includes(lower) && excluded?.includes(lower)) continue;
    result[key] = value;
  }
  return result;
}

function page(query: Query): { startIndex: number; count: number } {
  const int = (value: string | undefined, name: string, fallback: number) => {
    if (value === undefined || value === '') return fallback;
    if (!/^-?\d{1,9}$/.test(value)) throw invalidValue(`"${name}" must be a whole number (got ${JSON.stringify(value.slice(0, 20))}).`);
    return Number(value);
  };
  const startIndex = Math.max(1, int(query.startIndex, 'startIndex', 1));
  const count = Math.min(MAX_PAGE, Math.max(0, int(query.count, 'count', MAX_PAGE)));
  return { startIndex, count };
}

const wantsMembers = (query: Query) => {
  const excluded = (query.excludedAttributes ?? '').toLowerCase().split(',').map((s) => s.trim());
  const only = query.attributes?.toLowerCase().split(',').map((s) => s.trim());
  return !excluded.includes('members') && (!only || only.includes('members'));
};

export async function scimRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.decorateRequest('scim', null);
  app.decorateRequest('scimAccount', null);
  // The session hook skips these routes: the SCIM token hook below decides who may enter.
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), anonymous: true } as never;
    route.schema = { ...(route.schema ?? {}), hide: true };
    route.bodyLimit = SCIM_BODY_LIMIT;
  });
  // Entra sends application/scim+json (sometimes application/json); both get the same bounded parser here,
  // with the input door's checks (NUL, non-characters, depth) of src/web/input-guard.ts.
  const parseScimJson = (_request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) => {
    if (body === '') return done(null, undefined);
    let value: unknown;
    try {
      value = JSON.parse(body as string);
    } catch {
      return done(new ScimError(400, 'The body is not valid JSON.', 'invalidSyntax'), undefined);
    }
    try {
      refuseBadInput(value, false);
    } catch (refused) {
      return done(new ScimError(400, refused instanceof Error ? refused.message : 'The body was refused.', 'invalidValue'), undefined);
    }
    done(null, value);
  };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(['application/scim+json', 'application/json'], { parseAs: 'string', bodyLimit: SCIM_BODY_LIMIT }, parseScimJson);

  app.addHook('preHandler', async (request: FastifyRequest<{ Params: Params }>) => {
    const now = deps.clock.now();
    const slug = request.params.slug;
    const account = typeof slug === 'string' && slug.length <= 64 ? await getAccountBySlug(deps.db, slug) : undefined;
    if (!account) throw new ScimError(401, 'Unknown tenant URL or token.');
    request.scimAccount = account;
    const check = await checkScimToken(deps.db, account.id, request.headers.authorization, now);
    if (!check.ok) throw Object.assign(new ScimError(401, 'The bearer token is not valid for this tenant URL.'), { logReason: check.reason });
    request.scim = { db: deps.db, now, account, token: check.token };
  });

  app.setErrorHandler(async (error: FastifyError | ScimError, request: FastifyRequest, reply: FastifyReply) => {
    let scimError: ScimError;
    if (error instanceof ScimError) scimError = error;
    else if (error instanceof InputRefused) scimError = new ScimError(400, error.message, 'invalidValue');
    else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') scimError = new ScimError(413, `The body is larger than ${SCIM_BODY_LIMIT} bytes.`, 'tooMany');
    else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') scimError = new ScimError(415, 'Send the body as application/scim+json.', 'invalidSyntax');
    else if (error.statusCode && error.statusCode < 500) scimError = new ScimError(error.statusCode, error.message.slice(0, 200), 'invalidSyntax');
    else {
      request.log.error({ err: error }, 'SCIM request failed');
      scimError = new ScimError(500, 'Something went wrong on our side; the request can be retried.');
    }
    if (scimError.status < 500 && request.scimAccount) await logRefusal(request, scimError, (error as { logReason?: string }).logReason).catch((e) => request.log.error({ err: e }, 'SSO log write failed'));
    if (scimError.status === 401) reply.header('www-authenticate', 'Bearer realm="scim"');
    return reply.code(scimError.status).header('content-type', CONTENT_TYPE).send(scimErrorBody(scimError));
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).header('content-type', CONTENT_TYPE).send(scimErrorBody(new ScimError(404, `No SCIM endpoint ${request.method} ${request.url.split('?')[0]}.`))));

  async function logRefusal(request: FastifyRequest, error: ScimError, reason: string | undefined): Promise<void> {
    const account = request.scimAccount!;
    const body = request.body === undefined ? null : JSON.stringify(request.body).slice(0, LOGGED_BODY_LIMIT);
    const person = request.body && typeof request.body === 'object' && typeof (request.body as { userName?: unknown }).userName === 'string' ? String((request.body as { userName: string }).userName).slice(0, 200) : null;
    await writeSsoLog(deps.db, {
      account_id: account.id,
      direction: 'in',
      kind: 'scim',
      outcome: 'failure',
      person,
      summary: `SCIM ${request.method} ${request.url.split('?')[0]!.slice(0, 300)} refused with ${error.status}${error.scimType ? ` ${error.scimType}` : ''}: ${reason ?? error.detail}`,
      fix: error.status === 401 ? 'In Entra > Provisioning > Admin Credentials, set the Tenant URL and Secret Token shown on the SSO tab, then Test Connection.' : null,
      failure_code: `scim_${error.status}${error.scimType ? `_${error.scimType}` : ''}`,
      xml: null,
      attributes: null,
      mapping: JSON.stringify({ request: { method: request.method, url: request.url.slice(0, 1000), body } }),
    }, deps.clock.now());
  }

  const send = (reply: FastifyReply, status: number, body: unknown) => reply.code(status).header('content-type', CONTENT_TYPE).send(body);
  const baseOf = (request: FastifyRequest) => `${deps.config.publicUrl}/scim/v2/${request.scim!.account.slug}`;
  const ctxOf = (request: FastifyRequest) => request.scim!;

  app.get('/ServiceProviderConfig', async (request, reply) => send(reply, 200, serviceProviderConfig(baseOf(request))));
  app.get('/ResourceTypes', async (request, reply) => {
    const types = resourceTypes(baseOf(request));
    return send(reply, 200, listResponse(types, types.length, 1));
  });
  app.get<{ Params: Params }>('/ResourceTypes/:id', async (request, reply) => {
    const type = resourceTypes(baseOf(request)).find((t) => t.id === request.params.id);
    if (!type) throw new ScimError(404, `Resource type ${request.params.id} not found.`);
    return send(reply, 200, type);
  });
  app.get('/Schemas', async (request, reply) => {
    const schemas = schemaDocuments(baseOf(request));
    return send(reply, 200, listResponse(schemas, schemas.length, 1));
  });
  app.get<{ Params: Params }>('/Schemas/:id', async (request, reply) => {
    const schema = schemaDocuments(baseOf(request)).find((s) => s.id === request.params.id);
    if (!schema) throw new ScimError(404, `Schema ${request.params.id} not found.`);
    return send(reply, 200, schema);
  });

  // Users
  app.get<{ Querystring: Query }>('/Users', async (request, reply) => {
    const { startIndex, count } = page(request.query);
    const where = filterConditions(request.query.filter, 'User');
    const { total, rows } = await scim.listUsers(ctxOf(request), where, startIndex - 1, count);
    return send(reply, 200, listResponse(rows.map((r) => projection(scim.userResource(r, baseOf(request)), request.query)), total, startIndex));
  });
  app.post('/Users', async (request, reply) => {
    const row = await scim.createUser(ctxOf(request), request.body);
    const resource = scim.userResource(row, baseOf(request));
    return send(reply.header('location', (resource.meta as { location: string }).location), 201, resource);
  });
  app.get<{ Params: Params; Querystring: Query }>('/Users/:id', async (request, reply) => send(reply, 200, projection(scim.userResource(await scim.getUserRow(ctxOf(request), request.params.id!), baseOf(request)), request.query)));
  app.put<{ Params: Params }>('/Users/:id', async (request, reply) => send(reply, 200, scim.userResource(await scim.replaceUser(ctxOf(request), request.params.id!, request.body), baseOf(request))));
  app.patch<{ Params: Params }>('/Users/:id', async (request, reply) => send(reply, 200, scim.userResource(await scim.patchUser(ctxOf(request), request.params.id!, request.body), baseOf(request))));
  app.delete<{ Params: Params }>('/Users/:id', async (request, reply) => {
    await scim.deleteUser(ctxOf(request), request.params.id!);
    return reply.code(204).send();
  });

  // Groups
  app.get<{ Querystring: Query }>('/Groups', async (request, reply) => {
    const { startIndex, count } = page(request.query);
    const where = filterConditions(request.query.filter, 'Group');
    const ctx = ctxOf(request);
    const { total, rows } = await scim.listGroups(ctx, where, startIndex - 1, count);
    const members = wantsMembers(request.query);
    const resources = [];
    for (const row of rows) resources.push(projection(scim.groupResource(row, members ? await scim.membersOf(ctx, row.id) : null, baseOf(request)), request.query));
    return send(reply, 200, listResponse(resources, total, startIndex));
  });
  app.post('/Groups', async (request, reply) => {
    const { row, members } = await scim.createGroup(ctxOf(request), request.body);
    const resource = scim.groupResource(row, members, baseOf(request));
    return send(reply.header('location', (resource.meta as { location: string }).location), 201, resource);
  });
  app.get<{ Params: Params; Querystring: Query }>('/Groups/:id', async (request, reply) => {
    const ctx = ctxOf(request);
    const row = await scim.getGroupRow(ctx, request.params.id!);
    return send(reply, 200, projection(scim.groupResource(row, wantsMembers(request.query) ? await scim.membersOf(ctx, row.id) : null, baseOf(request)), request.query));
  });
  app.put<{ Params: Params }>('/Groups/:id', async (request, reply) => {
    const ctx = ctxOf(request);
    const row = await scim.replaceGroup(ctx, request.params.id!, request.body);
    return send(reply, 200, scim.groupResource(row, await scim.membersOf(ctx, row.id), baseOf(request)));
  });
  // Entra ignores the body of a Group PATCH answer; 204 spares reading every member of a large group.
  app.patch<{ Params: Params }>('/Groups/:id', async (request, reply) => {
    await scim.patchGroup(ctxOf(request), request.params.id!, request.body);
    return reply.code(204).send();
  });
  app.delete<{ Params: Params }>('/Groups/:id', async (request, reply) => {
    await scim.deleteGroup(ctxOf(request), request.params.id!);
    return reply.code(204).send();
  });
}
