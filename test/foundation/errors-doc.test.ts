import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CATALOGUE } from '../../src/platform/errors.js';

test('docs/errors.md lists exactly the error catalogue, with the same statuses', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const documented = new Map([...doc.matchAll(/^\| `(\w+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]));
  const catalogue = new Map(Object.entries(ERROR_CATALOGUE).map(([code, e]) => [code, e.status]));
  assert.deepEqual(Object.fromEntries(documented), Object.fromEntries(catalogue));
});
