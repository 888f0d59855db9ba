import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseIdpMetadata, type IdpMetadata } from "../../src/sso/saml/idp-metadata.js";
import { localFixture, sharedFixture, sharedSkip } from "../support/saml-fixtures.js";

const NOW = new Date("2026-03-01T00:00:00.000Z");
const AFS = "CN=Microsoft Azure Federated SSO Certificate";
const GLOBAL = "CN=accounts.accesscontrol.windows.net";

function parse(xml: Buffer | string, now = NOW): IdpMetadata {
  const result = parseIdpMetadata(xml, { now });
  assert.ok(result.ok, result.ok ? "" : result.reason);
  return result.metadata;
}

function refusal(xml: Buffer | string, options: { maxBytes?: number } = {}): string {
  const result = parseIdpMetadata(xml, { now: NOW, ...options });
  assert.equal(result.ok, false, "expected a refusal");
  return result.ok ? "" : result.reason;
}

const day = (date: Date) => date.toISOString().slice(0, 10);
const windows = (m: IdpMetadata) => m.signingCertificates.map((c) => `${c.subject} ${day(c.notBefore)}..${day(c.notAfter)}`);

describe("Entra metadata documents", () => {
  test("entra-app-metadata-ssoready.xml: one app certificate, SSO Redirect+POST, SLO Redirect", () => {
    const m = parse(localFixture("entra/metadata/entra-app-metadata-ssoready.xml"));
    assert.equal(m.entityId, "https://sts.windows.net/a9054a0f-2011-4e31-b3ac-fd8c354146ec/");
    const url = "https://login.microsoftonline.com/a9054a0f-2011-4e31-b3ac-fd8c354146ec/saml2";
    assert.deepEqual(m.ssoUrls, { redirect: url, post: url });
    assert.deepEqual(m.sloUrls, { redirect: url });
    assert.deepEqual(windows(m), [`${AFS} 2023-11-16..2026-11-16`]);
    assert.equal(m.signingCertificates[0]!.sha1Thumbprint.slice(0, 6), "A33533");
    assert.match(m.signingCertificates[0]!.sha256Fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.match(m.signingCertificates[0]!.pem, /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/);
    assert.doesNotMatch(m.signingCertificates[0]!.base64, /\s/);
    assert.deepEqual(m.nameIdFormats, []);
    assert.equal(m.validUntil, null);
    assert.deepEqual(m.warnings, []);
  });

  test("entra-app-metadata-rollover-ggtristams.xml: both rollover certificates, in document order", { skip: sharedSkip("metadata/entra-app-metadata-rollover-ggtristams.xml") }, () => {
    const m = parse(sharedFixture("metadata/entra-app-metadata-rollover-ggtristams.xml"));
    assert.equal(m.entityId, "https://sts.windows.net/81c1df79-e153-4f9d-a101-8dcf04af6c2c/");
    assert.deepEqual(windows(m), [`${AFS} 2022-09-28..2025-09-28`, `${AFS} 2024-05-07..2027-05-07`]);
    assert.deepEqual(m.signingCertificates.map((c) => c.sha1Thumbprint.slice(0, 6)), ["9B6A43", "815D70"]);
    assert.ok(m.signingCertificates[0]!.expired(NOW));
    assert.ok(!m.signingCertificates[1]!.expired(NOW));
    assert.equal(m.warnings.length, 1);
    assert.match(m.warnings[0]!, /9B6A43.*expired on 2025-09-28/);
    assert.deepEqual(m.sloUrls, { redirect: "https://login.microsoftonline.com/81c1df79-e153-4f9d-a101-8dcf04af6c2c/saml2" });
  });

  test("entra-app-metadata-reformatted-garashis.xml: pretty-printed copy still imports", () => {
    const m = parse(localFixture("entra/metadata/entra-app-metadata-reformatted-garashis.xml"));
    assert.equal(m.entityId, "https://sts.windows.net/c3da75cd-0276-4e14-a2ab-12128bba114c/");
    assert.deepEqual(windows(m), [`${AFS} 2022-10-25..2025-10-25`]);
    assert.ok(m.ssoUrls.redirect && m.ssoUrls.post);
  });

  test("entra-tenant-metadata-xml-crypto.xml: two global keys; the one that signed the metadata is listed second", () => {
    const m = parse(localFixture("entra/metadata/entra-tenant-metadata-xml-crypto.xml"));
    assert.equal(m.entityId, "https://sts.windows.net/8bd6e98d-e212-4022-b13f-a244fab4c253/");
    assert.deepEqual(windows(m), [`${GLOBAL} 2014-01-01..2016-01-01`, `${GLOBAL} 2014-10-28..2016-10-27`]);
    const pem = localFixture("entra/metadata/entra-tenant-metadata-xml-crypto.pem").toString("utf8");
    assert.equal(m.signingCertificates[1]!.base64, pem.replace(/-----[^-]+-----|\s/g, ""));
    assert.match(m.ssoUrls.redirect!, /^https:\/\/login\.windows\.net\//);
    assert.equal(m.warnings.length, 2, "both keys expired long ago");
  });

  test("entra-tenant-metadata-2014-aspnet-security.xml: expired key kept; Redirect-only SSO", () => {
    const m = parse(localFixture("entra/metadata/entra-tenant-metadata-2014-aspnet-security.xml"), new Date("2014-08-01T00:00:00Z"));
    assert.equal(m.entityId, "https://sts.windows.net/4afbc689-805b-48cf-a24c-d4aa3248a248/");
    assert.deepEqual(windows(m), [`${GLOBAL} 2014-01-01..2016-01-01`, `${GLOBAL} 2012-06-07..2014-06-07`]);
    assert.equal(m.signingCertificates[1]!.sha1Thumbprint, "3464C5BDD2BE7F2B6112E2F08E9C0024E33D9FE0");
    assert.deepEqual(Object.keys(m.ssoUrls), ["redirect"]);
    assert.deepEqual(Object.keys(m.sloUrls), ["redirect"]);
    assert.equal(m.warnings.length, 1);
    assert.match(m.warnings[0]!, /3464C5BD.*expired on 2014-06-07/);
  });

  test("entra-common-metadata-2026-erikgrootoonk.xml: four keys, {tenantid} placeholder warned", { skip: sharedSkip("metadata/entra-common-metadata-2026-erikgrootoonk.xml") }, () => {
    const m = parse(sharedFixture("metadata/entra-common-metadata-2026-erikgrootoonk.xml"));
    assert.equal(m.entityId, "https://sts.windows.net/{tenantid}/");
    assert.deepEqual(windows(m), [
      `${GLOBAL} 2026-01-10..2031-01-10`,
      `${GLOBAL} 2026-01-25..2031-01-25`,
      `${GLOBAL} 2026-02-05..2031-02-05`,
      "CN=login.microsoftonline.us 2026-02-04..2031-02-04",
    ]);
    assert.equal(m.ssoUrls.redirect, "https://login.microsoftonline.com/common/saml2");
    assert.equal(m.warnings.length, 1);
    assert.match(m.warnings[0]!, /\{tenantid\}/);
  });
});

describe("other IdPs", () => {
  test("ADFS 2016: only the IDPSSODescriptor's signing key; SPSSODescriptor and encryption key ignored", () => {
    const m = parse(localFixture("other-idps/adfs-2016-metadata-identitymodel.xml"));
    assert.equal(m.entityId, "http://fs.msidlab11.com/adfs/services/trust");
    assert.deepEqual(windows(m), ["CN=ADFS Signing - fs.msidlab11.com 2017-01-23..2018-01-23"]);
    assert.deepEqual(m.ssoUrls, { redirect: "https://fs.msidlab11.com/adfs/ls/", post: "https://fs.msidlab11.com/adfs/ls/" });
    assert.deepEqual(m.sloUrls, { redirect: "https://fs.msidlab11.com/adfs/ls/", post: "https://fs.msidlab11.com/adfs/ls/" });
    assert.equal(m.nameIdFormats.length, 3);
  });

  test("Okta (md: prefix)", () => {
    const m = parse(localFixture("other-idps/okta-metadata-ssoready.xml"));
    assert.equal(m.entityId, "http://www.okta.com/exkdoocxa1VmjpXmX697");
    assert.equal(m.signingCertificates.length, 1);
    assert.match(m.signingCertificates[0]!.subject, /CN=trial-1022863/);
    assert.ok(m.ssoUrls.post && m.ssoUrls.redirect);
    assert.deepEqual(m.sloUrls, {});
  });

  test("Google: validUntil read", () => {
    const m = parse(localFixture("other-idps/google-metadata-ssoready.xml"));
    assert.equal(m.entityId, "https://accounts.google.com/o/saml2?idpid=C029op2ga");
    assert.equal(m.validUntil?.toISOString().slice(0, 10), "2028-07-19");
    assert.deepEqual(m.nameIdFormats, ["urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"]);
    assert.deepEqual(m.warnings, []);
  });

  test("Keycloak: same namespace as default and md:, WantAuthnRequestsSigned, 4 NameIDFormats", () => {
    const m = parse(localFixture("other-idps/keycloak-metadata-ssoready.xml"));
    assert.equal(m.entityId, "http://localhost:8085/realms/master");
    assert.equal(m.wantAuthnRequestsSigned, true);
    assert.equal(m.nameIdFormats.length, 4);
    assert.deepEqual(windows(m), ["CN=master 2024-05-20..2034-05-20"]);
  });

  test("OneLogin: SOAP binding ignored", () => {
    const m = parse(localFixture("other-idps/onelogin-metadata-php-saml.xml"));
    assert.equal(m.entityId, "https://app.onelogin.com/saml/metadata/645460");
    assert.deepEqual(m.ssoUrls, { redirect: "https://example.onelogin.com/trust/saml2/http-redirect/sso/645460", post: "https://example.onelogin.com/trust/saml2/http-post/sso/645460" });
    assert.deepEqual(m.nameIdFormats, ["urn:oasis:names:tc:SAML:2.0:nameid-format:transient"]);
  });

  test("Shibboleth: KeyDescriptor without use counts as signing; certificate text with blank lines", () => {
    const m = parse(localFixture("other-idps/shibboleth-metadata-no-use-identitymodel.xml"));
    assert.equal(m.entityId, "https://idp.msidlab13.com/idp/shibboleth");
    assert.deepEqual(windows(m), ["C=US, ST=WA, L=Redmond, O=Shane Oatman, CN=*.msidlab13.com 2017-02-06..2018-02-14"]);
    assert.deepEqual(m.sloUrls, {});
  });
});

describe("shapes and refusals", () => {
  const cert = parse(localFixture("entra/metadata/entra-app-metadata-ssoready.xml")).signingCertificates[0]!.base64;
  const idp = (prefix: string, entityAttrs = "") =>
    `<${prefix}EntityDescriptor xmlns${prefix ? `:${prefix.slice(0, -1)}` : ""}="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.test/"${entityAttrs}>` +
    `<${prefix}IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
    `<${prefix}KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>${cert}</X509Certificate></X509Data></KeyInfo></${prefix}KeyDescriptor>` +
    `<${prefix}SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.test/sso"/>` +
    `</${prefix}IDPSSODescriptor></${prefix}EntityDescriptor>`;

  test("any prefix or none, matched by namespace URI", () => {
    for (const prefix of ["", "md:", "x:"]) assert.equal(parse(idp(prefix)).ssoUrls.post, "https://idp.test/sso");
  });

  test("a prefix bound to another namespace does not count", () => {
    const wrongNs = idp("md:").replace('xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"', 'xmlns:md="urn:example:not-metadata"');
    assert.match(refusal(wrongNs), /not SAML 2.0 metadata/);
  });

  test("EntitiesDescriptor wrapping one EntityDescriptor; two IdPs refused", () => {
    const one = `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">${idp("")}</EntitiesDescriptor>`;
    assert.equal(parse(one).entityId, "https://idp.test/");
    const two = `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">${idp("")}${idp("").replace("https://idp.test/", "https://idp2.test/")}</EntitiesDescriptor>`;
    assert.match(refusal(two), /2 identity providers \(https:\/\/idp.test\/, https:\/\/idp2.test\/\)/);
  });

  test("UTF-8 BOM, as string and as bytes", () => {
    assert.equal(parse(`\uFEFF<?xml version="1.0" encoding="utf-8"?>${idp("")}`).entityId, "https://idp.test/");
    assert.equal(parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(idp(""))])).entityId, "https://idp.test/");
  });

  test("DOCTYPE refused (XXE and entity expansion)", () => {
    assert.match(refusal(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${idp("")}`), /DOCTYPE/);
    assert.match(refusal(`<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">]>${idp("")}`), /DOCTYPE/);
  });

  test("size bounded before parsing", () => {
    assert.match(refusal(`${idp("")}<!--${"x".repeat(1024 * 1024)}-->`), /larger than 1 MiB/);
    assert.match(refusal(idp(""), { maxBytes: 100 }), /larger than 100 bytes/);
  });

  test("not XML, not metadata, SP metadata, no usable key, no SSO endpoint", () => {
    assert.match(refusal("this is not xml <"), /not well-formed/);
    assert.match(refusal("<html><body>Sign in</body></html>"), /root element is html/);
    const sp = idp("").replace(/IDPSSODescriptor/g, "SPSSODescriptor");
    assert.match(refusal(sp), /service provider, not an identity provider/);
    assert.match(refusal(idp("").replace('use="signing"', 'use="encryption"')), /no usable signing certificate/);
    assert.match(refusal(idp("").replace(/<SingleSignOnService[^>]+>/, "")), /no SingleSignOnService/);
  });

  test("an unreadable certificate is skipped with a warning when another one is usable", () => {
    const extra = `<KeyDescriptor><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>AAAA</X509Certificate></X509Data></KeyInfo></KeyDescriptor>`;
    const m = parse(idp("").replace("<KeyDescriptor", `${extra}<KeyDescriptor`));
    assert.equal(m.signingCertificates.length, 1);
    assert.match(m.warnings.join(" "), /skipped/);
  });
});
