import type { TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import type { FieldError } from '../platform/errors.js';
import type { MessageKey, Translate } from '../platform/i18n.js';
import { fieldPath } from '../platform/validation.js';
import { CONTENT_SCHEMAS, type ContentType } from './content/index.js';
import type { DescribedSchema } from './content/field-errors.js';
import { isContentType } from './form-input.js';
import { fieldTexts } from './form-views.js';
import type { QrFieldScope } from './messages.js';
import { QrDesign } from './render/index.js';

// The QR library and the API answer in English (API clients match on paths, not on words).
// The portal shows the same errors in the reader's language: schema errors are described
// again from the schema with the form's own labels, and the library's fixed sentences are
// looked up by their text. A sentence not known here stays English rather than getting lost;
// test/qr/form-messages.test.ts checks that the library still says what this file expects.

/** English sentence of the QR library or the API schemas → its portal text. */
const FIXED: Record<string, MessageKey> = {
  'Use digits with an optional leading +, such as +34 600 123 456.': 'qr.error.phoneNumber',
  'Give a first name, last name or organisation.': 'qr.error.vcardName',
  'Only http:// and https:// addresses can be used.': 'qr.error.urlScheme',
  'This is not a web address, e.g. https://example.com/page.': 'qr.error.urlInvalid',
  'The address must not contain a user name or password.': 'qr.error.urlCredentials',
  'The address needs a full domain name, e.g. example.com.': 'qr.error.urlDomain',
  'Network name must be at most 32 bytes; accented letters count as two.': 'qr.error.ssidBytes',
  'A WPA password has 8 to 63 characters (letters, digits, punctuation, no accents).': 'qr.error.wpaPassword',
  'A WEP key has 5 or 13 characters, or 10 or 26 hexadecimal digits.': 'qr.error.wepKey',
  'An open network has no password; choose WPA or WEP to use one.': 'qr.error.openPassword',
  'End must be after the start.': 'qr.error.eventEnd',
  'Logo must be a PNG, JPEG, WebP or SVG image.': 'qr.error.logoFormat',
  'Logo is not a valid image file.': 'qr.error.logoInvalid',
  'Logo is empty.': 'qr.error.logoEmpty',
  'Logo is not a valid PNG file.': 'qr.error.logoPng',
  'Logo is not an SVG file.': 'qr.error.logoSvg',
  'SVG logo must not contain a DOCTYPE or entities.': 'qr.error.svgDoctype',
  'SVG logo must not contain scripts.': 'qr.error.svgScript',
  'SVG logo must not link to other files; embed bitmaps as PNG or JPEG data URLs.': 'qr.error.svgLink',
  'SVG logo must not import style sheets.': 'qr.error.svgImport',
  'This field is required.': 'qr.error.fieldRequired',
  'Enter a name of 1 to 120 characters.': 'qr.error.name',
  'Use a folder name of 1 to 80 characters.': 'qr.error.folder',
  'A tag has 1 to 40 characters and no comma or |.': 'qr.error.tag',
  'Use at most 20 different tags.': 'qr.error.tags',
  'Use a date and time such as 2030-12-31T23:59:00Z.': 'qr.error.expiresAt',
};

/** English sentences with numbers in them: the groups become the parameters, in order. */
const PATTERNS: Array<[RegExp, MessageKey, string[]]> = [
  [/^This is too much for one QR code: (\d+) bytes once encoded, at most (\d+)\./, 'qr.error.tooMuch', ['bytes', 'max']],
  [/^Logo must be at most (\d+) KB\.$/, 'qr.error.logoSize', ['max']],
  [/^Logo must be at most (\d+) × (\d+) pixels\.$/, 'qr.error.logoPixels', ['width', 'height']],
];

const COLOUR_PATTERN = '^#[0-9a-fA-F]{6}$';


/** One sentence for one schema error, as content/field-errors.ts says it, in the reader's language. */
function describe(error: ValueError, scope: QrFieldScope, t: Translate): string {
  const schema = error.schema as DescribedSchema;
  const path = fieldPath(error.path);
  const texts = fieldTexts(t, scope, path, schema);
  const label = texts.label;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return t('qr.error.required', { label });
    case ValueErrorType.ObjectAdditionalProperties:
      return t('qr.error.unknownField', { label: `"${path}"` });
    case ValueErrorType.StringMinLength:
      return schema.minLength === 1 ? t('qr.error.empty', { label }) : t('qr.error.minLength', { label, min: schema.minLength ?? 0 });
    case ValueErrorType.StringMaxLength:
      return t('qr.error.maxLength', { label, max: schema.maxLength ?? 0 });
    case ValueErrorType.StringPattern: {
      const fixed = schema.errorMessage ? FIXED[schema.errorMessage] : undefined;
      if (fixed) return t(fixed);
      if (schema.pattern === COLOUR_PATTERN) return t('qr.error.colour', { label, example: String(schema.default ?? '#000000') });
      return t('qr.error.pattern', { label });
    }
    case ValueErrorType.StringFormat:
      if (schema.format === 'email') return t('qr.error.email', { label });
      if (schema.format === 'date-time') return t('qr.error.dateTime', { label });
      return t('qr.error.format', { label });
    case ValueErrorType.String:
      return t('qr.error.text', { label });
    case ValueErrorType.Number:
      return t('qr.error.number', { label });
    case ValueErrorType.Integer:
      return t('qr.error.integer', { label });
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerMaximum:
      if (schema.minimum !== undefined && schema.maximum !== undefined) return t('qr.error.between', { label, min: schema.minimum, max: schema.maximum });
      return schema.minimum !== undefined ? t('qr.error.atLeast', { label, min: schema.minimum }) : t('qr.error.atMost', { label, max: schema.maximum ?? 0 });
    case ValueErrorType.Boolean:
      return t('qr.error.boolean', { label });
    case ValueErrorType.Union: {
      const choices = schema.anyOf?.map((option) => option.const);
      return choices?.every((choice) => typeof choice === 'string')
        ? t('qr.error.oneOf', { label, choices: choices.map((choice) => texts.option(choice)).join(', ') })
        : t('qr.error.invalid', { label });
    }
    case ValueErrorType.Array:
      return t('qr.error.list', { label });
    case ValueErrorType.ArrayMaxItems:
      return t('qr.error.maxItems', { label, max: schema.maxItems ?? 0 });
    case ValueErrorType.ArrayMinItems:
      return t('qr.error.minItems', { label, min: schema.minItems ?? 0 });
    default:
      return t('qr.error.invalid', { label });
  }
}

