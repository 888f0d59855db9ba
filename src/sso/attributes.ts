// The input mapper of the article: SAML attribute names → Blanca's fields.
export const ENTRA_ROLE_CLAIM = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';

export interface AttributeNames {
  firstName: string;
  lastName: string;
  email: string;
  displayName: string;
  role: string;
}

/** Entra ID's claim names (`<namespace>/<name>`); role is the `Role` claim the article adds from user.assignedroles. */
export const ENTRA_ATTRIBUTES: AttributeNames = {
  firstName: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname',
  lastName: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname',
  email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  displayName: 'http://schemas.microsoft.com/identity/claims/displayname',
  role: 'Role',
};

/** Starting points for other IdPs; every field stays editable on the SSO tab. */
export const ATTRIBUTE_PRESETS: Record<string, { label: string; names: AttributeNames }> = {
  entra: { label: 'Microsoft Entra ID', names: ENTRA_ATTRIBUTES },
  adfs: { label: 'AD FS', names: { ...ENTRA_ATTRIBUTES, displayName: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name', role: ENTRA_ROLE_CLAIM } },
  okta: { label: 'Okta', names: { firstName: 'firstName', lastName: 'lastName', email: 'email', displayName: 'displayName', role: 'role' } },
  google: { label: 'Google Workspace', names: { firstName: 'firstName', lastName: 'lastName', email: 'email', displayName: 'displayName', role: 'role' } },
  keycloak: { label: 'Keycloak / Shibboleth (OIDs)', names: { firstName: 'urn:oid:2.5.4.42', lastName: 'urn:oid:2.5.4.4', email: 'urn:oid:0.9.2342.19200300.100.1.3', displayName: 'urn:oid:2.16.840.1.113730.3.1.241', role: 'Role' } },
};

export interface MappedPerson {
  nameId: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  /** The name Blanca shows: display name, else first + last, else email, else NameID. */
  name: string;
  roles: string[];
}

function first(attributes: Record<string, string[]>, name: string): string | null {
  const value = attributes[name]?.find((v) => v.trim() !== '');
  return value?.trim() ?? null;
}

export function mapAttributes(names: AttributeNames, nameId: string, attributes: Record<string, string[]>): MappedPerson {
  const firstName = first(attributes, names.firstName);
  const lastName = first(attributes, names.lastName);
  const emailValue = first(attributes, names.email);
  const email = emailValue && /^[^\s@]+@[^\s@]+$/.test(emailValue) ? emailValue.toLowerCase() : null;
  const displayName = first(attributes, names.displayName);
  const joined = [firstName, lastName].filter(Boolean).join(' ');
  // The configured role claim, and Entra's standard role claim as the article allows both.
  const roleValues = [...(attributes[names.role] ?? []), ...(names.role === ENTRA_ROLE_CLAIM ? [] : attributes[ENTRA_ROLE_CLAIM] ?? [])];
  const roles = [...new Set(roleValues.map((r) => r.trim()).filter(Boolean))];
  return { nameId, firstName, lastName, email, name: (displayName || joined || email || nameId).slice(0, 80), roles };
}
