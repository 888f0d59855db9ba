import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { describe, test } from "node:test";
import { parseUntrustedXml, NS, children, attr, descendants } from "../../src/sso/saml/xml.js";
import { buildSpMetadata, type SpMetadataInput } from "../../src/sso/saml/sp-metadata.js";
import { testKeys } from "../support/saml-fixtures.js";
import { schemaErrors, toolSkip } from "../support/xml-tools.js";

const input: SpMetadataInput = {
  entityId: "https://blanca.test/sso/saml/acc_1",
  acsUrl: "https://blanca.test/sso/saml/acc_1/acs?x=1&y=2",
  sloUrl: "https://blanca.test/sso/saml/acc_1/slo",
  signingCertificates: [testKeys.sp.cert, testKeys.idpB.cert],
  encryptionCertificate: testKeys.sp.cert,
  nameIdFormats: ["urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress", "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"],
  wantAssertionsSigned: true,
  authnRequestsSigned: true,
  organization: { name: "Acme & Söhne <QR>", displayName: "Acme", url: "https://acme.test" },
};

describe("buildSpMetadata", () => {
  test("valid against saml-schema-metadata-2.0.xsd (offline, --nonet)", { skip: toolSkip("xmllint") }, () => {
    assert.equal(schemaErrors(buildSpMetadata(input), "saml-schema-metadata-2.0.xsd"), "");
    const minimal = buildSpMetadata({ entityId: "urn:blanca:acc_2", acsUrl: "https://blanca.test/acs", signingCertificates: [], nameIdFormats: [], wantAssertionsSigned: true, authnRequestsSigned: false });
    assert.equal(schemaErrors(minimal, "saml-schema-metadata-2.0.xsd"), "");
  });

  test("endpoints, bindings, keys (current + next) and flags", () => {
    const parsed = parseUntrustedXml(buildSpMetadata(input), 1024 * 1024);
    assert.ok(parsed.ok);
    assert.equal(attr(parsed.root, "entityID"), input.entityId);
    const sp = children(parsed.root, NS.md, "SPSSODescriptor")[0]!;
    assert.equal(attr(sp, "WantAssertionsSigned"), "true");
    assert.equal(attr(sp, "AuthnRequestsSigned"), "true");
    const acs = children(sp, NS.md, "AssertionConsumerService");
    assert.deepEqual(acs.map((e) => [attr(e, "Binding"), attr(e, "Location")]), [["urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST", input.acsUrl]]);
    const slo = children(sp, NS.md, "SingleLogoutService").map((e) => attr(e, "Binding"));
    assert.deepEqual(slo, ["urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"]);
    const keys = children(sp, NS.md, "KeyDescriptor").map((k) => [attr(k, "use"), new X509Certificate(Buffer.from(descendants(k, NS.ds, "X509Certificate")[0]!.textContent!, "base64")).subject]);
    assert.deepEqual(keys, [
      ["signing", "CN=Blanca test sp (test only\\, not secret)"],
      ["signing", "CN=Blanca test idp-b (test only\\, not secret)"],
      ["encryption", "CN=Blanca test sp (test only\\, not secret)"],
    ]);
    assert.equal(children(sp, NS.md, "NameIDFormat").length, 2);
  });
});
