import type { SubaccountRole } from '../subaccounts/tables.js';

/** Who is making a request, resolved once by the auth plugin. */
export type Actor =
  | {
      kind: 'subaccount';
      accountId: string;
      id: string;
      name: string;
      role: SubaccountRole;
      isOwner: boolean;
      /** White-label users a team leader or SSO subaccount may work as. */
      linkedUserIds: readonly string[];
    }
  | { kind: 'user'; accountId: string; id: string; name: string }
  | { kind: 'token'; accountId: string; id: string; name: string; userId: string | null };

export function actorLabel(actor: Actor): string {
  if (actor.kind === 'token') return `API token "${actor.name}"`;
  return actor.name;
}
