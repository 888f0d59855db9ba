import { html, type SafeHtml } from '../platform/html.js';
import type { Translate } from '../platform/i18n.js';

/**
 * The one "are you sure?" page body for deleting anything: the question, a danger button that
 * posts to `action` (with the CSRF field) and a way back. No script needed.
 */
export function confirmDeleteBody(t: Translate, o: { name: string; question: string; action: string; cancelHref: string }): (csrf: SafeHtml) => SafeHtml {
  return (csrf) => html`
<h1>${t('form.delete')}: ${o.name}</h1>
<form method="post" action="${o.action}" class="stack">${csrf}
  <p id="confirm-text">${o.question}</p>
  <div class="actions"><button type="submit" class="danger" aria-describedby="confirm-text">${t('form.delete')}</button><a class="button secondary" href="${o.cancelHref}">${t('form.cancel')}</a></div>
</form>`;
}
