import { Type, type Static } from '@sinclair/typebox';
import { compactPhoneNumber, PhoneNumber } from './phone-number.js';

export const PhoneFields = Type.Object({ phone: PhoneNumber }, { additionalProperties: false });
export type PhoneFields = Static<typeof PhoneFields>;

export function encodePhone(fields: PhoneFields): string {
  return `tel:${compactPhoneNumber(fields.phone)}`;
}
