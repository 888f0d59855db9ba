import type { Selectable } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import { newId } from '../platform/ids.js';
import type { AuditLogTable } from './tables.js';

export type AuditEntry = Selectable<AuditLogTable>;

export interface AuditEvent {
  accountId: string;
  actor: { kind: AuditLogTable['actor_kind']; id: string | null; label: string };
  action: string;
  object: { type: string; id: string | null; label: string | null };
  detail?: Record<string, unknown>;
}

/** Written in the same transaction as the change it describes. */
export async function recordAudit(db: Db | Tx, event: AuditEvent, now: Date): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      id: newId(),
      account_id: event.accountId,
      actor_kind: event.actor.kind,
      actor_id: event.actor.id,
      actor_label: event.actor.label,
      action: event.action,
      object_type: event.object.type,
      object_id: event.object.id,
      object_label: event.object.label,
      detail: JSON.stringify(event.detail ?? {}),
      created_at: now.getTime(),
    })
    .execute();
}

export async function listAudit(db: Db, accountId: string, options: { limit: number; before?: number | undefined; action?: string | undefined }): Promise<AuditEntry[]> {
  let query = db.selectFrom('audit_log').selectAll().where('account_id', '=', accountId);
  if (options.before !== undefined) query = query.where('created_at', '<', options.before);
  if (options.action) query = query.where('action', '=', options.action);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).execute();
}
