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
  | { kind: 'token'; accountId: string; id: string; name: string; userId: string | null }
  /** The customer's IT contact, through an SSO set-up link (id = the link's id): only the SSO tab. */
  | { kind: 'sso_setup'; accountId: string; id: string; name: string };

export function actorLabel(actor: Actor): string {
  if (actor.kind === 'token') return `API token "${actor.name}"`;
  return actor.name;
}
