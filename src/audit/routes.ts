import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { hasPermission } from '../auth/permissions.js';
import { forbidden } from '../platform/errors.js';
import { html } from '../platform/html.js';
import { EpochMillis, PageLimit } from '../platform/schema.js';
import type { ServiceContext } from '../auth/context.js';
import { problemResponses } from '../web/api-schemas.js';
import type { AppDeps } from '../web/deps.js';
import { contextOf } from '../auth/http/context.js';
import { portalPage } from '../web/page.js';
import { listAudit, type AuditEntry } from './store.js';

const PAGE_SIZE = 50;

const AuditView = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Object({ kind: Type.String(), id: Type.Union([Type.String(), Type.Null()]), label: Type.String() }),
  action: Type.String(),
  object: Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]), label: Type.Union([Type.String(), Type.Null()]) }),
  detail: Type.Record(Type.String(), Type.Unknown()),
});

const AuditQuery = Type.Object({
  before: Type.Optional(EpochMillis('Epoch milliseconds: entries older than this (paging)')),
  action: Type.Optional(Type.String({ maxLength: 64, description: 'e.g. user.create' })),
  limit: PageLimit(500, PAGE_SIZE),
});
const AuditPageQuery = Type.Object({ before: Type.Optional(AuditQuery.properties.before) });

function readAudit(ctx: ServiceContext, query: { before?: number | undefined; action?: string | undefined; limit: number }): Promise<AuditEntry[]> {
  if (!hasPermission(ctx.actor, 'audit.read')) throw forbidden('Only administrators and managers can read the audit log.');
  return listAudit(ctx.db, ctx.actor.accountId, query);
}

const toView = (e: AuditEntry) => ({
  id: e.id,
  at: new Date(e.created_at).toISOString(),
  actor: { kind: e.actor_kind, id: e.actor_id, label: e.actor_label },
  action: e.action,
  object: { type: e.object_type, id: e.object_id, label: e.object_label },
  detail: JSON.parse(e.detail) as Record<string, unknown>,
});

export async function auditApi(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get<{ Querystring: { before?: number; action?: string; limit: number } }>(
    '/audit',
    { schema: { tags: ['Audit'], summary: 'Audit log, newest first', querystring: AuditQuery, response: { 200: Type.Object({ entries: Type.Array(AuditView) }), ...problemResponses } } },
    async (request) => ({ entries: (await readAudit(contextOf(request, deps), request.query)).map(toView) }),
  );
}

export async function auditPortal(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get<{ Querystring: { before?: number } }>('/audit', { schema: { querystring: AuditPageQuery } }, async (request, reply) => {
    const t = request.t;
    const entries = await readAudit(contextOf(request, deps), { limit: PAGE_SIZE, before: request.query.before || undefined });
    const last = entries.at(-1);
    return portalPage(request, reply, deps, { title: t('audit.title'), current: '/audit' }, () => html`
<h1>${t('audit.title')}</h1>
${entries.length === 0 ? html`<p>${t('audit.none')}</p>` : html`<table><caption class="visually-hidden">${t('audit.title')}</caption>
<thead><tr><th scope="col">${t('audit.when')}</th><th scope="col">${t('audit.who')}</th><th scope="col">${t('audit.action')}</th><th scope="col">${t('audit.object')}</th></tr></thead>
<tbody>${entries.map((e) => html`<tr><td><time datetime="${new Date(e.created_at).toISOString()}">${new Date(e.created_at).toISOString().replace('T', ' ').slice(0, 19)} UTC</time></td><td>${e.actor_label}</td><td><code>${e.action}</code></td><td>${e.object_type}: ${e.object_label ?? e.object_id ?? ''}</td></tr>`)}</tbody></table>
${entries.length === PAGE_SIZE && last ? html`<p><a href="/audit?before=${last.created_at}">${t('audit.older')}</a></p>` : ''}`}`);
  });
}
