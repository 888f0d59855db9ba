#!/usr/bin/env node
// Operator command line: `npx blanca help`. Runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
