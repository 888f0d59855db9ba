import type { Static, TSchema } from '@sinclair/typebox';
import { Value, type ValueError } from '@sinclair/typebox/value';
import { AppError, type FieldError } from './errors.js';

/** "/features/0" → "features[0]": the field path people and API clients read. */
export function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .filter(Boolean)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

function messageFor(error: ValueError): string {
  const schema = error.schema as { description?: string; errorMessage?: string };
  return schema.errorMessage ?? error.message;
}

/**
 * Validates untyped input (a portal form, a CSV row) against the same TypeBox schema
 * the API uses, converting form strings to numbers and booleans first.
 */
export function parseInput<S extends TSchema>(schema: S, input: unknown): Static<S> {
  const converted = Value.Default(schema, Value.Convert(schema, Value.Clone(input)));
  const cleaned = Value.Clean(schema, converted);
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, cleaned)) {
    const path = fieldPath(error.path) || '(body)';
    if (seen.has(path)) continue;
    seen.add(path);
    errors.push({ path, message: messageFor(error) });
  }
  if (errors.length > 0) throw new AppError('validation_failed', errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors);
  return cleaned as Static<S>;
}
