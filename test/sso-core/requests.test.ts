import assert from "node:assert/strict";
import { createVerify } from "node:crypto";
import { describe, test } from "node:test";
import { deflateRawSync, inflateRawSync } from "node:zlib";
import {
  buildAuthnRequestPost,
  buildAuthnRequestRedirect,
  buildLogoutRequestRedirect,
  buildLogoutResponseRedirect,
  validateLogoutRequest,
  validateLogoutResponse,
  type IncomingSamlMessage,
  type ValidateLogoutRequestInput,
} from "../../src/sso/saml/requests.js";
import { testKeys } from "../support/saml-fixtures.js";
import { signRoot } from "../support/saml-signer.js";
import { schemaErrors, toolSkip, xmlsecVerifies } from "../support/xml-tools.js";

const NOW = new Date("2030-01-01T10:00:00.000Z");
const IDP_ENTITY = "https://sts.windows.net/11111111-2222-3333-4444-555555555555/";
const IDP_URL = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/saml2";
const spKey = { privateKeyPem: testKeys.sp.key, certificatePem: testKeys.sp.cert };
const SP = { entityId: "https://blanca.test/sso/saml/acc_1", acsUrl: "https://blanca.test/sso/saml/acc_1/acs", sloUrl: "https://blanca.test/sso/saml/acc_1/slo", signing: spKey };
const IDP = { entityId: IDP_ENTITY, ssoUrl: IDP_URL, sloUrl: IDP_URL, certificates: [testKeys.idpA.cert] };

function inflateParam(url: string, name = "SAMLRequest"): string {
  const value = new URL(url).searchParams.get(name);
  assert.ok(value, `${name} missing`);
  return inflateRawSync(Buffer.from(value, "base64")).toString("utf8");
}

/** The Redirect-binding signature covers the encoded query parameters in this order. */
function redirectSignatureVerifies(url: string, certificatePem: string, messageParam = "SAMLRequest"): boolean {
  const query = new URL(url).search.slice(1).split("&");
  const pick = (name: string) => query.find((pair) => pair.startsWith(`${name}=`));
  const signed = [pick(messageParam), pick("RelayState"), pick("SigAlg")].filter(Boolean).join("&");
  const signature = new URL(url).searchParams.get("Signature") ?? "";
  return createVerify("RSA-SHA256").update(signed).verify(certificatePem, signature, "base64");
}

