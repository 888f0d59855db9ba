import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SamlFailureCode } from "../../src/sso/saml/failures.js";
import { verifySamlResponse, type VerifyInput, type VerifyResult } from "../../src/sso/saml/verify.js";
import { testKeys } from "../support/saml-fixtures.js";
import { buildAssertion, buildResponse, encryptAssertion, signAssertion, signResponse, toBase64, type ResponseSpec, type SignOptions } from "../support/saml-signer.js";

const NOW = new Date("2030-01-01T10:00:00.000Z");
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);
const SP = { entityId: "https://blanca.test/sso/saml/acc_1", acsUrl: "https://blanca.test/sso/saml/acc_1/acs" };
const IDP_ENTITY = "https://sts.windows.net/11111111-2222-3333-4444-555555555555/";
const signA: SignOptions = { key: testKeys.idpA.key, cert: testKeys.idpA.cert };

function spec(overrides: Partial<ResponseSpec> = {}): ResponseSpec {
  return {
    issuer: IDP_ENTITY,
    destination: SP.acsUrl,
    recipient: SP.acsUrl,
    audiences: [SP.entityId],
    inResponseTo: "_req1",
    issueInstant: NOW,
    notBefore: minutes(-5),
    notOnOrAfter: minutes(60),
    attributes: { "http://schemas.microsoft.com/ws/2008/06/identity/claims/role": ["whitelabel_admin", "Marketing"] },
    ...overrides,
  };
}

/** Entra's default: only the assertion is signed. */
function entraLike(overrides: Partial<ResponseSpec> = {}, sign = signA): string {
  const s = spec(overrides);
  return buildResponse(s, signAssertion(buildAssertion(s), sign));
}

function memoryStores(pending: string[] = ["_req1"]) {
  const requests = new Set(pending);
  const seen = new Map<string, Date>();
  return {
    requestIdStore: { take: async (id: string) => requests.delete(id) },
    replayCache: {
      remember: async (id: string, notOnOrAfter: Date) => {
        if (seen.has(id)) return false;
        seen.set(id, notOnOrAfter);
        return true;
      },
    },
    seen,
  };
}

function input(xml: string, overrides: Partial<VerifyInput> = {}): VerifyInput {
  const stores = memoryStores();
  return {
    samlResponse: toBase64(xml),
    sp: SP,
    idp: { entityId: IDP_ENTITY, ssoUrl: "https://login.microsoftonline.com/x/saml2", certificates: [testKeys.idpA.cert], allowSha1: false },
    now: NOW,
    allowIdpInitiated: false,
    requestIdStore: stores.requestIdStore,
    replayCache: stores.replayCache,
    ...overrides,
  };
}

function assertRefused(result: VerifyResult, code: SamlFailureCode, reasonPattern?: RegExp): void {
  assert.equal(result.ok, false, `expected refusal ${code}, got a login`);
  if (result.ok) return;
  assert.equal(result.code, code, `expected ${code}, got ${result.code}: ${result.reason}`);
  if (reasonPattern) assert.match(result.reason, reasonPattern);
  assert.ok(result.fix.length > 0);
}

