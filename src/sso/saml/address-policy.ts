import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * Which addresses a server-side fetch may reach. Only ordinary global unicast: every range of
 * IANA's IPv4 and IPv6 special-purpose registries is refused, as named by ipaddr.js (a maintained
 * copy of those registries, so a new special range arrives with an update rather than a hand edit).
 * IPv6 forms that carry an IPv4 address (mapped, compatible, translated, NAT64, 6to4, Teredo) are
 * refused as a whole, and named after the IPv4 inside when that one is internal.
 */
const RANGE_LABELS: Record<string, string> = {
  // IPv4
  unspecified: "a 'this network' address",
  broadcast: "a broadcast address",
  multicast: "a multicast address",
  linkLocal: "a link-local address",
  loopback: "a loopback address",
  carrierGradeNat: "a carrier-grade NAT address",
  private: "a private address",
  reserved: "a reserved address",
  as112: "an AS112 address",
  amt: "an AMT relay address",
  // IPv6
  uniqueLocal: "a private address",
  ipv4Mapped: "an IPv4-mapped address",
  deprecatedSiteLocal: "a site-local address",
  discard: "a discard-only address",
  rfc6145: "an IPv4-translated address",
  rfc6052: "a NAT64 address",
  "6to4": "a 6to4 address",
  teredo: "a Teredo address",
  benchmarking: "a benchmarking address",
  as112v6: "an AS112 address",
  deprecatedOrchid: "an ORCHID address",
  orchid2: "an ORCHID address",
  droneRemoteIdProtocolEntityTags: "a drone remote ID address",
  segmentRouting: "a segment-routing address",
};

const IPV4_COMPATIBLE = "an IPv4-compatible address";
const NOT_GLOBAL_UNICAST = "an address outside the global unicast range";
const GLOBAL_UNICAST = ipaddr.parseCIDR("2000::/3");

/** Null when the address may be fetched, otherwise what kind of non-public address it is. */
export function internalAddressKind(address: string): string | null {
  const candidate = address.replace(/^\[|\]$/g, "").replace(/%.*$/, ""); // no IPv6 zone index
  // Only canonical literals (node:net's rule): ipaddr.js alone would also read "0x7f.1" style IPv4.
  if (isIP(candidate) === 0) return "not an IP address";
  if (isIP(candidate) === 4) return ipv4Kind(ipaddr.IPv4.parse(candidate));
  // The URL parser writes IPv6 in hex: ipaddr.js reads a dotted tail such as "::8.8.8.8" as IPv4-mapped.
  return ipv6Kind(ipaddr.IPv6.parse(new URL(`http://[${candidate}]/`).hostname.slice(1, -1)));
}

function ipv4Kind(address: ipaddr.IPv4): string | null {
  const range = address.range();
  return range === "unicast" ? null : (RANGE_LABELS[range] ?? "a special-purpose address");
}

function ipv6Kind(address: ipaddr.IPv6): string | null {
  const range = address.range();
  const compatible = range === "unicast" && address.parts.slice(0, 6).every((part) => part === 0);
  if (range === "unicast" && !compatible) {
    return address.match(GLOBAL_UNICAST) ? null : NOT_GLOBAL_UNICAST;
  }
  for (const embedded of embeddedIpv4(address, range)) {
    const inner = ipv4Kind(embedded);
    if (inner) return inner;
  }
  if (compatible) return IPV4_COMPATIBLE;
  if (range === "unspecified") return "an unspecified address";
  return RANGE_LABELS[range] ?? "a special-purpose address";
}

/** The IPv4 addresses an IPv6 address of this range carries (RFC 4291, 6145, 6052, 3056, 4380). */
function embeddedIpv4(address: ipaddr.IPv6, range: string): ipaddr.IPv4[] {
  const p = address.parts;
  const fromParts = (high: number, low: number) => new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
  switch (range) {
    case "unicast": // ::a.b.c.d, IPv4-compatible (deprecated)
    case "ipv4Mapped":
    case "rfc6145":
      return [fromParts(p[6]!, p[7]!)];
    case "rfc6052": // only the well-known /96 puts the IPv4 last; the local-use /48 splits it
      return p[1] === 0xff9b && p.slice(2, 6).every((part) => part === 0) ? [fromParts(p[6]!, p[7]!)] : [];
    case "6to4":
      return [fromParts(p[1]!, p[2]!)];
    case "teredo": // server, then the client's address (stored inverted)
      return [fromParts(p[2]!, p[3]!), fromParts(~p[6]! & 0xffff, ~p[7]! & 0xffff)];
    default:
      return [];
  }
}
