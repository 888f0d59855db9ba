import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, notFound } from '../platform/errors.js';
import { PageLimit } from '../platform/schema.js';
import { problemResponses } from '../web/api-schemas.js';
import type { AppDeps } from '../web/deps.js';
import { contextOf } from '../auth/http/context.js';
import { ConnectBody, ConnectionView, ImportMetadataBody, type ConnectInput, type ImportMetadataInput } from './schemas.js';
import { connect, ensureConnection, finishSpKeyRotation, getConnectionView, readIdpMetadata, refreshMetadataNow, spEndpoints, spMetadataXml, startSpKeyRotation } from './service.js';
import { getSsoLogEntry, listSsoLog, type SsoLogRow } from './store.js';
import { ssoDomainsApi } from './domains/api.js';
import { CreateSetupLinkBody, SetupLinkView, type CreateSetupLinkInput } from './schemas.js';
import { createSetupLink, listSetupLinkViews, revokeSetupLink } from './setup-links.js';

const tags = ['Single sign-on'];

const MetadataPreview = Type.Object({
  entityId: Type.String(),
  ssoUrl: Type.Union([Type.String(), Type.Null()]),
  sloUrl: Type.Union([Type.String(), Type.Null()]),
  certificates: Type.Array(Type.Object({ subject: Type.String(), notAfter: Type.String(), sha1Thumbprint: Type.String(), pem: Type.String() })),
  warnings: Type.Array(Type.String()),
});

const LogEntry = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  direction: Type.String(),
  kind: Type.String(),
  outcome: Type.String(),
  person: Type.Union([Type.String(), Type.Null()]),
  summary: Type.String(),
  fix: Type.Union([Type.String(), Type.Null()]),
  failureCode: Type.Union([Type.String(), Type.Null()]),
  attributes: Type.Union([Type.Record(Type.String(), Type.Array(Type.String())), Type.Null()]),
  mapping: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  xml: Type.Union([Type.String(), Type.Null()]),
  repeats: Type.Union([Type.Integer({ description: 'Summary rows: how many more unauthenticated messages this hour were only counted, not stored' }), Type.Null()]),
});

const toLogView = (e: SsoLogRow) => ({
  id: e.id,
  at: new Date(e.created_at).toISOString(),
  direction: e.direction,
  kind: e.kind,
  outcome: e.outcome,
  person: e.person,
  summary: e.summary,
  fix: e.fix,
  failureCode: e.failure_code,
  attributes: e.attributes ? (JSON.parse(e.attributes) as Record<string, string[]>) : null,
  mapping: e.mapping ? (JSON.parse(e.mapping) as Record<string, unknown>) : null,
  xml: e.xml,
  repeats: e.repeats,
});

