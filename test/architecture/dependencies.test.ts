/**
 * Arrows point down, kept so (issue 10): the dependency rules of .dependency-cruiser.cjs (no file
 * cycles; web/ and platform/ import no domain), and one owner per table — a table is written only
 * by the domain whose tables.ts declares it (read from src/db/database.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** table name → owning domain folder, from the `import type { … } from '../<domain>/tables.js'` lines of database.ts. */
function tableOwners(): Map<string, string> {
  const text = readFileSync(join(SRC, 'db/database.ts'), 'utf8');
  const domainOfType = new Map<string, string>();
  // A domain's tables.ts, or a sub-folder's (sso/domains/tables.ts belongs to sso).
  for (const match of text.matchAll(/import type \{([^}]+)\} from '\.\.\/([\w-]+)\/(?:[\w-]+\/)*tables\.js'/g)) {
    for (const name of match[1]!.split(',')) domainOfType.set(name.trim(), match[2]!);
  }
  // Infrastructure tables (the instance-wide settings) live in db/ itself.
  for (const match of text.matchAll(/import type \{([^}]+)\} from '\.\/[\w-]+\.js'/g)) {
    for (const name of match[1]!.split(',')) domainOfType.set(name.trim(), 'db');
  }
  const owners = new Map<string, string>();
  const body = text.slice(text.indexOf('export interface Database'));
  for (const match of body.matchAll(/^\s+(\w+): (\w+);$/gm)) {
    const owner = domainOfType.get(match[2]!);
    assert.ok(owner, `table ${match[1]} is declared with ${match[2]}, which neither a domain's tables.ts nor db/ exports`);
    owners.set(match[1]!, owner);
  }
  return owners;
}

/** Kysely writes (`insertInto('t')`, `updateTable('t')`, `deleteFrom('t')`, …) and raw SQL writes in a file. */
function tablesWritten(text: string): string[] {
  const written = new Set<string>();
  for (const m of text.matchAll(/\b(?:insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(\s*'(\w+)/g)) written.add(m[1]!);
  for (const m of text.matchAll(/\b(?:insert\s+into|update|delete\s+from)\s+([a-z_]+)\b(?=[\s\S]{0,40}?\b(?:values|set|where|select|on|returning|\()|\s*`)/gi)) written.add(m[1]!.toLowerCase());
  return [...written];
}

test('dependency-cruiser: no file cycles, and web/ and platform/ import no domain', async () => {
  const run = promisify(execFile);
  const bin = join(ROOT, 'node_modules/.bin/depcruise');
  const result = await run(bin, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: ROOT }).catch((error: { stdout?: string; stderr?: string }) => error);
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  assert.doesNotMatch(output, /error /, output);
  assert.match(output, /no dependency violations found/, output);
});

test('one owner per table: only the owning domain writes a table', () => {
  const owners = tableOwners();
  assert.ok(owners.size >= 10, 'the Database type was read');
  const offences: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const path = relative(SRC, file);
    if (path.startsWith('db/migrations/')) continue; // migrations are frozen and own every table's shape
    const writer = path.includes('/') ? path.split('/')[0]! : '(top level)';
    for (const table of tablesWritten(readFileSync(file, 'utf8'))) {
      const owner = owners.get(table);
      if (owner !== undefined && owner !== writer) offences.push(`src/${path} writes ${table} (owned by ${owner})`);
    }
  }
  assert.deepEqual(offences, [], `write through the owning domain's store instead:\n${offences.join('\n')}`);
});
