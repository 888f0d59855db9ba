import proxyaddr from '@fastify/proxy-addr';
import type { IncomingMessage } from 'node:http';
import type { TrustedProxies } from '../config.js';

/** proxy-addr's question: may the proxy at this address (hop 0 = the direct peer) be believed? */
export type ProxyTrust = (address: string, hop: number) => boolean;

/** The same trust Fastify builds from its trustProxy option (a hop count trusts the n nearest hops). */
export function proxyTrust(trusted: TrustedProxies): ProxyTrust | null {
  if (trusted === false) return null;
  if (typeof trusted === 'number') return (_address, hop) => hop < trusted;
  return proxyaddr.compile(trusted);
}

/** The client's address as Fastify's request.ip gives it, for code that answers before Fastify. */
export function clientAddress(req: IncomingMessage, trust: ProxyTrust | null): string {
  if (!trust) return req.socket.remoteAddress ?? '';
  return proxyaddr(req, trust);
}

/** Headers a proxy adds (e.g. a country) are believed only when the direct peer is a trusted proxy. */
export function fromTrustedProxy(req: IncomingMessage, trust: ProxyTrust | null): boolean {
  return trust !== null && trust(req.socket.remoteAddress ?? '', 0);
}
