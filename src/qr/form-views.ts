import type { TSchema } from '@sinclair/typebox';
import { CONTENT_SCHEMAS, type ContentType } from './content/index.js';
import type { FieldError } from '../platform/errors.js';
import { html, type SafeHtml } from '../platform/html.js';
import type { Translate } from '../platform/i18n.js';
import { fieldError } from '../web/forms.js';
import { checkContrast, type QrDesign } from './render/index.js';

// Portal form fields generated from the QR library's TypeBox schemas, so each content type's
// form shows exactly the fields, limits and hints its validator checks. Content fields are
// named "c.<json path>", design fields "d.<name>"; form-input.ts reads them back.

interface Described {
  type?: string;
  title?: string;
  description?: string;
  format?: string;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  anyOf?: Array<{ const?: unknown }>;
  properties?: Record<string, TSchema>;
  required?: string[];
  items?: TSchema;
}

const LONG_TEXT = 300;

function input(name: string, label: string, control: SafeHtml, hint: string | undefined, error: string | undefined, id: string): SafeHtml {
  return html`<div>
  <label for="${id}">${label}</label>
  ${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}
  ${control}
  ${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}
</div>`;
}

const describedBy = (id: string, hint: unknown, error: unknown) => [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');

function field(name: string, schema: Described, required: boolean, values: Record<string, string>, errors: FieldError[], t: Translate): SafeHtml {
  const id = `f-${name}`;
  const error = fieldError(errors, name);
  const label = `${schema.title ?? name}${required ? '' : ` (${t('form.optional')})`}`;
  const value = values[name] ?? '';
  const aria = html`${describedBy(id, schema.description, error) ? html` aria-describedby="${describedBy(id, schema.description, error)}"` : ''}${error ? html` aria-invalid="true"` : ''}`;
  if (schema.anyOf?.every((o) => o.const !== undefined)) {
    const options = schema.anyOf.map((o) => String(o.const));
    const control = html`<select id="${id}" name="${name}"${aria}>${required ? '' : html`<option value=""></option>`}${options.map((o) => html`<option value="${o}"${o === value ? html` selected` : ''}>${o}</option>`)}</select>`;
    return input(name, label, control, schema.description, error, id);
  }
  if (schema.type === 'boolean') {
    return html`<div><label class="checkbox" for="${id}"><input type="checkbox" id="${id}" name="${name}" value="true"${value === 'true' ? html` checked` : ''}> ${schema.title ?? name}</label>${schema.description ? html`<p class="hint">${schema.description}</p>` : ''}${error ? html`<p class="field-error">${error}</p>` : ''}</div>`;
  }
  if (schema.type === 'number' || schema.type === 'integer') {
    const control = html`<input id="${id}" name="${name}" type="number" step="${schema.type === 'integer' ? '1' : 'any'}" value="${value}"${schema.minimum !== undefined ? html` min="${schema.minimum}"` : ''}${schema.maximum !== undefined ? html` max="${schema.maximum}"` : ''}${required ? html` required` : ''}${aria}>`;
    return input(name, label, control, schema.description, error, id);
  }
  if ((schema.maxLength ?? 0) > LONG_TEXT && schema.format === undefined && !/url/i.test(name)) {
    const control = html`<textarea id="${id}" name="${name}" rows="4" maxlength="${schema.maxLength}"${required ? html` required` : ''}${aria}>${value}</textarea>`;
    return input(name, label, control, schema.description, error, id);
  }
  const type = schema.format === 'email' ? 'email' : 'text';
  const control = html`<input id="${id}" name="${name}" type="${type}" value="${value}"${schema.maxLength ? html` maxlength="${schema.maxLength}"` : ''}${required ? html` required` : ''}${aria}>`;
  return input(name, label, control, schema.description, error, id);
}

function fields(prefix: string, schema: Described, values: Record<string, string>, errors: FieldError[], t: Translate): SafeHtml[] {
  const out: SafeHtml[] = [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (prefix === 'c.' && key === 'type') continue;
    const d = child as Described;
    const name = `${prefix}${key}`;
    const required = schema.required?.includes(key) ?? false;
    if (d.type === 'object') out.push(html`<fieldset><legend>${d.title ?? key}</legend>${fields(`${name}.`, d, values, errors, t)}</fieldset>`);
    else if (d.type === 'array' && (d.items as Described | undefined)?.type === 'object') {
      const rows = Math.min(d.maxItems ?? 3, 3);
      out.push(html`<fieldset><legend>${d.title ?? key} (${t('form.optional')})</legend>${Array.from({ length: rows }, (_, i) => html`<div class="grid2">${fields(`${name}[${i}].`, d.items as Described, values, errors, t)}</div>`)}</fieldset>`);
    } else out.push(field(name, d, required, values, errors, t));
  }
  return out;
}

export function contentFields(type: ContentType, values: Record<string, string>, errors: FieldError[], t: Translate): SafeHtml {
  return html`${fields('c.', CONTENT_SCHEMAS[type] as unknown as Described, values, errors, t)}`;
}

/** {a: {b: 1}, c: [{d: "x"}]} → {"c.a.b": "1", "c.c[0].d": "x"}: the form names of saved content. */
export function flattenContent(value: unknown, prefix = 'c.'): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (node: unknown, path: string) => {
    if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, path.endsWith('.') || path === '' ? `${path}${k}` : `${path}.${k}`);
    else if (node !== undefined && node !== null) out[path] = String(node);
  };
  walk(value, prefix);
  return out;
}

