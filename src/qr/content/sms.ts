import { Type, type Static } from '@sinclair/typebox';
import { compactPhoneNumber, PhoneNumber } from './phone-number.js';

export const SmsFields = Type.Object(
  {
    phone: PhoneNumber,
    message: Type.Optional(
      Type.String({ title: 'Message', description: 'Text placed in the message, which the person can still edit before sending.', maxLength: 500 }),
    ),
  },
  { additionalProperties: false },
);
export type SmsFields = Static<typeof SmsFields>;

// SMSTO ends at the second colon: everything after it is the message, so nothing needs escaping.
export function encodeSms(fields: SmsFields): string {
  return `SMSTO:${compactPhoneNumber(fields.phone)}:${fields.message ?? ''}`;
}
