import { SAML, ValidateInResponseTo, type Profile } from "@node-saml/node-saml";
import { decryptXml, getVerifiedXml } from "@node-saml/node-saml/lib/xml.js";
import { readAssertion, type AssertionFields } from "./assertion.js";
import { certificateBody, toPem } from "./certificates.js";
import { failure, type SamlFailure } from "./failures.js";
import { fromNodeSamlError } from "./node-saml-errors.js";
import { explainSignatureRefusal } from "./signature-diagnosis.js";
import { checkSignaturePolicy } from "./signature-policy.js";
import { decodeSamlMessage } from "./message-decoding.js";
import { NS, attr, child, children, parseUntrustedXml, qualifiedName, text } from "./xml.js";

/** One-time store of the IDs of AuthnRequests Blanca sent. */
export interface RequestIdStore {
  /** True when the ID was stored and not yet taken; the ID is removed either way. */
  take(id: string): Promise<boolean>;
}

/** Assertion IDs already used, kept until they could no longer be accepted. */
export interface ReplayCache {
  /** False when the ID was seen before; otherwise stores it until `notOnOrAfter`. */
  remember(assertionId: string, notOnOrAfter: Date): Promise<boolean>;
}

export interface VerifyConfig {
  sp: {
    entityId: string;
    acsUrl: string;
    /** Decrypts EncryptedAssertion; several during an SP key rotation (current first, then next): any one may decrypt. */
    privateKeyPem?: string | string[];
  };
  /** `ssoUrl` is not checked in a response; node-saml wants it as its entry point. */
  idp: {
    entityId: string;
    ssoUrl: string;
    certificates: string[];
    allowSha1: boolean;
    /** "Require signed assertions": a signature over the Response alone is not enough. Default false. */
    requireSignedAssertions?: boolean;
  };
  /** Default 3 minutes. */
  clockSkewMs?: number;
  allowIdpInitiated: boolean;
  requestIdStore: RequestIdStore;
  replayCache: ReplayCache;
  /** Bound on the decoded XML, checked on the base64 text before decoding. Default 512 KiB. */
  maxResponseBytes?: number;
}

export interface VerifyInput extends VerifyConfig {
  /** The SAMLResponse form field, base64. */
  samlResponse: string;
  now: Date;
}

export interface SamlLogin {
  nameId: string;
  nameIdFormat: string | null;
  nameQualifier: string | null;
  spNameQualifier: string | null;
  sessionIndex: string | null;
  /** AuthnStatement SessionNotOnOrAfter (valid time only), else null. */
  sessionNotOnOrAfter: Date | null;
  issuer: string;
  /** Null for IdP-initiated sign-in. Read from the signed assertion only. */
  inResponseTo: string | null;
  attributes: Record<string, string[]>;
  assertionId: string;
  /** The earliest NotOnOrAfter of the assertion (Conditions and bearer confirmation). */
  notOnOrAfter: Date;
  responseXml: string;
  /** Which signatures verified (node-saml's account): the assertion's, the Response's (covering the assertion), or both. */
  signedBy: "assertion" | "response" | "response and assertion";
  /** Accepted but worth a line in the SSO log. */
  warnings: string[];
}

export type VerifyResult = { ok: true; login: SamlLogin } | SamlFailure;

export const DEFAULT_CLOCK_SKEW_MS = 3 * 60_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 512 * 1024;
const SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success";

/**
 * A verifier for one account's SAML connection, around one node-saml `SAML` instance.
 *
 * Clock: node-saml reads the global `Date` for its time checks. They are switched off
 * (acceptedClockSkewMs -1, validateInResponseTo never, which also keeps its request-ID cache
 * unused), so node-saml only verifies signatures, resists wrapping, decrypts and hands back the
 * signed assertion; every time check happens below against the `now` passed in. Mocking the
 * global clock (node:test mock.timers) would work in tests only and would be shared by
 * concurrent sign-ins in production, so it is not used. In production `now` is the real clock.
 */
