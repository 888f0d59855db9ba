import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { invalid } from '../../platform/errors.js';
import { csvLine } from '../csv.js';
import type { StatsView } from '../schemas.js';
import { dayString, utcDay } from './salt.js';

const DAY_MS = 86_400_000;
const MAX_DAYS = 366;
const BREAKDOWN_LIMIT = 20;
export const CSV_ROW_LIMIT = 100_000;

/** One code's scans, or every scan of one white-label user. Always within one account. */
export type StatsScope = { accountId: string; codeId: string } | { accountId: string; userId: string };

export interface DayRange {
  fromDay: number;
  toDay: number;
}

function parseDay(value: string, path: string): number {
  const time = Date.parse(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(time)) throw invalid(path, 'Use a date such as 2030-01-31.');
  return utcDay(time);
}

/** Days are UTC days: every instance and every viewer cuts the series at the same instant. */
export function dayRange(query: { from?: string | undefined; to?: string | undefined }, now: Date): DayRange {
  const toDay = query.to ? parseDay(query.to, 'to') : utcDay(now.getTime());
  const fromDay = query.from ? parseDay(query.from, 'from') : toDay - 29;
  if (fromDay > toDay) throw invalid('from', 'The first day must not be after the last.');
  if (toDay - fromDay >= MAX_DAYS) throw invalid('from', `Choose at most ${MAX_DAYS} days.`);
  return { fromDay, toDay };
}

function scoped(db: Db, scope: StatsScope, range: DayRange) {
  let query = db.selectFrom('qr_scans').where('account_id', '=', scope.accountId);
  query = 'codeId' in scope ? query.where('code_id', '=', scope.codeId) : query.where('user_id', '=', scope.userId);
  return query.where('scanned_at', '>=', range.fromDay * DAY_MS).where('scanned_at', '<', (range.toDay + 1) * DAY_MS);
}

/**
 * Counts come from aggregate queries over the (code_id|user_id, scanned_at) indexes rather
 * than counters kept per code: the redirect never writes, so there is no hot row to spread
 * over slots, and a range query over a year of one code's scans stays in milliseconds.
 */
export async function scanStats(db: Db, scope: StatsScope, range: DayRange): Promise<StatsView> {
  const base = scoped(db, scope, range);
  const people = base.where('is_bot', '=', 0);
  // A literal, not a parameter: SQLite would bind it as a float, and PostgreSQL needs the
  // GROUP BY expression to be the very same text as the selected one.
  const day = sql<number>`scanned_at / ${sql.lit(DAY_MS)}`;
  const breakdown = (column: 'device' | 'os' | 'country' | 'referrer') =>
    people
      .select([sql<string | null>`${sql.ref(column)}`.as('key'), (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy(column)
      .orderBy('n', 'desc')
      .limit(BREAKDOWN_LIMIT)
      .execute();
  const [series, bots, devices, os, countries, referrers] = await Promise.all([
    people
      .select([day.as('day'), (eb) => eb.fn.countAll<number | string>().as('n'), (eb) => eb.fn.count<number | string>('visitor').distinct().as('u')])
      .groupBy(day)
      .execute(),
    base.where('is_bot', '=', 1).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    breakdown('device'),
    breakdown('os'),
    breakdown('country'),
    breakdown('referrer'),
  ]);
  const byDay = new Map(series.map((r) => [Number(r.day), { scans: Number(r.n), unique: Number(r.u) }]));
  const days: StatsView['series'] = [];
  for (let d = range.fromDay; d <= range.toDay; d++) days.push({ day: dayString(d), scans: byDay.get(d)?.scans ?? 0, unique: byDay.get(d)?.unique ?? 0 });
  const list = (rows: Array<{ key: string | null; n: number | string }>, none: string) => rows.map((r) => ({ key: r.key ?? none, scans: Number(r.n) }));
  return {
    from: dayString(range.fromDay),
    to: dayString(range.toDay),
    totalScans: days.reduce((sum, d) => sum + d.scans, 0),
    uniqueScans: days.reduce((sum, d) => sum + d.unique, 0),
    botScans: Number(bots.n),
    series: days,
    devices: list(devices, 'other'),
    os: list(os, 'Other'),
    countries: list(countries, 'unknown'),
    referrers: list(referrers, 'direct'),
  };
}

/** One line per scan, oldest first, with what is stored; bots included and marked. */
export async function scansCsv(db: Db, scope: StatsScope, range: DayRange, codeNames: Map<string, string>): Promise<string> {
  const rows = await scoped(db, scope, range)
    .select(['code_id', 'scanned_at', 'device', 'os', 'country', 'referrer', 'is_bot'])
    .orderBy('scanned_at')
    .limit(CSV_ROW_LIMIT)
    .execute();
  let out = csvLine(['time_utc', 'code', 'device', 'os', 'country', 'referrer', 'bot']);
  for (const r of rows) out += csvLine([new Date(Number(r.scanned_at)).toISOString(), codeNames.get(r.code_id) ?? r.code_id, r.device, r.os, r.country, r.referrer, r.is_bot ? 'yes' : 'no']);
  return out;
}

/** Deletes scans older than each account's retention setting. */
export async function purgeExpiredScans(db: Db, now: Date): Promise<number> {
  const settings = await db.selectFrom('qr_account_settings').select(['account_id', 'scan_retention_days']).where('scan_retention_days', 'is not', null).execute();
  let deleted = 0;
  for (const s of settings) {
    const cutoff = now.getTime() - Number(s.scan_retention_days) * DAY_MS;
    const result = await db.deleteFrom('qr_scans').where('account_id', '=', s.account_id).where('scanned_at', '<', cutoff).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
  }
  return deleted;
}
