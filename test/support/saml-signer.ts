// Test-only: builds and signs SAML Responses the way an IdP would, so that every refusal in
// verify.ts can be produced on purpose. xml-crypto signs; nothing here checks signatures.
import { createRequire } from "node:module";
import { SignedXml } from "xml-crypto";

const SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol";
const SAML = "urn:oasis:names:tc:SAML:2.0:assertion";

export interface ResponseSpec {
  responseId?: string;
  assertionId?: string;
  issuer: string;
  /** Overrides the Response Issuer only (default: same as `issuer`). */
  responseIssuer?: string | null;
  destination?: string | null;
  recipient: string;
  audiences: string[];
  /** Goes on the Response and on SubjectConfirmationData. */
  inResponseTo?: string | null;
  responseInResponseTo?: string | null;
  nameId?: string | null;
  nameIdFormat?: string;
  sessionIndex?: string;
  attributes?: Record<string, string[]>;
  issueInstant: Date;
  notBefore: Date;
  notOnOrAfter: Date;
  /** Bearer SubjectConfirmationData NotOnOrAfter; default = notOnOrAfter. */
  confirmationNotOnOrAfter?: Date;
  statusCode?: string;
  subStatusCode?: string;
  statusMessage?: string;
  /** False: no Assertion at all (error responses). */
  includeAssertion?: boolean;
}

const esc = (value: string) => value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const iso = (date: Date) => date.toISOString();

export function buildAssertion(spec: ResponseSpec): string {
  const assertionId = spec.assertionId ?? "_a1";
  const irt = spec.inResponseTo ? ` InResponseTo="${esc(spec.inResponseTo)}"` : "";
  const nameId =
    spec.nameId === null ? "" : `<saml:NameID Format="${esc(spec.nameIdFormat ?? "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")}">${esc(spec.nameId ?? "adam@example.test")}</saml:NameID>`;
  const attributes = Object.entries(spec.attributes ?? {})
    .map(([name, values]) => `<saml:Attribute Name="${esc(name)}">${values.map((value) => `<saml:AttributeValue>${esc(value)}</saml:AttributeValue>`).join("")}</saml:Attribute>`)
    .join("");
  return (
    `<saml:Assertion xmlns:saml="${SAML}" ID="${assertionId}" IssueInstant="${iso(spec.issueInstant)}" Version="2.0">` +
    `<saml:Issuer>${esc(spec.issuer)}</saml:Issuer>` +
    `<saml:Subject>${nameId}<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData${irt} NotOnOrAfter="${iso(spec.confirmationNotOnOrAfter ?? spec.notOnOrAfter)}" Recipient="${esc(spec.recipient)}"/>` +
    `</saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(spec.notBefore)}" NotOnOrAfter="${iso(spec.notOnOrAfter)}"><saml:AudienceRestriction>` +
    spec.audiences.map((audience) => `<saml:Audience>${esc(audience)}</saml:Audience>`).join("") +
    `</saml:AudienceRestriction></saml:Conditions>` +
    (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : "") +
    `<saml:AuthnStatement AuthnInstant="${iso(spec.issueInstant)}" SessionIndex="${esc(spec.sessionIndex ?? "_session1")}"><saml:AuthnContext>` +
    `<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>` +
    `</saml:AuthnContext></saml:AuthnStatement></saml:Assertion>`
  );
}