export function createResponseVerifier(config: VerifyConfig): { verify(samlResponse: string, now: Date): Promise<VerifyResult> } {
  const certificates = config.idp.certificates.map((certificate) => toPem(certificateBody(certificate)));
  const keys = decryptionKeys(config);
  // One node-saml instance per decryption key (it takes one); the key that decrypted picks the instance.
  const samls = (keys.length > 0 ? keys : [undefined]).map(
    (key) =>
      new SAML({
        callbackUrl: config.sp.acsUrl,
        issuer: config.sp.entityId,
        entryPoint: config.idp.ssoUrl,
        idpCert: certificates,
        ...(key ? { decryptionPvk: key } : {}),
        // Either signature may cover the assertion (Web SSO profile): node-saml takes the assertion from
        // the verified Response's signed bytes, or verifies the assertion's own signature.
        wantAssertionsSigned: config.idp.requireSignedAssertions === true,
        wantAuthnResponseSigned: false,
        audience: false,
        acceptedClockSkewMs: -1,
        validateInResponseTo: ValidateInResponseTo.never,
      }),
  );
  return { verify: (samlResponse, now) => verifyWith(samls, certificates, config, samlResponse, now) };
}

function decryptionKeys(config: VerifyConfig): string[] {
  const keys = config.sp.privateKeyPem;
  return (Array.isArray(keys) ? keys : keys ? [keys] : []).filter((k) => k !== "");
}

export function verifySamlResponse(input: VerifyInput): Promise<VerifyResult> {
  return createResponseVerifier(input).verify(input.samlResponse, input.now);
}

