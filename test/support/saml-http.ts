/**
 * SP-initiated SAML sign-in through the real SimpleSAMLphp IdP without a browser: plain HTTP with a
 * cookie jar per side. Blanca's /sso/<slug>/login → IdP → its user/password form → the auto-posted
 * SAMLResponse → Blanca's ACS. Returns Blanca's answer to the ACS post (status, Location, session cookie).
 */
import type { IdpHandle } from './simplesamlphp.js';

class Jar {
  private cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = (pair ?? '').split('=');
      if (name) this.cookies.set(name.trim(), value.join('='));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }
}

const decode = (s: string) => s.replace(/&quot;/g, '"').replace(/&#039;|&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function hiddenFields(page: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const input of page.match(/<input[^>]*>/g) ?? []) {
    const name = /name="([^"]*)"/.exec(input)?.[1];
    const value = /value="([^"]*)"/.exec(input)?.[1];
    if (name && /type="hidden"/i.test(input)) fields[decode(name)] = decode(value ?? '');
  }
  return fields;
}

export interface AcsAnswer {
  status: number;
  location: string | null;
  body: string;
  /** Blanca's session cookie value, when a session was made. */
  session: string | undefined;
}

export async function samlSignInOverHttp(base: string, slug: string, idp: IdpHandle, username: string, password: string): Promise<AcsAnswer> {
  const blanca = new Jar();
  const atIdp = new Jar();
  const start = await fetch(`${base}/sso/${slug}/login`, { redirect: 'manual' });
  blanca.take(start);
  let url = start.headers.get('location');
  if (!url) throw new Error(`Blanca did not redirect to the IdP: ${start.status} ${await start.text()}`);
  let page = '';
  // Follow the IdP's redirects to its login form.
  for (let hops = 0; hops < 10; hops++) {
    const response: Response = await fetch(url, { redirect: 'manual', headers: { cookie: atIdp.header() } });
    atIdp.take(response);
    const next: string | null = response.headers.get('location');
    if (next) {
      url = new URL(next, url).href;
      continue;
    }
    page = await response.text();
    break;
  }
  if (!/name="username"/.test(page)) throw new Error(`no IdP login form at ${url}: ${page.slice(0, 300)}`);
  const action = new URL(decode(/<form[^>]*action="([^"]*)"/.exec(page)?.[1] ?? url), url).href;
  const form = new URLSearchParams({ ...hiddenFields(page), username, password });
  let posted = await fetch(action, { method: 'POST', redirect: 'manual', body: form, headers: { cookie: atIdp.header(), 'content-type': 'application/x-www-form-urlencoded' } });
  atIdp.take(posted);
  for (let hops = 0; posted.headers.get('location') && hops < 10; hops++) {
    const next = new URL(posted.headers.get('location')!, action).href;
    posted = await fetch(next, { redirect: 'manual', headers: { cookie: atIdp.header() } });
    atIdp.take(posted);
  }
  const answer = await posted.text();
  const fields = hiddenFields(answer);
  if (!fields.SAMLResponse) throw new Error(`the IdP did not answer with a SAMLResponse for ${username}: ${answer.slice(0, 500)}`);
  const acs = decode(/<form[^>]*action="([^"]*)"/.exec(answer)?.[1] ?? '');
  const acsResponse = await fetch(acs, { method: 'POST', redirect: 'manual', body: new URLSearchParams(fields), headers: { cookie: blanca.header(), 'content-type': 'application/x-www-form-urlencoded' } });
  blanca.take(acsResponse);
  return { status: acsResponse.status, location: acsResponse.headers.get('location'), body: await acsResponse.text(), session: blanca.get('qrp_session') };
}
