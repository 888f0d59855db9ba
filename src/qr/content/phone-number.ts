import { Type } from '@sinclair/typebox';

export const PhoneNumber = Type.String({
  title: 'Phone number',
  description: 'Phone number, best in international form with the country code. Spaces, dots, dashes and brackets are allowed; they are left out of the code.',
  minLength: 3,
  maxLength: 32,
  pattern: '^\\+?[0-9(][0-9 ().-]*[0-9]$',
  errorMessage: 'Use digits with an optional leading +, such as +34 600 123 456.',
  examples: ['+34 600 123 456'],
});

/** Dialers and SMS apps expect bare digits; separators only help people read the form. */
export function compactPhoneNumber(number: string): string {
  return number.replace(/[ ().-]/g, '');
}
