import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { invalid } from '../platform/errors.js';
import { fieldNameProblem, MAX_FIELD_NAME_LENGTH, MAX_FORM_FIELDS } from '../platform/input-limits.js';
import { CONTENT_SCHEMAS, CONTENT_TYPES, type ContentType } from './content/index.js';

// Portal forms and CSV rows arrive as flat strings named like the JSON paths of the API
// ("address.city", "phones[0].number"). These helpers turn them into the API's shapes so
// that one parser (schemas.ts) validates all three doors alike.

/**
 * {"a.b": "1", "c[0].d": "x"} → {a: {b: "1"}, c: [{d: "x"}]}; empty strings mean "not given".
 * Names are bounded first (length, parts, index): "x[1000000000]" would make a sparse array
 * that takes tens of seconds to walk.
 */
export function unflatten(flat: Record<string, string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const entries = Object.entries(flat);
  if (entries.length > MAX_FORM_FIELDS) throw invalid('(body)', `At most ${MAX_FORM_FIELDS} fields are accepted.`);
  for (const [path, value] of entries) {
    const problem = fieldNameProblem(path);
    if (problem) throw invalid(path.slice(0, MAX_FIELD_NAME_LENGTH), problem);
    if (value === '') continue;
    const parts = path.match(/[^.[\]]+/g);
    if (!parts || parts.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) continue;
    let node: Record<string, unknown> | unknown[] = root;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const key: string | number = /^\d+$/.test(part) ? Number(part) : part;
      const container = node as Record<string | number, unknown>;
      if (last) container[key] = value;
      else {
        container[key] ??= /^\d+$/.test(parts[i + 1] ?? '') ? [] : {};
        node = container[key] as Record<string, unknown>;
      }
    });
  }
  // Arrays from forms can have holes (row 0 empty, row 1 filled): close them up.
  const compact = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(compact);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compact(v)]));
    return value;
  };
  return compact(root) as Record<string, unknown>;
}

interface ListSchema { type?: string; items?: { type?: string; properties?: Record<string, { anyOf?: Array<{ const?: unknown }> }> } }

/**
 * A form row always sends its choice (a phone's type) even when left empty; a row of a list
 * that holds nothing but choices is an unused row, not a half-filled one, so it is left out.
 */
function dropChoiceOnlyRows(schema: TSchema, raw: Record<string, unknown>): Record<string, unknown> {
  const properties = (schema as { properties?: Record<string, ListSchema> }).properties ?? {};
  for (const [key, list] of Object.entries(properties)) {
    const value = raw[key];
    const itemProps = list.items?.properties;
    if (list.type !== 'array' || !itemProps || !Array.isArray(value)) continue;
    const isChoice = (k: string) => itemProps[k]?.anyOf?.every((o) => o.const !== undefined) ?? false;
    const kept = value.filter((row) => !(row && typeof row === 'object' && Object.keys(row).every(isChoice)));
    if (kept.length) raw[key] = kept;
    else delete raw[key];
  }
  return raw;
}

export function isContentType(value: unknown): value is ContentType {
  return typeof value === 'string' && (CONTENT_TYPES as string[]).includes(value);
}

/** Form strings → the numbers and booleans the chosen content type expects (validation comes after). */
export function contentFromFlat(type: unknown, flat: Record<string, string>): unknown {
  if (!isContentType(type)) return { type };
  const raw = dropChoiceOnlyRows(CONTENT_SCHEMAS[type], { ...unflatten(flat), type });
  return Value.Convert(CONTENT_SCHEMAS[type], raw);
}