async function verifyWith(samls: SAML[], certificates: string[], config: VerifyConfig, samlResponse: string, now: Date): Promise<VerifyResult> {
  let saml = samls[0]!;
  const skewMs = config.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  const maxBytes = config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const { sp, idp } = config;

  // 1. Size and syntax, before anything is decoded or parsed.
  const decoded = decodeSamlMessage(samlResponse, "SAMLResponse", maxBytes, false);
  if (!decoded.ok) return decoded;
  const { xml, root: response } = decoded;
  if (response.namespaceURI !== NS.samlp || response.localName !== "Response") {
    return failure("wrong_message_type", `Expected a samlp:Response ({${NS.samlp}}Response); received ${qualifiedName(response)}.`, { xml });
  }

  // 2. Top-level status. Refusing on an unsigned status gives an attacker nothing.
  const statusCode = child(child(response, NS.samlp, "Status") ?? response, NS.samlp, "StatusCode");
  const status = attr(statusCode, "Value");
  if (status !== SUCCESS) {
    const subStatus = attr(statusCode ? child(statusCode, NS.samlp, "StatusCode") : undefined, "Value");
    const message = text(child(child(response, NS.samlp, "Status") ?? response, NS.samlp, "StatusMessage"));
    return failure(
      "idp_error_status",
      `The IdP answered with status ${status ?? "(none)"}${subStatus ? ` / ${subStatus}` : ""}${message ? `: "${message}"` : ""}; expected ${SUCCESS}.`,
      { xml },
    );
  }

  // 3. Exactly one assertion, decrypted if need be, and signature policy on what will be verified.
  const plain = children(response, NS.saml, "Assertion");
  const encrypted = children(response, NS.saml, "EncryptedAssertion");
  if (plain.length + encrypted.length === 0) return failure("assertion_missing", "The Response contains no Assertion or EncryptedAssertion.", { xml });
  if (plain.length + encrypted.length > 1) {
    return failure("multiple_assertions", `The Response contains ${plain.length + encrypted.length} assertions; the SP accepts exactly one.`, { xml });
  }
  let assertion: Element;
  let assertionXml = xml;
  if (plain[0]) assertion = plain[0];
  else {
    const keys = decryptionKeys(config);
    if (keys.length === 0) return failure("encrypted_assertion_without_key", "The assertion is encrypted, but this account has no SP decryption key.", { xml });
    const decrypted = await decryptForPolicy(encrypted[0]!, keys, maxBytes);
    if (!decrypted.ok) return failure("decryption_failed", decrypted.reason, { xml });
    assertion = decrypted.assertion;
    assertionXml = decrypted.xml;
    saml = samls[decrypted.keyIndex] ?? saml;
  }
  const responseSignatures = children(response, NS.ds, "Signature");
  const assertionSignatures = children(assertion, NS.ds, "Signature");
  for (const [signatures, where] of [[responseSignatures, "Response"], [assertionSignatures, "assertion"]] as const) {
    if (signatures.length > 1) return failure("signature_invalid", `The ${where} has ${signatures.length} Signature elements; exactly one is allowed.`, { xml });
    const refused = signatures[0] ? checkSignaturePolicy(signatures[0], where, certificates, idp.allowSha1, xml) : null;
    if (refused) return refused;
  }
  const requireSignedAssertions = idp.requireSignedAssertions === true;
  const refusal = (fallback: SamlFailure): SamlFailure =>
    explainSignatureRefusal({ xml, response, assertion: { where: "assertion", element: assertion, documentXml: assertionXml }, encrypted: !plain[0], certificates, requireSignedAssertions }) ?? fallback;

  // 4. Cryptography, wrapping defences and decryption: node-saml (xml-crypto underneath).
  let profile: Profile | null;
  try {
    profile = (await saml.validatePostResponseAsync({ SAMLResponse: Buffer.from(xml, "utf8").toString("base64") })).profile;
  } catch (error) {
    const mapped = fromNodeSamlError(error, xml, certificates.length);
    return mapped.code === "signature_invalid" || mapped.code === "signature_missing" ? refusal(mapped) : mapped;
  }
  const signedXml = profile?.getAssertionXml?.();
  const signed = signedXml ? parseUntrustedXml(signedXml, maxBytes * 2) : null;
  if (!signed?.ok || signed.root.namespaceURI !== NS.saml || signed.root.localName !== "Assertion") {
    return failure("signature_invalid", "The signature verified, but the signed content is not the assertion.", { xml });
  }
  // Every signature present must verify, including the one node-saml did not need: a broken one
  // means the message was altered. node-saml verified the Response when it could, else the assertion.
  const responseSigned = responseSignatures.length > 0 && getVerifiedXml(xml, response, certificates) !== null;
  if (responseSignatures.length > 0 && !responseSigned) {
    return refusal(failure("signature_invalid", "The Response carries its own signature and it does not verify, although the assertion's does: the message was altered after the IdP signed it.", { xml }));
  }
  const assertionCheckedByNodeSaml = requireSignedAssertions || !responseSigned;
  if (assertionSignatures.length > 0 && !assertionCheckedByNodeSaml && getVerifiedXml(assertionXml, assertion, certificates) === null) {
    return refusal(failure("signature_invalid", "The assertion carries its own signature and it does not verify, although the Response's does: the assertion was altered after the IdP signed it.", { xml }));
  }
  const signedBy = responseSigned ? (assertionSignatures.length > 0 ? "response and assertion" : "response") : "assertion";
  const warnings: string[] = [];

  // 5. From here on only the signed assertion is read, never the rest of the document.
  const a: AssertionFields = readAssertion(signed.root);
  const destination = attr(response, "Destination");
  if (destination !== null && destination !== sp.acsUrl) {
    return failure("destination_mismatch", `Response Destination is "${destination}"; expected the ACS URL "${sp.acsUrl}".`, {
      xml,
      fix: `Set the Reply URL (Assertion Consumer Service URL) in Entra > Basic SAML Configuration to ${sp.acsUrl}.`,
    });
  }
  const issuerFix = `Check that the IdP entity ID configured for the SP equals the Microsoft Entra Identifier shown in Entra (Single sign-on > Set up), or re-import the IdP metadata.`;
  if (a.issuer !== idp.entityId) {
    return failure("issuer_mismatch", `Assertion Issuer is "${a.issuer}"; expected the configured IdP entity ID "${idp.entityId}".`, { xml, fix: issuerFix });
  }
  const responseIssuer = child(response, NS.saml, "Issuer");
  if (responseIssuer && text(responseIssuer) !== idp.entityId) {
    return failure("issuer_mismatch", `Response Issuer is "${text(responseIssuer)}"; expected "${idp.entityId}".`, { xml, fix: issuerFix });
  }

  const bearer = a.bearerConfirmations;
  if (bearer.length === 0) return failure("subject_confirmation_missing", "The assertion has no SubjectConfirmation with Method urn:oasis:names:tc:SAML:2.0:cm:bearer.", { xml });
  const confirmation = bearer.find((candidate) => candidate.recipient === sp.acsUrl) ?? bearer[0]!;
  // InResponseTo="" (some IdPs on IdP-initiated sign-in) means no request: treated as absent, noted.
  const emptyInResponseTo = confirmation.inResponseTo === "" || attr(response, "InResponseTo") === "";
  if (emptyInResponseTo) warnings.push('InResponseTo="" was treated as absent (an IdP-initiated sign-in).');
  const inResponseTo = confirmation.inResponseTo === "" ? null : confirmation.inResponseTo;
  const responseInResponseTo = attr(response, "InResponseTo") === "" ? null : attr(response, "InResponseTo");
  if (responseInResponseTo !== null && inResponseTo !== null && responseInResponseTo !== inResponseTo) {
    return failure("in_response_to_mismatch", `Response InResponseTo is "${responseInResponseTo}" but the signed assertion says "${inResponseTo}".`, { xml });
  }
  if (inResponseTo === null && !config.allowIdpInitiated) {
    return failure("unsolicited_response", `The signed assertion has no InResponseTo${emptyInResponseTo ? ' (InResponseTo="" was treated as absent)' : ""} (IdP-initiated sign-in), and IdP-initiated sign-in is off for this account.`, { xml });
  }

  if (!confirmation.hasData) {
    return failure("subject_confirmation_missing", "The bearer SubjectConfirmation has no SubjectConfirmationData (Recipient, NotOnOrAfter).", { xml });
  }
  if (confirmation.recipient !== sp.acsUrl) {
    return failure("recipient_mismatch", `SubjectConfirmationData Recipient is "${confirmation.recipient ?? "(absent)"}"; expected the ACS URL "${sp.acsUrl}".`, {
      xml,
      fix: `Set the Reply URL (Assertion Consumer Service URL) in Entra > Basic SAML Configuration to ${sp.acsUrl}.`,
    });
  }
  if (confirmation.notOnOrAfter === null) {
    return failure("subject_confirmation_missing", "The bearer SubjectConfirmationData has no NotOnOrAfter.", { xml });
  }
  const windows: Array<[string, string | null, string | null]> = [
    ["SubjectConfirmationData", confirmation.notBefore, confirmation.notOnOrAfter],
    ["Conditions", a.notBefore, a.notOnOrAfter],
  ];
  const deadlines: number[] = [];
  for (const [where, notBefore, notOnOrAfter] of windows) {
    const window = checkWindow(where, notBefore, notOnOrAfter, now, skewMs, xml);
    if (!window.ok) return window;
    if (window.notOnOrAfter !== null) deadlines.push(window.notOnOrAfter);
  }

  if (a.conditionsCount !== 1) return failure("audience_mismatch", `The assertion has ${a.conditionsCount} Conditions elements; exactly one with an AudienceRestriction is required.`, { xml });
  const audienceFix = `Set the Identifier (Entity ID) in Entra > Basic SAML Configuration to ${sp.entityId}.`;
  if (a.audienceRestrictions.length === 0) return failure("audience_mismatch", `The assertion has no AudienceRestriction; expected Audience "${sp.entityId}".`, { xml, fix: audienceFix });
  for (const audiences of a.audienceRestrictions) {
    if (!audiences.includes(sp.entityId)) {
      const spn = audiences.some((audience) => audience.startsWith("spn:"))
        ? " An spn:<app-id> audience means Entra found no Identifier matching the SP entity ID."
        : "";
      return failure("audience_mismatch", `Audience is ${audiences.map((audience) => `"${audience}"`).join(", ") || "(empty)"}; expected the SP entity ID "${sp.entityId}".${spn}`, { xml, fix: audienceFix });
    }
  }

  if (!a.nameId) return failure("name_id_missing", "The assertion's Subject has no NameID (or an empty one).", { xml });
  if (!a.id) return failure("malformed_message", "The signed assertion has no ID attribute.", { xml });

  // 6. One-time state last, so that a response refused above does not consume anything.
  if (inResponseTo !== null && !(await config.requestIdStore.take(inResponseTo))) {
    return failure("in_response_to_unknown", `InResponseTo "${inResponseTo}" is not a pending sign-in request of this account (unknown, expired or already used).`, { xml });
  }
  const notOnOrAfter = Math.min(...deadlines);
  if (!(await config.replayCache.remember(a.id, new Date(notOnOrAfter + skewMs)))) {
    return failure("replayed_assertion", `Assertion ${a.id} was already used to sign in.`, { xml });
  }

  return {
    ok: true,
    login: {
      nameId: a.nameId,
      nameIdFormat: a.nameIdFormat,
      nameQualifier: a.nameQualifier,
      spNameQualifier: a.spNameQualifier,
      sessionIndex: a.sessionIndex,
      sessionNotOnOrAfter: a.sessionNotOnOrAfter !== null && !Number.isNaN(Date.parse(a.sessionNotOnOrAfter)) ? new Date(a.sessionNotOnOrAfter) : null,
      issuer: a.issuer,
      inResponseTo,
      attributes: a.attributes,
      assertionId: a.id,
      notOnOrAfter: new Date(notOnOrAfter),
      responseXml: xml,
      signedBy,
      warnings,
    },
  };
}

