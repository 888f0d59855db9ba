import { randomBytes } from "node:crypto";
import { SAML } from "@node-saml/node-saml";
import { signAuthnRequestPost } from "@node-saml/node-saml/lib/saml-post-signing.js";
import { certificateBody, toPem } from "./certificates.js";
import { BINDING } from "./idp-metadata.js";
import { NS, escapeXml } from "./xml.js";

export { validateLogoutRequest, validateLogoutResponse } from "./logout-validation.js";
export type { IncomingSamlMessage, LogoutRequestReceived, ValidateLogoutRequestInput, ValidateLogoutResponseInput } from "./logout-validation.js";

export interface SpSigningKey {
  privateKeyPem: string;
  certificatePem: string;
}

export interface SpRequestConfig {
  entityId: string;
  acsUrl: string;
  sloUrl?: string;
  /** Needed to sign; AuthnRequests are signed only when asked, logout messages always. */
  signing?: SpSigningKey;
}

export interface IdpRequestConfig {
  entityId: string;
  ssoUrl: string;
  sloUrl?: string;
  certificates: string[];
}

export interface AuthnRequestInput {
  sp: SpRequestConfig;
  idp: IdpRequestConfig;
  now: Date;
  sign: boolean;
  /** An opaque token that maps to server-side state, never a URL (no open redirects). */
  relayState?: string;
  forceAuthn?: boolean;
  /** Omitted by default: Entra answers AADSTS errors when the format cannot be produced. */
  nameIdFormat?: string;
}

export interface LogoutRequestInput {
  sp: SpRequestConfig & { signing: SpSigningKey };
  idp: IdpRequestConfig & { sloUrl: string };
  now: Date;
  nameId: string;
  /** Format, NameQualifier and SPNameQualifier exactly as the assertion carried them (null: absent). */
  nameIdFormat: string | null;
  nameQualifier?: string | null;
  spNameQualifier?: string | null;
  sessionIndex: string | null;
  relayState?: string;
}

export interface LogoutResponseInput {
  sp: SpRequestConfig & { signing: SpSigningKey };
  idp: IdpRequestConfig & { sloUrl: string };
  now: Date;
  inResponseTo: string;
  success: boolean;
  relayState?: string;
}

/** SP-initiated sign-in, HTTP-Redirect binding (deflated, signature in the query when signed). */
export async function buildAuthnRequestRedirect(input: AuthnRequestInput): Promise<{ url: string; requestId: string }> {
  const requestId = newId();
  const xml = authnRequestXml(input, requestId);
  const url = await samlFor(input.sp, input.idp, input.sign)._requestToUrlAsync(xml, null, "authorize", relayStateParams(input.relayState));
  return { url, requestId };
}

/**
 * SP-initiated sign-in, HTTP-POST binding: the fields of an auto-submitting form. The XML is not
 * deflated (the POST binding never is) and, when signed, carries an enveloped XML signature.
 */
export function buildAuthnRequestPost(input: AuthnRequestInput): { action: string; fields: Record<string, string>; requestId: string } {
  const requestId = newId();
  let xml = authnRequestXml(input, requestId);
  if (input.sign) {
    const signing = requireSigning(input.sp);
    xml = signAuthnRequestPost(xml, { privateKey: signing.privateKeyPem, publicCert: signing.certificatePem, signatureAlgorithm: "sha256", digestAlgorithm: "sha256" });
  }
  const fields: Record<string, string> = { SAMLRequest: Buffer.from(xml, "utf8").toString("base64") };
  if (input.relayState) fields["RelayState"] = input.relayState;
  return { action: input.idp.ssoUrl, fields, requestId };
}

