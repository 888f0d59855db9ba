import type { FastifyInstance } from 'fastify';

/** A browser-like client over app.inject: keeps cookies and reads CSRF tokens from pages. */
export class PortalClient {
  private cookies = new Map<string, string>();
  /** Set-Cookie headers of the last response, attributes included. */
  lastSetCookies: string[] = [];
  csrf = '';

  /** remoteAddress: the peer address the app sees (inject's), e.g. to test per-address limits. */
  constructor(private readonly app: FastifyInstance, private readonly headers: Record<string, string> = {}, private readonly peer: { remoteAddress?: string } = {}) {}

  private remember(setCookie: string | string[] | undefined): void {
    this.lastSetCookies = ([] as string[]).concat(setCookie ?? []);
    for (const line of ([] as string[]).concat(setCookie ?? [])) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...value] = (pair ?? '').split('=');
      if (!name) continue;
      const expired = attributes.some((a) => /max-age=0|expires=Thu, 01 Jan 1970/i.test(a.trim()));
      if (expired) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value.join('='));
    }
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** Gives the client a cookie, e.g. a session made directly in the database or an old one kept. */
  setCookie(name: string, value: string): this {
    this.cookies.set(name, value);
    return this;
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string) {
    const response = await this.app.inject({ method: 'GET', url, ...this.peer, headers: { ...this.headers, cookie: this.cookieHeader() } });
    this.remember(response.headers['set-cookie']);
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token) this.csrf = token;
    return { status: response.statusCode, body: response.body, location: response.headers.location as string | undefined, headers: response.headers };
  }

  /** GET, following redirects within the site (at most 5). */
  async follow(url: string) {
    let response = await this.get(url);
    for (let hops = 0; response.location && response.location.startsWith('/') && hops < 5; hops++) response = await this.get(response.location);
    return response;
  }

  /** Posts a form the way a browser does, with the CSRF token of the last page unless one is given. */
  async post(url: string, fields: Record<string, string | string[]>, options: { csrf?: string | null } = {}) {
    const params = new URLSearchParams();
    const csrf = options.csrf === undefined ? this.csrf : options.csrf;
    if (csrf !== null) params.append('_csrf', csrf);
    for (const [key, value] of Object.entries(fields)) for (const v of ([] as string[]).concat(value)) params.append(key, v);
    const response = await this.app.inject({ method: 'POST', url, ...this.peer, payload: params.toString(), headers: { ...this.headers, 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader() } });
    this.remember(response.headers['set-cookie']);
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token) this.csrf = token;
    return { status: response.statusCode, body: response.body, location: response.headers.location as string | undefined, headers: response.headers };
  }

  async signIn(identifier: string, password: string, account?: string) {
    await this.get('/login');
    return this.post('/login', { identifier, password, ...(account ? { account } : {}) });
  }
}
