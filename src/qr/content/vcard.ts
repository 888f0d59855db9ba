import { Type, type Static } from '@sinclair/typebox';
import type { FieldError } from './field-errors.js';
import { compactPhoneNumber, PhoneNumber } from './phone-number.js';
import { normaliseWebAddress } from './web-address.js';

const PHONE_KINDS = ['cell', 'work', 'home', 'fax'] as const;

const Line = (title: string, description: string, maxLength = 100) => Type.Optional(Type.String({ title, description, maxLength }));

export const VcardFields = Type.Object(
  {
    firstName: Line('First name', 'Given name.'),
    lastName: Line('Last name', 'Family name(s).'),
    organization: Line('Organisation', 'Company or organisation; used as the display name when there is no person name.'),
    title: Line('Job title', 'Position within the organisation.'),
    phones: Type.Optional(
      Type.Array(
        Type.Object(
          {
            kind: Type.Union(
              PHONE_KINDS.map((kind) => Type.Literal(kind)),
              { title: 'Phone type', description: 'What the number is for.' },
            ),
            number: PhoneNumber,
          },
          { additionalProperties: false },
        ),
        { title: 'Phone numbers', maxItems: 5 },
      ),
    ),
    email: Type.Optional(Type.String({ title: 'Email address', description: 'Contact email address.', format: 'email', maxLength: 254 })),
    url: Type.Optional(Type.String({ title: 'Website', description: 'http or https address; https:// is assumed when no scheme is given.', maxLength: 2048 })),
    address: Type.Optional(
      Type.Object(
        {
          street: Line('Street', 'Street and number.', 200),
          city: Line('City', 'City or town.'),
          region: Line('Region', 'State, province or region.'),
          postalCode: Line('Postal code', 'Postal or ZIP code.', 20),
          country: Line('Country', 'Country name.'),
        },
        { title: 'Address', additionalProperties: false },
      ),
    ),
    note: Line('Note', 'Free text added to the contact.', 500),
  },
  { additionalProperties: false },
);
export type VcardFields = Static<typeof VcardFields>;

export function checkVcard(fields: VcardFields): FieldError[] {
  const errors: FieldError[] = [];
  // FN is mandatory in vCard 3.0, and a contact without a name is useless in an address book.
  if (!fields.firstName?.trim() && !fields.lastName?.trim() && !fields.organization?.trim()) {
    errors.push({ path: 'firstName', message: 'Give a first name, last name or organisation.' });
  }
  if (fields.url !== undefined && fields.url.trim() !== '') {
    const result = normaliseWebAddress(fields.url);
    if (!result.ok) errors.push({ path: 'url', message: result.message });
  }
  return errors;
}

/** RFC 2426 §5: text values escape backslash, comma and semicolon, and write line breaks as \n. */
export function escapeVcardText(value: string): string {
  return value.replace(/[\\,;]/g, (c) => `\\${c}`).replace(/\r\n|\r|\n/g, '\\n');
}

export function encodeVcard(fields: VcardFields): string {
  const text = (value: string | undefined) => escapeVcardText(value?.trim() ?? '');
  const displayName = [fields.firstName?.trim(), fields.lastName?.trim()].filter(Boolean).join(' ') || (fields.organization?.trim() ?? '');
  // Readers parse unfolded lines fine, and folding at 75 octets would only spend capacity.
  const lines = ['BEGIN:VCARD', 'VERSION:3.0', `N:${text(fields.lastName)};${text(fields.firstName)};;;`, `FN:${escapeVcardText(displayName)}`];
  if (fields.organization?.trim()) lines.push(`ORG:${text(fields.organization)}`);
  if (fields.title?.trim()) lines.push(`TITLE:${text(fields.title)}`);
  for (const phone of fields.phones ?? []) lines.push(`TEL;TYPE=${phone.kind.toUpperCase()}:${compactPhoneNumber(phone.number)}`);
  if (fields.email) lines.push(`EMAIL;TYPE=INTERNET:${text(fields.email)}`);
  if (fields.url?.trim()) {
    const result = normaliseWebAddress(fields.url);
    if (!result.ok) throw new Error(`encodeVcard called with an unchecked website: ${result.message}`);
    lines.push(`URL:${result.url}`); // a uri value, not text: commas in it stay as they are
  }
  const address = fields.address;
  if (address && Object.values(address).some((part) => part?.trim())) {
    lines.push(`ADR:;;${[address.street, address.city, address.region, address.postalCode, address.country].map(text).join(';')}`);
  }
  if (fields.note?.trim()) lines.push(`NOTE:${text(fields.note)}`);
  lines.push('END:VCARD');
  return lines.join('\r\n');
}