describe("verifySamlResponse: accepted responses", () => {
  test("assertion-only signature (Entra default) gives the login, from the signed assertion", async () => {
    const result = await verifySamlResponse(input(entraLike()));
    assert.ok(result.ok, result.ok ? "" : `${result.code}: ${result.reason}`);
    assert.equal(result.login.nameId, "adam@example.test");
    assert.equal(result.login.nameIdFormat, "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress");
    assert.equal(result.login.inResponseTo, "_req1");
    assert.equal(result.login.sessionIndex, "_session1");
    assert.equal(result.login.issuer, IDP_ENTITY);
    assert.equal(result.login.assertionId, "_a1");
    assert.deepEqual(result.login.attributes, { "http://schemas.microsoft.com/ws/2008/06/identity/claims/role": ["whitelabel_admin", "Marketing"] });
    assert.equal(result.login.notOnOrAfter.toISOString(), minutes(60).toISOString());
    assert.deepEqual(result.login.warnings, []);
  });

  test("response and assertion both signed", async () => {
    const result = await verifySamlResponse(input(signResponse(entraLike(), signA)));
    assert.ok(result.ok);
    assert.deepEqual(result.login.warnings, []);
  });

  test("rollover: any configured certificate may have signed", async () => {
    const xml = entraLike({}, { key: testKeys.idpB.key, cert: testKeys.idpB.cert });
    const result = await verifySamlResponse(input(xml, { idp: { entityId: IDP_ENTITY, ssoUrl: "https://x", certificates: [testKeys.idpA.cert, testKeys.idpB.cert], allowSha1: false } }));
    assert.ok(result.ok);
  });

  test("signature without KeyInfo verifies against the configured certificates", async () => {
    const result = await verifySamlResponse(input(entraLike({}, { key: testKeys.idpA.key, cert: null })));
    assert.ok(result.ok);
  });

  test("SHA-1 only when the account allows it", async () => {
    const xml = entraLike({}, { ...signA, algorithm: "sha1" });
    assertRefused(await verifySamlResponse(input(xml)), "weak_signature_algorithm", /sha1/);
    const allowed = await verifySamlResponse(input(xml, { idp: { entityId: IDP_ENTITY, ssoUrl: "https://x", certificates: [testKeys.idpA.cert], allowSha1: true } }));
    assert.ok(allowed.ok);
  });

  test("SHA-512 is accepted", async () => {
    assert.ok((await verifySamlResponse(input(entraLike({}, { ...signA, algorithm: "sha512" })))).ok);
  });

  test("IdP-initiated when allowed: inResponseTo is null", async () => {
    const result = await verifySamlResponse(input(entraLike({ inResponseTo: null }), { allowIdpInitiated: true }));
    assert.ok(result.ok);
    assert.equal(result.login.inResponseTo, null);
  });

  test("clock skew: 2 minutes after NotOnOrAfter still accepted with the default 3 minutes", async () => {
    const result = await verifySamlResponse(input(entraLike(), { now: minutes(62) }));
    assert.ok(result.ok);
  });

  test("the replay cache keeps the assertion until NotOnOrAfter + skew", async () => {
    const stores = memoryStores();
    const result = await verifySamlResponse({ ...input(entraLike()), ...stores });
    assert.ok(result.ok);
    assert.equal(stores.seen.get("_a1")?.toISOString(), minutes(63).toISOString());
  });

  test("encrypted assertion (signed inside) is decrypted with the SP key", async () => {
    const s = spec();
    const encrypted = await encryptAssertion(signAssertion(buildAssertion(s), signA), testKeys.sp.cert);
    const xml = buildResponse(s, encrypted);
    const result = await verifySamlResponse(input(xml, { sp: { ...SP, privateKeyPem: testKeys.sp.key } }));
    assert.ok(result.ok, result.ok ? "" : `${result.code}: ${result.reason}`);
    assert.equal(result.login.nameId, "adam@example.test");
    assertRefused(await verifySamlResponse(input(xml)), "encrypted_assertion_without_key");
    assertRefused(await verifySamlResponse(input(xml, { sp: { ...SP, privateKeyPem: testKeys.idpB.key } })), "decryption_failed");
  });
});

describe("InResponseTo=\"\" (issue 11 item 5)", () => {
  test("is treated as absent: an IdP-initiated sign-in when allowed, with a note in the log; refused as unsolicited otherwise, saying so", async () => {
    const s = spec({ inResponseTo: null });
    const assertion = buildAssertion(s).replace("<saml:SubjectConfirmationData ", '<saml:SubjectConfirmationData InResponseTo="" ');
    const xml = buildResponse(s, signAssertion(assertion, signA)).replace("<samlp:Response ", '<samlp:Response InResponseTo="" ');
    const accepted = await verifySamlResponse(input(xml, { allowIdpInitiated: true }));
    assert.ok(accepted.ok, accepted.ok ? "" : `${accepted.code}: ${accepted.reason}`);
    assert.equal(accepted.login.inResponseTo, null);
    assert.ok(accepted.login.warnings.some((w) => /InResponseTo="" was treated as absent/.test(w)));
    assertRefused(await verifySamlResponse(input(xml)), "unsolicited_response", /InResponseTo="" was treated as absent/);
  });
});

