import type { Db } from '../db/database.js';
import { getSubaccount, linkedUserIds } from '../subaccounts/store.js';
import { getUser } from '../users/store.js';
import type { Actor } from './actor.js';
import type { PrincipalKind } from './tables.js';

/** Loads the person behind a session; null when they were deleted meanwhile. */
export async function resolveActor(db: Db, accountId: string, kind: PrincipalKind, id: string): Promise<Actor | null> {
  if (kind === 'subaccount') {
    const row = await getSubaccount(db, accountId, id);
    if (!row) return null;
    const needsLinks = row.role === 'team_leader' || row.role === 'sso';
    return { kind: 'subaccount', accountId, id: row.id, name: row.name, role: row.role, isOwner: row.is_owner === 1, linkedUserIds: needsLinks ? await linkedUserIds(db, row.id) : [] };
  }
  const user = await getUser(db, accountId, id);
  return user ? { kind: 'user', accountId, id: user.id, name: user.name } : null;
}