export async function ssoApi(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await ssoDomainsApi(app, deps);
  app.get('/sso', { schema: { tags, summary: 'The SSO tab: connection, attribute names and SP endpoints', response: { 200: ConnectionView, ...problemResponses } } }, async (request) =>
    getConnectionView(contextOf(request, deps), deps.config),
  );

  app.put<{ Body: ConnectInput }>('/sso', { schema: { tags, summary: 'Connect: save the SSO tab and activate the connection', body: ConnectBody, response: { 200: ConnectionView, ...problemResponses } } }, async (request) =>
    connect(contextOf(request, deps), deps.config, request.body),
  );

  app.post<{ Body: ImportMetadataInput }>('/sso/metadata', { schema: { tags, summary: 'Read IdP metadata from a URL or XML and show what it pre-fills (nothing is saved)', body: ImportMetadataBody, response: { 200: MetadataPreview, ...problemResponses } } }, async (request) => {
    const ctx = contextOf(request, deps);
    await ensureConnection(ctx);
    const read = await readIdpMetadata(ctx, deps.config, request.body);
    if (!read.ok) {
      throw new AppError('validation_failed', read.reason, [{ path: request.body.xml ? 'xml' : 'url', message: read.reason }]);
    }
    const m = read.metadata;
    return { entityId: m.entityId, ssoUrl: m.ssoUrls.redirect ?? m.ssoUrls.post ?? null, sloUrl: m.sloUrls.redirect ?? m.sloUrls.post ?? null, certificates: m.signingCertificates.map((c) => ({ subject: c.subject, notAfter: c.notAfter.toISOString(), sha1Thumbprint: c.sha1Thumbprint, pem: c.pem })), warnings: m.warnings };
  });

  app.post('/sso/metadata/refresh', { schema: { tags, summary: 'Refresh the IdP metadata from the saved metadata URL now: its signing certificates become the trusted set; the diff is written to the SSO log', response: { 200: Type.Object({ ok: Type.Boolean(), added: Type.Array(Type.String()), removed: Type.Array(Type.String()), certificates: Type.Integer(), reason: Type.Union([Type.String(), Type.Null()]), logId: Type.Union([Type.String(), Type.Null()]), connection: ConnectionView }), ...problemResponses } } }, async (request) => {
    const ctx = contextOf(request, deps);
    const result = await refreshMetadataNow(ctx, deps.config);
    const connection = await getConnectionView(ctx, deps.config);
    return result.ok
      ? { ok: true, added: result.added, removed: result.removed, certificates: result.certificates, reason: null, logId: result.logId, connection }
      : { ok: false, added: [], removed: [], certificates: connection.idpCertificates.length, reason: result.reason, logId: result.logId, connection };
  });

  app.post('/sso/sp-key/rotate', { schema: { tags, summary: "Start SP key rotation: make the next SP key pair; the SP metadata lists both signing certificates (and the next key's encryption certificate) until Finish; messages stay signed with the current key; encrypted assertions decrypt with either key", response: { 200: ConnectionView, ...problemResponses } } }, async (request) =>
    startSpKeyRotation(contextOf(request, deps), deps.config),
  );

  app.post('/sso/sp-key/finish', { schema: { tags, summary: 'Finish SP key rotation: the next SP key becomes current (signs messages); the old key is deleted and no longer decrypts', response: { 200: ConnectionView, ...problemResponses } } }, async (request) =>
    finishSpKeyRotation(contextOf(request, deps), deps.config),
  );

  app.get('/sso/sp-metadata', { schema: { tags, summary: "The SP descriptor XML for this account (upload it at the IdP)", produces: ['application/samlmetadata+xml'] } }, async (request, reply) => {
    const { account, row } = await ensureConnection(contextOf(request, deps));
    return reply.type('application/samlmetadata+xml; charset=utf-8').send(spMetadataXml(row, spEndpoints(deps.config.publicUrl, account.slug)));
  });

  app.get<{ Querystring: { person?: string; outcome?: 'success' | 'failure' | 'info'; limit: number } }>(
    '/sso/log',
    { schema: { tags, summary: 'SSO log: recent SAML exchanges, newest first', querystring: Type.Object({ person: Type.Optional(Type.String({ maxLength: 254 })), outcome: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('failure'), Type.Literal('info')])), limit: PageLimit(500, 50) }), response: { 200: Type.Object({ entries: Type.Array(LogEntry) }), ...problemResponses } } },
    async (request) => {
      const ctx = contextOf(request, deps);
      await getConnectionView(ctx, deps.config);
      return { entries: (await listSsoLog(deps.db, ctx.actor.accountId, request.query)).map(toLogView) };
    },
  );

  app.get<{ Params: { id: string } }>('/sso/log/:id', { schema: { tags, summary: 'One SSO log entry with its XML', params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: LogEntry, ...problemResponses } } }, async (request) => {
    const ctx = contextOf(request, deps);
    await getConnectionView(ctx, deps.config);
    const entry = await getSsoLogEntry(deps.db, ctx.actor.accountId, request.params.id);
    if (!entry) throw notFound('This log entry');
    return toLogView(entry);
  });

  // SSO set-up links: the customer's IT contact opens only the SSO tab (administrators and account tokens).
  app.post<{ Body: CreateSetupLinkInput }>('/sso/setup-links', { schema: { tags, summary: 'Create an SSO set-up link: opens only the SSO tab of this account (connect, read metadata, test connection, SSO log) until it expires or is revoked; the url is returned once', body: CreateSetupLinkBody, response: { 201: Type.Object({ link: SetupLinkView, url: Type.String() }), ...problemResponses } } }, async (request, reply) =>
    reply.code(201).send(await createSetupLink(contextOf(request, deps), deps.config, request.body)),
  );

  app.get('/sso/setup-links', { schema: { tags, summary: 'SSO set-up links, newest first (without their secret)', response: { 200: Type.Object({ links: Type.Array(SetupLinkView) }), ...problemResponses } } }, async (request) => ({
    links: await listSetupLinkViews(contextOf(request, deps)),
  }));

  app.delete<{ Params: { id: string } }>('/sso/setup-links/:id', { schema: { tags, summary: 'Revoke an SSO set-up link; its sessions end at once', params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: SetupLinkView, ...problemResponses } } }, async (request) =>
    revokeSetupLink(contextOf(request, deps), request.params.id),
  );
}
