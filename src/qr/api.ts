import { Type, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, FastifySchemaCompiler } from 'fastify';
import { invalid } from '../platform/errors.js';
import type { ServiceContext } from '../auth/context.js';
import { findVisibleUser } from '../users/service.js';
import { IdParams, problemResponses } from '../web/api-schemas.js';
import type { AppDeps } from '../web/deps.js';
import { contextOf } from '../auth/http/context.js';
import { getBulkJob, startBulkJob } from './bulk.js';
import { storedLogoOf } from './service.js';
import { checkSize } from './images.js';
import type { QrModule } from './module.js';
import {
  BulkBody,
  BulkJobView,
  CodeListQuery,
  CodeView,
  CreateCodeBody,
  ImageQuery,
  parseCreateCode,
  parseUpdateCode,
  ScanSettingsBody,
  ScanSettingsView,
  StatsQuery,
  StatsView,
  UpdateCodeBody,
  type BulkInput,
  type CreateCodeInput,
  type ImageQuery as ImageQueryType,
  type ScanSettingsInput,
  type StatsQuery as StatsQueryType,
  type UpdateCodeInput,
} from './schemas.js';
import { dayRange, scansCsv, scanStats } from './scans/stats.js';
import { assertApiAccess, createCode, deleteCode, designOf, findVisibleCode, listVisibleCodes, payloadOf, requireAnalytics, toCodeView, updateCode, visibleFoldersAndTags } from './service.js';
import { getScanSettings, setScanSettings } from './settings.js';

const tags = ['QR codes'];
type IdRoute = { Params: { id: string } };

/**
 * Create and edit bodies hold a QrContent union; the QR library's validators give one
 * message per field where Ajv would report every branch of the union. The schema still
 * documents the body in OpenAPI.
 */
function bodyValidator(parse: (input: unknown) => unknown): FastifySchemaCompiler<FastifySchema> {
  return ({ schema, httpPart }) => {
    if (httpPart === 'body') {
      return (data: unknown) => {
        try {
          return { value: parse(data) };
        } catch (error) {
          return { error: error as Error };
        }
      };
    }
    const check = TypeCompiler.Compile(schema as TSchema);
    return (data: unknown) => (check.Check(data) ? { value: data } : { error: invalid('id', 'Invalid id.') });
  };
}

export function filename(name: string, extension: string): string {
  const base = name.normalize('NFKD').replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'qr-code';
  return `${base}.${extension}`;
}

/** Shared by the API and the portal download links. */
export async function sendCodeImage(ctx: ServiceContext, qr: QrModule, request: FastifyRequest, reply: FastifyReply, codeId: string, query: ImageQueryType): Promise<FastifyReply> {
  const { code, user } = await findVisibleCode(ctx, codeId);
  const size = checkSize(query.format, query.size);
  const image = await qr.images.render(payloadOf(qr.runtime, code, user), designOf(code), query.format, size, storedLogoOf(ctx, code));
  reply.header('etag', image.etag).header('cache-control', 'private, no-cache');
  if (request.headers['if-none-match'] === image.etag) return reply.code(304).send();
  if (query.download) reply.header('content-disposition', `attachment; filename="${filename(code.name, query.format)}"`);
  return reply.type(image.contentType).send(image.body);
}

const binary = (description: string, types: string[]) => ({ description, content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])) });