describe("verifySamlResponse: one refusal per check", () => {
  test("input over the size bound is refused before base64 decoding", async () => {
    const huge = "!".repeat(800_000); // not even base64: the size check must come first
    assertRefused(await verifySamlResponse({ ...input(""), samlResponse: huge }), "message_too_large");
  });

  test("not base64 / not XML", async () => {
    assertRefused(await verifySamlResponse({ ...input(""), samlResponse: "%%%not-base64%%%" }), "malformed_message");
    assertRefused(await verifySamlResponse(input("<samlp:Response")), "malformed_message");
  });

  test("DOCTYPE (XXE, billion laughs) is refused", async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + entraLike();
    assertRefused(await verifySamlResponse(input(xxe)), "doctype_forbidden");
    const laughs = `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>` + entraLike();
    assertRefused(await verifySamlResponse(input(laughs)), "doctype_forbidden");
  });

  test("a bare Assertion is not a Response", async () => {
    assertRefused(await verifySamlResponse(input(signAssertion(buildAssertion(spec()), signA))), "wrong_message_type", /Assertion/);
  });

  test("non-Success status, with or without an assertion", async () => {
    const error = buildResponse(spec({ includeAssertion: false, statusCode: "urn:oasis:names:tc:SAML:2.0:status:Requester", subStatusCode: "urn:oasis:names:tc:SAML:2.0:status:RequestDenied", statusMessage: "AADSTS50105: not assigned" }));
    assertRefused(await verifySamlResponse(input(error)), "idp_error_status", /RequestDenied.*AADSTS50105/);
    const withAssertion = entraLike({ statusCode: "urn:oasis:names:tc:SAML:2.0:status:Responder" });
    assertRefused(await verifySamlResponse(input(withAssertion)), "idp_error_status");
  });

  test("Success without an assertion", async () => {
    assertRefused(await verifySamlResponse(input(buildResponse(spec({ includeAssertion: false })))), "assertion_missing");
  });

  test("unsigned is refused; only the Response signed is refused only when the account requires signed assertions", async () => {
    assertRefused(await verifySamlResponse(input(buildResponse(spec()))), "signature_missing", /Neither/);
    const responseOnly = signResponse(buildResponse(spec()), signA);
    const accepted = await verifySamlResponse(input(responseOnly));
    assert.ok(accepted.ok, accepted.ok ? "" : `${accepted.code}: ${accepted.reason}`);
    assert.equal(accepted.login.signedBy, "response");
    const strict = input(responseOnly);
    strict.idp = { ...strict.idp, requireSignedAssertions: true };
    assertRefused(await verifySamlResponse(strict), "signature_missing", /Only the Response is signed \(and its signature verifies\).*Require signed assertions/);
  });

  test("altered after signing", async () => {
    const tampered = entraLike().replace("adam@example.test", "eve@example.test");
    assertRefused(await verifySamlResponse(input(tampered)), "signature_invalid");
  });

  test("signed by a key that is not configured (certificate in KeyInfo)", async () => {
    const xml = entraLike({}, { key: testKeys.idpB.key, cert: testKeys.idpB.cert });
    assertRefused(await verifySamlResponse(input(xml)), "certificate_not_configured", /Blanca test idp-b/);
  });

  test("signed by a key that is not configured (no KeyInfo)", async () => {
    const xml = entraLike({}, { key: testKeys.idpB.key, cert: null });
    assertRefused(await verifySamlResponse(input(xml)), "signature_invalid");
  });

  test("KeyInfo names a certificate that is not configured, even though a configured key signed", async () => {
    const xml = entraLike({}, { key: testKeys.idpA.key, cert: testKeys.idpB.cert });
    assertRefused(await verifySamlResponse(input(xml)), "certificate_not_configured");
  });

  test("wrong Destination", async () => {
    assertRefused(await verifySamlResponse(input(entraLike({ destination: "https://evil.test/acs" }))), "destination_mismatch", /evil\.test/);
  });

  test("wrong Recipient", async () => {
    const result = await verifySamlResponse(input(entraLike({ recipient: "https://other.test/acs" })));
    assertRefused(result, "recipient_mismatch");
    assert.ok(!result.ok && result.fix.includes(SP.acsUrl));
  });

  test("wrong Issuer on the assertion or on the Response", async () => {
    assertRefused(await verifySamlResponse(input(entraLike({ issuer: "https://sts.windows.net/other/" }))), "issuer_mismatch", /other/);
    assertRefused(await verifySamlResponse(input(entraLike({ responseIssuer: "https://sts.windows.net/other/" }))), "issuer_mismatch", /Response Issuer/);
  });

  test("wrong Audience, with a hint for Entra's spn: audience", async () => {
    const result = await verifySamlResponse(input(entraLike({ audiences: ["spn:fe78e0b4-6fe7-47e6-812c-fb75cee266a4"] })));
    assertRefused(result, "audience_mismatch", /spn:/);
    assert.ok(!result.ok && result.fix.includes(SP.entityId));
  });

  test("expired (NotOnOrAfter is exclusive, after the skew)", async () => {
    assertRefused(await verifySamlResponse(input(entraLike(), { now: minutes(63) })), "expired");
    assertRefused(await verifySamlResponse(input(entraLike(), { now: minutes(61), clockSkewMs: 0 })), "expired");
  });

  test("bearer confirmation expiring before Conditions is enforced", async () => {
    const xml = entraLike({ confirmationNotOnOrAfter: minutes(5) });
    assertRefused(await verifySamlResponse(input(xml, { now: minutes(10) })), "expired", /SubjectConfirmationData/);
  });

  test("not yet valid", async () => {
    assertRefused(await verifySamlResponse(input(entraLike({ notBefore: minutes(10) }))), "not_yet_valid");
  });

  test("unsolicited response when IdP-initiated sign-in is off", async () => {
    assertRefused(await verifySamlResponse(input(entraLike({ inResponseTo: null }))), "unsolicited_response");
  });

  test("unknown InResponseTo, and a request ID is good for one response only", async () => {
    assertRefused(await verifySamlResponse(input(entraLike({ inResponseTo: "_forged" }))), "in_response_to_unknown", /_forged/);
    const stores = memoryStores(["_req1"]);
    assert.ok((await verifySamlResponse({ ...input(entraLike()), ...stores })).ok);
    const second = entraLike({ assertionId: "_a2" });
    assertRefused(await verifySamlResponse({ ...input(second), ...stores }), "in_response_to_unknown");
  });

  test("InResponseTo is read from the signed assertion, not from the unsigned Response", async () => {
    // The Response claims a pending request, the signed assertion is unsolicited.
    const xml = entraLike({ inResponseTo: null, responseInResponseTo: "_req1" });
    assertRefused(await verifySamlResponse(input(xml)), "unsolicited_response");
    const mismatch = entraLike({ inResponseTo: "_req1", responseInResponseTo: "_other" });
    assertRefused(await verifySamlResponse(input(mismatch)), "in_response_to_mismatch");
  });

  test("replay of the same assertion", async () => {
    const stores = memoryStores();
    const xml = entraLike({ inResponseTo: null });
    assert.ok((await verifySamlResponse({ ...input(xml, { allowIdpInitiated: true }), ...stores })).ok);
    assertRefused(await verifySamlResponse({ ...input(xml, { allowIdpInitiated: true }), ...stores }), "replayed_assertion");
  });

  test("missing NameID", async () => {
    assertRefused(await verifySamlResponse(input(entraLike({ nameId: null }))), "name_id_missing");
  });

  test("missing bearer confirmation", async () => {
    const s = spec();
    const assertion = buildAssertion(s).replace("urn:oasis:names:tc:SAML:2.0:cm:bearer", "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key");
    assertRefused(await verifySamlResponse(input(buildResponse(s, signAssertion(assertion, signA)))), "subject_confirmation_missing");
  });

  test("failures carry the decoded XML for the SSO log", async () => {
    const result = await verifySamlResponse(input(entraLike({ destination: "https://evil.test/acs" })));
    assert.ok(!result.ok && result.responseXml?.startsWith("<samlp:Response"));
  });
});

