import type { Db } from '../db/database.js';
import { sha256Hex } from '../platform/ids.js';
import { countAnonymousEntry, countIntoSummary, entryWithDigest, writeSsoLog, type NewLogEntry } from './store.js';

// Anyone can POST to an ACS or open a sign-in URL, so what such requests write to the SSO log is
// budgeted per account and hour: the first entries are kept (the XML once per distinct message),
// the rest only counted into one summary row ("and 312 similar failures").

/** Anonymous entries kept one by one per account, hour and kind; the rest are only counted. */
export const ANONYMOUS_ENTRIES_PER_HOUR = 50;
/** Of those, how many may keep their XML (≤ 512 KiB each); a message already kept is not kept again. */
export const ANONYMOUS_XML_PER_HOUR = 10;
const HOUR_MS = 60 * 60 * 1000;

/** 'failure': a SAML message that failed verification; 'start': a sign-in sent to the IdP. */
export type AnonymousKind = 'failure' | 'start';

const SUMMARY_KIND: Record<AnonymousKind, string> = { failure: 'similar_failures', start: 'similar_starts' };

/** Writes (or only counts) an entry caused by an unauthenticated request; returns the entry that holds it. */
export async function writeAnonymousSsoLog(db: Db, entry: NewLogEntry, kind: AnonymousKind, now: Date): Promise<string> {
  const windowStart = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const count = await countAnonymousEntry(db, entry.account_id, kind, windowStart);
  if (count > ANONYMOUS_ENTRIES_PER_HOUR) {
    const id = summaryId(entry.account_id, kind, windowStart);
    await countIntoSummary(db, id, summaryEntry(entry, kind), now);
    return id;
  }
  if (!entry.xml) return writeSsoLog(db, entry, now);
  const digest = sha256Hex(`${entry.kind}\n${entry.failure_code ?? ''}\n${entry.xml}`);
  const keeper = await entryWithDigest(db, entry.account_id, digest);
  if (keeper) return writeSsoLog(db, { ...entry, xml: null, message_digest: digest, messages: null, summary: `${entry.summary} (The same message as log entry ${keeper.slice(0, 8)}, which keeps its XML.)` }, now);
  if (count > ANONYMOUS_XML_PER_HOUR) {
    return writeSsoLog(db, { ...entry, xml: null, message_digest: digest, messages: null, summary: `${entry.summary} (XML not kept: more than ${ANONYMOUS_XML_PER_HOUR} different unauthenticated messages this hour.)` }, now);
  }
  return writeSsoLog(db, { ...entry, message_digest: digest }, now);
}

function summaryEntry(entry: NewLogEntry, kind: AnonymousKind): NewLogEntry {
  return {
    account_id: entry.account_id,
    direction: entry.direction,
    kind: SUMMARY_KIND[kind],
    outcome: kind === 'failure' ? 'failure' : 'info',
    person: null,
    summary:
      kind === 'failure'
        ? `More than ${ANONYMOUS_ENTRIES_PER_HOUR} unauthenticated SAML messages failed this hour; the rest are counted here, not stored.`
        : `More than ${ANONYMOUS_ENTRIES_PER_HOUR} sign-ins were started this hour; the rest are counted here, not stored.`,
    fix: kind === 'failure' ? 'If these are not your IdP, someone is posting to your ACS; the rate limit and this cap keep it from growing the log.' : null,
    failure_code: null,
    xml: null,
    attributes: null,
    mapping: null,
  };
}

/** One summary row per account, kind and hour, so concurrent instances count into the same row. */
function summaryId(accountId: string, kind: AnonymousKind, windowStart: number): string {
  const hex = sha256Hex(`${accountId}\n${kind}\n${windowStart}`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
