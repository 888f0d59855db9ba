import type { TSchema } from '@sinclair/typebox';
import { CONTENT_SCHEMAS, type ContentType } from './content/index.js';
import type { FieldError } from '../platform/errors.js';
import { html, type SafeHtml } from '../platform/html.js';
import type { Translate } from '../platform/i18n.js';
import { fieldError } from '../web/forms.js';
import { fieldHintKey, fieldLabelKey, fieldOptionKey, isQrMessageKey, type QrFieldScope } from './messages.js';
import { checkContrast, QrDesign, type ContrastWarning } from './render/index.js';

// Portal form fields generated from the QR library's TypeBox schemas, so each content type's
// form shows exactly the fields, limits and hints its validator checks. Content fields are
// named "c.<json path>", design fields "d.<name>"; form-input.ts reads them back.
// Labels, hints and choices come from messages.ts (qr.field.<type>.<path>); the schema's
// English title and description are only a fallback for a key that does not exist.

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

/** The text of a key built at run time, or the fallback when messages.ts has no such key. */
function say(t: Translate, key: string, fallback: string | undefined): string | undefined {
  return isQrMessageKey(key) ? t(key) : fallback;
}

/** Label, hint and choice texts of one field; `path` is its JSON path ("phones[0].number"). */
export function fieldTexts(t: Translate, scope: QrFieldScope, path: string, schema: { title?: string; description?: string }) {
  const key = path.replace(/\[\d+\]/g, '');
  return {
    label: say(t, fieldLabelKey(scope, path), schema.title) ?? key.split('.').pop() ?? key,
    hint: say(t, fieldHintKey(scope, path), schema.description),
    option: (value: string) => say(t, fieldOptionKey(scope, path, value), value) ?? value,
  };
}

function input(name: string, label: string, control: SafeHtml, hint: string | undefined, error: string | undefined, id: string): SafeHtml {
  return html`<div>
  <label for="${id}">${label}</label>
  ${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}
  ${control}
  ${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}
</div>`;
}

