import multipart from '@fastify/multipart';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasPermission } from '../auth/permissions.js';
import { AppError, type FieldError } from '../platform/errors.js';
import { html, raw } from '../platform/html.js';
import { PageOffset } from '../platform/schema.js';
import type { ServiceContext } from '../auth/context.js';
import { findVisibleUser, visibleUsers } from '../users/service.js';
import type { UserRow } from '../users/store.js';
import type { AppDeps } from '../web/deps.js';
import { setFlash, takeFlash } from '../web/flash.js';
import { errorSummary, selectField, textField } from '../web/forms.js';
import { contextOf } from '../auth/http/context.js';
import { redirectTo } from '../web/guards.js';
import { MULTIPART_LIMITS } from '../web/input-guard.js';
import { portalPage, styleNonce } from '../web/page.js';
import { confirmDeleteBody } from '../web/confirm-delete.js';
import { filename, sendCodeImage } from './api.js';
import { getBulkJob, MAX_BULK_ROWS, startBulkJob } from './bulk.js';
import { CONTENT_TYPES, type ContentType, type QrContent } from './content/index.js';
import { contentFromFlat, isContentType } from './form-input.js';
import { localizeFormErrors } from './form-errors.js';
import { contentFields, designFields, flattenContent, warningText } from './form-views.js';
import type { QrModule } from './module.js';
import { logoFromBytes, type QrDesign } from './render/index.js';
import { CodeListQuery as ApiListQuery, CODE_STATES, IMAGE_FORMATS, parseCreateCode, parseUpdateCode, type CodeListQuery, type CodeView, type ImageFormat } from './schemas.js';
import { dayRange, scansCsv, scanStats } from './scans/stats.js';
import { createCode, deleteCode, designOf, featuresOf, findVisibleCode, listVisibleCodes, requireAnalytics, toCodeView, updateCode, visibleFoldersAndTags } from './service.js';
import { getScanSettings, setScanSettings } from './settings.js';
import { breakdownTable, QR_CSS, scanChart } from './views.js';

type Body = Record<string, unknown>;
type IdRoute = { Params: { id: string } };
const PAGE_SIZE = 50;

/** The user the portal works for: the signed-in user, or the one a subaccount acts as. */
function currentUserId(request: FastifyRequest): string | null {
  const actor = request.actor;
  if (actor?.kind === 'user') return actor.id;
  return request.session?.acting_user_id ?? null;
}

/** The list's filters; unknown kinds and states are ignored rather than refused (old bookmarks). */
const PortalListQuery = Type.Object({
  ...Type.Pick(ApiListQuery, ['userId', 'q', 'folder', 'tag']).properties,
  kind: Type.Optional(Type.String({ maxLength: 16 })),
  state: Type.Optional(Type.String({ maxLength: 16 })),
  offset: PageOffset(),
});

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Portal form fields → the API's create/update body (before validation). */
function formToInput(body: Body, forUpdate: boolean, existingDesign: QrDesign | null): { input: Record<string, unknown>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const flat: Record<string, string> = {};
  const design: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key.startsWith('c.') && typeof value === 'string') flat[key.slice(2)] = value;
    if (key.startsWith('d.') && typeof value === 'string' && value !== '' && key !== 'd.removeLogo') design[key.slice(2)] = key === 'd.quietZone' ? Number(value) : value;
  }
  const logo = body['d.logo'];
  if (Buffer.isBuffer(logo) && logo.length > 0) {
    const parsed = logoFromBytes(logo);
    if (parsed.ok) design.logo = parsed.logo.dataUrl;
    else errors.push({ path: 'd.logo', message: parsed.message });
  } else if (body['d.removeLogo'] === 'true') design.logo = forUpdate ? null : undefined;
  else if (existingDesign?.logo && !forUpdate) design.logo = existingDesign.logo;
  const input: Record<string, unknown> = {
    name: str(body.name),
    content: contentFromFlat(str(body.type), flat),
    folder: str(body.folder).trim() || null,
    tags: [...new Set(str(body.tags).split(',').map((t) => t.trim()).filter(Boolean))],
    expiresAt: str(body.expiresAt) ? `${str(body.expiresAt)}${str(body.expiresAt).length === 16 ? ':00' : ''}Z` : null,
  };
  if (Object.keys(design).length > 0) input.design = design;
  if (!forUpdate) {
    input.kind = str(body.kind) || 'static';
    if (str(body.userId)) input.userId = str(body.userId);
    if (input.kind === 'static') delete input.expiresAt;
  }
  return { input, errors };
}

