import { inflateRawSync } from "node:zlib";
import { failure, type SamlFailure } from "./failures.js";
import { parseUntrustedXml } from "./xml.js";

export type DecodedMessage = { ok: true; xml: string; root: Element } | SamlFailure;

/** Base64 characters needed for `maxBytes` of data, with room for line breaks some IdPs insert. */
export function maxBase64Length(maxBytes: number): number {
  return Math.ceil(maxBytes / 3) * 4 + Math.ceil(maxBytes / 57) * 2 + 4;
}

/**
 * A SAML message field (SAMLResponse / SAMLRequest) to a parsed document. The size is checked on
 * the base64 text before decoding, the inflated size is capped while inflating (Redirect
 * binding), and DOCTYPEs are refused before parsing.
 */
export function decodeSamlMessage(field: string | undefined, name: string, maxBytes: number, deflated: boolean): DecodedMessage {
  if (field === undefined) return failure("malformed_message", `The ${name} parameter is missing.`);
  const limit = maxBase64Length(maxBytes);
  if (field.length > limit) {
    return failure("message_too_large", `The ${name} field is ${field.length} characters; the limit is ${limit} (${maxBytes} bytes of XML).`);
  }
  const base64 = field.replace(/\s+/g, "");
  if (base64.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    return failure("malformed_message", `The ${name} field is empty or not base64.`);
  }
  let bytes = Buffer.from(base64, "base64");
  if (deflated) {
    try {
      bytes = inflateRawSync(bytes, { maxOutputLength: maxBytes });
    } catch (error) {
      if (error instanceof RangeError) return failure("message_too_large", `The ${name} inflates to more than ${maxBytes} bytes.`);
      return failure("malformed_message", `The ${name} is not DEFLATE-compressed as the HTTP-Redirect binding requires.`);
    }
  }
  const parsed = parseUntrustedXml(bytes, maxBytes);
  if (!parsed.ok) {
    if (parsed.problem === "too_large") return failure("message_too_large", `The decoded ${name} is too large (${parsed.detail}).`);
    if (parsed.problem === "doctype") return failure("doctype_forbidden", `The ${name} contains a DOCTYPE or ENTITY declaration; the SP refuses them (XXE and entity expansion).`);
    return failure("malformed_message", `The ${name} is not well-formed XML: ${parsed.detail}.`);
  }
  return { ok: true, xml: parsed.text, root: parsed.root };
}