function checkWindow(
  where: string,
  notBefore: string | null,
  notOnOrAfter: string | null,
  now: Date,
  skewMs: number,
  xml: string,
): { ok: true; notOnOrAfter: number | null } | SamlFailure {
  const nowMs = now.getTime();
  const skew = `clock skew allowed: ${Math.round(skewMs / 1000)} s`;
  const before = notBefore === null ? null : Date.parse(notBefore);
  const after = notOnOrAfter === null ? null : Date.parse(notOnOrAfter);
  if ((before !== null && Number.isNaN(before)) || (after !== null && Number.isNaN(after))) {
    return failure("malformed_message", `${where} has a NotBefore/NotOnOrAfter that is not a date ("${notBefore}", "${notOnOrAfter}").`, { xml });
  }
  if (before !== null && nowMs + skewMs < before) {
    return failure("not_yet_valid", `${where} NotBefore is ${notBefore}, and it is now ${now.toISOString()} (${skew}).`, { xml });
  }
  if (after !== null && nowMs - skewMs >= after) {
    return failure("expired", `${where} NotOnOrAfter is ${notOnOrAfter}, and it is now ${now.toISOString()} (${skew}).`, { xml });
  }
  return { ok: true, notOnOrAfter: after };
}

async function decryptForPolicy(
  encrypted: Element,
  privateKeyPems: string[],
  maxBytes: number,
): Promise<{ ok: true; assertion: Element; xml: string; keyIndex: number } | { ok: false; reason: string }> {
  const encryptedData = child(encrypted, NS.xenc, "EncryptedData");
  if (!encryptedData) return { ok: false, reason: "The EncryptedAssertion has no xenc:EncryptedData." };
  let decrypted: string | undefined;
  let keyIndex = -1;
  const errors: string[] = [];
  for (const [index, privateKeyPem] of privateKeyPems.entries()) {
    try {
      decrypted = await decryptXml(encrypted.toString(), privateKeyPem);
      keyIndex = index;
      break;
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (decrypted === undefined) {
    return {
      ok: false,
      reason:
        privateKeyPems.length === 1
          ? `The EncryptedAssertion could not be decrypted with this account's SP key: it was encrypted to another certificate, for example an SP key retired by a finished key rotation (${errors[0]}).`
          : `The EncryptedAssertion could not be decrypted with either of this account's SP keys (current and next, during a key rotation): it was encrypted to another certificate (${errors.join("; ")}).`,
    };
  }
  const parsed = parseUntrustedXml(decrypted, maxBytes);
  if (!parsed.ok || parsed.root.namespaceURI !== NS.saml || parsed.root.localName !== "Assertion") {
    return { ok: false, reason: "The EncryptedAssertion does not contain a saml:Assertion." };
  }
  return { ok: true, assertion: parsed.root, xml: decrypted, keyIndex };
}
