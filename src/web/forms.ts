import type { FieldError } from '../platform/errors.js';
import { html, type SafeHtml } from '../platform/html.js';
import type { Translate } from '../platform/i18n.js';

// Form helpers: every field has a label, an optional hint and its own error,
// linked with aria-describedby so screen readers read them together.
export interface FieldOptions {
  name: string;
  label: string;
  value?: string | number | null | undefined;
  type?: 'text' | 'email' | 'password' | 'number' | 'url' | 'color';
  hint?: string;
  required?: boolean;
  autocomplete?: string;
  errors?: FieldError[];
  attrs?: SafeHtml;
}

export function fieldError(errors: FieldError[] | undefined, name: string): string | undefined {
  return errors?.find((e) => e.path === name || e.path.startsWith(`${name}[`) || e.path.startsWith(`${name}.`))?.message;
}

export function textField(o: FieldOptions): SafeHtml {
  const id = `f-${o.name}`;
  const error = fieldError(o.errors, o.name);
  const describedBy = [o.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div>
  <label for="${id}">${o.label}</label>
  ${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}
  <input id="${id}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.value ?? ''}"${o.required ? html` required` : ''}${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${describedBy ? html` aria-describedby="${describedBy}"` : ''}${error ? html` aria-invalid="true"` : ''} ${o.attrs ?? ''}>
  ${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}
</div>`;
}

export function selectField(o: { name: string; label: string; value: string; options: Array<{ value: string; label: string }>; errors?: FieldError[]; hint?: string }): SafeHtml {
  const id = `f-${o.name}`;
  const error = fieldError(o.errors, o.name);
  return html`<div>
  <label for="${id}">${o.label}</label>
  ${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}
  <select id="${id}" name="${o.name}"${error ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>
    ${o.options.map((opt) => html`<option value="${opt.value}"${opt.value === o.value ? html` selected` : ''}>${opt.label}</option>`)}
  </select>
  ${error ? html`<p class="field-error" id="${id}-error">${error}</p>` : ''}
</div>`;
}

export function checkboxGroup(o: { name: string; legend: string; options: Array<{ value: string; label: string }>; checked: readonly string[]; errors?: FieldError[]; hint?: string }): SafeHtml {
  const error = fieldError(o.errors, o.name);
  return html`<fieldset${error ? html` aria-describedby="f-${o.name}-error"` : ''}>
  <legend>${o.legend}</legend>
  ${o.hint ? html`<p class="hint">${o.hint}</p>` : ''}
  ${o.options.map((opt, i) => html`<label class="checkbox" for="f-${o.name}-${i}"><input type="checkbox" id="f-${o.name}-${i}" name="${o.name}" value="${opt.value}"${o.checked.includes(opt.value) ? html` checked` : ''}> ${opt.label}</label>`)}
  ${error ? html`<p class="field-error" id="f-${o.name}-error">${error}</p>` : ''}
</fieldset>`;
}

/** Listed first on the page and focused, so keyboard and screen-reader users land on it. */
export function errorSummary(t: Translate, errors: FieldError[] | undefined): SafeHtml | string {
  if (!errors || errors.length === 0) return '';
  return html`<div class="error-summary" role="alert" tabindex="-1" id="error-summary" autofocus>
  <h2>${t('form.errorsTitle')}</h2>
  <ul>${errors.map((e) => html`<li><a href="#f-${e.path.replace(/\[.*$/, '')}">${e.message}</a></li>`)}</ul>
</div>`;
}

/** Form bodies send one checkbox as a string and several as an array. */
export function asArray(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Empty optional form fields mean "not given". */
export function blankToUndefined<T extends Record<string, unknown>>(body: T, keys: readonly (keyof T)[]): T {
  const copy = { ...body };
  for (const key of keys) if (copy[key] === '') delete copy[key];
  return copy;
}
