import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../support/app.js';

// The class behind offset=1e20 and before=1e300: every number a request may carry (query, path,
// body, on the API and on the portal routes with schemas) has a minimum and a maximum, so Ajv
// answers 400 naming the field instead of the database failing on a value it cannot hold.
// Walks the OpenAPI document the routes' schemas produce; a new unbounded number fails here.

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[]; allOf?: Schema[]; minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; additionalProperties?: boolean | Schema };

let numbers = 0;
function unbounded(schema: Schema | undefined, path: string, out: string[]): void {
  if (!schema) return;
  const types = ([] as string[]).concat(schema.type ?? []);
  if (types.includes('integer') || types.includes('number')) {
    numbers++;
    const low = schema.minimum ?? schema.exclusiveMinimum;
    const high = schema.maximum ?? schema.exclusiveMaximum;
    if (low === undefined || high === undefined) out.push(path);
  }
  for (const [key, child] of Object.entries(schema.properties ?? {})) unbounded(child, `${path}.${key}`, out);
  unbounded(schema.items, `${path}[]`, out);
  for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) unbounded(branch, path, out);
  if (typeof schema.additionalProperties === 'object') unbounded(schema.additionalProperties, `${path}.*`, out);
}

let app: TestApp;
before(async () => {
  app = await startTestApp('sqlite');
});
after(() => app.close());

test('every number in every request schema has both bounds', async () => {
  const doc = (await app.blanca.app.inject({ url: '/api/v1/openapi.json' })).json() as {
    paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string; schema?: Schema }>; requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
  };
  const found: string[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const where = `${method.toUpperCase()} ${path}`;
      for (const parameter of op.parameters ?? []) unbounded(parameter.schema, `${where} ${parameter.in} ${parameter.name}`, found);
      for (const [type, content] of Object.entries(op.requestBody?.content ?? {})) unbounded(content.schema, `${where} body(${type})`, found);
    }
  }
  assert.deepEqual(found, [], 'give these a minimum and a maximum (see platform/schema.ts PageLimit, PageOffset, EpochMillis)');
  // The walk is not vacuous: it reaches the paging parameters and the numbers inside bodies.
  const offset = doc.paths['/api/v1/codes']?.get?.parameters?.find((p) => p.name === 'offset');
  assert.equal(offset?.schema?.maximum, 1_000_000);
  assert.ok(numbers >= 10, `only ${numbers} numbers found`);
});
