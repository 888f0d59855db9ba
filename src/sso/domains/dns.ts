import { Resolver } from 'node:dns/promises';

/** The TXT records of a name, each as one string (its character-strings joined, RFC 7208 §3.3). */
export type TxtLookup = (name: string) => Promise<string[]>;

/** node:dns's resolver (a real DNS query, not getaddrinfo), at the configured servers or the system's. */
export function txtLookup(servers: string[]): TxtLookup {
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  if (servers.length > 0) resolver.setServers(servers);
  return async (name) => (await resolver.resolveTxt(name)).map((chunks) => chunks.join(''));
}

/** A DNS failure in words for the administrator; "no record" is an answer, not a fault. */
export function dnsFailureText(domain: string, error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENODATA' || code === 'ENOTFOUND') return `${domain} has no TXT records (yet).`;
  if (code === 'ETIMEOUT') return `The DNS servers did not answer for ${domain} in time; try again later.`;
  return `The TXT records of ${domain} could not be read (${code ?? (error instanceof Error ? error.message : String(error))}).`;
}
