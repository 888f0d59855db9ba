import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { databaseFault } from '../db/faults.js';
import { AppError, toProblem, type FieldError } from '../platform/errors.js';
import { html } from '../platform/html.js';
import { pickLocale, translator, type Translate } from '../platform/i18n.js';
import { MAX_BODY_BYTES, MAX_FIELD_INDEX, MAX_FIELD_NAME_LENGTH, MAX_FIELD_NAME_PARTS, MAX_FORM_FIELDS, MAX_JSON_DEPTH, MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES } from '../platform/input-limits.js';
import { fieldPath } from '../platform/validation.js';
import { LANGUAGE_COOKIE } from './cookies.js';
import type { AppDeps } from './deps.js';
import { InputRefused } from './input-guard.js';
import { portalPage, publicPage } from './page.js';
import { faultLogger, sendUnavailable } from './unavailable.js';


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

const megabytes = (bytes: number) => `${bytes / (1024 * 1024)} MB`;

/** The parsers' own limit errors (Fastify's body limit, @fastify/multipart's counters), each naming its limit. */
const LIMIT_ERRORS: Record<string, () => AppError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new AppError('payload_too_large', `The request body is over the limit of ${megabytes(MAX_BODY_BYTES)}.`),
  FST_REQ_FILE_TOO_LARGE: () => new AppError('payload_too_large', `An uploaded file is over the limit of ${megabytes(MAX_UPLOAD_BYTES)}.`),
  FST_FILES_LIMIT: () => new AppError('validation_failed', `At most ${MAX_UPLOAD_FILES} files per form.`),
  FST_FIELDS_LIMIT: () => new AppError('validation_failed', `At most ${MAX_FORM_FIELDS} fields are accepted.`),
  FST_PARTS_LIMIT: () => new AppError('validation_failed', `At most ${MAX_FORM_FIELDS} fields are accepted.`),
};

function toAppError(error: FastifyError | AppError): AppError {
  if (error instanceof AppError) return error;
  if (error.validation) return fromValidation(error);
  const limit = error.code ? LIMIT_ERRORS[error.code] : undefined;
  if (limit) return limit();
  if (error.statusCode === 413) return new AppError('payload_too_large', `The request body is over the limit of ${megabytes(MAX_BODY_BYTES)}.`);
  if (error.statusCode === 429) return new AppError('rate_limited', error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return new AppError('validation_failed', error.message);
  return new AppError('internal_error');
}

/**
 * An error can come before the hooks that give a request its cookies, language and person (a body
 * over the limit, a refused URL, a route that skips the session hook such as the ACS): the page
 * then falls back to what the request itself says, and to English.
 */
function pageTranslator(request: FastifyRequest, deps: AppDeps): Translate {
  request.cookies ??= {};
  if (typeof request.t !== 'function') {
    const language = request.cookies[LANGUAGE_COOKIE];
    request.locale = pickLocale(language, request.headers['accept-language'], request.brand?.default_locale ?? 'en');
    request.t = translator(deps.messages, request.locale);
  }
  return request.t;
}

/** What the person reads: the catalogue's own words for the refusals people can meet, in their language. */
function pageMessage(t: Translate, error: AppError, raw: unknown): string {
  if (error.code === 'not_found') return t('error.notFound');
  if (error.code === 'forbidden') return t('error.forbidden');
  if (error.code === 'csrf_failed') return t('error.csrf');
  if (error.code === 'payload_too_large') return t('error.input.tooLarge', { limit: megabytes(raw instanceof Error && (raw as FastifyError).code === 'FST_REQ_FILE_TOO_LARGE' ? MAX_UPLOAD_BYTES : MAX_BODY_BYTES) });
  if (error instanceof InputRefused) {
    const { path, limit, character } = error.problem;
    if (limit === 'character') return t('error.input.character', { field: path, character: character ?? '' });
    if (limit === 'fieldCount') return t('error.input.fieldCount', { max: MAX_FORM_FIELDS });
    if (limit === 'depth') return t('error.input.depth', { max: MAX_JSON_DEPTH });
    if (limit === 'number') return t('error.input.number', { field: path });
    if (limit === 'repeated') return t('error.input.repeated', { field: path });
    return t('error.input.fieldName', { field: path, max: MAX_FIELD_NAME_LENGTH, parts: MAX_FIELD_NAME_PARTS, index: MAX_FIELD_INDEX });
  }
  if (error.code === 'validation_failed' && error.fieldErrors.length > 0 && !(raw instanceof AppError)) return t('error.input.invalid', { fields: error.fieldErrors.map((e) => e.path).join(', ') });
  return error.detail ?? error.message;
}

function sendProblem(reply: FastifyReply, error: AppError): FastifyReply {
  return reply.code(error.status).type('application/problem+json').send(toProblem(error));
}

/** The API scope's errors and unknown paths: RFC 7807 problem JSON, never a page. */
export function installApiErrorHandling(api: FastifyInstance): void {
  const logFault = faultLogger();
  api.setErrorHandler(async (raw: FastifyError | AppError, request, reply: FastifyReply) => {
    // The database unreachable (or busy, or full) is not a bug: 503 not_ready, and the process carries on.
    const fault = raw instanceof AppError ? null : databaseFault(raw);
    if (fault) {
      logFault(request.log, fault);
      return sendUnavailable(request, reply, null);
    }
    const error = toAppError(raw);
    if (error.code === 'internal_error') request.log.error({ err: raw }, 'request failed');
    return sendProblem(reply, error);
  });
  api.setNotFoundHandler(async (request) => {
    throw new AppError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`);
  });
}

/** Everywhere else: an error page (signed-in frame when there is one), or problem JSON when asked for. */
export function installErrorHandling(app: FastifyInstance, deps: AppDeps): void {
  const logFault = faultLogger();
  app.setErrorHandler(async (raw: FastifyError | AppError, request, reply: FastifyReply) => {
    // The database unreachable (or busy, or full) is not a bug: 503, and the process carries on.
    const fault = raw instanceof AppError ? null : databaseFault(raw);
    if (fault) {
      logFault(request.log, fault);
      return sendUnavailable(request, reply, request.url.startsWith('/api/') || request.headers.accept === 'application/json' ? null : deps.messages);
    }
    const error = toAppError(raw);
    if (error.code === 'internal_error') request.log.error({ err: raw }, 'request failed');
    if (request.headers.accept === 'application/json') return sendProblem(reply, error);
    if (error.code === 'authentication_required') return reply.redirect(`/login?returnTo=${encodeURIComponent(request.url)}`, 303);
    const t = pageTranslator(request, deps);
    const message = pageMessage(t, error, raw);
    const body = () => html`<h1>${t('error.title')}</h1><p role="alert">${message}</p><p><a href="/">${t('error.back')}</a></p>`;
    const options = { title: t('error.title'), status: error.status };
    return request.chrome ? portalPage(request, reply, deps, options, body) : publicPage(request, reply, deps, options, body);
  });
  app.setNotFoundHandler(async (request) => {
    throw new AppError('not_found', `No route ${request.method} ${request.url.split('?')[0]}.`);
  });
}