/** API paths (content.x, design.y) → form names (c.x, d.y). */
const toFormErrors = (errors: FieldError[]): FieldError[] =>
  errors.map((e) => ({ path: e.path.replace(/^content\.?/, 'c.').replace(/^c\.$/, 'c.').replace(/^design\./, 'd.'), message: e.message }));

export async function qrPortal(app: FastifyInstance, deps: AppDeps, qr: QrModule): Promise<void> {
  const { runtime } = qr;
  // Multipart (logo and CSV uploads) only inside this scope; files stay in memory and small.
  await app.register(multipart, { attachFieldsToBody: 'keyValues', limits: MULTIPART_LIMITS });
  const secure = deps.config.secureCookies;
  const page = (request: FastifyRequest, reply: FastifyReply, title: string, body: Parameters<typeof portalPage>[4], status?: number) =>
    portalPage(request, reply, deps, { title, current: '/codes', flash: takeFlash(request, reply), ...(status ? { status } : {}) }, (csrf) => html`<style nonce="${styleNonce(reply)}">${raw(QR_CSS)}</style>${body(csrf)}`);

  async function ownersFor(ctx: ServiceContext, request: FastifyRequest): Promise<UserRow[]> {
    const current = currentUserId(request);
    if (current) return [await findVisibleUser(ctx, current)];
    return visibleUsers(ctx);
  }

  // ------------------------------------------------------------ list

  app.get<{ Querystring: Static<typeof PortalListQuery> }>('/codes', { schema: { querystring: PortalListQuery } }, async (request, reply) => {
    const ctx = contextOf(request, deps);
    const t = request.t;
    const q = request.query;
    const current = currentUserId(request);
    const owners = await ownersFor(ctx, request);
    const offset = q.offset;
    const filters: CodeListQuery = {
      limit: PAGE_SIZE,
      offset,
      ...(current ? { userId: current } : q.userId ? { userId: q.userId } : {}),
      ...(q.q ? { q: q.q } : {}),
      ...(q.folder ? { folder: q.folder } : {}),
      ...(q.tag ? { tag: q.tag } : {}),
      ...(q.kind === 'static' || q.kind === 'dynamic' ? { kind: q.kind } : {}),
      ...(CODE_STATES.includes(q.state as 'active') ? { state: q.state as 'active' } : {}),
    };
    const [{ codes, total }, labels] = await Promise.all([listVisibleCodes(ctx, runtime, filters), visibleFoldersAndTags(ctx)]);
    const names = new Map(owners.map((u) => [u.id, u.name]));
    const single = owners.length === 1 ? owners[0] : undefined;
    const canBulk = owners.some((u) => featuresOf(u).includes('bulk_create'));
    const query = (extra: Record<string, string | number>) => new URLSearchParams(Object.entries({ ...q, ...extra }).filter(([, v]) => v !== undefined && v !== '') as [string, string][]).toString();
    return page(request, reply, t('qr.title'), (csrf) => html`
<h1>${single ? t('space.title', { name: single.name }) : t('qr.title')}</h1>
${single ? html`<p>${t('qr.quota', { used: total, max: single.max_codes })}</p>` : ''}
<p class="actions"><a class="button" href="/codes/new">${t('qr.create')}</a>${canBulk ? html`<a class="button secondary" href="/codes/bulk">${t('qr.bulk')}</a>` : ''}
${single && featuresOf(single).includes('analytics') ? html`<a class="button secondary" href="/codes/stats?userId=${single.id}">${t('qr.userStats')}</a>` : ''}
${hasPermission(ctx.actor, 'account.manage') ? html`<a class="button secondary" href="/codes/settings">${t('qr.settings')}</a>` : ''}</p>
<form method="get" action="/codes" class="filters" role="search" aria-label="${t('qr.filters')}">
  <div><label for="f-q">${t('qr.search')}</label><input id="f-q" name="q" type="search" value="${q.q ?? ''}"></div>
  ${!current && owners.length > 1 ? selectField({ name: 'userId', label: t('qr.owner'), value: q.userId ?? '', options: [{ value: '', label: t('qr.all') }, ...owners.map((u) => ({ value: u.id, label: u.name }))] }) : ''}
  ${selectField({ name: 'folder', label: t('qr.folder'), value: q.folder ?? '', options: [{ value: '', label: t('qr.all') }, ...labels.folders.map((f) => ({ value: f, label: f }))] })}
  ${selectField({ name: 'tag', label: t('qr.tag'), value: q.tag ?? '', options: [{ value: '', label: t('qr.all') }, ...labels.tags.map((f) => ({ value: f, label: f }))] })}
  ${selectField({ name: 'kind', label: t('qr.kind'), value: q.kind ?? '', options: [{ value: '', label: t('qr.all') }, { value: 'static', label: t('qr.kind.static') }, { value: 'dynamic', label: t('qr.kind.dynamic') }] })}
  ${selectField({ name: 'state', label: t('qr.state'), value: q.state ?? '', options: [{ value: '', label: t('qr.all') }, ...CODE_STATES.map((s) => ({ value: s, label: t(`qr.state.${s}`) }))] })}
  <div><button type="submit" class="secondary">${t('qr.filter')}</button></div>
</form>
${codes.length === 0
  ? html`<p>${t('qr.none')}</p>`
  : html`<table><caption class="visually-hidden">${t('qr.title')}</caption>
<thead><tr><th scope="col">${t('qr.name')}</th><th scope="col">${t('qr.kind')}</th><th scope="col">${t('qr.target')}</th><th scope="col">${t('qr.state')}</th>${single ? '' : html`<th scope="col">${t('qr.owner')}</th>`}<th scope="col"><span class="visually-hidden">${t('qr.actions')}</span></th></tr></thead>
<tbody>${codes.map((c) => html`<tr>
  <td><a href="/codes/${c.id}">${c.name}</a>${c.folder ? html` <span class="pill">${c.folder}</span>` : ''}${c.tags.map((tag) => html` <span class="pill">#${tag}</span>`)}</td>
  <td>${t(`qr.kind.${c.kind}`)} · ${t(`qr.type.${c.contentType as ContentType}`)}</td>
  <td>${c.kind === 'dynamic' ? html`<code>${c.shortUrl}</code> → ${c.destination}` : summary(c)}</td>
  <td>${stateLabel(c, t)}</td>
  ${single ? '' : html`<td>${names.get(c.userId) ?? ''}</td>`}
  <td class="actions"><a href="/codes/${c.id}/image?format=png&amp;size=1024&amp;download=1" aria-label="${t('qr.downloadPng')} ${c.name}">PNG</a>
  ${c.kind === 'dynamic' ? html`<form method="post" action="/codes/${c.id}/${c.status === 'paused' ? 'resume' : 'pause'}">${csrf}<button type="submit" class="secondary" aria-label="${c.status === 'paused' ? t('qr.resume') : t('qr.pause')} ${c.name}">${c.status === 'paused' ? t('qr.resume') : t('qr.pause')}</button></form>` : ''}</td>
</tr>`)}</tbody></table>
<p class="actions">${offset > 0 ? html`<a href="/codes?${query({ offset: Math.max(0, offset - PAGE_SIZE) })}">${t('qr.previous')}</a>` : ''} ${t('qr.showing', { from: offset + 1, to: offset + codes.length, total })} ${offset + codes.length < total ? html`<a href="/codes?${query({ offset: offset + PAGE_SIZE })}">${t('qr.next')}</a>` : ''}</p>`}`);
  });

  function summary(c: CodeView): string {
    const content = c.content as Record<string, unknown>;
    const text = String(content.url ?? content.text ?? content.ssid ?? content.to ?? content.phone ?? content.summary ?? [content.firstName, content.lastName, content.organization].filter(Boolean).join(' ') ?? '');
    return text.length > 60 ? `${text.slice(0, 57)}…` : text || `${content.latitude ?? ''},${content.longitude ?? ''}`;
  }

  function stateLabel(c: CodeView, t: FastifyRequest['t']): string {
    if (c.kind === 'static') return '—';
    if (c.status === 'paused') return t('qr.state.paused');
    return c.expired ? t('qr.state.expired') : t('qr.state.active');
  }

  // ------------------------------------------------------------ create and edit

  interface FormState {
    code?: CodeView;
    type: ContentType;
    kind: 'static' | 'dynamic';
    values: Record<string, string>;
    design: QrDesign;
    errors: FieldError[];
  }

  async function codeForm(request: FastifyRequest, reply: FastifyReply, state: FormState) {
    const ctx = contextOf(request, deps);
    const t = request.t;
    const editing = state.code;
    const owners = editing ? [] : await ownersFor(ctx, request);
    const owner = editing ? await findVisibleUser(ctx, editing.userId) : owners.find((u) => u.id === state.values.userId) ?? owners[0];
    // Codes belong to a white-label user: administrators are sent to create one first.
    if (!owner) {
      if (hasPermission(ctx.actor, 'users.manage')) return redirectTo(reply, '/users/new');
      throw new AppError('validation_failed', t('switcher.none'));
    }
    const features = featuresOf(owner);
    const kinds = (['dynamic', 'static'] as const).filter((k) => features.includes(k === 'static' ? 'static_codes' : 'dynamic_codes'));
    const title = editing ? `${t('form.edit')}: ${editing.name}` : t('qr.create');
    const v = state.values;
    const types = state.kind === 'dynamic' ? (['url'] as ContentType[]) : CONTENT_TYPES;
    return page(request, reply, title, (csrf) => html`
<h1>${title}</h1>
${errorSummary(t, state.errors)}
${editing ? '' : html`<form method="get" action="/codes/new" class="filters" aria-label="${t('qr.chooseType')}">
  ${owners.length > 1 ? selectField({ name: 'userId', label: t('qr.owner'), value: owner.id, options: owners.map((u) => ({ value: u.id, label: u.name })) }) : ''}
  ${selectField({ name: 'kind', label: t('qr.kind'), value: state.kind, options: kinds.map((k) => ({ value: k, label: t(`qr.kind.${k}`) })), hint: t('qr.kindHint') })}
  ${selectField({ name: 'type', label: t('qr.contentType'), value: state.type, options: types.map((c) => ({ value: c, label: t(`qr.type.${c}`) })) })}
  <div><button type="submit" class="secondary">${t('qr.chooseType')}</button></div>
</form>`}
<form method="post" action="${editing ? `/codes/${editing.id}` : '/codes'}" enctype="multipart/form-data" class="stack" novalidate>
  ${csrf}
  <input type="hidden" name="type" value="${state.type}">
  ${editing ? '' : html`<input type="hidden" name="kind" value="${state.kind}"><input type="hidden" name="userId" value="${owner.id}">`}
  ${textField({ name: 'name', label: t('qr.name'), value: v.name, required: true, errors: state.errors })}
  <fieldset><legend>${state.kind === 'dynamic' ? t('qr.destination') : t(`qr.type.${state.type}`)}</legend>
  ${contentFields(state.type, v, state.errors, t)}</fieldset>
  ${features.includes('design') ? designFields(state.design, Boolean(editing?.hasLogo), state.errors, t) : html`<p class="hint">${t('qr.designDisabled')}</p>`}
  ${textField({ name: 'folder', label: `${t('qr.folder')} (${t('form.optional')})`, value: v.folder, errors: state.errors })}
  ${textField({ name: 'tags', label: `${t('qr.tags')} (${t('form.optional')})`, value: v.tags, hint: t('qr.tagsHint'), errors: state.errors })}
  ${state.kind === 'dynamic' ? html`<div><label for="f-expiresAt">${t('qr.expiresAt')} (${t('form.optional')})</label><p class="hint">${t('qr.expiresAtHint')}</p><input id="f-expiresAt" name="expiresAt" type="datetime-local" value="${v.expiresAt ?? ''}"></div>` : ''}
  <div class="actions"><button type="submit">${editing ? t('form.save') : t('form.create')}</button><a class="button secondary" href="${editing ? `/codes/${editing.id}` : '/codes'}">${t('form.cancel')}</a></div>
</form>`, state.errors.length ? 400 : undefined);
  }

  app.get<{ Querystring: Record<string, string | undefined> }>('/codes/new', async (request, reply) => {
    const kind = request.query.kind === 'static' ? 'static' : 'dynamic';
    const type = kind === 'dynamic' ? 'url' : isContentType(request.query.type) ? request.query.type : 'url';
    const ctx = contextOf(request, deps);
    const owners = await ownersFor(ctx, request);
    const owner = owners.find((u) => u.id === request.query.userId) ?? owners[0];
    const ownerFeatures = owner ? featuresOf(owner) : [];
    // Offer a kind the owner may use.
    const usable = kind === 'dynamic' && !ownerFeatures.includes('dynamic_codes') && ownerFeatures.includes('static_codes') ? 'static' : kind;
    return codeForm(request, reply, { type: usable === 'dynamic' ? 'url' : type, kind: usable, values: { userId: owner?.id ?? '' }, design: {}, errors: [] });
  });

  app.post<{ Body: Body }>('/codes', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const { input, errors } = formToInput(request.body, false, null);
    try {
      if (errors.length > 0) throw new AppError('validation_failed', errors[0]?.message, errors);
      const { code } = await createCode(ctx, runtime, parseCreateCode(input));
      setFlash(reply, request.t('qr.created', { name: code.name }), secure);
      return redirectTo(reply, `/codes/${code.id}`);
    } catch (error) {
      if (!(error instanceof AppError) || !['validation_failed', 'quota_exceeded', 'feature_disabled'].includes(error.code)) throw error;
      const formErrors = error.fieldErrors.length ? toFormErrors(error.fieldErrors) : [{ path: 'name', message: error.detail ?? error.message }];
      const values = Object.fromEntries(Object.entries(request.body).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
      const type = isContentType(request.body.type) ? request.body.type : 'url';
      return codeForm(request, reply, { type, kind: input.kind === 'static' ? 'static' : 'dynamic', values, design: (input.design as QrDesign) ?? {}, errors: localizeFormErrors([...errors, ...formErrors], input, request.t) });
    }
  });

  async function viewOf(ctx: ServiceContext, id: string): Promise<CodeView> {
    const { code, user } = await findVisibleCode(ctx, id);
    return toCodeView(runtime, code, user, ctx.now);
  }

  const editValues = (code: CodeView): Record<string, string> => ({
    ...flattenContent(code.content),
    name: code.name,
    folder: code.folder ?? '',
    tags: code.tags.join(', '),
    expiresAt: code.expiresAt ? code.expiresAt.slice(0, 16) : '',
  });

  app.get<IdRoute>('/codes/:id/edit', async (request, reply) => {
    const code = await viewOf(contextOf(request, deps), request.params.id);
    return codeForm(request, reply, { code, type: code.contentType as ContentType, kind: code.kind, values: editValues(code), design: code.design as QrDesign, errors: [] });
  });

  app.post<IdRoute & { Body: Body }>('/codes/:id', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const { code: existing, user } = await findVisibleCode(ctx, request.params.id);
    const { input, errors } = formToInput({ ...request.body, type: existing.content_type }, true, designOf(existing));
    if (!featuresOf(user).includes('design')) delete input.design;
    if (existing.kind === 'static') delete input.expiresAt;
    try {
      if (errors.length > 0) throw new AppError('validation_failed', errors[0]?.message, errors);
      const { code } = await updateCode(ctx, runtime, existing.id, parseUpdateCode(input));
      setFlash(reply, request.t('qr.updated', { name: code.name }), secure);
      return redirectTo(reply, `/codes/${code.id}`);
    } catch (error) {
      if (!(error instanceof AppError) || !['validation_failed', 'feature_disabled'].includes(error.code)) throw error;
      const view = toCodeView(runtime, existing, user, ctx.now);
      const values = Object.fromEntries(Object.entries(request.body).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
      const formErrors = error.fieldErrors.length ? toFormErrors(error.fieldErrors) : [{ path: 'name', message: error.detail ?? error.message }];
      return codeForm(request, reply, { code: view, type: view.contentType as ContentType, kind: view.kind, values, design: { ...(view.design as QrDesign), ...((input.design as QrDesign) ?? {}) }, errors: localizeFormErrors([...errors, ...formErrors], input, request.t) });
    }
  });

  // ------------------------------------------------------------ one code

  app.get<IdRoute>('/codes/:id', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const t = request.t;
    const { code: row, user } = await findVisibleCode(ctx, request.params.id);
    const code = toCodeView(runtime, row, user, ctx.now);
    const sizes = [256, 512, 1024, 2048];
    return page(request, reply, code.name, (csrf) => html`
<h1>${code.name}</h1>
<p>${t(`qr.kind.${code.kind}`)} · ${t(`qr.type.${code.contentType as ContentType}`)} · ${stateLabel(code, t)}${code.expiresAt ? html` · ${t('qr.expiresAt')}: <time datetime="${code.expiresAt}">${code.expiresAt.replace('T', ' ').slice(0, 16)} UTC</time>` : ''}</p>
${code.warnings.length ? html`<div class="warning" role="status"><strong>${t('qr.contrastWarning')}</strong><ul>${code.warnings.map((w) => html`<li>${warningText(t, w, code.design as QrDesign)}</li>`)}</ul></div>` : ''}
<div class="grid2">
<div class="qr-preview"><img src="/codes/${code.id}/image?format=svg&amp;size=256" width="256" height="256" alt="${t('qr.previewAlt', { name: code.name })}"></div>
<div>
${code.kind === 'dynamic' ? html`<p><strong>${t('qr.shortLink')}:</strong> <a href="${code.shortUrl}"><code>${code.shortUrl}</code></a></p><p><strong>${t('qr.destination')}:</strong> <span id="destination">${code.destination}</span></p>` : html`<p>${summary(code)}</p>`}
<form method="get" action="/codes/${code.id}/image" class="filters" aria-label="${t('qr.download')}">
  <input type="hidden" name="download" value="1">
  ${selectField({ name: 'format', label: t('qr.format'), value: 'png', options: IMAGE_FORMATS.map((f) => ({ value: f, label: f.toUpperCase() })) })}
  <div><label for="f-size">${t('qr.size')}</label><p class="hint" id="f-size-hint">${t('qr.sizeHint')}</p><input id="f-size" name="size" type="number" min="10" max="4096" value="1024" aria-describedby="f-size-hint"></div>
  <div><button type="submit">${t('qr.download')}</button></div>
</form>
<p class="actions">${IMAGE_FORMATS.filter((f) => f !== 'pdf').flatMap((f) => sizes.map((s) => html`<a href="/codes/${code.id}/image?format=${f}&amp;size=${s}&amp;download=1">${f.toUpperCase()} ${s}px</a>`))}
<a href="/codes/${code.id}/image?format=pdf&amp;size=50&amp;download=1">PDF 50 mm</a></p>
<p class="actions"><a class="button" href="/codes/${code.id}/edit">${t('form.edit')}</a>
${code.kind === 'dynamic' && featuresOf(user).includes('analytics') ? html`<a class="button secondary" href="/codes/${code.id}/stats">${t('qr.stats')}</a>` : ''}
${code.kind === 'dynamic' ? html`<form method="post" action="/codes/${code.id}/${code.status === 'paused' ? 'resume' : 'pause'}">${csrf}<button type="submit" class="secondary">${code.status === 'paused' ? t('qr.resume') : t('qr.pause')}</button></form>` : ''}
<a class="button danger" href="/codes/${code.id}/delete">${t('form.delete')}</a></p>
</div></div>`);
  });

  app.get<IdRoute & { Querystring: { format?: string; size?: string; download?: string } }>('/codes/:id/image', async (request, reply) => {
    const format = (IMAGE_FORMATS as readonly string[]).includes(request.query.format ?? '') ? (request.query.format as ImageFormat) : 'png';
    const size = request.query.size ? Number(request.query.size) : undefined;
    if (size !== undefined && !Number.isInteger(size)) throw new AppError('validation_failed', request.t('qr.sizeHint'));
    return sendCodeImage(contextOf(request, deps), qr, request, reply, request.params.id, { format, ...(size !== undefined ? { size } : {}), download: Boolean(request.query.download) });
  });

  for (const [action, status] of [['pause', 'paused'], ['resume', 'active']] as const) {
    app.post<IdRoute>(`/codes/:id/${action}`, async (request, reply) => {
      const { code } = await updateCode(contextOf(request, deps), runtime, request.params.id, { status });
      setFlash(reply, request.t(status === 'paused' ? 'qr.paused' : 'qr.resumed', { name: code.name }), secure);
      return redirectTo(reply, `/codes/${code.id}`);
    });
  }

  app.get<IdRoute>('/codes/:id/delete', async (request, reply) => {
    const code = await viewOf(contextOf(request, deps), request.params.id);
    const t = request.t;
    return page(request, reply, t('form.delete'), confirmDeleteBody(t, { name: code.name, question: t('qr.deleteConfirm', { name: code.name }), action: `/codes/${code.id}/delete`, cancelHref: `/codes/${code.id}` }));
  });

  app.post<IdRoute>('/codes/:id/delete', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const code = await viewOf(ctx, request.params.id);
    await deleteCode(ctx, runtime, code.id);
    setFlash(reply, request.t('qr.deleted', { name: code.name }), secure);
    return redirectTo(reply, '/codes');
  });

  // ------------------------------------------------------------ statistics

  function statsPage(request: FastifyRequest, reply: FastifyReply, title: string, stats: Awaited<ReturnType<typeof scanStats>>, csvHref: string, backHref: string) {
    const t = request.t;
    return page(request, reply, title, () => html`
<h1>${title}</h1>
<form method="get" class="filters" aria-label="${t('qr.stats.range')}">
  ${(request.query as Record<string, string>).userId ? html`<input type="hidden" name="userId" value="${(request.query as Record<string, string>).userId}">` : ''}
  <div><label for="f-from">${t('qr.stats.from')}</label><input id="f-from" name="from" type="date" value="${stats.from}"></div>
  <div><label for="f-to">${t('qr.stats.to')}</label><input id="f-to" name="to" type="date" value="${stats.to}"></div>
  <div><button type="submit" class="secondary">${t('qr.filter')}</button></div>
</form>
<div class="cards">
  <div class="card"><span>${t('qr.stats.total')}</span><strong id="total-scans">${stats.totalScans}</strong></div>
  <div class="card"><span>${t('qr.stats.uniqueTotal')}</span><strong id="unique-scans">${stats.uniqueScans}</strong></div>
  <div class="card"><span>${t('qr.stats.bots')}</span><strong>${stats.botScans}</strong></div>
</div>
${scanChart(t, stats)}
<div class="grid2">
${breakdownTable(t('qr.stats.devices'), stats.devices, t)}
${breakdownTable(t('qr.stats.os'), stats.os, t)}
${breakdownTable(t('qr.stats.countries'), stats.countries, t)}
${breakdownTable(t('qr.stats.referrers'), stats.referrers, t)}
</div>
<p class="hint">${t('qr.stats.privacy')}</p>
<p class="actions"><a class="button secondary" href="${csvHref}">${t('qr.stats.csv')}</a><a href="${backHref}">${t('qr.back')}</a></p>`);
  }

  app.get<IdRoute & { Querystring: { from?: string; to?: string } }>('/codes/:id/stats', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const { code, user } = await findVisibleCode(ctx, request.params.id);
    requireAnalytics(user);
    const stats = await scanStats(ctx.db, { accountId: code.account_id, codeId: code.id }, dayRange(request.query, ctx.now));
    return statsPage(request, reply, request.t('qr.stats.titleCode', { name: code.name }), stats, `/codes/${code.id}/scans.csv?from=${stats.from}&to=${stats.to}`, `/codes/${code.id}`);
  });

  app.get<IdRoute & { Querystring: { from?: string; to?: string } }>('/codes/:id/scans.csv', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const { code, user } = await findVisibleCode(ctx, request.params.id);
    requireAnalytics(user);
    const csv = await scansCsv(ctx.db, { accountId: code.account_id, codeId: code.id }, dayRange(request.query, ctx.now), new Map([[code.id, code.name]]));
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename(code.name, 'csv')}"`).send(csv);
  });

  app.get<{ Querystring: { userId?: string; from?: string; to?: string; format?: string } }>('/codes/stats', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const userId = currentUserId(request) ?? request.query.userId;
    if (!userId) return redirectTo(reply, '/codes');
    const user = await findVisibleUser(ctx, userId);
    requireAnalytics(user);
    const range = dayRange(request.query, ctx.now);
    if (request.query.format === 'csv') {
      const { codes } = await listVisibleCodes(ctx, runtime, { userId: user.id, limit: 500, offset: 0 });
      const csv = await scansCsv(ctx.db, { accountId: user.account_id, userId: user.id }, range, new Map(codes.map((c) => [c.id, c.name])));
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename(user.name, 'csv')}"`).send(csv);
    }
    const stats = await scanStats(ctx.db, { accountId: user.account_id, userId: user.id }, range);
    return statsPage(request, reply, request.t('qr.stats.titleUser', { name: user.name }), stats, `/codes/stats?userId=${user.id}&from=${stats.from}&to=${stats.to}&format=csv`, '/codes');
  });

  // ------------------------------------------------------------ bulk creation

  app.get('/codes/bulk', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const t = request.t;
    const owners = (await ownersFor(ctx, request)).filter((u) => featuresOf(u).includes('bulk_create'));
    return page(request, reply, t('qr.bulk'), (csrf) => html`
<h1>${t('qr.bulk')}</h1>
<p>${t('qr.bulkHelp', { max: MAX_BULK_ROWS })}</p>
<pre>name,kind,type,url,folder,tags
Spring poster,dynamic,url,https://example.com/spring,Posters,spring|2030
Office WiFi,static,wifi,,Office,
</pre>
<p class="hint">${t('qr.bulkColumns')}</p>
${owners.length === 0 ? html`<p>${t('qr.bulkDisabled')}</p>` : html`<form method="post" action="/codes/bulk" enctype="multipart/form-data" class="stack">${csrf}
  ${owners.length > 1 ? selectField({ name: 'userId', label: t('qr.owner'), value: owners[0]?.id ?? '', options: owners.map((u) => ({ value: u.id, label: u.name })) }) : html`<input type="hidden" name="userId" value="${owners[0]?.id ?? ''}">`}
  <div><label for="f-csv">${t('qr.csvFile')}</label><input id="f-csv" name="csv" type="file" accept=".csv,text/csv" required></div>
  <div class="actions"><button type="submit">${t('qr.bulkStart')}</button><a class="button secondary" href="/codes">${t('form.cancel')}</a></div>
</form>`}`);
  });

  app.post<{ Body: Body }>('/codes/bulk', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const file = request.body.csv;
    const csv = Buffer.isBuffer(file) ? file.toString('utf8') : str(file);
    const job = await startBulkJob(ctx, runtime, request.log, qr.track, { userId: str(request.body.userId) || undefined, csv }, qr.bulkHooks);
    return redirectTo(reply, `/codes/bulk/${job.id}`);
  });

  app.get<IdRoute>('/codes/bulk/:id', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const t = request.t;
    const job = await getBulkJob(ctx, request.params.id);
    const running = job.status === 'running';
    if (running) reply.header('refresh', '1');
    return page(request, reply, t('qr.bulk'), () => html`
<h1>${t('qr.bulk')}</h1>
<p><label for="bulk-progress">${running ? t('qr.bulkRunning') : job.status === 'interrupted' ? t('qr.bulkInterrupted') : t('qr.bulkDone')}</label>
<progress id="bulk-progress" max="${job.total}" value="${job.processed}">${job.processed}/${job.total}</progress>
<span role="status">${t('qr.bulkProgress', { processed: job.processed, total: job.total, ok: job.succeeded, failed: job.failed })}</span></p>
${running ? html`<p class="hint">${t('qr.bulkRefresh')}</p>` : ''}
<table><caption>${t('qr.bulkReport')}</caption><thead><tr><th scope="col">${t('qr.row')}</th><th scope="col">${t('qr.name')}</th><th scope="col">${t('qr.result')}</th></tr></thead>
<tbody>${job.rows.map((r) => html`<tr class="${r.ok ? '' : 'report-bad'}"><td>${r.row}</td><td>${r.ok && r.codeId ? html`<a href="/codes/${r.codeId}">${r.name}</a>` : r.name ?? ''}</td><td>${r.skipped ? t('qr.rowSkipped') : r.ok ? t('qr.rowOk') : (r.errors ?? []).map((e) => `${e.path ? `${e.path}: ` : ''}${e.message}`).join(' ')}</td></tr>`)}</tbody></table>
<p><a href="/codes">${t('qr.back')}</a></p>`);
  });

  // ------------------------------------------------------------ account setting

  app.get('/codes/settings', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const t = request.t;
    const settings = await getScanSettings(ctx);
    return page(request, reply, t('qr.settings'), (csrf) => html`
<h1>${t('qr.settings')}</h1>
<form method="post" action="/codes/settings" class="stack">${csrf}
  ${textField({ name: 'scanRetentionDays', label: t('qr.retention'), type: 'number', value: settings.scanRetentionDays, hint: t('qr.retentionHint'), attrs: html`min="1" max="3650"` })}
  <div class="actions"><button type="submit">${t('form.save')}</button></div>
</form>`);
  });

  app.post<{ Body: Body }>('/codes/settings', async (request, reply) => {
    const ctx = contextOf(request, deps);
    const raw = str(request.body.scanRetentionDays).trim();
    const days = raw === '' ? null : Number(raw);
    if (days !== null && (!Number.isInteger(days) || days < 1 || days > 3650)) throw new AppError('validation_failed', request.t('qr.retentionHint'));
    await setScanSettings(ctx, { scanRetentionDays: days });
    setFlash(reply, request.t('settings.saved'), secure);
    return redirectTo(reply, '/codes');
  });
}

export type { QrContent };