export async function qrApi(app: FastifyInstance, deps: AppDeps, qr: QrModule): Promise<void> {
  const { runtime } = qr;
  const ctxOf = (request: FastifyRequest) => contextOf(request, deps);

  // A user token works only while its user has the api_access feature.
  app.addHook('preHandler', async (request) => assertApiAccess(ctxOf(request)));

  app.get<{ Querystring: CodeListQuery }>(
    '/codes',
    { schema: { tags, summary: 'List, search and filter the QR codes you can see', querystring: CodeListQuery, response: { 200: Type.Object({ codes: Type.Array(CodeView), total: Type.Integer() }), ...problemResponses } } },
    async (request) => listVisibleCodes(ctxOf(request), runtime, request.query),
  );

  app.get('/codes/labels', { schema: { tags, summary: 'Folders and tags in use', response: { 200: Type.Object({ folders: Type.Array(Type.String()), tags: Type.Array(Type.String()) }), ...problemResponses } } }, async (request) =>
    visibleFoldersAndTags(ctxOf(request)),
  );

  app.post<{ Body: CreateCodeInput }>(
    '/codes',
    {
      schema: { tags, summary: 'Create a static or dynamic QR code (checks the user’s features and quota)', body: CreateCodeBody, response: { 201: CodeView, ...problemResponses } },
      validatorCompiler: bodyValidator(parseCreateCode),
    },
    async (request, reply) => {
      const ctx = ctxOf(request);
      const { code, user } = await createCode(ctx, runtime, request.body);
      return reply.code(201).send(toCodeView(runtime, code, user, ctx.now));
    },
  );

  app.get<IdRoute>('/codes/:id', { schema: { tags, summary: 'Get a QR code', params: IdParams, response: { 200: CodeView, ...problemResponses } } }, async (request) => {
    const ctx = ctxOf(request);
    const { code, user } = await findVisibleCode(ctx, request.params.id);
    return toCodeView(runtime, code, user, ctx.now);
  });

  app.patch<IdRoute & { Body: UpdateCodeInput }>(
    '/codes/:id',
    {
      schema: { tags, summary: 'Edit a QR code: name, content (a dynamic code’s destination, effective at once), design, folder, tags, status, expiry', params: IdParams, body: UpdateCodeBody, response: { 200: CodeView, ...problemResponses } },
      validatorCompiler: bodyValidator(parseUpdateCode),
    },
    async (request) => {
      const ctx = ctxOf(request);
      const { code, user } = await updateCode(ctx, runtime, request.params.id, request.body);
      return toCodeView(runtime, code, user, ctx.now);
    },
  );

  for (const [action, status] of [['pause', 'paused'], ['resume', 'active']] as const) {
    app.post<IdRoute>(`/codes/:id/${action}`, { schema: { tags, summary: action === 'pause' ? 'Pause a dynamic code (it shows a "paused" page)' : 'Resume a paused dynamic code', params: IdParams, response: { 200: CodeView, ...problemResponses } } }, async (request) => {
      const ctx = ctxOf(request);
      const { code, user } = await updateCode(ctx, runtime, request.params.id, { status });
      return toCodeView(runtime, code, user, ctx.now);
    });
  }

  app.delete<IdRoute>('/codes/:id', { schema: { tags, summary: 'Delete a QR code and its scans', params: IdParams, response: { 204: Type.Null(), ...problemResponses } } }, async (request, reply) => {
    await deleteCode(ctxOf(request), runtime, request.params.id);
    return reply.code(204).send();
  });

  app.get<IdRoute & { Querystring: ImageQueryType }>(
    '/codes/:id/image',
    { schema: { tags, summary: 'The code as PNG or SVG (size in pixels) or print-ready PDF (size in millimetres)', params: IdParams, querystring: ImageQuery, response: { 200: binary('The image', ['image/png', 'image/svg+xml', 'application/pdf']), ...problemResponses } } },
    async (request, reply) => sendCodeImage(ctxOf(request), qr, request, reply, request.params.id, request.query),
  );

  app.get<IdRoute & { Querystring: StatsQueryType }>(
    '/codes/:id/stats',
    { schema: { tags: ['Statistics'], summary: 'Scan statistics of a dynamic code', params: IdParams, querystring: StatsQuery, response: { 200: StatsView, ...problemResponses } } },
    async (request) => {
      const ctx = ctxOf(request);
      const { code, user } = await findVisibleCode(ctx, request.params.id);
      requireAnalytics(user);
      return scanStats(ctx.db, { accountId: code.account_id, codeId: code.id }, dayRange(request.query, ctx.now));
    },
  );

  app.get<IdRoute & { Querystring: StatsQueryType }>(
    '/codes/:id/scans.csv',
    { schema: { tags: ['Statistics'], summary: 'Scans of a code as CSV (no IPs, no visitor hashes; bots marked)', params: IdParams, querystring: StatsQuery, response: { 200: binary('CSV', ['text/csv']), ...problemResponses } } },
    async (request, reply) => {
      const ctx = ctxOf(request);
      const { code, user } = await findVisibleCode(ctx, request.params.id);
      requireAnalytics(user);
      const csv = await scansCsv(ctx.db, { accountId: code.account_id, codeId: code.id }, dayRange(request.query, ctx.now), new Map([[code.id, code.name]]));
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename(code.name, 'csv')}"`).send(csv);
    },
  );

  app.get<IdRoute & { Querystring: StatsQueryType }>(
    '/users/:id/scan-stats',
    { schema: { tags: ['Statistics'], summary: 'Scan statistics of all codes of a white-label user', params: IdParams, querystring: StatsQuery, response: { 200: StatsView, ...problemResponses } } },
    async (request) => {
      const ctx = ctxOf(request);
      const user = await findVisibleUser(ctx, request.params.id);
      requireAnalytics(user);
      return scanStats(ctx.db, { accountId: user.account_id, userId: user.id }, dayRange(request.query, ctx.now));
    },
  );

  app.get<IdRoute & { Querystring: StatsQueryType }>(
    '/users/:id/scans.csv',
    { schema: { tags: ['Statistics'], summary: 'Scans of all codes of a white-label user as CSV', params: IdParams, querystring: StatsQuery, response: { 200: binary('CSV', ['text/csv']), ...problemResponses } } },
    async (request, reply) => {
      const ctx = ctxOf(request);
      const user = await findVisibleUser(ctx, request.params.id);
      requireAnalytics(user);
      const { codes } = await listVisibleCodes(ctx, runtime, { userId: user.id, limit: 500, offset: 0 });
      const csv = await scansCsv(ctx.db, { accountId: user.account_id, userId: user.id }, dayRange(request.query, ctx.now), new Map(codes.map((c) => [c.id, c.name])));
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename(user.name, 'csv')}"`).send(csv);
    },
  );

  app.post<{ Body: BulkInput }>(
    '/codes/bulk',
    { schema: { tags, summary: 'Bulk creation from CSV: starts a job and answers 202; poll the job for progress and the per-row report', body: BulkBody, response: { 202: BulkJobView, ...problemResponses } } },
    async (request, reply) => {
      const job = await startBulkJob(ctxOf(request), runtime, request.log, qr.track, request.body, qr.bulkHooks);
      return reply.code(202).header('location', `/api/v1/codes/bulk/${job.id}`).send(job);
    },
  );

  app.get<IdRoute>('/codes/bulk/:id', { schema: { tags, summary: 'Progress and per-row report of a bulk creation', params: IdParams, response: { 200: BulkJobView, ...problemResponses } } }, async (request) =>
    getBulkJob(ctxOf(request), request.params.id),
  );

  app.get('/scan-settings', { schema: { tags: ['Statistics'], summary: 'How long scans are kept (account setting)', response: { 200: ScanSettingsView, ...problemResponses } } }, async (request) => getScanSettings(ctxOf(request)));

  app.put<{ Body: ScanSettingsInput }>(
    '/scan-settings',
    { schema: { tags: ['Statistics'], summary: 'Set how long scans are kept (administrators)', body: ScanSettingsBody, response: { 200: ScanSettingsView, ...problemResponses } } },
    async (request) => setScanSettings(ctxOf(request), request.body),
  );
}
