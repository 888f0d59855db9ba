import { Type, type Static } from '@sinclair/typebox';
import type { FieldError } from './field-errors.js';
import { normaliseWebAddress } from './web-address.js';

export const UrlFields = Type.Object(
  {
    url: Type.String({
      title: 'Web address',
      description: 'The http or https address the code opens; https:// is assumed when no scheme is given.',
      minLength: 1,
      maxLength: 2048,
      examples: ['https://example.com/spring-sale'],
    }),
  },
  { additionalProperties: false },
);
export type UrlFields = Static<typeof UrlFields>;

export function checkUrl(fields: UrlFields): FieldError[] {
  const result = normaliseWebAddress(fields.url);
  return result.ok ? [] : [{ path: 'url', message: result.message }];
}

export function encodeUrl(fields: UrlFields): string {
  const result = normaliseWebAddress(fields.url);
  if (!result.ok) throw new Error(`encodeUrl called with an unchecked address: ${result.message}`);
  return result.url;
}