describe("verifySamlResponse: known attacks", () => {
  test("two assertions (one unsigned) are refused", async () => {
    const s = spec();
    const signed = signAssertion(buildAssertion(s), signA);
    const evil = buildAssertion({ ...s, assertionId: "_evil", nameId: "admin@example.test" });
    assertRefused(await verifySamlResponse(input(buildResponse(s, evil + signed))), "multiple_assertions");
  });

  test("signature wrapping: signed assertion hidden in Extensions, forged one with the same ID", async () => {
    const s = spec();
    const signed = signAssertion(buildAssertion(s), signA);
    const forged = buildAssertion({ ...s, nameId: "admin@example.test" });
    const wrapped = buildResponse(s, forged).replace("<samlp:Status>", `<samlp:Extensions>${signed}</samlp:Extensions><samlp:Status>`);
    // The assertion that would be consumed is the forged, unsigned one; the log names the wrapping.
    assertRefused(await verifySamlResponse(input(wrapped)), "signature_wrapping", /signed Assertion \(ID "_a1"\) sits at samlp:Response\/samlp:Extensions\/saml:Assertion/);
    // Same, with the original signature copied into the forged assertion: the Reference then
    // points at an element that is not the signature's parent (and the ID is duplicated).
    const signature = /<Signature[\s\S]*<\/Signature>/.exec(signed)?.[0] ?? "";
    const forgedSigned = forged.replace("</saml:Issuer>", `</saml:Issuer>${signature}`);
    const wrapped2 = buildResponse(s, forgedSigned).replace("<samlp:Status>", `<samlp:Extensions>${signed}</samlp:Extensions><samlp:Status>`);
    assertRefused(await verifySamlResponse(input(wrapped2)), "signature_wrapping", /2 elements carry the ID "_a1"/);
  });

  test("signature wrapping: forged assertion carries the original signature, original moved inside it", async () => {
    const s = spec();
    const signed = signAssertion(buildAssertion(s), signA);
    const signature = /<Signature[\s\S]*<\/Signature>/.exec(signed)?.[0];
    assert.ok(signature);
    const forged = buildAssertion({ ...s, assertionId: "_evil", nameId: "admin@example.test" }).replace(
      "</saml:Issuer>",
      `</saml:Issuer>${signature.replace("</Signature>", `<Object>${signed.replace(signature, "")}</Object></Signature>`)}`,
    );
    assertRefused(await verifySamlResponse(input(buildResponse(s, forged))), "signature_wrapping", /covers #_a1, but the assertion the SP reads has ID "_evil"/);
  });

  test("comment injection in NameID does not truncate the identity", async () => {
    const s = spec({ nameId: "adam@example.test.evil.test" });
    const xml = buildResponse(s, signAssertion(buildAssertion(s), signA)).replace("adam@example.test.evil.test", "adam@example.test<!---->.evil.test");
    const result = await verifySamlResponse(input(xml));
    assert.ok(result.ok, result.ok ? "" : `${result.code}: ${result.reason}`);
    assert.equal(result.login.nameId, "adam@example.test.evil.test");
  });

  test("an attribute named __proto__ stays data", async () => {
    const result = await verifySamlResponse(input(entraLike({ attributes: { __proto__: ["x"], Role: ["a"] } as Record<string, string[]> })));
    assert.ok(result.ok);
    assert.deepEqual(Object.getPrototypeOf(result.login.attributes), Object.prototype);
    assert.deepEqual(result.login.attributes["Role"], ["a"]);
  });
});
