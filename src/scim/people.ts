import { attribute, isObject, type Json, type Resource } from './patch.js';
import { invalidValue } from './errors.js';

// What a SCIM User says about the person, in Blanca's terms (Entra's default attribute mappings):
// displayName (else given + family name) → name; emails[type eq "work"] → email; roles → role values.
export interface ScimPerson {
  userName: string;
  externalId: string | null;
  name: string;
  email: string | null;
  roles: string[];
  active: boolean;
}

const text = (v: Json | undefined): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

export function emailOf(resource: Resource): string | null {
  const emails = attribute(resource, 'emails');
  if (!Array.isArray(emails)) return null;
  const items = emails.filter(isObject);
  const chosen = items.find((e) => String(attribute(e, 'type') ?? '').toLowerCase() === 'work') ?? items.find((e) => attribute(e, 'primary') === true || attribute(e, 'primary') === 'True') ?? items[0];
  const value = chosen ? text(attribute(chosen, 'value')) : null;
  if (value === null) return null;
  if (value.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(value)) throw invalidValue(`emails[type eq "work"].value ${JSON.stringify(value.slice(0, 60))} is not an email address.`);
  return value.toLowerCase();
}

/**
 * Role values from `roles`: Entra's AssertiveAppRoleAssignmentsComplex sends {value, display, type, primary};
 * AppRoleAssignmentsComplex sends the assignment as stringified JSON ({"id","value","displayName"}), one per item
 * or as one string holding an array. Each gives its `value` (else its display name).
 */
export function roleValuesOf(roles: Json | undefined): string[] {
  const found: string[] = [];
  const visit = (item: Json | undefined, depth: number): void => {
    if (depth > 6 || item === undefined || item === null || found.length >= 100) return;
    if (Array.isArray(item)) return item.forEach((i) => visit(i, depth + 1));
    if (typeof item === 'string') {
      const trimmed = item.trim();
      if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
        try {
          return visit(JSON.parse(trimmed) as Json, depth + 1);
        } catch {
          /* a plain value that happens to start with a bracket */
        }
      }
      if (trimmed) found.push(trimmed.slice(0, 120));
      return;
    }
    if (isObject(item)) {
      const value = attribute(item, 'value');
      if (typeof value === 'string' && value.trim()) return visit(value, depth + 1);
      const display = text(attribute(item, 'display')) ?? text(attribute(item, 'displayName'));
      if (display) found.push(display.slice(0, 120));
    }
  };
  visit(roles, 0);
  return [...new Set(found)];
}

export function personOf(resource: Resource, active: boolean): ScimPerson {
  const userName = text(attribute(resource, 'userName'));
  if (!userName) throw invalidValue('"userName" is required.');
  const nameObject = attribute(resource, 'name');
  const given = isObject(nameObject) ? text(attribute(nameObject, 'givenName')) : null;
  const family = isObject(nameObject) ? text(attribute(nameObject, 'familyName')) : null;
  const formatted = isObject(nameObject) ? text(attribute(nameObject, 'formatted')) : null;
  const name = text(attribute(resource, 'displayName')) ?? ([given, family].filter(Boolean).join(' ') || formatted || userName);
  return { userName, externalId: text(attribute(resource, 'externalId')), name: name.slice(0, 80), email: emailOf(resource), roles: roleValuesOf(attribute(resource, 'roles')), active };
}