describe("AuthnRequest", () => {
  test("HTTP-Redirect, unsigned: deflated, with the request ID to store and IssueInstant = now", async () => {
    const { url, requestId } = await buildAuthnRequestRedirect({ sp: SP, idp: IDP, now: NOW, sign: false, relayState: "rs_opaque123" });
    assert.ok(url.startsWith(`${IDP_URL}?`));
    assert.match(requestId, /^_[0-9a-f]{40}$/);
    const params = new URL(url).searchParams;
    assert.equal(params.get("RelayState"), "rs_opaque123");
    assert.equal(params.get("Signature"), null);
    const xml = inflateParam(url);
    assert.match(xml, new RegExp(`ID="${requestId}"`));
    assert.match(xml, /IssueInstant="2030-01-01T10:00:00.000Z"/);
    assert.match(xml, new RegExp(`Destination="${IDP_URL}"`));
    assert.match(xml, /AssertionConsumerServiceURL="https:\/\/blanca.test\/sso\/saml\/acc_1\/acs"/);
    assert.match(xml, /ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"/);
    assert.match(xml, /<saml:Issuer>https:\/\/blanca.test\/sso\/saml\/acc_1<\/saml:Issuer>/);
    assert.doesNotMatch(xml, /RequestedAuthnContext|NameIDPolicy/);
  });

  test("the XML is valid against saml-schema-protocol-2.0.xsd", { skip: toolSkip("xmllint") }, async () => {
    const { url } = await buildAuthnRequestRedirect({ sp: SP, idp: IDP, now: NOW, sign: false, forceAuthn: true, nameIdFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" });
    assert.equal(schemaErrors(inflateParam(url), "saml-schema-protocol-2.0.xsd"), "");
  });

  test("HTTP-Redirect, signed: SigAlg rsa-sha256 and a query signature by the SP key", async () => {
    const { url } = await buildAuthnRequestRedirect({ sp: SP, idp: IDP, now: NOW, sign: true, relayState: "rs_1" });
    assert.equal(new URL(url).searchParams.get("SigAlg"), "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
    assert.ok(redirectSignatureVerifies(url, testKeys.sp.cert));
    assert.ok(!redirectSignatureVerifies(url.replace("rs_1", "rs_2"), testKeys.sp.cert));
  });

  test("HTTP-POST: not deflated; signed with an enveloped signature that xmlsec1 verifies", { skip: toolSkip("xmlsec1") || toolSkip("xmllint") }, () => {
    const { action, fields, requestId } = buildAuthnRequestPost({ sp: SP, idp: IDP, now: NOW, sign: true, relayState: "rs_2" });
    assert.equal(action, IDP_URL);
    assert.equal(fields["RelayState"], "rs_2");
    const xml = Buffer.from(fields["SAMLRequest"]!, "base64").toString("utf8");
    assert.ok(xml.startsWith("<samlp:AuthnRequest"), "plain XML, not DEFLATE");
    assert.match(xml, new RegExp(`ID="${requestId}"`));
    assert.match(xml, /<saml:Issuer>[^<]+<\/saml:Issuer><Signature/);
    assert.match(xml, /rsa-sha256/);
    assert.ok(xmlsecVerifies(xml, testKeys.sp.cert, "urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest"));
    assert.ok(!xmlsecVerifies(xml.replace(SP.acsUrl, "https://evil.test/acs"), testKeys.sp.cert, "urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest"));
    assert.equal(schemaErrors(xml, "saml-schema-protocol-2.0.xsd"), "");
  });

  test("HTTP-POST unsigned has no Signature", () => {
    const { fields } = buildAuthnRequestPost({ sp: SP, idp: IDP, now: NOW, sign: false });
    assert.doesNotMatch(Buffer.from(fields["SAMLRequest"]!, "base64").toString("utf8"), /Signature/);
  });
});

describe("LogoutRequest to the IdP", () => {
  test("signed, carrying NameID (with Format) and SessionIndex", { skip: toolSkip("xmllint") }, async () => {
    const { url, requestId } = await buildLogoutRequestRedirect({
      sp: SP,
      idp: IDP,
      now: NOW,
      nameId: "adam@example.test",
      nameIdFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
      sessionIndex: "_66b104aa-1f7a-402f-abe6-d131c8896400",
    });
    const xml = inflateParam(url);
    assert.match(xml, new RegExp(`ID="${requestId}"`));
    assert.match(xml, /<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">adam@example.test<\/saml:NameID>/);
    assert.match(xml, /<samlp:SessionIndex>_66b104aa-1f7a-402f-abe6-d131c8896400<\/samlp:SessionIndex>/);
    assert.match(xml, /IssueInstant="2030-01-01T10:00:00.000Z"/);
    assert.ok(redirectSignatureVerifies(url, testKeys.sp.cert));
    assert.equal(schemaErrors(xml, "saml-schema-protocol-2.0.xsd"), "");
  });
});

describe("IdP-initiated LogoutRequest", () => {
  // What Entra sends to Blanca's logout URL: built here with the IdP in the sender's seat.
  async function fromIdp(options: { issuer?: string; destination?: string; key?: string; sessionIndex?: string | null; relayState?: string } = {}): Promise<string> {
    const { url } = await buildLogoutRequestRedirect({
      sp: { entityId: options.issuer ?? IDP_ENTITY, acsUrl: "https://unused.test", signing: { privateKeyPem: options.key ?? testKeys.idpA.key, certificatePem: testKeys.idpA.cert } },
      idp: { entityId: "unused", ssoUrl: options.destination ?? SP.sloUrl, sloUrl: options.destination ?? SP.sloUrl, certificates: [] },
      now: NOW,
      nameId: "adam@example.test",
      nameIdFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
      sessionIndex: options.sessionIndex === undefined ? "_s1" : options.sessionIndex,
      ...(options.relayState ? { relayState: options.relayState } : {}),
    });
    return new URL(url).search.slice(1);
  }

  const validate = (message: IncomingSamlMessage, overrides: Partial<ValidateLogoutRequestInput> = {}) =>
    validateLogoutRequest({ message, sp: SP, idp: { ...IDP, allowSha1: false }, now: NOW, ...overrides });

  test("accepted: NameID, SessionIndex and RelayState come out", async () => {
    const result = await validate({ binding: "redirect", rawQuery: await fromIdp({ relayState: "rs_9" }) });
    assert.ok(result.ok, result.ok ? "" : `${result.code}: ${result.reason}`);
    assert.equal(result.request.nameId, "adam@example.test");
    assert.equal(result.request.nameIdFormat, "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
    assert.deepEqual(result.request.sessionIndexes, ["_s1"]);
    assert.equal(result.request.relayState, "rs_9");
    assert.equal(result.request.issuer, IDP_ENTITY);
  });

  test("and the LogoutResponse Blanca sends back is signed, with InResponseTo and Success", async () => {
    const received = await validate({ binding: "redirect", rawQuery: await fromIdp() });
    assert.ok(received.ok);
    const { url } = await buildLogoutResponseRedirect({ sp: SP, idp: IDP, now: NOW, inResponseTo: received.request.id, success: true, relayState: "rs_9" });
    const xml = inflateParam(url, "SAMLResponse");
    assert.match(xml, new RegExp(`InResponseTo="${received.request.id}"`));
    assert.match(xml, /StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/);
    assert.ok(redirectSignatureVerifies(url, testKeys.sp.cert, "SAMLResponse"));
  });

  test("refused: tampered query, unknown key, wrong issuer, wrong destination", async () => {
    const tampered = (await fromIdp({ relayState: "rs_1" })).replace("rs_1", "rs_2");
    const codes = [
      await validate({ binding: "redirect", rawQuery: tampered }),
      await validate({ binding: "redirect", rawQuery: await fromIdp({ key: testKeys.idpB.key }) }),
      await validate({ binding: "redirect", rawQuery: await fromIdp({ issuer: "https://sts.windows.net/other/" }) }),
      await validate({ binding: "redirect", rawQuery: await fromIdp({ destination: "https://evil.test/slo" }) }),
    ].map((result) => (result.ok ? "ok" : result.code));
    assert.deepEqual(codes, ["signature_invalid", "signature_invalid", "issuer_mismatch", "destination_mismatch"]);
  });

  test("refused unsigned unless the account turned the requirement off", async () => {
    const xml = `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_l1" Version="2.0" IssueInstant="${NOW.toISOString()}"><saml:Issuer>${IDP_ENTITY}</saml:Issuer><saml:NameID>adam@example.test</saml:NameID></samlp:LogoutRequest>`;
    const rawQuery = `SAMLRequest=${encodeURIComponent(deflateRawSync(xml).toString("base64"))}`;
    const refused = await validate({ binding: "redirect", rawQuery });
    assert.equal(refused.ok ? "ok" : refused.code, "signature_missing");
    const allowed = await validate({ binding: "redirect", rawQuery }, { requireSignature: false });
    assert.ok(allowed.ok);
    assert.deepEqual(allowed.request.sessionIndexes, []);
  });

  test("refused: DOCTYPE, and a DEFLATE bomb", async () => {
    const xml = `<!DOCTYPE x [<!ENTITY a "a">]><samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`;
    const doctype = await validate({ binding: "redirect", rawQuery: `SAMLRequest=${encodeURIComponent(deflateRawSync(xml).toString("base64"))}` });
    assert.equal(doctype.ok ? "ok" : doctype.code, "doctype_forbidden");
    const bomb = deflateRawSync(Buffer.alloc(20 * 1024 * 1024, 0x20)); // 20 MiB of spaces, ~20 KiB deflated
    const inflated = await validate({ binding: "redirect", rawQuery: `SAMLRequest=${encodeURIComponent(bomb.toString("base64"))}` });
    assert.equal(inflated.ok ? "ok" : inflated.code, "message_too_large");
  });

  test("HTTP-POST: enveloped signature required and verified", async () => {
    const xml = `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_l2" Version="2.0" IssueInstant="${NOW.toISOString()}" Destination="${SP.sloUrl}"><saml:Issuer>${IDP_ENTITY}</saml:Issuer><saml:NameID>adam@example.test</saml:NameID><samlp:SessionIndex>_s1</samlp:SessionIndex><samlp:SessionIndex>_s2</samlp:SessionIndex></samlp:LogoutRequest>`;
    const signed = signRoot(xml, { key: testKeys.idpA.key, cert: testKeys.idpA.cert });
    const ok = await validate({ binding: "post", form: { SAMLRequest: Buffer.from(signed).toString("base64") } });
    assert.ok(ok.ok, ok.ok ? "" : `${ok.code}: ${ok.reason}`);
    assert.deepEqual(ok.request.sessionIndexes, ["_s1", "_s2"]);
    const unsigned = await validate({ binding: "post", form: { SAMLRequest: Buffer.from(xml).toString("base64") } });
    assert.equal(unsigned.ok ? "ok" : unsigned.code, "signature_missing");
    const altered = await validate({ binding: "post", form: { SAMLRequest: Buffer.from(signed.replace("_s2", "_s3")).toString("base64") } });
    assert.equal(altered.ok ? "ok" : altered.code, "signature_invalid");
  });
});

describe("LogoutResponse from the IdP", () => {
  async function fromIdp(inResponseTo: string, success = true): Promise<string> {
    const { url } = await buildLogoutResponseRedirect({
      sp: { entityId: IDP_ENTITY, acsUrl: "https://unused.test", signing: { privateKeyPem: testKeys.idpA.key, certificatePem: testKeys.idpA.cert } },
      idp: { entityId: "unused", ssoUrl: SP.sloUrl, sloUrl: SP.sloUrl, certificates: [] },
      now: NOW,
      inResponseTo,
      success,
    });
    return new URL(url).search.slice(1);
  }

  function pending(ids: string[]) {
    const set = new Set(ids);
    return { take: async (id: string) => set.delete(id) };
  }

  test("accepted once for the LogoutRequest Blanca sent", async () => {
    const store = pending(["_lr1"]);
    const input = async () => ({ message: { binding: "redirect" as const, rawQuery: await fromIdp("_lr1") }, sp: SP, idp: { ...IDP, allowSha1: false }, now: NOW, requestIdStore: store });
    const first = await validateLogoutResponse(await input());
    assert.ok(first.ok, first.ok ? "" : `${first.code}: ${first.reason}`);
    assert.equal(first.inResponseTo, "_lr1");
    const second = await validateLogoutResponse(await input());
    assert.equal(second.ok ? "ok" : second.code, "in_response_to_unknown");
  });

  test("refused when the IdP reports a failure", async () => {
    const result = await validateLogoutResponse({ message: { binding: "redirect", rawQuery: await fromIdp("_lr1", false) }, sp: SP, idp: { ...IDP, allowSha1: false }, now: NOW, requestIdStore: pending(["_lr1"]) });
    assert.equal(result.ok ? "ok" : result.code, "logout_status_not_success");
  });

  test("HTTP-POST: signed LogoutResponse accepted, altered refused", async () => {
    const xml = `<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_lp" Version="2.0" IssueInstant="${NOW.toISOString()}" Destination="${SP.sloUrl}" InResponseTo="_lr2"><saml:Issuer>${IDP_ENTITY}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>`;
    const signed = signRoot(xml, { key: testKeys.idpA.key, cert: testKeys.idpA.cert });
    const common = { sp: SP, idp: { ...IDP, allowSha1: false }, now: NOW };
    const ok = await validateLogoutResponse({ ...common, message: { binding: "post", form: { SAMLResponse: Buffer.from(signed).toString("base64") } }, requestIdStore: pending(["_lr2"]) });
    assert.ok(ok.ok, ok.ok ? "" : `${ok.code}: ${ok.reason}`);
    const altered = await validateLogoutResponse({ ...common, message: { binding: "post", form: { SAMLResponse: Buffer.from(signed.replace("_lr2", "_lr3")).toString("base64") } }, requestIdStore: pending(["_lr3"]) });
    assert.equal(altered.ok ? "ok" : altered.code, "signature_invalid");
  });
});
