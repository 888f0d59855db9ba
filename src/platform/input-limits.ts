import type { FieldError } from './errors.js';

// Every parser of request input is bounded before it does any work; each bound is one named
// constant here and listed in the README (Security → Input limits). Going over a size limit is 413,
// going over any other limit is 400 with the field and the limit named.

/** Largest request body (JSON, form, SAML POST binding). */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Largest uploaded file (a logo, a bulk CSV) in a multipart form. */
export const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;
/** Files in one multipart form. */
export const MAX_UPLOAD_FILES = 2;
/** Fields in one form body or query string (a field sent twice counts twice). */
export const MAX_FORM_FIELDS = 200;
/** Characters in a field name (form, query, JSON property). */
export const MAX_FIELD_NAME_LENGTH = 100;
/** Parts of a structured form field name: `phones[0].number` has 3. */
export const MAX_FIELD_NAME_PARTS = 4;
/** Largest index in a form field name such as `phones[9].number`. */
export const MAX_FIELD_INDEX = 99;
/** Nesting of arrays and objects in a JSON body. */
export const MAX_JSON_DEPTH = 16;
/** Data rows in one bulk CSV (the header line is not counted). */
export const MAX_CSV_ROWS = 5000;
/** Columns in one bulk CSV. */
export const MAX_CSV_COLUMNS = 50;
/** Characters in one CSV cell. */
export const MAX_CSV_CELL_CHARS = 8192;
/** Characters in a redirect target (`returnTo`, RelayState); longer ones are replaced by the start page. */
export const MAX_LOCAL_PATH_LENGTH = 2000;
/** Largest paging offset (`offset`). */
export const MAX_OFFSET = 1_000_000;
/** Largest epoch-millisecond instant (`before`): the last instant a JavaScript Date can hold. */
export const MAX_EPOCH_MS = 8_640_000_000_000_000;

/**
 * NUL (PostgreSQL text cannot hold it), the Unicode non-characters (U+FDD0–U+FDEF and the last
 * two code points of every plane, U+FFFE, U+FFFF…) and lone surrogates (not encodable as UTF-8).
 * With the `u` flag a surrogate class matches only unpaired halves.
 */
const FORBIDDEN_CHARACTER = /[\0\p{Noncharacter_Code_Point}\p{Cs}]/u;
/** The same by UTF-16 code unit, without the `u` flag's cost: every surrogate, paired or not, is a suspect. */
const SUSPECT_CODE_UNIT = /[\0\uD800-\uDFFF\uFDD0-\uFDEF\uFFFE\uFFFF]/;

/** "U+0000" for the first character no text may hold, or null. */
export function forbiddenCharacter(text: string): string | null {
  if (!SUSPECT_CODE_UNIT.test(text)) return null;
  const match = FORBIDDEN_CHARACTER.exec(text);
  if (!match) return null;
  return `U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Why a form field or CSV column name is refused (too long, too deep, too large an index), or null. */
export function fieldNameProblem(name: string): string | null {
  if (name.length > MAX_FIELD_NAME_LENGTH) return `Field names have at most ${MAX_FIELD_NAME_LENGTH} characters.`;
  const parts = name.match(/[^.[\]]+/g) ?? [];
  if (parts.length > MAX_FIELD_NAME_PARTS) return `Field names have at most ${MAX_FIELD_NAME_PARTS} parts (such as phones[0].number).`;
  if (parts.some((part) => /^\d+$/.test(part) && (part.length > 2 || Number(part) > MAX_FIELD_INDEX))) return `Indexes in field names go from 0 to ${MAX_FIELD_INDEX}.`;
  return null;
}

/** A refused input: the field (path as people read it), the message, and which limit it hit. */
export interface InputProblem extends FieldError {
  limit: 'character' | 'fieldName' | 'fieldCount' | 'depth' | 'number' | 'repeated';
  /** The refused character (U+XXXX) when `limit` is 'character'. */
  character?: string;
}

const shown = (path: string) => (path.length > 60 ? `${path.slice(0, 60)}…` : path) || '(body)';
const childPath = (parent: string, key: string | number) => (typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key);

const notFinite = (path: string): InputProblem => ({ path: shown(path), message: 'Enter a finite number.', limit: 'number' });

/**
 * A number that is not finite, or null. JSON has none, but "1e400" parses to Infinity, and
 * Ajv's type coercion turns the text "Infinity" into Infinity and then skips `minimum` and
 * `maximum` (they apply to finite numbers only): checked again after validation.
 */
export function nonFiniteNumber(input: unknown): InputProblem | null {
  const stack: Array<{ value: unknown; path: string }> = [{ value: input, path: '' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return notFinite(path);
    } else if (Array.isArray(value)) value.forEach((item, i) => stack.push({ value: item, path: childPath(path, i) }));
    else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) for (const [key, child] of Object.entries(value)) stack.push({ value: child, path: childPath(path, key) });
  }
  return null;
}

/** More than MAX_FORM_FIELDS fields (a field sent n times counts n times) or a refused field name, or null. */
function formProblem(fields: Record<string, unknown>): InputProblem | null {
  let count = 0;
  for (const value of Object.values(fields)) count += Array.isArray(value) ? value.length : 1;
  if (count > MAX_FORM_FIELDS) return { path: '(body)', message: `At most ${MAX_FORM_FIELDS} fields are accepted; this request has ${count}.`, limit: 'fieldCount' };
  for (const name of Object.keys(fields)) {
    const problem = fieldNameProblem(name);
    if (problem) return { path: shown(name), message: problem, limit: 'fieldName' };
  }
  return null;
}

/**
 * The first refused thing in parsed input (query, params, form or JSON body), or null: a text or
 * a property name with a forbidden character, a property name over the length limit, nesting
 * deeper than MAX_JSON_DEPTH; for forms and query strings (`form`) also more than
 * MAX_FORM_FIELDS fields and structured names over their limits. Iterative, so a deep body cannot
 * overflow the stack; Buffers (uploaded files) are not text and are skipped.
 */
export function inputProblem(input: unknown, options: { form?: boolean } = {}): InputProblem | null {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: input, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const bad = forbiddenCharacter(value);
      if (bad) return { path: shown(path), message: `This text contains a character that is not allowed (${bad}).`, limit: 'character', character: bad };
      continue;
    }
    if (typeof value === 'number' && !Number.isFinite(value)) return notFinite(path);
    if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) continue;
    if (depth >= MAX_JSON_DEPTH) return { path: shown(path), message: `Values nest at most ${MAX_JSON_DEPTH} levels deep.`, limit: 'depth' };
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: childPath(path, i), depth: depth + 1 });
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      const bad = forbiddenCharacter(key);
      if (bad) return { path: '(field name)', message: `A field name contains a character that is not allowed (${bad}).`, limit: 'character', character: bad };
      if (key.length > MAX_FIELD_NAME_LENGTH) return { path: shown(childPath(path, key)), message: `Field names have at most ${MAX_FIELD_NAME_LENGTH} characters.`, limit: 'fieldName' };
      stack.push({ value: child, path: childPath(path, key), depth: depth + 1 });
    }
    if (depth === 0 && options.form) {
      const problem = formProblem(value as Record<string, unknown>);
      if (problem) return problem;
    }
  }
  return null;
}
