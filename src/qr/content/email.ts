import { Type, type Static } from '@sinclair/typebox';

export const EmailFields = Type.Object(
  {
    to: Type.String({ title: 'Email address', description: 'Recipient of the email.', format: 'email', maxLength: 254, examples: ['hello@example.com'] }),
    subject: Type.Optional(Type.String({ title: 'Subject', description: 'Subject line filled in for the person.', maxLength: 200 })),
    body: Type.Optional(Type.String({ title: 'Message', description: 'Body text filled in for the person; line breaks are kept.', maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type EmailFields = Static<typeof EmailFields>;

/** RFC 6068: a line break in a mailto body is written as %0D%0A. */
function encodeMailtoValue(value: string): string {
  return encodeURIComponent(value.replace(/\r\n|\r|\n/g, '\r\n'));
}

export function encodeEmail(fields: EmailFields): string {
  // These three would otherwise end the address or start the query in a mailto URI.
  const to = fields.to.replace(/[%?#]/g, (c) => encodeURIComponent(c));
  const query = [
    fields.subject ? `subject=${encodeMailtoValue(fields.subject)}` : '',
    fields.body ? `body=${encodeMailtoValue(fields.body)}` : '',
  ].filter(Boolean);
  return `mailto:${to}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}
