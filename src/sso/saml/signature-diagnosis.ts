import { getVerifiedXml } from "@node-saml/node-saml/lib/xml.js";
import { SignedXml } from "xml-crypto";
import { failure, type SamlFailure } from "./failures.js";
import { NS, attr, child, children, descendants } from "./xml.js";

/**
 * What was signed, and why a refusal happened, in words an administrator can act on. Nothing here
 * decides that a signature is good: node-saml's `getVerifiedXml` (xml-crypto underneath) is asked,
 * and xml-crypto's own per-reference result says whether a digest or the SignatureValue failed.
 * The structure is only read to name the failure (wrapping, tampering, configuration).
 */
export type Where = "Response" | "assertion";

export type SignatureVerdict =
  | { present: false }
  | { present: true; verified: true }
  | { present: true; verified: false; wrapping: boolean; problem: string };

/** One signed element: the document it sits in (the decrypted assertion has its own). */
export interface SignedElement {
  where: Where;
  element: Element;
  documentXml: string;
}

const ID_ATTRIBUTES = ["ID", "Id", "id"];

function referenceId(signature: Element): string {
  const signedInfo = child(signature, NS.ds, "SignedInfo");
  const uri = attr(signedInfo ? child(signedInfo, NS.ds, "Reference") : undefined, "URI") ?? "";
  return uri.startsWith("#") ? uri.slice(1) : uri;
}

function elementsWithId(document: Document, id: string): Element[] {
  return descendants(document, "*", "*").filter((element) => ID_ATTRIBUTES.some((name) => element.getAttribute(name) === id));
}

/** Where an element sits, e.g. samlp:Response/ds:Signature/samlp:Response. */
export function pathOf(element: Element): string {
  const names: string[] = [];
  for (let node: Node | null = element; node && node.nodeType === 1; node = node.parentNode) names.unshift((node as Element).tagName);
  return names.join("/");
}

/** Does the element's own enveloped signature verify with a configured certificate, and if not, why. */
export function signatureVerdict(signed: SignedElement, certificates: string[]): SignatureVerdict {
  const { where, element, documentXml } = signed;
  const signature = children(element, NS.ds, "Signature")[0];
  if (!signature) return { present: false };
  const refId = referenceId(signature);
  const id = attr(element, "ID");
  if (refId !== id) {
    const target = refId && element.ownerDocument ? elementsWithId(element.ownerDocument, refId)[0] : undefined;
    return {
      present: true,
      verified: false,
      wrapping: true,
      problem: `The ${where}'s signature covers ${refId ? `#${refId}` : "the whole document"}, but the ${where} the SP reads has ID "${id ?? "(none)"}"${target ? `; the signed element sits at ${pathOf(target)}` : ""}: the signed ${where} was moved and another put in its place (signature wrapping).`,
    };
  }
  const sameId = element.ownerDocument ? elementsWithId(element.ownerDocument, refId).length : 1;
  if (sameId > 1) {
    return { present: true, verified: false, wrapping: true, problem: `${sameId} elements carry the ID "${refId}" that the ${where}'s signature covers: a copy was added to confuse which one is signed (signature wrapping).` };
  }
  let verified: string | null;
  try {
    verified = getVerifiedXml(documentXml, element, certificates);
  } catch (error) {
    return { present: true, verified: false, wrapping: false, problem: `The ${where}'s signature was refused by node-saml: ${error instanceof Error ? error.message : String(error)}.` };
  }
  if (verified !== null) return { present: true, verified: true };
  return { present: true, verified: false, wrapping: false, problem: cryptographicProblem(where, documentXml, signature, certificates) };
}

/** xml-crypto's own account: a digest mismatch means altered content, a bad SignatureValue another key. */
function cryptographicProblem(where: Where, documentXml: string, signature: Element, certificates: string[]): string {
  const xml = documentXml.replace(/\r\n?/g, "\n");
  for (const certificate of certificates) {
    const checker = new SignedXml({ publicCert: certificate });
    try {
      checker.loadSignature(signature);
      if (checker.checkSignature(xml)) continue;
      const altered = checker.getReferences().find((reference) => reference.validationError);
      if (altered) {
        return `The ${where}'s signature does not verify: the content it covers was changed after the IdP signed it (${altered.validationError?.message.replace(/ calculated digest is .*$/, " digest mismatch")}).`;
      }
    } catch {
      // The SignatureValue does not verify with this certificate: try the next one.
    }
  }
  return `The ${where}'s signature does not verify with any of the ${certificates.length} configured IdP certificate(s): it was made with another key, or its SignedInfo was changed.`;
}

