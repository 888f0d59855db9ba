import { Nullable } from '../platform/schema.js';
import { Type, type Static } from '@sinclair/typebox';

const Color = Type.String({ pattern: '^#[0-9a-fA-F]{6}$', errorMessage: 'Use a colour such as #1d4ed8.' });
export const LOCALES = ['en', 'es'] as const;
export const Locale = Type.Union(LOCALES.map((l) => Type.Literal(l)));

export const UpdateAccountBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 80, pattern: '\\S', errorMessage: 'Enter a name of 1 to 80 characters.' })),
    logoUrl: Type.Optional(Nullable(Type.String({ maxLength: 2048, pattern: '^(https://[^/\\\\\\s]|/(?![/\\\\]))\\S*$', errorMessage: 'Use an https:// address or a path on this site (not //host or http://).' }))),
    primaryColor: Type.Optional(Color),
    accentColor: Type.Optional(Color),
    requireAdmin2fa: Type.Optional(Type.Boolean({ description: 'Administrators must use two-factor authentication' })),
    defaultLocale: Type.Optional(Locale),
    portalDomain: Type.Optional(Nullable(Type.String({ maxLength: 253, pattern: '^(?=.{4,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$', errorMessage: 'Use a host name such as qr.example.com (no https://, no path).', description: "The account's own portal host name; create a CNAME record from it to the platform's host" }))),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateAccountInput = Static<typeof UpdateAccountBody>;

export const AccountView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  slug: Type.String({ description: 'Typed on the sign-in page to reach this account' }),
  logoUrl: Nullable(Type.String()),
  primaryColor: Type.String(),
  accentColor: Type.String(),
  requireAdmin2fa: Type.Boolean(),
  defaultLocale: Locale,
  ssoEnabled: Type.Boolean({ description: 'Switched on by the platform operator (enterprise feature)' }),
  portalDomain: Nullable(Type.String({ description: "The account's own portal host name, or null" })),
});
export type AccountView = Static<typeof AccountView>;
