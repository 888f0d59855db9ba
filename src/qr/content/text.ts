import { Type, type Static } from '@sinclair/typebox';

export const TextFields = Type.Object(
  {
    text: Type.String({
      title: 'Text',
      description: 'Plain text shown by the scanner as is. Any language; non-ASCII characters are encoded as UTF-8.',
      minLength: 1,
      maxLength: 2000,
    }),
  },
  { additionalProperties: false },
);
export type TextFields = Static<typeof TextFields>;

export function encodeText(fields: TextFields): string {
  return fields.text;
}
