// Only loopback traffic: a local server on 127.0.0.1. Internal addresses are produced by a custom
// `lookup`, and the tests assert that no socket is opened for them.
import assert from "node:assert/strict";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { internalAddressKind } from "../../src/sso/saml/address-policy.js";
import { fetchIdpMetadata, parseIdpMetadata, type FetchIdpMetadataOptions } from "../../src/sso/saml/idp-metadata.js";
import { localFixture } from "../support/saml-fixtures.js";

const METADATA = localFixture("entra/metadata/entra-app-metadata-ssoready.xml");
const MiB = 1024 * 1024;
let server: http.Server;
let base: string;
let port: number;
const hosts: string[] = [];

before(async () => {
  server = http.createServer((request, response) => {
    hosts.push(request.headers.host ?? "");
    const path = request.url ?? "/";
    const hop = /^\/hop\/(\d+)$/.exec(path);
    if (path === "/metadata") {
      response.writeHead(200, { "content-type": "application/samlmetadata+xml" });
      response.end(METADATA);
    } else if (hop) {
      const left = Number(hop[1]);
      response.writeHead(302, { location: left > 0 ? `/hop/${left - 1}` : "/metadata" });
      response.end();
    } else if (path === "/to-private") {
      response.writeHead(301, { location: "http://10.0.0.1/metadata" });
      response.end();
    } else if (path === "/to-ftp") {
      response.writeHead(302, { location: "ftp://idp.test/metadata" });
      response.end();
    } else if (path === "/big-declared") {
      response.writeHead(200, { "content-length": String(2 * MiB) });
      response.end(Buffer.alloc(2 * MiB, 0x20));
    } else if (path === "/big-chunked") {
      response.writeHead(200);
      for (let i = 0; i < 40; i++) response.write(Buffer.alloc(64 * 1024, 0x20));
      response.end();
    } else if (path === "/slow") {
      response.writeHead(200);
      response.write("<"); // and never finishes
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

/** One address from every special-purpose range of IANA's IPv4 and IPv6 registries (and its kind). */
const SPECIAL_PURPOSE: Record<string, string> = {
  "0.0.0.0": "a 'this network' address",
  "0.1.2.3": "a 'this network' address",
  "10.255.0.1": "a private address",
  "100.64.0.7": "a carrier-grade NAT address",
  "100.127.255.255": "a carrier-grade NAT address",
  "127.0.0.53": "a loopback address",
  "169.254.169.254": "a link-local address",
  "172.31.255.255": "a private address",
  "192.0.0.9": "a reserved address", // IETF protocol assignments 192.0.0.0/24
  "192.0.2.10": "a reserved address", // TEST-NET-1
  "192.31.196.1": "an AS112 address",
  "192.52.193.1": "an AMT relay address",
  "192.88.99.1": "a reserved address", // 6to4 relay anycast
  "192.168.0.1": "a private address",
  "192.175.48.1": "an AS112 address",
  "198.18.0.1": "a reserved address", // benchmarking
  "198.51.100.7": "a reserved address", // TEST-NET-2
  "203.0.113.7": "a reserved address", // TEST-NET-3
  "224.0.0.251": "a multicast address",
  "240.0.0.1": "a reserved address",
  "255.255.255.255": "a broadcast address",
  "::": "an unspecified address",
  "::1": "a loopback address",
  "::7f00:1": "a loopback address", // IPv4-compatible ::/96 carrying 127.0.0.1
  "::a00:1": "a private address", // ::10.0.0.1
  "::808:808": "an IPv4-compatible address", // ::/96 even around a public IPv4
  "::ffff:127.0.0.1": "a loopback address",
  "::ffff:192.168.1.1": "a private address",
  "::ffff:8.8.8.8": "an IPv4-mapped address", // ::ffff:0:0/96 even around a public IPv4
  "::ffff:0:a9fe:a9fe": "a link-local address", // IPv4-translated ::ffff:0:0:0/96 (169.254.169.254)
  "::ffff:0:808:808": "an IPv4-translated address",
  "64:ff9b::a9fe:a9fe": "a link-local address", // NAT64 well-known prefix carrying 169.254.169.254
  "64:ff9b::808:808": "a NAT64 address",
  "64:ff9b:1::1": "a NAT64 address", // local-use NAT64 /48
  "100::1": "a discard-only address",
  "2001:0:4136:e378:8000:63bf:f7f7:f7f7": "a Teredo address", // server 65.54.227.120, client 8.8.8.8: public, still Teredo
  "2001:0:a00:1::": "a private address", // Teredo server 10.0.0.1
  "2001:0:808:808:0:0:f5ff:fffe": "a private address", // Teredo client ~f5ff:fffe = 10.0.0.1
  "2001:1::1": "a reserved address", // 2001::/23 IETF protocol assignments
  "2001:2::1": "a benchmarking address",
  "2001:3::1": "an AMT relay address",
  "2001:4:112::1": "an AS112 address",
  "2001:10::1": "an ORCHID address",
  "2001:20::1": "an ORCHID address",
  "2001:30::1": "a drone remote ID address",
  "2001:db8::1": "a reserved address", // documentation
  "2002:a9fe:a9fe::1": "a link-local address", // 6to4 of 169.254.169.254
  "2002:808:808::1": "a 6to4 address",
  "2620:4f:8000::1": "an AS112 address",
  "3fff::1": "a reserved address", // documentation (RFC 9637)
  "5f00::1": "a segment-routing address",
  "4000::1": "an address outside the global unicast range",
  "fc00::1": "a private address",
  "fd00::1": "a private address",
  "fe80::1": "a link-local address",
  "fe80::1%eth0": "a link-local address",
  "fec0::1": "a site-local address",
  "ff02::1": "a multicast address",
};
const INTERNAL_ADDRESSES = Object.keys(SPECIAL_PURPOSE).filter((address) => !address.includes("%"));

const options = (overrides: Partial<FetchIdpMetadataOptions> = {}): FetchIdpMetadataOptions => ({ timeoutMs: 5000, maxBytes: MiB, ...overrides });
const reasonOf = (result: Awaited<ReturnType<typeof fetchIdpMetadata>>) => (result.ok ? "(ok)" : result.reason);

describe("fetchIdpMetadata", () => {
  test("only http and https", async () => {
    for (const url of ["ftp://idp.test/x", "file:///etc/passwd", "javascript:alert(1)"]) {
      assert.equal(reasonOf(await fetchIdpMetadata(url, options())), "The metadata URL must start with https:// or http://");
    }
    assert.match(reasonOf(await fetchIdpMetadata("not a url", options())), /not a valid URL/);
  });

  test("loopback refused by default", async () => {
    assert.equal(
      reasonOf(await fetchIdpMetadata(`${base}/metadata`, options())),
      "The metadata address 127.0.0.1 is a loopback address; the SP does not fetch internal addresses. The platform operator can allow this host.",
    );
  });

  test("a host resolving to a private address is refused before any connection", async (t) => {
    const connect = t.mock.method(net.Socket.prototype, "connect", () => {
      throw new Error("a socket was opened");
    });
    const lookups: string[] = [];
    const refused = `The metadata host idp.example.test resolves to an address that is not public; the SP does not fetch internal addresses. The platform operator can allow this host.`;
    for (const address of INTERNAL_ADDRESSES) {
      const result = await fetchIdpMetadata("https://idp.example.test/federationmetadata.xml", options({
        lookup: async (host) => {
          lookups.push(host);
          return [{ address, family: net.isIP(address) }];
        },
      }));
      // The same words for every range, and never the address: an admin cannot map internal DNS with it.
      assert.equal(reasonOf(result), refused, address);
    }
    // Every resolved address counts, not just the first.
    const mixed = await fetchIdpMetadata("https://idp.example.test/", options({ lookup: async () => [{ address: "20.190.0.1", family: 4 }, { address: "10.0.0.1", family: 4 }] }));
    assert.equal(reasonOf(mixed), refused);
    assert.equal(connect.mock.callCount(), 0);
    assert.equal(lookups.length, INTERNAL_ADDRESSES.length);
  });

  test("allowed via the operator allow-list (IP literal)", async () => {
    const result = await fetchIdpMetadata(`${base}/metadata`, options({ allowPrivateHosts: ["127.0.0.1"] }));
    assert.ok(result.ok, reasonOf(result));
    assert.deepEqual(result.body, METADATA);
    assert.equal(result.contentType, "application/samlmetadata+xml");
    const parsed = parseIdpMetadata(result.body, { now: new Date("2024-01-01T00:00:00Z") });
    assert.ok(parsed.ok && parsed.metadata.entityId === "https://sts.windows.net/a9054a0f-2011-4e31-b3ac-fd8c354146ec/");
  });

  test("connects to the checked address: one DNS answer per host, a second answer cannot rebind", async () => {
    let calls = 0;
    const rebinding = async () => (calls++ === 0 ? [{ address: "127.0.0.1", family: 4 }] : [{ address: "10.0.0.1", family: 4 }]);
    const result = await fetchIdpMetadata(`http://idp.internal.test:${port}/metadata`, options({ allowPrivateHosts: ["IDP.internal.test"], lookup: rebinding }));
    assert.ok(result.ok, reasonOf(result));
    assert.equal(calls, 1);
    assert.equal(hosts.at(-1), `idp.internal.test:${port}`);
  });

  test("follows at most 3 redirects, re-checking each target", async (t) => {
    const allow = options({ allowPrivateHosts: ["127.0.0.1"] });
    const three = await fetchIdpMetadata(`${base}/hop/2`, allow);
    assert.ok(three.ok, reasonOf(three));
    assert.equal(three.url, `${base}/metadata`);
    assert.equal(reasonOf(await fetchIdpMetadata(`${base}/hop/3`, allow)), "The metadata URL redirects more than 3 times.");
    const connect = t.mock.method(net.Socket.prototype, "connect");
    assert.match(reasonOf(await fetchIdpMetadata(`${base}/to-private`, allow)), /^The metadata address 10\.0\.0\.1 is a private address;/);
    assert.equal(connect.mock.callCount(), 1, "only the first hop (127.0.0.1) was connected");
    assert.equal(reasonOf(await fetchIdpMetadata(`${base}/to-ftp`, allow)), "The metadata URL must start with https:// or http://");
  });

  test("body size is bounded (declared and streamed)", async () => {
    const allow = options({ allowPrivateHosts: ["127.0.0.1"] });
    assert.equal(reasonOf(await fetchIdpMetadata(`${base}/big-declared`, allow)), "The metadata document is larger than 1 MiB.");
    assert.equal(reasonOf(await fetchIdpMetadata(`${base}/big-chunked`, allow)), "The metadata document is larger than 1 MiB.");
  });

  test("total time is bounded (slow body, slow DNS)", async () => {
    const slow = await fetchIdpMetadata(`${base}/slow`, options({ allowPrivateHosts: ["127.0.0.1"], timeoutMs: 300 }));
    assert.equal(reasonOf(slow), "The metadata download took longer than 300 ms.");
    const hangingDns = await fetchIdpMetadata("https://idp.example.test/", options({ timeoutMs: 200, lookup: () => new Promise(() => undefined) }));
    assert.equal(reasonOf(hangingDns), "The metadata download took longer than 200 ms.");
  });

  test("HTTP errors are reported", async () => {
    assert.equal(reasonOf(await fetchIdpMetadata(`${base}/missing`, options({ allowPrivateHosts: ["127.0.0.1"] }))), "The metadata URL answered HTTP 404; expected 200 with the metadata XML.");
  });
});

describe("internalAddressKind", () => {
  test("every special-purpose range is refused, IPv4 carried inside IPv6 is checked too", () => {
    for (const [address, kind] of Object.entries(SPECIAL_PURPOSE)) assert.equal(internalAddressKind(address), kind, address);
    assert.equal(internalAddressKind("[::1]"), "a loopback address");
  });

  test("public unicast passes", () => {
    for (const address of ["20.190.151.68", "8.8.8.8", "100.128.0.1", "172.32.0.1", "192.0.1.1", "2603:1036:3000::1", "2001:4860:4860::8888", "2a00:1450:4001::1"]) {
      assert.equal(internalAddressKind(address), null, address);
    }
  });

  test("only canonical literals are addresses", () => {
    for (const text of ["0x7f.1", "017700000001", "2130706433", "localhost", ""]) assert.equal(internalAddressKind(text), "not an IP address", text);
  });
});
