import { SAML, ValidateInResponseTo } from "@node-saml/node-saml";
import { certificateBody, toPem } from "./certificates.js";
import { failure, type SamlFailure } from "./failures.js";
import { decodeSamlMessage, maxBase64Length } from "./message-decoding.js";
import { fromNodeSamlError } from "./node-saml-errors.js";
import { checkSignaturePolicy } from "./signature-policy.js";
import type { RequestIdStore } from "./verify.js";
import { NS, attr, child, children, parseUntrustedXml, qualifiedName, text } from "./xml.js";

/** How a logout message arrived at Blanca's SLO endpoint. */
export type IncomingSamlMessage =
  /** The query string exactly as received, without "?": the signature covers its encoded bytes. */
  | { binding: "redirect"; rawQuery: string }
  | { binding: "post"; form: { SAMLRequest?: string; SAMLResponse?: string; RelayState?: string } };

interface LogoutValidationCommon {
  message: IncomingSamlMessage;
  sp: { entityId: string; acsUrl: string; sloUrl?: string };
  idp: { entityId: string; ssoUrl: string; sloUrl?: string; certificates: string[]; allowSha1: boolean };
  now: Date;
  clockSkewMs?: number;
  /**
   * Default true. Only the Redirect binding can carry an unsigned message (POST messages must
   * carry an enveloped signature). Turn off only for an IdP that does not sign logout messages.
   */
  requireSignature?: boolean;
  maxMessageBytes?: number;
}

export type ValidateLogoutRequestInput = LogoutValidationCommon;

export interface ValidateLogoutResponseInput extends LogoutValidationCommon {
  /** Holds the IDs of the LogoutRequests Blanca sent. */
  requestIdStore: RequestIdStore;
}

export interface LogoutRequestReceived {
  id: string;
  issuer: string;
  nameId: string;
  nameIdFormat: string | null;
  /** Empty: end every session of this NameID. */
  sessionIndexes: string[];
  relayState: string | null;
  xml: string;
}

const DEFAULT_SKEW_MS = 3 * 60_000;
const DEFAULT_MAX_BYTES = 64 * 1024;
const SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success";

/** An IdP-initiated LogoutRequest (logging out at Entra ends the Blanca session too). */
export async function validateLogoutRequest(input: ValidateLogoutRequestInput): Promise<{ ok: true; request: LogoutRequestReceived } | SamlFailure> {
  const received = await receive(input, "SAMLRequest", "LogoutRequest");
  if (!received.ok) return received;
  const { xml, root } = received;
  const id = attr(root, "ID");
  const nameIdElement = child(root, NS.saml, "NameID");
  if (!id) return failure("malformed_message", "The LogoutRequest has no ID.", { xml });
  if (!nameIdElement || !text(nameIdElement)) return failure("name_id_missing", "The LogoutRequest has no NameID (an EncryptedID is not supported).", { xml });
  const notOnOrAfter = attr(root, "NotOnOrAfter");
  if (notOnOrAfter !== null) {
    const deadline = Date.parse(notOnOrAfter);
    if (Number.isNaN(deadline) || input.now.getTime() - (input.clockSkewMs ?? DEFAULT_SKEW_MS) >= deadline) {
      return failure("expired", `LogoutRequest NotOnOrAfter is ${notOnOrAfter}, and it is now ${input.now.toISOString()}.`, { xml });
    }
  }
  return {
    ok: true,
    request: {
      id,
      issuer: text(child(root, NS.saml, "Issuer")),
      nameId: text(nameIdElement),
      nameIdFormat: attr(nameIdElement, "Format"),
      sessionIndexes: children(root, NS.samlp, "SessionIndex").map((element) => text(element)),
      relayState: received.relayState,
      xml,
    },
  };
}

/** The IdP's answer to a LogoutRequest that Blanca sent. */
export async function validateLogoutResponse(
  input: ValidateLogoutResponseInput,
): Promise<{ ok: true; inResponseTo: string; relayState: string | null; xml: string } | SamlFailure> {
  const received = await receive(input, "SAMLResponse", "LogoutResponse");
  if (!received.ok) {
    // node-saml refuses a verified non-Success answer naming only the top-level code: read the rest.
    const parsed = received.code === "logout_status_not_success" && received.responseXml ? parseUntrustedXml(received.responseXml, DEFAULT_MAX_BYTES) : null;
    return parsed?.ok ? (statusFailure(parsed.root, received.responseXml!) ?? received) : received;
  }
  const { xml, root } = received;
  const refused = statusFailure(root, xml);
  if (refused) return refused;
  const inResponseTo = attr(root, "InResponseTo");
  if (!inResponseTo || !(await input.requestIdStore.take(inResponseTo))) {
    return failure("in_response_to_unknown", `LogoutResponse InResponseTo "${inResponseTo ?? "(absent)"}" is not a logout request the SP sent and has not used yet.`, { xml });
  }
  return { ok: true, inResponseTo, relayState: received.relayState, xml };
}

