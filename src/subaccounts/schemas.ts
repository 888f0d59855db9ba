import { Type, type Static } from '@sinclair/typebox';

export const SUBACCOUNT_ROLES = ['admin', 'manager', 'team_leader', 'sso'] as const;
const Role = Type.Union(SUBACCOUNT_ROLES.map((r) => Type.Literal(r)), { description: 'admin: everything; manager: everything but account settings, SSO and branding; team_leader: only assigned users; sso: made by SSO 1:n' });

export const CreateSubaccountBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254, errorMessage: 'Enter a valid email address.' }),
    name: Type.String({ minLength: 1, maxLength: 80, pattern: '\\S', errorMessage: 'Enter a name of 1 to 80 characters.' }),
    role: Role,
    password: Type.Optional(Type.String({ minLength: 10, maxLength: 200, errorMessage: 'Use at least 10 characters.' })),
    userIds: Type.Array(Type.String({ maxLength: 64 }), { default: [], maxItems: 1000, uniqueItems: true, description: 'White-label users a team leader may work as' }),
  },
  { additionalProperties: false },
);
export type CreateSubaccountInput = Static<typeof CreateSubaccountBody>;

export const UpdateSubaccountBody = Type.Partial(CreateSubaccountBody, { additionalProperties: false, minProperties: 1 });
export type UpdateSubaccountInput = Static<typeof UpdateSubaccountBody>;

export const SubaccountView = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Role,
  isOwner: Type.Boolean(),
  twoFactorEnabled: Type.Boolean(),
  createdBySso: Type.Boolean(),
  userIds: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
});
export type SubaccountView = Static<typeof SubaccountView>;