const describedBy = (id: string, hint: unknown, error: unknown) => [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');

function field(scope: QrFieldScope, name: string, schema: Described, required: boolean, values: Record<string, string>, errors: FieldError[], t: Translate, inRow = false): SafeHtml {
  const id = `f-${name}`;
  const error = fieldError(errors, name);
  const texts = fieldTexts(t, scope, name.slice(2), schema);
  const hint = texts.hint;
  // A row of a list (one phone) is optional as a whole: its fields are not marked one by one.
  const label = `${texts.label}${required || inRow ? '' : ` (${t('form.optional')})`}`;
  const value = values[name] ?? '';
  const aria = html`${describedBy(id, hint, error) ? html` aria-describedby="${describedBy(id, hint, error)}"` : ''}${error ? html` aria-invalid="true"` : ''}`;
  if (schema.anyOf?.every((o) => o.const !== undefined)) {
    const options = schema.anyOf.map((o) => String(o.const));
    const control = html`<select id="${id}" name="${name}"${aria}>${required || inRow ? '' : html`<option value=""></option>`}${options.map((o) => html`<option value="${o}"${o === value ? html` selected` : ''}>${texts.option(o)}</option>`)}</select>`;
    return input(name, label, control, hint, error, id);
  }
  if (schema.type === 'boolean') {
    return html`<div><label class="checkbox" for="${id}"><input type="checkbox" id="${id}" name="${name}" value="true"${value === 'true' ? html` checked` : ''}${aria}> ${texts.label}</label>${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}</div>`;
  }
  if (schema.type === 'number' || schema.type === 'integer') {
    const control = html`<input id="${id}" name="${name}" type="number" step="${schema.type === 'integer' ? '1' : 'any'}" value="${value}"${schema.minimum !== undefined ? html` min="${schema.minimum}"` : ''}${schema.maximum !== undefined ? html` max="${schema.maximum}"` : ''}${required ? html` required` : ''}${aria}>`;
    return input(name, label, control, hint, error, id);
  }
  if ((schema.maxLength ?? 0) > LONG_TEXT && schema.format === undefined && !/url/i.test(name)) {
    const control = html`<textarea id="${id}" name="${name}" rows="4" maxlength="${schema.maxLength}"${required ? html` required` : ''}${aria}>${value}</textarea>`;
    return input(name, label, control, hint, error, id);
  }
  const type = schema.format === 'email' ? 'email' : 'text';
  const control = html`<input id="${id}" name="${name}" type="${type}" value="${value}"${schema.maxLength ? html` maxlength="${schema.maxLength}"` : ''}${required ? html` required` : ''}${aria}>`;
  return input(name, label, control, hint, error, id);
}

/** How many rows of the list `name` the saved or submitted values fill. */
function filledRows(name: string, values: Record<string, string>): number {
  let count = 0;
  for (const [key, value] of Object.entries(values)) {
    if (!key.startsWith(`${name}[`) || value === '') continue;
    const index = Number(/^\[(\d+)\]/.exec(key.slice(name.length))?.[1] ?? -1);
    if (index >= count) count = index + 1;
  }
  return count;
}

function fields(scope: ContentType, prefix: string, schema: Described, values: Record<string, string>, errors: FieldError[], t: Translate, inRow = false): SafeHtml[] {
  const out: SafeHtml[] = [];
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (prefix === 'c.' && key === 'type') continue;
    const d = child as Described;
    const name = `${prefix}${key}`;
    const required = !inRow && (schema.required?.includes(key) ?? false);
    const legend = fieldTexts(t, scope, name.slice(2), d).label;
    if (d.type === 'object') out.push(html`<fieldset><legend>${legend}</legend>${fields(scope, `${name}.`, d, values, errors, t)}</fieldset>`);
    else if (d.type === 'array' && (d.items as Described | undefined)?.type === 'object') {
      // The rows in use and one empty row show; the rest wait behind "More rows" (no script needed).
      // Rows are optional: an empty row is not sent (form-input.ts drops a row holding only a choice).
      const max = d.maxItems ?? 5;
      const shown = Math.min(max, Math.max(1, filledRows(name, values) + 1));
      const row = (i: number) => html`<div class="grid2">${fields(scope, `${name}[${i}].`, d.items as Described, values, errors, t, true)}</div>`;
      const rest = Array.from({ length: max - shown }, (_, i) => row(shown + i));
      out.push(html`<fieldset><legend>${legend} (${t('form.optional')})</legend><p class="hint">${t('qr.rowsHint')}</p>${Array.from({ length: shown }, (_, i) => row(i))}${rest.length ? html`<details><summary>${t('qr.moreRows')}</summary>${rest}</details>` : ''}</fieldset>`);
    } else out.push(field(scope, name, d, required, values, errors, t, inRow));
  }
  return out;
}

