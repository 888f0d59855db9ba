import { parse, type Filter } from 'scim2-parse-filter';
import { ScimError } from './errors.js';
import type { Conditions } from './store.js';

// Filters (RFC 7644 §3.4.2.2) are parsed by scim2-parse-filter; Blanca then accepts only what Entra's
// provisioning service sends — equality on an indexed attribute, joined with `and` — and answers
// 400 invalidFilter for anything else, so no filter can turn into a scan of the account.
export const MAX_FILTER_LENGTH = 1000;

const USER_ATTRIBUTES: Record<string, keyof Conditions> = { id: 'id', username: 'userNameKey', externalid: 'externalId', displayname: 'displayName' };
const GROUP_ATTRIBUTES: Record<string, keyof Conditions> = { id: 'id', displayname: 'displayName', externalid: 'externalId' };
const SCHEMA_PREFIX = /^urn:ietf:params:scim:schemas:core:2\.0:(user|group):/i;

const invalid = (detail: string) => new ScimError(400, detail, 'invalidFilter');

export function parseFilterText(text: string): Filter {
  if (text.length > MAX_FILTER_LENGTH) throw invalid(`The filter is ${text.length} characters long; at most ${MAX_FILTER_LENGTH} are accepted.`);
  try {
    return parse(text);
  } catch (error) {
    throw invalid(`The filter ${JSON.stringify(text.slice(0, 200))} is not valid SCIM filter syntax (${error instanceof Error ? error.message.slice(0, 120) : 'parse error'}).`);
  }
}

/** `userName eq "a" and externalId eq "b"` → { userNameKey: 'a', externalId: 'b' }. */
export function filterConditions(text: string | undefined, resource: 'User' | 'Group'): Conditions {
  if (text === undefined || text.trim() === '') return {};
  const allowed = resource === 'User' ? USER_ATTRIBUTES : GROUP_ATTRIBUTES;
  const conditions: Conditions = {};
  const visit = (node: Filter): void => {
    if (node.op === 'and') return node.filters.forEach(visit);
    if (node.op === '[]' && resource === 'Group' && node.attrPath.toLowerCase() === 'members' && node.valFilter.op === 'eq' && node.valFilter.attrPath.toLowerCase() === 'value' && typeof node.valFilter.compValue === 'string') {
      conditions.memberId = node.valFilter.compValue;
      return;
    }
    if (node.op !== 'eq') throw invalid(`Only "eq" comparisons joined with "and" are supported (got "${node.op}"); filter on ${Object.keys(allowed).join(', ')}.`);
    const name = node.attrPath.replace(SCHEMA_PREFIX, '').toLowerCase();
    const key = allowed[name];
    if (!key) throw invalid(`Filtering ${resource}s on "${node.attrPath}" is not supported; use ${resource === 'User' ? 'userName, externalId, displayName or id' : 'displayName, externalId, id or members[value eq "…"]'}.`);
    if (typeof node.compValue !== 'string') throw invalid(`"${node.attrPath}" must be compared with a string.`);
    const value = key === 'userNameKey' ? node.compValue.toLowerCase() : node.compValue;
    if (conditions[key] !== undefined && conditions[key] !== value) {
      conditions.id = '\u0000none'; // two different values for one attribute: nothing matches
      return;
    }
    conditions[key] = value;
  };
  visit(parseFilterText(text));
  return conditions;
}
