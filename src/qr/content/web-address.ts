export type WebAddressResult = { ok: true; url: string } | { ok: false; message: string };

// "example.com:8080/x" looks like scheme "example.com" to a URL parser; a port after the
// colon tells us the person simply left out the scheme.
const SCHEME = /^([a-z][a-z0-9+.-]*):(?!\d+(?:[/?#]|$))/i;

/**
 * Turns what a person typed into the canonical http(s) address a phone will open:
 * https:// is assumed when no scheme is given, host lower-cased and punycoded, default port dropped.
 */
export function normaliseWebAddress(input: string): WebAddressResult {
  const trimmed = input.trim();
  const scheme = SCHEME.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    return { ok: false, message: 'Only http:// and https:// addresses can be used.' };
  }
  const candidate = scheme === undefined ? `https://${trimmed.replace(/^\/\//, '')}` : trimmed;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return { ok: false, message: 'This is not a web address, e.g. https://example.com/page.' };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, message: 'The address must not contain a user name or password.' };
  }
  // A single-label host ("intranet", "localhost") cannot be reached from a visitor's phone.
  if (!url.hostname.includes('.') && !url.hostname.startsWith('[')) {
    return { ok: false, message: 'The address needs a full domain name, e.g. example.com.' };
  }
  return { ok: true, url: url.href };
}
