import type { FastifyInstance } from 'fastify';
import { parse as parseQueryString } from 'fast-querystring';
import { AppError } from '../platform/errors.js';
import { inputProblem, MAX_BODY_BYTES, MAX_FIELD_NAME_LENGTH, nonFiniteNumber, MAX_FORM_FIELDS, MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES, type InputProblem } from '../platform/input-limits.js';

/** A refused input; the portal shows it in the person's language (web/errors.ts). */
export class InputRefused extends AppError {
  constructor(readonly problem: InputProblem) {
    super('validation_failed', `${problem.path}: ${problem.message}`, [{ path: problem.path, message: problem.message }]);
  }
}

/** @fastify/multipart limits (busboy counts as it streams, so nothing over them is buffered). */
export const MULTIPART_LIMITS = {
  fileSize: MAX_UPLOAD_BYTES,
  files: MAX_UPLOAD_FILES,
  fields: MAX_FORM_FIELDS,
  parts: MAX_FORM_FIELDS + MAX_UPLOAD_FILES,
  fieldSize: MAX_BODY_BYTES,
} as const;

const isMultipart = (contentType: string | undefined) => /^\s*multipart\/form-data/i.test(contentType ?? '');

export function refuseBadInput(input: unknown, form: boolean): void {
  const problem = inputProblem(input, { form });
  if (problem) throw new InputRefused(problem);
}

/** A form body (application/x-www-form-urlencoded): the field count is checked before parsing. */
export function parseFormBody(text: string): Record<string, unknown> {
  let fields = text.length > 0 ? 1 : 0;
  for (let i = text.indexOf('&'); i !== -1 && fields <= MAX_FORM_FIELDS; i = text.indexOf('&', i + 1)) fields++;
  if (fields > MAX_FORM_FIELDS) throw new InputRefused({ path: '(body)', message: `At most ${MAX_FORM_FIELDS} fields are accepted.`, limit: 'fieldCount' });
  const form = parseQueryString(text) as Record<string, unknown>;
  refuseBadInput(form, true);
  return form;
}

/**
 * One door for every text that comes in, before schema validation or any handler reads it: the
 * query string and path parameters (the session hook looks accounts up by `?account=`), JSON and
 * form bodies as they are parsed, multipart forms once @fastify/multipart has read them; cookies
 * with such characters are dropped. Other headers need no check: Node refuses NUL in them and
 * reads them as Latin-1, which has no non-characters or surrogates.
 */
export function installInputGuard(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    json(request, body as string, (error, value) => {
      if (error) return done(error, undefined);
      try {
        refuseBadInput(value, false);
      } catch (refused) {
        return done(refused as Error, undefined);
      }
      done(null, value);
    });
  });
  app.addHook('onRequest', async (request) => {
    refuseBadInput(request.params, false);
    refuseBadInput(request.query, true);
    // A route without a query schema reads each parameter as one text; `?userId=a&userId=b` would be a list.
    if (!request.routeOptions.schema?.querystring) {
      const repeated = Object.entries(request.query as Record<string, unknown>).find(([, value]) => Array.isArray(value));
      if (repeated) throw new InputRefused({ path: repeated[0].slice(0, MAX_FIELD_NAME_LENGTH), message: 'Give this parameter once.', limit: 'repeated' });
    }
    // Cookies are percent-decoded, so they can hold anything; a bad one is treated as absent
    // (refusing the request would lock the person out for as long as the browser keeps it).
    const cookies = request.cookies as Record<string, string | undefined> | undefined;
    for (const [name, value] of Object.entries(cookies ?? {})) if (inputProblem({ [name]: value })) delete cookies![name];
  });
  app.addHook('preHandler', async (request) => {
    // Multipart bodies exist only after the plugin's own preValidation hook (in the QR scope).
    if (request.body !== undefined && request.body !== null && isMultipart(request.headers['content-type'])) refuseBadInput(request.body, true);
    // Schema validation may have coerced "Infinity" into a number past its bounds.
    const problem = nonFiniteNumber(request.params) ?? nonFiniteNumber(request.query) ?? nonFiniteNumber(request.body);
    if (problem) throw new InputRefused(problem);
  });
}
