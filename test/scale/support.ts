import { inflateRawSync } from 'node:zlib';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** The origin an app listens on (after listen({ port: 0 })). */
export function originOf(app: FastifyInstance): string {
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** A browser-like client over real HTTP: cookies are kept across origins (the load balancer's one host). */
export class HttpBrowser {
  readonly cookies = new Map<string, string>();
  csrf = '';

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...value] = (pair ?? '').split('=');
      if (!name) continue;
      if (attributes.some((a) => /max-age=0/i.test(a.trim()))) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value.join('='));
    }
  }

  private header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private async read(response: Response) {
    this.remember(response);
    const body = await response.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
    if (token) this.csrf = token;
    return { status: response.status, body, location: response.headers.get('location') ?? undefined };
  }

  async get(origin: string, path: string) {
    return this.read(await fetch(`${origin}${path}`, { redirect: 'manual', headers: { cookie: this.header() } }));
  }

  async post(origin: string, path: string, fields: Record<string, string>) {
    return this.read(await fetch(`${origin}${path}`, { method: 'POST', redirect: 'manual', headers: { cookie: this.header(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() }));
  }
}

/** The AuthnRequest ID and RelayState from an HTTP-Redirect binding URL. */
export function authnRequestOf(redirectUrl: string): { id: string; relayState: string | null } {
  const url = new URL(redirectUrl);
  const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
  const id = /\sID="([^"]+)"/.exec(xml)?.[1];
  if (!id) throw new Error(`no ID in ${xml.slice(0, 200)}`);
  return { id, relayState: url.searchParams.get('RelayState') };
}

/** `count` GETs of `path` with keep-alive, `parallel` at a time; resolves to the status counts. */
export async function hammer(origin: string, path: string, count: number, userAgent: string, parallel = 16): Promise<Record<number, number>> {
  const { hostname, port } = new URL(origin);
  const agent = new http.Agent({ keepAlive: true, maxSockets: parallel });
  const statuses: Record<number, number> = {};
  const one = () =>
    new Promise<void>((resolve, reject) => {
      http
        .get({ host: hostname, port, path, agent, headers: { 'user-agent': userAgent } }, (res) => {
          statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  await Promise.all(Array.from({ length: count }, one));
  agent.destroy();
  return statuses;
}
