import type { Actor } from '../auth/actor.js';
import { actorLabel } from '../auth/actor.js';
import type { AuditEvent } from './store.js';

export function auditActor(actor: Actor): AuditEvent['actor'] {
  return { kind: actor.kind, id: actor.id, label: actorLabel(actor) };
}
