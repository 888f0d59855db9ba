import type { ValueError } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/value';
import type { FieldError } from '../../platform/errors.js';
import { fieldPath } from '../../platform/validation.js';

export type { FieldError };

/** The schema keywords error messages are built from (also read by the portal's translations). */
export interface DescribedSchema {
  title?: string;
  description?: string;
  errorMessage?: string;
  format?: string;
  pattern?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  anyOf?: { const?: unknown }[];
  const?: unknown;
}

const FORMAT_MESSAGES: Record<string, (label: string) => string> = {
  email: (label) => `${label} is not an email address; use the form name@example.com.`,
  'date-time': (label) => `${label} must be a date and time with its UTC offset, such as 2025-05-01T18:00:00+02:00.`,
};

/** The field's own title when the schema has one ("Network name"), else its key. */
function labelOf(error: ValueError): string {
  const schema = error.schema as DescribedSchema;
  if (schema.title) return schema.title;
  const key = error.path.split('/').filter((part) => part !== '' && !/^\d+$/.test(part)).pop();
  return key ? `"${key}"` : 'The value';
}

function describe(error: ValueError): string {
  const schema = error.schema as DescribedSchema;
  const label = labelOf(error);
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return `${label} is required.`;
    case ValueErrorType.ObjectAdditionalProperties:
      return `${labelOfUnknown(error.path)} is not a field of this form.`;
    case ValueErrorType.StringMinLength:
      return schema.minLength === 1 ? `${label} must not be empty.` : `${label} must be at least ${schema.minLength} characters.`;
    case ValueErrorType.StringMaxLength:
      return `${label} must be at most ${schema.maxLength} characters.`;
    case ValueErrorType.StringPattern:
      return schema.errorMessage ?? `${label} is not in the expected form.`;
    case ValueErrorType.StringFormat:
      return FORMAT_MESSAGES[schema.format ?? '']?.(label) ?? `${label} is not a valid ${schema.format}.`;
    case ValueErrorType.String:
      return `${label} must be text.`;
    case ValueErrorType.Number:
    case ValueErrorType.Integer:
      return `${label} must be a ${error.type === ValueErrorType.Integer ? 'whole ' : ''}number.`;
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerMaximum:
      return schema.minimum !== undefined && schema.maximum !== undefined
        ? `${label} must be between ${schema.minimum} and ${schema.maximum}.`
        : `${label} must be ${schema.minimum !== undefined ? `at least ${schema.minimum}` : `at most ${schema.maximum}`}.`;
    case ValueErrorType.Boolean:
      return `${label} must be true or false.`;
    case ValueErrorType.Literal:
      return `${label} must be ${JSON.stringify(schema.const)}.`;
    case ValueErrorType.Union: {
      const choices = schema.anyOf?.map((option) => option.const);
      return choices?.every((choice) => typeof choice === 'string')
        ? `${label} must be one of: ${choices.join(', ')}.`
        : `${label} is not valid.`;
    }
    case ValueErrorType.Array:
      return `${label} must be a list.`;
    case ValueErrorType.ArrayMaxItems:
      return `${label} can have at most ${schema.maxItems} entries.`;
    case ValueErrorType.ArrayMinItems:
      return `${label} needs at least ${schema.minItems} entries.`;
    case ValueErrorType.Object:
      return `${label} must be an object.`;
    default:
      return `${label}: ${error.message}.`;
  }
}

function labelOfUnknown(pointer: string): string {
  return `"${fieldPath(pointer)}"`;
}

/**
 * Turns TypeBox errors into one sentence per field, first error wins, so a form can show
 * each message next to its field and an API client can still match on the path.
 */
export function toFieldErrors(errors: Iterable<ValueError>): FieldError[] {
  const result: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const path = fieldPath(error.path);
    if (seen.has(path)) continue;
    seen.add(path);
    result.push({ path, message: describe(error) });
  }
  return result;
}