/** SP-initiated single logout to the IdP (HTTP-Redirect, signed), naming the session to end. */
export async function buildLogoutRequestRedirect(input: LogoutRequestInput): Promise<{ url: string; requestId: string }> {
  const requestId = newId();
  // IdPs compare the NameID exactly (Entra answers RequestDenied otherwise and keeps its session).
  const format =
    (input.nameQualifier != null ? ` NameQualifier="${escapeXml(input.nameQualifier)}"` : "") +
    (input.spNameQualifier != null ? ` SPNameQualifier="${escapeXml(input.spNameQualifier)}"` : "") +
    (input.nameIdFormat != null ? ` Format="${escapeXml(input.nameIdFormat)}"` : "");
  const xml =
    `<samlp:LogoutRequest xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${requestId}" Version="2.0" IssueInstant="${input.now.toISOString()}" Destination="${escapeXml(input.idp.sloUrl)}">` +
    `<saml:Issuer>${escapeXml(input.sp.entityId)}</saml:Issuer>` +
    `<saml:NameID${format}>${escapeXml(input.nameId)}</saml:NameID>` +
    (input.sessionIndex ? `<samlp:SessionIndex>${escapeXml(input.sessionIndex)}</samlp:SessionIndex>` : "") +
    `</samlp:LogoutRequest>`;
  const url = await samlFor(input.sp, input.idp, true)._requestToUrlAsync(xml, null, "logout", relayStateParams(input.relayState));
  return { url, requestId };
}

/** The answer to an IdP-initiated LogoutRequest (HTTP-Redirect, signed). */
export async function buildLogoutResponseRedirect(input: LogoutResponseInput): Promise<{ url: string; responseId: string }> {
  const responseId = newId();
  const status = input.success
    ? `<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>`
    : `<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"/>`;
  const xml =
    `<samlp:LogoutResponse xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${responseId}" Version="2.0" IssueInstant="${input.now.toISOString()}" Destination="${escapeXml(input.idp.sloUrl)}" InResponseTo="${escapeXml(input.inResponseTo)}">` +
    `<saml:Issuer>${escapeXml(input.sp.entityId)}</saml:Issuer>` +
    `<samlp:Status>${status}</samlp:Status>` +
    `</samlp:LogoutResponse>`;
  const url = await samlFor(input.sp, input.idp, true)._requestToUrlAsync(null, xml, "logout", relayStateParams(input.relayState));
  return { url, responseId };
}

function authnRequestXml(input: AuthnRequestInput, requestId: string): string {
  const { sp, idp } = input;
  return (
    `<samlp:AuthnRequest xmlns:samlp="${NS.samlp}" xmlns:saml="${NS.saml}" ID="${requestId}" Version="2.0" IssueInstant="${input.now.toISOString()}"` +
    ` Destination="${escapeXml(idp.ssoUrl)}" AssertionConsumerServiceURL="${escapeXml(sp.acsUrl)}" ProtocolBinding="${BINDING.post}"` +
    (input.forceAuthn ? ` ForceAuthn="true"` : "") +
    `>` +
    `<saml:Issuer>${escapeXml(sp.entityId)}</saml:Issuer>` +
    (input.nameIdFormat ? `<samlp:NameIDPolicy Format="${escapeXml(input.nameIdFormat)}" AllowCreate="true"/>` : "") +
    `</samlp:AuthnRequest>`
  );
}

/**
 * node-saml encodes and signs (deflate, base64, SigAlg + Signature over the query string) through
 * `_requestToUrlAsync`, public in its typings. The XML is built above so that IssueInstant is the
 * `now` passed in: node-saml's own builders read the global clock.
 */
function samlFor(sp: SpRequestConfig, idp: IdpRequestConfig, sign: boolean): SAML {
  const signing = sign ? requireSigning(sp) : undefined;
  return new SAML({
    callbackUrl: sp.acsUrl,
    issuer: sp.entityId,
    entryPoint: idp.ssoUrl,
    logoutUrl: idp.sloUrl ?? idp.ssoUrl,
    idpCert: idp.certificates.map((certificate) => toPem(certificateBody(certificate))), // required by node-saml, unused here
    skipRequestCompression: false,
    signatureAlgorithm: "sha256",
    ...(signing ? { privateKey: signing.privateKeyPem } : {}),
  });
}

function requireSigning(sp: SpRequestConfig): SpSigningKey {
  if (!sp.signing) throw new Error("SP signing key is required to sign SAML requests");
  return sp.signing;
}

function relayStateParams(relayState: string | undefined): Record<string, string> {
  return relayState ? { RelayState: relayState } : {};
}

export function newId(): string {
  // An xs:ID must not start with a digit.
  return `_${randomBytes(20).toString("hex")}`;
}
