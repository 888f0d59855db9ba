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
      "The metadata host 127.0.0.1 resolves to a loopback address (127.0.0.1); Blanca does not fetch internal addresses. The platform operator can allow this host.",
    );
  });

  test("a host resolving to a private address is refused before any connection", async (t) => {
    const connect = t.mock.method(net.Socket.prototype, "connect", () => {
      throw new Error("a socket was opened");
    });
    const lookups: string[] = [];
    for (const [address, kind] of [["10.1.2.3", "a private address"], ["169.254.169.254", "a link-local address"], ["100.64.0.7", "a carrier-grade NAT address"], ["fd00::1", "a private address"], ["::ffff:192.168.1.1", "a private address"]] as const) {
      const result = await fetchIdpMetadata("https://idp.example.test/federationmetadata.xml", options({
        lookup: async (host) => {
          lookups.push(host);
          return [{ address, family: net.isIP(address) }];
        },
      }));
      assert.equal(reasonOf(result), `The metadata host idp.example.test resolves to ${kind} (${address}); Blanca does not fetch internal addresses. The platform operator can allow this host.`);
    }
    // Every resolved address counts, not just the first.
    const mixed = await fetchIdpMetadata("https://idp.example.test/", options({ lookup: async () => [{ address: "20.190.0.1", family: 4 }, { address: "10.0.0.1", family: 4 }] }));
    assert.match(reasonOf(mixed), /private address \(10\.0\.0\.1\)/);
    assert.equal(connect.mock.callCount(), 0);
    assert.equal(lookups.length, 5);
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
    assert.match(reasonOf(await fetchIdpMetadata(`${base}/to-private`, allow)), /resolves to a private address \(10\.0\.0\.1\)/);
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
  test("classifies internal ranges and lets public addresses through", () => {
    const cases: Record<string, string | null> = {
      "0.0.0.0": "a 'this network' address",
      "10.255.0.1": "a private address",
      "100.127.255.255": "a carrier-grade NAT address",
      "100.128.0.1": null,
      "127.0.0.53": "a loopback address",
      "169.254.169.254": "a link-local address",
      "172.31.255.255": "a private address",
      "172.32.0.1": null,
      "192.168.0.1": "a private address",
      "224.0.0.251": "a multicast address",
      "255.255.255.255": "a reserved address",
      "::1": "a loopback address",
      "fe80::1": "a link-local address",
      "fc00::1": "a private address",
      "ff02::1": "a multicast address",
      "::ffff:127.0.0.1": "a loopback address",
      "20.190.151.68": null,
      "2603:1036:3000::1": null,
    };
    for (const [address, kind] of Object.entries(cases)) assert.equal(internalAddressKind(address), kind, address);
  });
});

