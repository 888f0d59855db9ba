import type { Filter } from 'scim2-parse-filter';
import { ScimError } from './errors.js';
import { parseFilterText } from './filter.js';

// PATCH (RFC 7644 §3.5.2) applied to a resource's JSON, in both of Entra's dialects: the compliant one
// (`aadOptscim062020`) and the older one — capitalised op names, "True"/"False" strings, a member removal
// sent as `path: "members"` with the member in `value`, and updates without a path whose value object
// has attribute paths as keys ("name.givenName").
export const MAX_OPERATIONS = 100;
export const MAX_VALUES_PER_OPERATION = 1000;
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const CORE_SCHEMA = /^urn:ietf:params:scim:schemas:core:2\.0:(User|Group):/i;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Resource = Record<string, Json>;
export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string | undefined;
  value: Json | undefined;
}

const invalidPath = (detail: string) => new ScimError(400, detail, 'invalidPath');
const invalidValue = (detail: string) => new ScimError(400, detail, 'invalidValue');
const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks the PatchOp envelope and normalises each operation (op names in any case). */
export function parsePatchBody(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw new ScimError(400, 'The body must be a SCIM PatchOp JSON object.', 'invalidSyntax');
  const schemas = body.schemas;
  if (Array.isArray(schemas) && schemas.length > 0 && !schemas.includes(PATCH_SCHEMA)) throw new ScimError(400, `"schemas" must contain ${PATCH_SCHEMA}.`, 'invalidSyntax');
  const operations = body.Operations ?? body.operations;
  if (!Array.isArray(operations) || operations.length === 0) throw new ScimError(400, '"Operations" must be a non-empty array.', 'invalidSyntax');
  if (operations.length > MAX_OPERATIONS) throw new ScimError(400, `At most ${MAX_OPERATIONS} operations per request (got ${operations.length}).`, 'tooMany');
  return operations.map((raw, index) => {
    if (!isObject(raw)) throw new ScimError(400, `Operations[${index}] must be an object.`, 'invalidSyntax');
    const op = typeof raw.op === 'string' ? raw.op.toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw new ScimError(400, `Operations[${index}].op must be add, replace or remove (got ${JSON.stringify(raw.op)}).`, 'invalidSyntax');
    if (raw.path !== undefined && (typeof raw.path !== 'string' || raw.path.length > 500)) throw invalidPath(`Operations[${index}].path must be a string of at most 500 characters.`);
    if (Array.isArray(raw.value) && raw.value.length > MAX_VALUES_PER_OPERATION) throw new ScimError(400, `Operations[${index}].value has ${raw.value.length} values; at most ${MAX_VALUES_PER_OPERATION}.`, 'tooMany');
    if (op !== 'remove' && raw.value === undefined) throw invalidValue(`Operations[${index}] (${op}) needs a value.`);
    return { op, path: raw.path === '' ? undefined : (raw.path as string | undefined), value: raw.value };
  });
}

interface ParsedPath {
  /** Extension schema URN holding the attribute, or null for the core schema. */
  container: string | null;
  attribute: string;
  filter: Filter | null;
  sub: string | null;
}

export function parsePath(path: string): ParsedPath {
  let rest = path.replace(CORE_SCHEMA, '');
  let container: string | null = null;
  if (/^urn:/i.test(rest)) {
    // urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager — the attribute follows the last ':' outside brackets.
    const bracket = rest.indexOf('[');
    const head = bracket >= 0 ? rest.slice(0, bracket) : rest;
    const cut = head.lastIndexOf(':');
    if (cut < 0) throw invalidPath(`The path ${JSON.stringify(path)} names no attribute.`);
    container = rest.slice(0, cut);
    rest = rest.slice(cut + 1);
  }
  const match = /^([A-Za-z$][\w$-]*)(?:\[(.+)\])?(?:\.([A-Za-z$][\w$-]*))?$/s.exec(rest);
  if (!match) throw invalidPath(`The path ${JSON.stringify(path)} is not a SCIM attribute path.`);
  return { container, attribute: match[1]!, filter: match[2] ? parseFilterText(match[2]) : null, sub: match[3] ?? null };
}

/** The key of `name` in `object`, compared without case (SCIM attribute names are case-insensitive). */
function keyOf(object: Record<string, Json>, name: string): string {
  const lower = name.toLowerCase();
  return Object.keys(object).find((k) => k.toLowerCase() === lower) ?? name;
}

function get(object: Record<string, Json>, name: string): Json | undefined {
  return object[keyOf(object, name)];
}

function attributeOf(item: Record<string, Json>, name: string): Json | undefined {
  return get(item, name);
}

/** Value-filter match on one item of a multi-valued attribute; strings compare without case except "value". */
export function matches(item: Json, filter: Filter): boolean {
  if (!isObject(item)) return false;
  switch (filter.op) {
    case 'and':
      return filter.filters.every((f) => matches(item, f));
    case 'or':
      return filter.filters.some((f) => matches(item, f));
    case 'not':
      return !matches(item, filter.filter);
    case 'pr':
      return attributeOf(item, filter.attrPath) !== undefined && attributeOf(item, filter.attrPath) !== null;
    case '[]':
      return false;
    default: {
      const actual = attributeOf(item, filter.attrPath);
      const expected = filter.compValue;
      const caseExact = filter.attrPath.toLowerCase() === 'value';
      const norm = (v: unknown) => (typeof v === 'string' && !caseExact ? v.toLowerCase() : v);
      const a = norm(actual);
      const e = norm(typeof expected === 'string' && typeof actual === 'boolean' ? expected.toLowerCase() === 'true' : expected);
      if (filter.op === 'eq') return a === e;
      if (filter.op === 'ne') return a !== e;
      if (typeof a !== 'string' || typeof e !== 'string') return false;
      if (filter.op === 'co') return a.includes(e);
      if (filter.op === 'sw') return a.startsWith(e);
      if (filter.op === 'ew') return a.endsWith(e);
      return false;
    }
  }
}