/**
 * Signatures and assertions outside the two places Blanca verifies (the Response's own signature and
 * the signature of the one assertion it reads): the mark of a wrapping attack once a check failed.
 */
function strayParts(response: Element, assertion: Element | null): string | null {
  const expected = new Set<Element>([...children(response, NS.ds, "Signature"), ...(assertion ? children(assertion, NS.ds, "Signature") : [])]);
  for (const found of descendants(response, NS.saml, "Assertion")) {
    if (found === assertion) continue;
    const signed = children(found, NS.ds, "Signature").length > 0 ? "a signed" : "an unsigned";
    return `${signed[0]!.toUpperCase()}${signed.slice(1)} Assertion (ID "${attr(found, "ID") ?? "(none)"}") sits at ${pathOf(found)}, besides the one the SP reads${assertion ? ` (ID "${attr(assertion, "ID") ?? "(none)"}")` : ""}: an assertion was wrapped or moved (signature wrapping).`;
  }
  for (const found of descendants(response, NS.ds, "Signature")) {
    if (expected.has(found)) continue;
    return `A Signature over #${referenceId(found)} sits at ${pathOf(found)}, where no signature belongs: the signed content was moved (signature wrapping).`;
  }
  return null;
}

export interface RefusalContext {
  xml: string;
  response: Element;
  /** The assertion Blanca would read (decrypted when it was encrypted), with its document. */
  assertion: SignedElement | null;
  /** True when `assertion` came out of an EncryptedAssertion (its own document). */
  encrypted: boolean;
  certificates: string[];
  requireSignedAssertions: boolean;
}

/**
 * After node-saml (or Blanca's rule that every signature present verifies) refused: names what really
 * failed. Order: a signature moved onto other content, stray signed parts (wrapping), nothing signed,
 * a signature that does not verify (tampering or another key), and last the account's own rule.
 * Null when the signatures themselves are in order (the caller keeps node-saml's words).
 */
export function explainSignatureRefusal(context: RefusalContext): SamlFailure | null {
  const { xml, response, assertion, certificates } = context;
  const responseVerdict = signatureVerdict({ where: "Response", element: response, documentXml: xml }, certificates);
  const assertionVerdict: SignatureVerdict = assertion ? signatureVerdict(assertion, certificates) : { present: false };
  const wrappingFix = "Real IdPs never send this shape: treat it as an attack (XML signature wrapping). Nobody was signed in.";
  for (const verdict of [responseVerdict, assertionVerdict]) {
    if (verdict.present && !verdict.verified && verdict.wrapping) return failure("signature_wrapping", verdict.problem, { xml, fix: wrappingFix });
  }
  const stray = strayParts(response, assertion && !context.encrypted ? assertion.element : null) ?? (assertion && context.encrypted ? strayParts(assertion.element, assertion.element) : null);
  if (stray) return failure("signature_wrapping", stray, { xml, fix: wrappingFix });
  if (!responseVerdict.present && !assertionVerdict.present) return failure("signature_missing", "Neither the Response nor the assertion is signed.", { xml });
  for (const verdict of [responseVerdict, assertionVerdict]) {
    if (verdict.present && !verdict.verified) return failure("signature_invalid", verdict.problem, { xml });
  }
  if (!assertionVerdict.present && context.requireSignedAssertions) {
    return failure("signature_missing", "Only the Response is signed (and its signature verifies), but this account requires the assertion itself to be signed (\"Require signed assertions\" on the SSO tab).", {
      xml,
      fix: "In Entra > Single sign-on > SAML Certificates > Signing Option choose \"Sign SAML response and assertion\", or turn off \"Require signed assertions\" on the SSO tab.",
    });
  }
  return null;
}
