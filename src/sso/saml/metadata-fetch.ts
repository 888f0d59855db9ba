import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { internalAddressKind } from "./address-policy.js";

export type LookupAll = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export interface FetchIdpMetadataOptions {
  /** Bound on the whole exchange: DNS, connections, redirects and body. */
  timeoutMs: number;
  maxBytes: number;
  /** Host names (or IP literals) the operator allows even though they resolve to internal addresses. */
  allowPrivateHosts?: string[];
  /** DNS resolution, replaceable in tests. Defaults to dns.lookup with all: true. */
  lookup?: LookupAll;
}

export type FetchIdpMetadataResult =
  | { ok: true; body: Buffer; url: string; contentType: string | null }
  | { ok: false; reason: string };

const MAX_REDIRECTS = 3;
const defaultLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

type Hop =
  | { kind: "redirect"; location: string }
  | { kind: "done"; result: FetchIdpMetadataResult };

/**
 * Downloads IdP metadata without letting the URL reach internal services (SSRF): each host is
 * resolved once, every address is checked, and the connection goes to the checked address, so a
 * second DNS answer cannot rebind it. Redirects are followed at most 3 times and re-checked.
 */
export async function fetchIdpMetadata(url: string, options: FetchIdpMetadataOptions): Promise<FetchIdpMetadataResult> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  const timedOut = (): FetchIdpMetadataResult => ({
    ok: false,
    reason: `The metadata download took longer than ${formatDuration(options.timeoutMs)}.`,
  });
  try {
    let current = url;
    let previousProtocol: string | null = null;
    for (let redirects = 0; ; redirects++) {
      let target: URL;
      try {
        target = new URL(current);
      } catch {
        return { ok: false, reason: `The metadata URL "${current}" is not a valid URL.` };
      }
      if (target.protocol !== "https:" && target.protocol !== "http:") {
        return { ok: false, reason: "The metadata URL must start with https:// or http://" };
      }
      if (previousProtocol === "https:" && target.protocol === "http:") {
        return { ok: false, reason: `The metadata URL redirects from https to plain http (${target.href}); the SP does not follow that downgrade.` };
      }
      if (target.username || target.password) {
        return { ok: false, reason: "The metadata URL must not contain a user name or password." };
      }

      const checked = await resolveChecked(target, options, controller.signal);
      if (controller.signal.aborted) return timedOut();
      if (!checked.ok) return checked;

      let hop: Hop;
      try {
        hop = await get(target, checked.address, checked.family, options.maxBytes, controller.signal);
      } catch (error) {
        if (controller.signal.aborted) return timedOut();
        return { ok: false, reason: `The metadata could not be downloaded from ${target.host}: ${error instanceof Error ? error.message : String(error)}.` };
      }
      if (hop.kind === "done") return hop.result;
      if (redirects >= MAX_REDIRECTS) {
        return { ok: false, reason: `The metadata URL redirects more than ${MAX_REDIRECTS} times.` };
      }
      previousProtocol = target.protocol;
      current = new URL(hop.location, target).href;
    }
  } finally {
    clearTimeout(timer);
  }
}

async function resolveChecked(
  target: URL,
  options: FetchIdpMetadataOptions,
  signal: AbortSignal,
): Promise<{ ok: true; address: string; family: number } | { ok: false; reason: string }> {
  const host = target.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const allowed = (options.allowPrivateHosts ?? []).some((entry) => entry.toLowerCase() === host);
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host) !== 0) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await abortable((options.lookup ?? defaultLookup)(host), signal);
    } catch (error) {
      if (signal.aborted) return { ok: false, reason: "aborted" };
      return { ok: false, reason: `The metadata host ${host} could not be resolved (${error instanceof Error ? error.message : String(error)}).` };
    }
  }
  if (addresses.length === 0) return { ok: false, reason: `The metadata host ${host} could not be resolved.` };
  if (!allowed) {
    // Every address is checked, not just the first: the socket layer may try any of them.
    for (const { address } of addresses) {
      const kind = internalAddressKind(address);
      if (!kind) continue;
      // A literal is the admin's own text; what a name resolves to stays unsaid (no internal DNS oracle).
      const what = isIP(host) !== 0 ? `The metadata address ${host} is ${kind}` : `The metadata host ${host} resolves to an address that is not public`;
      return { ok: false, reason: `${what}; the SP does not fetch internal addresses. The platform operator can allow this host.` };
    }
  }
  const first = addresses[0]!;
  return { ok: true, address: first.address, family: first.family };
}

function get(target: URL, address: string, family: number, maxBytes: number, signal: AbortSignal): Promise<Hop> {
  // The socket connects to the address that was checked above, whatever DNS says now.
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const client = target.protocol === "https:" ? https : http;
  const hostname = target.hostname.replace(/^\[|\]$/g, "");
  return new Promise<Hop>((resolve, reject) => {
    const request = client.request(
      {
        protocol: target.protocol,
        hostname,
        port: target.port || undefined,
        path: `${target.pathname}${target.search}`,
        method: "GET",
        headers: { accept: "application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1", "user-agent": "SAML-SP-metadata-client" },
        lookup: pinned,
        servername: isIP(hostname) === 0 ? hostname : undefined,
        agent: false,
        signal,
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if ([301, 302, 303, 307, 308].includes(status)) {
          response.resume();
          const location = response.headers.location;
          if (!location) {
            resolve({ kind: "done", result: { ok: false, reason: `The metadata URL answered HTTP ${status} without a Location.` } });
          } else resolve({ kind: "redirect", location });
          return;
        }
        if (status < 200 || status > 299) {
          response.resume();
          resolve({ kind: "done", result: { ok: false, reason: `The metadata URL answered HTTP ${status}; expected 200 with the metadata XML.` } });
          return;
        }
        const tooLarge: Hop = { kind: "done", result: { ok: false, reason: `The metadata document is larger than ${formatSize(maxBytes)}.` } };
        const declared = Number(response.headers["content-length"]);
        if (Number.isFinite(declared) && declared > maxBytes) {
          response.destroy();
          resolve(tooLarge);
          return;
        }
        const chunks: Buffer[] = [];
        let received = 0;
        response.on("data", (chunk: Buffer) => {
          received += chunk.length;
          if (received > maxBytes) {
            response.destroy();
            resolve(tooLarge);
            return;
          }
          chunks.push(chunk);
        });
        response.on("end", () =>
          resolve({
            kind: "done",
            result: { ok: true, body: Buffer.concat(chunks), url: target.href, contentType: response.headers["content-type"] ?? null },
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end();
  });
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(new Error("aborted"));
    const onAbort = () => reject(new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

export function formatSize(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
