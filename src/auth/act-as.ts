import { auditActor } from '../audit/actor.js';
import { recordAudit } from '../audit/store.js';
import { forbidden } from '../platform/errors.js';
import type { ServiceContext } from './context.js';
import { findVisibleUser } from '../users/service.js';
import { updateSession } from './sessions.js';

/**
 * "Log in as" for administrators and managers, and the user switcher of team
 * leaders and SSO subaccounts: the session works in that user's space. Audited.
 */
export async function actAsUser(ctx: ServiceContext, sessionId: string, userId: string): Promise<{ name: string }> {
  if (ctx.actor.kind !== 'subaccount') throw forbidden('Only subaccounts can switch between users.');
  const user = await findVisibleUser(ctx, userId);
  await ctx.db.transaction().execute(async (tx) => {
    await tx.updateTable('sessions').set({ acting_user_id: user.id }).where('id', '=', sessionId).execute();
    await recordAudit(tx, { accountId: user.account_id, actor: auditActor(ctx.actor), action: 'user.act_as', object: { type: 'user', id: user.id, label: user.name } }, ctx.now);
  });
  return { name: user.name };
}

export async function stopActingAs(ctx: ServiceContext, sessionId: string): Promise<void> {
  await updateSession(ctx.db, sessionId, { acting_user_id: null });
}
