import type { Db } from '../../db/database.js';
import { getUser } from '../../users/store.js';
import type { PageChrome } from '../../web/request-context.js';
import type { Actor } from '../actor.js';
import { hasPermission } from '../permissions.js';
import type { ResolvedPerson } from '../resolve.js';

/**
 * The signed-in frame of every portal page: navigation by permission and the acting-as banner.
 * Built once per request from what resolving the person already read; only an administrator or
 * manager acting as a user costs one more read (that user's name).
 */
export async function pageChrome(db: Db, person: ResolvedPerson, actingUserId: string | null): Promise<PageChrome> {
  const actor = person.actor as Exclude<Actor, { kind: 'token' }>;
  const may = (permission: Parameters<typeof hasPermission>[1]) => hasPermission(actor, permission);
  const nav: PageChrome['nav'] = [
    ...(actor.kind === 'subaccount' ? [{ href: '/users', label: 'nav.users' as const }] : []),
    { href: '/codes', label: 'nav.codes' },
    ...(may('subaccounts.manage') ? [{ href: '/subaccounts', label: 'nav.subaccounts' as const }] : []),
    ...(may('account.manage') ? [{ href: '/settings', label: 'nav.settings' as const }] : []),
    ...(may('audit.read') ? [{ href: '/audit', label: 'nav.audit' as const }] : []),
    { href: '/tokens', label: 'nav.tokens' },
    { href: '/security', label: 'nav.security' },
  ];
  // An SSO set-up link reaches only the SSO tab, so that is all its navigation shows.
  if (actor.kind === 'sso_setup') return { personName: actor.name, nav: [{ href: '/settings/sso', label: 'settings.sso' }], actingAs: null, switchable: [], canStopActing: false, home: '/settings/sso' };
  const linked = actingUserId ? person.linkedUsers.find((u) => u.id === actingUserId) : undefined;
  const acting = actingUserId ? (linked ?? (await getUser(db, actor.accountId, actingUserId))) : undefined;
  return {
    personName: actor.name,
    nav,
    actingAs: acting ? { id: acting.id, name: acting.name } : null,
    switchable: person.linkedUsers,
    canStopActing: actor.kind === 'subaccount' && (actor.role === 'admin' || actor.role === 'manager'),
  };
}
