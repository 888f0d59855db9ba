import { Type, type TSchema } from '@sinclair/typebox';

/** `schema | null`, keeping the inner schema's message and description for the error shown to people. */
export function Nullable<T extends TSchema>(schema: T) {
  const { errorMessage, description } = schema as { errorMessage?: string; description?: string };
  return Type.Union([schema, Type.Null()], { ...(errorMessage ? { errorMessage } : {}), ...(description ? { description } : {}) });
}
