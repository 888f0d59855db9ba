import { Type } from '@sinclair/typebox';

export const DomainView = Type.Object({
  domain: Type.String(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('verified')], { description: 'Only verified domains send people from the shared sign-in page to this account' }),
  record: Type.Object({ name: Type.String(), type: Type.Literal('TXT'), value: Type.String() }, { description: 'The DNS TXT record to create at the domain itself to verify it' }),
  verifiedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  verifiedBy: Type.Union([Type.String(), Type.Null()]),
  checkedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastCheckError: Type.Union([Type.String(), Type.Null()]),
});

export const DomainBody = Type.Object({ domain: Type.String({ minLength: 1, maxLength: 253, errorMessage: 'Use a domain such as example.com.' }) }, { additionalProperties: false });
export const DomainParams = Type.Object({ domain: Type.String({ minLength: 1, maxLength: 253 }) });
