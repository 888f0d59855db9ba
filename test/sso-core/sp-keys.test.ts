import assert from "node:assert/strict";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { describe, test } from "node:test";
import { generateSpKeyPair } from "../../src/sso/saml/sp-keys.js";

describe("generateSpKeyPair", () => {
  test("self-signed RSA-2048 certificate whose key matches, valid from now for 3 years", async () => {
    const now = new Date("2030-06-01T12:00:00.000Z");
    const pair = await generateSpKeyPair({ commonName: "Blanca SP acc_1", now });
    const certificate = new X509Certificate(pair.certificatePem);
    assert.equal(certificate.subject, "CN=Blanca SP acc_1");
    assert.equal(certificate.issuer, "CN=Blanca SP acc_1");
    assert.ok(certificate.verify(certificate.publicKey), "self-signed");
    assert.ok(certificate.checkPrivateKey(createPrivateKey(pair.privateKeyPem)));
    assert.equal(certificate.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.ok(pair.notBefore.getTime() <= now.getTime() && pair.notBefore.getTime() >= now.getTime() - 10 * 60_000);
    assert.equal(pair.notAfter.toISOString(), "2033-05-31T12:00:00.000Z");
    assert.equal(pair.sha256Fingerprint, certificate.fingerprint256);
    assert.match(pair.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  });
});
