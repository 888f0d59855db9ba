import { Nullable } from '../platform/schema.js';
import { Type, type Static } from '@sinclair/typebox';
import { ROLE_VALUE_PATTERN } from './role-values.js';

export const USER_FEATURES = ['static_codes', 'dynamic_codes', 'design', 'bulk_create', 'analytics', 'api_access'] as const;
export type UserFeature = (typeof USER_FEATURES)[number];

const Feature = Type.Union(USER_FEATURES.map((f) => Type.Literal(f)), { description: 'A feature the user may use' });

const Name = Type.String({ minLength: 1, maxLength: 80, pattern: '\\S', description: 'Shown in the portal', errorMessage: 'Enter a name of 1 to 80 characters.' });
const Email = Type.String({ format: 'email', maxLength: 254, errorMessage: 'Enter a valid email address.' });
const Username = Type.String({ minLength: 3, maxLength: 64, pattern: '^[A-Za-z0-9._@+-]+$', description: 'Sign-in name for password sign-in', errorMessage: 'Use 3 to 64 letters, digits or . _ @ + -' });
const Password = Type.String({ minLength: 10, maxLength: 200, errorMessage: 'Use at least 10 characters.' });
const RoleValue = Type.String({ minLength: 1, maxLength: 64, pattern: ROLE_VALUE_PATTERN, description: 'SSO role value: the Entra app-role value that gives access to this user in SSO 1:n (default: the name without spaces, e.g. CustomerService); compared ignoring case and the separators space _ - .', errorMessage: 'Use 1 to 64 letters, digits or . _ - (no spaces), starting with a letter or digit.' });
const Domain = Type.String({ maxLength: 253, pattern: '^([a-z0-9-]+\\.)+[a-z]{2,}$', description: 'Short-link domain for dynamic codes', errorMessage: 'Enter a domain such as qr.example.com.' });

export const CreateUserBody = Type.Object(
  {
    name: Name,
    email: Type.Optional(Nullable(Email)),
    username: Type.Optional(Nullable(Username)),
    password: Type.Optional(Password),
    maxCodes: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 100, description: 'Maximum number of QR codes', errorMessage: 'Enter a whole number from 0 to 1000000.' }),
    features: Type.Array(Feature, { default: [...USER_FEATURES], uniqueItems: true, maxItems: USER_FEATURES.length }),
    shortDomain: Type.Optional(Nullable(Domain)),
    ssoRoleValue: Type.Optional(RoleValue),
  },
  { additionalProperties: false },
);
export type CreateUserInput = Static<typeof CreateUserBody>;

export const UpdateUserBody = Type.Partial(
  Type.Object({ ...CreateUserBody.properties, active: Type.Boolean({ description: 'false: nobody can sign in to this space (its codes keep working); true: hand a space SCIM left behind to someone else. Not for a user SCIM provisioning still manages.' }) }, { additionalProperties: false }),
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUserInput = Static<typeof UpdateUserBody>;

export const UserView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Nullable(Type.String()),
  username: Nullable(Type.String()),
  maxCodes: Type.Integer(),
  features: Type.Array(Type.String()),
  shortDomain: Nullable(Type.String()),
  canSignIn: Type.Boolean({ description: 'Has a user name and password' }),
  createdBySso: Type.Boolean(),
  ssoRoleValue: Type.String({ description: 'The app-role value that gives access to this user in SSO 1:n' }),
  active: Type.Boolean({ description: 'false while SCIM provisioning has deactivated the person (no sign-in, no API token)' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
export type UserView = Static<typeof UserView>;
