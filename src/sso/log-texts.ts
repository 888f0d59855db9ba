import type { MessageKey, Translate } from '../platform/i18n.js';
import { SSO_MESSAGES_EN } from './messages.js';
import { ENTRA_ROLE_CLAIM, type AttributeNames, type MappedPerson } from './attributes.js';
import { encodeLogMessages, englishOf, type LogMessages } from './log-messages.js';
import type { MappingReport } from './provision.js';

// What the SSO log says about a sign-in, as catalogue keys (shown in the reader's language) plus the
// English text kept in the summary / fix columns.
// English of the SSO domain's own texts, for the stored summary / fix columns (the API and search read those).
const en: Translate = (key, params) => {
  const text = (SSO_MESSAGES_EN as Record<string, string>)[key] ?? key;
  return params ? text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`)) : text;
};
const quoted = (values: readonly string[]) => values.map((v) => `\`${v}\``).join(', ');

export interface StoredLogText {
  summary: string;
  fix: string | null;
  messages: string;
}

export function stored(messages: LogMessages): StoredLogText {
  const also = (messages.also ?? []).map((text) => englishOf(en, text));
  return { summary: [englishOf(en, messages.summary), ...also].join(' '), fix: messages.fix ? englishOf(en, messages.fix) : null, messages: encodeLogMessages(messages) };
}

const who = (person: MappedPerson) => person.email ?? person.nameId;

/** Whether the response carried the configured role attribute (or Entra's standard role claim, which is always read too). */
export function roleAttributePresent(names: AttributeNames, attributes: Record<string, string[]>): boolean {
  return Object.hasOwn(attributes, names.role) || (names.role !== ENTRA_ROLE_CLAIM && Object.hasOwn(attributes, ENTRA_ROLE_CLAIM));
}

export function noAccessText(person: MappedPerson, names: AttributeNames, attributes: Record<string, string[]>, rolesReceived: readonly string[], expectedRoleValues: readonly string[] = []): LogMessages {
  const present = Object.keys(attributes);
  if (!roleAttributePresent(names, attributes)) {
    // The common mistake: the claim exists under another name (e.g. `Role` vs `RoleX`, or a namespaced URI).
    const likely = present.filter((name) => /role|group/i.test(name.split('/').pop() ?? name));
    return {
      summary: present.length
        ? { key: 'sso.msg.roleAttributeMissing', params: { person: who(person), attribute: `\`${names.role}\``, present: quoted(present) } }
        : { key: 'sso.msg.roleAttributeMissingNone', params: { person: who(person), attribute: `\`${names.role}\`` } },
      fix: { key: 'sso.fix.roleAttributeMissing', params: { attribute: `\`${names.role}\``, suggestion: quoted(likely.length ? likely : present.slice(0, 5)) || '—' } },
    };
  }
  return {
    summary: { key: 'sso.msg.noUsableRole', params: { person: who(person), roles: rolesReceived.length ? rolesReceived.map((r) => `"${r}"`).join(', ') : '—', expected: expectedRoleValues.length ? expectedRoleValues.join(', ') : '—' } },
    fix: { key: 'sso.fix.noUsableRole' },
  };
}

export function signedInText(person: MappedPerson, target: MappingReport['target']): LogMessages {
  const type = target?.type === 'user' ? 'user' : 'subaccount';
  return { summary: { key: `sso.msg.signedIn.${type}${target?.created ? 'Created' : ''}` as const, params: { person: who(person), name: target?.name ?? '' } } };
}

export function testSucceededText(person: MappedPerson): LogMessages {
  return { summary: { key: 'sso.msg.testSucceeded', params: { person: who(person) } } };
}

/** A person SCIM deactivated, or not provisioned while provisioning is on. */
export function refusedText(person: MappedPerson, reason: string, detail: string): LogMessages {
  return { summary: { key: 'sso.msg.refused', params: { person: who(person), detail } }, fix: { key: reason === 'deactivated' ? 'sso.fix.deactivated' : 'sso.fix.notProvisioned' } };
}

/** A refused SAML message: the check by its code, the fix with the exact values to set, the verifier's words as details. */
export function failureMessages(code: string, detail: string, sp: { acsUrl: string; entityId: string }): string {
  return encodeLogMessages({ summary: { key: 'sso.msg.samlFailure' }, fix: { key: `sso.fix.${code}` as MessageKey, params: { acsUrl: sp.acsUrl, entityId: sp.entityId } }, failure: { code, detail } });
}
