import { FormatRegistry } from '@sinclair/typebox';

// TypeBox knows no string formats by default; Fastify's Ajv gets the same ones
// through ajv-formats, so schemas behave alike in config, services and routes.
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

if (!FormatRegistry.Has('email')) FormatRegistry.Set('email', (value) => value.length <= 254 && EMAIL.test(value));
if (!FormatRegistry.Has('uri')) {
  FormatRegistry.Set('uri', (value) => {
    try {
      return Boolean(new URL(value).protocol);
    } catch {
      return false;
    }
  });
}
