import { html, type SafeHtml } from '../../platform/html.js';

/**
 * The SSO tab's progressive enhancement, served as a file (GET /assets/sso.js) so the pages need no
 * inline script or handler (strict Content-Security-Policy): copy buttons (hidden until this runs),
 * and reading a chosen metadata file into the XML field. Without JavaScript every value stays
 * selectable text and the XML can still be pasted.
 */
export const SSO_CLIENT_JS = `(() => {
  'use strict';
  const copyText = async (text) => {
    try { await navigator.clipboard.writeText(text); return true; } catch { /* fall back below */ }
    const area = document.createElement('textarea');
    area.value = text; area.setAttribute('readonly', ''); area.className = 'visually-hidden';
    document.body.appendChild(area); area.select();
    let ok = false; try { ok = document.execCommand('copy'); } catch { ok = false; }
    area.remove(); return ok;
  };
  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.hidden = false;
    const label = button.textContent;
    button.addEventListener('click', async () => {
      const source = document.getElementById(button.getAttribute('data-copy'));
      if (!source) return;
      if (await copyText(source.textContent)) {
        button.textContent = button.getAttribute('data-copied') || label;
        setTimeout(() => { button.textContent = label; }, 2000);
      }
    });
  }
  const file = document.getElementById('metadata-file');
  const xml = document.getElementById('f-idpMetadataXml');
  if (file && xml) file.addEventListener('change', async () => { const f = file.files && file.files[0]; if (f) xml.value = await f.text(); });
})();
`;

export const SSO_CLIENT_PATH = '/assets/sso.js';

/** The script element for SSO pages: same origin, deferred, with this response's CSP nonce. */
export function ssoClientScript(nonce: string): SafeHtml {
  return html`<script nonce="${nonce}" src="${SSO_CLIENT_PATH}" defer></script>`;
}

/** A value with its copy button: the button is hidden until the script runs, so it never appears dead. */
export function copyable(id: string, value: string, copyLabel: string, copiedLabel: string, accessibleName: string): SafeHtml {
  return html`<code id="${id}">${value}</code> <button type="button" class="secondary copy" data-copy="${id}" data-copied="${copiedLabel}" aria-label="${copyLabel}: ${accessibleName}" hidden>${copyLabel}</button>`;
}
