import { BlockList, isIP } from "node:net";

/**
 * Addresses that a server-side fetch must not reach: loopback, private, link-local (including
 * the cloud metadata service 169.254.169.254), CGNAT, "this network", multicast and reserved.
 */
const RANGES: Array<[string, number, "ipv4" | "ipv6", string]> = [
  ["0.0.0.0", 8, "ipv4", "a 'this network' address"],
  ["10.0.0.0", 8, "ipv4", "a private address"],
  ["100.64.0.0", 10, "ipv4", "a carrier-grade NAT address"],
  ["127.0.0.0", 8, "ipv4", "a loopback address"],
  ["169.254.0.0", 16, "ipv4", "a link-local address"],
  ["172.16.0.0", 12, "ipv4", "a private address"],
  ["192.0.0.0", 24, "ipv4", "a reserved address"],
  ["192.168.0.0", 16, "ipv4", "a private address"],
  ["198.18.0.0", 15, "ipv4", "a reserved address"],
  ["224.0.0.0", 4, "ipv4", "a multicast address"],
  ["240.0.0.0", 4, "ipv4", "a reserved address"],
  ["::", 128, "ipv6", "an unspecified address"],
  ["::1", 128, "ipv6", "a loopback address"],
  ["64:ff9b::", 96, "ipv6", "a NAT64 address"],
  ["fc00::", 7, "ipv6", "a private address"],
  ["fe80::", 10, "ipv6", "a link-local address"],
  ["fec0::", 10, "ipv6", "a site-local address"],
  ["ff00::", 8, "ipv6", "a multicast address"],
];

const lists = RANGES.map(([network, prefix, type, label]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, type);
  return { list, type, label };
});

/** Null when the address may be fetched, otherwise what kind of internal address it is. */
export function internalAddressKind(address: string): string | null {
  const unbracketed = address.replace(/^\[|\]$/g, "").replace(/%.*$/, ""); // no IPv6 zone index
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(unbracketed);
  const candidate = mapped?.[1] ?? unbracketed;
  const family = isIP(candidate);
  if (family === 0) return "not an IP address";
  const type = family === 4 ? "ipv4" : "ipv6";
  for (const entry of lists) {
    if (entry.type === type && entry.list.check(candidate, type)) return entry.label;
  }
  if (type === "ipv6" && /^::ffff:/i.test(candidate)) return "an IPv4-mapped address";
  return null;
}
