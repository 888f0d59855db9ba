/**
 * The schema named first in `DATABASE_URL`'s `options=-c search_path=…` parameter, if any.
 * Kysely's migrator looks for its bookkeeping table in every schema unless told which one,
 * so an instance whose tables live in a non-default schema must pass it on.
 */
export function searchPathSchema(databaseUrl: string | undefined): string | undefined {
  if (!databaseUrl) return undefined;
  let options: string | null;
  try {
    options = new URL(databaseUrl).searchParams.get('options');
  } catch {
    return undefined;
  }
  const match = options?.match(/search_path\s*=\s*"?([A-Za-z_][A-Za-z0-9_$]*)/);
  return match?.[1];
}