const select = (name: string, label: string, value: string, options: readonly string[], labels: (o: string) => string, hint?: string) =>
  html`<div><label for="f-${name}">${label}</label>${hint ? html`<p class="hint">${hint}</p>` : ''}<select id="f-${name}" name="${name}">${options.map((o) => html`<option value="${o}"${o === value ? html` selected` : ''}>${labels(o)}</option>`)}</select></div>`;

/** Colours, error correction, quiet zone, shapes, logo; and the contrast advice for the values shown. */
export function designFields(design: QrDesign, hasLogo: boolean, errors: FieldError[], t: Translate): SafeHtml {
  const warnings = checkContrast(design).warnings;
  const logoError = fieldError(errors, 'd.logo');
  return html`<fieldset><legend>${t('qr.design')}</legend>
  ${warnings.length > 0 ? html`<div class="warning" role="status"><strong>${t('qr.contrastWarning')}</strong><ul>${warnings.map((w) => html`<li>${w.message}</li>`)}</ul></div>` : ''}
  <div class="grid2">
  <div><label for="f-d.foreground">${t('qr.foreground')}</label><input id="f-d.foreground" name="d.foreground" type="color" value="${design.foreground ?? '#000000'}"></div>
  <div><label for="f-d.background">${t('qr.background')}</label><input id="f-d.background" name="d.background" type="color" value="${design.background ?? '#ffffff'}"></div>
  ${select('d.errorCorrection', t('qr.errorCorrection'), design.errorCorrection ?? 'M', ['L', 'M', 'Q', 'H'], (o) => t(`qr.ec.${o as 'L'}`), t('qr.errorCorrectionHint'))}
  <div><label for="f-d.quietZone">${t('qr.quietZone')}</label><p class="hint">${t('qr.quietZoneHint')}</p><input id="f-d.quietZone" name="d.quietZone" type="number" min="0" max="10" value="${design.quietZone ?? 4}"></div>
  ${select('d.moduleStyle', t('qr.moduleStyle'), design.moduleStyle ?? 'square', ['square', 'rounded', 'dots'], (o) => t(`qr.shape.${o as 'square'}`))}
  ${select('d.finderStyle', t('qr.finderStyle'), design.finderStyle ?? 'square', ['square', 'rounded', 'circle'], (o) => t(`qr.shape.${o as 'square'}`))}
  </div>
  <div><label for="f-d.logo">${t('qr.logo')}</label><p class="hint" id="f-d.logo-hint">${t('qr.logoHint')}</p>
  <input id="f-d.logo" name="d.logo" type="file" accept="image/png,image/svg+xml" aria-describedby="f-d.logo-hint${logoError ? ' f-d.logo-error' : ''}"${logoError ? html` aria-invalid="true"` : ''}>
  ${logoError ? html`<p class="field-error" id="f-d.logo-error">${logoError}</p>` : ''}
  ${hasLogo ? html`<label class="checkbox" for="f-d.removeLogo"><input type="checkbox" id="f-d.removeLogo" name="d.removeLogo" value="true"> ${t('qr.removeLogo')}</label>` : ''}</div>
</fieldset>`;
}