/** Form name ("c.phones[0].number") → sentence, first error per field as in toFieldErrors. */
function schemaMessages(scope: QrFieldScope, schema: TSchema, value: unknown, prefix: string, t: Translate): Map<string, string> {
  const out = new Map<string, string>();
  if (Value.Check(schema, value)) return out;
  for (const error of Value.Errors(schema, value)) {
    const name = `${prefix}${fieldPath(error.path)}`;
    if (!out.has(name)) out.set(name, describe(error, scope, t));
  }
  return out;
}

function fixedMessage(message: string, t: Translate): string | undefined {
  const key = FIXED[message];
  if (key) return t(key);
  for (const [pattern, patternKey, names] of PATTERNS) {
    const match = pattern.exec(message);
    if (match) return t(patternKey, Object.fromEntries(names.map((name, i) => [name, match[i + 1] ?? ''])));
  }
  return undefined;
}

/**
 * The errors of a portal form (paths "c.…", "d.…", "name"…) in the reader's language.
 * `content` and `design` are what the form sent to parseCreateCode / parseUpdateCode.
 */
export function localizeFormErrors(errors: FieldError[], sent: { content?: unknown; design?: unknown }, t: Translate): FieldError[] {
  if (errors.length === 0) return errors;
  const type = (sent.content as { type?: unknown } | undefined)?.type;
  const messages = new Map<string, string>();
  if (isContentType(type)) {
    for (const [name, message] of schemaMessages(type satisfies ContentType, CONTENT_SCHEMAS[type], sent.content, 'c.', t)) messages.set(name, message);
  }
  if (sent.design && typeof sent.design === 'object') {
    // An edit sends logo: null to remove the logo; the saved-design schema has no null.
    const design = Object.fromEntries(Object.entries(sent.design).filter(([, value]) => value !== null));
    for (const [name, message] of schemaMessages('design', QrDesign, design, 'd.', t)) messages.set(name, message);
  }
  return errors.map((error) => ({ ...error, message: messages.get(error.path) ?? fixedMessage(error.message, t) ?? error.message }));
}
