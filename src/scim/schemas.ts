// Discovery documents (RFC 7643 §5–7, RFC 7644 §4): what Blanca supports, as Entra reads it.
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './service.js';
import { MAX_OPERATIONS } from './patch.js';

export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const MAX_PAGE = 100;

export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: `${baseUrl.replace(/\/scim\/v2\/.*$/, '')}/api/v1/openapi.json`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [{ type: 'oauthbearertoken', name: 'Bearer token', description: `A SCIM token made on the SSO tab (Provisioning); PATCH accepts at most ${MAX_OPERATIONS} operations.`, primary: true }],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function resourceTypes(baseUrl: string) {
  return [
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'User', name: 'User', endpoint: '/Users', description: 'A person: a white-label user (SSO type User 1:1) or an SSO subaccount (Subaccount 1:n)', schema: USER_SCHEMA, schemaExtensions: [{ schema: ENTERPRISE_SCHEMA, required: false }], meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` } },
    { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'], id: 'Group', name: 'Group', endpoint: '/Groups', description: 'In Subaccount (1:n), a group whose displayName matches a white-label user\'s SSO role value links its members to that user', schema: GROUP_SCHEMA, meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` } },
  ];
}

const attr = (name: string, type: string, extra: Record<string, unknown> = {}) => ({ name, type, multiValued: false, required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none', ...extra });
const multi = (name: string, subAttributes: unknown[]) => ({ ...attr(name, 'complex'), multiValued: true, subAttributes });

export function schemaDocuments(baseUrl: string) {
  const user = {
    id: USER_SCHEMA,
    name: 'User',
    description: 'User account',
    attributes: [
      attr('userName', 'string', { required: true, uniqueness: 'server' }),
      attr('externalId', 'string', { caseExact: true }),
      attr('displayName', 'string'),
      { ...attr('name', 'complex'), subAttributes: [attr('givenName', 'string'), attr('familyName', 'string'), attr('formatted', 'string')] },
      attr('active', 'boolean'),
      multi('emails', [attr('value', 'string'), attr('type', 'string'), attr('primary', 'boolean')]),
      multi('roles', [attr('value', 'string'), attr('display', 'string'), attr('type', 'string'), attr('primary', 'boolean')]),
    ],
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${USER_SCHEMA}` },
  };
  const group = {
    id: GROUP_SCHEMA,
    name: 'Group',
    description: 'Group',
    attributes: [attr('displayName', 'string', { required: true, uniqueness: 'server' }), attr('externalId', 'string', { caseExact: true }), multi('members', [attr('value', 'string', { mutability: 'immutable' }), { ...attr('$ref', 'reference'), referenceTypes: ['User'] }])],
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${GROUP_SCHEMA}` },
  };
  const enterprise = { id: ENTERPRISE_SCHEMA, name: 'EnterpriseUser', description: 'Enterprise user (stored and returned as sent)', attributes: [attr('employeeNumber', 'string'), attr('department', 'string')], meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${ENTERPRISE_SCHEMA}` } };
  return [user, group, enterprise].map((s) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'], ...s }));
}

export const listResponse = (resources: unknown[], total: number, startIndex: number) => ({ schemas: [LIST_SCHEMA], totalResults: total, startIndex, itemsPerPage: resources.length, Resources: resources });