/** `type eq "work"` → { type: 'work' }: the new item an add/replace creates when none matches. */
function itemFromFilter(filter: Filter): Record<string, Json> | null {
  if (filter.op === 'eq' && typeof filter.compValue === 'string') return { [filter.attrPath]: filter.compValue };
  if (filter.op === 'and') {
    const parts = filter.filters.map(itemFromFilter);
    return parts.every(Boolean) ? Object.assign({}, ...parts) : null;
  }
  return null;
}

const sameItem = (a: Json, b: Json) => JSON.stringify(a) === JSON.stringify(b) || (isObject(a) && isObject(b) && a.value !== undefined && a.value === b.value && (a.type ?? null) === (b.type ?? null));

function containerOf(resource: Resource, container: string | null, create: boolean): Record<string, Json> | null {
  if (container === null) return resource;
  const key = keyOf(resource, container);
  const existing = resource[key];
  if (isObject(existing)) return existing;
  if (!create) return null;
  const fresh: Record<string, Json> = {};
  resource[key] = fresh;
  return fresh;
}

function applyOne(resource: Resource, op: PatchOperation['op'], path: ParsedPath, value: Json | undefined): void {
  const target = containerOf(resource, path.container, op !== 'remove');
  if (!target) return;
  const key = keyOf(target, path.attribute);
  const current = target[key];

  if (path.filter) {
    const items = Array.isArray(current) ? current : [];
    const hits = items.filter((item) => matches(item, path.filter!));
    if (op === 'remove') {
      if (path.sub) {
        for (const item of hits) if (isObject(item)) delete item[keyOf(item, path.sub)];
      } else {
        target[key] = items.filter((item) => !hits.includes(item));
      }
      return;
    }
    if (hits.length === 0) {
      const fresh = itemFromFilter(path.filter);
      if (!fresh) throw new ScimError(400, `No value of "${path.attribute}" matches the path filter.`, 'noTarget');
      target[key] = [...items, path.sub ? { ...fresh, [path.sub]: value ?? null } : { ...fresh, ...(isObject(value) ? value : {}) }];
      return;
    }
    for (const item of hits) {
      if (!isObject(item)) continue;
      if (path.sub) item[keyOf(item, path.sub)] = value ?? null;
      else if (isObject(value)) Object.assign(item, value);
    }
    return;
  }

  if (path.sub) {
    const parent = isObject(current) ? current : {};
    target[key] = parent;
    if (op === 'remove') delete parent[keyOf(parent, path.sub)];
    else parent[keyOf(parent, path.sub)] = value ?? null;
    return;
  }

  if (op === 'remove') {
    // Entra's older dialect removes a member with path "members" and the member in value.
    if (Array.isArray(current) && value !== undefined && value !== null) {
      const gone = (Array.isArray(value) ? value : [value]).map((v) => (isObject(v) ? v.value : v));
      target[key] = current.filter((item) => !(isObject(item) && gone.includes(item.value as Json)));
      return;
    }
    delete target[key];
    return;
  }
  if (op === 'add' && Array.isArray(value)) {
    const items = Array.isArray(current) ? [...current] : [];
    for (const v of value) if (!items.some((item) => sameItem(item, v))) items.push(v);
    target[key] = items;
    return;
  }
  if (isObject(value) && isObject(current) && op === 'add') {
    Object.assign(current, value);
    return;
  }
  target[key] = value ?? null;
}

/** Applies the operations to a copy of `resource`; attributes in `readOnly` (id, meta…) cannot be changed. */
export function applyPatch(resource: Resource, operations: PatchOperation[], readOnly: readonly string[] = ['id', 'meta', 'schemas']): Resource {
  const next = structuredClone(resource);
  for (const operation of operations) {
    if (operation.path === undefined) {
      if (!isObject(operation.value)) throw invalidValue(`An ${operation.op} without a path needs an object value.`);
      for (const [attributePath, value] of Object.entries(operation.value)) {
        if (readOnly.includes(attributePath.toLowerCase())) continue;
        // A value object keyed by an extension URN holds that extension's attributes.
        if (/^urn:/i.test(attributePath) && !CORE_SCHEMA.test(`${attributePath}:`) && isObject(value) && !attributePath.includes('.')) {
          const container = containerOf(next, attributePath, true)!;
          for (const [name, v] of Object.entries(value)) applyOne(next, operation.op, { container: attributePath, attribute: name, filter: null, sub: null }, v);
          void container;
          continue;
        }
        applyOne(next, operation.op, parsePath(attributePath), value);
      }
      continue;
    }
    const path = parsePath(operation.path);
    if (path.container === null && readOnly.includes(path.attribute.toLowerCase())) throw new ScimError(400, `"${path.attribute}" cannot be changed.`, 'mutability');
    applyOne(next, operation.op, path, operation.value);
  }
  return next;
}

/** "True"/"False" (Entra's older dialect) → booleans; anything else that is not a boolean is refused. */
export function booleanOf(value: Json | undefined, name: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalidValue(`"${name}" must be true or false (got ${JSON.stringify(value).slice(0, 40)}).`);
}

export { get as attribute, isObject };
