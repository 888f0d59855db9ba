import { auditActor } from '../audit/actor.js';
import { recordAudit } from '../audit/store.js';
import type { Db } from '../db/database.js';
import { AppError } from '../platform/errors.js';
import type { ServiceContext } from './context.js';
import type { Actor } from './actor.js';
import { minutesFrom } from './attempts.js';
import { checkSecondFactor, rememberEnrolmentStep, type SecondFactorCheck } from './second-factor.js';
import { totpStep } from './totp.js';

type Person = Extract<Actor, { kind: 'subaccount' | 'user' }>;

/** A wrong, reused or locked-out code; the portal words it in the person's language. */
export class SecondFactorRefused extends AppError {
  constructor(readonly check: Exclude<SecondFactorCheck, { ok: true }>) {
    const message = check.reason === 'locked' ? `Too many wrong codes. Try again in ${minutesFrom(check.retryAfterMs)} minutes.` : check.reason === 'reused' ? 'That code was already used.' : 'That code is not right.';
    super('validation_failed', message, [{ path: 'code', message }]);
  }
}

function tableOf(person: Person) {
  return person.kind === 'subaccount' ? ('subaccounts' as const) : ('whitelabel_users' as const);
}

export async function totpSecretOf(db: Db, kind: 'subaccount' | 'user', accountId: string, id: string): Promise<string | null> {
  const table = kind === 'subaccount' ? 'subaccounts' : 'whitelabel_users';
  const row = await db.selectFrom(table).select('totp_secret').where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
  return row?.totp_secret ?? null;
}

/** Saves the secret only once the person proved their app produces its codes. */
export async function enableTwoFactor(ctx: ServiceContext, secret: string, code: string): Promise<void> {
  const person = ctx.actor;
  if (person.kind === 'token' || person.kind === 'sso_setup') throw new AppError('forbidden', 'API tokens have no two-factor settings.');
  if (!/^[A-Z2-7]{32}$/.test(secret)) throw new AppError('validation_failed', 'The setup expired; start again.', [{ path: 'secret', message: 'Start the setup again.' }]);
  if (totpStep(secret, code, ctx.now) === null) throw new AppError('validation_failed', 'That code is not right. Check the time on your phone and enter the current 6-digit code.', [{ path: 'code', message: 'Enter the current 6-digit code from your app.' }]);
  await ctx.db.transaction().execute(async (tx) => {
    await tx.updateTable(tableOf(person)).set({ totp_secret: secret, updated_at: ctx.now.getTime() }).where('id', '=', person.id).execute();
    await rememberEnrolmentStep(tx, { kind: person.kind, id: person.id }, secret, code, ctx.now);
    await recordAudit(tx, { accountId: person.accountId, actor: auditActor(person), action: 'two_factor.enable', object: { type: person.kind, id: person.id, label: person.name } }, ctx.now);
  });
}

export async function disableTwoFactor(ctx: ServiceContext, code: string): Promise<void> {
  const person = ctx.actor;
  if (person.kind === 'token' || person.kind === 'sso_setup') throw new AppError('forbidden', 'API tokens have no two-factor settings.');
  const secret = await totpSecretOf(ctx.db, person.kind, person.accountId, person.id);
  if (!secret) return;
  // Counted like a sign-in's second factor: a stolen session cannot guess its way to switching 2FA off.
  const check = await checkSecondFactor(ctx.db, { kind: person.kind, id: person.id }, secret, code, ctx.now);
  if (!check.ok) throw new SecondFactorRefused(check);
  await ctx.db.transaction().execute(async (tx) => {
    await tx.updateTable(tableOf(person)).set({ totp_secret: null, updated_at: ctx.now.getTime() }).where('id', '=', person.id).execute();
    await recordAudit(tx, { accountId: person.accountId, actor: auditActor(person), action: 'two_factor.disable', object: { type: person.kind, id: person.id, label: person.name } }, ctx.now);
  });
}