export function contentFields(type: ContentType, values: Record<string, string>, errors: FieldError[], t: Translate): SafeHtml {
  return html`${fields(type, 'c.', CONTENT_SCHEMAS[type] as unknown as Described, values, errors, t)}`;
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

const DESIGN = QrDesign.properties as unknown as Record<keyof QrDesign, Described>;
const designTexts = (t: Translate, name: keyof QrDesign) => fieldTexts(t, 'design', name, DESIGN[name]);

/** Design advice in the reader's language; the contrast module's codes pick the text. */
export function warningText(t: Translate, warning: { code: string; message: string }, design: QrDesign): string {
  switch (warning.code as ContrastWarning['code']) {
    case 'low_contrast':
      return t('qr.warning.low_contrast', { ratio: checkContrast(design).ratio.toFixed(1), min: 4 });
    case 'inverted':
      return t('qr.warning.inverted');
    case 'small_quiet_zone':
      return t('qr.warning.small_quiet_zone', { quietZone: design.quietZone ?? 4 });
    default:
      return warning.message;
  }
}

function designSelect(t: Translate, name: 'errorCorrection' | 'moduleStyle' | 'finderStyle', value: string): SafeHtml {
  const texts = designTexts(t, name);
  const id = `f-d.${name}`;
  const options = (DESIGN[name].anyOf ?? []).map((o) => String(o.const));
  return html`<div><label for="${id}">${texts.label}</label>${texts.hint ? html`<p class="hint" id="${id}-hint">${texts.hint}</p>` : ''}<select id="${id}" name="d.${name}"${texts.hint ? html` aria-describedby="${id}-hint"` : ''}>${options.map((o) => html`<option value="${o}"${o === value ? html` selected` : ''}>${texts.option(o)}</option>`)}</select></div>`;
}

function designInput(t: Translate, name: 'foreground' | 'background' | 'quietZone', control: SafeHtml): SafeHtml {
  const texts = designTexts(t, name);
  return html`<div><label for="f-d.${name}">${texts.label}</label>${texts.hint ? html`<p class="hint" id="f-d.${name}-hint">${texts.hint}</p>` : ''}${control}</div>`;
}

/** Colours, error correction, quiet zone, shapes, logo; and the contrast advice for the values shown. */
export function designFields(design: QrDesign, hasLogo: boolean, errors: FieldError[], t: Translate): SafeHtml {
  const warnings = checkContrast(design).warnings;
  const logoError = fieldError(errors, 'd.logo');
  const logo = designTexts(t, 'logo');
  const quietZoneError = fieldError(errors, 'd.quietZone');
  return html`<fieldset><legend>${t('qr.design')}</legend>
  ${warnings.length > 0 ? html`<div class="warning" role="status"><strong>${t('qr.contrastWarning')}</strong><ul>${warnings.map((w) => html`<li>${warningText(t, w, design)}</li>`)}</ul></div>` : ''}
  <div class="grid2">
  ${designInput(t, 'foreground', html`<input id="f-d.foreground" name="d.foreground" type="color" value="${design.foreground ?? '#000000'}" aria-describedby="f-d.foreground-hint">`)}
  ${designInput(t, 'background', html`<input id="f-d.background" name="d.background" type="color" value="${design.background ?? '#ffffff'}" aria-describedby="f-d.background-hint">`)}
  ${designSelect(t, 'errorCorrection', design.errorCorrection ?? 'M')}
  ${designInput(t, 'quietZone', html`<input id="f-d.quietZone" name="d.quietZone" type="number" min="0" max="10" value="${design.quietZone ?? 4}" aria-describedby="f-d.quietZone-hint${quietZoneError ? ' f-d.quietZone-error' : ''}"${quietZoneError ? html` aria-invalid="true"` : ''}>${quietZoneError ? html`<p class="field-error" id="f-d.quietZone-error">${quietZoneError}</p>` : ''}`)}
  ${designSelect(t, 'moduleStyle', design.moduleStyle ?? 'square')}
  ${designSelect(t, 'finderStyle', design.finderStyle ?? 'square')}
  </div>
  <div><label for="f-d.logo">${logo.label}</label><p class="hint" id="f-d.logo-hint">${logo.hint}</p>
  <input id="f-d.logo" name="d.logo" type="file" accept="image/png,image/jpeg,image/webp,image/svg+xml" aria-describedby="f-d.logo-hint${logoError ? ' f-d.logo-error' : ''}"${logoError ? html` aria-invalid="true"` : ''}>
  ${logoError ? html`<p class="field-error" id="f-d.logo-error">${logoError}</p>` : ''}
  ${hasLogo ? html`<label class="checkbox" for="f-d.removeLogo"><input type="checkbox" id="f-d.removeLogo" name="d.removeLogo" value="true"> ${t('qr.removeLogo')}</label>` : ''}</div>
</fieldset>`;
}