/** A LogoutResponse that is not Success, with its second-level status and message for the SSO log; null on Success. */
function statusFailure(root: Element, xml: string): SamlFailure | null {
  const statusElement = child(root, NS.samlp, "Status");
  const statusCode = statusElement ? child(statusElement, NS.samlp, "StatusCode") : undefined;
  const status = attr(statusCode, "Value");
  if (status === SUCCESS) return null;
  const subStatus = attr(statusCode ? child(statusCode, NS.samlp, "StatusCode") : undefined, "Value");
  const message = statusElement ? text(child(statusElement, NS.samlp, "StatusMessage")) : "";
  return failure("logout_status_not_success", `The LogoutResponse status is ${status ?? "(none)"}${subStatus ? ` / ${subStatus}` : ""}${message ? `: "${message}"` : ""}; expected ${SUCCESS}. The portal session has ended; the IdP session may still be open.`, {
    xml,
    fix: "IdPs such as Entra refuse a LogoutRequest whose NameID (Format, NameQualifier, SPNameQualifier) or SessionIndex differs from the assertion's. Check the IdP's sign-in/audit log for the refused logout; the person should close the browser or sign out at the IdP.",
  });
}

/** Shared path: decode, signature policy, node-saml verification, then Issuer, Destination, time. */
async function receive(
  input: LogoutValidationCommon,
  parameter: "SAMLRequest" | "SAMLResponse",
  expected: "LogoutRequest" | "LogoutResponse",
): Promise<{ ok: true; xml: string; root: Element; relayState: string | null } | SamlFailure> {
  const maxBytes = input.maxMessageBytes ?? DEFAULT_MAX_BYTES;
  const { message, idp, sp } = input;
  const certificates = idp.certificates.map((certificate) => toPem(certificateBody(certificate)));
  const saml = new SAML({
    callbackUrl: sp.acsUrl,
    issuer: sp.entityId,
    entryPoint: idp.ssoUrl,
    idpCert: certificates,
    idpIssuer: idp.entityId,
    acceptedClockSkewMs: -1, // time is checked below against `now` (see verify.ts)
    validateInResponseTo: ValidateInResponseTo.never,
    wantAuthnResponseSigned: true,
  });

  let params: URLSearchParams | null = null;
  let field: string | undefined;
  let relayState: string | null;
  if (message.binding === "redirect") {
    if (message.rawQuery.length > maxBase64Length(maxBytes) * 2) {
      return failure("message_too_large", `The logout query string is ${message.rawQuery.length} characters long.`);
    }
    params = new URLSearchParams(message.rawQuery);
    field = params.get(parameter) ?? undefined;
    relayState = params.get("RelayState");
  } else {
    field = message.form[parameter];
    relayState = message.form.RelayState ?? null;
  }
  const decoded = decodeSamlMessage(field, parameter, maxBytes, message.binding === "redirect");
  if (!decoded.ok) return decoded;
  const { xml, root } = decoded;
  if (root.namespaceURI !== NS.samlp || root.localName !== expected) {
    return failure("wrong_message_type", `Expected a samlp:${expected}; received ${qualifiedName(root)}.`, { xml });
  }

  try {
    if (message.binding === "redirect" && params) {
      const signature = params.get("Signature");
      const sigAlg = params.get("SigAlg") ?? "";
      if (!signature) {
        if (input.requireSignature !== false) return failure("signature_missing", `The ${expected} arrived without a Signature parameter.`, { xml, fix: "Configure the IdP to sign logout messages, or (only if it cannot) turn off the signature requirement for logout." });
      } else if (/sha1$/i.test(sigAlg) && !idp.allowSha1) {
        return failure("weak_signature_algorithm", `The ${expected} is signed with ${sigAlg}; the SP accepts SHA-256 or stronger.`, { xml });
      }
      await saml.validateRedirectAsync(Object.fromEntries(params), message.rawQuery);
    } else {
      const signature = children(root, NS.ds, "Signature")[0];
      if (!signature) return failure("signature_missing", `The ${expected} (HTTP-POST) is not signed.`, { xml });
      const refused = checkSignaturePolicy(signature, expected, certificates, idp.allowSha1, xml);
      if (refused) return refused;
      const base64 = Buffer.from(xml, "utf8").toString("base64");
      if (expected === "LogoutRequest") await saml.validatePostRequestAsync({ SAMLRequest: base64 });
      else await saml.validatePostResponseAsync({ SAMLResponse: base64 });
    }
  } catch (error) {
    return fromNodeSamlError(error, xml, certificates.length);
  }

  const issuer = text(child(root, NS.saml, "Issuer"));
  if (issuer !== idp.entityId) {
    return failure("issuer_mismatch", `${expected} Issuer is "${issuer}"; expected the configured IdP entity ID "${idp.entityId}".`, { xml });
  }
  const destination = attr(root, "Destination");
  if (destination !== null && destination !== sp.sloUrl) {
    return failure("destination_mismatch", `${expected} Destination is "${destination}"; expected the SP's logout URL "${sp.sloUrl ?? "(none configured)"}".`, {
      xml,
      fix: `Set the Logout URL in Entra > Basic SAML Configuration to ${sp.sloUrl ?? "the SP's logout URL"}.`,
    });
  }
  const issueInstant = Date.parse(attr(root, "IssueInstant") ?? "");
  if (Number.isNaN(issueInstant)) return failure("malformed_message", `The ${expected} has no valid IssueInstant.`, { xml });
  if (issueInstant > input.now.getTime() + (input.clockSkewMs ?? DEFAULT_SKEW_MS)) {
    return failure("not_yet_valid", `${expected} IssueInstant is ${attr(root, "IssueInstant")}, in the future (it is now ${input.now.toISOString()}).`, { xml });
  }
  return { ok: true, xml, root, relayState };
}
