import { FormatRegistry } from '@sinclair/typebox';
// The platform registers 'email' and 'uri' the same way Fastify's ajv-formats checks them.
import '../../platform/formats.js';

// RFC 3339 with a mandatory offset, like ajv-formats' 'date-time': an event time without
// an offset would be read in whatever zone the server or the phone happens to be in.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (value) => RFC3339.test(value) && !Number.isNaN(Date.parse(value)));
}
