import type { FastifyReply, FastifyRequest } from 'fastify';
import { html, raw, type SafeHtml } from '../platform/html.js';
import { csrfToken } from './csrf.js';
import type { AppDeps } from './deps.js';
import type { PageBrand } from './request-context.js';
import { PORTAL_CSS } from './styles.js';

export interface PageOptions {
  title: string;
  /** Path of the nav entry to mark as current. */
  current?: string;
  flash?: string | undefined;
  status?: number;
}

type Body = (csrf: SafeHtml) => SafeHtml;

/** This response's CSP nonces (@fastify/helmet): every inline <style>/<script> must carry one. */
export function styleNonce(reply: FastifyReply): string {
  return reply.cspNonce?.style ?? '';
}
export function scriptNonce(reply: FastifyReply): string {
  return reply.cspNonce?.script ?? '';
}

function brandStyle(account: PageBrand | null, nonce: string): SafeHtml {
  const primary = account?.primary_color ?? '#1d4ed8';
  const accent = account?.accent_color ?? '#0f766e';
  const onPrimary = account?.on_primary_color ?? '#ffffff';
  // Colours were validated as #rrggbb when saved; escape anyway.
  return html`<style nonce="${nonce}">:root{--primary:${primary};--accent:${accent};--on-primary:${onPrimary}}${raw(PORTAL_CSS)}</style>`;
}

function brand(account: PageBrand | null, platformName: string): SafeHtml {
  return html`${account?.logo_url ? html`<img src="${account.logo_url}" alt="">` : ''}<span>${account?.name ?? platformName}</span>`;
}

export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

// The language menu submits itself on change (no inline handler: the CSP forbids them).
const LANGUAGE_SCRIPT = "document.getElementById('lang')?.addEventListener('change',function(){this.form.submit()});";

function shell(request: FastifyRequest, reply: FastifyReply, platformName: string, title: string, inner: SafeHtml): string {
  return `<!doctype html>${html`<html lang="${request.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · ${request.brand?.name ?? platformName}</title>${brandStyle(request.brand, styleNonce(reply))}</head><body>${inner}<script nonce="${scriptNonce(reply)}">${raw(LANGUAGE_SCRIPT)}</script></body></html>`.value}`;
}

/** Every page carries CSRF tokens (and some a new secret): never stored by a browser or proxy. */
function sendPage(request: FastifyRequest, reply: FastifyReply, deps: AppDeps, options: PageOptions, inner: SafeHtml): FastifyReply {
  return reply.code(options.status ?? 200).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(shell(request, reply, deps.config.PLATFORM_NAME, options.title, inner));
}

function languageSwitch(request: FastifyRequest, csrf: SafeHtml): SafeHtml {
  return html`<form method="post" action="/language"><label class="visually-hidden" for="lang">${request.t('nav.language')}</label>${csrf}
  <input type="hidden" name="returnTo" value="${request.url}">
  <select id="lang" name="locale">
    <option value="en"${request.locale === 'en' ? html` selected` : ''}>English</option>
    <option value="es"${request.locale === 'es' ? html` selected` : ''}>Español</option>
  </select><noscript><button class="link">OK</button></noscript></form>`;
}

/** Anonymous pages (sign-in): branded with the chosen account, no navigation. */
export function publicPage(request: FastifyRequest, reply: FastifyReply, deps: AppDeps, options: PageOptions, body: Body): FastifyReply {
  const csrf = csrfField(csrfToken(request, reply, deps.secretKey, deps.config.secureCookies));
  const inner = html`<a class="skip" href="#main">${request.t('app.skip')}</a>
<header class="top"><span class="brand">${brand(request.brand, deps.config.PLATFORM_NAME)}</span><span class="spacer"></span>${languageSwitch(request, csrf)}</header>
<main id="main" class="login">${options.flash ? html`<div class="flash" role="status">${options.flash}</div>` : ''}${body(csrf)}</main>`;
  return sendPage(request, reply, deps, options, inner);
}

/** Signed-in pages: navigation by permission, the acting-as banner and the user switcher. */
export async function portalPage(request: FastifyRequest, reply: FastifyReply, deps: AppDeps, options: PageOptions, body: Body): Promise<FastifyReply> {
  const chrome = request.chrome;
  if (!chrome) throw new Error('portalPage needs a signed-in person');
  const csrf = csrfField(csrfToken(request, reply, deps.secretKey, deps.config.secureCookies));
  const t = request.t;
  const { actingAs, switchable } = chrome;
  const banner =
    actingAs || switchable.length > 0
      ? html`<div class="banner">
  ${actingAs ? html`<strong>${t('switcher.actingAs', { name: actingAs.name })}</strong>` : ''}
  ${switchable.length > 0
    ? html`<form method="post" action="/act-as" class="actions">${csrf}<label for="switch-user">${t('switcher.label')}</label>
      <select id="switch-user" name="userId">${switchable.map((u) => html`<option value="${u.id}"${u.id === actingAs?.id ? html` selected` : ''}>${u.name}</option>`)}</select>
      <button type="submit" class="secondary">${t('switcher.go')}</button></form>`
    : ''}
  ${actingAs && chrome.canStopActing ? html`<form method="post" action="/act-as/stop">${csrf}<button type="submit" class="secondary">${t('switcher.stop')}</button></form>` : ''}
</div>`
      : '';
  const inner = html`<a class="skip" href="#main">${t('app.skip')}</a>
<header class="top"><a class="brand" href="${chrome.home ?? '/'}">${brand(request.brand, deps.config.PLATFORM_NAME)}</a><span class="spacer"></span>
  <span>${chrome.personName}</span>${languageSwitch(request, csrf)}
  <form method="post" action="/logout">${csrf}<button type="submit" class="link">${t('nav.signout')}</button></form></header>
${banner}
<div class="layout"><nav class="side" aria-label="Main"><ul>
${chrome.nav.map((n) => html`<li><a href="${n.href}"${options.current === n.href ? html` aria-current="page"` : ''}>${t(n.label)}</a></li>`)}
</ul></nav>
<main id="main" tabindex="-1">${options.flash ? html`<div class="flash" role="status">${options.flash}</div>` : ''}${body(csrf)}</main></div>`;
  return sendPage(request, reply, deps, options, inner);
}
