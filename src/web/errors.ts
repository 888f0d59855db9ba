import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, toProblem, type FieldError } from '../platform/errors.js';
import { html } from '../platform/html.js';
import { fieldPath } from '../platform/validation.js';
import type { AppDeps } from './deps.js';
import { portalPage, publicPage } from './page.js';

const isApi = (request: FastifyRequest) => request.url.startsWith('/api/');

/** Ajv's errors from Fastify's schema validation → our field paths and plain messages. */
function fromValidation(error: FastifyError): AppError {
  let errors: FieldError[] = (error.validation ?? []).map((v) => {
    const missing = v.keyword === 'required' ? `/${String((v.params as { missingProperty?: string }).missingProperty)}` : '';
    const extra = v.keyword === 'additionalProperties' ? `/${String((v.params as { additionalProperty?: string }).additionalProperty)}` : '';
    const path = fieldPath(`${v.instancePath}${missing}${extra}`) || '(body)';
    const custom = ((v as { parentSchema?: { errorMessage?: string } }).parentSchema)?.errorMessage;
    const message = v.keyword === 'required' ? 'This field is required.' : v.keyword === 'additionalProperties' ? 'This field is not allowed.' : custom ?? v.message ?? 'Invalid value.';
    return { path, message };
  });
  // Ajv reports each branch of a union; people need one message per field.
  const seen = new Set<string>();
  errors = errors.filter((e) => !seen.has(e.path) && Boolean(seen.add(e.path)));
  return new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
}

function toAppError(error: FastifyError | AppError): AppError {
  if (error instanceof AppError) return error;
  if (error.validation) return fromValidation(error);
  if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AppError('payload_too_large');
  if (error.statusCode === 429) return new AppError('rate_limited', error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return new AppError('validation_failed', error.message);
  return new AppError('internal_error');
}

export function installErrorHandling(app: FastifyInstance, deps: AppDeps): void {
  app.setErrorHandler(async (raw: FastifyError | AppError, request, reply: FastifyReply) => {
    const error = toAppError(raw);
    if (error.code === 'internal_error') request.log.error({ err: raw }, 'request failed');
    if (isApi(request) || request.headers.accept === 'application/json') {
      return reply.code(error.status).type('application/problem+json').send(toProblem(error));
    }
    if (error.code === 'authentication_required') return reply.redirect(`/login?returnTo=${encodeURIComponent(request.url)}`, 303);
    const message =
      error.code === 'not_found' ? request.t('error.notFound') : error.code === 'forbidden' ? request.t('error.forbidden') : error.code === 'csrf_failed' ? request.t('error.csrf') : error.detail ?? error.message;
    const body = () => html`<h1>${request.t('error.title')}</h1><p role="alert">${message}</p><p><a href="/">${request.t('error.back')}</a></p>`;
    const options = { title: request.t('error.title'), status: error.status };
    return request.actor && request.actor.kind !== 'token' ? portalPage(request, reply, deps, options, body) : publicPage(request, reply, deps, options, body);
  });
  app.setNotFoundHandler(async (request) => {
    throw new AppError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`);
  });
}
