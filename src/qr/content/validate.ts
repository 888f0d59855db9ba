import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import './formats.js';
import { checkEvent } from './event.js';
import { toFieldErrors, type FieldError } from './field-errors.js';
import { fitsInQrCode, payloadCapacity } from './payload-capacity.js';
import { CONTENT_SCHEMAS, CONTENT_TYPES, encodeContent, type ContentType, type QrContent } from './qr-content.js';
import { checkUrl } from './url.js';
import { checkVcard } from './vcard.js';
import { checkWifi } from './wifi.js';

export type ContentValidation = { ok: true; content: QrContent } | { ok: false; errors: FieldError[] };

type Checkers = { [K in ContentType]: TypeCheck<(typeof CONTENT_SCHEMAS)[K]> };

// Compiled once per process: the schemas are constants and checking is on every save.
const checkers = Object.fromEntries(CONTENT_TYPES.map((type) => [type, TypeCompiler.Compile(CONTENT_SCHEMAS[type])])) as Checkers;

/** Rules a JSON schema cannot say: cross-field rules, byte lengths, what a URL parser accepts. */
function semanticErrors(content: QrContent): FieldError[] {
  switch (content.type) {
    case 'url':
      return checkUrl(content);
    case 'vcard':
      return checkVcard(content);
    case 'wifi':
      return checkWifi(content);
    case 'event':
      return checkEvent(content);
    default:
      return [];
  }
}

function isContentType(value: unknown): value is ContentType {
  return typeof value === 'string' && (CONTENT_TYPES as string[]).includes(value);
}

/**
 * Checks untrusted input (API body, form, CSV row) and returns either content that
 * encodeContent accepts or one readable message per field, with paths like "phones[0].number".
 */
export function validateContent(input: unknown): ContentValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: [{ path: '', message: 'Content must be an object with a "type" field.' }] };
  }
  const type = (input as { type?: unknown }).type;
  if (!isContentType(type)) {
    return { ok: false, errors: [{ path: 'type', message: `Type must be one of: ${CONTENT_TYPES.join(', ')}.` }] };
  }
  const checker = checkers[type] as TypeCheck<(typeof CONTENT_SCHEMAS)[ContentType]>;
  if (!checker.Check(input)) {
    return { ok: false, errors: toFieldErrors(checker.Errors(input)) };
  }
  const content = input as QrContent;
  const errors = semanticErrors(content);
  if (errors.length > 0) return { ok: false, errors };
  const payload = encodeContent(content);
  if (!fitsInQrCode(payload, 'L')) {
    const bytes = Buffer.byteLength(payload, 'utf8');
    return {
      ok: false,
      errors: [{ path: '', message: `This is too much for one QR code: ${bytes} bytes once encoded, at most ${payloadCapacity('L')}. Shorten the text.` }],
    };
  }
  return { ok: true, content };
}
