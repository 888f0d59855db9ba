import type { Db } from '../db/database.js';
import { getUsableSetupLink } from '../sso/setup-link-store.js';
import { getSubaccount, linkedUsers } from '../subaccounts/store.js';
import { getUser } from '../users/store.js';
import type { Actor } from './actor.js';
import type { PrincipalKind } from './tables.js';

export interface ResolvedPerson {
  actor: Actor;
  locale: string | null;
  /** For team leaders and SSO subaccounts: the users they may work as, with names (the page switcher shows them). */
  linkedUsers: Array<{ id: string; name: string }>;
}

/** The person behind a session with their language choice, from one read of their row; null when deleted meanwhile. */
export async function resolvePerson(db: Db, accountId: string, kind: PrincipalKind, id: string): Promise<ResolvedPerson | null> {
  if (kind === 'subaccount') {
    const row = await getSubaccount(db, accountId, id);
    if (!row || row.deactivated_at !== null) return null;
    const links = row.role === 'team_leader' || row.role === 'sso' ? await linkedUsers(db, row.id) : [];
    const actor: Actor = { kind: 'subaccount', accountId, id: row.id, name: row.name, role: row.role, isOwner: row.is_owner === 1, linkedUserIds: links.map((u) => u.id) };
    return { actor, locale: row.locale, linkedUsers: links };
  }
  if (kind === 'sso_setup') {
    const link = await getUsableSetupLink(db, accountId, id, new Date());
    return link ? { actor: { kind: 'sso_setup', accountId, id: link.id, name: link.label }, locale: null, linkedUsers: [] } : null;
  }
  const user = await getUser(db, accountId, id);
  return user && user.deactivated_at === null ? { actor: { kind: 'user', accountId, id: user.id, name: user.name }, locale: user.locale, linkedUsers: [] } : null;
}

export async function resolveActor(db: Db, accountId: string, kind: PrincipalKind, id: string): Promise<Actor | null> {
  return (await resolvePerson(db, accountId, kind, id))?.actor ?? null;
}
