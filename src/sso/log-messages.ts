import type { MessageKey, Translate } from '../platform/i18n.js';
import { SSO_MESSAGES_EN } from './messages.js';

/** Only the SSO domain's own keys are stored in the log; anything else (a key renamed since) falls back to the stored text. */
export function isLogMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(SSO_MESSAGES_EN, key);
}

// SSO log summaries and fixes are stored twice: as English text (API, search, older readers) and as
// catalogue keys with parameters (column `messages`), so the SSO log page shows each administrator
// their own language. Parameters are data (names, URLs, values as received), never translated.
export interface LogText {
  key: MessageKey;
  /** Data as is; `{ key }` for a word that is itself translated (e.g. "test connection"). */
  params?: Record<string, string | { key: MessageKey }>;
}

function resolve(t: Translate, params: LogText['params']): Record<string, string> {
  return Object.fromEntries(Object.entries(params ?? {}).map(([name, value]) => [name, typeof value === 'string' ? value : isLogMessageKey(value.key) ? t(value.key) : '']));
}

export interface LogMessages {
  summary: LogText;
  fix?: LogText;
  /** Further sentences after the summary (e.g. which signature was verified). */
  also?: LogText[];
  /** Verifier warnings (technical, as produced), shown after the summary. */
  warnings?: string[];
  /** A refused SAML message: the check (translated by its code) and the verifier's exact words, which quote what arrived. */
  failure?: { code: string; detail: string };
}

export function encodeLogMessages(messages: LogMessages): string {
  return JSON.stringify(messages);
}

function decode(value: string | null): LogMessages | null {
  if (!value) return null;
  try {
    const parsed = JSON.parse(value) as LogMessages;
    return parsed && typeof parsed.summary?.key === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

const render = (t: Translate, text: LogText | undefined): string | null => (text && isLogMessageKey(text.key) ? t(text.key, resolve(t, text.params)) : null);

/** The entry's summary and fix in the reader's language; the stored English text when it has no keys. */
export function localizedLogText(t: Translate, entry: { summary: string; fix: string | null; messages?: string | null }): { summary: string; fix: string | null } {
  const messages = decode(entry.messages ?? null);
  if (!messages) return { summary: entry.summary, fix: entry.fix };
  const check = messages.failure ? `sso.check.${messages.failure.code}` : null;
  const summary = check && isLogMessageKey(check) ? `${t('sso.msg.samlFailure', { check: t(check) })} ${messages.failure!.detail}` : render(t, messages.summary);
  const also = (messages.also ?? []).map((text) => render(t, text)).filter((x): x is string => x !== null);
  return { summary: summary ? [summary, ...also, ...(messages.warnings ?? [])].join(' ') : entry.summary, fix: messages.fix ? render(t, messages.fix) ?? entry.fix : entry.fix };
}

/** English text of a key, for the stored `summary` / `fix` columns. */
export function englishOf(en: Translate, text: LogText): string {
  return en(text.key, resolve(en, text.params));
}
