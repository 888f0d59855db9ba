import { createHash } from 'node:crypto';
import { html, raw, type SafeHtml } from '../platform/html.js';
import type { Translate } from '../platform/i18n.js';
import type { StatsView } from './schemas.js';

export type RedirectProblem = 'unknown' | 'paused' | 'expired';

const PROBLEM_CSS = 'body{margin:0;font:18px/1.5 system-ui,sans-serif;color:#111827;background:#f3f4f6;display:grid;place-items:center;min-height:100vh}main{max-width:28rem;margin:1rem;padding:2rem;background:#fff;border-radius:12px;border:1px solid #e5e7eb;text-align:center}h1{font-size:1.4rem;margin-top:0}';

/** Its Content-Security-Policy: nothing but that one stylesheet, never framed. */
export const PROBLEM_PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(PROBLEM_CSS).digest('base64')}'; frame-ancestors 'none'; base-uri 'none'`;

/** Who a problem page is branded for: the code's account (paused, expired), or the platform (unknown). */
export interface ProblemBrand {
  name: string;
  /** #rrggbb, validated when saved; with the text colour chosen for contrast. */
  primary?: string;
  onPrimary?: string;
}

/** The friendly page a person sees after scanning a code that does not redirect, and its CSP. */
export function redirectProblemPage(t: Translate, kind: RedirectProblem, brand: ProblemBrand): { body: string; csp: string } {
  const title = t(`qr.redirect.${kind}Title`);
  const colours = brand.primary && /^#[0-9a-f]{6}$/i.test(brand.primary) && /^#[0-9a-f]{6}$/i.test(brand.onPrimary ?? '') ? `header{background:${brand.primary};color:${brand.onPrimary};padding:.75rem 1rem;border-radius:12px 12px 0 0;margin:-2rem -2rem 1rem;font-weight:600}` : 'header{font-weight:600;margin-bottom:1rem}';
  const css = PROBLEM_CSS + colours;
  // The stylesheet now carries the account's colours: allowed by its own hash, still no script.
  const csp = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(css).digest('base64')}'; frame-ancestors 'none'; base-uri 'none'`;
  const body = `<!doctype html>${html`<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${title} · ${brand.name}</title><style>${raw(css)}</style></head><body><main><header>${brand.name}</header><h1>${title}</h1><p>${t(`qr.redirect.${kind}Text`)}</p></main></body></html>`.value}`;
  return { body, csp };
}

/**
 * Daily scans as an SVG bar chart drawn on the server (no script), unique visitors as a
 * line. The same numbers follow in a table for screen readers and for copying.
 */
export function scanChart(t: Translate, stats: StatsView): SafeHtml {
  const width = 720;
  const height = 220;
  const left = 40;
  const bottom = 24;
  const top = 10;
  const days = stats.series;
  const max = Math.max(1, ...days.map((d) => d.scans));
  const step = (width - left - 8) / Math.max(1, days.length);
  const y = (value: number) => top + (height - top - bottom) * (1 - value / max);
  const bars = days.map((d, i) => {
    const x = left + i * step + step * 0.15;
    const h = height - bottom - y(d.scans);
    return `<rect class="bar" x="${x.toFixed(1)}" y="${y(d.scans).toFixed(1)}" width="${(step * 0.7).toFixed(1)}" height="${h.toFixed(1)}"><title>${d.day}: ${d.scans}</title></rect>`;
  });
  const line = days.map((d, i) => `${(left + i * step + step / 2).toFixed(1)},${y(d.unique).toFixed(1)}`).join(' ');
  const ticks = [0, Math.ceil(max / 2), max].map((v) => `<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text><line x1="${left}" x2="${width - 8}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`);
  const labels = [days[0], days[Math.floor(days.length / 2)], days[days.length - 1]]
    .filter((d): d is NonNullable<typeof d> => d !== undefined)
    .map((d) => `<text x="${(left + days.indexOf(d) * step + step / 2).toFixed(1)}" y="${height - 6}" text-anchor="middle">${d.day.slice(5)}</text>`);
  const summary = t('qr.stats.chartSummary', { total: stats.totalScans, unique: stats.uniqueScans, from: stats.from, to: stats.to });
  // Only numbers and ISO dates from the database go into this markup.
  const svg = `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg"><title id="chart-title">${t('qr.stats.chartTitle')}</title><desc id="chart-desc">${summary}</desc>${ticks.join('')}${bars.join('')}<polyline class="uniq" points="${line}"/>${labels.join('')}</svg>`;
  return html`<figure class="scan-chart" data-total="${stats.totalScans}">${raw(svg)}
<figcaption>${summary} <span class="legend"><span class="key bar-key"></span>${t('qr.stats.scans')} <span class="key line-key"></span>${t('qr.stats.unique')}</span></figcaption>
<details><summary>${t('qr.stats.table')}</summary><table><caption class="visually-hidden">${t('qr.stats.chartTitle')}</caption>
<thead><tr><th scope="col">${t('qr.stats.day')}</th><th scope="col">${t('qr.stats.scans')}</th><th scope="col">${t('qr.stats.unique')}</th></tr></thead>
<tbody>${days.filter((d) => d.scans > 0).map((d) => html`<tr><td>${d.day}</td><td>${d.scans}</td><td>${d.unique}</td></tr>`)}</tbody></table></details></figure>`;
}

export function breakdownTable(caption: string, rows: Array<{ key: string; scans: number }>, t: Translate): SafeHtml {
  const total = rows.reduce((sum, r) => sum + r.scans, 0);
  return html`<table class="breakdown"><caption>${caption}</caption><thead><tr><th scope="col">${caption}</th><th scope="col">${t('qr.stats.scans')}</th><th scope="col">%</th></tr></thead>
<tbody>${rows.length === 0 ? html`<tr><td colspan="3">${t('qr.stats.none')}</td></tr>` : rows.map((r) => html`<tr><td>${r.key}</td><td>${r.scans}</td><td>${total ? Math.round((r.scans / total) * 100) : 0}</td></tr>`)}</tbody></table>`;
}

export const QR_CSS = `
.chart .bar{fill:var(--primary,#1d4ed8)}.chart .grid{stroke:#e5e7eb}.chart .uniq{fill:none;stroke:var(--accent,#0f766e);stroke-width:2}.chart text{font:11px system-ui,sans-serif;fill:#4b5563}
.chart{width:100%;height:auto;background:#fff;border:1px solid #e5e7eb;border-radius:8px}
.legend .key{display:inline-block;width:12px;height:12px;margin:0 .25rem 0 .75rem;vertical-align:middle}
.bar-key{background:var(--primary)}.line-key{background:var(--accent);height:3px!important}
.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:.75rem 1rem;min-width:9rem}.card strong{display:block;font-size:1.6rem}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr));gap:1rem;margin-top:1rem}
.filters{display:flex;gap:.75rem;flex-wrap:wrap;align-items:end;margin-bottom:1rem}.filters>div{min-width:9rem}
.qr-preview{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:1rem;display:inline-block}
.warning{border:2px solid #b45309;background:#fffbeb;padding:.75rem 1rem;border-radius:8px}
.report-bad td{color:#b91c1c}
`;
