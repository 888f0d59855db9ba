import { Type, type TSchema } from '@sinclair/typebox';
import { MAX_EPOCH_MS, MAX_OFFSET } from './input-limits.js';

/** `schema | null`, keeping the inner schema's message and description for the error shown to people. */
export function Nullable<T extends TSchema>(schema: T) {
  const { errorMessage, description } = schema as { errorMessage?: string; description?: string };
  return Type.Union([schema, Type.Null()], { ...(errorMessage ? { errorMessage } : {}), ...(description ? { description } : {}) });
}

// Every number a request may carry has both bounds, so Ajv answers 400 naming the field for
// 1e20 or -1 instead of the database failing on a value it cannot hold.
/** A page size: 1 to `maximum`. */
export const PageLimit = (maximum: number, byDefault: number) => Type.Integer({ minimum: 1, maximum, default: byDefault, description: `Entries per page, 1 to ${maximum}` });
/** How many entries to skip: 0 to MAX_OFFSET. */
export const PageOffset = () => Type.Integer({ minimum: 0, maximum: MAX_OFFSET, default: 0, description: `Entries to skip, 0 to ${MAX_OFFSET}` });
/** An instant in epoch milliseconds (keyset paging): 0 to the last instant a Date can hold. */
export const EpochMillis = (description: string) => Type.Integer({ minimum: 0, maximum: MAX_EPOCH_MS, description });
