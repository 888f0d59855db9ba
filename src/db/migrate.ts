import { Migrator, type Migration, type MigrationProvider, type MigrationResult } from 'kysely';
import type { Db } from './database.js';
import * as foundation from './migrations/2026_11_29_0001_foundation.js';

// Listed explicitly (not read from a folder) so that the compiled and the tsx
// builds see the same migrations, in the same order.
export const MIGRATIONS: Record<string, Migration> = {
  '2026_11_29_0001_foundation': foundation,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export async function migrateToLatest(db: Db): Promise<MigrationResult[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Database migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return results ?? [];
}