/** An unsigned Response; `assertionXml` replaces the generated assertion (already signed, encrypted…). */
export function buildResponse(spec: ResponseSpec, assertionXml?: string): string {
  const irt = spec.responseInResponseTo !== undefined ? spec.responseInResponseTo : spec.inResponseTo;
  const responseIssuer = spec.responseIssuer === undefined ? spec.issuer : spec.responseIssuer;
  const status =
    `<samlp:Status><samlp:StatusCode Value="${spec.statusCode ?? "urn:oasis:names:tc:SAML:2.0:status:Success"}">` +
    (spec.subStatusCode ? `<samlp:StatusCode Value="${spec.subStatusCode}"/>` : "") +
    `</samlp:StatusCode>${spec.statusMessage ? `<samlp:StatusMessage>${esc(spec.statusMessage)}</samlp:StatusMessage>` : ""}</samlp:Status>`;
  return (
    `<samlp:Response xmlns:samlp="${SAMLP}" ID="${spec.responseId ?? "_r1"}" Version="2.0" IssueInstant="${iso(spec.issueInstant)}"` +
    (spec.destination ? ` Destination="${esc(spec.destination)}"` : "") +
    (irt ? ` InResponseTo="${esc(irt)}"` : "") +
    `>` +
    (responseIssuer === null ? "" : `<saml:Issuer xmlns:saml="${SAML}">${esc(responseIssuer)}</saml:Issuer>`) +
    status +
    (spec.includeAssertion === false ? "" : (assertionXml ?? buildAssertion(spec))) +
    `</samlp:Response>`
  );
}

export interface SignOptions {
  key: string;
  /** Certificate put in KeyInfo; null leaves KeyInfo out. */
  cert: string | null;
  algorithm?: "sha256" | "sha1" | "sha512";
}

const SIGNATURE_ALGORITHMS = {
  sha1: ["http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1"],
  sha256: ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2001/04/xmlenc#sha256"],
  sha512: ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha512", "http://www.w3.org/2001/04/xmlenc#sha512"],
} as const;

function sign(xml: string, elementXPath: string, options: SignOptions): string {
  const [signatureAlgorithm, digestAlgorithm] = SIGNATURE_ALGORITHMS[options.algorithm ?? "sha256"];
  const signer = new SignedXml({
    privateKey: options.key,
    ...(options.cert ? { publicCert: options.cert } : { getKeyInfoContent: () => null }),
    signatureAlgorithm,
    canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#",
  });
  signer.addReference({
    xpath: elementXPath,
    digestAlgorithm,
    transforms: ["http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/2001/10/xml-exc-c14n#"],
  });
  // Enveloped signature right after the element's Issuer, where the schema puts it.
  signer.computeSignature(xml, { location: { reference: `${elementXPath}/*[local-name(.)='Issuer']`, action: "after" } });
  return signer.getSignedXml();
}

export function signAssertion(xml: string, options: SignOptions): string {
  return sign(xml, `//*[local-name(.)='Assertion' and namespace-uri(.)='${SAML}']`, options);
}

export function signResponse(xml: string, options: SignOptions): string {
  return sign(xml, `/*[local-name(.)='Response' and namespace-uri(.)='${SAMLP}']`, options);
}

export function toBase64(xml: string): string {
  return Buffer.from(xml, "utf8").toString("base64");
}

/** Encrypts an (already signed) assertion for the SP, as Entra's token encryption does. */
export async function encryptAssertion(assertionXml: string, spCertPem: string): Promise<string> {
  // xml-encryption ships with node-saml (which decrypts with it) and has no type declarations.
  const xmlenc = createRequire(import.meta.url)("xml-encryption") as {
    encrypt(content: string, options: Record<string, unknown>, callback: (error: Error | null, result: string) => void): void;
  };
  const encrypted = await new Promise<string>((resolve, reject) =>
    xmlenc.encrypt(
      assertionXml,
      {
        rsa_pub: spCertPem,
        pem: spCertPem,
        encryptionAlgorithm: "http://www.w3.org/2009/xmlenc11#aes256-gcm",
        keyEncryptionAlgorithm: "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
        disallowEncryptionWithInsecureAlgorithm: true,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
  return `<saml:EncryptedAssertion xmlns:saml="${SAML}">${encrypted}</saml:EncryptedAssertion>`;
}

/** Signs the document element (POST-binding LogoutRequest / LogoutResponse), right after its Issuer. */
export function signRoot(xml: string, options: SignOptions): string {
  return sign(xml, "/*", options);
}
